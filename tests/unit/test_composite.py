"""Tests for ``ortswissen.analysis.composite``: composite indices, what-if and baseline comparison.

Every expected score is worked out by hand in the test (means, population standard deviations,
min-max fractions, ranks), never taken from the function under test.
"""

from __future__ import annotations

import itertools
import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from ortswissen.analysis.composite import (
    CompositeClasses,
    CompositeComponent,
    CompositeSpec,
    compare_with_baseline,
    compute_composite,
    what_if,
)
from ortswissen.errors import DefinitionError, InvalidInput

UNITS = ["u1", "u2", "u3"]


def _spec(*components: dict[str, object], **options: object) -> CompositeSpec:
    return CompositeSpec.model_validate({"components": list(components), **options})


def _col(frame: pd.DataFrame, name: str) -> list[float]:
    return frame[name].astype(float).tolist()


# -- z-scores ------------------------------------------------------------------------------------


def test_zscore_weighted_mean_and_sum_by_hand() -> None:
    values = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [2.0, 2.0, 5.0]}, index=UNITS)
    # a: mean 2, population variance (1 + 0 + 1) / 3 -> sd sqrt(2/3)
    z_a = [-1 / math.sqrt(2 / 3), 0.0, 1 / math.sqrt(2 / 3)]
    # b: mean 3, variance (1 + 1 + 4) / 3 = 2 -> sd sqrt(2)
    z_b = [-1 / math.sqrt(2), -1 / math.sqrt(2), 2 / math.sqrt(2)]
    components = ({"indicator": "a", "weight": 1}, {"indicator": "b", "weight": 3})

    mean = compute_composite(values, _spec(*components, combination="weighted_mean"))
    assert _col(mean, "norm_a") == pytest.approx(z_a)
    assert _col(mean, "norm_b") == pytest.approx(z_b)
    assert _col(mean, "score") == pytest.approx([(za + 3 * zb) / 4 for za, zb in zip(z_a, z_b, strict=True)])
    assert _col(mean, "rank") == [3.0, 2.0, 1.0]
    assert mean["status"].tolist() == ["ok", "ok", "ok"]
    assert mean["class"].isna().all()
    assert list(mean.columns) == ["score", "rank", "class", "status", "norm_a", "norm_b"]

    total = compute_composite(values, _spec(*components, combination="weighted_sum"))
    assert _col(total, "score") == pytest.approx([za + 3 * zb for za, zb in zip(z_a, z_b, strict=True)])


def test_polarity_flips_a_component() -> None:
    values = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [2.0, 2.0, 5.0]}, index=UNITS)
    result = compute_composite(
        values, _spec({"indicator": "a"}, {"indicator": "b", "polarity": "higher_is_worse"}, combination="weighted_sum")
    )
    z_a = [-1 / math.sqrt(2 / 3), 0.0, 1 / math.sqrt(2 / 3)]
    flipped_b = [1 / math.sqrt(2), 1 / math.sqrt(2), -2 / math.sqrt(2)]
    assert _col(result, "norm_b") == pytest.approx(flipped_b)
    assert _col(result, "score") == pytest.approx([za + zb for za, zb in zip(z_a, flipped_b, strict=True)])
    # u1: -1.2247 + 0.7071 = -0.518, u2: 0.7071, u3: 1.2247 - 1.4142 = -0.19
    assert _col(result, "rank") == [3.0, 1.0, 2.0]


def test_population_weighted_zscore() -> None:
    values = pd.DataFrame({"x": [1.0, 3.0, 5.0], "einwohner": [3.0, 0.0, 1.0]}, index=UNITS)
    # weighted mean (3*1 + 0*3 + 1*5) / 4 = 2; weighted variance (3*1 + 0*1 + 1*9) / 4 = 3
    expected = [-1 / math.sqrt(3), 1 / math.sqrt(3), 3 / math.sqrt(3)]
    spec = _spec({"indicator": "x"}, normalisation="zscore_weighted", population="einwohner")
    from_column = compute_composite(values, spec)
    assert _col(from_column, "norm_x") == pytest.approx(expected)
    assert _col(from_column, "score") == pytest.approx(expected)
    # a separate Series, aligned by unit id (given in another order)
    population = pd.Series({"u3": 1.0, "u1": 3.0, "u2": 0.0})
    from_series = compute_composite(values[["x"]], spec, population=population)
    assert _col(from_series, "norm_x") == pytest.approx(expected)


