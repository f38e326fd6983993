"""Tests for ``ortswissen.analysis.stats``: rankings, changes, trends, scatter, deficits, profiles.

Expected values are worked out by hand (written down in the comments) or with the plain
textbook formulas in numpy inside the test, never by calling the library path under test.
"""

from __future__ import annotations

import math
from datetime import date, datetime

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from ortswissen.analysis.stats import (
    change,
    decimal_year,
    deficits,
    percentile_of,
    profile,
    ranking,
    scatter,
    trend,
)
from ortswissen.errors import InvalidInput

# -- ranking -------------------------------------------------------------------------------------


def test_ranking_descending_with_ties_and_missing() -> None:
    values = pd.Series({"a": 3.0, "b": 1.0, "c": None, "d": 3.0, "e": 2.0})
    result = ranking(values)
    # sorted by rank, ties in input order, missing last
    assert list(result.index) == ["a", "d", "e", "b", "c"]
    assert result["rank"].tolist()[:4] == [1.0, 1.0, 3.0, 4.0]
    assert math.isnan(result.loc["c", "rank"])
    # 4 units with a value: a, d -> 4 of 4 are <= 3; e -> 2 of 4 (1, 2); b -> 1 of 4
    assert result["percentile"].tolist()[:4] == [100.0, 100.0, 50.0, 25.0]
    assert math.isnan(result.loc["c", "percentile"])
    assert math.isnan(result.loc["c", "value"])
    assert list(result.columns) == ["value", "rank", "percentile"]


def test_ranking_ascending_and_polarity() -> None:
    values = pd.Series({"a": 3.0, "b": 1.0, "d": 3.0, "e": 2.0})
    ascending = ranking(values, ascending=True)
    assert ascending["rank"].to_dict() == {"b": 1.0, "e": 2.0, "a": 3.0, "d": 3.0}
    # percentile does not depend on the direction
    assert ascending["percentile"].to_dict() == {"b": 25.0, "e": 50.0, "a": 100.0, "d": 100.0}
    worse = ranking(values, polarity="higher_is_worse")
    assert worse["rank"].to_dict() == {"b": 1.0, "e": 2.0, "a": 3.0, "d": 3.0}
    better = ranking(values, ascending=True, polarity="higher_is_better")  # polarity wins
    assert better["rank"].to_dict() == {"a": 1.0, "d": 1.0, "e": 3.0, "b": 4.0}
    neutral = ranking(values, ascending=True, polarity="neutral")
    assert neutral["rank"].to_dict() == {"b": 1.0, "e": 2.0, "a": 3.0, "d": 3.0}


def test_ranking_rejects_bad_input() -> None:
    with pytest.raises(InvalidInput, match="polarity"):
        ranking(pd.Series({"a": 1.0}), polarity="sideways")
    with pytest.raises(InvalidInput, match="duplicate unit ids"):
        ranking(pd.Series([1.0, 2.0], index=["a", "a"]))
    with pytest.raises(InvalidInput, match="numeric"):
        ranking(pd.Series({"a": "x", "b": 1}))
    with pytest.raises(InvalidInput, match="infinite"):
        ranking(pd.Series({"a": math.inf, "b": 1.0}))
    with pytest.raises(InvalidInput, match="Series"):
        ranking([1.0, 2.0])  # type: ignore[arg-type]


def test_ranking_accepts_nullable_and_object_values() -> None:
    values = pd.Series([2, pd.NA, 5], index=["a", "b", "c"], dtype="Int64")
    assert ranking(values)["rank"].tolist()[:2] == [1.0, 2.0]
    assert math.isnan(ranking(values).loc["b", "rank"])
    objects = pd.Series({"a": 2, "b": None, "c": 5.5})
    assert ranking(objects)["value"].tolist()[:2] == [5.5, 2.0]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.none(), st.integers(-20, 20)), min_size=1, max_size=25))
def test_ranking_property_consistent_with_value_order(raw: list[int | None]) -> None:
    values = pd.Series([np.nan if v is None else float(v) for v in raw], index=[f"u{i}" for i in range(len(raw))])
    result = ranking(values).reindex(values.index)
    present = [v for v in raw if v is not None]
    for unit, v in zip(values.index, raw, strict=True):
        if v is None:
            assert math.isnan(result.loc[unit, "rank"])
            continue
        # min rank: 1 + number of strictly larger values
        assert result.loc[unit, "rank"] == 1 + sum(other > v for other in present)
        assert result.loc[unit, "percentile"] == pytest.approx(100 * sum(o <= v for o in present) / len(present))
    if len(set(present)) == len(present):  # no ties: the ranks are a permutation of 1..n
        assert sorted(result["rank"].dropna().astype(int)) == list(range(1, len(present) + 1))


