"""Every template and aggregation rule against hand-computed values, on both stores.

The micro city of ``tests/engine_cases.py``; the expected numbers are worked out here by
hand (see the comments), including missing rows, zero denominators and suppressed inputs.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import engine_cases as mc
from engine_cases import D1, D2, D3
from ortswissen.errors import DefinitionError
from ortswissen.ports import Store
from ortswissen.services.indicators import compute_indicators, parse_definitions, register_definitions
from ortswissen.storage import open_store


@pytest.fixture(scope="module", params=["memory", "duckdb"])
def micro(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    """All values after one computation run (computed once per store kind; tests only read)."""
    if request.param == "memory":
        store = open_store("memory://", crs=mc.CRS)
    else:
        store = open_store(str(tmp_path_factory.mktemp("micro") / "micro.duckdb"), create=True, crs=mc.CRS)
    mc.load(store)
    result = compute_indicators(store)
    assert result.written > 0
    frame = store.read_values(None)
    store.close()
    return frame


def at(frame: pd.DataFrame, indicator: str, unit: str, day: object) -> pd.Series:
    rows = frame[(frame.indicator_id == indicator) & (frame.unit_id == unit) & (frame.date == day)]
    assert len(rows) == 1, f"{indicator} {unit} {day}: {len(rows)} rows"
    return rows.iloc[0]


def value(frame: pd.DataFrame, indicator: str, unit: str, day: object) -> float:
    row = at(frame, indicator, unit, day)
    assert row.status in ("ok", "estimated"), f"{indicator} {unit} {day} is {row.status} ({row.flag})"
    return float(row.value)


def test_sum_up_the_levels(micro: pd.DataFrame) -> None:
    assert value(micro, "pop", "D1", D2) == 110 + 200
    assert value(micro, "pop", "D2", D2) == 0 + 330
    assert value(micro, "pop", "C", D2) == 110 + 200 + 0 + 330
    assert at(micro, "pop", "D1", D2).flag == "agg:sum"


def test_missing_child_makes_the_parent_missing_not_smaller(micro: pd.DataFrame) -> None:
    row = at(micro, "pop", "D1", D1)  # Q2 has no row on D1
    assert row.status == "missing" and math.isnan(row.value) and row.flag == "agg:incomplete"
    city = at(micro, "pop", "C", D1)
    assert city.status == "missing" and math.isnan(city.value)


def test_suppressed_input_propagates(micro: pd.DataFrame) -> None:
    row = at(micro, "kids", "D2", D3)  # Q4's children are suppressed
    assert row.status == "suppressed" and math.isnan(row.value)
    pct = at(micro, "pct_kids", "Q4", D3)
    assert pct.status == "suppressed" and math.isnan(pct.value)


def test_observed_upper_value_wins_and_feeds_the_city(micro: pd.DataFrame) -> None:
    row = at(micro, "pop", "D2", D3)
    assert row.value == mc.OBSERVED_D2_POP and row.flag is None  # the imported one, untouched
    assert value(micro, "pop", "D1", D3) == 120 + 220
    assert value(micro, "pop", "C", D3) == 120 + 220 + mc.OBSERVED_D2_POP


def test_weighted_mean_and_max(micro: pd.DataFrame) -> None:
    assert value(micro, "mean_age", "D1", D2) == pytest.approx((40 * 110 + 30 * 200) / 310)
    # D2: Q3 has weight 0 → (50*0 + 45*330) / 330
    assert value(micro, "mean_age", "D2", D2) == pytest.approx(45.0)
    assert value(micro, "max_age", "C", D2) == 90.0


def test_ratio_of_sums_not_mean_of_ratios(micro: pd.DataFrame) -> None:
    assert value(micro, "pct_kids", "Q1", D2) == pytest.approx(10.0)
    district = value(micro, "pct_kids", "D1", D2)
    assert district == pytest.approx((11 + 30) / (110 + 200) * 100)
    assert district != pytest.approx((10.0 + 15.0) / 2)  # the mean of the quarters' shares
    assert value(micro, "pct_kids", "C", D2) == pytest.approx(74 / 640 * 100)


def test_ratio_scales(micro: pd.DataFrame) -> None:
    assert value(micro, "share_kids", "Q2", D3) == pytest.approx(33 / 220)
    assert value(micro, "per_mille_kids", "Q2", D3) == pytest.approx(33 / 220 * 1000)
    assert value(micro, "kids_per_100", "Q2", D3) == pytest.approx(15.0)


def test_zero_denominator_is_missing_not_zero(micro: pd.DataFrame) -> None:
    row = at(micro, "pct_kids", "Q3", D2)
    assert row.status == "missing" and math.isnan(row.value) and row.flag == "calc:zero_denominator"


def test_arithmetic_templates(micro: pd.DataFrame) -> None:
    assert value(micro, "adults", "Q1", D3) == 105
    assert value(micro, "pop_plus_kids", "Q4", D2) == 363
    assert value(micro, "pop_times_kids", "Q1", D1) == pytest.approx(0.5 * 100 * 10)
    assert at(micro, "adults", "Q4", D3).status == "suppressed"  # 390 minus a withheld number


def test_changes(micro: pd.DataFrame) -> None:
    assert value(micro, "d_pop", "Q1", D2) == 10
    assert value(micro, "d_pop", "Q4", D3) == 60
    first = at(micro, "d_pop", "Q1", D1)
    assert first.status == "missing" and first.flag == "calc:no_base_value"
    assert value(micro, "d_pop_pct", "Q1", D3) == pytest.approx(10 / 110 * 100)
    zero_base = at(micro, "d_pop_pct", "Q3", D3)  # from 0 residents
    assert zero_base.status == "missing" and zero_base.flag == "calc:zero_denominator"
    assert value(micro, "d_pop_since", "Q4", D3) == 90
    assert value(micro, "d_pop_since", "Q1", D1) == 0
    assert value(micro, "d_pop", "C", D3) == pytest.approx((120 + 220 + 999) - 640)


def test_trend_and_continuity(micro: pd.DataFrame) -> None:
    days = np.array([(d - D3).days for d in (D1, D2, D3)], dtype=float) / 365.25  # years before the last date
    slope = np.polyfit(days, [300, 330, 390], 1)[0]
    assert value(micro, "trend_pop", "Q4", D3) == pytest.approx(slope)
    r = np.corrcoef(days, [300, 330, 390])[0, 1]
    assert value(micro, "cont_pop", "Q4", D3) == pytest.approx(r)
    assert value(micro, "cont_pop", "Q1", D3) == pytest.approx(1.0)
    short = at(micro, "trend_pop", "Q4", D2)  # only two dates so far
    assert short.status == "missing" and short.flag == "calc:too_few_values"
    gap = at(micro, "trend_pop", "Q2", D3)  # Q2 lacks 2020
    assert gap.status == "missing"


def test_density_uses_the_unit_area(micro: pd.DataFrame) -> None:
    assert value(micro, "density", "Q4", D2) == pytest.approx(330.0)  # 1 km²
    assert value(micro, "density", "D1", D2) == pytest.approx(310 / 2)  # 2 km²


def test_composite_headline_index(micro: pd.DataFrame) -> None:
    # quarters on D2: Q3 has no pct (zero denominator) → missing; the others are standardised
    # over the quarters that have a value (population standard deviation)
    pct = np.array([10.0, 15.0, 10.0])  # Q1, Q2, Q4
    dens = np.array([110.0, 200.0, 0.0, 330.0])  # Q1..Q4
    z_pct = (pct - pct.mean()) / pct.std()
    z_dens = -(dens - dens.mean()) / dens.std()
    expected = (2 * z_pct + z_dens[[0, 1, 3]]) / 3
    for unit, exp in zip(["Q1", "Q2", "Q4"], expected, strict=True):
        assert value(micro, "index", unit, D2) == pytest.approx(exp)
    assert at(micro, "index", "Q3", D2).status == "missing"


def test_points_in_polygon_with_filter_and_validity(micro: pd.DataFrame) -> None:
    assert value(micro, "n_kitas", "Q1", D2) == 2
    assert value(micro, "n_public_kitas", "Q1", D2) == 1
    assert value(micro, "n_kitas", "Q4", D1) == 1
    assert value(micro, "n_kitas", "Q4", D2) == 0  # closed in mid-2021: a real zero
    assert value(micro, "n_kitas", "C", D1) == 3
    assert value(micro, "kita_places", "Q1", D2) == 100
    assert value(micro, "kita_places_mean", "Q1", D2) == 50
    empty = at(micro, "kita_places_mean", "Q3", D2)  # no Kita: no mean
    assert empty.status == "missing" and empty.flag == "calc:no_features"
    assert value(micro, "public_share", "Q1", D2) == pytest.approx(50.0)
    assert value(micro, "public_share", "C", D1) == pytest.approx(2 / 3 * 100)


def test_nearest_distance(micro: pd.DataFrame) -> None:
    # Q2 is the square x 1–2 km, y 0–1 km; its representative point lies inside; the nearest
    # Kita is K2 at (0.75, 0.5) km or K3 at (1.5, 1.5) km (until mid-2021)
    d = value(micro, "dist_kita", "Q2", D2)
    assert 250 <= d <= math.hypot(1250, 500)
    assert value(micro, "dist_kita", "Q1", D2) <= math.hypot(500, 500)


def test_line_length(micro: pd.DataFrame) -> None:
    assert value(micro, "street_km", "Q1", D2) == pytest.approx(0.5)
    assert value(micro, "street_km", "Q2", D2) == pytest.approx(0.5)
    assert value(micro, "street_km", "Q3", D2) == 0
    assert value(micro, "street_km", "D1", D2) == pytest.approx(1.0)


def test_recomputing_replaces_derived_values(store: Store) -> None:
    mc.load(store)
    first = compute_indicators(store)
    second = compute_indicators(store)
    assert second.written == first.written
    assert second.replaced == first.written
    derived = store.read_values(["pct_kids"], level_id="district")
    assert len(derived) == len(derived.drop_duplicates(["unit_id", "date"]))


def test_recomputing_removes_rows_no_longer_produced(store: Store) -> None:
    mc.load(store)
    compute_indicators(store)
    assert set(store.read_values(["n_kitas"], level_id="district")["date"]) == {mc.D1, mc.D2, mc.D3}
    narrowed = next(m for m in mc.metas() if m.id == "n_kitas").model_dump(mode="json")
    narrowed["computation"]["at"] = {"dates": [mc.D1.isoformat()]}
    register_definitions(store, parse_definitions([narrowed]), compute=False)
    result = compute_indicators(store, ["n_kitas"])
    assert set(store.read_values(["n_kitas"])["date"]) == {mc.D1}
    assert result.replaced == result.written * 3  # the three dates' rows went; the first came back
    assert set(store.read_values(["pop"], level_id="quarter")["date"]) == {mc.D1, mc.D2, mc.D3}  # inputs untouched


def test_cycle_and_unknown_input_rejected(store: Store) -> None:
    mc.load(store)
    bad = parse_definitions(
        [
            {"id": "a1", "title_de": "a", "title_en": "a", "computation": {"template": "sum", "terms": ["pop", "b1"]}},
            {"id": "b1", "title_de": "b", "title_en": "b", "computation": {"template": "sum", "terms": ["pop", "a1"]}},
        ]
    )
    with pytest.raises(DefinitionError, match="cycle: a1 → b1 → a1"):
        register_definitions(store, bad)
    unknown = parse_definitions(
        [
            {
                "id": "c1",
                "title_de": "c",
                "title_en": "c",
                "computation": {"template": "percent", "part": "x", "whole": "pop"},
            }
        ]
    )
    with pytest.raises(DefinitionError, match="unknown indicator"):
        register_definitions(store, unknown)
    assert "a1" not in {m.id for m in store.list_indicators()}