def test_weighted_zscore_with_equal_populations_is_the_plain_zscore() -> None:
    values = pd.DataFrame({"x": [1.0, 3.0, 5.0], "p": [7.0, 7.0, 7.0]}, index=UNITS)
    weighted = compute_composite(values, _spec({"indicator": "x"}, normalisation="zscore_weighted", population="p"))
    # mean 3, variance 8/3
    assert _col(weighted, "norm_x") == pytest.approx([-2 / math.sqrt(8 / 3), 0.0, 2 / math.sqrt(8 / 3)])


def test_units_without_population_do_not_shape_the_weighted_statistics() -> None:
    values = pd.DataFrame({"x": [1.0, 3.0, 5.0, 100.0], "p": [3.0, 0.0, 1.0, None]}, index=[*UNITS, "u4"])
    result = compute_composite(values, _spec({"indicator": "x"}, normalisation="zscore_weighted", population="p"))
    # u4 has no population: mean 2 and sd sqrt(3) as without it, and (100 - 2) / sqrt(3)
    expected = [-1 / math.sqrt(3), 1 / math.sqrt(3), math.sqrt(3), 98 / math.sqrt(3)]
    assert _col(result, "norm_x") == pytest.approx(expected)
    assert "x: 1 unit(s) without population left out of mean and sd" in result.attrs["notes"]


# -- min-max and rank ----------------------------------------------------------------------------


def test_minmax_normalisation_and_polarity() -> None:
    values = pd.DataFrame({"a": [10.0, 20.0, 40.0], "b": [10.0, 20.0, 40.0]}, index=UNITS)
    result = compute_composite(
        values, _spec({"indicator": "a"}, {"indicator": "b", "polarity": "higher_is_worse"}, normalisation="minmax")
    )
    assert _col(result, "norm_a") == pytest.approx([0.0, 1 / 3, 1.0])
    assert _col(result, "norm_b") == pytest.approx([1.0, 2 / 3, 0.0])
    assert _col(result, "score") == pytest.approx([0.5, 0.5, 0.5])
    assert _col(result, "rank") == [1.0, 1.0, 1.0]


def test_rank_normalisation_gives_average_ranks() -> None:
    values = pd.DataFrame({"a": [5.0, 1.0, 5.0, 3.0]}, index=["w", "x", "y", "z"])
    result = compute_composite(values, _spec({"indicator": "a"}, normalisation="rank"))
    assert _col(result, "norm_a") == [3.5, 1.0, 3.5, 2.0]
    flipped = compute_composite(values, _spec({"indicator": "a", "polarity": "higher_is_worse"}, normalisation="rank"))
    assert _col(flipped, "norm_a") == [1.5, 4.0, 1.5, 3.0]


def test_rank_ties_share_the_smallest_rank() -> None:
    values = pd.DataFrame({"a": [1.0, 3.0, 3.0, 2.0, None]}, index=["w", "x", "y", "z", "v"])
    result = compute_composite(values, _spec({"indicator": "a"}))
    ranks = result["rank"].tolist()
    assert ranks[:4] == [4.0, 1.0, 1.0, 3.0]
    assert math.isnan(ranks[4])


def test_constant_component_is_neutral() -> None:
    values = pd.DataFrame({"a": [4.0, 4.0, 4.0], "b": [1.0, 2.0, 3.0]}, index=UNITS)
    z = compute_composite(values, _spec({"indicator": "a"}, {"indicator": "b"}))
    assert _col(z, "norm_a") == [0.0, 0.0, 0.0]
    assert "a: all values are equal; z-scores set to 0" in z.attrs["notes"]
    mm = compute_composite(values, _spec({"indicator": "a"}, {"indicator": "b"}, normalisation="minmax"))
    assert _col(mm, "norm_a") == [0.5, 0.5, 0.5]
    assert _col(mm, "score") == pytest.approx([0.25, 0.5, 0.75])


# -- missing values ------------------------------------------------------------------------------

MISSING = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0], "b": [1.0, None, 3.0, 5.0]}, index=["w", "x", "y", "z"])
# minmax per component over the units that have it: a -> 0, 1/3, 2/3, 1; b over 1, 3, 5 -> 0, -, 0.5, 1