# -- change --------------------------------------------------------------------------------------


def test_change_cases() -> None:
    start = pd.Series({"a": 200.0, "b": 0.0, "c": None, "d": -40.0, "e": 50.0})
    end = pd.Series({"a": 150.0, "b": 3.0, "c": 5.0, "d": -10.0, "f": 1.0})
    result = change(start, end)
    assert list(result.index) == ["a", "b", "c", "d", "e", "f"]
    assert list(result.columns) == ["start", "end", "absolute", "relative", "status"]
    assert result["status"].tolist() == ["ok", "zero_base", "missing", "ok", "missing", "missing"]
    # a: 150 - 200 = -50, -50 / 200 = -0.25
    assert result.loc["a", "absolute"] == -50.0
    assert result.loc["a", "relative"] == -0.25
    # b: zero base -> absolute 3, relative undefined
    assert result.loc["b", "absolute"] == 3.0
    assert math.isnan(result.loc["b", "relative"])
    # d: -10 - (-40) = 30, 30 / |-40| = 0.75 (sign follows the absolute change)
    assert result.loc["d", "absolute"] == 30.0
    assert result.loc["d", "relative"] == 0.75
    for unit in ("c", "e", "f"):
        assert math.isnan(result.loc[unit, "absolute"])
        assert math.isnan(result.loc[unit, "relative"])
    assert math.isnan(result.loc["e", "end"])
    assert math.isnan(result.loc["f", "start"])


# -- trend ---------------------------------------------------------------------------------------


def test_decimal_year() -> None:
    assert decimal_year(date(2021, 1, 1)) == 2021.0
    # 2020 is a leap year: 1 July is day 183 (31+29+31+30+31+30 = 182 days before it)
    assert decimal_year(date(2020, 7, 1)) == pytest.approx(2020 + 182 / 366)
    assert decimal_year(date(2021, 12, 31)) == pytest.approx(2021 + 364 / 365)
    assert decimal_year(datetime(2021, 1, 2, 12, 0)) == pytest.approx(2021 + 1.5 / 365)
    assert decimal_year(pd.Timestamp("2022-01-01")) == 2022.0
    with pytest.raises(InvalidInput):
        decimal_year("no date")  # type: ignore[arg-type]


def _slope_r(x: list[float], y: list[float]) -> tuple[float, float, float]:
    """Textbook OLS slope, intercept and Pearson r."""
    xa, ya = np.array(x), np.array(y)
    dx, dy = xa - xa.mean(), ya - ya.mean()
    slope = (dx * dy).sum() / (dx * dx).sum()
    return slope, ya.mean() - slope * xa.mean(), (dx * dy).sum() / math.sqrt((dx * dx).sum() * (dy * dy).sum())


def test_trend_year_end_dates() -> None:
    # values 10, 12, 14 on 31.12.2020/2021/2022; x in decimal years = year + (day_of_year - 1) / days_in_year:
    # 2020 + 365/366 (leap year), 2021 + 364/365, 2022 + 364/365 -> spacing ~ 1 year, slope ~ 2 per year
    x = [2020 + 365 / 366, 2021 + 364 / 365, 2022 + 364 / 365]
    frame = pd.DataFrame(
        {
            "unit_id": ["a"] * 3,
            "date": [date(2020, 12, 31), date(2021, 12, 31), date(2022, 12, 31)],
            "value": [10.0, 12.0, 14.0],
        }
    )
    result = trend(frame)
    slope, intercept, r = _slope_r(x, [10.0, 12.0, 14.0])
    assert result.loc["a", "slope"] == pytest.approx(slope, rel=1e-12)
    assert result.loc["a", "slope"] == pytest.approx(2.0, abs=1e-3)
    assert result.loc["a", "intercept"] == pytest.approx(intercept, rel=1e-9)
    assert result.loc["a", "r"] == pytest.approx(r, abs=1e-12)
    assert result.loc["a", "n"] == 3
    assert result.loc["a", "status"] == "ok"


