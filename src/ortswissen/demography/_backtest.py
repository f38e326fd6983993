"""Backtests: project from a past jump-off and compare with what the register later counted.

For a jump-off year ``t0`` and horizon ``h`` only data up to ``t0`` are used. Compared:

* ``model`` — :func:`~ortswissen.demography.project` as configured (ratios from the last
  ``base`` transitions, shrunk towards the parent group; uncertainty calibrated on all
  years up to ``t0``);
* ``constant_share`` — each area keeps its share of the city total, the city total being
  the model's city path (so the comparison is about the areas, not the city);
* ``linear_trend`` — every area and age group continues its least-squares line over the
  base period (negative values cut at zero);
* ``hamilton_perry`` — the plain textbook method: five-year age groups, cohort-change
  ratios of the one interval ``t0 - h → t0``, one step of ``h`` years.

Errors: ``APE = |projected − actual| / actual`` in %, ``MAPE`` its mean, ``MALPE`` the mean
signed error (bias). Areas with fewer than ``min_size`` persons at the jump-off are left out
(a percentage of a handful of persons says nothing) and counted. Age-group errors use the
cells with at least 50 persons. Interval coverage is the share of areas whose actual total
lies inside the model's 80 % and 95 % intervals.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

import numpy as np

from ortswissen.demography._ages import N_AGES
from ortswissen.demography._projection import STATISTICAL_BANDS, Uncertainty, project
from ortswissen.demography._ratios import FERTILE_AGES, estimate_ratios
from ortswissen.errors import InvalidInput

__all__ = ["BACKTEST_GROUPS", "SIZE_CLASSES", "TILT_CANDIDATES", "backtest", "calibrate_age_tilt"]

BACKTEST_GROUPS: tuple[tuple[str, int, int], ...] = (
    ("total", 0, N_AGES),
    ("age_under_1", 0, 1),
    ("age_1_6", 1, 6),
    *STATISTICAL_BANDS,
)
"""The total and the nine age bands of the Berlin register statistics."""
SIZE_CLASSES = ((0, 2500), (2500, 5000), (5000, 10000), (10000, None))
TILT_CANDIDATES = (1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0)


def _groups(single: np.ndarray, groups: Sequence[tuple[str, int, int]]) -> np.ndarray:
    by_age = single.sum(axis=-2)  # over sexes
    return np.stack([by_age[..., lo:hi].sum(axis=-1) for _, lo, hi in groups], axis=-1)


def _errors(pred: np.ndarray, actual: np.ndarray, keep: np.ndarray, sizes: np.ndarray) -> dict[str, object]:
    """Error summary of totals (column 0) and age groups (other columns)."""
    tot_p, tot_a = pred[keep, 0], actual[keep, 0]
    ape = np.abs(tot_p - tot_a) / tot_a * 100
    lpe = (tot_p - tot_a) / tot_a * 100
    by_size = {}
    for lo, hi in SIZE_CLASSES:
        sel = (sizes[keep] >= lo) & ((sizes[keep] < hi) if hi is not None else True)
        label = f"{lo}+" if hi is None else f"{lo}-{hi}"
        by_size[label] = {"areas": int(sel.sum()), "mape": float(ape[sel].mean()) if sel.any() else None}
    ga, gp = actual[keep, 1:], pred[keep, 1:]
    cells = ga >= 50
    g_ape = np.abs(gp - ga)[cells] / ga[cells] * 100
    g_lpe = (gp - ga)[cells] / ga[cells] * 100
    return {
        "mape": float(ape.mean()),
        "malpe": float(lpe.mean()),
        "median_ape": float(np.median(ape)),
        "by_size": by_size,
        "age_groups": {"mape": float(g_ape.mean()), "malpe": float(g_lpe.mean()), "cells": int(cells.sum())},
    }


def _linear(stocks: np.ndarray, h: int, groups: Sequence[tuple[str, int, int]]) -> np.ndarray:
    g = _groups(stocks, groups)  # (years, units, G)
    n = g.shape[0]
    x = np.arange(n, dtype=float)
    xm = x.mean()
    slope = ((x - xm)[:, None, None] * (g - g.mean(axis=0))).sum(axis=0) / ((x - xm) ** 2).sum()
    return np.maximum(g.mean(axis=0) + slope * (n - 1 + h - xm), 0.0)


def _plain_hp(before: np.ndarray, now: np.ndarray, h: int, groups: Sequence[tuple[str, int, int]]) -> np.ndarray:
    """Textbook Hamilton–Perry: groups of width ``h``, one step of ``h`` years, open group 85+."""
    width = h
    edges = [*range(0, 85, width), 85]

    def grouped(p: np.ndarray) -> np.ndarray:
        return np.stack(
            [p[..., lo:hi].sum(axis=-1) for lo, hi in pairwise(edges)] + [p[..., 85:].sum(axis=-1)],
            axis=-1,
        )

    b, n = grouped(before.sum(axis=1)), grouped(now.sum(axis=1))  # (units, K)
    k = b.shape[-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        ccr = np.ones_like(b)
        ccr[:, 1 : k - 1] = n[:, 1 : k - 1] / b[:, 0 : k - 2]
        ccr[:, k - 1] = n[:, k - 1] / (b[:, k - 2] + b[:, k - 1])
        lo, hi = FERTILE_AGES[0] // width, FERTILE_AGES[1] // width
        cwr = n[:, 0] / n[:, lo:hi].sum(axis=1)
    ccr = np.where(np.isfinite(ccr), ccr, 1.0)
    cwr = np.where(np.isfinite(cwr), cwr, 0.0)
    out = np.zeros_like(n)
    out[:, 1 : k - 1] = n[:, 0 : k - 2] * ccr[:, 1 : k - 1]
    out[:, k - 1] = (n[:, k - 2] + n[:, k - 1]) * ccr[:, k - 1]
    out[:, 0] = cwr * out[:, lo:hi].sum(axis=1)
    # back to the evaluation groups: split each h-year group evenly over its single years
    single = np.zeros((n.shape[0], N_AGES))
    for i, (a, z) in enumerate(pairwise(edges)):
        single[:, a:z] = out[:, i : i + 1] / (z - a)
    single[:, 85:] = out[:, k - 1 : k] / (N_AGES - 85)
    return _groups(single[:, None, :], groups)


def calibrate_age_tilt(
    stocks: np.ndarray,
    years: Sequence[int],
    jump_off: int,
    horizon: int,
    *,
    groups_of_units: Sequence[str] | None = None,
    base: int = 5,
    prior_weight: float = 1000.0,
    trajectories: int = 200,
    seed: int = 0,
    min_size: float = 500.0,
) -> tuple[float, float | None]:
    """The age tilt whose 80 % intervals of age groups covered 80 % one horizon earlier.

    Only data up to ``jump_off`` are used: a nested backtest from ``jump_off - horizon`` to
    ``jump_off`` for each of :data:`TILT_CANDIDATES`. Returns the tilt and its in-sample
    coverage, or ``(1.0, None)`` when the stocks do not reach back far enough.
    """
    years = list(years)
    inner = jump_off - horizon
    if inner not in years or years.index(inner) < 2:
        return 1.0, None
    i_inner = years.index(inner)
    data = np.asarray(stocks)[: years.index(jump_off) + 1]
    best: tuple[float, float] | None = None
    for tilt in TILT_CANDIDATES:
        rep = backtest(
            data,
            years[: len(data)],
            inner,
            horizon,
            groups_of_units=groups_of_units,
            base=min(base, i_inner),
            prior_weight=prior_weight,
            trajectories=trajectories,
            seed=seed,
            min_size=min_size,
            age_tilt=tilt,
            baselines=False,
        )
        cover = float(rep["coverage"]["80"]["age_groups"])  # type: ignore[index]
        if best is None or abs(cover - 0.8) < abs(best[1] - 0.8):
            best = (tilt, cover)
    assert best is not None
    return best


def backtest(
    stocks: np.ndarray,
    years: Sequence[int],
    jump_off: int,
    horizon: int,
    *,
    groups_of_units: Sequence[str] | None = None,
    base: int = 5,
    prior_weight: float = 1000.0,
    trajectories: int = 1000,
    seed: int = 0,
    min_size: float = 500.0,
    age_tilt: float | None = None,
    baselines: bool = True,
    dwellings: np.ndarray | None = None,
    persons_per_dwelling: float = 1.8,
) -> dict[str, object]:
    """Backtest on annual stocks ``(years, units, sexes, 101)`` labelled by ``years``.

    ``age_tilt=None`` calibrates it by :func:`calibrate_age_tilt` (data up to the jump-off
    only); ``baselines=False`` skips the baselines (used by that calibration).
    ``dwellings``: dwelling stocks ``(years, units)`` (NaN where unknown); the new dwellings
    of each projected year × ``persons_per_dwelling`` enter the model as first occupants
    (``project(housing=…)``). In a backtest these are the completions that really happened:
    the model is given the housing pipeline as a planner knows it, nothing else of the future.

    Example:
        >>> rng = np.random.default_rng(3)
        >>> s = rng.poisson(20, size=(12, 30, 1, 101)).astype(float)
        >>> r = backtest(s, list(range(2000, 2012)), 2006, 5, trajectories=100, min_size=0)
        >>> sorted(r["methods"]), r["areas"]
        (['constant_share', 'hamilton_perry', 'linear_trend', 'model'], 30)
        >>> r["age_tilt"]["value"] in TILT_CANDIDATES
        True
    """
    years = list(years)
    if jump_off not in years or jump_off + horizon not in years:
        raise InvalidInput(f"the backtest needs stocks for {jump_off} and {jump_off + horizon}")
    i0 = years.index(jump_off)
    need = max(base, horizon) if baselines else base
    if i0 < need:
        raise InvalidInput(f"a jump-off in {jump_off} needs {need} earlier years of stocks")
    if any(b - a != 1 for a, b in pairwise(years)):
        raise InvalidInput("backtests need consecutive annual stocks")
    stocks = np.asarray(stocks, dtype=float)
    pop0 = stocks[i0]
    sizes = pop0.sum(axis=(1, 2))
    keep = sizes >= min_size
    actual = _groups(stocks[i0 + horizon], BACKTEST_GROUPS)

    tilt_coverage = None
    if age_tilt is None:
        age_tilt, tilt_coverage = calibrate_age_tilt(
            stocks,
            years,
            jump_off,
            horizon,
            groups_of_units=groups_of_units,
            base=base,
            prior_weight=prior_weight,
            seed=seed,
            min_size=min_size,
        )
    ratios = estimate_ratios(stocks[i0 - base : i0 + 1], groups_of_units, prior_weight=prior_weight)
    unc = Uncertainty.calibrate(stocks[: i0 + 1].sum(axis=(2, 3)))
    housing = None
    if dwellings is not None:
        stock = np.asarray(dwellings, dtype=float)
        if stock.shape != stocks.shape[:2]:
            raise InvalidInput(f"dwellings must have the shape {stocks.shape[:2]} (years, units)")
        if persons_per_dwelling < 0:
            raise InvalidInput("persons per dwelling must not be negative")
        new = np.diff(stock[i0 : i0 + horizon + 1], axis=0)  # (horizon, units)
        housing = np.clip(np.nan_to_num(new, nan=0.0), 0.0, None) * persons_per_dwelling
    res = project(
        pop0,
        ratios,
        horizon,
        housing=housing,
        uncertainty=unc,
        trajectories=trajectories,
        seed=seed,
        groups=BACKTEST_GROUPS,
        age_tilt=age_tilt,
    )
    model = res.point[horizon]
    city = res.city[horizon]
    share = _groups(pop0, BACKTEST_GROUPS) / max(pop0.sum(), 1e-9) * city
    methods = {"model": model}
    if baselines:
        methods["constant_share"] = share
        methods["linear_trend"] = _linear(stocks[i0 - base : i0 + 1], horizon, BACKTEST_GROUPS)
        methods["hamilton_perry"] = _plain_hp(stocks[i0 - horizon], pop0, horizon, BACKTEST_GROUPS)
    report: dict[str, object] = {
        "jump_off": jump_off,
        "target": jump_off + horizon,
        "horizon": horizon,
        "areas": int(keep.sum()),
        "areas_left_out": int((~keep).sum()),
        "min_size": min_size,
        "city": {"projected": float(city), "actual": float(actual[:, 0].sum())},
        "methods": {name: _errors(pred, actual, keep, sizes) for name, pred in methods.items()},
    }
    assert res.quantiles is not None
    q = res.quantiles[horizon - 1]  # (Q, units, G)
    levels = list(res.quantile_levels)
    cover = {}
    for inner, (lo_q, hi_q) in {"80": (0.1, 0.9), "95": (0.025, 0.975)}.items():
        lo, hi = q[levels.index(lo_q)], q[levels.index(hi_q)]
        inside_total = (actual[keep, 0] >= lo[keep, 0]) & (actual[keep, 0] <= hi[keep, 0])
        cells = actual[keep, 1:] >= 50
        inside_groups = ((actual[keep, 1:] >= lo[keep, 1:]) & (actual[keep, 1:] <= hi[keep, 1:]))[cells]
        cover[inner] = {"total": float(inside_total.mean()), "age_groups": float(inside_groups.mean())}
    report["coverage"] = cover
    if housing is not None:
        report["housing"] = {
            "persons_per_dwelling": persons_per_dwelling,
            "first_occupants": float(housing.sum()),
            "areas_with_dwellings": int(np.isfinite(np.asarray(dwellings)[i0]).sum()),  # type: ignore[index]
            "basis": "completed dwellings of the projected years (the pipeline as known to planners)",
        }
    report["age_tilt"] = {"value": age_tilt, "in_sample_coverage_80": tilt_coverage}
    report["assumptions"] = res.assumptions
    if not baselines:
        return report
    best = min((m for m in methods if m != "model"), key=lambda m: report["methods"][m]["mape"])  # type: ignore[index]
    best_groups = min((m for m in methods if m != "model"), key=lambda m: report["methods"][m]["age_groups"]["mape"])  # type: ignore[index]
    mm = report["methods"]["model"]  # type: ignore[index]
    report["best_baseline"] = {
        "total": best,
        "total_improvement": 1 - mm["mape"] / report["methods"][best]["mape"],  # type: ignore[index]
        "age_groups": best_groups,
        "age_groups_improvement": 1 - mm["age_groups"]["mape"] / report["methods"][best_groups]["age_groups"]["mape"],  # type: ignore[index]
    }
    return report