def test_missing_component_drops_the_unit() -> None:
    result = compute_composite(MISSING, _spec({"indicator": "a"}, {"indicator": "b"}, normalisation="minmax"))
    assert _col(result, "norm_a") == pytest.approx([0.0, 1 / 3, 2 / 3, 1.0])
    score = _col(result, "score")
    assert score[0] == pytest.approx(0.0)
    assert math.isnan(score[1])
    assert score[2:] == pytest.approx([(2 / 3 + 0.5) / 2, 1.0])
    assert result["status"].tolist() == ["ok", "missing", "ok", "ok"]
    assert result["rank"].tolist()[0] == 3.0
    assert math.isnan(result["rank"].tolist()[1])
    assert result["rank"].tolist()[2:] == [2.0, 1.0]


def test_skip_component_renormalises_the_weights() -> None:
    spec = _spec({"indicator": "a"}, {"indicator": "b"}, normalisation="minmax", missing="skip_component")
    mean = compute_composite(MISSING, spec)
    assert _col(mean, "score") == pytest.approx([0.0, 1 / 3, 7 / 12, 1.0])
    assert mean["status"].tolist() == ["ok"] * 4
    assert _col(mean, "rank") == [4.0, 3.0, 2.0, 1.0]
    # weighted sum: x has only a (weight 1 of 2), so its sum 1/3 is scaled by 2 / 1
    total = compute_composite(MISSING, spec.model_copy(update={"combination": "weighted_sum"}))
    assert _col(total, "score") == pytest.approx([0.0, 2 / 3, 2 / 3 + 0.5, 2.0])


def test_a_unit_without_any_component_is_missing_under_both_policies() -> None:
    values = pd.DataFrame({"a": [1.0, None, 3.0], "b": [1.0, None, 2.0]}, index=UNITS)
    for missing in ("drop", "skip_component"):
        result = compute_composite(values, _spec({"indicator": "a"}, {"indicator": "b"}, missing=missing))
        assert result["status"].tolist() == ["ok", "missing", "ok"]
        assert math.isnan(result["score"].tolist()[1])


# -- combinations --------------------------------------------------------------------------------

GEO = pd.DataFrame({"a": [0.0, 5.0, 10.0], "b": [10.0, 0.0, 5.0]}, index=UNITS)
# minmax: a -> 0, .5, 1; b -> 1, 0, .5; shifted by 1 - min = +1: a -> 1, 1.5, 2; b -> 2, 1, 1.5


def test_geometric_mean_of_shifted_minmax_values() -> None:
    spec = _spec({"indicator": "a"}, {"indicator": "b"}, normalisation="minmax", combination="geometric_mean")
    result = compute_composite(GEO, spec)
    assert _col(result, "score") == pytest.approx([math.sqrt(2), math.sqrt(1.5), math.sqrt(3)])
    assert _col(result, "rank") == [2.0, 3.0, 1.0]
    weighted = compute_composite(
        GEO,
        _spec(
            {"indicator": "a", "weight": 3}, {"indicator": "b"}, normalisation="minmax", combination="geometric_mean"
        ),
    )
    assert _col(weighted, "score") == pytest.approx([2 ** (1 / 4), (1.5**3) ** (1 / 4), (2**3 * 1.5) ** (1 / 4)])


def test_geometric_mean_of_shifted_zscores() -> None:
    values = pd.DataFrame({"a": [1.0, 2.0, 3.0]}, index=UNITS)
    result = compute_composite(values, _spec({"indicator": "a"}, combination="geometric_mean"))
    sd = math.sqrt(2 / 3)
    # z = -1/sd, 0, 1/sd; shifted so the lowest is 1: 1, 1 + 1/sd, 1 + 2/sd
    assert _col(result, "score") == pytest.approx([1.0, 1 + 1 / sd, 1 + 2 / sd])


def test_minimum_takes_the_weakest_component() -> None:
    spec = _spec({"indicator": "a", "weight": 2}, {"indicator": "b"}, normalisation="minmax", combination="minimum")
    result = compute_composite(GEO, spec)
    assert _col(result, "score") == [0.0, 0.0, 0.5]
    assert _col(result, "rank") == [2.0, 2.0, 1.0]
    assert "combination 'minimum' ignores the weights" in result.attrs["notes"]


