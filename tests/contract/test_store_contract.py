"""One contract for every store: the in-memory fake and the DuckDB file must behave alike.

The ``store`` fixture runs each test against both. Covered: levels, vintages with derived
periods, unit versions (date filter, closing, overlap refusal), indicators, the value
writer (duplicates, replacement, natural series vs Gebietsstand), georesources and their
assignment to units, crosswalks, provenance, metadata and transactions.
"""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pyarrow as pa
import pytest
import shapely

from ortswissen.errors import (
    StoreError,
    UnknownCrosswalk,
    UnknownGeoresource,
    UnknownIndicator,
    UnknownLevel,
    ValidityOverlap,
)
from ortswissen.georesources import GeoresourceMeta
from ortswissen.indicators import IndicatorMeta
from ortswissen.ports import VALUE_BATCH_SCHEMA, CrosswalkInfo, ImportRecord, Store, ValueWriter
from ortswissen.units import UNIT_COLUMNS, Level, Vintage

D = dt.date
X0, Y0 = 560_000.0, 5_930_000.0


def _units(
    level: str,
    rows: list[tuple[str, D, D | None, shapely.Geometry]],
    vintage: str | None = None,
    parent: str | None = None,
) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "level_id": level,
            "unit_id": [r[0] for r in rows],
            "valid_from": [r[1] for r in rows],
            "valid_to": [r[2] for r in rows],
            "vintage_id": vintage,
            "name": [f"Unit {r[0]}" for r in rows],
            "official_key": None,
            "parent_id": parent,
            "attributes": [{"n": i} for i in range(len(rows))],
        },
        geometry=[r[3] for r in rows],
        crs="EPSG:25832",
    )[UNIT_COLUMNS]


def _box(i: int, j: int = 0, size: float = 1000.0) -> shapely.Geometry:
    return shapely.box(X0 + i * size, Y0 + j * size, X0 + (i + 1) * size, Y0 + (j + 1) * size)


def _batch(rows: list[tuple[str, str, D, D, float | None, str]], *, start_row: int = 2) -> pa.Table:
    n = len(rows)
    return pa.table(
        [
            pa.array([r[0] for r in rows]),
            pa.array(["q"] * n),
            pa.array([r[1] for r in rows]),
            pa.array([r[2] for r in rows], type=pa.date32()),
            pa.array([r[3] for r in rows], type=pa.date32()),
            pa.array(["observed"] * n),
            pa.array([r[4] for r in rows], type=pa.float64()),
            pa.array([r[5] for r in rows]),
            pa.array([None] * n, type=pa.string()),
            pa.array(range(start_row, start_row + n), type=pa.int64()),
        ],
        schema=VALUE_BATCH_SCHEMA,
    )


@pytest.fixture
def q_store(store: Store) -> Store:
    """A store with level q: units a (2015–2020, replaced), b (2015–), c and d (2021–)."""
    store.put_level(Level("q", "Quartier", "Quarter", key_pattern="[a-z]"))
    store.put_vintage(Vintage("q", "v2015", "Stand 2015", "Status 2015"))
    store.put_vintage(Vintage("q", "v2021", "Stand 2021", "Status 2021"))
    with store.transaction():
        store.add_unit_versions(
            _units(
                "q",
                [("a", D(2015, 1, 1), D(2020, 12, 31), _box(0)), ("b", D(2015, 1, 1), None, _box(1))],
                vintage="v2015",
            )
        )
        store.add_unit_versions(
            _units(
                "q",
                [
                    ("c", D(2021, 1, 1), None, _box(0, 0, 500)),
                    ("d", D(2021, 1, 1), None, shapely.difference(_box(0), _box(0, 0, 500))),
                ],
                vintage="v2021",
            )
        )
    store.put_indicator(IndicatorMeta(id="pop", title_de="Einwohner", title_en="Residents"))
    return store


