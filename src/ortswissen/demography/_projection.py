"""Small-area projection: deterministic path, scenarios and stochastic trajectories.

The model (documented in ``docs/demography.md``):

1. **City path** — the whole area is projected by its own cohort-change ratios (or follows
   given control totals, e.g. an official projection).
2. **Area totals** — each area keeps its share of the city total at the jump-off
   (``totals="share"``, the default: in the Berlin backtests the most accurate total of all
   methods tried) or follows its own ratios (``totals="cohort"``).
3. **Age structure** — each area's cohorts age with the area's own (shrunk) ratios and are
   rescaled to the area total, so a young inner-city area stays young and an ageing estate
   keeps ageing.
4. **Additions** — expected persons added per year and age (first occupants of new dwellings)
   come on top of the area total.
5. **Scenarios** — ``fertility`` scales the child ratio, ``migration`` scales the
   net-migration part of every ratio (ratio minus model survival), ``city_growth`` adds to
   the city's annual growth rate.
6. **Uncertainty** — each trajectory draws AR(1) shocks to every area's log share of the
   city (sd falling with area size) and to the city's growth; the shock also tilts the age
   structure towards the ages that move most. Quantiles over the trajectories are computed
   year by year while the state advances: no trajectory is ever stored.

Example:
    >>> import numpy as np
    >>> rng = np.random.default_rng(1)
    >>> stocks = rng.poisson(30, size=(6, 4, 1, 101)).astype(float)
    >>> ratios = estimate_ratios(stocks)
    >>> res = project(stocks[-1], ratios, 5, trajectories=200, seed=7,
    ...               uncertainty=Uncertainty(0.02, 0.5, 0.8, 0.005))
    >>> res.point.shape, res.quantiles.shape
    ((6, 4, 18), (5, 5, 4, 18))
    >>> bool((res.quantiles[:, 0] <= res.quantiles[:, -1]).all())
    True
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np

from ortswissen.demography._ages import N_AGES
from ortswissen.demography._kernel import advance
from ortswissen.demography._ratios import FERTILE_AGES, ChangeRatios, estimate_ratios  # noqa: F401 (doc example)
from ortswissen.demography._schedules import migration_weights, survival
from ortswissen.errors import InvalidInput

__all__ = [
    "DEFAULT_GROUPS",
    "QUANTILES",
    "STATISTICAL_BANDS",
    "Projection",
    "Scenario",
    "Uncertainty",
    "first_occupants",
    "project",
]

QUANTILES = (0.025, 0.1, 0.5, 0.9, 0.975)
STATISTICAL_BANDS: tuple[tuple[str, int, int], ...] = (
    ("age_6_15", 6, 15),
    ("age_15_18", 15, 18),
    ("age_18_25", 18, 25),
    ("age_25_55", 25, 55),
    ("age_55_65", 55, 65),
    ("age_65_80", 65, 80),
    ("age_80_plus", 80, N_AGES),
)
"""The age bands of the Berlin register statistics from age 6 on."""
DEFAULT_GROUPS: tuple[tuple[str, int, int], ...] = (
    ("total", 0, N_AGES),
    *((f"age_{x}", x, x + 1) for x in range(7)),
    ("age_under_3", 0, 3),
    ("age_3_6", 3, 6),
    ("age_under_6", 0, 6),
    *STATISTICAL_BANDS,
)
"""Output groups ``(name, from, to_exclusive)``: the total, single ages 0–6 for Kita
planning, and the age bands of the Berlin statistics."""


@dataclass(frozen=True)
class Scenario:
    """Assumptions of one variant (``medium`` is the model as estimated).

    Example:
        >>> Scenario.named("high").migration
        1.25
    """

    name: str = "medium"
    fertility: float = 1.0
    migration: float = 1.0
    city_growth: float = 0.0

    @classmethod
    def named(cls, name: str) -> Scenario:
        """The standard variants low / medium / high."""
        presets = {
            "low": cls("low", fertility=0.9, migration=0.75, city_growth=-0.003),
            "medium": cls("medium"),
            "high": cls("high", fertility=1.1, migration=1.25, city_growth=0.003),
        }
        if name not in presets:
            raise InvalidInput(f"unknown scenario {name!r}: use low, medium or high, or give the assumptions")
        return presets[name]


@dataclass(frozen=True)
class Uncertainty:
    """Shocks to every area's log share of the city and to the city's growth.

    Per year an area's log share moves by ``drift + e_t``: ``drift`` is drawn once per
    trajectory with sd ``sigma_drift``, ``e_t`` is AR(1) (``rho``) with sd ``sigma_ref``;
    both scale with ``(size / ref_size) ** -size_elasticity``. The city's growth rate moves
    by a drift with sd ``sigma_city``. ``calibrate`` estimates these from the base period and
    sets ``rho`` to 0 (the drift carries the persistence); a given ``rho`` is used as is.
    """

    sigma_ref: float
    size_elasticity: float
    rho: float
    sigma_city: float
    ref_size: float = 7500.0
    sigma_drift: float = 0.0
    params: dict[str, object] = field(default_factory=dict, compare=False)

    def sigma(self, sizes: np.ndarray) -> np.ndarray:
        """Yearly shock sd of areas with these populations."""
        sizes = np.maximum(np.asarray(sizes, dtype=float), 50.0)
        return self.sigma_ref * (sizes / self.ref_size) ** (-self.size_elasticity)

    def shock_paths(
        self, sizes: np.ndarray, trajectories: int, years: int, seed: int
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Per year: the shock of every trajectory and area ``(J, A)`` and the summed log share deviation.

        The draws of a seed are fixed in this order (drifts, then per year area noise and city
        noise), so every path of the projection — the CPU kernel, the GPU, the benchmark's
        peer — sees the same trajectories.

        Example:
            >>> u = Uncertainty(0.02, 0.5, 0.0, 0.0, sigma_drift=0.01)
            >>> [dev.shape for _, dev in u.shock_paths(np.array([100.0, 900.0]), 3, 2, seed=1)]
            [(3, 2), (3, 2)]
        """
        rng = np.random.default_rng(seed)
        n_units = len(sizes)
        sig = self.sigma(sizes)
        drift = (
            self.sigma_drift * (sig / self.sigma_ref)[None] * rng.standard_normal((trajectories, n_units))
            if self.sigma_ref > 0
            else np.zeros((trajectories, n_units))
        )
        city_drift = self.sigma_city * rng.standard_normal(trajectories)
        u = np.zeros((trajectories, n_units))
        c = np.zeros(trajectories)
        log_dev = np.zeros((trajectories, n_units))
        for _ in range(years):
            u = self.rho * u + sig[None] * rng.standard_normal((trajectories, n_units))
            c = self.rho * c + self.sigma_city * rng.standard_normal(trajectories)
            log_dev = log_dev + drift + u + c[:, None] + city_drift[:, None]
            yield (drift + u).astype(np.float32), log_dev

    @classmethod
    def calibrate(cls, totals: np.ndarray, *, ref_size: float = 7500.0, max_horizon: int = 5) -> Uncertainty:
        """From area totals ``(years, units)`` of the base period (at least three years).

        The share model's own errors are measured in the base period: for every start year
        and horizon ``h`` the change of each area's log share of the city. Their mean square
        (each area scaled to the reference size) is fitted as ``h²·σ_d² + h·σ²`` — a lasting
        drift of the area (new estates keep filling, ``sigma_drift``) plus yearly noise
        (``sigma_ref``). The size elasticity comes from the one-year changes; the city's
        uncertainty from the variability of its yearly growth.

        Example:
            >>> rng = np.random.default_rng(0)
            >>> t = 1000 * np.exp(np.cumsum(rng.normal(0, 0.02, (12, 40)), axis=0))
            >>> u = Uncertainty.calibrate(t)
            >>> round(float(u.sigma(np.array([1000.0]))[0]), 2), round(u.sigma_drift, 2)
            (0.02, 0.0)
        """
        totals = np.asarray(totals, dtype=float)
        if totals.ndim != 2 or totals.shape[0] < 3:
            raise InvalidInput("calibrating the uncertainty needs area totals of at least three years")
        keep = (totals > 0).all(axis=0)
        t = totals[:, keep]
        city = t.sum(axis=1)
        log_share = np.log(t / city[:, None])
        size = t.mean(axis=0)
        d1 = np.diff(log_share, axis=0)
        sd1 = np.sqrt((d1**2).mean(axis=0))
        ok = sd1 > 0
        logs = np.log(size[ok] / ref_size)
        if ok.sum() >= 10 and logs.std() > 0.3:
            slope = float(np.polyfit(logs, np.log(sd1[ok]), 1)[0])
            elasticity = float(np.clip(-slope, 0.0, 1.0))
        else:  # sizes too alike to tell: the sd of a Poisson count share
            elasticity = 0.5
        scale2 = (size / ref_size) ** (2 * elasticity)
        hs = np.arange(1, min(max_horizon, t.shape[0] - 1) + 1)
        # mean square of the h-year share change, scaled to the reference size
        ms = np.array([np.mean((log_share[h:] - log_share[:-h]) ** 2 * scale2) for h in hs])
        design = np.stack([hs.astype(float) ** 2, hs.astype(float)], axis=1)
        coef = _nonneg_lstsq(design, ms)
        growth = np.diff(np.log(city))
        sigma_city = float(growth.std()) if len(growth) > 1 else 0.0
        return cls(
            sigma_ref=float(np.sqrt(coef[1])),
            size_elasticity=elasticity,
            rho=0.0,
            sigma_city=sigma_city,
            ref_size=ref_size,
            sigma_drift=float(np.sqrt(coef[0])),
            params={
                "years": int(totals.shape[0]),
                "units": int(keep.sum()),
                "mean_square_by_horizon": [float(m) for m in ms],
            },
        )