def test_trend_statuses_missing_and_order() -> None:
    frame = pd.DataFrame(
        {
            "unit_id": ["z", "z", "z", "z", "y", "y", "x", "x", "w"],
            "date": [
                date(2020, 1, 1),
                date(2021, 1, 1),
                date(2022, 1, 1),
                date(2023, 1, 1),
                date(2020, 1, 1),
                date(2021, 1, 1),
                date(2020, 1, 1),
                date(2021, 1, 1),
                date(2020, 1, 1),
            ],
            "value": [1.0, None, 4.0, 3.0, 7.0, 7.0, 5.0, None, None],
        }
    )
    result = trend(frame)
    assert list(result.index) == ["z", "y", "x", "w"]
    assert result.index.name == "unit_id"
    # z: points (2020, 1), (2022, 4), (2023, 3); the missing 2021 value is dropped, not 0
    slope, intercept, r = _slope_r([2020.0, 2022.0, 2023.0], [1.0, 4.0, 3.0])
    assert result.loc["z", "slope"] == pytest.approx(slope)
    assert result.loc["z", "intercept"] == pytest.approx(intercept)
    assert result.loc["z", "r"] == pytest.approx(r)
    assert result.loc["z", "n"] == 3
    # y: constant -> slope 0, intercept 7, r undefined
    assert result.loc["y", "status"] == "constant"
    assert result.loc["y", "slope"] == 0.0
    assert result.loc["y", "intercept"] == 7.0
    assert math.isnan(result.loc["y", "r"])
    # x: one point, w: none
    assert result.loc["x", "status"] == "too_few_points"
    assert result.loc["x", "n"] == 1
    assert math.isnan(result.loc["x", "slope"])
    assert result.loc["w", "n"] == 0
    assert result.loc["w", "status"] == "too_few_points"


def test_trend_two_points_and_timestamps() -> None:
    frame = pd.DataFrame(
        {"unit_id": ["a", "a"], "date": pd.to_datetime(["2021-01-01", "2023-01-01"]), "value": [10.0, 5.0]}
    )
    result = trend(frame)
    assert result.loc["a", "slope"] == pytest.approx(-2.5)  # -5 over two years
    assert result.loc["a", "r"] == pytest.approx(-1.0)


def test_trend_rejects_bad_input() -> None:
    with pytest.raises(InvalidInput, match="value"):
        trend(pd.DataFrame({"unit_id": ["a"], "date": [date(2020, 1, 1)]}))
    duplicated = pd.DataFrame({"unit_id": ["a", "a"], "date": [date(2020, 1, 1)] * 2, "value": [1.0, 2.0]})
    with pytest.raises(InvalidInput, match="more than one value"):
        trend(duplicated)
    with pytest.raises(InvalidInput, match="date"):
        trend(pd.DataFrame({"unit_id": ["a"], "date": [None], "value": [1.0]}))
    with pytest.raises(InvalidInput, match="unit_id"):
        trend(pd.DataFrame({"unit_id": [None], "date": [date(2020, 1, 1)], "value": [1.0]}))


def test_trend_empty() -> None:
    result = trend(pd.DataFrame({"unit_id": [], "date": [], "value": []}))
    assert result.empty
    assert list(result.columns) == ["slope", "intercept", "r", "n", "status"]


# -- scatter -------------------------------------------------------------------------------------


def test_scatter_hand_computed() -> None:
    x = pd.Series({"a": 1.0, "b": 2.0, "c": 3.0, "d": 4.0, "e": None, "g": 9.0})
    y = pd.Series({"a": 2.0, "b": 4.0, "c": 5.0, "d": 8.0, "e": 1.0, "f": 3.0})
    result = scatter(x, y)
    # common non-missing units a..d: mean x 2.5, mean y 4.75
    # Sxy = (-1.5)(-2.75) + (-0.5)(-0.75) + (0.5)(0.25) + (1.5)(3.25) = 9.5; Sxx = 5; Syy = 18.75
    assert result["n"] == 4
    assert result["slope"] == pytest.approx(1.9)
    assert result["intercept"] == pytest.approx(0.0, abs=1e-12)
    r = 9.5 / math.sqrt(5 * 18.75)
    assert result["r"] == pytest.approx(r)
    assert result["r2"] == pytest.approx(r * r)
    # t = r sqrt(n-2) / sqrt(1-r^2); with 2 degrees of freedom the two-sided p is 1 - |t| / sqrt(2 + t^2)
    t = r * math.sqrt(2) / math.sqrt(1 - r * r)
    assert result["p_value"] == pytest.approx(1 - t / math.sqrt(2 + t * t))
    assert [p["unit_id"] for p in result["points"]] == ["a", "b", "c", "d"]
    first = result["points"][0]
    assert first["x"] == 1.0
    assert first["y"] == 2.0
    assert first["fitted"] == pytest.approx(1.9)
    assert first["residual"] == pytest.approx(0.1)
    assert sum(p["residual"] for p in result["points"]) == pytest.approx(0.0, abs=1e-12)


