"""Unit tests of geometry and CRS validation (``ortswissen.units._geometry``).

Covers :func:`check_geometries` for areas, points and lines (valid input unchanged, invalid
polygons reported with row and GEOS reason or repaired on request, missing/empty/wrong-typed
geometries, MultiPoints), :func:`check_crs` (no CRS, conflicting CRS, implausible coordinates for
the CRS, valid Berlin coordinates in the usual CRSs), :func:`check_within_extent` and
:func:`parse_crs`.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from pyproj import CRS

from ortswissen.errors import CrsError
from ortswissen.reports import Severity
from ortswissen.units import check_crs, check_geometries, check_within_extent, parse_crs

# -- check_geometries: valid input ------------------------------------------------------------

_SQUARE = shapely.box(0, 0, 10, 10)
_MULTI = shapely.MultiPolygon([shapely.box(0, 0, 1, 1), shapely.box(5, 5, 7, 7)])
_LINE = shapely.LineString([(0, 0), (3, 4)])
_MULTILINE = shapely.MultiLineString([[(0, 0), (1, 1)], [(2, 2), (3, 5)]])
_POINT = shapely.Point(391390, 5819000)


@pytest.mark.parametrize(
    ("geoms", "kind"),
    [
        ([_SQUARE, _MULTI], "area"),
        ([shapely.Polygon([(0, 0), (4, 0), (4, 4), (0, 4)], [[(1, 1), (2, 1), (2, 2), (1, 2)]])], "area"),
        ([_LINE, _MULTILINE], "line"),
        ([_POINT, shapely.Point(0, 0)], "point"),
    ],
    ids=["polygon-and-multipolygon", "polygon-with-hole", "lines", "points"],
)
def test_valid_geometries_pass_unchanged(geoms: list[object], kind: str) -> None:
    out, issues = check_geometries(geoms, kind)  # type: ignore[arg-type]
    assert issues == []
    assert len(out) == len(geoms)
    assert all(shapely.equals_exact(a, b) for a, b in zip(out, geoms, strict=True))


def test_input_array_is_not_modified() -> None:
    mp = shapely.MultiPoint([(1, 2)])
    geoms = np.array([mp], dtype=object)
    out, _ = check_geometries(geoms, "point")
    assert out[0].geom_type == "Point"
    assert geoms[0] is mp


# -- check_geometries: invalid polygons --------------------------------------------------------

# Each: WKT, start of GEOS's reason, area after repair (computed by hand).
_INVALID = [
    # bow-tie crossing at (1, 1): two triangles of base 2 and height 1 -> 1 + 1
    ("POLYGON((0 0, 2 2, 2 0, 0 2, 0 0))", "Self-intersection[1 1]", 2.0),
    # square bow-tie crossing at (5, 5): two triangles of base 10 and height 5 -> 25 + 25
    ("POLYGON((0 0, 10 0, 0 10, 10 10, 0 0))", "Self-intersection[5 5]", 50.0),
    # ring touching itself at (2, 0): triangles (0 0, 2 0, 0 4) and (2 0, 4 0, 4 4), 4 each
    ("POLYGON((0 0, 4 0, 4 4, 2 0, 0 4, 0 0))", "Ring Self-intersection[2 0]", 8.0),
    # hole outside its shell: becomes a second part, 16 + 1
    ("POLYGON((0 0, 4 0, 4 4, 0 4, 0 0), (5 5, 6 5, 6 6, 5 6, 5 5))", "Hole lies outside shell", 17.0),
]
_INVALID_IDS = ["bow-tie", "square-bow-tie", "ring-self-touch", "hole-outside-shell"]


@pytest.mark.parametrize(("wkt", "reason", "area"), _INVALID, ids=_INVALID_IDS)
def test_invalid_polygon_is_an_error_with_row_and_reason(wkt: str, reason: str, area: float) -> None:
    bad = shapely.from_wkt(wkt)
    out, issues = check_geometries([_SQUARE, _SQUARE, bad], "area")
    assert len(issues) == 1
    issue = issues[0]
    assert issue.severity == Severity.ERROR
    assert issue.code == "invalid-geometry"
    assert issue.row == 3
    assert reason in issue.message
    assert "repair" in issue.message
    assert out[2] is bad  # not repaired without being asked


@pytest.mark.parametrize(("wkt", "reason", "area"), _INVALID, ids=_INVALID_IDS)
def test_invalid_polygon_is_repaired_on_request(wkt: str, reason: str, area: float) -> None:
    bad = shapely.from_wkt(wkt)
    out, issues = check_geometries([bad, _SQUARE], "area", repair=True)
    assert [(i.severity, i.code, i.row) for i in issues] == [(Severity.WARNING, "repaired-geometry", 1)]
    assert reason in issues[0].message
    fixed = out[0]
    assert shapely.is_valid(fixed)
    assert fixed.geom_type in {"Polygon", "MultiPolygon"}
    assert shapely.area(fixed) == pytest.approx(area)
    assert out[1] is _SQUARE


def test_ids_label_the_message() -> None:
    bad = shapely.from_wkt(_INVALID[0][0])
    _, issues = check_geometries([_SQUARE, bad], "area", ids=["a", "b"])
    assert "(id 'b')" in issues[0].message


def test_several_problems_each_get_their_own_row() -> None:
    bad = shapely.from_wkt(_INVALID[0][0])
    _, issues = check_geometries([bad, _SQUARE, None, shapely.Polygon(), bad], "area")
    assert [(i.row, i.code) for i in issues] == [
        (1, "invalid-geometry"),
        (3, "missing-geometry"),
        (4, "empty-geometry"),
        (5, "invalid-geometry"),
    ]
    assert all(i.severity == Severity.ERROR for i in issues)


# -- check_geometries: missing, empty, wrong type ----------------------------------------------


@pytest.mark.parametrize("missing", [None, float("nan")], ids=["none", "nan"])
@pytest.mark.parametrize("kind", ["area", "point", "line"])
def test_missing_geometry_is_an_error(kind: str, missing: object) -> None:
    _, issues = check_geometries([missing], kind, repair=True)  # type: ignore[arg-type]
    assert [(i.severity, i.code, i.row) for i in issues] == [(Severity.ERROR, "missing-geometry", 1)]


@pytest.mark.parametrize(
    ("empty", "kind"),
    [
        (shapely.Polygon(), "area"),
        (shapely.MultiPolygon(), "area"),
        (shapely.Point(), "point"),
        (shapely.LineString(), "line"),
        (shapely.GeometryCollection(), "area"),
    ],
    ids=["polygon", "multipolygon", "point", "line", "collection"],
)
def test_empty_geometry_is_an_error(empty: object, kind: str) -> None:
    _, issues = check_geometries([_POINT if kind == "point" else _LINE if kind == "line" else _SQUARE, empty], kind)  # type: ignore[arg-type]
    assert [(i.severity, i.code, i.row) for i in issues] == [(Severity.ERROR, "empty-geometry", 2)]


@pytest.mark.parametrize(
    ("geom", "kind", "type_name"),
    [
        (_POINT, "area", "Point"),
        (_LINE, "area", "LineString"),
        (_SQUARE, "point", "Polygon"),
        (_LINE, "point", "LineString"),
        (_SQUARE, "line", "Polygon"),
        (_POINT, "line", "Point"),
        (shapely.GeometryCollection([_SQUARE]), "area", "GeometryCollection"),
        (shapely.MultiPoint([(0, 0), (1, 1)]), "line", "MultiPoint"),
    ],
    ids=[
        "point-for-area",
        "line-for-area",
        "polygon-for-point",
        "line-for-point",
        "polygon-for-line",
        "point-for-line",
        "collection-for-area",
        "multipoint-for-line",
    ],
)
def test_wrong_type_is_an_error(geom: object, kind: str, type_name: str) -> None:
    _, issues = check_geometries([geom], kind, repair=True)  # type: ignore[arg-type]
    assert len(issues) == 1
    issue = issues[0]
    assert (issue.severity, issue.code, issue.row, issue.value) == (Severity.ERROR, "wrong-geometry-type", 1, type_name)
    assert issue.message.startswith(f"{type_name} where ")


def test_wrong_type_message_lists_allowed_types() -> None:
    _, issues = check_geometries([_POINT], "area")
    assert "MultiPolygon/Polygon is expected" in issues[0].message


def test_single_part_multipoint_becomes_point() -> None:
    out, issues = check_geometries([shapely.MultiPoint([(3, 4)]), _POINT], "point")
    assert issues == []
    assert out[0].geom_type == "Point"
    assert (out[0].x, out[0].y) == (3, 4)


def test_multi_part_multipoint_is_an_error() -> None:
    mp = shapely.MultiPoint([(0, 0), (1, 1), (2, 2)])
    out, issues = check_geometries([_POINT, mp], "point")
    assert [(i.severity, i.code, i.row) for i in issues] == [(Severity.ERROR, "wrong-geometry-type", 2)]
    assert "3 points" in issues[0].message
    assert out[1] is mp


def test_degenerate_line_cannot_be_repaired() -> None:
    line = shapely.LineString([(1, 1), (1, 1)])
    _, issues = check_geometries([line], "line", repair=True)
    assert [(i.severity, i.code) for i in issues] == [(Severity.ERROR, "invalid-geometry")]
    assert "could not be repaired" in issues[0].message


# -- check_crs ----------------------------------------------------------------------------------

# Berlin in the CRSs in use (rough extent of the city)
_BERLIN = {
    25833: (370_000.0, 5_800_000.0, 415_000.0, 5_837_000.0),
    25832: (780_000.0, 5_810_000.0, 820_000.0, 5_850_000.0),
    3035: (4_530_000.0, 3_250_000.0, 4_575_000.0, 3_290_000.0),
    4326: (13.08, 52.33, 13.76, 52.68),
}


@pytest.mark.parametrize("epsg", sorted(_BERLIN), ids=[f"epsg-{e}" for e in sorted(_BERLIN)])
def test_valid_berlin_coordinates_pass(epsg: int) -> None:
    crs = CRS.from_epsg(epsg)
    assert check_crs(crs, None, _BERLIN[epsg]) == crs
    assert check_crs(None, crs, _BERLIN[epsg]) == crs
    assert check_crs(crs, CRS.from_epsg(epsg), _BERLIN[epsg]) == crs


def test_same_crs_spelt_differently_is_no_conflict() -> None:
    file_crs = CRS.from_epsg(25833)
    declared = CRS.from_wkt(file_crs.to_wkt())
    assert check_crs(file_crs, declared, _BERLIN[25833]).to_epsg() == 25833


def test_no_crs_at_all_asks_to_declare_one() -> None:
    with pytest.raises(CrsError, match=r"declares no coordinate reference system.*declare it"):
        check_crs(None, None, _BERLIN[25833], source="bloecke.shp")


def test_source_prefixes_the_message() -> None:
    with pytest.raises(CrsError, match=r"^bloecke\.shp: "):
        check_crs(None, None, _BERLIN[25833], source="bloecke.shp")


def test_file_and_declared_crs_differ() -> None:
    with pytest.raises(CrsError, match="file declares EPSG:25833 but EPSG:25832 was given"):
        check_crs(CRS.from_epsg(25833), CRS.from_epsg(25832), _BERLIN[25833])


@pytest.mark.parametrize(
    ("epsg", "bounds", "pattern"),
    [
        (4326, (391_390.0, 5_817_855.0, 391_400.0, 5_817_900.0), "cannot be longitude/latitude"),
        (4326, (13.3, 52.4, 391_400.0, 5_817_900.0), "cannot be longitude/latitude"),
        (4326, (52.33, 13.08, 52.68, 13.76), "latitude and longitude look swapped"),
        (25833, (33_391_390.0, 5_819_000.0, 33_392_390.0, 5_820_000.0), "UTM zone prefix"),
        (25832, (32_780_000.0, 5_810_000.0, 32_820_000.0, 5_850_000.0), "UTM zone prefix"),
        (25833, (4_594_000.0, 5_819_000.0, 4_595_000.0, 5_820_000.0), "lie outside the area where EPSG:25833"),
        (25832, _BERLIN[3035], "lie outside the area where EPSG:25832"),
        (25833, (math.nan, 5_819_000.0, 391_000.0, 5_820_000.0), "not finite"),
        (25833, (370_000.0, -math.inf, 415_000.0, 5_837_000.0), "not finite"),
    ],
    ids=[
        "projected-numbers-as-lonlat",
        "partly-projected-as-lonlat",
        "lat-lon-swapped",
        "utm33-with-zone-prefix",
        "utm32-with-zone-prefix",
        "gauss-krueger-eastings-as-utm33",
        "laea-as-utm32",
        "nan",
        "infinite",
    ],
)
def test_implausible_coordinates_raise(epsg: int, bounds: tuple[float, float, float, float], pattern: str) -> None:
    with pytest.raises(CrsError, match=pattern):
        check_crs(CRS.from_epsg(epsg), None, bounds)


def test_implausible_coordinates_raise_for_a_declared_crs_too() -> None:
    with pytest.raises(CrsError, match="outside the area"):
        check_crs(None, CRS.from_epsg(25832), _BERLIN[3035])


# -- check_within_extent ------------------------------------------------------------------------

_PROJECT = (370_000.0, 5_800_000.0, 415_000.0, 5_837_000.0)  # 45 km wide, 37 km high


@pytest.mark.parametrize(
    "bounds",
    [
        (380_000.0, 5_810_000.0, 390_000.0, 5_820_000.0),
        _PROJECT,
        (300_000.0, 5_700_000.0, 500_000.0, 5_900_000.0),
        (415_000.0 + 44_000.0, 5_810_000.0, 415_000.0 + 50_000.0, 5_820_000.0),
        (326_000.0, 5_756_000.0, 330_000.0, 5_760_000.0),
    ],
    ids=["inside", "same", "around", "east-within-one-width", "south-west-within-slack"],
)
def test_within_extent_passes_nearby_data(bounds: tuple[float, float, float, float]) -> None:
    check_within_extent(bounds, _PROJECT)


@pytest.mark.parametrize(
    "bounds",
    [
        (415_000.0 + 46_000.0, 5_810_000.0, 415_000.0 + 50_000.0, 5_820_000.0),
        (370_000.0 - 50_000.0, 5_810_000.0, 370_000.0 - 46_000.0, 5_820_000.0),
        (380_000.0, 5_837_000.0 + 46_000.0, 390_000.0, 5_837_000.0 + 50_000.0),
        (380_000.0, 5_700_000.0, 390_000.0, 5_750_000.0),
        (13.08, 52.33, 13.76, 52.68),
        _BERLIN[3035],
    ],
    ids=["far-east", "far-west", "far-north", "far-south", "lonlat-numbers", "laea-numbers"],
)
def test_within_extent_raises_for_far_away_data(bounds: tuple[float, float, float, float]) -> None:
    with pytest.raises(CrsError, match="lie far outside the project area"):
        check_within_extent(bounds, _PROJECT, source="kitas.csv")


def test_within_extent_small_project_uses_at_least_1000_slack() -> None:
    project = (0.0, 0.0, 10.0, 10.0)
    check_within_extent((1005.0, 0.0, 1006.0, 1.0), project)  # 995 beyond the edge
    with pytest.raises(CrsError):
        check_within_extent((1011.0, 0.0, 1012.0, 1.0), project)  # 1001 beyond the edge


def test_within_extent_without_project_passes() -> None:
    check_within_extent((1e9, 1e9, 2e9, 2e9), None)


# -- parse_crs ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "epsg"),
    [
        ("EPSG:25833", 25833),
        ("epsg:4326", 4326),
        (25832, 25832),
        (CRS.from_epsg(3035), 3035),
        (CRS.from_epsg(25833).to_wkt(), 25833),
    ],
    ids=["string", "lower-case-string", "int", "crs-object", "wkt"],
)
def test_parse_crs(value: object, epsg: int) -> None:
    crs = parse_crs(value)
    assert isinstance(crs, CRS)
    assert crs.to_epsg() == epsg


def test_parse_crs_returns_crs_objects_as_they_are() -> None:
    crs = CRS.from_epsg(25833)
    assert parse_crs(crs) is crs


@pytest.mark.parametrize(
    "value",
    ["garbage", "EPSG:99999999", 3.5, [1], None, ""],
    ids=["word", "unknown-code", "float", "list", "none", "empty"],
)
def test_parse_crs_rejects_garbage(value: object) -> None:
    with pytest.raises(CrsError, match="is not a coordinate reference system"):
        parse_crs(value)
