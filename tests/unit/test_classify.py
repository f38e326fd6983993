"""Tests for ``ortswissen.analysis.classify``: map classification breaks, outliers, fixed breaks.

Expected breaks are worked out by hand in each test (quantile positions ``(n - 1) * p``, equal
widths, mean ± multiples of the sample sd, optimal partitions by exhaustive search), never by
calling the function under test for the expectation.
"""

from __future__ import annotations

import itertools
import json
import math
import statistics
import warnings
from datetime import date

import mapclassify
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ortswissen.analysis.classify import Outlier, check_breaks, classify, fixed_breaks, regional_default
from ortswissen.errors import InvalidInput

# -- quantiles -----------------------------------------------------------------------------------


def test_quantiles_of_one_to_ten_in_five_classes() -> None:
    # Linear quantiles at p = .2, .4, ...: position 9p between the sorted values 1..10,
    # e.g. p = .2 -> position 1.8 -> 2 + 0.8 * (3 - 2) = 2.8.
    c = classify(list(range(1, 11)), "quantiles", k=5)
    assert c.breaks == pytest.approx([2.8, 4.6, 6.4, 8.2, 10.0])
    assert c.lower == 1.0
    assert c.classes == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]
    assert c.counts == [2, 2, 2, 2, 2]
    assert (c.k_requested, c.k_used, c.closed) == (5, 5, "right")
    assert c.notes == []


def test_quantiles_with_ties_reduce_k() -> None:
    # sorted [0,0,0,0,0,0,1,2,3] (4 distinct values), positions 8p: .25 -> 2 -> 0, .5 -> 4 -> 0,
    # .75 -> 6 -> 1, 1 -> 3. Distinct bounds: 0, 1, 3.
    c = classify([0, 0, 0, 0, 0, 0, 1, 2, 3], "quantiles", k=4)
    assert c.breaks == [0.0, 1.0, 3.0]
    assert c.k_used == 3
    assert c.classes == [0, 0, 0, 0, 0, 0, 1, 2, 2]
    assert c.counts == [6, 1, 2]
    assert c.notes == ["k reduced from 4 to 3: tied values make quantiles coincide"]


# -- equal interval ------------------------------------------------------------------------------


def test_equal_interval_of_tens() -> None:
    values = [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100]
    c = classify(values, "equal_interval", k=5)
    # width (100 - 0) / 5 = 20; upper bounds 20, 40, ..., 100; a value on a bound belongs below it
    assert c.breaks == pytest.approx([20, 40, 60, 80, 100])
    assert c.classes == [0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4]
    assert c.counts == [3, 2, 2, 2, 2]


def test_equal_interval_with_fewer_distinct_values_than_k() -> None:
    c = classify([0, 0, 10], "equal_interval", k=5)
    assert c.k_used == 2
    assert c.breaks == [5.0, 10.0]
    assert c.classes == [0, 0, 1]
    assert c.notes == ["only 2 distinct value(s): k reduced from 5 to 2"]


# -- natural breaks ------------------------------------------------------------------------------


def test_jenks_finds_obvious_clusters() -> None:
    c = classify([1, 2, 3, 10, 11, 12, 30, 31], "jenks", k=3)
    assert c.breaks == [3.0, 12.0, 31.0]
    assert c.classes == [0, 0, 0, 1, 1, 1, 2, 2]
    assert c.counts == [3, 3, 2]
    assert c.lower == 1.0


def test_jenks_two_classes_by_hand() -> None:
    # [0, 1, 3]: {0,1}|{3} has squared deviations 0.25 + 0.25 = 0.5, {0}|{1,3} has 1 + 1 = 2.
    assert classify([3, 0, 1], "jenks", k=2).breaks == [1.0, 3.0]
    # repeated values weigh in: five 1s and one 10 and one 12 -> {1..}|{10, 12}
    assert classify([1, 1, 1, 1, 1, 10, 12], "jenks", k=2).breaks == [1.0, 12.0]


def test_jenks_with_fewer_distinct_values_than_k() -> None:
    c = classify([1, 2, 2, 3], "jenks", k=5)
    assert (c.k_used, c.breaks, c.classes) == (3, [1.0, 2.0, 3.0], [0, 1, 1, 2])
    assert c.notes == ["only 3 distinct value(s): k reduced from 5 to 3"]