def test_standardise_the_combined_score() -> None:
    values = pd.DataFrame({"a": [0.0, 5.0, 10.0, 20.0]}, index=["w", "x", "y", "z"])
    spec = _spec({"indicator": "a"}, normalisation="minmax", standardise=True)
    result = compute_composite(values, spec)
    # minmax 0, .25, .5, 1: mean .4375, deviations -.4375, -.1875, .0625, .5625
    sd = math.sqrt((0.4375**2 + 0.1875**2 + 0.0625**2 + 0.5625**2) / 4)
    assert _col(result, "score") == pytest.approx([d / sd for d in (-0.4375, -0.1875, 0.0625, 0.5625)])
    assert _col(result, "norm_a") == pytest.approx([0.0, 0.25, 0.5, 1.0])


# -- classes -------------------------------------------------------------------------------------


def test_classes_from_thresholds_and_from_a_method() -> None:
    values = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0, None]}, index=["v", "w", "x", "y", "z"])
    result = compute_composite(values, _spec({"indicator": "a"}, classes={"thresholds": [0]}))
    # z-scores -1.34, -.45, .45, 1.34: below 0 -> class 0, at or above -> class 1
    assert result["class"].dtype == "Int64"
    assert result["class"].tolist()[:4] == [0, 0, 1, 1]
    assert result["class"].isna().tolist() == [False] * 4 + [True]
    assert result.attrs["classification"]["method"] == "threshold"
    by_method = compute_composite(
        values, _spec({"indicator": "a"}, normalisation="minmax", classes={"method": "equal_interval", "k": 3})
    )
    # minmax 0, 1/3, 2/3, 1: upper bounds 1/3, 2/3, 1 -> classes 0, 0, 1, 2
    assert by_method["class"].tolist()[:4] == [0, 0, 1, 2]
    json.dumps(by_method.attrs["classification"], allow_nan=False)


# -- baseline comparison and what-if -------------------------------------------------------------


def test_compare_with_baseline() -> None:
    current = pd.DataFrame(
        {"score": [2.0, 1.0, 0.5], "rank": [1.0, 2.0, 3.0], "class": pd.array([2, 1, 0], dtype="Int64")},
        index=["a", "b", "c"],
    )
    baseline = pd.DataFrame(
        {"score": [0.5, 1.5, math.nan, 3.0], "rank": [3.0, 2.0, math.nan, 1.0], "class": [0, 1, None, 2]},
        index=["a", "b", "c", "d"],
    )
    out = compare_with_baseline(current, baseline)
    assert out.index.tolist() == ["a", "b", "c", "d"]
    assert out["score_change"].tolist()[:2] == [1.5, -0.5]
    assert out["rank_change"].tolist()[:2] == [2.0, 0.0]  # a moved up from 3 to 1
    assert out["class_change"].tolist()[:2] == [2, 0]
    assert math.isnan(out["score_change"].tolist()[2])
    assert out["class_change"].isna().tolist() == [False, False, True, True]
    assert math.isnan(out["score"].tolist()[3])
    assert out["baseline_score"].tolist()[3] == 3.0


def test_what_if_moves_units() -> None:
    values = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [1.0, 1.0, 1.0]}, index=UNITS)
    spec = _spec({"indicator": "a"}, normalisation="minmax")
    out = what_if(values, spec, {"u1": {"a": 4.0}})
    # after: a = 4, 2, 3 -> minmax 1, 0, .5; before 0, .5, 1
    assert _col(out, "score") == pytest.approx([1.0, 0.0, 0.5])
    assert _col(out, "baseline_score") == pytest.approx([0.0, 0.5, 1.0])
    assert _col(out, "rank_change") == [2.0, -1.0, -1.0]
    assert values.loc["u1", "a"] == 1.0  # the input is not modified
    with pytest.raises(InvalidInput, match="changes: unknown unit 'nowhere'"):
        what_if(values, spec, {"nowhere": {"a": 1.0}})
    with pytest.raises(InvalidInput, match="changes: indicator 'b' is not a column used by the composite"):
        what_if(values, spec, {"u1": {"b": 1.0}})


def test_what_if_on_an_integer_column_sets_a_missing_value() -> None:
    values = pd.DataFrame({"a": [1, 2, 3]}, index=UNITS)
    out = what_if(values, _spec({"indicator": "a"}, normalisation="minmax"), {"u2": {"a": None}})
    assert math.isnan(out["score"].tolist()[1])
    assert _col(out, "score")[::2] == [0.0, 1.0]