def test_levels_round_trip_and_order(store: Store) -> None:
    store.put_level(Level("b", "B", "B", sort_order=2))
    store.put_level(Level("a", "A", "A", sort_order=1, key_width=4, parent_id="b", nested=False))
    assert [lv.id for lv in store.list_levels()] == ["a", "b"]
    got = store.get_level("a")
    assert (got.key_width, got.parent_id, got.nested) == (4, "b", False)
    store.put_level(Level("a", "A2", "A2", sort_order=3))
    assert store.get_level("a").name_de == "A2"
    with pytest.raises(UnknownLevel):
        store.get_level("zz")


def test_vintages_derive_periods_and_counts(q_store: Store) -> None:
    info = {v.vintage.id: v for v in q_store.list_vintages("q")}
    assert (info["v2015"].valid_from, info["v2015"].valid_to, info["v2015"].units) == (D(2015, 1, 1), None, 2)
    assert (info["v2021"].valid_from, info["v2021"].units) == (D(2021, 1, 1), 2)
    with pytest.raises(UnknownLevel):
        q_store.put_vintage(Vintage("nowhere", "x", "x", "x"))


def test_unit_versions_filter_by_date_and_ids(q_store: Store) -> None:
    assert sorted(q_store.unit_versions("q", at=D(2020, 6, 30))["unit_id"]) == ["a", "b"]
    assert sorted(q_store.unit_versions("q", at=D(2021, 1, 1))["unit_id"]) == ["b", "c", "d"]
    assert sorted(q_store.unit_versions("q")["unit_id"]) == ["a", "b", "c", "d"]
    only = q_store.unit_versions("q", unit_ids=["c"], geometry=False)
    assert list(only["unit_id"]) == ["c"]
    assert only["area_m2"].iloc[0] == pytest.approx(250_000.0)
    assert only["attributes"].iloc[0] == {"n": 0}
    assert only["valid_to"].iloc[0] is None
    with pytest.raises(UnknownLevel):
        q_store.unit_versions("nope")


def test_wgs84_geometry_is_transformed(q_store: Store) -> None:
    g = q_store.unit_versions("q", unit_ids=["b"], wgs84=True)
    assert g.crs.to_epsg() == 4326
    x, y = g.geometry.iloc[0].centroid.coords[0]
    assert 8 < x < 10 and 53 < y < 54  # EPSG:25832 (560 km E, 5930 km N) is near Hamburg


def test_duplicate_unit_version_is_refused_and_nothing_written(q_store: Store) -> None:
    before = len(q_store.unit_versions("q"))
    with pytest.raises(ValidityOverlap):
        q_store.add_unit_versions(
            _units("q", [("z", D(2015, 1, 1), None, _box(5)), ("b", D(2015, 1, 1), None, _box(1))])
        )
    assert len(q_store.unit_versions("q")) == before


def test_close_unit_versions_only_touches_open_ones(q_store: Store) -> None:
    assert q_store.close_unit_versions("q", ["a", "b"], D(2023, 12, 31)) == 1  # a is closed already
    b = q_store.unit_versions("q", unit_ids=["b"], geometry=False)
    assert b["valid_to"].iloc[0] == D(2023, 12, 31)
    assert q_store.unit_versions("q", unit_ids=["a"], geometry=False)["valid_to"].iloc[0] == D(2020, 12, 31)


def test_project_bounds_cover_all_units(q_store: Store) -> None:
    assert q_store.project_bounds() == pytest.approx((X0, Y0, X0 + 2000, Y0 + 1000))


def test_indicators_round_trip(q_store: Store) -> None:
    meta = IndicatorMeta(
        id="share",
        title_de="Anteil",
        title_en="Share",
        kind="share",
        aggregation={"method": "ratio", "numerator": "pop", "denominator": "pop2", "scale": 100},
        tags=("x", "y"),
        topic="t",
    )
    q_store.put_indicator(meta)
    assert q_store.get_indicator("share") == meta
    assert {m.id for m in q_store.list_indicators()} == {"pop", "share"}
    with pytest.raises(UnknownIndicator):
        q_store.get_indicator("nope")


