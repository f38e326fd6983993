"""Delineation: Ward tree → bounded cuts → border polish, with every hard constraint met at once.

1. **Graph** (given): contiguity with barrier and nesting edges removed; each connected
   component is solved on its own, so nesting and barriers hold by construction.
2. **Tree**: the full-order Ward spanning tree of each component (``_tree``).
3. **Cuts**: regions above the population cap or wider than ``reach`` are split first, then the
   cuts with the largest reduction of within-region SSD, every side keeping the floor, until the
   requested number of regions (``_cuts``).
4. **Polish**: border moves that lower WSS/TSS + λ_C·(1/compactness) + λ_F·(cut flows) without
   breaking contiguity, floor, cap or reach (``_polish``).
5. **Quality** of the result (``_quality``), and optionally its **stability**: the same run on
   features perturbed at sampling-error level, one seed per run, compared by adjusted Rand index.

The main run is deterministic (no randomness at all); ``seed`` drives the perturbed stability
runs. Infeasible inputs — a component (or island) with fewer people than the floor, a single
unit above the cap — raise :class:`~ortswissen.errors.InfeasibleConstraints` naming the units,
or, with ``small_components="keep"``, become regions of their own that the result reports.

Example:
    >>> import numpy as np
    >>> from ortswissen.regions._graph import UnitGraph
    >>> g = UnitGraph.from_edges(6, [[0, 1], [1, 2], [2, 3], [3, 4], [4, 5]])
    >>> x = np.array([[0.0], [0.1], [0.0], [5.0], [5.1], [5.0]])
    >>> delineate(g, x, np.full(6, 10.0), n_regions=2, floor=20, evaluate_result=False).labels.tolist()
    [0, 0, 0, 1, 1, 1]
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ortswissen.errors import InfeasibleConstraints, InvalidInput
from ortswissen.regions._cuts import cut_forest
from ortswissen.regions._graph import UnitGraph
from ortswissen.regions._network import StreetNetwork
from ortswissen.regions._polish import polish as polish_labels
from ortswissen.regions._quality import evaluate
from ortswissen.regions._tree import ward_spanning_tree

__all__ = ["METHOD", "Delineation", "delineate"]

#: name and version of the method, recorded with every result
METHOD = "ward-tree-bounded-cuts-polish/1"

Progress = Callable[[str, float], None]


@dataclass
class Delineation:
    """A delineation: a region index per unit, and what it was made with and how good it is."""

    labels: np.ndarray
    params: dict[str, Any]
    metrics: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    #: constraint problems in the result, each naming its units: small components kept as regions
    #: (``small_components="keep"``), regions left above the cap or beyond reach because no cut
    #: could keep the floor
    problems: list[dict[str, Any]] = field(default_factory=list)
    method: str = METHOD

    @property
    def n_regions(self) -> int:
        """The number of regions."""
        return int(self.labels.max()) + 1 if len(self.labels) else 0


def _core(graph: UnitGraph, pop: np.ndarray, units: np.ndarray) -> int:
    """The unit nearest to the population-weighted (else area-weighted) centre of ``units``."""
    w = pop[units]
    if w.sum() <= 0:
        w = graph.area[units]
    c = graph.centroid[units]
    centre = (c * w[:, None]).sum(axis=0) / max(w.sum(), 1e-300)
    return int(units[np.argmin(((c - centre) ** 2).sum(axis=1))])


def _check(graph: UnitGraph, pop: np.ndarray, floor: float, cap: float | None) -> list[dict[str, Any]]:
    problems: list[dict[str, Any]] = []
    count, comp = graph.components()
    cpop = np.bincount(comp, weights=pop, minlength=count)
    for c in np.flatnonzero(cpop < floor):
        members = np.flatnonzero(comp == c)
        problems.append(
            {
                "reason": "island below floor" if len(members) == 1 else "component below floor",
                "component": int(c),
                "population": float(cpop[c]),
                "floor": floor,
                "n_units": len(members),
                "units": [graph.ids[i] for i in members[:50]],
            }
        )
    if cap is not None:
        for i in np.flatnonzero(pop > cap):
            problems.append(
                {"reason": "unit above cap", "population": float(pop[i]), "cap": cap, "units": [graph.ids[i]]}
            )
    return problems


def delineate(
    graph: UnitGraph,
    features: Any,
    population: Any,
    *,
    n_regions: int | None = None,
    target_population: float | None = None,
    floor: float = 0.0,
    cap: float | None = None,
    reach: float | None = None,
    network: StreetNetwork | None = None,
    compactness: float = 0.2,
    flows: Any = None,
    flow_weight: float = 0.0,
    polish: bool = True,
    max_sweeps: int = 50,
    small_components: str = "raise",
    seed: int = 0,
    stability_runs: int = 0,
    stability_noise: float = 0.05,
    reference: np.ndarray | None = None,
    evaluate_result: bool = True,
    progress: Progress | None = None,
) -> Delineation:
    """Delineate regions on ``graph``; see the module docstring for the method.

    ``n_regions`` or ``target_population`` (then ``n_regions`` = total population / target)
    sets the number of regions to aim for; fewer result when the floor allows no more cuts.
    ``floor``/``cap``: population bounds per region; ``reach``: the largest distance (m) of any
    unit from its region's core — walking on ``network`` when given, else straight-line;
    ``compactness`` (λ_C) and ``flow_weight`` (λ_F, with ``flows`` a units × units matrix) weigh
    the polish objective.
    """
    started = time.perf_counter()
    x = np.asarray(features, dtype=float)
    if x.ndim == 1:
        x = x[:, None]
    pop = np.asarray(population, dtype=float)
    if x.shape[0] != graph.n or pop.shape != (graph.n,):
        raise InvalidInput(f"features and population need {graph.n} rows (one per unit)")
    if not np.isfinite(x).all():
        raise InvalidInput("features contain missing or infinite values; standardise them first")
    if not np.isfinite(pop).all() or (pop < 0).any():
        raise InvalidInput("population must be a finite, non-negative number for every unit")
    if cap is not None and cap < floor:
        raise InvalidInput(f"the cap ({cap:g}) is below the floor ({floor:g})")
    if small_components not in ("raise", "keep"):
        raise InvalidInput("small_components must be 'raise' or 'keep'")
    if n_regions is None:
        if not target_population or target_population <= 0:
            raise InvalidInput("give the number of regions or a positive target population per region")
        n_regions = max(1, round(float(pop.sum()) / target_population))
    if n_regions < 1:
        raise InvalidInput("the number of regions must be at least 1")
    params = {
        "n_regions": int(n_regions),
        "target_population": target_population,
        "floor": floor,
        "cap": cap,
        "reach": reach,
        "reach_on": "street network" if network is not None and reach is not None else "straight line",
        "compactness": compactness,
        "flow_weight": flow_weight if flows is not None else 0.0,
        "polish": polish,
        "max_sweeps": max_sweeps,
        "small_components": small_components,
        "seed": seed,
        "stability_runs": stability_runs,
        "stability_noise": stability_noise,
        "n_units": graph.n,
        "n_features": x.shape[1],
    }
    problems = _check(graph, pop, floor, cap)
    if problems and small_components == "raise":
        kinds = sorted({p["reason"] for p in problems})
        raise InfeasibleConstraints(
            f"{len(problems)} constraint problem(s) ({', '.join(kinds)}): first {problems[0]['units'][:5]} "
            f"with population {problems[0]['population']:g}; bridge or drop these units, lower the floor, "
            "or keep small components as regions of their own",
            problems,
        )
    options = _Options(int(n_regions), floor, cap, reach, network, compactness, flows, flow_weight, polish, max_sweeps)
    labels, timings = _solve(graph, x, pop, options, progress, problems)
    timings["total"] = time.perf_counter() - started
    out = Delineation(labels, params, timings=timings, problems=problems)
    if evaluate_result:
        t0 = time.perf_counter()
        out.metrics = evaluate(graph, x, pop, labels, floor=floor, cap=cap, flows=flows, reference=reference)
        out.timings["evaluate"] = time.perf_counter() - t0
    if stability_runs > 0:
        out.metrics["stability"] = _stability(graph, x, pop, labels, options, seed, stability_runs, stability_noise)
    return out


@dataclass(frozen=True)
class _Options:
    n_regions: int
    floor: float
    cap: float | None
    reach: float | None
    network: StreetNetwork | None
    compactness: float
    flows: Any
    flow_weight: float
    polish: bool
    max_sweeps: int


def _solve(
    graph: UnitGraph,
    x: np.ndarray,
    pop: np.ndarray,
    o: _Options,
    progress: Progress | None,
    unsplittable: list[dict[str, Any]] | None = None,
) -> tuple[np.ndarray, dict[str, float]]:
    """Tree, cuts and polish; regions that cannot meet the cap or reach are appended to ``unsplittable``."""
    n_regions, floor, cap, reach, network = o.n_regions, o.floor, o.cap, o.reach, o.network
    compactness, flows, flow_weight, polish, max_sweeps = o.compactness, o.flows, o.flow_weight, o.polish, o.max_sweeps
    if unsplittable is None:
        unsplittable = []
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    if progress:
        progress("tree", 0.0)
    tree = ward_spanning_tree(graph, x)
    timings["tree"] = time.perf_counter() - t0

    reach_ok = None
    if reach is not None:
        limit = float(reach)

        def reach_ok(units: np.ndarray) -> bool:
            core = _core(graph, pop, units)
            return bool(np.isfinite(_reach_distances(graph, network, core, units, limit)).all())

    t0 = time.perf_counter()
    cut = cut_forest(
        graph.n,
        tree,
        x,
        pop,
        n_regions=n_regions,
        floor=floor,
        cap=cap,
        reach=reach_ok,
        progress=(lambda done, total: progress("cuts", min(done / max(total, 1), 1.0))) if progress else None,
    )
    labels = cut.labels
    timings["cuts"] = time.perf_counter() - t0
    for root, why in cut.unsplittable:
        members = np.flatnonzero(labels == labels[root])
        unsplittable.append(
            {
                "reason": "region above cap" if why == "cap" else "region beyond reach",
                "detail": "no cut keeps both parts above the floor",
                "population": float(pop[members].sum()),
                "n_units": len(members),
                "units": [graph.ids[i] for i in members[:50]],
            }
        )
    if polish:
        t0 = time.perf_counter()
        allowed = None
        if reach is not None:
            p = int(labels.max()) + 1
            order = np.argsort(labels, kind="stable")
            bounds = np.searchsorted(labels[order], np.arange(p + 1))
            cores = [_core(graph, pop, order[bounds[r] : bounds[r + 1]]) for r in range(p)]
            allowed = _Reach(graph, network, cores, float(reach))
        polished = polish_labels(
            graph,
            x,
            pop,
            labels,
            floor=floor,
            cap=cap,
            compactness=compactness,
            flows=flows,
            flow_weight=flow_weight,
            reach=allowed,
            max_sweeps=max_sweeps,
            progress=(lambda s, total: progress("polish", s / max(total, 1))) if progress else None,
        )
        labels = polished.labels
        timings["polish"] = time.perf_counter() - t0
        timings["polish_moves"] = float(polished.moves)
    if progress:
        progress("done", 1.0)
    return labels, timings


def _reach_distances(
    graph: UnitGraph, network: StreetNetwork | None, core: int, units: np.ndarray, limit: float
) -> np.ndarray:
    """Distance of ``units`` from ``core`` (walking on ``network``, else straight); ``inf`` beyond ``limit``."""
    if network is not None:
        return network.distances_from(graph.centroid[core], graph.centroid[units], limit=limit)
    d = np.sqrt(((graph.centroid[units] - graph.centroid[core]) ** 2).sum(axis=1))
    return np.where(d <= limit, d, np.inf)


class _Reach:
    """May a unit join a region? Distances from each region's core, computed once per region when first asked."""

    def __init__(self, graph: UnitGraph, network: StreetNetwork | None, cores: list[int], limit: float) -> None:
        self.graph, self.network, self.cores, self.limit = graph, network, cores, limit
        self.cache: dict[int, np.ndarray] = {}

    def __call__(self, unit: int, region: int) -> bool:
        if self.network is None:
            d = self.graph.centroid[unit] - self.graph.centroid[self.cores[region]]
            return float(d @ d) <= self.limit**2
        within = self.cache.get(region)
        if within is None:
            everyone = np.arange(self.graph.n)
            within = np.isfinite(_reach_distances(self.graph, self.network, self.cores[region], everyone, self.limit))
            self.cache[region] = within
        return bool(within[unit])


