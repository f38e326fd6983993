"""The full-order Ward spanning tree (REDCAP's "Ward linkage" tree) of each graph component.

Contiguity-constrained Ward merges adjacent clusters bottom-up (scikit-learn, about
O(m log n)). For every merge we keep the most similar graph edge between the two merged
clusters; those edges form a spanning tree of each component, which the bounded cuts then
partition. An edge joins the two clusters of merge *t* exactly when *t* is the lowest common
ancestor of its ends in the dendrogram, so one vectorised LCA query over all edges (binary
lifting) assigns every edge to its merge.

Example:
    >>> import numpy as np
    >>> from ortswissen.regions._graph import UnitGraph
    >>> g = UnitGraph.from_edges(4, [[0, 1], [1, 2], [2, 3], [0, 3]])
    >>> x = np.array([[0.0], [0.1], [5.0], [5.2]])
    >>> sorted(map(tuple, ward_spanning_tree(g, x).tolist()))
    [(0, 1), (1, 2), (2, 3)]
"""

from __future__ import annotations

import warnings

import numpy as np

from ortswissen.regions._graph import UnitGraph

__all__ = ["ward_spanning_tree"]


def ward_spanning_tree(graph: UnitGraph, features: np.ndarray) -> np.ndarray:
    """Edges ``(k, 2)`` of a spanning forest: one tree per connected component of ``graph``."""
    from sklearn.cluster import ward_tree

    x = np.ascontiguousarray(features, dtype=float)
    count, comp = graph.components()
    e = graph.edges
    order = np.argsort(comp, kind="stable")
    starts = np.searchsorted(comp[order], np.arange(count + 1))
    local = np.empty(graph.n, dtype=np.int64)
    edge_comp = comp[e[:, 0]]
    edge_order = np.argsort(edge_comp, kind="stable")
    edge_starts = np.searchsorted(edge_comp[edge_order], np.arange(count + 1))
    out: list[np.ndarray] = []
    adjacency = graph.adjacency
    for c in range(count):
        members = order[starts[c] : starts[c + 1]]
        size = len(members)
        if size < 2:
            continue
        ce = e[edge_order[edge_starts[c] : edge_starts[c + 1]]]
        if size == 2:
            out.append(ce[:1])
            continue
        local[members] = np.arange(size)
        conn = adjacency[members][:, members]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # sklearn's notes on the connectivity it was given
            children, *_ = ward_tree(x[members], connectivity=conn)
        li, lj = local[ce[:, 0]], local[ce[:, 1]]
        merge = _lca_merge(children, size, li, lj)
        dissimilarity = ((x[ce[:, 0]] - x[ce[:, 1]]) ** 2).sum(axis=1)
        pick = np.lexsort((dissimilarity, merge))
        merge_sorted = merge[pick]
        first = np.ones(len(pick), dtype=bool)
        first[1:] = merge_sorted[1:] != merge_sorted[:-1]
        chosen = pick[first]
        if len(chosen) != size - 1:  # pragma: no cover - guaranteed by connectivity-constrained Ward
            raise RuntimeError("the Ward tree merged clusters that share no edge")
        out.append(ce[chosen])
    if not out:
        return np.empty((0, 2), dtype=np.int64)
    return np.concatenate(out)


def _lca_merge(children: np.ndarray, n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """For leaf pairs ``(a, b)``, the index of the merge that first puts them in one cluster."""
    total = 2 * n - 1
    parent = np.full(total, total - 1, dtype=np.int64)
    parent[children[:, 0]] = np.arange(n, total)
    parent[children[:, 1]] = np.arange(n, total)
    depth = np.zeros(total, dtype=np.int64)
    # internal nodes are created after their children: walk the merges from the root down
    ch = children.tolist()
    dl = depth.tolist()
    for t in range(n - 2, -1, -1):
        d = dl[n + t] + 1
        left, right = ch[t]
        dl[left] = d
        dl[right] = d
    depth = np.asarray(dl, dtype=np.int64)
    levels = max(1, int(depth.max()).bit_length())
    up = [parent]
    for _ in range(1, levels):
        up.append(up[-1][up[-1]])
    a = a.astype(np.int64).copy()
    b = b.astype(np.int64).copy()
    swap = depth[a] < depth[b]
    a[swap], b[swap] = b[swap], a[swap].copy()
    diff = depth[a] - depth[b]
    for k in range(levels):
        step = (diff >> k) & 1 == 1
        a[step] = up[k][a[step]]
    for k in range(levels - 1, -1, -1):
        differ = up[k][a] != up[k][b]
        a[differ] = up[k][a[differ]]
        b[differ] = up[k][b[differ]]
    lca = np.where(a == b, a, parent[a])
    return lca - n