def test_scatter_errors_and_constant_y() -> None:
    with pytest.raises(InvalidInput, match="at least 3 units"):
        scatter(pd.Series({"a": 1.0, "b": 2.0, "c": None}), pd.Series({"a": 1.0, "b": 2.0, "c": 3.0}))
    with pytest.raises(InvalidInput, match="x values are equal"):
        scatter(pd.Series({"a": 1.0, "b": 1.0, "c": 1.0}), pd.Series({"a": 1.0, "b": 2.0, "c": 3.0}))
    flat = scatter(pd.Series({"a": 1.0, "b": 2.0, "c": 3.0}), pd.Series({"a": 5.0, "b": 5.0, "c": 5.0}))
    assert flat["slope"] == 0.0
    assert flat["intercept"] == 5.0
    assert flat["r"] is None
    assert flat["r2"] is None
    assert flat["p_value"] is None


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(-1000, 1000), st.integers(-1000, 1000)),
        min_size=3,
        max_size=30,
    )
)
def test_scatter_property_r_matches_corrcoef(pairs: list[tuple[int, int]]) -> None:
    xs = np.array([float(a) for a, _ in pairs])
    ys = np.array([float(b) for _, b in pairs])
    assume(len(set(xs)) > 1 and len(set(ys)) > 1)
    index = [f"u{i}" for i in range(len(pairs))]
    result = scatter(pd.Series(xs, index=index), pd.Series(ys, index=index))
    assert -1.0 <= result["r"] <= 1.0
    assert result["r"] == pytest.approx(np.corrcoef(xs, ys)[0, 1], abs=1e-9)
    assert result["n"] == len(pairs)


# -- deficits ------------------------------------------------------------------------------------


def test_deficits_threshold() -> None:
    values = pd.Series({"a": 5.0, "b": 10.0, "c": 15.0, "d": None})
    above = deficits(values, threshold=10.0)
    # strictly above: 10 itself is no deficit
    assert above["is_deficit"].tolist()[:3] == [False, False, True]
    assert above["is_deficit"].isna().tolist() == [False, False, False, True]
    assert above["deviation"].tolist()[:3] == [-5.0, 0.0, 5.0]
    # z around the mean 10 with the sample sd 5 (deviations -5, 0, 5: 50 / 2 = 25)
    assert above["z"].tolist()[:3] == pytest.approx([-1.0, 0.0, 1.0])
    below = deficits(values, threshold=10.0, direction="below")
    assert below["is_deficit"].tolist()[:3] == [True, False, False]
    assert list(above.columns) == ["value", "deviation", "z", "is_deficit"]


def test_deficits_k_sd_unweighted() -> None:
    values = pd.Series([2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0], index=list("abcdefgh"))
    # mean 5, squared deviations 9+1+1+1+0+0+4+16 = 32, sample variance 32/7
    sd = math.sqrt(32 / 7)
    above = deficits(values, k_sd=1.0)
    assert above["is_deficit"].tolist() == [False] * 7 + [True]  # only 9 > 5 + 2.14
    assert above["z"].tolist() == pytest.approx([(v - 5) / sd for v in values])
    assert above["deviation"].tolist() == pytest.approx([v - 5 for v in values])
    assert above.attrs["sd"] == pytest.approx(sd)
    below = deficits(values, k_sd=1.0, direction="below")
    assert below["is_deficit"].tolist() == [True] + [False] * 7  # only 2 < 5 - 2.14
    both = deficits(values, k_sd=1.0, direction="both")
    assert both["is_deficit"].tolist() == [True] + [False] * 6 + [True]


def test_deficits_k_sd_with_reference() -> None:
    values = pd.Series([2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0], index=list("abcdefgh"))
    sd = math.sqrt(32 / 7)  # the spread stays the units' own
    result = deficits(values, k_sd=1.0, reference=3.0)
    # above 3 + 2.14 = 5.14: 7 and 9
    assert result["is_deficit"].tolist() == [False] * 6 + [True, True]
    assert result["z"].tolist() == pytest.approx([(v - 3) / sd for v in values])
    assert result["deviation"].tolist() == pytest.approx([v - 3 for v in values])


