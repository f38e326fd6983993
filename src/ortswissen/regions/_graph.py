"""The unit graph a delineation works on: adjacency, shared borders, and the edges constraints cut.

Hard constraints shape the graph, not the objective: an edge that crosses a barrier (rail,
motorway, river) or the border between two units of a nesting level is removed, so no region can
straddle it. Each connected component of what is left is an independent subproblem.

Example:
    >>> import numpy as np
    >>> g = UnitGraph.from_edges(4, np.array([[0, 1], [1, 2], [2, 3]]))
    >>> g.n_edges, g.components()[0]
    (3, 1)
    >>> g.cut_between(np.array(["a", "a", "b", "b"])).components()[0]
    2
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

import numpy as np
from scipy import sparse
from scipy.sparse import csgraph

from ortswissen.errors import InvalidInput

__all__ = ["UnitGraph"]


@dataclass(frozen=True, eq=False)
class UnitGraph:
    """Units (nodes) and their adjacency (undirected edges ``i < j``) with the geometry measures solvers need.

    ``area`` and ``perimeter`` are per unit (m², m), ``shared`` is the length of the common border
    of each edge (m; 0 where units are neighbours only within a tolerance), ``centroid`` the
    units' centroids in a projected CRS. ``ids`` are the unit ids (indices as strings when not
    given). Graphs are immutable: the ``cut_*`` methods return new graphs.
    """

    n: int
    edges: np.ndarray
    area: np.ndarray
    perimeter: np.ndarray
    shared: np.ndarray
    centroid: np.ndarray
    ids: tuple[str, ...]
    #: what removed edges so far: ``{"barrier": 12, "nesting": 40, …}``
    removed: dict[str, int] = field(default_factory=dict)
    #: edges added to connect small components: ``(unit i, unit j, distance m)``
    bridges: tuple[tuple[int, int, float], ...] = ()

    # -- construction ----------------------------------------------------------------------------

    @classmethod
    def from_edges(
        cls,
        n: int,
        edges: Any,
        *,
        area: Any = None,
        perimeter: Any = None,
        shared: Any = None,
        centroid: Any = None,
        ids: Sequence[str] | None = None,
    ) -> UnitGraph:
        """A graph from an edge list (pairs of unit indices); missing measures default to unit squares."""
        e = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
        if len(e) and (e.min() < 0 or e.max() >= n):
            raise InvalidInput(f"edge refers to a unit index outside 0..{n - 1}")
        e = np.sort(e, axis=1)
        keep = e[:, 0] != e[:, 1]
        e, first = np.unique(e[keep], axis=0, return_index=True)
        shared_arr = np.ones(len(e)) if shared is None else np.asarray(shared, dtype=float)[keep][first]
        area_arr = np.ones(n) if area is None else np.asarray(area, dtype=float)
        perimeter_arr = np.full(n, 4.0) if perimeter is None else np.asarray(perimeter, dtype=float)
        cent = np.zeros((n, 2)) if centroid is None else np.asarray(centroid, dtype=float).reshape(n, 2)
        id_tuple = tuple(str(i) for i in range(n)) if ids is None else tuple(str(i) for i in ids)
        if len(id_tuple) != n or len(area_arr) != n or len(perimeter_arr) != n:
            raise InvalidInput("ids, area and perimeter need one entry per unit")
        return cls(n, e, area_arr, perimeter_arr, shared_arr, cent, id_tuple)

    @classmethod
    def from_geometries(
        cls,
        geometries: Any,
        ids: Sequence[str] | None = None,
        *,
        contiguity: str = "queen",
        tolerance: float = 0.0,
        min_shared: float = 0.0,
    ) -> UnitGraph:
        """Adjacency from polygons in a projected CRS (metres).

        ``queen``: units whose geometries touch, even at a corner; ``rook``: units sharing a border
        longer than ``min_shared``. ``tolerance`` (m) makes units neighbours across a gap up to that
        width — statistical blocks are separated by street space, so a tolerance of about the
        street width (15–30 m) is what makes blocks across a street neighbours. The shared border
        of such a pair is the length of each unit's boundary within ``tolerance`` of the other,
        averaged over both directions.
        """
        import shapely

        geoms = np.asarray(geometries, dtype=object)
        if len(geoms) == 0:
            raise InvalidInput("no geometries to build a graph from")
        if shapely.is_missing(geoms).any() or shapely.is_empty(geoms).any():
            raise InvalidInput("every unit needs a geometry; some are missing or empty")
        tree = shapely.STRtree(geoms)
        if tolerance > 0:
            left, right = tree.query(geoms, predicate="dwithin", distance=tolerance)
        else:
            left, right = tree.query(geoms, predicate="intersects")
        pairs = left < right
        left, right = left[pairs], right[pairs]
        bounds = shapely.boundary(geoms)
        if tolerance > 0:
            near = shapely.buffer(geoms, tolerance, quad_segs=2)
            a = shapely.length(shapely.intersection(bounds[left], near[right]))
            b = shapely.length(shapely.intersection(bounds[right], near[left]))
            shared = (a + b) / 2.0
        else:
            shared = shapely.length(shapely.intersection(bounds[left], bounds[right]))
        if contiguity == "rook":
            keep = shared > max(min_shared, 0.0)
            left, right, shared = left[keep], right[keep], shared[keep]
        elif contiguity != "queen":
            raise InvalidInput(f"contiguity must be 'queen' or 'rook', not {contiguity!r}")
        centroid = shapely.get_coordinates(shapely.centroid(geoms))
        return cls.from_edges(
            len(geoms),
            np.column_stack([left, right]),
            area=shapely.area(geoms),
            perimeter=shapely.length(bounds),
            shared=shared,
            centroid=centroid,
            ids=ids,
        )

    # -- views -----------------------------------------------------------------------------------

    @property
    def n_edges(self) -> int:
        """The number of (undirected) edges."""
        return len(self.edges)

    @cached_property
    def adjacency(self) -> sparse.csr_matrix:
        """The symmetric adjacency matrix (CSR, 0/1)."""
        e = self.edges
        data = np.ones(2 * len(e), dtype=np.int8)
        rows = np.concatenate([e[:, 0], e[:, 1]])
        cols = np.concatenate([e[:, 1], e[:, 0]])
        return sparse.csr_matrix((data, (rows, cols)), shape=(self.n, self.n))

    @cached_property
    def neighbours(self) -> tuple[np.ndarray, np.ndarray]:
        """``(indptr, indices)``: the neighbours of unit ``i`` are ``indices[indptr[i]:indptr[i + 1]]``."""
        a = self.adjacency
        return a.indptr, a.indices

    @cached_property
    def degree(self) -> np.ndarray:
        """The number of neighbours of each unit."""
        return np.diff(self.adjacency.indptr)

    def components(self) -> tuple[int, np.ndarray]:
        """``(count, labels)`` of the connected components."""
        count, labels = csgraph.connected_components(self.adjacency, directed=False)
        return int(count), labels

    def islands(self) -> np.ndarray:
        """Indices of units without any neighbour."""
        return np.flatnonzero(self.degree == 0)

    # -- constraints cut edges -------------------------------------------------------------------

    def drop_edges(self, mask: Any, reason: str = "dropped") -> UnitGraph:
        """A graph without the edges where ``mask`` is true."""
        m = np.asarray(mask, dtype=bool)
        if m.shape != (self.n_edges,):
            raise InvalidInput(f"the edge mask needs {self.n_edges} entries, not {m.shape}")
        removed = dict(self.removed)
        removed[reason] = removed.get(reason, 0) + int(m.sum())
        return replace(self, edges=self.edges[~m], shared=self.shared[~m], removed=removed)

    def cut_between(self, groups: Any, reason: str = "nesting") -> UnitGraph:
        """Remove edges between units of different groups (e.g. districts: regions never cross them)."""
        g = np.asarray(groups)
        if len(g) != self.n:
            raise InvalidInput(f"nesting needs a group for each of the {self.n} units, got {len(g)}")
        return self.drop_edges(g[self.edges[:, 0]] != g[self.edges[:, 1]], reason)

    def cut_longer_than(self, distance: float, reason: str = "distance") -> UnitGraph:
        """Remove edges whose units' centroids are further apart than ``distance`` (m)."""
        d = np.linalg.norm(self.centroid[self.edges[:, 0]] - self.centroid[self.edges[:, 1]], axis=1)
        return self.drop_edges(d > distance, reason)

    def cut_by_barriers(
        self,
        barriers: Any,
        crossings: Any = None,
        *,
        crossing_radius: float = 75.0,
        reason: str = "barrier",
    ) -> UnitGraph:
        """Remove edges whose centroid-to-centroid segment crosses a barrier geometry.

        ``barriers`` are lines (rail, motorways, rivers as lines) or polygons (water areas);
        ``crossings`` are points (bridges, level crossings, underpasses): an edge that crosses a
        barrier within ``crossing_radius`` of a crossing is kept.
        """
        import shapely

        lines = np.asarray(barriers, dtype=object).ravel()
        if len(lines) == 0 or self.n_edges == 0:
            return self.drop_edges(np.zeros(self.n_edges, dtype=bool), reason)
        c = self.centroid
        segments = shapely.linestrings(
            np.stack([c[self.edges[:, 0]], c[self.edges[:, 1]]], axis=1).reshape(-1, 2),
            indices=np.repeat(np.arange(self.n_edges), 2),
        )
        seg_idx, bar_idx = shapely.STRtree(lines).query(segments, predicate="intersects")
        cut = np.zeros(self.n_edges, dtype=bool)
        if len(seg_idx) == 0:
            return self.drop_edges(cut, reason)
        if crossings is None or len(np.asarray(crossings, dtype=object).ravel()) == 0:
            cut[seg_idx] = True
            return self.drop_edges(cut, reason)
        points = np.asarray(crossings, dtype=object).ravel()
        where = shapely.intersection(segments[seg_idx], lines[bar_idx])
        near, _ = shapely.STRtree(points).query(where, predicate="dwithin", distance=crossing_radius)
        bridged = np.zeros(len(seg_idx), dtype=bool)
        bridged[near] = True
        # an edge is cut when it crosses some barrier away from every crossing
        cut[seg_idx[~bridged]] = True
        return self.drop_edges(cut, reason)

    def bridge_components(
        self,
        population: Any,
        floor: float,
        groups: Any = None,
        *,
        max_distance: float | None = None,
    ) -> UnitGraph:
        """Connect every component with fewer than ``floor`` people to its nearest other component.

        The bridge joins the two closest units (by centroid) of the small component and any
        other component of the same group (nesting: never across a district border), within
        ``max_distance`` if given; repeated until every component reaches the floor or has no
        partner left. Bridges are recorded in ``bridges`` so results can report them.
        """
        from scipy.spatial import cKDTree

        pop = np.asarray(population, dtype=float)
        grp = (
            np.zeros(self.n, dtype=np.int64)
            if groups is None
            else np.unique(np.asarray(groups), return_inverse=True)[1]
        )
        graph = self
        tree = cKDTree(self.centroid)
        limit = np.inf if max_distance is None else float(max_distance)
        while True:
            count, comp = graph.components()
            cpop = np.bincount(comp, weights=pop, minlength=count)
            small = np.flatnonzero(cpop < floor)
            new: list[tuple[int, int, float]] = []
            joined: set[int] = set()
            for c in small[np.argsort(cpop[small], kind="stable")]:
                if c in joined:
                    continue
                members = np.flatnonzero(comp == c)
                k = len(members) + 16  # enough to reach beyond the component itself, widened if needed
                while True:
                    k = min(self.n, k)
                    dist, idx = tree.query(self.centroid[members], k=k)
                    dist, idx = dist.reshape(len(members), k), idx.reshape(len(members), k)
                    ok = (comp[idx] != c) & (grp[idx] == grp[members][:, None]) & (dist <= limit)
                    if ok.any() or k == self.n or dist[:, -1].min() > limit:
                        break
                    k *= 8
                if not ok.any():
                    continue
                d = np.where(ok, dist, np.inf)
                row, col = np.unravel_index(np.argmin(d), d.shape)
                i, j = int(members[row]), int(idx[row, col])
                new.append((min(i, j), max(i, j), float(dist[row, col])))
                joined.update({int(c), int(comp[j])})
            if not new:
                return graph
            e = np.array([[a, b] for a, b, _ in new], dtype=np.int64)
            graph = replace(
                graph,
                edges=np.concatenate([graph.edges, e]),
                shared=np.concatenate([graph.shared, np.zeros(len(e))]),
                bridges=graph.bridges + tuple(new),
            )

    def subgraph_edges(self, labels: np.ndarray) -> np.ndarray:
        """Mask of the edges inside a region of ``labels`` (both ends share a label)."""
        return labels[self.edges[:, 0]] == labels[self.edges[:, 1]]