def _sse(values: list[float], breaks: list[float]) -> float:
    total = 0.0
    for low, high in zip([-math.inf, *breaks[:-1]], breaks, strict=True):
        members = [v for v in values if low < v <= high]
        if members:
            mean = sum(members) / len(members)
            total += sum((v - mean) ** 2 for v in members)
    return total


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(-20, 20), min_size=1, max_size=10), st.integers(1, 5))
def test_jenks_is_optimal_by_exhaustive_search(values: list[int], k: int) -> None:
    distinct = sorted(set(values))
    k_used = min(k, len(distinct))
    best = min(
        _sse([float(v) for v in values], [float(distinct[i]) for i in cut] + [float(distinct[-1])])
        for cut in itertools.combinations(range(len(distinct) - 1), k_used - 1)
    )
    c = classify(values, "jenks", k=k)
    assert c.k_used == k_used
    assert set(c.breaks) <= {float(v) for v in distinct}
    assert _sse([float(v) for v in values], c.breaks) == pytest.approx(best, abs=1e-9)


def test_jenks_is_never_worse_than_mapclassify() -> None:
    y = np.random.default_rng(7).lognormal(size=200)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Numba not installed", category=UserWarning)
        theirs = [float(b) for b in mapclassify.FisherJenks(y, k=5).bins]
    ours = classify(y, "jenks", k=5).breaks
    assert _sse(y.tolist(), ours) <= _sse(y.tolist(), theirs) + 1e-9


# -- standard deviation classes ------------------------------------------------------------------

# mean 10; squared deviations 49 + 1 + 0 + 1 + 49 = 100, / (5 - 1) = 25 -> sample sd 5
STD_VALUES = [3, 9, 10, 11, 17]


def test_std_mean_three_classes() -> None:
    c = classify(STD_VALUES, "std_mean", k=3)
    # multiples -1, 1: cuts 5 and 15, top = max 17
    assert c.breaks == pytest.approx([5, 15, 17])
    assert c.classes == [0, 1, 1, 1, 2]


def test_std_mean_even_k_cuts_at_the_mean() -> None:
    c = classify(STD_VALUES, "std_mean", k=4)
    # multiples -1, 0, 1: cuts 5, 10, 15, top 17
    assert c.breaks == pytest.approx([5, 10, 15, 17])
    assert c.classes == [0, 1, 1, 2, 3]


def test_std_mean_drops_empty_outer_classes() -> None:
    c = classify(STD_VALUES, "std_mean", k=5)
    # multiples -2, -1, 1, 2: cuts 0, 5, 15, 20; 0 < min 3 and 20 > max 17 bound empty classes
    assert c.breaks == pytest.approx([5, 15, 17])
    assert (c.k_requested, c.k_used) == (5, 3)
    assert any("k reduced from 5 to 3" in note for note in c.notes)


def test_std_mean_matches_mapclassify_when_all_classes_are_filled() -> None:
    y = np.array([-40.0, *range(1, 20), 60.0])
    mean, sd = statistics.mean(y.tolist()), statistics.stdev(y.tolist())
    c = classify(y, "std_mean", k=5)
    assert c.breaks == pytest.approx([mean - 2 * sd, mean - sd, mean + sd, mean + 2 * sd, 60.0])
    assert c.breaks == pytest.approx(mapclassify.StdMean(y).bins.tolist())


# -- given breaks --------------------------------------------------------------------------------


def test_manual_breaks_put_values_above_the_last_break_into_the_last_class() -> None:
    c = classify([1, 5, 10, 50, 200, None], "manual", breaks=[5, 20, 100])
    assert c.breaks == [5.0, 20.0, 100.0]
    assert c.classes == [0, 0, 1, 2, 2, None]
    assert c.counts == [2, 1, 2]
    assert (c.k_requested, c.k_used, c.lower) == (3, 3, 1.0)
    assert c.notes == ["1 value(s) above the last break 100 were put into the last class"]


def test_threshold_classes_are_closed_on_the_left() -> None:
    c = classify([0.05, 0.1, 0.2, None], "threshold", breaks=[0.1])
    assert c.classes == [0, 1, 1, None]
    assert c.breaks == [0.1, 0.2]  # the threshold, then the top of the last class
    assert (c.k_used, c.closed) == (2, "left")
    c = classify([-1, 0, 5, 10, 11], "threshold", breaks=[0, 10])
    assert c.classes == [0, 1, 1, 2, 2]
    assert c.counts == [1, 2, 2]


