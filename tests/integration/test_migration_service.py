"""Migration services on a real DuckDB file: the town plus a register extract counted by hand."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import shapely
from tests.migration_cases import EXPECTED_2022, EXPECTED_OD_2022, build_store_file

from ortswissen.errors import ConfigurationError, InvalidInput, NotFound, UnknownLevel, UnknownUnit
from ortswissen.ports import Store
from ortswissen.services import migration
from ortswissen.services.register import derive_register_values
from ortswissen.storage import open_store
from ortswissen.testing import synthetic_municipality

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def db_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_store_file(tmp_path_factory.mktemp("migration") / "town.duckdb")


@pytest.fixture(scope="module")
def store(db_file: Path) -> Iterator[Store]:
    s = open_store(str(db_file), read_only=True)
    yield s
    s.close()


def test_summary_matches_the_hand_count(store: Store) -> None:
    result = migration.summary(store, "quartier", 2022)
    assert result["synthetic"] is True and result["year"] == 2022
    rows = {r["unit_id"]: r for r in result["rows"]}
    assert len(rows) == 16  # every quarter valid in 2022, moves or not
    cols = ("moves_in", "moves_out", "internal_in", "internal_out", "within", "net")
    for unit, expected in EXPECTED_2022.items():
        assert tuple(rows[unit][c] for c in cols) == expected, unit
    assert tuple(rows["0404"][c] for c in cols) == (0,) * 6
    assert rows["0101"]["name"] == "Altstadt 1"
    total = result["total"]
    assert (total["moves_in"], total["moves_out"], total["internal"], total["within"], total["net"]) == (7, 4, 6, 2, 3)


def test_rates_use_the_mean_population_of_the_year(store: Store) -> None:
    town = synthetic_municipality(seed=0)
    mean = (town.quarter_values(2021)["0101"] + town.quarter_values(2022)["0101"]) / 2
    row = next(r for r in migration.summary(store, "quartier", 2022)["rows"] if r["unit_id"] == "0101")
    assert row["population"] == pytest.approx(mean)
    assert row["net_rate"] == pytest.approx(round(1000 * 3 / mean, 2))
    assert row["turnover_rate"] == pytest.approx(round(1000 * 13 / mean, 2))


def test_population_prefers_the_register_once_derived(db_file: Path, tmp_path: Path) -> None:
    path = tmp_path / "derived.duckdb"
    shutil.copy(db_file, path)
    store = open_store(str(path))
    try:
        derive_register_values(store, levels=["quartier"])
        result = migration.summary(store, "quartier", 2022)
    finally:
        store.close()
    assert result["population_source"] == "reg_residents"
    rows = {r["unit_id"]: r for r in result["rows"]}
    # only 31 Dec 2022 lies in the period: 0101 then holds p5, p6, p8–p10, n1–n6, p11 and p19
    assert rows["0101"]["population"] == 13
    assert rows["0201"]["net_rate"] is None  # nobody left there: no rate


def test_od_matrix_and_its_filters(store: Store) -> None:
    result = migration.od(store, "quartier", 2022)
    assert {(f["origin"], f["destination"]): f["count"] for f in result["flows"]} == EXPECTED_OD_2022
    assert {"unit_id": "0307", "name": "Südstadt Mitte"} in result["units"]
    both = migration.od(store, "quartier", 2022, year_to=2023)
    assert sum(f["count"] for f in both["flows"]) == sum(EXPECTED_OD_2022.values()) + 1
    students = migration.od(store, "quartier", 2022, age_group="bildungswanderer")
    assert [(f["origin"], f["destination"], f["count"]) for f in students["flows"]] == [("outside", "0101", 6)]
    seniors = migration.od(store, "quartier", 2023, age_group="senioren")
    assert [(f["origin"], f["destination"], f["count"]) for f in seniors["flows"]] == [("0102", "0201", 1)]


def test_od_on_an_upper_level(store: Store) -> None:
    result = migration.od(store, "bezirk", 2022)
    pairs = {(f["origin"], f["destination"]): f["count"] for f in result["flows"]}
    # quarters 0101 and 0102 lie in district 01, 0201 in 02
    assert pairs == {("outside", "01"): 7, ("01", "01"): 7, ("02", "outside"): 3, ("02", "01"): 1, ("01", "outside"): 1}


def test_suppression_hides_counts_of_one_and_two(store: Store) -> None:
    flows = migration.od(store, "quartier", 2022, suppress_below=3)["flows"]
    shown = {(f["origin"], f["destination"]): f["count"] for f in flows}
    assert shown[("outside", "0101")] == 6 and shown[("0201", "outside")] == 3
    assert shown[("0101", "0101")] is None and shown[("0102", "0101")] is None
    assert all(f["suppressed"] == (["count"] if f["count"] is None else []) for f in flows)
    rows = {r["unit_id"]: r for r in migration.summary(store, "quartier", 2022, suppress_below=3)["rows"]}
    assert rows["0101"]["moves_out"] is None and rows["0101"]["net"] is None and rows["0101"]["moves_in"] == 6
    assert "net_rate" in rows["0101"]["suppressed"]
    assert rows["0404"]["net"] == 0 and rows["0404"]["suppressed"] == []


def test_dense_od_table(store: Store) -> None:
    table = migration.od_table(store, "quartier", 2022).set_index("von \\ nach / from \\ to")
    assert table.loc["0101", "0102"] == 4 and table.loc["outside", "0101"] == 6
    assert table.loc["total", "total"] == sum(EXPECTED_OD_2022.values())
    assert table.loc["0101", "name"] == "Altstadt 1"
    assert len(table) == 16 + 2  # units, outside, total


def test_net_by_age_of_a_unit_and_the_city(store: Store) -> None:
    unit = migration.by_age(store, "quartier", 2022, unit="0101")
    groups = {g["group"]: g for g in unit["groups"]}
    assert (groups["bildungswanderer"]["moves_in"], groups["bildungswanderer"]["net"]) == (6, 6)
    fam = groups["familienwanderer"]
    assert (fam["moves_in"], fam["moves_out"], fam["net"]) == (0, 5, -5)
    # ten residents aged 31 on 1 Jan 2022, five left by 31 Dec: mean 7.5
    assert fam["population"] == 7.5 and fam["rate_per_1000"] == pytest.approx(-666.67)
    assert (groups["senioren"]["moves_in"], groups["kinder"]["moves_in"]) == (1, 1)
    assert (fam["from"], fam["to"], fam["label_de"]) == (30, 45, "Familienwanderer (30–44)")
    assert unit["total"]["net"] == 3
    city = {g["group"]: g["net"] for g in migration.by_age(store, "quartier", 2022)["groups"]}
    assert city == {
        "kinder": -3,
        "jugendliche": 0,
        "bildungswanderer": 6,
        "berufseinsteiger": 1,
        "familienwanderer": -1,
        "lebensmitte": 0,
        "senioren": 0,
    }


def test_flow_lines_are_wgs84_linestrings(store: Store) -> None:
    data = migration.flows(store, "quartier", 2022, min_count=1)
    assert data["type"] == "FeatureCollection"
    props = [(f["properties"]["origin"], f["properties"]["destination"]) for f in data["features"]]
    assert props == [("0101", "0102"), ("0201", "0101")]
    first = data["features"][0]
    assert (first["properties"]["count"], first["properties"]["reverse_count"], first["properties"]["net"]) == (4, 1, 3)
    line = shapely.geometry.shape(first["geometry"])
    assert line.geom_type == "LineString"
    units = store.unit_versions("quartier", at=dt.date(2022, 12, 31), wgs84=True).set_index("unit_id")
    assert units.loc["0101", "geometry"].contains(shapely.Point(line.coords[0]))
    assert units.loc["0102", "geometry"].contains(shapely.Point(line.coords[-1]))
    assert [f["properties"]["origin"] for f in migration.flows(store, "quartier", 2022, min_count=5)["features"]] == [
        "0101"
    ]
    hidden = migration.flows(store, "quartier", 2022, min_count=1, suppress_below=3)["features"][0]["properties"]
    assert (hidden["count"], hidden["reverse_count"], hidden["net"]) == (4, None, None)


def test_bad_requests(store: Store, town_store: Store) -> None:
    with pytest.raises(UnknownLevel):
        migration.summary(store, "nowhere", 2022)
    with pytest.raises(NotFound, match="no migration figures for 2021") as info:
        migration.summary(store, "quartier", 2021)
    assert info.value.available == ["2022", "2023"]
    with pytest.raises(NotFound, match="2024"):
        migration.od(store, "quartier", 2023, year_to=2024)
    with pytest.raises(InvalidInput, match="backwards"):
        migration.od(store, "quartier", 2023, year_to=2022)
    with pytest.raises(UnknownUnit, match="'0104'"):  # ended in 2020
        migration.by_age(store, "quartier", 2022, unit="0104")
    with pytest.raises(InvalidInput, match="unknown age group"):
        migration.flows(store, "quartier", 2022, age_group="students")
    with pytest.raises(NotFound, match="no register extract"):
        migration.summary(town_store, "quartier", 2022)
    with pytest.raises(ConfigurationError, match="cannot keep register"):
        migration.summary(synthetic_municipality(seed=0).load(open_store("memory://")), "quartier", 2022)
