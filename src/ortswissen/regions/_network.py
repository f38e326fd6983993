"""Walking distance on a street network, for the reach constraint of a delineation.

The network is built from line geometries: every vertex is a node (coordinates rounded to
decimetres, so lines that meet share nodes), every segment an edge weighted by its length.
A unit reaches the network at its nearest node; the distance between two units is the
straight line to the network, the shortest path along it, and the straight line back.

Example:
    >>> import shapely
    >>> net = StreetNetwork.from_lines([shapely.LineString([(0, 0), (100, 0), (100, 100)])])
    >>> net.distances_from([0.0, 0.0], [[100.0, 110.0], [300.0, 0.0]], limit=1000).round(1).tolist()
    [210.0, 300.0]
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import sparse
from scipy.sparse import csgraph
from scipy.spatial import cKDTree

from ortswissen.errors import InvalidInput

__all__ = ["StreetNetwork"]


class StreetNetwork:
    """Nodes, weighted edges and a nearest-node index of a street network."""

    def __init__(self, nodes: np.ndarray, graph: sparse.csr_matrix) -> None:
        self.nodes = nodes
        self.graph = graph
        self._tree = cKDTree(nodes)

    @classmethod
    def from_lines(cls, lines: Any) -> StreetNetwork:
        """The network of (multi)line geometries in a projected CRS (metres)."""
        import shapely

        geoms = shapely.line_merge(np.asarray(lines, dtype=object).ravel())
        parts = shapely.get_parts(geoms)
        parts = parts[shapely.get_type_id(parts) == 1]  # LineStrings
        if len(parts) == 0:
            raise InvalidInput("the street network has no lines")
        coords, index = shapely.get_coordinates(parts, return_index=True)
        keys = np.round(coords, 1)
        nodes, node_of = np.unique(keys, axis=0, return_inverse=True)
        node_of = node_of.ravel()
        same_line = index[1:] == index[:-1]
        a, b = node_of[:-1][same_line], node_of[1:][same_line]
        length = np.linalg.norm(coords[1:][same_line] - coords[:-1][same_line], axis=1)
        keep = a != b
        a, b, length = a[keep], b[keep], length[keep]
        n = len(nodes)
        graph = sparse.csr_matrix((np.r_[length, length], (np.r_[a, b], np.r_[b, a])), shape=(n, n))
        return cls(nodes, graph)

    def snap(self, points: Any) -> tuple[np.ndarray, np.ndarray]:
        """``(node, distance)``: the nearest node of each point and how far it is."""
        dist, idx = self._tree.query(np.asarray(points, dtype=float).reshape(-1, 2))
        return idx, dist

    def distances_from(self, origin: Any, points: Any, *, limit: float) -> np.ndarray:
        """Walking distance from ``origin`` to each point; ``inf`` beyond ``limit`` or unreachable."""
        (node,), (d0,) = self.snap(origin)
        nodes, dp = self.snap(points)
        along = csgraph.dijkstra(self.graph, directed=False, indices=int(node), limit=max(limit - d0, 0.0))
        total = d0 + along[nodes] + dp
        return np.where(total <= limit, total, np.inf)