def test_threshold_not_reached_leaves_an_empty_top_class() -> None:
    c = classify([1, 2], "threshold", breaks=[5])
    assert c.breaks == [5.0, 5.0]
    assert c.classes == [0, 0]
    assert c.counts == [2, 0]
    assert "empty class(es): 1" in c.notes


# -- outliers ------------------------------------------------------------------------------------


def test_iqr_outlier_exclusion_changes_the_breaks() -> None:
    values = [1, 2, 3, 4, 5, 6, 7, 8, 100]
    plain = classify(values, "equal_interval", k=2)
    assert plain.breaks == pytest.approx([50.5, 100])
    assert plain.classes == [0] * 8 + [1]

    c = classify(values, "equal_interval", k=2, exclude_outliers=True)
    # q1 at position 8 * .25 = 2 -> 3, q3 at position 6 -> 7, IQR 4, fences 3 - 6 = -3 and 7 + 6 = 13
    assert c.fences == (-3.0, 13.0)
    assert c.outliers == [Outlier(8, "high_outlier", 100.0)]
    assert c.flags == [None] * 8 + ["high_outlier"]
    # breaks from 1..8 only: width 3.5 -> 4.5, 8; the outlier still lands in the last class
    assert c.breaks == pytest.approx([4.5, 8.0])
    assert c.classes == [0, 0, 0, 0, 1, 1, 1, 1, 1]
    assert c.counts == [4, 5]
    assert c.notes == ["1 outlier(s) kept out of the break computation"]