def _stability(
    graph: UnitGraph,
    x: np.ndarray,
    pop: np.ndarray,
    labels: np.ndarray,
    options: _Options,
    seed: int,
    runs: int,
    noise: float,
) -> dict[str, Any]:
    """Adjusted Rand index of perturbed runs (seeds ``seed+1 …``) against the result, and per-unit confidence.

    A unit's confidence is the mean share of its region-mates that stay its region-mates
    across the runs — low values mark uncertain borders.
    """
    from sklearn.metrics import adjusted_rand_score

    sd = x.std(axis=0)
    aris = []
    together = np.zeros(graph.n)
    base_size = np.bincount(labels)[labels].astype(float)
    for k in range(1, runs + 1):
        rng = np.random.default_rng(seed + k)
        xp = x + rng.normal(0.0, 1.0, x.shape) * (noise * sd)
        other, _ = _solve(graph, xp, pop, options, None)
        aris.append(float(adjusted_rand_score(labels, other)))
        pair = labels.astype(np.int64) * (int(other.max()) + 1) + other
        _, inverse, counts = np.unique(pair, return_inverse=True, return_counts=True)
        together += counts[inverse] / base_size
    confidence = together / runs
    return {
        "runs": runs,
        "noise": noise,
        "seeds": list(range(seed + 1, seed + runs + 1)),
        "ari_mean": float(np.mean(aris)),
        "ari_min": float(np.min(aris)),
        "ari": aris,
        "unit_confidence_mean": float(confidence.mean()),
        "unit_confidence": confidence.round(4).tolist(),
    }
