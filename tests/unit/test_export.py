"""Tests for ``ortswissen.io._export``: German/English CSV, formula protection, XLSX, GeoJSON and GeoPackage."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from openpyxl import load_workbook
from shapely.geometry import Point, Polygon

from ortswissen.errors import InvalidInput
from ortswissen.io._export import EXPORT_FORMATS, export_format, write_geo, write_table

BOM = b"\xef\xbb\xbf"


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "unit_id": ["01011101", "00012"],
            "wert": [2930.5, -12.25],
            "anzahl": [3, 4],
            "ganz": [2930.0, 0.0],
            "name": ["Straße", "Müller; Söhne"],
        }
    )


def _csv_rows(path: Path, encoding: str, delimiter: str) -> list[list[str]]:
    with path.open(encoding=encoding, newline="") as fh:
        return list(csv.reader(fh, delimiter=delimiter))


# -- export_format -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("a.csv", "csv"),
        ("a.CSV", "csv"),
        ("a.xlsx", "xlsx"),
        ("a.geojson", "geojson"),
        ("a.json", "geojson"),
        ("a.gpkg", "gpkg"),
        ("dir.with.dots/a.GPKG", "gpkg"),
    ],
)
def test_export_format_from_suffix(name: str, expected: str) -> None:
    assert export_format(name) == expected


def test_export_format_explicit_wins() -> None:
    assert export_format("a.txt", "csv") == "csv"
    assert export_format("a.csv", "xlsx") == "xlsx"


@pytest.mark.parametrize("name", ["a.txt", "a", "a.xls", "a.shp", "a.parquet"])
def test_export_format_unknown_suffix(name: str) -> None:
    with pytest.raises(InvalidInput, match="cannot tell the format"):
        export_format(name)


def test_export_format_unknown_explicit_format() -> None:
    with pytest.raises(InvalidInput, match="unknown export format"):
        export_format("a.csv", "pdf")


def test_export_formats_constant() -> None:
    assert set(EXPORT_FORMATS.values()) == {"csv", "xlsx", "geojson", "gpkg"}


# -- CSV -----------------------------------------------------------------------------------------


def test_german_csv(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    write_table(_frame(), path)
    raw = path.read_bytes()
    assert raw.startswith(BOM)
    assert raw.count(b"\r\n") == raw.count(b"\n")  # RFC 4180 rows: every line ends with CRLF
    text = raw[len(BOM) :].decode("utf-8")
    lines = text.splitlines()
    assert lines[0] == "unit_id;wert;anzahl;ganz;name"
    assert lines[1] == "01011101;2930,5;3;2930;Straße"
    # a value holding the delimiter is quoted, so the row keeps its five fields
    assert lines[2] == '00012;-12,25;4;0;"Müller; Söhne"'
    assert _csv_rows(path, "utf-8-sig", ";") == [
        ["unit_id", "wert", "anzahl", "ganz", "name"],
        ["01011101", "2930,5", "3", "2930", "Straße"],
        ["00012", "-12,25", "4", "0", "Müller; Söhne"],
    ]


def test_english_csv(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    write_table(_frame(), path, german=False)
    raw = path.read_bytes()
    assert not raw.startswith(BOM)
    assert _csv_rows(path, "utf-8", ",") == [
        ["unit_id", "wert", "anzahl", "ganz", "name"],
        ["01011101", "2930.5", "3", "2930", "Straße"],
        ["00012", "-12.25", "4", "0", "Müller; Söhne"],
    ]


def test_csv_docstring_example(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    write_table(pd.DataFrame({"id": ["01"], "wert": [2930.5], "name": ["=SUMME(A1)"]}), path)
    assert path.read_text(encoding="utf-8-sig").splitlines() == ["id;wert;name", "01;2930,5;'=SUMME(A1)"]


def test_csv_writes_creating_parent_folders(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "out.csv"
    write_table(_frame(), path)
    assert path.exists()


@pytest.mark.parametrize(
    ("value", "german", "english"),
    [
        (0.1, "0,1", "0.1"),
        (1234567.125, "1234567,125", "1234567.125"),
        (-0.5, "-0,5", "-0.5"),
        (1e20, "1e+20", "1e+20"),
    ],
    ids=["tenth", "large-with-decimals", "negative-half", "huge"],
)
def test_csv_float_formatting(tmp_path: Path, value: float, german: str, english: str) -> None:
    frame = pd.DataFrame({"x": [value]})
    write_table(frame, tmp_path / "de.csv")
    write_table(frame, tmp_path / "en.csv", german=False)
    assert _csv_rows(tmp_path / "de.csv", "utf-8-sig", ";")[1] == [german]
    assert _csv_rows(tmp_path / "en.csv", "utf-8", ",")[1] == [english]


@pytest.mark.parametrize(
    "missing",
    [None, float("nan"), pd.NA, pd.NaT],
    ids=["none", "nan", "pd-na", "nat"],
)
def test_csv_missing_values_are_empty_cells(tmp_path: Path, missing: object) -> None:
    frame = pd.DataFrame({"a": pd.Series(["x", missing], dtype=object), "b": ["1", "2"]})
    path = tmp_path / "out.csv"
    write_table(frame, path)
    assert _csv_rows(path, "utf-8-sig", ";") == [["a", "b"], ["x", "1"], ["", "2"]]


def test_csv_missing_date_in_datetime_column_is_empty(tmp_path: Path) -> None:
    frame = pd.DataFrame({"stichtag": pd.to_datetime(["2021-12-31", None])})
    path = tmp_path / "out.csv"
    write_table(frame, path)
    rows = _csv_rows(path, "utf-8-sig", ";")
    assert rows[0] == ["stichtag"]
    assert rows[1][0].startswith("2021-12-31")
    assert rows[2] == [""]


def test_csv_dates_are_iso(tmp_path: Path) -> None:
    frame = pd.DataFrame({"stichtag": [date(2021, 12, 31)]})
    path = tmp_path / "out.csv"
    write_table(frame, path)
    assert _csv_rows(path, "utf-8-sig", ";")[1] == ["2021-12-31"]


@pytest.mark.parametrize(
    ("german", "expected"),
    [(True, ["wahr", "falsch"]), (False, ["true", "false"])],
    ids=["german", "english"],
)
def test_csv_booleans(tmp_path: Path, german: bool, expected: list[str]) -> None:
    frame = pd.DataFrame({"b": pd.Series([True, False], dtype=object)})
    path = tmp_path / "out.csv"
    write_table(frame, path, german=german)
    rows = _csv_rows(path, "utf-8-sig" if german else "utf-8", ";" if german else ",")
    assert [r[0] for r in rows[1:]] == expected


# -- formula injection -----------------------------------------------------------------------------

INJECTION = [
    ("=SUMME(A1:A9)", "'=SUMME(A1:A9)"),
    ("+49 30 12345", "'+49 30 12345"),
    ("-A1+B1", "'-A1+B1"),
    ("@SUM(1)", "'@SUM(1)"),
    ("=1+1", "'=1+1"),
    ("\tTAB", "'\tTAB"),
    ("-", "'-"),
    ("-12", "-12"),
    ("-12,5", "-12,5"),
    ("-12.5", "-12.5"),
    ("+7", "+7"),
    ("Straße = Weg", "Straße = Weg"),
    ("a-b", "a-b"),
    ("E-Mail: x@y.de", "E-Mail: x@y.de"),
]


@pytest.mark.parametrize(("text", "expected"), INJECTION, ids=[repr(t) for t, _ in INJECTION])
def test_csv_formula_injection_protection(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "out.csv"
    write_table(pd.DataFrame({"t": [text]}), path)
    assert _csv_rows(path, "utf-8-sig", ";") == [["t"], [expected]]


def test_csv_value_with_carriage_return_stays_one_cell(tmp_path: Path) -> None:
    # A bare CR inside a value must be quoted: spreadsheets (and ortswissen's own reader)
    # take a bare CR as a line break. A value starting with CR is also formula-protected.
    path = tmp_path / "out.csv"
    write_table(pd.DataFrame({"t": ["\r=1", "Zeile 1\rZeile 2"], "n": ["1", "2"]}), path)
    assert _csv_rows(path, "utf-8-sig", ";") == [["t", "n"], ["'\r=1", "1"], ["Zeile 1\rZeile 2", "2"]]


def test_csv_value_with_newline_stays_one_cell(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    write_table(pd.DataFrame({"t": ["Zeile 1\nZeile 2", "a\r\nb"], "n": ["1", "2"]}), path)
    assert _csv_rows(path, "utf-8-sig", ";") == [["t", "n"], ["Zeile 1\nZeile 2", "1"], ["a\r\nb", "2"]]


def test_negative_numbers_are_not_prefixed(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    write_table(pd.DataFrame({"n": [-12], "f": [-12.5]}), path)
    assert _csv_rows(path, "utf-8-sig", ";")[1] == ["-12", "-12,5"]


# -- XLSX ------------------------------------------------------------------------------------------


def test_xlsx_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "out.xlsx"
    frame = _frame()
    frame["formel"] = ["=SUMME(A1)", "-12"]
    frame["leer"] = [None, float("nan")]
    write_table(frame, path)
    wb = load_workbook(path)
    try:
        assert wb.sheetnames == ["Daten"]
        ws = wb["Daten"]
        rows = list(ws.iter_rows(values_only=True))
        assert rows[0] == ("unit_id", "wert", "anzahl", "ganz", "name", "formel", "leer")
        assert rows[1] == ("01011101", 2930.5, 3, 2930, "Straße", "'=SUMME(A1)", None)
        assert rows[2] == ("00012", -12.25, 4, 0, "Müller; Söhne", "-12", None)
        # numbers are numbers, ids and protected texts are text (not formulas)
        assert ws["B2"].data_type == "n"
        assert ws["C2"].data_type == "n"
        assert ws["A2"].data_type == "s"
        assert ws["F2"].data_type == "s"
        assert isinstance(ws["B2"].value, float)
    finally:
        wb.close()


def test_xlsx_sheet_name_is_cut_to_31_characters(tmp_path: Path) -> None:
    path = tmp_path / "out.xlsx"
    write_table(_frame(), path, sheet="Einwohnerinnen und Einwohner nach Planungsraum")
    wb = load_workbook(path, read_only=True)
    try:
        assert wb.sheetnames == ["Einwohnerinnen und Einwohner na"]
    finally:
        wb.close()


def test_xlsx_dates(tmp_path: Path) -> None:
    path = tmp_path / "out.xlsx"
    write_table(pd.DataFrame({"d": [date(2021, 12, 31)]}), path)
    wb = load_workbook(path)
    try:
        value = wb["Daten"]["A2"].value
        assert value.date() == date(2021, 12, 31)
    finally:
        wb.close()


@pytest.mark.parametrize("name", ["out.geojson", "out.gpkg"])
def test_table_as_geo_format_is_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(InvalidInput, match="cannot be written"):
        write_table(_frame(), tmp_path / name)


@pytest.mark.parametrize("name", ["out.txt", "out.xls", "out"])
def test_table_with_unknown_suffix(tmp_path: Path, name: str) -> None:
    with pytest.raises(InvalidInput):
        write_table(_frame(), tmp_path / name)
    assert not (tmp_path / name).exists()


# -- geodata ---------------------------------------------------------------------------------------


def _berlin_frame() -> gpd.GeoDataFrame:
    # Points near Berlin's centre in ETRS89 / UTM zone 33N (EPSG:25833)
    return gpd.GeoDataFrame(
        {"unit_id": ["01011101", "01011102"], "wert": [2930.5, 12.0], "meta": [{"a": 1}, None]},
        geometry=[Point(391_000, 5_820_000), Point(392_000, 5_821_000)],
        crs="EPSG:25833",
    )


def test_geojson_is_wgs84(tmp_path: Path) -> None:
    path = tmp_path / "out.geojson"
    write_geo(_berlin_frame(), path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["type"] == "FeatureCollection"
    assert len(data["features"]) == 2
    for feature in data["features"]:
        lon, lat = feature["geometry"]["coordinates"][:2]
        assert 13.0 < lon < 14.0
        assert 52.0 < lat < 53.0
    props = data["features"][0]["properties"]
    assert props["unit_id"] == "01011101"  # ids stay text
    assert props["wert"] == 2930.5
    # dict columns are written as text (GDAL may turn JSON-looking text back into an object)
    assert props["meta"] in (str({"a": 1}), {"a": 1})
    assert data["features"][1]["properties"]["meta"] is None


def test_geojson_replaces_an_existing_file(tmp_path: Path) -> None:
    path = tmp_path / "out.json"
    path.write_text("altes Zeug", encoding="utf-8")
    write_geo(_berlin_frame(), path)
    assert len(json.loads(path.read_text(encoding="utf-8"))["features"]) == 2


def test_geojson_of_polygons(tmp_path: Path) -> None:
    square = Polygon([(390_000, 5_819_000), (391_000, 5_819_000), (391_000, 5_820_000), (390_000, 5_819_000)])
    frame = gpd.GeoDataFrame({"unit_id": ["a"]}, geometry=[square], crs="EPSG:25833")
    path = tmp_path / "out.geojson"
    write_geo(frame, path)
    ring = json.loads(path.read_text(encoding="utf-8"))["features"][0]["geometry"]["coordinates"][0]
    assert all(13.0 < x < 14.0 and 52.0 < y < 53.0 for x, y in ring)


def test_geopackage_keeps_its_crs(tmp_path: Path) -> None:
    path = tmp_path / "out.gpkg"
    frame = _berlin_frame()
    write_geo(frame, path)
    assert [layer[0] for layer in pyogrio.list_layers(path)] == ["out"]
    back = gpd.read_file(path, layer="out")
    assert back.crs.to_epsg() == 25833
    assert back.geometry.iloc[0].x == pytest.approx(391_000)
    assert back.geometry.iloc[0].y == pytest.approx(5_820_000)
    assert list(back["unit_id"]) == ["01011101", "01011102"]


def test_geopackage_layer_name(tmp_path: Path) -> None:
    path = tmp_path / "out.gpkg"
    write_geo(_berlin_frame(), path, layer="planungsraeume")
    assert [layer[0] for layer in pyogrio.list_layers(path)] == ["planungsraeume"]


def test_geo_as_csv_has_wkt(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    write_geo(_berlin_frame(), path)
    rows = _csv_rows(path, "utf-8-sig", ";")
    assert rows[0] == ["unit_id", "wert", "meta", "wkt"]
    assert rows[1][0] == "01011101"
    assert rows[1][1] == "2930,5"
    assert rows[1][3] == "POINT (391000 5820000)"


def test_geo_unknown_suffix(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput):
        write_geo(_berlin_frame(), tmp_path / "out.shp")


def test_write_geo_does_not_modify_the_frame(tmp_path: Path) -> None:
    frame = _berlin_frame()
    write_geo(frame, tmp_path / "out.geojson")
    assert frame.crs.to_epsg() == 25833
    assert frame["meta"].iloc[0] == {"a": 1}
