"""Unit imports into a real DuckDB file: formats, CRS handling and bad boundaries.

Formats: GeoJSON (WGS84), GeoPackage and Shapefile (EPSG:25832), GeoParquet (EPSG:3035).
Bad inputs: invalid and self-intersecting geometries, missing or wrong CRS, a unit whose
parent does not cover it, overlapping validity periods, duplicate ids, missing parts.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
import shapely

from ortswissen.errors import ImportRejected
from ortswissen.ports import Store
from ortswissen.reports import ImportReport
from ortswissen.services.units import UnitSpec, import_units
from ortswissen.services.values import ImportOptions
from ortswissen.storage import open_store
from ortswissen.testing import SyntheticMunicipality
from ortswissen.units import Level

D = dt.date
X0, Y0 = 534_000.0, 5_684_000.0  # south-west corner of the synthetic town (EPSG:25832)


def fingerprint(store: Store) -> tuple[Any, ...]:
    units = store.unit_versions("quartier", geometry=False)
    return (tuple(store.info()["counts"].items()), tuple(zip(units["unit_id"], units["valid_to"], strict=True)))


def rejected(store: Store, path: Path, spec: UnitSpec, **options: Any) -> ImportReport:
    before = fingerprint(store)
    with pytest.raises(ImportRejected) as info:
        import_units(store, path, spec, options=ImportOptions(**options))
    assert fingerprint(store) == before, "a rejected import changed the store"
    return info.value.report


def codes(report: ImportReport) -> set[str]:
    return report.codes("error")


def quarters(rows: list[tuple[str, shapely.Geometry]], crs: str = "EPSG:25832") -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"id": [r[0] for r in rows], "name": [f"Q {r[0]}" for r in rows]}, geometry=[r[1] for r in rows], crs=crs
    )


def box(x: float, y: float, w: float, h: float) -> shapely.Geometry:
    return shapely.box(X0 + x, Y0 + y, X0 + x + w, Y0 + y + h)


NEW = UnitSpec(level="quartier", id_column="id", name_column="name", parent_prefix=2, valid_from=D(2024, 1, 1))


def test_every_format_lands_in_the_project_crs(
    tmp_path: Path, town: SyntheticMunicipality, town_files: dict[str, Path]
) -> None:
    store = open_store(str(tmp_path / "s.duckdb"), create=True)
    for level in town.levels:
        store.put_level(level)
    start = D(2015, 1, 1)
    import_units(
        store,
        town_files["city"],
        UnitSpec(level="stadt", id_column="id", name_column="name", key_column="ags", valid_from=start),
    )
    import_units(
        store,
        town_files["districts"],
        UnitSpec(
            level="bezirk", id_column="id", name_column="name", parent_column="stadt", valid_from=start, layer="bezirke"
        ),
    )
    import_units(
        store,
        town_files["quarters_old"],
        UnitSpec(
            level="quartier",
            id_column="id",
            name_column="name",
            parent_prefix=2,
            valid_from_column="gueltig_ab",
            valid_to_column="gueltig_bi",
        ),
    )
    report = import_units(
        store,
        town_files["quarters_new"],
        UnitSpec(level="quartier", id_column="id", name_column="name", parent_prefix=2, valid_from=D(2021, 1, 1)),
    )
    assert report.details["crs"] == "EPSG:3035"
    stored = store.unit_versions("quartier", at=D(2021, 6, 30))
    assert stored.crs.to_epsg() == 25832
    areas = dict(zip(stored["unit_id"], stored.geometry.area, strict=True))
    # the GeoParquet came in EPSG:3035: after transformation 0105 is 1.3 km x 2 km again (within 0.1 %)
    assert areas["0105"] == pytest.approx(1300 * 2000, rel=1e-3)
    assert areas["0307"] == pytest.approx(2 * 2000 * 2000, rel=1e-3)
    city = store.unit_versions("stadt", geometry=False)
    assert city["official_key"].tolist() == ["06699000"]
    assert store.unit_versions("bezirk", geometry=False)["parent_id"].tolist() == ["06699000"] * 4
    assert len(store.list_imports()) == 4 and all(len(r.sha256) == 64 for r in store.list_imports())


def test_invalid_geometry_is_rejected_then_repaired_on_request(town_store: Store, tmp_path: Path) -> None:
    bowtie = shapely.Polygon(
        [(X0 + 4100, Y0 + 100), (X0 + 4900, Y0 + 900), (X0 + 4900, Y0 + 100), (X0 + 4100, Y0 + 900)]
    )
    path = tmp_path / "q.gpkg"
    quarters([("0299", bowtie)]).to_file(path, driver="GPKG")
    report = rejected(town_store, path, NEW)
    (issue,) = [i for i in report.errors if i.code == "invalid-geometry"]
    assert issue.row == 1 and "Self-intersection" in issue.message and "0299" in issue.message
    report = import_units(town_store, path, NEW.model_copy(update={"repair": True}))
    assert "repaired-geometry" in report.codes("warning")
    stored = town_store.unit_versions("quartier", unit_ids=["0299"])
    assert stored.geometry.iloc[0].is_valid and stored.geometry.iloc[0].area == pytest.approx(2 * 0.5 * 800 * 400)


def test_missing_crs_is_an_error_until_declared(town_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "q.shp"
    quarters([("0299", box(4100, 100, 500, 500))]).to_file(path)
    path.with_suffix(".prj").unlink()
    report = rejected(town_store, path, NEW)
    assert "crs" in codes(report) and "--crs" in report.errors[0].message
    report = import_units(town_store, path, NEW.model_copy(update={"crs": "EPSG:25832"}))
    assert report.ok


def test_wrong_crs_is_detected(town_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "q.geojson"
    # UTM coordinates written into a GeoJSON file that (by RFC 7946) is WGS84
    quarters([("0299", box(4100, 100, 500, 500))]).set_crs(4326, allow_override=True).to_file(path)
    report = rejected(town_store, path, NEW)
    assert "projected" in report.errors[0].message
    # coordinates declared in the wrong UTM zone land far outside the project
    path2 = tmp_path / "q2.gpkg"
    quarters([("0299", box(4100, 100, 500, 500))]).set_crs(25833, allow_override=True).to_file(path2)
    assert "outside the project" in rejected(town_store, path2, NEW).errors[0].message


def test_declared_crs_must_match_the_file(town_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "q.gpkg"
    quarters([("0299", box(4100, 100, 500, 500))]).to_file(path)
    report = rejected(town_store, path, NEW.model_copy(update={"crs": "EPSG:25833"}))
    assert "declares EPSG:25832" in report.errors[0].message


def test_parent_must_cover_the_unit(town_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "q.gpkg"
    # filed under district 02 (x 4–8 km) but lying mostly in district 01 (x 0–4 km)
    quarters([("0299", box(3000, 100, 1500, 500))]).to_file(path)
    report = rejected(town_store, path, NEW)
    (issue,) = [i for i in report.errors if i.code == "parent-does-not-cover"]
    assert "66.7% of unit '0299' lies outside its parent '02'" in issue.message


def test_unknown_parent_and_parent_not_valid(town_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "q.gpkg"
    quarters([("0999", box(100, 100, 100, 100))]).to_file(path)
    assert "unknown-parent" in codes(rejected(town_store, path, NEW))
    early = NEW.model_copy(update={"valid_from": D(2010, 1, 1)})  # the districts start in 2015
    path2 = tmp_path / "q2.gpkg"
    quarters([("0299", box(4100, 100, 100, 100))]).to_file(path2)
    assert "parent-not-valid" in codes(rejected(town_store, path2, early))


def test_nested_level_needs_a_parent_rule(town_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "q.gpkg"
    quarters([("0299", box(4100, 100, 100, 100))]).to_file(path)
    spec = UnitSpec(level="quartier", id_column="id", valid_from=D(2024, 1, 1))
    assert "missing-parent" in codes(rejected(town_store, path, spec))


def test_overlapping_validity_is_refused_unless_replacing(
    town_store: Store, tmp_path: Path, town: SyntheticMunicipality
) -> None:
    path = tmp_path / "q.gpkg"
    town.quarters_new.to_file(path)  # 0105, 0106, 0307 — already stored from 2021
    report = rejected(town_store, path, NEW)
    overlapping = sorted(i.value for i in report.errors if i.code == "validity-overlap")
    assert overlapping == ["0105", "0106", "0307"]
    # as a complete new vintage the file replaces the current boundaries of the level
    report = import_units(town_store, path, NEW.model_copy(update={"close_previous": True, "vintage": "q2024"}))
    assert report.counts["closed"] == 16
    assert sorted(town_store.unit_versions("quartier", at=D(2024, 6, 30))["unit_id"]) == ["0105", "0106", "0307"]
    assert len(town_store.unit_versions("quartier", at=D(2023, 12, 31))) == 16


def test_duplicate_ids_with_overlapping_validity(town_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "q.gpkg"
    quarters([("0298", box(4100, 100, 100, 100)), ("0298", box(4300, 100, 100, 100))]).to_file(path)
    report = rejected(town_store, path, NEW)
    (issue,) = [i for i in report.errors if i.code == "duplicate-id"]
    assert (issue.row, issue.value) == (2, "0298") and "rows 1 and 2" in issue.message


def test_ids_checked_against_the_key_scheme(town_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "q.gpkg"
    frame = quarters([("299", box(4100, 100, 100, 100)), ("02991", box(4300, 100, 100, 100))])
    frame.to_file(path)
    report = rejected(town_store, path, NEW)
    assert [i.value for i in report.errors if i.code == "invalid-id"] == ["02991"]
    assert [i.value for i in report.warnings if i.code == "id-zero-padded"] == ["299"]


def test_shapefile_missing_a_part(town_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "q.shp"
    quarters([("0299", box(4100, 100, 100, 100))]).to_file(path)
    path.with_suffix(".dbf").unlink()
    report = rejected(town_store, path, NEW)
    assert ".dbf" in report.errors[0].message


def test_points_are_not_units(town_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "q.gpkg"
    quarters([("0299", shapely.Point(X0 + 4100, Y0 + 100))]).to_file(path)
    assert "wrong-geometry-type" in codes(rejected(town_store, path, NEW))


def test_unknown_level_and_missing_columns(town_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "q.gpkg"
    quarters([("0299", box(4100, 100, 100, 100))]).to_file(path)
    assert "unknown-level" in codes(rejected(town_store, path, NEW.model_copy(update={"level": "nowhere"})))
    report = rejected(town_store, path, NEW.model_copy(update={"name_column": "Bezeichnung"}))
    assert report.errors[0].column == "Bezeichnung" and "it has: id, name" in report.errors[0].message


def test_non_nested_level_takes_no_parent(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "s.duckdb"), create=True)
    store.put_level(Level("plz", "PLZ", "Postcode", key_width=5))
    path = tmp_path / "plz.geojson"
    gpd.GeoDataFrame(
        {"plz": [10115.0, 1067.0]}, geometry=[box(0, 0, 100, 100), box(200, 0, 100, 100)], crs="EPSG:25832"
    ).to_file(path)
    report = import_units(store, path, UnitSpec(level="plz", id_column="plz", valid_from=D(2024, 1, 1)))
    assert sorted(store.unit_versions("plz", geometry=False)["unit_id"]) == ["01067", "10115"]
    assert [w.value for w in report.warnings] == ["1067"]