def test_deficits_weighted() -> None:
    values = pd.Series({"a": 1.0, "b": 3.0, "c": None})
    weights = pd.Series({"a": 1.0, "b": 3.0})
    result = deficits(values, k_sd=1.0, direction="both", weights=weights)
    # weighted mean (1 + 9) / 4 = 2.5; V1 = 4, V2 = 10; sum w (x - m)^2 = 2.25 + 0.75 = 3; var = 3 / (4 - 2.5) = 2
    sd = math.sqrt(2)
    assert result.attrs["mean"] == pytest.approx(2.5)
    assert result.attrs["sd"] == pytest.approx(sd)
    assert result.loc["a", "z"] == pytest.approx(-1.5 / sd)
    assert result.loc["b", "z"] == pytest.approx(0.5 / sd)
    # a is 1.5 below, more than 1.41: deficit; b is not
    assert result["is_deficit"].tolist()[:2] == [True, False]
    assert result["is_deficit"].isna().tolist() == [False, False, True]
    # equal weights reproduce the sample standard deviation
    equal = deficits(values, k_sd=1.0, weights=pd.Series({"a": 7.0, "b": 7.0}))
    assert equal.attrs["sd"] == pytest.approx(math.sqrt(2.0))  # (1 + 1) / (2 - 1)


def test_deficits_rejects_bad_input() -> None:
    values = pd.Series({"a": 1.0, "b": 2.0})
    with pytest.raises(InvalidInput, match="exactly one"):
        deficits(values)
    with pytest.raises(InvalidInput, match="exactly one"):
        deficits(values, threshold=1.0, k_sd=1.0)
    with pytest.raises(InvalidInput, match="'both' needs k_sd"):
        deficits(values, threshold=1.0, direction="both")
    with pytest.raises(InvalidInput, match="direction"):
        deficits(values, threshold=1.0, direction="sideways")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="positive"):
        deficits(values, k_sd=0.0)
    with pytest.raises(InvalidInput, match="no weight"):
        deficits(values, k_sd=1.0, weights=pd.Series({"a": 1.0}))
    with pytest.raises(InvalidInput, match="negative"):
        deficits(values, k_sd=1.0, weights=pd.Series({"a": 1.0, "b": -1.0}))
    with pytest.raises(InvalidInput, match="differing values"):
        deficits(pd.Series({"a": 3.0, "b": 3.0}), k_sd=1.0)
    with pytest.raises(InvalidInput, match="finite"):
        deficits(values, threshold=math.nan)


# -- profile -------------------------------------------------------------------------------------


def test_percentile_of() -> None:
    distribution = pd.Series([1.0, 3.0, 5.0, None, 3.0])
    assert percentile_of(3.0, distribution) == 75.0  # 1, 3, 3 of 4 values are <= 3
    assert percentile_of(0.0, distribution) == 0.0
    assert percentile_of(None, distribution) is None
    assert percentile_of(math.nan, distribution) is None
    assert percentile_of(1.0, pd.Series([None], dtype=float)) is None


def test_profile() -> None:
    rows = profile(
        {"pop": 120.0, "age": 40.0, "rate": None},
        {"pop": 100.0, "age": None},
        {"pop": 1000.0, "age": 42.5, "rate": 3.0},
        {"pop": pd.Series([80.0, 120.0, 200.0, 250.0]), "age": pd.Series([38.0, 40.0, np.nan])},
    )
    assert [row["indicator"] for row in rows] == ["pop", "age", "rate"]
    assert rows[0] == {
        "indicator": "pop",
        "value": 120.0,
        "parent_value": 100.0,
        "city_value": 1000.0,
        "diff_parent": 20.0,
        "diff_city": -880.0,
        "percentile": 50.0,  # 80 and 120 of 4 values
    }
    assert rows[1]["diff_parent"] is None
    assert rows[1]["diff_city"] == -2.5
    assert rows[1]["percentile"] == 100.0  # 38 and 40 of the 2 values with a value
    assert rows[2]["value"] is None
    assert rows[2]["diff_city"] is None
    assert rows[2]["percentile"] is None  # no distribution given
    no_parent = profile({"pop": 1.0}, None, None, {})
    assert no_parent[0]["parent_value"] is None
    assert no_parent[0]["city_value"] is None
    with pytest.raises(InvalidInput, match="not a number"):
        profile({"pop": "many"}, None, None, {})  # type: ignore[dict-item]