def _write(store: Store, import_id: str, rows: list[tuple[str, str, D, D, float | None, str]]) -> tuple[int, int]:
    """Stage, check, then finish and record in one transaction (the ValueWriter protocol)."""
    writer = store.value_writer(import_id)
    assert isinstance(writer, ValueWriter)
    try:
        writer.add(_batch(rows))
        total, dups = writer.duplicates()
        assert total == 0, dups
        with store.transaction():
            result = writer.finish()
            store.record_import(ImportRecord(import_id, "values", "t.csv", "", NOW, NOW, len(rows), *result))
        return result
    finally:
        writer.discard()


NOW = dt.datetime(2026, 11, 22, 12, 0)


def test_value_writer_replaces_same_keys(q_store: Store) -> None:
    y20, y21 = D(2020, 12, 31), D(2021, 12, 31)
    assert _write(
        q_store,
        "i1",
        [("pop", "a", D(2015, 1, 1), y20, 10.0, "ok"), ("pop", "b", D(2015, 1, 1), y20, None, "suppressed")],
    ) == (2, 0)
    assert _write(
        q_store, "i2", [("pop", "a", D(2015, 1, 1), y20, 11.0, "ok"), ("pop", "c", D(2021, 1, 1), y21, 5.0, "ok")]
    ) == (2, 1)
    values = q_store.read_values(["pop"], level_id="q")
    got = {(r.unit_id, r.date): (r.value, r.status) for r in values.itertuples()}
    assert got[("a", y20)] == (11.0, "ok")
    assert got[("b", y20)][1] == "suppressed" and np.isnan(got[("b", y20)][0])
    assert got[("c", y21)] == (5.0, "ok")
    assert len(values) == 3


def test_value_writer_reports_duplicates_with_rows(q_store: Store) -> None:
    y20 = D(2020, 12, 31)
    writer = q_store.value_writer("dup")
    try:
        writer.add(_batch([("pop", "a", D(2015, 1, 1), y20, 1.0, "ok"), ("pop", "b", D(2015, 1, 1), y20, 2.0, "ok")]))
        writer.add(_batch([("pop", "a", D(2015, 1, 1), y20, 3.0, "ok")], start_row=9))
        total, dups = writer.duplicates()
        assert total == 1
        assert (dups[0].unit_id, dups[0].rows) == ("a", (2, 9))
    finally:
        writer.discard()
    assert q_store.read_values(all_versions=True).empty


def test_staging_is_outside_and_finishing_inside_a_transaction(q_store: Store) -> None:
    writer = q_store.value_writer("x")
    try:
        with pytest.raises(StoreError), q_store.transaction():
            writer.add(_batch([("pop", "a", D(2015, 1, 1), D(2020, 12, 31), 1.0, "ok")]))
        writer.add(_batch([("pop", "a", D(2015, 1, 1), D(2020, 12, 31), 1.0, "ok")]))
        assert q_store.read_values(all_versions=True).empty  # staged values are invisible
        with pytest.raises(StoreError):
            writer.finish()
    finally:
        writer.discard()


def test_values_appear_only_with_their_import_record(q_store: Store) -> None:
    writer = q_store.value_writer("late")
    try:
        writer.add(_batch([("pop", "a", D(2015, 1, 1), D(2020, 12, 31), 1.0, "ok")]))
        with q_store.transaction():
            writer.finish()
            assert q_store.read_values(all_versions=True).empty  # not yet recorded
            q_store.record_import(ImportRecord("late", "values", "t.csv", "", NOW, NOW, 1, 1, 0))
            assert len(q_store.read_values(all_versions=True)) == 1
    finally:
        writer.discard()
    assert len(q_store.read_values(all_versions=True)) == 1


