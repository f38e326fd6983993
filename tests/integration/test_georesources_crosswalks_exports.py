"""Georesource imports, crosswalk computation and application, and exports on a DuckDB file.

The synthetic town's quarter values are the block residents allocated by area, so the
``population`` crosswalk computed from the same year's blocks must reproduce the true values
of the new quarters, and every method must keep the city total exactly.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import openpyxl
import pytest
import shapely

from ortswissen.errors import DefinitionError, ImportRejected, InvalidInput
from ortswissen.georesources import GeoresourceMeta
from ortswissen.ports import Store
from ortswissen.services.crosswalks import CrosswalkSpec, apply_crosswalk, compute_crosswalk
from ortswissen.services.exports import export_features, export_units, export_values
from ortswissen.services.georesources import PointSpec, import_georesources
from ortswissen.testing import SyntheticMunicipality

D = dt.date
X0, Y0 = 534_000.0, 5_684_000.0
SCHOOLS = GeoresourceMeta(id="schulen", title_de="Schulen", title_en="Schools")


def csv_spec(**extra: Any) -> PointSpec:
    base = {
        "georesource": SCHOOLS,
        "id_column": "nr",
        "name_column": "name",
        "x_column": "x",
        "y_column": "y",
        "crs": "EPSG:25832",
        "valid_from": D(2020, 8, 1),
        "numeric_columns": ["schueler"],
        "dialect": {"delimiter": ";"},
    }
    return PointSpec(**(base | extra))


def write(tmp_path: Path, text: str, name: str = "schulen.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_points_from_csv_with_german_decimals_are_assigned_to_units(town_store: Store, tmp_path: Path) -> None:
    text = (
        f"nr;name;x;y;schueler\n"
        f"S1;Grundschule Mitte;{X0 + 500:.1f};{Y0 + 500:.1f};412\n"
        f"S2;Gymnasium West;{X0 + 4500:.1f};{Y0 + 500:.1f};1.050\n"
    ).replace(".", ",")
    text = text.replace("1,050", "1.050")
    report = import_georesources(town_store, write(tmp_path, text), csv_spec())
    assert report.ok and report.counts["written"] == 2
    feats = town_store.features("schulen")
    assert dict(zip(feats["feature_id"], [a["schueler"] for a in feats["attributes"]], strict=True)) == {
        "S1": 412,
        "S2": 1050,
    }
    quarter = town_store.feature_units("schulen", "quartier")
    assert dict(zip(quarter["feature_id"], quarter["unit_id"], strict=True)) == {"S1": "0101", "S2": "0201"}
    assert set(town_store.feature_units("schulen", "bezirk")["unit_id"]) == {"01", "02"}


def test_bad_coordinates_are_reported_with_row_and_column(town_store: Store, tmp_path: Path) -> None:
    text = f"nr;name;x;y;schueler\nS1;A;{X0 + 500:.0f};{Y0 + 500:.0f};1\nS2;B;{X0 + 700:.0f};nördlich;1\n"
    with pytest.raises(ImportRejected) as info:
        import_georesources(town_store, write(tmp_path, text), csv_spec())
    issue = info.value.report.errors[0]
    assert (issue.row, issue.column, issue.value) == (3, "y", "nördlich")
    with pytest.raises(Exception):  # noqa: B017 - any error type: the georesource must not exist
        town_store.get_georesource("schulen")


def test_table_coordinates_need_a_crs(town_store: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "nr;name;x;y;schueler\nS1;A;1;2;3\n")
    with pytest.raises(ImportRejected) as info:
        import_georesources(town_store, path, csv_spec(crs=None))
    assert info.value.report.errors[0].code == "crs"


def test_lon_lat_far_from_the_project_are_rejected(town_store: Store, tmp_path: Path) -> None:
    # WGS84 coordinates of Berlin, but the town lies in Hesse
    path = write(tmp_path, "nr;name;x;y;schueler\nS1;A;13,4;52,5;3\n")
    with pytest.raises(ImportRejected) as info:
        import_georesources(town_store, path, csv_spec(crs="EPSG:4326"))
    assert "outside the project area" in info.value.report.errors[0].message


def test_duplicate_feature_ids(town_store: Store, tmp_path: Path) -> None:
    path = write(
        tmp_path, f"nr;name;x;y;schueler\nS1;A;{X0 + 1:.0f};{Y0 + 1:.0f};1\nS1;B;{X0 + 2:.0f};{Y0 + 2:.0f};1\n"
    )
    with pytest.raises(ImportRejected) as info:
        import_georesources(town_store, path, csv_spec())
    assert [(i.code, i.row) for i in info.value.report.errors] == [("duplicate-id", 3)]


def test_snapshots_close_or_replace_earlier_features(town_store: Store, tmp_path: Path) -> None:
    one = write(tmp_path, f"nr;name;x;y;schueler\nS1;A;{X0 + 500:.0f};{Y0 + 500:.0f};1\n", "a.csv")
    import_georesources(town_store, one, csv_spec())
    with pytest.raises(ImportRejected):  # the same feature again, open-ended: overlap
        import_georesources(town_store, one, csv_spec(valid_from=D(2023, 8, 1)))
    report = import_georesources(town_store, one, csv_spec(valid_from=D(2023, 8, 1), close_previous=True))
    assert report.counts["closed"] == 1
    assert len(town_store.features("schulen")) == 2
    assert len(town_store.features("schulen", at=D(2022, 1, 1))) == 1
    report = import_georesources(town_store, one, csv_spec(replace=True))
    assert report.counts["removed"] == 2 and len(town_store.features("schulen")) == 1


def test_points_from_a_geodata_file(town_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "stops.geojson"
    gpd.GeoDataFrame(
        {"id": ["h1", "h2"], "name": ["Markt", "Bahnhof"]},
        geometry=[shapely.Point(X0 + 100, Y0 + 100), shapely.Point(X0 + 7900, Y0 + 7900)],
        crs="EPSG:25832",
    ).to_crs(4326).to_file(path)
    meta = GeoresourceMeta(id="halte", title_de="Haltestellen", title_en="Stops")
    report = import_georesources(town_store, path, PointSpec(georesource=meta, id_column="id", name_column="name"))
    assert report.ok
    got = town_store.features("halte")
    assert got.geometry.iloc[0].distance(shapely.Point(X0 + 100, Y0 + 100)) < 0.01


# -- crosswalks --------------------------------------------------------------------------------------------------


def _spec(method: str, **extra: Any) -> CrosswalkSpec:
    weights = (
        {}
        if method == "area"
        else {"weights_level": "block", "weights_indicator": "block_residents", "weights_date": D(2020, 12, 31)}
    )
    return CrosswalkSpec(
        id=f"q_{method.replace('-', '_')}",
        from_level="quartier",
        from_date=D(2015, 1, 1),
        from_until=D(2020, 12, 31),
        to_level="quartier",
        to_date=D(2021, 1, 1),
        method=method,
        **weights,
        **extra,
    )


@pytest.mark.parametrize("method", ["area", "population", "block-sum"])
def test_every_method_keeps_the_totals(town_store: Store, method: str) -> None:
    result = compute_crosswalk(town_store, _spec(method, within_level="bezirk"))
    assert result.weights.groupby(["from_unit", "from_valid_from"])["weight"].sum().round(12).eq(1).all()
    out = apply_crosswalk(town_store, result.info.id, ["residents"], integer=True, write=False)
    natural = town_store.read_values(["residents"], level_id="quartier")
    for day in sorted(set(natural["date"]) & {D(2018, 12, 31), D(2019, 12, 31), D(2020, 12, 31)}):
        assert out.loc[out["date"] == day, "value"].sum() == natural.loc[natural["date"] == day, "value"].sum()
    assert (out["value"] == out["value"].round()).all()


def test_population_weights_reproduce_the_truth(town_store: Store, town: SyntheticMunicipality) -> None:
    compute_crosswalk(town_store, _spec("population"))
    out = apply_crosswalk(town_store, "q_population", ["residents"], write=False)
    got = out[out["date"] == D(2020, 12, 31)].set_index("unit_id")["value"]
    # truth: the 2020 block residents allocated by area to the new quarters 0105 and 0106
    new = dict(zip(town.quarters_new["id"], town.quarters_new.geometry, strict=True))
    for unit in ("0105", "0106"):
        truth = sum(
            pop * shapely.area(shapely.intersection(b, new[unit])) / b.area
            for b, pop in zip(town.blocks.geometry, town.block_residents[2020], strict=True)
        )
        # the stored source value is the truth rounded to whole persons: the estimate is within one person
        assert abs(got[unit] - truth) < 1.0
    area = compute_crosswalk(town_store, _spec("area"))
    # area weights follow geometry only: 1.3 km of the 2 km wide quarter lie in 0105
    assert area.weights.set_index("to_unit").loc["0105", "weight"] == pytest.approx(0.65)
    pop = compute_crosswalk(town_store, _spec("population"))
    assert abs(pop.weights.set_index("to_unit").loc["0105", "weight"] - 0.65) > 0.01  # residents are not uniform


def test_applied_values_are_read_on_the_new_gebietsstand(town_store: Store) -> None:
    compute_crosswalk(town_store, _spec("population"))
    apply_crosswalk(town_store, "q_population", ["residents"], integer=True)
    as_2021 = town_store.read_values(["residents"], level_id="quartier", as_of=D(2021, 1, 1))
    assert set(as_2021["unit_id"]) >= {"0105", "0106", "0307"} and "0104" not in set(as_2021["unit_id"])
    early = as_2021[as_2021["date"] == D(2018, 12, 31)]
    assert len(early) == 16 and set(early.loc[early["unit_id"] == "0307", "status"]) == {"estimated"}
    natural = town_store.read_values(["residents"], level_id="quartier", dates=[D(2018, 12, 31)])
    assert early["value"].sum() == natural["value"].sum()
    assert town_store.list_imports()[0].kind == "crosswalk"


def test_only_summable_indicators_are_reexpressed(town_store: Store) -> None:
    from ortswissen.indicators import IndicatorMeta

    town_store.put_indicator(
        IndicatorMeta(
            id="share_u6",
            title_de="Anteil",
            title_en="Share",
            kind="share",
            aggregation={"method": "ratio", "numerator": "residents_under_6", "denominator": "residents"},
        )
    )
    compute_crosswalk(town_store, _spec("area"))
    with pytest.raises(DefinitionError, match="only summable"):
        apply_crosswalk(town_store, "q_area", ["share_u6"])


def test_population_method_needs_block_values(town_store: Store) -> None:
    bad = _spec("population").model_copy(update={"weights_date": D(2011, 12, 31)})
    with pytest.raises(InvalidInput, match="no values"):
        compute_crosswalk(town_store, bad)


# -- exports ---------------------------------------------------------------------------------------------------


def test_export_values_in_every_format(town_store: Store, tmp_path: Path) -> None:
    day = [D(2023, 12, 31)]
    assert export_values(town_store, tmp_path / "w.csv", level="quartier", dates=day) == 16
    lines = (tmp_path / "w.csv").read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].split(";")[:4] == ["unit_id", "name", "unit_valid_from", "date"]
    assert any(line.startswith("0101;") for line in lines)
    export_values(town_store, tmp_path / "w_en.csv", level="quartier", dates=day, german=False)
    assert (tmp_path / "w_en.csv").read_text(encoding="utf-8").splitlines()[0].count(",") > 3
    export_values(town_store, tmp_path / "w.xlsx", level="quartier", dates=day)
    ws = openpyxl.load_workbook(tmp_path / "w.xlsx").active
    header = [c.value for c in ws[1]]
    first = {h: c.value for h, c in zip(header, ws[2], strict=True)}
    assert isinstance(first["residents"], float | int) and first["unit_id"] == "0101"
    n = export_values(town_store, tmp_path / "w.geojson", level="quartier", dates=day)
    data = json.loads((tmp_path / "w.geojson").read_text(encoding="utf-8"))
    assert n == len(data["features"]) == 16
    lon, lat = data["features"][0]["geometry"]["coordinates"][0][0]
    assert 8 < lon < 10 and 51 < lat < 52
    export_values(town_store, tmp_path / "w.gpkg", level="quartier", dates=day)
    back = gpd.read_file(tmp_path / "w.gpkg")
    assert back.crs.to_epsg() == 25832 and len(back) == 16
    long = export_values(town_store, tmp_path / "long.csv", level="quartier", layout="long")
    assert long == len(town_store.read_values(level_id="quartier"))


def test_export_units_and_features(town_store: Store, tmp_path: Path) -> None:
    assert export_units(town_store, "quartier", tmp_path / "q.gpkg", at=D(2020, 6, 30)) == 16
    assert export_units(town_store, "block", tmp_path / "b.csv") == 64
    assert "wkt" in (tmp_path / "b.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    assert export_features(town_store, "kitas", tmp_path / "k.geojson", at=D(2023, 1, 1)) == 11
    with pytest.raises(InvalidInput):
        export_values(town_store, tmp_path / "x.csv", level="quartier", indicators=["nope"])
