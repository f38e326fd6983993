"""Demography core: age bands, cohort-change ratios, the compiled step, projections."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ortswissen.demography import (
    N_AGES,
    AgeBands,
    Scenario,
    Uncertainty,
    disaggregate,
    estimate_ratios,
    group_ages,
    project,
)
from ortswissen.demography._kernel import advance, advance_numpy
from ortswissen.errors import InvalidInput

EWR_BANDS = ["0-1", "1-2", "2-3", "3-5", "5-6", "6-7", "7-8", "8-10", "10-12", "12-14", "14-15", "15-18",
             "18-21", "21-25", "25-27", "27-30", "30-35", "35-40", "40-45", "45-50", "50-55", "55-60",
             "60-63", "63-65", "65-67", "67-70", "70-75", "75-80", "80-85", "85-90", "90-95", "95+"]  # fmt: skip


@settings(max_examples=80, deadline=None)
@given(st.lists(st.integers(0, 3000), min_size=len(EWR_BANDS), max_size=len(EWR_BANDS)))
def test_disaggregation_keeps_every_band_and_is_never_negative(counts: list[int]) -> None:
    bands = AgeBands.parse(EWR_BANDS)
    single = disaggregate(np.array(counts, float), bands)
    assert single.shape == (N_AGES,)
    assert (single >= 0).all()
    regrouped = group_ages(single, list(zip(bands.starts, bands.ends, strict=True)))
    np.testing.assert_allclose(regrouped, counts, atol=1e-6)


def test_disaggregation_follows_a_falling_profile() -> None:
    """Inside a band the split leans towards the neighbour with more persons."""
    bands = AgeBands.parse(["0-10", "10-20", "20+"])
    single = disaggregate(np.array([1000.0, 500.0, 100.0]), bands)
    assert single[10] > single[19]
    assert single[:10].sum() == pytest.approx(1000.0)


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        (["0-5", "4-10", "10+"], "overlap"),
        (["0-5", "6-10", "10+"], "gap"),
        (["1-5", "5+"], "start at age 0"),
        (["0-5", "5-10"], "must be open"),
        (["0-5", "5+", "10+"], "only the last"),
        (["0-5", "five+"], "is not an age band"),
    ],
)
def test_bad_age_bands_are_named(labels: list[str], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        AgeBands.parse(labels)


def test_negative_or_missing_band_counts_are_rejected() -> None:
    bands = AgeBands.parse(["0-5", "5+"])
    with pytest.raises(InvalidInput, match="negative"):
        disaggregate(np.array([1.0, -2.0]), bands)
    with pytest.raises(InvalidInput, match="missing"):
        disaggregate(np.array([1.0, np.nan]), bands)


def test_ratios_pool_transitions_and_shrink_small_areas() -> None:
    rng = np.random.default_rng(0)
    big = rng.poisson(500, size=(6, 1, 1, N_AGES)).astype(float)
    small = rng.poisson(2, size=(6, 1, 1, N_AGES)).astype(float)
    stocks = np.concatenate([big, small], axis=1)
    raw = estimate_ratios(stocks, prior_weight=0.0).ratios
    shrunk = estimate_ratios(stocks, prior_weight=1000.0).ratios
    # the large area hardly moves, the tiny one moves towards the city
    assert np.abs(shrunk[0] - raw[0]).mean() < np.abs(shrunk[1] - raw[1]).mean()
    assert np.abs(shrunk[1, 0, 1:] - 1).mean() < np.abs(raw[1, 0, 1:] - 1).mean()


def test_ratio_of_a_known_cohort() -> None:
    stocks = np.zeros((2, 1, 1, N_AGES))
    stocks[0, 0, 0, 30] = 100
    stocks[1, 0, 0, 31] = 90
    r = estimate_ratios(stocks, prior_weight=0.0)
    assert r.ratios[0, 0, 31] == pytest.approx(0.9)
    with pytest.raises(InvalidInput, match="two consecutive years"):
        estimate_ratios(stocks[:1])


@pytest.mark.parametrize("n_sex", [1, 2])
def test_compiled_step_matches_numpy(n_sex: int) -> None:
    rng = np.random.default_rng(5)
    j, a = 7, 5
    state = rng.uniform(0, 50, size=(j, a, n_sex, N_AGES)).astype(np.float32)
    ratios = rng.uniform(0.9, 1.1, size=(a, n_sex, N_AGES)).astype(np.float32)
    ratios[..., 0] = 0.03
    additions = rng.uniform(0, 2, size=(a, n_sex, N_AGES)).astype(np.float32)
    weights = rng.uniform(0, 3, size=(n_sex, N_AGES)).astype(np.float32)
    shocks = rng.normal(0, 0.05, size=(j, a)).astype(np.float32)
    targets = rng.uniform(1000, 3000, size=(j, a)).astype(np.float32)
    targets[0, 0] = 0  # no rescaling for one cell
    groups = np.array([[0, N_AGES], [0, 3], [3, 6], [65, N_AGES]], dtype=np.int64)
    out_a = np.zeros((a, 4, j), np.float32)
    out_b = np.zeros((a, 4, j), np.float32)
    sa, sb = state.copy(), state.copy()
    fs = 1 if n_sex == 2 else 0
    advance(sa, ratios, additions, weights, shocks, targets, groups, out_a, 15, 45, fs)
    advance_numpy(sb, ratios, additions, weights, shocks, targets, groups, out_b, 15, 45, fs)
    np.testing.assert_allclose(sa, sb, rtol=2e-4, atol=1e-3)
    np.testing.assert_allclose(out_a, out_b, rtol=2e-4, atol=1e-2)
    np.testing.assert_allclose(out_a[:, 0, 1:], targets[1:].T, rtol=1e-4)


def _toy(seed: int = 2, units: int = 6) -> np.ndarray:
    rng = np.random.default_rng(seed)
    sizes = rng.uniform(5, 60, size=(1, units, 1, 1))
    return rng.poisson(sizes * np.ones((8, units, 1, N_AGES))).astype(float)


def test_share_totals_follow_the_city_path() -> None:
    stocks = _toy()
    res = project(stocks[-1], estimate_ratios(stocks), 4)
    share0 = stocks[-1].sum(axis=(1, 2)) / stocks[-1].sum()
    np.testing.assert_allclose(res.point[4, :, 0] / res.city[4], share0, rtol=1e-5)
    assert res.city[4] == pytest.approx(res.point[4, :, 0].sum(), rel=1e-5)


def test_control_totals_and_additions() -> None:
    stocks = _toy()
    control = [stocks[-1].sum() * (1 + 0.01 * k) for k in range(1, 4)]
    adds = np.zeros((3, stocks.shape[1], 1, N_AGES))
    adds[:, 0, 0, 30] = 25.0  # a new estate in area 0
    plain = project(stocks[-1], estimate_ratios(stocks), 3, control=control)
    built = project(stocks[-1], estimate_ratios(stocks), 3, control=control, additions=adds)
    np.testing.assert_allclose(plain.point[1:, :, 0].sum(axis=1), control, rtol=1e-5)
    assert built.point[3, 0, 0] - plain.point[3, 0, 0] == pytest.approx(75.0, rel=1e-3)


def test_scenarios_order_the_city() -> None:
    stocks = _toy() * np.linspace(1.0, 1.3, 8)[:, None, None, None]  # a growing city
    r = estimate_ratios(stocks)
    city = {n: project(stocks[-1], r, 5, scenario=Scenario.named(n)).city[-1] for n in ("low", "medium", "high")}
    assert city["low"] < city["medium"] < city["high"]
    with pytest.raises(InvalidInput, match="unknown scenario"):
        Scenario.named("optimistic")


def test_stochastic_projection_is_seeded_and_ordered() -> None:
    stocks = _toy(units=5)
    r = estimate_ratios(stocks)
    unc = Uncertainty.calibrate(stocks.sum(axis=(2, 3)))
    a = project(stocks[-1], r, 4, uncertainty=unc, trajectories=300, seed=11)
    b = project(stocks[-1], r, 4, uncertainty=unc, trajectories=300, seed=11)
    c = project(stocks[-1], r, 4, uncertainty=unc, trajectories=300, seed=12)
    assert a.quantiles is not None and b.quantiles is not None and c.quantiles is not None
    np.testing.assert_array_equal(a.quantiles, b.quantiles)
    assert not np.array_equal(a.quantiles, c.quantiles)
    assert (np.diff(a.quantiles, axis=1) >= -1e-3).all()  # 2.5 % <= 10 % <= ... <= 97.5 %
    # intervals widen with the horizon
    width = a.quantiles[:, -1, :, 0] - a.quantiles[:, 0, :, 0]
    assert (width[-1] > width[0]).all()
    # the median stays near the deterministic path
    np.testing.assert_allclose(a.quantiles[-1, 2, :, 0], a.point[-1, :, 0], rtol=0.1)
    assert a.assumptions["uncertainty"]["seed"] == 11  # type: ignore[index]


def test_projection_rejects_bad_shapes() -> None:
    stocks = _toy()
    r = estimate_ratios(stocks)
    with pytest.raises(InvalidInput, match="jump-off"):
        project(stocks[-1, :2], r, 2)
    with pytest.raises(InvalidInput, match="control totals"):
        project(stocks[-1], r, 2, control=[1.0])
    with pytest.raises(InvalidInput, match="share"):
        project(stocks[-1], r, 2, totals="magic")
    with pytest.raises(InvalidInput, match="device"):
        project(stocks[-1], r, 2, device="tpu")


def test_aggregate_quantiles_are_quantiles_of_trajectory_sums() -> None:
    """One label per unit reproduces the unit quantiles; one label for all is narrower than their sum."""
    from ortswissen.demography import Uncertainty, estimate_ratios, project

    rng = np.random.default_rng(5)
    stocks = rng.poisson(40, size=(6, 5, 1, 101)).astype(float)
    perm = np.array([3, 0, 4, 1, 2])
    res = project(
        stocks[-1],
        estimate_ratios(stocks),
        3,
        trajectories=300,
        seed=2,
        uncertainty=Uncertainty(0.05, 0.5, 0.0, 0.01),
        aggregates=[perm, np.zeros(5, dtype=int)],
    )
    by_unit, city = res.aggregate_quantiles
    assert np.allclose(by_unit[:, :, perm], res.quantiles, rtol=1e-5)
    lo, hi = city[-1, 0, 0, 0], city[-1, -1, 0, 0]
    assert res.quantiles[-1, 0, :, 0].sum() < lo < hi < res.quantiles[-1, -1, :, 0].sum()


def test_new_housing_moves_shares_not_the_city() -> None:
    """First occupants shift the area's share of the same city path and bring young families."""
    from ortswissen.demography import estimate_ratios, first_occupants, project

    stocks = _toy()
    r = estimate_ratios(stocks)
    housing = np.zeros((3, stocks.shape[1]))
    housing[:, 1] = 200.0  # a new estate in area 1
    plain = project(stocks[-1], r, 3)
    built = project(stocks[-1], r, 3, housing=housing)
    np.testing.assert_allclose(built.city, plain.city)
    np.testing.assert_allclose(built.point[3, :, 0].sum(), plain.point[3, :, 0].sum(), rtol=1e-5)
    assert built.point[3, 1, 0] > plain.point[3, 1, 0] + 300
    assert (built.point[3, [0, 2], 0] < plain.point[3, [0, 2], 0]).all()
    kids = next(i for i, (name, _, _) in enumerate(built.groups) if name == "age_under_6")
    share_kids = built.point[3, 1, kids] / built.point[3, 1, 0]
    assert share_kids > plain.point[3, 1, kids] / plain.point[3, 1, 0]
    assert first_occupants(1)[0, 25:45].sum() == pytest.approx(0.58)
    with pytest.raises(InvalidInput, match="housing must have the shape"):
        project(stocks[-1], r, 3, housing=housing[:2])


def test_the_first_output_group_must_be_the_total() -> None:
    from ortswissen.demography import estimate_ratios, project

    stocks = _toy()
    with pytest.raises(InvalidInput, match="first output group must be the total"):
        project(stocks[-1], estimate_ratios(stocks), 2, groups=(("kids", 0, 6), ("total", 0, N_AGES)))