def test_failed_transaction_leaves_nothing(q_store: Store) -> None:
    before = len(q_store.read_values(all_versions=True))
    writer = q_store.value_writer("boom")
    try:
        writer.add(_batch([("pop", "a", D(2015, 1, 1), D(2020, 12, 31), 1.0, "ok")]))
        with pytest.raises(RuntimeError), q_store.transaction():
            writer.finish()
            q_store.record_import(ImportRecord("boom", "values", "t.csv", "", NOW, NOW, 1, 1, 0))
            q_store.put_indicator(IndicatorMeta(id="ghost", title_de="G", title_en="G"))
            raise RuntimeError("simulated failure")
    finally:
        writer.discard()
    assert len(q_store.read_values(all_versions=True)) == before
    assert q_store.list_imports() == []
    with pytest.raises(UnknownIndicator):
        q_store.get_indicator("ghost")


def test_inner_failure_rolls_back_the_outer_transaction(q_store: Store) -> None:
    with pytest.raises(StoreError), q_store.transaction():
        q_store.put_indicator(IndicatorMeta(id="ghost", title_de="G", title_en="G"))
        try:
            with q_store.transaction():
                raise ValueError("inner")
        except ValueError:
            pass
    with pytest.raises(UnknownIndicator):
        q_store.get_indicator("ghost")


def test_natural_series_versus_gebietsstand(q_store: Store) -> None:
    y20 = D(2020, 12, 31)
    # observed: a on 2020-12-31 (its own version); estimated: c and d re-expressed for 2020-12-31
    _write(q_store, "obs", [("pop", "a", D(2015, 1, 1), y20, 10.0, "ok"), ("pop", "b", D(2015, 1, 1), y20, 7.0, "ok")])
    _write(
        q_store,
        "cw",
        [("pop", "c", D(2021, 1, 1), y20, 4.0, "estimated"), ("pop", "d", D(2021, 1, 1), y20, 6.0, "estimated")],
    )
    natural = q_store.read_values(["pop"], level_id="q")
    assert sorted(natural["unit_id"]) == ["a", "b"]
    as_2021 = q_store.read_values(["pop"], level_id="q", as_of=D(2021, 1, 1))
    assert sorted(as_2021["unit_id"]) == ["b", "c", "d"]
    assert as_2021["value"].sum() == natural["value"].sum()
    assert len(q_store.read_values(["pop"], all_versions=True)) == 4
    assert list(q_store.read_values(["pop"], unit_ids=["b"])["unit_id"]) == ["b"]
    assert len(q_store.read_values(["pop"], dates=[D(2019, 12, 31)])) == 0
    summary = q_store.value_summary()
    row = summary[summary["indicator_id"] == "pop"].iloc[0]
    assert (row["first_date"], row["values"]) == (y20, 4)


def test_georesources_and_assignment(q_store: Store) -> None:
    meta = GeoresourceMeta(id="kitas", title_de="Kitas", title_en="Day care")
    q_store.put_georesource(meta)
    on_border = shapely.Point(X0 + 1000, Y0 + 500)  # on the shared edge of a and b (and d and b)
    inside_c = shapely.Point(X0 + 100, Y0 + 100)
    feats = gpd.GeoDataFrame(
        {
            "georesource_id": "kitas",
            "feature_id": ["k1", "k2"],
            "valid_from": [D(2015, 1, 1), D(2022, 1, 1)],
            "valid_to": [None, None],
            "name": ["K1", "K2"],
            "attributes": [{"places": 40}, {}],
        },
        geometry=[on_border, inside_c],
        crs="EPSG:25832",
    )
    with q_store.transaction():
        q_store.add_features(feats)
        n = q_store.assign_features("kitas")
    assigned = q_store.feature_units("kitas", "q")

    def units_on(feature: str, day: D) -> list[str]:
        rows = assigned[assigned["feature_id"] == feature]
        live = [
            r.unit_id for r in rows.itertuples() if r.valid_from <= day and (r.valid_to is None or day <= r.valid_to)
        ]
        return sorted(live)

    # k1 lies on the boundary a|b until 2020 and b|d from 2021: exactly one unit on every day
    assert units_on("k1", D(2016, 6, 30)) == ["a"]
    assert units_on("k1", D(2020, 12, 31)) == ["a"]
    assert units_on("k1", D(2021, 1, 1)) == ["b"]
    assert units_on("k1", D(2030, 1, 1)) == ["b"]
    # k2 opened 2022 inside c: unit a (until 2020) covers the spot but is not valid then
    assert units_on("k2", D(2021, 6, 1)) == []
    assert units_on("k2", D(2022, 1, 1)) == ["c"]
    assert n == len(assigned)
    assert q_store.features("kitas", at=D(2016, 1, 1))["feature_id"].tolist() == ["k1"]
    assert q_store.features("kitas")["attributes"].iloc[0] == {"places": 40}
    assert q_store.close_features("kitas", D(2024, 1, 1)) == 2
    assert q_store.features("kitas", at=D(2025, 1, 1)).empty
    assert q_store.delete_features("kitas") == 2
    assert q_store.feature_units("kitas", "q").empty
    with pytest.raises(UnknownGeoresource):
        q_store.features("nope")