def _nonneg_lstsq(design: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Least squares with non-negative coefficients (two unknowns: try the free fit, then each alone)."""
    best, best_err = np.zeros(design.shape[1]), float(np.sum(target**2))
    candidates = [np.linalg.lstsq(design, target, rcond=None)[0]]
    for k in range(design.shape[1]):
        col = design[:, k]
        c = np.zeros(design.shape[1])
        c[k] = max(float(col @ target) / float(col @ col), 0.0)
        candidates.append(c)
    for c in candidates:
        if (c >= 0).all():
            err = float(np.sum((design @ c - target) ** 2))
            if err < best_err:
                best, best_err = c, err
    return best


@dataclass(frozen=True)
class Projection:
    """Result of :func:`project`.

    ``point``: deterministic groups ``(years + 1, units, groups)`` (index 0 = jump-off);
    ``single``: deterministic single ages ``(years + 1, units, sexes, 101)``;
    ``quantiles``: ``(years, len(QUANTILES), units, groups)`` for years 1…n, or ``None``
    without uncertainty; ``city``: the city totals ``(years + 1,)``.
    """

    point: np.ndarray
    single: np.ndarray
    quantiles: np.ndarray | None
    city: np.ndarray
    groups: tuple[tuple[str, int, int], ...]
    quantile_levels: tuple[float, ...]
    assumptions: dict[str, object]
    aggregate_quantiles: tuple[np.ndarray, ...] = ()
    """Per entry of ``aggregates``: ``(years, len(QUANTILES), labels, groups)``."""


FIRST_OCCUPANT_AGES: tuple[tuple[int, int, float], ...] = (
    (0, 10, 0.25),
    (18, 25, 0.07),
    (25, 45, 0.58),
    (45, 65, 0.10),
)
"""Age profile of the first occupants of new dwellings ``(from, to, share)``: young families —
adults 25–44 with children under 10 — as in the municipal practice of the reference note."""


def first_occupants(n_sex: int = 1) -> np.ndarray:
    """Single-year age profile ``(sexes, 101)`` of first occupants, summing to 1 (sexes equal).

    Example:
        >>> p = first_occupants(2)
        >>> p.shape, round(float(p.sum()), 6), round(float(p[:, 25:45].sum()), 2)
        ((2, 101), 1.0, 0.58)
    """
    out = np.zeros((n_sex, N_AGES))
    for lo, hi, share in FIRST_OCCUPANT_AGES:
        out[:, lo:hi] = share / (hi - lo) / n_sex
    return out


def _quantiles(x: np.ndarray, levels: Sequence[float]) -> np.ndarray:
    """Quantiles over the last axis (NumPy's linear rule) from a sort of that contiguous axis.

    ``np.quantile`` moves the axis to the front and partitions; NumPy's vectorised sort of
    contiguous float32 rows is about seven times faster for 1,000 trajectories.

    Example:
        >>> _quantiles(np.arange(11.0)[None], [0.1, 0.55]).tolist()
        [[1.0], [5.5]]
    """
    n = x.shape[-1]
    pos = np.asarray(levels, dtype=float) * (n - 1)
    lo = np.floor(pos).astype(int)
    hi = np.minimum(lo + 1, n - 1)
    part = np.sort(x, axis=-1)
    a, b = part[..., lo], part[..., hi]
    res = a + (pos - lo) * (b - a)
    return np.moveaxis(res, -1, 0)


def _scenario_ratios(ratios: np.ndarray, scenario: Scenario, e0: float) -> np.ndarray:
    s = survival(e0)
    out = ratios.copy()
    out[..., 1:] = s[1:] + scenario.migration * (ratios[..., 1:] - s[1:])
    out[..., 0] = ratios[..., 0] * scenario.fertility
    return np.maximum(out, 0.0)


def project(
    jump_off: np.ndarray,
    ratios: ChangeRatios,
    years: int,
    *,
    scenario: Scenario | None = None,
    totals: str = "share",
    control: Sequence[float] | None = None,
    additions: np.ndarray | None = None,
    uncertainty: Uncertainty | None = None,
    trajectories: int = 1000,
    seed: int = 0,
    groups: Sequence[tuple[str, int, int]] = DEFAULT_GROUPS,
    quantiles: Sequence[float] = QUANTILES,
    e0: float = 81.0,
    age_tilt: float = 1.0,
    device: str = "cpu",
    aggregates: Sequence[np.ndarray] = (),
    housing: np.ndarray | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Projection:
    """Project ``jump_off`` ``(units, sexes, 101)`` for ``years`` years (see the module doc).

    ``control``: city totals for years 1…n that replace the city path; ``additions``:
    ``(years, units, sexes, 101)`` persons added in each year. With ``uncertainty``,
    ``trajectories`` seeded trajectories give the quantiles; ``device="gpu"`` runs them on a
    CUDA device through CuPy (optional; same draws, same quantiles up to rounding).
    ``age_tilt`` scales how strongly a shock shifts the age structure (calibrated by
    :func:`~ortswissen.demography.calibrate_age_tilt`).
    ``aggregates``: integer labels (one per unit, e.g. the district of each area); the
    quantiles of their trajectory sums come back in ``Projection.aggregate_quantiles``
    (CPU path; sums of area quantiles would not be quantiles).
    ``housing``: ``(years, units)`` first occupants of new dwellings per year (dwellings ×
    persons per dwelling). They move the area's share of the city (``totals="share"``:
    weights = jump-off population + first occupants so far) and enter with the age profile
    :func:`first_occupants`; the city total is unchanged (new housing redistributes growth).
    """
    if device not in ("cpu", "gpu"):
        raise InvalidInput("device must be 'cpu' or 'gpu'")
    scenario = scenario or Scenario()
    pop = np.asarray(jump_off, dtype=np.float64)
    if pop.ndim != 3 or pop.shape[-1] != N_AGES:
        raise InvalidInput(f"the jump-off population must have the shape (units, sexes, {N_AGES})")
    if ratios.ratios.shape != pop.shape:
        raise InvalidInput(f"ratios of shape {ratios.ratios.shape} do not fit the jump-off {pop.shape}")
    if years < 1:
        raise InvalidInput("project at least one year")
    if totals not in ("share", "cohort"):
        raise InvalidInput("totals must be 'share' or 'cohort'")
    if control is not None and len(control) != years:
        raise InvalidInput(f"{len(control)} control totals for {years} years")
    if additions is not None and additions.shape != (years, *pop.shape):
        raise InvalidInput(f"additions must have the shape {(years, *pop.shape)}")
    if housing is not None:
        housing = np.asarray(housing, dtype=float)
        if housing.shape != (years, pop.shape[0]):
            raise InvalidInput(f"housing must have the shape {(years, pop.shape[0])}")
        if (housing < 0).any() or not np.isfinite(housing).all():
            raise InvalidInput("first occupants of new housing must be finite and not negative")
    if not groups or tuple(groups[0][1:]) != (0, N_AGES):
        raise InvalidInput(f"the first output group must be the total (0, {N_AGES}): the city path is read from it")
    n_units, n_sex, _ = pop.shape
    fertile_sex = 1 if n_sex == 2 else 0
    gr = np.array([[lo, hi] for _, lo, hi in groups], dtype=np.int64)
    r_area = _scenario_ratios(ratios.ratios, scenario, e0).astype(np.float32)
    r_city = _scenario_ratios(ratios.city, scenario, e0).astype(np.float32)
    zeros_add = np.zeros(pop.shape, dtype=np.float32)
    flat_w = np.zeros((n_sex, N_AGES), dtype=np.float32)
    no_target = np.zeros((1, 1), dtype=np.float32)
    args = (FERTILE_AGES[0], FERTILE_AGES[1], fertile_sex)

    # 1. city path
    city_state = pop.sum(axis=0, keepdims=True)[None].astype(np.float32)  # (1, 1, S, N)
    city = np.empty(years + 1)
    city[0] = pop.sum()
    city_out = np.zeros((1, 1, 1), dtype=np.float32)  # (areas, groups, trajectories)
    for t in range(years):
        growth = np.exp(scenario.city_growth * (t + 1))
        advance(
            city_state,
            r_city[None],
            zeros_add[:1],
            flat_w,
            np.zeros((1, 1), np.float32),
            no_target,
            gr[:1],
            city_out,
            *args,
        )
        city[t + 1] = float(city_out[0, 0, 0]) * growth if control is None else float(control[t])

    # 2.–4. deterministic area path
    state = pop[None].astype(np.float32)
    point = np.zeros((years + 1, n_units, len(gr)))
    single = np.zeros((years + 1, *pop.shape))
    single[0] = pop
    cum0 = np.concatenate([np.zeros((n_units, 1)), np.cumsum(pop.sum(axis=1), axis=-1)], axis=-1)
    point[0] = cum0[:, gr[:, 1]] - cum0[:, gr[:, 0]]
    out = np.zeros((n_units, len(gr), 1), dtype=np.float32)
    area_target = np.zeros((years, n_units))
    extra = np.zeros(n_units)  # persons added so far stay on top of the share
    adds: list[np.ndarray] = []
    weight = pop.sum(axis=(1, 2)).astype(float)  # the share's weights, moved by new housing
    profile = first_occupants(n_sex).astype(np.float32)
    for t in range(years):
        add = zeros_add if additions is None else additions[t].astype(np.float32)
        if additions is not None:
            extra = extra + additions[t].sum(axis=(1, 2))
        if housing is not None:
            weight = weight + housing[t]
            add = add + housing[t].astype(np.float32)[:, None, None] * profile[None]
        adds.append(add)
        if totals == "share":
            area_target[t] = weight / max(weight.sum(), 1e-9) * city[t + 1] + extra
            target = area_target[t][None].astype(np.float32)
        else:
            target = np.zeros((1, n_units), dtype=np.float32)
        advance(state, r_area, add, flat_w, np.zeros((1, n_units), np.float32), target, gr, out, *args)
        point[t + 1] = out[..., 0]
        single[t + 1] = state[0]
        if totals == "cohort":
            area_target[t] = out[:, 0, 0]
        if progress and uncertainty is None:
            progress(t + 1, years)

    assumptions: dict[str, object] = {
        "method": "cohort-change ratios (Hamilton–Perry, annual, single years)",
        "scenario": asdict(scenario),
        "totals": totals,
        "control": None if control is None else [float(c) for c in control],
        "additions": None if additions is None else float(additions.sum()),
        "housing_first_occupants": None if housing is None else float(housing.sum()),
        "ratios": {"base_years": ratios.base_years, **ratios.params},
        "e0_model_survival": e0,
    }
    if uncertainty is None:
        return Projection(point, single, None, city, tuple(groups), tuple(quantiles), assumptions)

    # 6. stochastic trajectories, quantiles year by year
    if trajectories < 2:
        raise InvalidInput("a stochastic projection needs at least two trajectories")
    weights = (age_tilt * migration_weights(ratios.city, pop.sum(axis=0), e0)).astype(np.float32)
    states = np.repeat(pop[None].astype(np.float32), trajectories, axis=0)
    q = np.zeros((years, len(quantiles), n_units, len(gr)))
    out = np.zeros((n_units, len(gr), trajectories), dtype=np.float32)
    labels = [np.asarray(a, dtype=np.int64) for a in aggregates]
    if any(len(a) != n_units or (a < 0).any() for a in labels):
        raise InvalidInput("every aggregate needs one non-negative label per unit")
    if labels and device == "gpu":
        raise InvalidInput("aggregate quantiles are computed on the CPU path only")
    agg_q = [np.zeros((years, len(quantiles), int(a.max()) + 1, len(gr))) for a in labels]
    sorted_labels = []
    for lab in labels:  # units sorted by label: one reduceat per aggregate and year
        order = np.argsort(lab, kind="stable")
        starts = np.flatnonzero(np.r_[True, np.diff(lab[order]) != 0])
        sorted_labels.append((order, starts, lab[order[starts]]))
    stepper = None
    if device == "gpu":
        from ortswissen.demography._gpu import GpuStepper

        stepper = GpuStepper(states, r_area, weights, gr, args)
        del states
    paths = uncertainty.shock_paths(pop.sum(axis=(1, 2)), trajectories, years, seed)
    for t, (shock, log_dev) in enumerate(paths):
        target = (area_target[t][None] * np.exp(log_dev)).astype(np.float32)
        add = adds[t]
        if stepper is not None:
            q[t] = stepper.step(add, shock, target, quantiles)
        else:
            advance(states, r_area, add, weights, shock, target, gr, out, *args)
            q[t] = _quantiles(out, quantiles)
            for a, (order, starts, present) in enumerate(sorted_labels):
                sums = np.zeros((agg_q[a].shape[2], len(gr), trajectories), dtype=np.float32)
                sums[present] = np.add.reduceat(out[order], starts, axis=0)
                agg_q[a][t] = _quantiles(sums, quantiles)
        if progress:
            progress(t + 1, years)
    assumptions["uncertainty"] = {
        "trajectories": trajectories,
        "seed": seed,
        "sigma_ref": uncertainty.sigma_ref,
        "size_elasticity": uncertainty.size_elasticity,
        "rho": uncertainty.rho,
        "sigma_city": uncertainty.sigma_city,
        "sigma_drift": uncertainty.sigma_drift,
        "ref_size": uncertainty.ref_size,
        "age_tilt": age_tilt,
        "device": device,
    }
    return Projection(point, single, q, city, tuple(groups), tuple(quantiles), assumptions, tuple(agg_q))
