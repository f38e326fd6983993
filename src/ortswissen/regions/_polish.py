"""Local search on region borders: move border units to a neighbouring region when that lowers the objective.

The objective combines the three things a quarter should be (regionalisation note §6)::

    J = WSS(x) / TSS(x)  +  λ_C · mean over regions of 1 / NMI_r  +  λ_F · cut flow / total flow

* ``WSS / TSS``: within-region sum of squares of the standardised, weighted features;
* ``NMI_r``: the normalised moment of inertia of region *r* (1 for a disk, smaller for
  elongated or ragged shapes), from area-weighted centroid sums — a compactness measure
  that is robust to street-following borders and cheap to update;
* the flow term: the share of flows (block → facility trips, as unit-to-unit weights) whose two
  ends lie in different regions, i.e. 1 − self-containment.

A move is made only if it keeps every hard constraint: the donor region stays contiguous
(checked on the neighbourhood first, then by a search within the region), both regions keep
the population floor and cap, and the unit stays within ``reach`` of the receiving region's
core. Moves are proposed along graph edges only, so barriers and nesting borders are never
crossed. Every accepted move strictly lowers J, so the search ends.

Example:
    >>> import numpy as np
    >>> from ortswissen.regions._graph import UnitGraph
    >>> g = UnitGraph.from_edges(4, [[0, 1], [1, 2], [2, 3]])
    >>> x = np.array([[0.0], [0.0], [0.0], [9.0]])
    >>> polish(g, x, np.ones(4), np.array([0, 0, 1, 1]), floor=1).labels.tolist()
    [0, 0, 0, 1]
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from ortswissen.regions._graph import UnitGraph

__all__ = ["PolishResult", "polish"]


@dataclass
class PolishResult:
    """The improved labels, how many moves and sweeps it took, and the objective before and after."""

    labels: np.ndarray
    moves: int
    sweeps: int
    objective_before: float
    objective_after: float


class _State:
    """Running sums per region, so that a move's effect is O(d) to evaluate and to apply."""

    def __init__(self, graph: UnitGraph, x: np.ndarray, pop: np.ndarray, labels: np.ndarray) -> None:
        self.x = x
        self.pop = pop
        self.labels = labels.copy()
        p = int(labels.max()) + 1
        self.p = p
        self.cnt = np.bincount(labels, minlength=p).astype(float)
        self.rpop = np.bincount(labels, weights=pop, minlength=p)
        self.sx = np.zeros((p, x.shape[1]))
        np.add.at(self.sx, labels, x)
        a = graph.area
        c = graph.centroid - graph.centroid.mean(axis=0)
        scale = float(np.sqrt(a.sum())) or 1.0  # keep the inertia sums well conditioned
        c = c / scale
        a = a / scale**2
        self.a, self.c = a, c
        self.own = a * a / (2 * np.pi)  # a unit's own polar moment, as if it were a disk
        self.ra = np.bincount(labels, weights=a, minlength=p)
        self.rm = np.zeros((p, 2))
        np.add.at(self.rm, labels, a[:, None] * c)
        self.rq = np.bincount(labels, weights=a * (c * c).sum(axis=1) + self.own, minlength=p)

    def inv_nmi(self, area: np.ndarray, m: np.ndarray, q: np.ndarray) -> np.ndarray:
        """1 / normalised moment of inertia: 2π I / A² (1 for a disk)."""
        empty = area <= 1e-12  # a region that a candidate move would empty (such moves are never made)
        safe = np.where(empty, 1.0, area)
        inertia = q - (m * m).sum(axis=-1) / safe
        return np.where(empty, 0.0, 2 * np.pi * inertia / (safe * safe))

    def move(self, i: int, a: int, b: int) -> None:
        xi = self.x[i]
        self.cnt[a] -= 1
        self.cnt[b] += 1
        self.rpop[a] -= self.pop[i]
        self.rpop[b] += self.pop[i]
        self.sx[a] -= xi
        self.sx[b] += xi
        ai, ci = self.a[i], self.c[i]
        qi = ai * float(ci @ ci) + self.own[i]
        self.ra[a] -= ai
        self.ra[b] += ai
        self.rm[a] -= ai * ci
        self.rm[b] += ai * ci
        self.rq[a] -= qi
        self.rq[b] += qi
        self.labels[i] = b


