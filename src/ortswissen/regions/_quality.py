"""Quality measures that come with every delineation (regionalisation note §5).

* homogeneity: within-region sum of squares (WSS) of the features, as WSS/TSS and as a ratio to
  contiguity-constrained Ward at the same number of regions ("the price of the constraints");
* compactness: isoperimetric quotient 4πA/P² of each dissolved region (a square is 0.785);
  the perimeter is the units' perimeters less twice their shared borders;
* compliance: contiguity, floor and cap violations;
* balance: population per region (min, max, mean, coefficient of variation);
* functional coherence: flow self-containment (share of flows that stay within a region);
* agreement with a reference delineation: adjusted Rand index and normalised mutual information.

Example:
    >>> import numpy as np
    >>> from ortswissen.regions._graph import UnitGraph
    >>> g = UnitGraph.from_edges(4, [[0, 1], [1, 2], [2, 3]], shared=[1, 1, 1])
    >>> q = evaluate(g, np.array([[0.0], [0.0], [1.0], [1.0]]), np.ones(4), np.array([0, 0, 1, 1]))
    >>> q["n_regions"], q["wss"], q["contiguous"]
    (2, 0.0, True)
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from scipy import sparse
from scipy.sparse import csgraph

from ortswissen.regions._graph import UnitGraph

__all__ = ["evaluate", "ipq", "self_containment", "ward_labels", "wss"]


def wss(features: np.ndarray, labels: np.ndarray) -> float:
    """Within-region sum of squares."""
    x = np.asarray(features, dtype=float)
    lab = np.asarray(labels)
    p = int(lab.max()) + 1 if len(lab) else 0
    cnt = np.bincount(lab, minlength=p).astype(float)
    sx = np.zeros((p, x.shape[1]))
    np.add.at(sx, lab, x)
    return float(max((x * x).sum() - ((sx**2).sum(axis=1) / np.maximum(cnt, 1)).sum(), 0.0))


def ipq(graph: UnitGraph, labels: np.ndarray) -> np.ndarray:
    """Isoperimetric quotient 4πA/P² per region (label order)."""
    lab = np.asarray(labels)
    p = int(lab.max()) + 1
    area = np.bincount(lab, weights=graph.area, minlength=p)
    perim = np.bincount(lab, weights=graph.perimeter, minlength=p)
    inside = graph.subgraph_edges(lab)
    perim -= 2 * np.bincount(lab[graph.edges[inside, 0]], weights=graph.shared[inside], minlength=p)
    with np.errstate(divide="ignore", invalid="ignore"):
        q = 4 * np.pi * area / perim**2
    return np.clip(np.nan_to_num(q, nan=0.0), 0.0, 1.0)


def self_containment(flows: Any, labels: np.ndarray) -> float:
    """Share of the flow total (a units × units matrix) whose origin and destination share a region."""
    f = sparse.coo_matrix(flows)
    total = float(f.data.sum())
    if total <= 0:
        return float("nan")
    lab = np.asarray(labels)
    return float(f.data[lab[f.row] == lab[f.col]].sum()) / total


def ward_labels(graph: UnitGraph, features: np.ndarray, n_regions: int) -> np.ndarray:
    """Contiguity-constrained Ward with ``n_regions`` clusters, run per graph component.

    Clusters are allotted to components in proportion to their size (largest remainder; at
    least one each, at most one per unit) — the reference "Ward at the same number of regions".
    """
    from sklearn.cluster import AgglomerativeClustering

    x = np.asarray(features, dtype=float)
    count, comp = graph.components()
    sizes = np.bincount(comp, minlength=count)
    k = np.ones(count, dtype=np.int64)
    spare = max(n_regions - count, 0)
    if spare:
        room = sizes - 1
        quota = spare * room / max(room.sum(), 1)
        extra = np.minimum(np.floor(quota).astype(np.int64), room)
        left = spare - int(extra.sum())
        order = np.argsort(-(quota - extra))
        for c in order:
            if left <= 0:
                break
            if extra[c] < room[c]:
                extra[c] += 1
                left -= 1
        k += extra
    labels = np.empty(graph.n, dtype=np.int64)
    offset = 0
    adjacency = graph.adjacency
    for c in range(count):
        members = np.flatnonzero(comp == c)
        if k[c] == 1 or len(members) == 1:
            labels[members] = offset
        else:
            model = AgglomerativeClustering(
                n_clusters=int(k[c]), linkage="ward", connectivity=adjacency[members][:, members]
            )
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                labels[members] = offset + model.fit_predict(x[members])
        offset += int(k[c])
    return labels


def _contiguity(graph: UnitGraph, labels: np.ndarray) -> list[int]:
    """Regions whose units are not connected within the region."""
    inside = graph.subgraph_edges(labels)
    e = graph.edges[inside]
    g = sparse.csr_matrix((np.ones(len(e)), (e[:, 0], e[:, 1])), shape=(graph.n, graph.n))
    _, comp = csgraph.connected_components(g, directed=False)
    p = int(labels.max()) + 1
    pieces = np.zeros(p, dtype=np.int64)
    pairs = np.unique(np.column_stack([labels, comp]), axis=0)
    np.add.at(pieces, pairs[:, 0], 1)
    return np.flatnonzero(pieces > 1).tolist()


def evaluate(
    graph: UnitGraph,
    features: np.ndarray,
    population: np.ndarray,
    labels: np.ndarray,
    *,
    floor: float = 0.0,
    cap: float | None = None,
    flows: Any = None,
    reference: np.ndarray | None = None,
    compare_ward: bool = True,
) -> dict[str, Any]:
    """All quality measures of a delineation as a JSON-ready dict (see the module docstring)."""
    lab = np.asarray(labels, dtype=np.int64)
    x = np.asarray(features, dtype=float)
    pop = np.asarray(population, dtype=float)
    p = int(lab.max()) + 1
    total_ss = float(((x - x.mean(axis=0)) ** 2).sum())
    w = wss(x, lab)
    rpop = np.bincount(lab, weights=pop, minlength=p)
    q = ipq(graph, lab)
    broken = _contiguity(graph, lab)
    below = np.flatnonzero(rpop < floor - 1e-9).tolist()
    above = [] if cap is None else np.flatnonzero(rpop > cap + 1e-9).tolist()
    out: dict[str, Any] = {
        "n_units": graph.n,
        "n_regions": p,
        "wss": w,
        "tss": total_ss,
        "wss_tss": w / total_ss if total_ss > 0 else 0.0,
        "ipq_mean": float(q.mean()),
        "ipq_median": float(np.median(q)),
        "ipq_min": float(q.min()),
        "population": {
            "min": float(rpop.min()),
            "max": float(rpop.max()),
            "mean": float(rpop.mean()),
            "cv": float(rpop.std() / rpop.mean()) if rpop.mean() > 0 else 0.0,
        },
        "floor": floor,
        "cap": cap,
        "floor_violations": len(below),
        "cap_violations": len(above),
        "regions_below_floor": below[:50],
        "regions_above_cap": above[:50],
        "contiguous": not broken,
        "noncontiguous_regions": broken[:50],
        "edges_removed": dict(graph.removed),
    }
    if compare_ward:
        wl = ward_labels(graph, x, p)
        ward_wss = wss(x, wl)
        out["ward_wss"] = ward_wss
        out["wss_vs_ward"] = w / ward_wss if ward_wss > 0 else float("nan")
    if flows is not None:
        out["self_containment"] = self_containment(flows, lab)
    if reference is not None:
        from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

        ref = np.asarray(reference)
        known = np.array([r is not None and not (isinstance(r, float) and np.isnan(r)) for r in ref], dtype=bool)
        out["reference"] = {
            "ari": float(adjusted_rand_score(ref[known], lab[known])),
            "nmi": float(normalized_mutual_info_score(ref[known], lab[known])),
            "units_compared": int(known.sum()),
            "reference_regions": len(np.unique(ref[known])),
        }
    return out
