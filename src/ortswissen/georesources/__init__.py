"""Georesources (points, lines, areas with attributes and validity); part of the pure core."""

from ortswissen.georesources._model import FeatureKind, GeoresourceMeta

__all__ = ["FeatureKind", "GeoresourceMeta"]