def _estimate(
    s: _State,
    x: np.ndarray,
    units: np.ndarray,
    source: np.ndarray,
    target: np.ndarray,
    tss: float,
    lam_c: float,
    f: sparse.csr_matrix | None,
    lam_f: float,
) -> np.ndarray:
    """The objective change of every candidate move, vectorised (exact for a single move)."""
    na = s.cnt[source]
    nb = s.cnt[target]
    da = x[units] - s.sx[source] / na[:, None]
    db = x[units] - s.sx[target] / nb[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        d = (-na / (na - 1) * (da * da).sum(axis=1) + nb / (nb + 1) * (db * db).sum(axis=1)) / tss
    d = np.where(na > 1, d, np.inf)
    if lam_c:
        ai = s.a[units]
        ci = s.c[units]
        qi = ai * (ci * ci).sum(axis=1) + s.own[units]
        before = s.inv_nmi(s.ra[source], s.rm[source], s.rq[source]) + s.inv_nmi(
            s.ra[target], s.rm[target], s.rq[target]
        )
        after = s.inv_nmi(s.ra[source] - ai, s.rm[source] - ai[:, None] * ci, s.rq[source] - qi) + s.inv_nmi(
            s.ra[target] + ai, s.rm[target] + ai[:, None] * ci, s.rq[target] + qi
        )
        d = d + lam_c * (after - before)
    if f is not None:
        member = sparse.csr_matrix((np.ones(len(s.labels)), (np.arange(len(s.labels)), s.labels)))
        per_region = (f @ member).tocsr()
        d = d + lam_f * (np.asarray(per_region[units, source]).ravel() - np.asarray(per_region[units, target]).ravel())
    return d


def polish(
    graph: UnitGraph,
    features: np.ndarray,
    population: np.ndarray,
    labels: np.ndarray,
    *,
    floor: float = 0.0,
    cap: float | None = None,
    compactness: float = 0.0,
    flows: sparse.spmatrix | None = None,
    flow_weight: float = 0.0,
    reach: Callable[[int, int], bool] | None = None,
    max_sweeps: int = 50,
    progress: Callable[[int, int], None] | None = None,
) -> PolishResult:
    """Improve ``labels`` by border moves; see the module docstring for the objective and the rules.

    ``flows``: a square (n × n) matrix of unit-to-unit flow weights (made symmetric here).
    ``reach(unit, region) -> bool``: may ``unit`` join ``region`` (is it within reach of its core)?
    """
    x = np.asarray(features, dtype=float)
    pop = np.asarray(population, dtype=float)
    lab = np.asarray(labels, dtype=np.int64)
    s = _State(graph, x, pop, lab)
    tss = float(((x - x.mean(axis=0)) ** 2).sum()) or 1.0
    lam_c = compactness / s.p
    f = None
    f_total = 1.0
    if flows is not None and flow_weight > 0:
        f = sparse.csr_matrix(flows, dtype=float)
        f = (f + f.T).tocsr()
        f.setdiag(0)
        f.eliminate_zeros()
        f_total = float(f.sum()) / 2 or 1.0
    lam_f = flow_weight / f_total
    indptr, indices = graph.neighbours
    cap_v = np.inf if cap is None else float(cap)
    e = graph.edges

    def objective() -> float:
        cnt = np.maximum(s.cnt, 1)
        wss = float((x * x).sum() - ((s.sx**2).sum(axis=1) / cnt).sum())
        value = wss / tss + lam_c * float(s.inv_nmi(s.ra, s.rm, s.rq).sum())
        if f is not None:
            same = s.labels[f.nonzero()[0]] == s.labels[f.nonzero()[1]]
            value += lam_f * (f_total - float(f.data[same].sum()) / 2)
        return value

    def delta(i: int, a: int, b: int) -> float:
        xi = x[i]
        na, nb = s.cnt[a], s.cnt[b]
        da = xi - s.sx[a] / na
        db = xi - s.sx[b] / nb
        d = (-na / (na - 1) * float(da @ da) + nb / (nb + 1) * float(db @ db)) / tss
        if lam_c:
            ai, ci = s.a[i], s.c[i]
            qi = ai * float(ci @ ci) + s.own[i]
            before = s.inv_nmi(s.ra[[a, b]], s.rm[[a, b]], s.rq[[a, b]]).sum()
            after = s.inv_nmi(
                np.array([s.ra[a] - ai, s.ra[b] + ai]),
                np.array([s.rm[a] - ai * ci, s.rm[b] + ai * ci]),
                np.array([s.rq[a] - qi, s.rq[b] + qi]),
            ).sum()
            d += lam_c * float(after - before)
        if f is not None:
            lo, hi = f.indptr[i], f.indptr[i + 1]
            nb_units = f.indices[lo:hi]
            w = f.data[lo:hi]
            nl = s.labels[nb_units]
            d += lam_f * (float(w[nl == a].sum()) - float(w[nl == b].sum()))
        return d

    adj = [indices[indptr[k] : indptr[k + 1]].tolist() for k in range(graph.n)]
    lab_list = s.labels.tolist()  # a Python mirror of the labels: cheap to index in the searches

    def search(start: int, targets: set[int], a: int, allowed: set[int] | None) -> bool:
        """Breadth-first within region ``a`` (and ``allowed``, if given) until every target is seen."""
        seen = {start}
        queue = deque([start])
        while queue:
            u = queue.popleft()
            for v in adj[u]:
                if v in seen or lab_list[v] != a or (allowed is not None and v not in allowed):
                    continue
                if v in targets:
                    targets.discard(v)
                    if not targets:
                        return True
                seen.add(v)
                queue.append(v)
        return not targets

    def stays_connected(i: int, a: int) -> bool:
        same = [j for j in adj[i] if lab_list[j] == a]
        if len(same) <= 1:
            return True
        # first around the unit (its neighbours' neighbours): on block graphs that settles most moves
        ring = {v for j in same for v in adj[j]}
        ring.update(same)
        ring.discard(i)
        if search(same[0], set(same[1:]), a, ring):
            return True
        return joined_without(i, a, same)

    def joined_without(i: int, a: int, starts: list[int]) -> bool:
        """Whether ``starts`` stay connected within region ``a`` once ``i`` leaves it.

        One breadth-first search per start, stepped in turn; searches that meet merge. A search
        that runs out of units before meeting all others proves a split, so the cost is bounded
        by the smallest piece, not by the region.
        """
        owner = {i: -1}
        parent = list(range(len(starts)))

        def find(k: int) -> int:
            while parent[k] != k:
                parent[k] = parent[parent[k]]
                k = parent[k]
            return k

        queues = []
        for k, start in enumerate(starts):
            if start in owner:
                parent[find(k)] = find(owner[start])
            else:
                owner[start] = k
            queues.append(deque([start]))
        groups = len({find(k) for k in range(len(starts))})
        while groups > 1:
            for k, queue in enumerate(queues):
                if not queue:
                    continue
                u = queue.popleft()
                for v in adj[u]:
                    if lab_list[v] != a:
                        continue
                    other = owner.get(v)
                    if other is None:
                        owner[v] = k
                        queue.append(v)
                    elif other >= 0 and find(other) != find(k):
                        parent[find(other)] = find(k)
                        groups -= 1
                        if groups == 1:
                            return True
                if not queue:
                    # this search is exhausted: it proves a split unless it already joined the others
                    mine = find(k)
                    if any(find(j) != mine for j in range(len(starts))) and not any(
                        queues[j] and find(j) == mine for j in range(len(starts))
                    ):
                        return False
        return True

    before = objective()
    moves = 0
    sweeps = 0
    for sweeps in range(1, max_sweeps + 1):
        lab_now = s.labels
        border = lab_now[e[:, 0]] != lab_now[e[:, 1]]
        cand = np.concatenate([e[border], e[border][:, ::-1]])  # (unit, neighbour in another region)
        if len(cand) == 0:
            break
        units = cand[:, 0]
        target = lab_now[cand[:, 1]]
        key = np.unique(units.astype(np.int64) * s.p + target)  # one candidate per (unit, region)
        units, target = key // s.p, key % s.p
        source = lab_now[units]
        est = _estimate(s, x, units, source, target, tss, lam_c, f, lam_f)
        feasible = (s.cnt[source] > 1) & (s.rpop[source] - pop[units] >= floor) & (s.rpop[target] + pop[units] <= cap_v)
        keep = feasible & (est < -1e-12)
        order = np.argsort(est[keep], kind="stable")
        made = 0
        for i, b in zip(units[keep][order].tolist(), target[keep][order].tolist(), strict=True):
            a = int(s.labels[i])
            if a == b or s.cnt[a] <= 1:
                continue
            if s.rpop[a] - pop[i] < floor or s.rpop[b] + pop[i] > cap_v:
                continue
            d = delta(i, a, b)
            if d >= -1e-12:
                continue
            if reach is not None and not reach(i, b):
                continue
            # the neighbour that made ``b`` a candidate may have moved away this sweep
            if not (s.labels[indices[indptr[i] : indptr[i + 1]]] == b).any():
                continue
            if not stays_connected(i, a):
                continue
            s.move(i, a, b)
            lab_list[i] = b
            made += 1
        moves += made
        if progress:
            progress(sweeps, max_sweeps)
        if made == 0:
            break
    return PolishResult(s.labels, moves, sweeps, before, objective())