def test_crosswalks_round_trip(q_store: Store) -> None:
    import pandas as pd

    weights = pd.DataFrame(
        {
            "from_unit": ["a", "a"],
            "from_valid_from": [D(2015, 1, 1)] * 2,
            "to_unit": ["c", "d"],
            "to_valid_from": [D(2021, 1, 1)] * 2,
            "weight": [0.5, 0.5],
            "overlap_area": [5e5, 5e5],
            "population": [np.nan, np.nan],
            "basis": ["area", "area"],
        }
    )
    info = CrosswalkInfo("cw", "q", D(2015, 1, 1), "q", D(2021, 1, 1), "area", from_until=D(2020, 12, 31))
    q_store.put_crosswalk(info, weights)
    q_store.put_crosswalk(info, weights)  # replacing is allowed
    (listed,) = q_store.list_crosswalks()
    assert (listed.id, listed.pairs, listed.from_until) == ("cw", 2, D(2020, 12, 31))
    _, got = q_store.get_crosswalk("cw")
    assert list(got["to_unit"]) == ["c", "d"] and got["weight"].sum() == pytest.approx(1.0)
    assert got["from_valid_from"].iloc[0] == D(2015, 1, 1)
    with pytest.raises(UnknownCrosswalk):
        q_store.get_crosswalk("nope")


def test_imports_and_meta(store: Store) -> None:
    now = NOW
    store.record_import(ImportRecord("i1", "values", "a.csv", "ab", now, now, 10, 9, 1, {"x": 1}, {"y": 2}))
    store.record_import(ImportRecord("i2", "units", "b.shp", "cd", now, now + dt.timedelta(1), 5, 5))
    assert [r.id for r in store.list_imports()] == ["i2", "i1"]
    assert store.list_imports()[1].options == {"x": 1}
    assert store.get_meta("k") is None
    store.set_meta("k", "v1")
    store.set_meta("k", "v2")
    assert store.get_meta("k") == "v2"
    assert store.info()["counts"]["imports"] == 2


def test_value_summary_lists_observations_only(q_store: Store) -> None:
    """Projected scenarios do not move an indicator's latest date (the atlas's default)."""
    y20, y30 = D(2020, 12, 31), D(2030, 12, 31)
    _write(q_store, "obs", [("pop", "b", D(2015, 1, 1), y20, 7.0, "ok")])
    batch = _batch([("pop", "b", D(2015, 1, 1), y30, 9.0, "projected")])
    batch = batch.set_column(5, "scenario", pa.array(["medium"]))
    writer = q_store.value_writer("proj")
    try:
        writer.add(batch)
        with q_store.transaction():
            result = writer.finish()
            q_store.record_import(ImportRecord("proj", "projection", "run", "", NOW, NOW, 1, *result))
    finally:
        writer.discard()
    assert len(q_store.read_values(["pop"], dates=[y30], scenario="medium")) == 1
    row = q_store.value_summary().query("indicator_id == 'pop'").iloc[0]
    assert (row["last_date"], row["values"], row["dates"]) == (y20, 1, 1)
