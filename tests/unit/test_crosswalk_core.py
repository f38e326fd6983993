"""Unit tests of crosswalks and re-expression (``ortswissen.units._crosswalk``).

All geometries are boxes, so every weight below is computed by hand from box areas and block
residents: an area crosswalk that splits a source 30/70, population weights that differ from area
weights, the area fallback for sources without residents, slivers, groups, bad inputs,
:func:`check_crosswalk`, :func:`largest_remainder` and :func:`reexpress` (totals, whole numbers,
missing and absent source values).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from ortswissen.errors import DefinitionError, InvalidInput
from ortswissen.units import (
    CROSSWALK_COLUMNS,
    CrosswalkMethod,
    area_crosswalk,
    check_crosswalk,
    largest_remainder,
    population_crosswalk,
    reexpress,
)


def _units(boxes: dict[str, tuple[float, float, float, float]], crs: str | None = "EPSG:25833") -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"unit_id": list(boxes)}, geometry=[shapely.box(*b) for b in boxes.values()], crs=crs)


def _blocks(boxes: list[tuple[float, float, float, float]], residents: list[float]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"block_id": [f"b{i}" for i in range(len(boxes))], "population": residents},
        geometry=[shapely.box(*b) for b in boxes],
        crs="EPSG:25833",
    )


def _weights(cw: pd.DataFrame) -> dict[tuple[str, str], float]:
    return {(f, t): w for f, t, w in zip(cw["from_unit"], cw["to_unit"], cw["weight"], strict=True)}


def _approx(expected: dict[tuple[str, str], float]) -> dict[tuple[str, str], object]:
    return {k: pytest.approx(v, abs=1e-12) for k, v in expected.items()}


# One 10 x 10 source split by a target boundary at x = 3: 30 and 70 area units.
_SRC = _units({"a": (0, 0, 10, 10)})
_TGT = _units({"x": (0, 0, 3, 10), "y": (3, 0, 10, 10)})

# Two sources, three targets: a = [0, 10], b = [10, 20]; x = [0, 3], y = [3, 14], z = [14, 20]
_SRC2 = _units({"a": (0, 0, 10, 10), "b": (10, 0, 20, 10)})
_TGT3 = _units({"x": (0, 0, 3, 10), "y": (3, 0, 14, 10), "z": (14, 0, 20, 10)})
_AREA_WEIGHTS_2_3 = {("a", "x"): 0.3, ("a", "y"): 0.7, ("b", "y"): 0.4, ("b", "z"): 0.6}


# -- area_crosswalk ---------------------------------------------------------------------------


def test_area_crosswalk_splits_30_70() -> None:
    cw = area_crosswalk(_SRC, _TGT)
    assert list(cw.columns) == CROSSWALK_COLUMNS
    assert _weights(cw) == _approx({("a", "x"): 0.3, ("a", "y"): 0.7})
    assert cw["overlap_area"].tolist() == [pytest.approx(30.0), pytest.approx(70.0)]
    assert cw["population"].isna().all()
    assert set(cw["basis"]) == {"area"}
    check_crosswalk(cw)


def test_area_crosswalk_two_sources_three_targets() -> None:
    cw = area_crosswalk(_SRC2, _TGT3)
    assert _weights(cw) == _approx(_AREA_WEIGHTS_2_3)
    assert list(zip(cw["from_unit"], cw["to_unit"], strict=True)) == [("a", "x"), ("a", "y"), ("b", "y"), ("b", "z")]


def test_area_crosswalk_identical_units_give_weight_one() -> None:
    cw = area_crosswalk(_SRC2, _SRC2)
    assert _weights(cw) == {("a", "a"): 1.0, ("b", "b"): 1.0}


def test_area_crosswalk_ignores_targets_that_only_touch() -> None:
    target = _units({"x": (0, 0, 10, 10), "touching": (10, 0, 20, 10)})
    cw = area_crosswalk(_SRC, target)
    assert _weights(cw) == {("a", "x"): 1.0}


def test_area_crosswalk_merge_of_sources() -> None:
    # two sources merged into one target: each source goes wholly to it
    cw = area_crosswalk(_SRC2, _units({"ab": (0, 0, 20, 10)}))
    assert _weights(cw) == {("a", "ab"): 1.0, ("b", "ab"): 1.0}


# -- slivers ----------------------------------------------------------------------------------


def test_slivers_below_default_min_weight_are_dropped_and_the_rest_renormalised() -> None:
    source = _units({"a": (0, 0, 100, 100)})  # 10 000 area units
    target = _units({"x": (0, 0, 50, 100), "y": (50, 0, 99.95, 100), "z": (99.95, 0, 200, 100)})
    # pieces 5000, 4995 and 5 (= 0.0005 < 1e-3): z is dropped, x and y share 9995
    cw = area_crosswalk(source, target)
    assert _weights(cw) == _approx({("a", "x"): 5000 / 9995, ("a", "y"): 4995 / 9995})
    check_crosswalk(cw)


def test_custom_min_weight() -> None:
    target = _units({"x": (0, 0, 6, 10), "y": (6, 0, 9.6, 10), "z": (9.6, 0, 12, 10)})
    # pieces 60, 36, 4 of 100; with min_weight 0.05 the 4 are dropped: 60/96 and 36/96
    cw = area_crosswalk(_SRC, target, min_weight=0.05)
    assert _weights(cw) == _approx({("a", "x"): 0.625, ("a", "y"): 0.375})
    # with the default all three stay
    assert _weights(area_crosswalk(_SRC, target)) == _approx({("a", "x"): 0.6, ("a", "y"): 0.36, ("a", "z"): 0.04})


def test_largest_piece_is_kept_even_below_min_weight() -> None:
    # 30/70 with min_weight 0.8: the 0.3 piece goes, the largest one always stays
    cw = area_crosswalk(_SRC, _TGT, min_weight=0.8)
    assert _weights(cw) == {("a", "y"): 1.0}


# -- groups -----------------------------------------------------------------------------------

# b's target x reaches 0.2 into b: a sliver crossing the district border a | b
_TGT_NOISY = _units({"x": (0, 0, 10.2, 10), "y": (10.2, 0, 20, 10)})


def test_without_groups_a_border_sliver_is_kept() -> None:
    cw = area_crosswalk(_SRC2, _TGT_NOISY)
    assert _weights(cw) == _approx({("a", "x"): 1.0, ("b", "x"): 0.02, ("b", "y"): 0.98})


def test_groups_drop_pairs_crossing_a_group_border() -> None:
    groups = {"a": "A", "b": "B", "x": "A", "y": "B"}
    cw = area_crosswalk(_SRC2, _TGT_NOISY, groups=groups)
    assert _weights(cw) == {("a", "x"): 1.0, ("b", "y"): 1.0}


def test_target_groups_are_separate_from_source_groups() -> None:
    cw = area_crosswalk(_SRC2, _TGT_NOISY, groups={"a": "A", "b": "B"}, target_groups={"x": "A", "y": "B"})
    assert _weights(cw) == {("a", "x"): 1.0, ("b", "y"): 1.0}


def test_groups_apply_to_population_crosswalks() -> None:
    blocks = _blocks([(0, 0, 10, 10), (10, 0, 11, 10), (11, 0, 20, 10)], [10, 50, 50])
    # without groups b sends 0.2 / 1 of b1's 50 residents (10 of 100) to x
    assert _weights(population_crosswalk(_SRC2, _TGT_NOISY, blocks)) == _approx(
        {("a", "x"): 1.0, ("b", "x"): 0.1, ("b", "y"): 0.9}
    )
    groups = {"a": "A", "b": "B", "x": "A", "y": "B"}
    cw = population_crosswalk(_SRC2, _TGT_NOISY, blocks, groups=groups)
    assert _weights(cw) == {("a", "x"): 1.0, ("b", "y"): 1.0}


def test_source_with_overlaps_only_in_other_groups_is_rejected() -> None:
    groups = {"a": "A", "b": "B", "x": "B", "y": "B"}
    with pytest.raises(InvalidInput, match="1 source unit\\(s\\) overlap no target unit \\(in the same group\\): a"):
        area_crosswalk(_SRC2, _TGT_NOISY, groups=groups)


# -- population crosswalks --------------------------------------------------------------------

# Blocks in source a (target border at x = 3):
#   b0 [0, 2]  60 residents, wholly in x
#   b1 [2, 5]  30 residents, 1/3 in x and 2/3 in y
#   b2 [5, 10]  0 residents, wholly in y
_BLOCKS = _blocks([(0, 0, 2, 10), (2, 0, 5, 10), (5, 0, 10, 10)], [60, 30, 0])


def test_population_weights_split_blocks_by_area() -> None:
    cw = population_crosswalk(_SRC, _TGT, _BLOCKS)
    # x: 60 + 30/3 = 70, y: 30 * 2/3 = 20 -> 7/9 and 2/9 (area weights would be 0.3 / 0.7)
    assert _weights(cw) == _approx({("a", "x"): 7 / 9, ("a", "y"): 2 / 9})
    assert cw["population"].tolist() == [pytest.approx(70.0), pytest.approx(20.0)]
    assert set(cw["basis"]) == {CrosswalkMethod.POPULATION.value} == {"population"}
    check_crosswalk(cw)


def test_block_sum_assigns_whole_blocks() -> None:
    cw = population_crosswalk(_SRC, _TGT, _BLOCKS, whole_blocks=True)
    # b1 lies mostly in y: x gets 60, y gets 30 -> 2/3 and 1/3
    assert _weights(cw) == _approx({("a", "x"): 2 / 3, ("a", "y"): 1 / 3})
    assert cw["population"].tolist() == [pytest.approx(60.0), pytest.approx(30.0)]
    assert set(cw["basis"]) == {"block-sum"}


def test_population_crosswalk_uses_named_column() -> None:
    blocks = _BLOCKS.rename(columns={"population": "ew"})
    cw = population_crosswalk(_SRC, _TGT, blocks, population_column="ew")
    assert _weights(cw) == _approx({("a", "x"): 7 / 9, ("a", "y"): 2 / 9})


def test_population_crosswalk_missing_column() -> None:
    with pytest.raises(DefinitionError, match="no column 'ew'"):
        population_crosswalk(_SRC, _TGT, _BLOCKS, population_column="ew")


def test_population_crosswalk_negative_residents() -> None:
    with pytest.raises(InvalidInput, match="must not be negative"):
        population_crosswalk(_SRC, _TGT, _blocks([(0, 0, 10, 10)], [-1]))


def test_missing_residents_count_as_none() -> None:
    blocks = _blocks([(0, 0, 3, 10), (3, 0, 10, 10)], [np.nan, 40])
    cw = population_crosswalk(_SRC, _TGT, blocks)
    # x has no known residents: its piece falls below min_weight and everything goes to y
    assert _weights(cw) == {("a", "y"): 1.0}


def test_source_without_residents_falls_back_to_area() -> None:
    # a: residents only in b0 (x side); b: blocks but nobody lives there
    blocks = _blocks([(0, 0, 2, 10), (2, 0, 10, 10), (10, 0, 20, 10)], [50, 0, 0])
    cw = population_crosswalk(_SRC2, _TGT3, blocks)
    assert _weights(cw) == _approx({("a", "x"): 1.0, ("b", "y"): 0.4, ("b", "z"): 0.6})
    basis = dict(zip(zip(cw["from_unit"], cw["to_unit"], strict=True), cw["basis"], strict=True))
    assert basis == {("a", "x"): "population", ("b", "y"): "area-fallback", ("b", "z"): "area-fallback"}
    check_crosswalk(cw)


def test_no_blocks_at_all_falls_back_to_area_everywhere() -> None:
    cw = population_crosswalk(_SRC2, _TGT3, _blocks([(100, 100, 101, 101)], [1000]))
    assert _weights(cw) == _approx(_AREA_WEIGHTS_2_3)
    assert set(cw["basis"]) == {"area-fallback"}


def test_population_and_area_weights_differ() -> None:
    area = _weights(area_crosswalk(_SRC, _TGT))
    population = _weights(population_crosswalk(_SRC, _TGT, _BLOCKS))
    assert area[("a", "x")] == pytest.approx(0.3)
    assert population[("a", "x")] == pytest.approx(7 / 9)


# -- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["area", "population"])
def test_source_overlapping_nothing_is_rejected(method: str) -> None:
    source = _units({"a": (0, 0, 10, 10), "far": (100, 100, 110, 110)})
    with pytest.raises(InvalidInput, match=r"overlap no target unit.*far"):
        if method == "area":
            area_crosswalk(source, _TGT)
        else:
            population_crosswalk(source, _TGT, _BLOCKS)


@pytest.mark.parametrize("side", ["source", "target"])
@pytest.mark.parametrize("method", ["area", "population"])
def test_duplicate_ids_are_rejected(side: str, method: str) -> None:
    dup = gpd.GeoDataFrame(
        {"unit_id": ["a", "a"]}, geometry=[shapely.box(0, 0, 5, 10), shapely.box(5, 0, 10, 10)], crs="EPSG:25833"
    )
    source, target = (dup, _TGT) if side == "source" else (_SRC, dup)
    with pytest.raises(InvalidInput, match=f"the {side} units contain the id 'a' twice"):
        if method == "area":
            area_crosswalk(source, target)
        else:
            population_crosswalk(source, target, _BLOCKS)


def test_units_need_unit_id_column() -> None:
    bad = _SRC.rename(columns={"unit_id": "id"})
    with pytest.raises(DefinitionError, match="'unit_id' column"):
        area_crosswalk(bad, _TGT)


def test_units_must_share_a_crs() -> None:
    with pytest.raises(DefinitionError, match="same CRS"):
        area_crosswalk(_SRC, _TGT.set_crs("EPSG:25832", allow_override=True))


# -- check_crosswalk --------------------------------------------------------------------------


def _cw(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["from_unit", "to_unit", "weight"])


@pytest.mark.parametrize(
    "rows",
    [
        [("a", "x", 1.0)],
        [("a", "x", 0.3), ("a", "y", 0.7), ("b", "y", 1.0)],
        [("a", "x", 0.1)] * 10,
    ],
    ids=["single", "two-sources", "ten-tenths"],
)
def test_check_crosswalk_accepts(rows: list[tuple[str, str, float]]) -> None:
    check_crosswalk(_cw(rows))


@pytest.mark.parametrize(
    ("rows", "pattern"),
    [
        ([], "empty"),
        ([("a", "x", 0.0), ("a", "y", 1.0)], r"\(0, 1\]"),
        ([("a", "x", -0.5), ("a", "y", 1.5)], r"\(0, 1\]"),
        ([("a", "x", 1.5)], r"\(0, 1\]"),
        ([("a", "x", np.nan)], r"\(0, 1\]"),
        ([("a", "x", np.inf)], r"\(0, 1\]"),
        ([("a", "x", 0.3), ("a", "y", 0.6)], "source unit 'a' sum to"),
        ([("a", "x", 1.0), ("b", "x", 0.5)], "source unit 'b' sum to"),
        ([("a", "x", 0.7), ("a", "y", 0.7)], "source unit 'a' sum to"),
    ],
    ids=["empty", "zero", "negative", "above-one", "nan", "inf", "sum-below-one", "second-source", "sum-above-one"],
)
def test_check_crosswalk_rejects(rows: list[tuple[str, str, float]], pattern: str) -> None:
    with pytest.raises(InvalidInput, match=pattern):
        check_crosswalk(_cw(rows))


# -- largest_remainder ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "shares", "expected"),
    [
        (7, [0.5, 0.5], [4, 3]),
        (10, [0.3, 0.7], [3, 7]),
        (10, [1, 1, 1], [4, 3, 3]),
        (2, [1, 1, 1], [1, 1, 0]),
        (5, [0.55, 0.25, 0.2], [3, 1, 1]),  # 2.75, 1.25, 1.0
        (7, [3, 7], [2, 5]),  # shares need not sum to 1: 2.1, 4.9
        (100, [0.333, 0.333, 0.334], [33, 33, 34]),
        (0, [0.5, 0.5], [0, 0]),
        (9, [1.0], [9]),
        (1, [0.2, 0.3, 0.5], [0, 0, 1]),
    ],
    ids=[
        "tie-to-first",
        "exact",
        "thirds",
        "two-over-three-ties",
        "mixed",
        "unnormalised",
        "near-thirds",
        "zero-total",
        "single",
        "one-to-largest",
    ],
)
def test_largest_remainder(total: int, shares: list[float], expected: list[int]) -> None:
    result = largest_remainder(total, np.array(shares))
    assert result.tolist() == expected
    assert int(result.sum()) == total


def test_largest_remainder_empty() -> None:
    result = largest_remainder(5, np.array([]))
    assert result.size == 0


# -- reexpress --------------------------------------------------------------------------------


def _values(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["unit_id", "date", "value"])


def _result(df: pd.DataFrame) -> dict[tuple[str, str], tuple[float, str]]:
    return {(u, d): (v, s) for u, d, v, s in zip(df["unit_id"], df["date"], df["value"], df["status"], strict=True)}


_CW23 = _cw([(f, t, w) for (f, t), w in _AREA_WEIGHTS_2_3.items()])


def test_reexpress_float_preserves_totals() -> None:
    values = _values([("a", "2020", 100.0), ("b", "2020", 50.0), ("a", "2021", 10.0), ("b", "2021", 20.0)])
    out = reexpress(values, _CW23)
    assert list(out.columns) == ["unit_id", "date", "value", "status"]
    got = _result(out)
    expected = {
        ("x", "2020"): 30.0,
        ("y", "2020"): 70.0 + 20.0,
        ("z", "2020"): 30.0,
        ("x", "2021"): 3.0,
        ("y", "2021"): 7.0 + 8.0,
        ("z", "2021"): 12.0,
    }
    assert set(got) == set(expected)
    for key, value in expected.items():
        assert got[key][0] == pytest.approx(value)
        assert got[key][1] == "estimated"
    for date, total in (("2020", 150.0), ("2021", 30.0)):
        assert out.loc[out["date"] == date, "value"].sum() == pytest.approx(total)


def test_reexpress_integer_uses_largest_remainder_per_source() -> None:
    values = _values([("a", "2020", 7.0), ("b", "2020", 3.0)])
    out = reexpress(values, _CW23, integer=True)
    # a: 2.1 / 4.9 -> 2 / 5; b: 1.2 / 1.8 -> 1 / 2; y collects 5 + 1
    assert {k: v for k, (v, _) in _result(out).items()} == {("x", "2020"): 2, ("y", "2020"): 6, ("z", "2020"): 2}
    assert out["value"].sum() == 10


def test_reexpress_integer_keeps_each_source_total_exactly() -> None:
    # one source split in three equal parts: 10 -> 4, 3, 3 (ties go to the earlier target)
    cw = _cw([("a", "x", 1 / 3), ("a", "y", 1 / 3), ("a", "z", 1 / 3)])
    out = reexpress(_values([("a", "d", 10.0), ("a", "e", 2.0), ("a", "f", 0.0)]), cw, integer=True)
    by = _result(out)
    assert [by[(t, "d")][0] for t in "xyz"] == [4, 3, 3]
    assert [by[(t, "e")][0] for t in "xyz"] == [1, 1, 0]
    assert [by[(t, "f")][0] for t in "xyz"] == [0, 0, 0]
    for date, total in (("d", 10), ("e", 2), ("f", 0)):
        assert out.loc[out["date"] == date, "value"].sum() == total


def test_reexpress_integer_negative_values_keep_their_total() -> None:
    out = reexpress(_values([("a", "d", -7.0)]), _cw([("a", "x", 0.5), ("a", "y", 0.5)]), integer=True)
    values = sorted(out["value"].tolist())
    assert values == [-4, -3]


@pytest.mark.parametrize("value", [2.5, 7.25, 100_000.5, 1_234_567.5], ids=["small", "quarter", "large", "larger"])
def test_reexpress_integer_rejects_fractional_values(value: float) -> None:
    cw = _cw([("a", "x", 0.5), ("a", "y", 0.5)])
    with pytest.raises(InvalidInput, match="whole-number"):
        reexpress(_values([("a", "d", value)]), cw, integer=True)


def test_missing_source_value_makes_its_targets_missing() -> None:
    values = _values([("a", "2020", np.nan), ("b", "2020", 50.0)])
    got = _result(reexpress(values, _CW23))
    assert np.isnan(got[("x", "2020")][0])
    assert got[("x", "2020")][1] == "missing"
    assert np.isnan(got[("y", "2020")][0])  # fed by a (missing) and b (present)
    assert got[("y", "2020")][1] == "missing"
    assert got[("z", "2020")] == (pytest.approx(30.0), "estimated")


def test_missing_source_value_with_integer_split() -> None:
    values = _values([("a", "2020", np.nan), ("b", "2020", 5.0), ("a", "2021", 10.0), ("b", "2021", 5.0)])
    got = _result(reexpress(values, _CW23, integer=True))
    assert got[("x", "2020")][1] == got[("y", "2020")][1] == "missing"
    assert got[("z", "2020")] == (3.0, "estimated")  # 5 * 0.6
    assert {k[0]: v for k, v in got.items() if k[1] == "2021"} == {
        "x": (3.0, "estimated"),
        "y": (9.0, "estimated"),  # 7 + 2
        "z": (3.0, "estimated"),
    }


def test_non_numeric_source_value_counts_as_missing() -> None:
    values = pd.DataFrame({"unit_id": ["a", "b"], "date": ["2020", "2020"], "value": ["n/a", "50"]})
    got = _result(reexpress(values, _CW23))
    assert got[("x", "2020")][1] == "missing"
    assert got[("z", "2020")] == (pytest.approx(30.0), "estimated")


def test_source_absent_on_a_date_makes_its_targets_missing() -> None:
    values = _values([("a", "2020", 100.0), ("b", "2020", 50.0), ("b", "2021", 10.0)])
    got = _result(reexpress(values, _CW23))
    assert got[("x", "2020")] == (pytest.approx(30.0), "estimated")
    assert got[("y", "2021")][1] == "missing"
    assert np.isnan(got[("y", "2021")][0])
    assert got[("z", "2021")] == (pytest.approx(6.0), "estimated")
    assert ("x", "2021") not in got  # no source of x has a row on 2021


def test_values_of_units_outside_the_crosswalk_are_ignored() -> None:
    values = _values([("a", "2020", 100.0), ("b", "2020", 50.0), ("other", "2020", 1e9)])
    out = reexpress(values, _CW23)
    assert set(out["unit_id"]) == {"x", "y", "z"}
    assert out["value"].sum() == pytest.approx(150.0)


def test_reexpress_needs_columns() -> None:
    with pytest.raises(DefinitionError, match="values need the columns"):
        reexpress(pd.DataFrame({"unit_id": ["a"], "value": [1.0]}), _CW23)


def test_reexpress_checks_the_crosswalk() -> None:
    with pytest.raises(InvalidInput, match="sum to"):
        reexpress(_values([("a", "d", 1.0)]), _cw([("a", "x", 0.5)]))


def test_reexpress_with_a_computed_crosswalk() -> None:
    cw = population_crosswalk(_SRC, _TGT, _BLOCKS)
    out = reexpress(_values([("a", "2020", 900.0)]), cw)
    got = _result(out)
    assert got[("x", "2020")] == (pytest.approx(700.0), "estimated")
    assert got[("y", "2020")] == (pytest.approx(200.0), "estimated")
