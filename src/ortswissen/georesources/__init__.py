"""Georesources (points, lines, areas with attributes and validity); part of the pure core."""

from ortswissen.georesources._assign import ASSIGNMENT_COLUMNS, resolve_assignments
from ortswissen.georesources._model import FeatureKind, GeoresourceMeta

__all__ = ["ASSIGNMENT_COLUMNS", "FeatureKind", "GeoresourceMeta", "resolve_assignments"]
