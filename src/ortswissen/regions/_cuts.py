"""Bounded cuts of a spanning forest: SKATER-style splits under a population floor and cap.

Each region is a subtree of the forest: a root plus everything below it, less the subtrees
below its cut edges ("holes"). With the forest in DFS preorder every subtree is a contiguous
range, so prefix sums give any subtree's count, population, Σx and Σ‖x‖² in O(1), and the
subtree sums *within* a region are the global ones less the holes below — one vectorised pass
per region evaluates every possible cut. A cut splits the region with the largest reduction of
the within-region sum of squares whose two sides both keep ``floor`` people; regions above
``cap`` (or too wide for ``reach``) are split first.

Example:
    >>> import numpy as np
    >>> tree = np.array([[0, 1], [1, 2], [2, 3]])
    >>> x = np.array([[0.0], [0.0], [9.0], [9.0]])
    >>> cut_forest(4, tree, x, np.ones(4), n_regions=2, floor=1).labels.tolist()
    [0, 0, 1, 1]
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from scipy.sparse import csgraph

__all__ = ["CutResult", "cut_forest"]


@dataclass
class CutResult:
    """Region labels ``0..p-1`` per unit, and the regions that could not meet a bound."""

    labels: np.ndarray
    #: ``(region root unit, reason)`` for regions left above the cap / beyond reach (no feasible cut)
    unsplittable: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class _Forest:
    parent: np.ndarray  # tree parent per unit, -1 for roots
    tin: np.ndarray  # preorder position per unit
    tout: np.ndarray  # end of the subtree's range (exclusive)
    order: np.ndarray  # units in preorder
    prefix: np.ndarray  # (n + 1, 3 + d) prefix sums in preorder of [count, pop, Σ‖x‖², x…]


def _forest(n: int, tree: np.ndarray, stats: np.ndarray) -> _Forest:
    graph = sparse.csr_matrix(
        (np.ones(2 * len(tree)), (np.r_[tree[:, 0], tree[:, 1]], np.r_[tree[:, 1], tree[:, 0]])), shape=(n, n)
    )
    _count, comp = csgraph.connected_components(graph, directed=False)
    parent = np.full(n, -1, dtype=np.int64)
    orders = []
    roots = np.unique(comp, return_index=True)[1]
    for root in roots:
        order, pred = csgraph.depth_first_order(graph, int(root), directed=False, return_predecessors=True)
        parent[order[1:]] = pred[order[1:]]
        orders.append(order)
    order = np.concatenate(orders).astype(np.int64)
    tin = np.empty(n, dtype=np.int64)
    tin[order] = np.arange(n)
    size = np.ones(n, dtype=np.int64)
    sl = size.tolist()
    pl = parent.tolist()
    for v in order[::-1].tolist():
        p = pl[v]
        if p >= 0:
            sl[p] += sl[v]
    size = np.asarray(sl, dtype=np.int64)
    prefix = np.zeros((n + 1, stats.shape[1]))
    np.cumsum(stats[order], axis=0, out=prefix[1:])
    return _Forest(parent, tin, tin + size, order, prefix)


def _ssd(total: np.ndarray) -> np.ndarray:
    """Within sum of squares from ``[count, pop, Σ‖x‖², Σx…]`` rows."""
    cnt = np.maximum(total[..., 0], 1.0)
    return total[..., 2] - (total[..., 3:] ** 2).sum(axis=-1) / cnt


class _Regions:
    def __init__(self, forest: _Forest, floor: float, cap: float | None, reach: Callable | None) -> None:
        self.f = forest
        self.floor = floor
        self.cap = cap
        self.reach = reach
        self.holes: dict[int, list[int]] = {}

    def members(self, root: int) -> np.ndarray:
        f = self.f
        lo, hi = f.tin[root], f.tout[root]
        inside = np.ones(hi - lo, dtype=bool)
        for h in self.holes.get(root, []):
            inside[f.tin[h] - lo : f.tout[h] - lo] = False
        return f.order[lo:hi][inside]

    def total(self, root: int) -> np.ndarray:
        f = self.f
        t = f.prefix[f.tout[root]] - f.prefix[f.tin[root]]
        for h in self.holes.get(root, []):
            t = t - (f.prefix[f.tout[h]] - f.prefix[f.tin[h]])
        return t

    def best_cut(self, root: int) -> tuple[float, int] | None:
        """``(reduction, unit)``: cut the edge above ``unit``; None when no cut keeps both sides ≥ floor."""
        f = self.f
        units = self.members(root)
        units = units[units != root]
        if len(units) == 0:
            return None
        sub = f.prefix[f.tout[units]] - f.prefix[f.tin[units]]
        holes = self.holes.get(root, [])
        if holes:
            h = np.asarray(sorted(holes, key=lambda u: f.tin[u]), dtype=np.int64)
            hs = f.prefix[f.tout[h]] - f.prefix[f.tin[h]]
            hcum = np.vstack([np.zeros((1, hs.shape[1])), np.cumsum(hs, axis=0)])
            ht = f.tin[h]
            lo = np.searchsorted(ht, f.tin[units])
            hi = np.searchsorted(ht, f.tout[units])
            sub = sub - (hcum[hi] - hcum[lo])
        total = self.total(root)
        rest = total - sub
        ok = (sub[:, 1] >= self.floor) & (rest[:, 1] >= self.floor)
        if not ok.any():
            return None
        gain = _ssd(total) - _ssd(sub) - _ssd(rest)
        gain[~ok] = -np.inf
        i = int(np.argmax(gain))
        return float(gain[i]), int(units[i])

    def violation(self, root: int) -> str | None:
        """Why a region must be split regardless of gain: above the cap, or wider than reach."""
        if self.cap is not None and self.total(root)[1] > self.cap:
            return "cap"
        if self.reach is not None and not self.reach(self.members(root)):
            return "reach"
        return None

    def cut(self, root: int, unit: int) -> None:
        f = self.f
        mine = self.holes.get(root, [])
        below = [h for h in mine if f.tin[unit] <= f.tin[h] < f.tout[unit]]
        self.holes[root] = [h for h in mine if h not in below] + [unit]
        self.holes[unit] = below


def cut_forest(
    n: int,
    tree: np.ndarray,
    features: np.ndarray,
    population: np.ndarray,
    *,
    n_regions: int,
    floor: float = 0.0,
    cap: float | None = None,
    reach: Callable[[np.ndarray], bool] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> CutResult:
    """Cut the forest into (at most) ``n_regions`` regions: bounds first, then the largest SSD reductions.

    ``reach(units) -> bool`` says whether a set of units is compact enough to be one region.
    Fewer regions result when no further cut keeps both sides above the floor.
    """
    x = np.asarray(features, dtype=float)
    pop = np.asarray(population, dtype=float)
    stats = np.column_stack([np.ones(n), pop, (x * x).sum(axis=1), x])
    f = _forest(n, np.asarray(tree, dtype=np.int64).reshape(-1, 2), stats)
    regions = _Regions(f, floor, cap, reach)
    roots = f.order[f.parent[f.order] < 0].tolist()
    for r in roots:
        regions.holes[r] = []
    unsplittable: list[tuple[int, str]] = []

    # 1. bounds: split every region above the cap or beyond reach
    pending = [r for r in roots if regions.violation(r)]
    while pending:
        r = pending.pop()
        why = regions.violation(r)
        if why is None:
            continue
        best = regions.best_cut(r)
        if best is None:
            unsplittable.append((r, why))
            continue
        regions.cut(r, best[1])
        pending.extend([r, best[1]])
        if progress:
            progress(len(regions.holes), n_regions)

    # 2. the largest reductions of within-region SSD, until n_regions
    heap: list[tuple[float, int, int]] = []

    def push(root: int) -> None:
        best = regions.best_cut(root)
        if best is not None:
            heapq.heappush(heap, (-best[0], root, best[1]))

    for r in regions.holes:
        push(r)
    while len(regions.holes) < n_regions and heap:
        _, r, unit = heapq.heappop(heap)
        regions.cut(r, unit)
        push(r)
        push(unit)
        if progress:
            progress(len(regions.holes), n_regions)

    # labels: each unit belongs to its nearest ancestor-or-self that is a region root
    is_root = np.zeros(n, dtype=bool)
    is_root[list(regions.holes)] = True
    region_of = np.empty(n, dtype=np.int64)
    pl = f.parent.tolist()
    rl = is_root.tolist()
    out = region_of.tolist()
    for v in f.order.tolist():
        out[v] = v if rl[v] else out[pl[v]]
    _, labels = np.unique(np.asarray(out), return_inverse=True)
    return CutResult(labels.astype(np.int64), unsplittable)