# -- the specification ---------------------------------------------------------------------------


@pytest.mark.parametrize("weight", ["2", -1, 0, math.nan, math.inf, True, None])
def test_bad_weights_are_rejected(weight: object) -> None:
    with pytest.raises(ValidationError, match="weight"):
        CompositeComponent(indicator="a", weight=weight)  # type: ignore[arg-type]


def test_weights_accept_integers_and_floats() -> None:
    assert CompositeComponent(indicator="a", weight=2).weight == 2.0
    assert CompositeComponent(indicator="a", weight=0.25).weight == 0.25
    assert CompositeComponent(indicator="a").weight == 1.0


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ({"components": []}, "components"),
        ({"components": [{"indicator": "a"}, {"indicator": "a"}]}, "indicator 'a' is listed more than once"),
        ({"components": [{"indicator": "a"}], "normalisation": "zscore_weighted"}, "needs a population indicator"),
        ({"components": [{"indicator": "a"}], "normalisation": "robust"}, "normalisation"),
        ({"components": [{"indicator": "a"}], "combination": "product"}, "combination"),
        ({"components": [{"indicator": "a"}], "missing": "impute"}, "missing"),
        ({"components": [{"indicator": "a", "polarity": "lower"}]}, "polarity"),
        ({"components": [{"indicator": "a"}], "colour": "red"}, "colour"),
        ({"components": [{"indicator": "a"}], "classes": {"method": "jenks", "thresholds": [1]}}, "either 'method'"),
        ({"components": [{"indicator": "a"}], "classes": {}}, "either 'method'"),
        ({"components": [{"indicator": "a"}], "classes": {"method": "manual"}}, "method 'manual' needs 'breaks'"),
        ({"components": [{"indicator": "a"}], "classes": {"method": "jenks", "breaks": [1]}}, "'breaks' is not"),
        ({"components": [{"indicator": "a"}], "classes": {"thresholds": [2, 1]}}, "strictly ascending"),
        ({"components": [{"indicator": "a"}], "classes": {"method": "jenks", "k": 0}}, "k"),
        ({"components": [{"indicator": "a"}], "classes": {"method": "jenks", "k": "3"}}, "k"),
    ],
)
def test_bad_specs_are_rejected(data: dict[str, object], match: str) -> None:
    with pytest.raises(ValidationError, match=match):
        CompositeSpec.model_validate(data)


def test_spec_json_schema() -> None:
    schema = CompositeSpec.model_json_schema()
    json.dumps(schema)
    assert schema["required"] == ["components"]
    component = schema["$defs"]["CompositeComponent"]["properties"]
    assert component["weight"]["exclusiveMinimum"] == 0
    assert component["polarity"]["enum"] == ["higher_is_better", "higher_is_worse"]
    assert schema["properties"]["normalisation"]["enum"] == ["zscore", "zscore_weighted", "minmax", "rank"]
    assert "CompositeClasses" in schema["$defs"]
    assert CompositeClasses.model_json_schema()["properties"]["k"]["maximum"] == 100


# -- input errors --------------------------------------------------------------------------------


def test_input_errors() -> None:
    values = pd.DataFrame({"a": [1.0, 2.0]}, index=["x", "y"])
    with pytest.raises(InvalidInput, match="values: no column for component indicator 'b'"):
        compute_composite(values, _spec({"indicator": "b"}))
    with pytest.raises(InvalidInput, match="values: unit ids must be unique"):
        compute_composite(pd.DataFrame({"a": [1.0, 2.0]}, index=["x", "x"]), _spec({"indicator": "a"}))
    with pytest.raises(InvalidInput, match="values\\['a'\\]: value at position 1 is not a number: 'zwei'"):
        compute_composite(pd.DataFrame({"a": [1, "zwei"]}, index=["x", "y"]), _spec({"indicator": "a"}))
    with pytest.raises(InvalidInput, match="values\\['a'\\]: infinite value"):
        compute_composite(pd.DataFrame({"a": [1.0, math.inf]}, index=["x", "y"]), _spec({"indicator": "a"}))
    with pytest.raises(DefinitionError, match="spec: invalid composite definition"):
        compute_composite(values, {"components": [{"indicator": "a", "weight": -2}]})
    weighted = _spec({"indicator": "a"}, normalisation="zscore_weighted", population="ew")
    with pytest.raises(InvalidInput, match="population: normalisation 'zscore_weighted' needs population values"):
        compute_composite(values, weighted)
    with pytest.raises(InvalidInput, match="population: negative value for unit 'y'"):
        compute_composite(values, weighted, population=pd.Series({"x": 1.0, "y": -1.0}))
    with pytest.raises(InvalidInput, match="population: no positive population"):
        compute_composite(values, weighted, population=pd.Series({"x": 0.0, "y": 0.0}))
    with pytest.raises(InvalidInput, match="current: missing column\\(s\\) rank, class"):
        compare_with_baseline(pd.DataFrame({"score": [1.0]}), pd.DataFrame({"score": [1.0]}))


