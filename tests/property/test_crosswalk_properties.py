"""Property tests of crosswalks and re-expression (``ortswissen.units._crosswalk``).

A rectangle is cut into random vertical strips (the source units) and into horizontal strips or
differently cut vertical strips (the targets); a random grid of blocks carries random residents.
For area and population crosswalks every source's weights lie in (0, 1] and sum to 1, re-expression
keeps the grand total of every date (exactly with ``integer=True``), and
:func:`largest_remainder` always sums exactly and stays within 1 of each exact share.
"""

from __future__ import annotations

from fractions import Fraction
from itertools import pairwise

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ortswissen.units import area_crosswalk, check_crosswalk, largest_remainder, population_crosswalk, reexpress

WIDTH, HEIGHT = 20.0, 10.0
STEP = 0.01  # cut positions lie on a 1 cm grid, fine enough for slivers below the 1e-3 minimum weight

_SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _cuts(steps: int, max_cuts: int) -> st.SearchStrategy[list[float]]:
    return st.lists(st.integers(1, steps - 1), max_size=max_cuts, unique=True).map(
        lambda xs: [x * STEP for x in sorted(xs)]
    )


def _strips(prefix: str, cuts: list[float], vertical: bool) -> gpd.GeoDataFrame:
    size = WIDTH if vertical else HEIGHT
    edges = [0.0, *cuts, size]
    boxes = [
        shapely.box(lo, 0, hi, HEIGHT) if vertical else shapely.box(0, lo, WIDTH, hi) for lo, hi in pairwise(edges)
    ]
    return gpd.GeoDataFrame({"unit_id": [f"{prefix}{i}" for i in range(len(boxes))]}, geometry=boxes, crs="EPSG:25833")


@st.composite
def layouts(draw: st.DrawFn) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Source: vertical strips. Target: horizontal strips or other vertical cuts."""
    source = _strips("s", draw(_cuts(int(WIDTH / STEP), 6)), vertical=True)
    vertical_target = draw(st.booleans())
    steps = int((WIDTH if vertical_target else HEIGHT) / STEP)
    target = _strips("t", draw(_cuts(steps, 6)), vertical=vertical_target)
    return source, target


@st.composite
def blocks(draw: st.DrawFn) -> gpd.GeoDataFrame:
    """A grid of nx x ny blocks over the rectangle, each with 0–50 residents (many empty)."""
    nx, ny = draw(st.integers(1, 8)), draw(st.integers(1, 4))
    residents = draw(st.lists(st.integers(0, 50) | st.just(0), min_size=nx * ny, max_size=nx * ny))
    w, h = WIDTH / nx, HEIGHT / ny
    boxes = [shapely.box(i * w, j * h, (i + 1) * w, (j + 1) * h) for i in range(nx) for j in range(ny)]
    return gpd.GeoDataFrame({"population": residents}, geometry=boxes, crs="EPSG:25833")


def _assert_weights_valid(cw: pd.DataFrame, source: gpd.GeoDataFrame) -> None:
    assert set(cw["from_unit"]) == set(source["unit_id"])
    w = cw["weight"].to_numpy()
    assert np.all(w > 0)
    assert np.all(w <= 1)
    sums = cw.groupby("from_unit")["weight"].sum()
    assert np.all(np.abs(sums.to_numpy() - 1) <= 1e-9)
    check_crosswalk(cw)


@_SETTINGS
@given(layouts())
def test_area_weights_sum_to_one(layout: tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]) -> None:
    source, target = layout
    _assert_weights_valid(area_crosswalk(source, target), source)


@_SETTINGS
@given(layouts(), blocks(), st.booleans())
def test_population_weights_sum_to_one(
    layout: tuple[gpd.GeoDataFrame, gpd.GeoDataFrame], grid: gpd.GeoDataFrame, whole_blocks: bool
) -> None:
    source, target = layout
    cw = population_crosswalk(source, target, grid, whole_blocks=whole_blocks)
    _assert_weights_valid(cw, source)
    expected_basis = "block-sum" if whole_blocks else "population"
    assert set(cw["basis"]) <= {expected_basis, "area-fallback"}


def _series(draw: st.DrawFn, source: gpd.GeoDataFrame, integer: bool) -> pd.DataFrame:
    dates = draw(
        st.lists(st.sampled_from(["2019-12-31", "2020-12-31", "2021-12-31"]), min_size=1, max_size=3, unique=True)
    )
    numbers = st.integers(0, 1_000_000) if integer else st.floats(0, 1e6, allow_nan=False, allow_infinity=False)
    rows = [(u, d, float(draw(numbers))) for d in dates for u in source["unit_id"]]
    return pd.DataFrame(rows, columns=["unit_id", "date", "value"])


@st.composite
def reexpress_cases(draw: st.DrawFn) -> tuple[pd.DataFrame, pd.DataFrame, bool]:
    source, target = draw(layouts())
    if draw(st.booleans()):
        cw = area_crosswalk(source, target)
    else:
        cw = population_crosswalk(source, target, draw(blocks()), whole_blocks=draw(st.booleans()))
    integer = draw(st.booleans())
    return _series(draw, source, integer), cw, integer


@_SETTINGS
@given(reexpress_cases())
def test_reexpress_preserves_grand_totals(case: tuple[pd.DataFrame, pd.DataFrame, bool]) -> None:
    values, cw, integer = case
    out = reexpress(values, cw, integer=integer)
    assert set(out["status"]) == {"estimated"}
    for date, group in values.groupby("date"):
        expected = group["value"].sum()
        got = out.loc[out["date"] == date, "value"].sum()
        if integer:
            assert got == expected
            assert np.all(out["value"] == np.round(out["value"]))
        else:
            assert abs(got - expected) <= 1e-6 * max(1.0, abs(expected))


@_SETTINGS
@given(layouts(), st.data())
def test_reexpress_integer_keeps_each_source_total(
    layout: tuple[gpd.GeoDataFrame, gpd.GeoDataFrame], data: st.DataObject
) -> None:
    # re-expressing one source at a time shows its parts: they sum to its value exactly and each
    # differs from the exact share value * weight by less than 1
    source, target = layout
    cw = area_crosswalk(source, target)
    unit = data.draw(st.sampled_from(list(source["unit_id"])), label="source unit")
    value = data.draw(st.integers(0, 100_000), label="value")
    rows = cw[cw["from_unit"] == unit]
    single = pd.DataFrame({"unit_id": [unit], "date": ["d"], "value": [float(value)]})
    out = reexpress(single, rows, integer=True)
    assert out["value"].sum() == value
    exact = dict(zip(rows["to_unit"], rows["weight"] * value, strict=True))
    assert set(out["unit_id"]) == set(exact)
    for t, v in zip(out["unit_id"], out["value"], strict=True):
        assert abs(v - exact[t]) < 1


@settings(max_examples=100, deadline=None)
@given(
    st.integers(0, 10_000_000),
    st.lists(st.integers(1, 1000), min_size=1, max_size=30),
)
def test_largest_remainder_sums_exactly_and_stays_close(total: int, weights: list[int]) -> None:
    parts = largest_remainder(total, np.array(weights, dtype=float))
    assert parts.dtype.kind == "i"
    assert int(parts.sum()) == total
    weight_sum = sum(weights)
    for part, weight in zip(parts.tolist(), weights, strict=True):
        exact = Fraction(total * weight, weight_sum)
        assert abs(part - exact) < 1
        assert part >= 0