def test_zscore_outliers_go_to_the_first_class() -> None:
    values = [-100.0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
    mean, sd = statistics.mean(values), statistics.stdev(values)
    c = classify(values, "quantiles", k=2, exclude_outliers=True, outlier_method="zscore", outlier_factor=2)
    assert c.fences == pytest.approx((mean - 2 * sd, mean + 2 * sd))
    assert c.outliers == [Outlier(0, "low_outlier", -100.0)]
    # median of 1..9 is 5
    assert c.breaks == pytest.approx([5.0, 9.0])
    assert c.lower == 1.0
    assert c.classes == [0, 0, 0, 0, 0, 0, 1, 1, 1, 1]


def test_outliers_are_only_flagged_for_given_breaks() -> None:
    c = classify([1, 2, 3, 4, 100], "manual", breaks=[2, 50], exclude_outliers=True)
    assert c.breaks == [2.0, 50.0]
    assert c.classes == [0, 0, 1, 1, 1]
    assert c.flags == [None, None, None, None, "high_outlier"]


def test_fences_that_exclude_everything_are_not_applied() -> None:
    # mean 5, sample sd sqrt(50) ~ 7.07: with |z| <= 0.5 neither value is inside
    c = classify([0, 10], "equal_interval", k=2, exclude_outliers=True, outlier_method="zscore", outlier_factor=0.5)
    assert c.outliers == []
    assert c.fences is None
    assert c.breaks == [5.0, 10.0]
    assert "outliers were not excluded" in c.notes[0]


# -- degenerate input ----------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["jenks", "quantiles", "equal_interval", "std_mean"])
def test_all_missing_values_classify_to_nothing(method: str) -> None:
    c = classify([None, math.nan, pd.NA], method, k=4)
    assert c.classes == [None, None, None]
    assert (c.k_used, c.breaks, c.counts, c.lower) == (0, [], [], None)
    assert c.notes == ["no non-missing values: nothing to classify"]
    assert c.assign([1.0]) == [None]
    json.dumps(c.to_dict(), allow_nan=False)


def test_all_missing_values_with_manual_breaks() -> None:
    c = classify([None], "manual", breaks=[1, 2])
    assert (c.classes, c.counts, c.lower) == ([None], [0, 0], None)
    assert c.notes == ["no non-missing values: nothing to classify"]


@pytest.mark.parametrize("method", ["jenks", "quantiles", "equal_interval", "std_mean"])
def test_a_single_distinct_value_gives_one_class(method: str) -> None:
    c = classify([7, 7, None, 7], method, k=4)
    assert (c.k_used, c.breaks, c.lower) == (1, [7.0], 7.0)
    assert c.classes == [0, 0, None, 0]
    assert c.counts == [3]
    assert c.notes == ["only 1 distinct value(s): k reduced from 4 to 1"]


def test_inputs_of_several_kinds() -> None:
    assert classify(np.array([1, 2, 3]), "manual", breaks=[2, 3]).classes == [0, 0, 1]
    series = pd.Series([1.0, None, 3.0], dtype="Float64")
    assert classify(series, "manual", breaks=[2, 3]).classes == [0, None, 1]
    assert classify(pd.Series([1, None, 3], dtype=object), "manual", breaks=[2, 3]).classes == [0, None, 1]
    assert classify(range(3), "manual", breaks=[0, 2]).classes == [0, 1, 1]


# -- assign, apply, to_dict ----------------------------------------------------------------------


def test_assign_uses_the_breaks_for_new_values() -> None:
    c = classify([1, 2, 3, 10, 11, 12, 30, 31], "jenks", k=3)
    assert c.assign([-5, 3, 3.0001, 12, 13, 31, 1000, None]) == [0, 0, 1, 1, 2, 2, 2, None]


def test_apply_flags_outliers_with_the_stored_fences() -> None:
    c = classify([1, 2, 3, 4, 5, 6, 7, 8, 100], "equal_interval", k=2, exclude_outliers=True)
    applied = c.apply([-10, 5, 20])
    assert applied.breaks == c.breaks
    assert applied.classes == [0, 1, 1]
    assert applied.counts == [1, 2]
    assert applied.flags == ["low_outlier", None, "high_outlier"]


def test_to_dict_is_json_serialisable() -> None:
    c = classify([1, 2, 3, 4, 100, None], "quantiles", k=2, exclude_outliers=True)
    d = json.loads(json.dumps(c.to_dict(), allow_nan=False))
    # inliers 1..4: median 2.5
    assert d["breaks"] == [2.5, 4.0]
    assert d["classes"] == [0, 0, 1, 1, 1, None]
    assert d["outliers"] == [{"index": 4, "kind": "high_outlier", "value": 100.0}]
    assert d["flags"] == [None, None, None, None, "high_outlier", None]
    # q1 of 1,2,3,4,100 at position 1 -> 2, q3 at position 3 -> 4: fences 2 - 3 = -1, 4 + 3 = 7
    assert d["fences"] == {"low": -1.0, "high": 7.0}
    assert d["method"] == "quantiles"


# -- fixed breaks and regional defaults ----------------------------------------------------------


def test_fixed_breaks_share_the_pooled_breaks_over_time() -> None:
    series = {date(2020, 12, 31): [1, 2, 3], date(2021, 12, 31): [10, 11, 12], date(2022, 12, 31): [30, 31, None]}
    fb = fixed_breaks(series, "jenks", k=3)
    assert fb.breaks == [3.0, 12.0, 31.0]
    assert fb.pooled.classes == [0, 0, 0, 1, 1, 1, 2, 2, None]
    assert fb.by_date[date(2020, 12, 31)].classes == [0, 0, 0]
    assert fb.by_date[date(2021, 12, 31)].classes == [1, 1, 1]
    assert fb.by_date[date(2022, 12, 31)].classes == [2, 2, None]
    assert fb.by_date[date(2020, 12, 31)].counts == [3, 0, 0]
    assert fb.assign([2.5, 11.5, 40]) == [0, 1, 2]
    # a single date on its own would get different breaks
    assert classify(series[date(2020, 12, 31)], "jenks", k=3).breaks == [1.0, 2.0, 3.0]
    d = json.loads(json.dumps(fb.to_dict(), allow_nan=False))
    assert set(d["by_date"]) == {"2020-12-31", "2021-12-31", "2022-12-31"}


def test_fixed_breaks_notes_values_beyond_the_pooled_range() -> None:
    fb = fixed_breaks({"2020": [0, 10], "2021": [0, 20]}, "equal_interval", k=2)
    assert fb.breaks == [10.0, 20.0]
    assert fb.by_date["2020"].classes == [0, 0]
    assert fb.by_date["2021"].classes == [0, 1]
    assert fb.pooled.apply([25]).notes == ["1 value(s) above the last break 20 were put into the last class"]


def test_regional_default_classifies_each_level() -> None:
    defaults = regional_default({"bezirk": [0, 10, 20, 30], "planungsraum": [5, 6, 7]}, "equal_interval", k=2)
    assert defaults["bezirk"].breaks == [15.0, 30.0]
    assert defaults["planungsraum"].breaks == [6.0, 7.0]
    assert defaults["planungsraum"].classes == [0, 0, 1]


# -- errors --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"method": "natural"}, "method: unknown classification method 'natural'"),
        ({"method": "jenks", "k": 0}, "k: must be an integer"),
        ({"method": "jenks", "k": True}, "k: must be an integer"),
        ({"method": "jenks", "k": 2.0}, "k: must be an integer"),
        ({"method": "jenks", "k": 101}, "k: must be an integer"),
        ({"method": "jenks", "breaks": [1]}, "breaks: method 'jenks' computes its own breaks"),
        ({"method": "manual"}, "breaks: method 'manual' needs breaks"),
        ({"method": "threshold", "breaks": [2, 1]}, "breaks: must be strictly ascending"),
        ({"method": "manual", "breaks": [1, 1]}, "breaks: must be strictly ascending"),
        ({"method": "manual", "breaks": []}, "breaks: expected 1 to 100 numbers"),
        ({"method": "manual", "breaks": [1, math.nan]}, "breaks: every break must be a finite number"),
        ({"method": "manual", "breaks": "1,2"}, "breaks: expected a list of numbers"),
        ({"method": "jenks", "outlier_method": "mad"}, "outlier_method: expected 'iqr' or 'zscore'"),
        ({"method": "jenks", "outlier_factor": -1}, "outlier_factor: must be a positive finite number"),
        ({"method": "jenks", "outlier_factor": math.inf}, "outlier_factor: must be a positive finite number"),
    ],
)
def test_bad_parameters_are_rejected(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(InvalidInput, match=match):
        classify([1.0, 2.0, 3.0], **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("values", "match"),
    [
        ([1, "2", 3], "values: value at position 1 is not a number: '2'"),
        ([1, True], "values: value at position 1 is not a number"),
        ([1, math.inf], "values: infinite value at position 1"),
        ("123", "values: expected a one-dimensional sequence"),
        ([[1, 2], [3, 4]], "values: expected a one-dimensional sequence"),
        (5, "values: expected a one-dimensional sequence"),
    ],
)
def test_bad_values_are_rejected(values: object, match: str) -> None:
    with pytest.raises(InvalidInput, match=match):
        classify(values, "jenks", k=2)  # type: ignore[arg-type]


def test_check_breaks_converts_to_floats() -> None:
    assert check_breaks([1, np.int64(2), 3.5]) == [1.0, 2.0, 3.5]
    with pytest.raises(InvalidInput, match="limits: must be strictly ascending"):
        check_breaks([3, 2], "limits")


def test_fixed_breaks_needs_dates() -> None:
    with pytest.raises(InvalidInput, match="series_by_date: no dates given"):
        fixed_breaks({}, "jenks")


# -- properties ----------------------------------------------------------------------------------

_values = st.lists(
    st.one_of(st.none(), st.floats(-1e6, 1e6, allow_nan=False), st.integers(-5, 5)), min_size=0, max_size=40
)


@settings(max_examples=200, deadline=None)
@given(
    _values,
    st.sampled_from(["jenks", "quantiles", "equal_interval", "std_mean"]),
    st.integers(1, 8),
    st.booleans(),
)
def test_every_present_value_gets_a_class(values: list[float | None], method: str, k: int, outliers: bool) -> None:
    c = classify(values, method, k=k, exclude_outliers=outliers)
    present = [v for v in values if v is not None]
    assert len(c.classes) == len(values)
    assert all((cls is None) == (v is None) for cls, v in zip(c.classes, values, strict=True))
    assert all(0 <= cls < c.k_used for cls in c.classes if cls is not None)
    assert sum(c.counts) == len(present)
    assert len(c.counts) == len(c.breaks) == c.k_used
    assert c.k_used <= min(k, len(set(present)))
    assert all(a < b for a, b in itertools.pairwise(c.breaks))
    # classes follow the order of the values
    ordered = sorted((v, cls) for v, cls in zip(values, c.classes, strict=True) if v is not None)
    assert all(a[1] <= b[1] for a, b in itertools.pairwise(ordered))
    assert c.assign(values) == c.classes
    json.dumps(c.to_dict(), allow_nan=False)


# -- agreement with mapclassify ------------------------------------------------------------------
# quantiles, equal_interval, std_mean, manual and the outlier fences are mapclassify's; jenks is
# mapclassify's FisherJenks for small problems and our exact float64 version of it for large ones.


def _lognormal(seed: int, n: int) -> np.ndarray:
    return np.random.default_rng(seed).lognormal(8, 1, size=n).round(1)


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("k", [2, 3, 4, 5, 6, 7, 8, 10])
def test_quantiles_equal_mapclassify(seed: int, k: int) -> None:
    y = _lognormal(seed, 300)
    theirs = mapclassify.Quantiles(y, k=k)
    c = classify(y, "quantiles", k=k)
    assert c.breaks == pytest.approx(theirs.bins.tolist(), rel=1e-12)
    assert c.classes == theirs.yb.tolist()


def test_quantiles_with_ties_equal_mapclassify_without_duplicates() -> None:
    # 10 distinct values, so k = 8 is not reduced up front; half the values are 0
    y = np.minimum(np.random.default_rng(3).geometric(0.5, size=200) - 1, 9).astype(float)
    y[:10] = np.arange(10)
    with pytest.warns(UserWarning, match="Not enough unique values"):
        theirs = mapclassify.Quantiles(y, k=8).bins
    c = classify(y, "quantiles", k=8)
    assert c.breaks == np.unique(theirs).tolist()
    assert len(c.breaks) < 8
    assert c.notes[0] == f"k reduced from 8 to {len(c.breaks)}: tied values make quantiles coincide"


@pytest.mark.parametrize("k", [23, 31, 97])
def test_quantiles_for_k_where_mapclassify_arange_is_off(k: int) -> None:
    # mapclassify.Quantiles builds its percentiles with np.arange(100 / k, 100 + 100 / k, 100 / k):
    # for these k it ends a hair below 100 (23) or makes k + 1 of them (31, 97).
    y = np.arange(1000.0)
    c = classify(y, "quantiles", k=k)
    assert c.k_used == k
    assert c.breaks[-1] == 999.0
    assert c.breaks[:-1] == pytest.approx([999.0 * i / k for i in range(1, k)], rel=1e-12)
    assert c.counts[-1] > 0


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("k", [2, 3, 5, 7, 12])
def test_equal_interval_equals_mapclassify(seed: int, k: int) -> None:
    y = _lognormal(seed, 300)
    theirs = mapclassify.EqualInterval(y, k=k)
    c = classify(y, "equal_interval", k=k)
    assert c.breaks == theirs.bins.tolist()
    assert c.classes == theirs.yb.tolist()


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize(
    ("k", "multiples"),
    [(2, [0]), (3, [-1, 1]), (4, [-1, 0, 1]), (5, [-2, -1, 1, 2]), (6, [-2, -1, 0, 1, 2]), (7, [-3, -2, -1, 1, 2, 3])],
)
def test_std_mean_equals_mapclassify_inside_the_data_range(seed: int, k: int, multiples: list[int]) -> None:
    y = np.random.default_rng(seed).normal(50, 10, size=300)
    theirs = mapclassify.StdMean(y, multiples=multiples).bins.tolist()
    expected = [b for b in theirs if y.min() <= b < y.max()] + [y.max()]
    assert classify(y, "std_mean", k=k).breaks == expected


def test_manual_classes_equal_mapclassify_user_defined() -> None:
    y = _lognormal(4, 200)
    bins = [1000.0, 2000.0, 5000.0, float(y.max())]
    assert classify(y, "manual", breaks=bins).classes == mapclassify.UserDefined(y, bins).yb.tolist()
    # UserDefined adds a class up to the maximum; we put those values into the last given class
    short = [1000.0, 2000.0]
    theirs = mapclassify.UserDefined(y, short).yb
    assert classify(y, "manual", breaks=short).classes == np.minimum(theirs, 1).tolist()


@pytest.mark.parametrize("factor", [0.5, 1.5, 3.0])
def test_outlier_fences_equal_mapclassify(factor: float) -> None:
    y = _lognormal(5, 300)
    iqr = classify(y, "quantiles", k=3, exclude_outliers=True, outlier_factor=factor)
    box = mapclassify.BoxPlot(y, hinge=factor)
    assert iqr.fences == (box.bins[0], box.bins[4])
    assert {o.index for o in iqr.outliers if o.kind == "high_outlier"} == set(box.high_outlier_ids.tolist())
    z = classify(y, "quantiles", k=3, exclude_outliers=True, outlier_method="zscore", outlier_factor=factor)
    assert z.fences == tuple(mapclassify.StdMean(y, multiples=[-factor, factor]).bins[:2])


def _fisher_jenks_of_mapclassify(y: np.ndarray, k: int) -> list[float]:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Numba not installed", category=UserWarning)
        return mapclassify.FisherJenks(y, k=k).bins.tolist()


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("k", [3, 5, 7])
def test_jenks_for_small_n_is_mapclassify_fisher_jenks(seed: int, k: int, monkeypatch: pytest.MonkeyPatch) -> None:
    y = _lognormal(seed, 120)
    expected = _fisher_jenks_of_mapclassify(y, k)
    calls: list[int] = []
    original = mapclassify.FisherJenks

    def spy(values: np.ndarray, k: int) -> mapclassify.FisherJenks:
        calls.append(k)
        return original(values, k=k)

    monkeypatch.setattr(mapclassify, "FisherJenks", spy)
    assert classify(y, "jenks", k=k).breaks == expected
    assert calls == [k]


def test_jenks_for_large_n_is_exact_without_calling_mapclassify(monkeypatch: pytest.MonkeyPatch) -> None:
    from ortswissen.analysis.classify import _fisher_jenks

    rng = np.random.default_rng(11)
    y = rng.lognormal(8, 1, size=5000).round(1)

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("FisherJenks must not run for large n")

    # our exact implementation agrees with FisherJenks on a subsample-sized problem ...
    sample = rng.choice(y, size=250, replace=False)
    unique, counts = np.unique(sample, return_counts=True)
    for k in (4, 6):
        assert _fisher_jenks(unique, counts.astype(float), k) == _fisher_jenks_of_mapclassify(sample, k)
    # ... and is what classify uses for the full data
    monkeypatch.setattr(mapclassify, "FisherJenks", refuse)
    c = classify(y, "jenks", k=6)
    unique, counts = np.unique(y, return_counts=True)
    assert c.breaks == _fisher_jenks(unique, counts.astype(float), 6)
    # four well separated clusters are found exactly
    clustered = np.concatenate([rng.uniform(lo, lo + 1, size=1000) for lo in (0, 10, 20, 30)])
    assert classify(clustered, "jenks", k=4).breaks == [
        float(clustered[(clustered >= lo) & (clustered < lo + 1)].max()) for lo in (0, 10, 20, 30)
    ]


def test_jenks_is_not_thrown_off_by_mapclassify_float32_sums() -> None:
    # FisherJenks sums in float32: for values far from zero or tight clusters far apart its
    # breaks can be far from optimal. classify centres the values and checks the result.
    rng = np.random.default_rng(2)
    y = 1e5 + rng.normal(0, 10, size=100)
    assert classify(y, "jenks", k=5).classes == classify(y - 1e5, "jenks", k=5).classes
    bimodal = np.concatenate([rng.normal(0, 1, 60), rng.normal(1e4, 1, 60)])
    ours = classify(bimodal, "jenks", k=6).breaks
    best = min(
        _sse(bimodal.tolist(), ours),
        _sse(bimodal.tolist(), _fisher_jenks_of_mapclassify(bimodal, 6)),
    )
    assert _sse(bimodal.tolist(), ours) == pytest.approx(best, rel=1e-12)


def test_mapclassify_numba_warning_does_not_leak() -> None:
    y = _lognormal(6, 60)
    before = list(warnings.filters)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        classify(y, "jenks", k=4)
    assert [str(w.message) for w in caught] == []
    assert warnings.filters == before
    if not mapclassify.classifiers.HAS_NUMBA:  # the warning classify keeps in
        with pytest.warns(UserWarning, match="Numba not installed"):
            mapclassify.FisherJenks(y, k=4)


def test_concurrent_jenks_leaves_the_warning_filters_alone() -> None:
    from concurrent.futures import ThreadPoolExecutor

    before = list(warnings.filters)
    data = [_lognormal(seed, 40) for seed in range(12)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda y: classify(y, "jenks", k=4).breaks, data))
    assert results == [_fisher_jenks_of_mapclassify(y, 4) for y in data]
    assert warnings.filters == before


@pytest.mark.parametrize("method", ["jenks", "std_mean"])
def test_values_too_large_to_compute_with_are_rejected(method: str) -> None:
    with pytest.raises(InvalidInput, match="values: too large in magnitude"):
        classify([1e200, 2e200, 3e200, 5e200], method, k=3)