def test_empty_values_give_an_empty_result() -> None:
    result = compute_composite(pd.DataFrame({"a": pd.Series([], dtype=float)}), _spec({"indicator": "a"}))
    assert len(result) == 0
    assert list(result.columns) == ["score", "rank", "class", "status", "norm_a"]


# -- properties ----------------------------------------------------------------------------------

_cell = st.one_of(st.none(), st.floats(-1e4, 1e4, allow_nan=False), st.integers(-3, 3))


@st.composite
def _frames(draw: st.DrawFn) -> tuple[pd.DataFrame, CompositeSpec]:
    n_units = draw(st.integers(1, 12))
    n_components = draw(st.integers(1, 3))
    names = [f"i{j}" for j in range(n_components)]
    data = {name: [draw(_cell) for _ in range(n_units)] for name in names}
    frame = pd.DataFrame({name: pd.Series(col, dtype=float) for name, col in data.items()})
    frame.index = [f"u{i}" for i in range(n_units)]
    spec = _spec(
        *(
            {
                "indicator": name,
                "weight": draw(st.floats(0.1, 10)),
                "polarity": draw(st.sampled_from(["higher_is_better", "higher_is_worse"])),
            }
            for name in names
        ),
        normalisation=draw(st.sampled_from(["zscore", "minmax", "rank"])),
        combination=draw(st.sampled_from(["weighted_sum", "weighted_mean", "geometric_mean", "minimum"])),
        missing=draw(st.sampled_from(["drop", "skip_component"])),
        standardise=draw(st.booleans()),
        classes=draw(st.sampled_from([None, {"method": "quantiles", "k": 3}, {"thresholds": [0]}])),
    )
    return frame, spec


@settings(max_examples=200, deadline=None)
@given(_frames())
def test_rank_is_a_min_rank_order_consistent_with_the_score(case: tuple[pd.DataFrame, CompositeSpec]) -> None:
    frame, spec = case
    result = compute_composite(frame, spec)
    score = result["score"].to_numpy()
    rank = result["rank"].to_numpy()
    scored = ~np.isnan(score)
    assert (result["status"] == "ok").tolist() == scored.tolist()
    assert np.isnan(rank[~scored]).all()
    assert result["class"].isna().tolist() == ((~scored) | (spec.classes is None)).tolist()
    if not scored.any():
        return
    order = np.argsort(-score[scored], kind="stable")
    ranks = rank[scored][order]
    ordered_scores = score[scored][order]
    assert ranks[0] == 1.0
    for position, (previous, current) in enumerate(itertools.pairwise(ranks), start=2):
        assert current == previous or current == position  # a tie, or the place in the order
    for (s1, r1), (s2, r2) in itertools.pairwise(zip(ordered_scores, ranks, strict=True)):
        if s1 == s2:
            assert r1 == r2


@settings(max_examples=100, deadline=None)
@given(_frames())
def test_minmax_normalised_values_lie_in_the_unit_interval(case: tuple[pd.DataFrame, CompositeSpec]) -> None:
    frame, spec = case
    spec = spec.model_copy(update={"normalisation": "minmax"})
    result = compute_composite(frame, spec)
    for component in spec.components:
        norm = result[f"norm_{component.indicator}"].to_numpy()
        raw = frame[component.indicator].to_numpy()
        assert np.isnan(norm).tolist() == np.isnan(raw).tolist()
        present = norm[~np.isnan(norm)]
        assert ((present >= 0) & (present <= 1)).all()
        if np.unique(raw[~np.isnan(raw)]).size > 1:
            assert present.min() == 0.0
            assert present.max() == 1.0
