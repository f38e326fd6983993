"""Regions: delineate quarters from building blocks, measure their quality and type them.

Part of the pure core (no store, no I/O): a :class:`UnitGraph` of units with the edges that
barriers and nesting borders cut, a feature space of standardised attributes and flow profiles,
the solver :func:`delineate` (Ward tree → bounded cuts → border polish), quality measures
(:func:`evaluate`) and the typology of the resulting quarters (:func:`typology`).

Example:
    >>> import numpy as np
    >>> g = UnitGraph.from_edges(4, [[0, 1], [1, 2], [2, 3]])
    >>> d = delineate(g, np.array([[0.0], [0.0], [3.0], [3.0]]), np.ones(4), n_regions=2, floor=2)
    >>> d.labels.tolist(), d.metrics["contiguous"]
    ([0, 0, 1, 1], True)
"""

from ortswissen.regions._features import distance_decay_flows, flow_profiles, one_hot, standardise
from ortswissen.regions._graph import UnitGraph
from ortswissen.regions._network import StreetNetwork
from ortswissen.regions._quality import evaluate, ipq, self_containment, ward_labels, wss
from ortswissen.regions._solver import METHOD, Delineation, delineate
from ortswissen.regions._typology import Typology, typology

__all__ = [
    "METHOD",
    "Delineation",
    "StreetNetwork",
    "Typology",
    "UnitGraph",
    "delineate",
    "distance_decay_flows",
    "evaluate",
    "flow_profiles",
    "ipq",
    "one_hot",
    "self_containment",
    "standardise",
    "typology",
    "ward_labels",
    "wss",
]
