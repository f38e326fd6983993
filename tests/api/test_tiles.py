"""Vector tiles: decoded by GDAL's MVT driver (and, for the command stream, a small reader written from the spec)."""

from __future__ import annotations

import datetime as dt
import math
import shutil
import struct
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely
from fastapi.testclient import TestClient

from ortswissen.config import Settings
from ortswissen.ports import Store
from ortswissen.storage import open_store
from ortswissen.testing import SyntheticMunicipality
from ortswissen.web import _mvt, create_app

MVT = "application/vnd.mapbox-vector-tile"
WORLD = 2 * math.pi * 6_378_137.0  # width of the Web Mercator square in metres
CENTRE = (9.545, 51.342)  # the middle of the synthetic town


@pytest.fixture(scope="module")
def store(_town_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    db = tmp_path_factory.mktemp("tiles") / "town.duckdb"
    shutil.copy(_town_template, db)
    s = open_store(str(db), read_only=True)
    yield s
    s.close()


@pytest.fixture(scope="module")
def client(store: Store) -> Iterator[TestClient]:
    with TestClient(create_app(store=store)) as c:
        yield c


def _tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    """The slippy-map tile holding a point (the usual formula, independent of the code under test)."""
    n = 2**z
    x = int((lon + 180.0) / 360.0 * n)
    y = int((1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * n)
    return x, y


def _tile_box(z: int, x: int, y: int) -> shapely.Polygon:
    """The tile in EPSG:3857 metres."""
    size = WORLD / 2**z
    minx = -WORLD / 2 + x * size
    maxy = WORLD / 2 - y * size
    return shapely.box(minx, maxy - size, minx + size, maxy)


def _get(client: TestClient, level: str, z: int, x: int, y: int, **params: Any) -> bytes:
    response = client.get(f"/api/v1/tiles/{level}/{z}/{x}/{y}.mvt", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == MVT
    return response.content


def _decode_gdal(data: bytes, tmp_path: Path, level: str, z: int, x: int, y: int) -> gpd.GeoDataFrame:
    """Read a tile with GDAL's MVT driver; the z/x/y path lets it georeference the tile in EPSG:3857."""
    path = tmp_path / str(z) / str(x) / f"{y}.pbf"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    assert [str(name) for name, _ in pyogrio.list_layers(path)] == [level]
    frame = pyogrio.read_dataframe(path, layer=level)
    assert frame.crs is not None and frame.crs.to_epsg() == 3857
    return frame


def _units_3857(store: Store, level: str, day: dt.date) -> gpd.GeoDataFrame:
    """The source units valid on ``day`` in Web Mercator (reprojected by pyproj)."""
    return store.unit_versions(level, at=day, wgs84=True).to_crs(3857).set_index("unit_id")


# -- a small protobuf reader, written from the vector tile specification -----------------------------------
def _varint(buf: bytes, i: int) -> tuple[int, int]:
    shift = result = 0
    while True:
        byte = buf[i]
        i += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return result, i


def _fields(buf: bytes) -> Iterator[tuple[int, Any]]:
    i = 0
    while i < len(buf):
        key, i = _varint(buf, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = _varint(buf, i)
        elif wire == 1:
            value, i = buf[i : i + 8], i + 8
        elif wire == 2:
            length, i = _varint(buf, i)
            value, i = buf[i : i + length], i + length
        elif wire == 5:
            value, i = buf[i : i + 4], i + 4
        else:
            raise AssertionError(f"unexpected wire type {wire}")
        yield number, value


def _packed(buf: bytes) -> list[int]:
    out, i = [], 0
    while i < len(buf):
        value, i = _varint(buf, i)
        out.append(value)
    return out


def _rings(commands: list[int]) -> list[list[tuple[int, int]]]:
    """Decode a polygon's command integers into rings of absolute tile coordinates."""
    rings: list[list[tuple[int, int]]] = []
    x = y = i = 0
    while i < len(commands):
        command, count = commands[i] & 7, commands[i] >> 3
        i += 1
        if command == 7:
            continue
        if command == 1:
            rings.append([])
        for _ in range(count):
            dx, dy = commands[i], commands[i + 1]
            x += (dx >> 1) ^ -(dx & 1)
            y += (dy >> 1) ^ -(dy & 1)
            rings[-1].append((x, y))
            i += 2
    return rings


def _area(ring: list[tuple[int, int]]) -> float:
    """Surveyor's formula in tile coordinates (y down)."""
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True)) / 2


def _layers(data: bytes) -> list[dict[str, Any]]:
    layers = []
    for number, body in _fields(data):
        assert number == 3  # Tile.layers
        layer: dict[str, Any] = {"features": [], "keys": [], "values": []}
        for field, value in _fields(body):
            if field == 15:
                layer["version"] = value
            elif field == 1:
                layer["name"] = value.decode()
            elif field == 5:
                layer["extent"] = value
            elif field == 3:
                layer["keys"].append(value.decode())
            elif field == 4:
                (kind, raw), *_ = list(_fields(value))
                layer["values"].append(raw.decode() if kind == 1 else struct.unpack("<d", raw)[0] if kind == 3 else raw)
            elif field == 2:
                feature = dict(_fields(value))
                layer["features"].append(
                    {
                        "id": feature.get(1),
                        "type": feature[3],
                        "tags": _packed(feature.get(2, b"")),
                        "rings": _rings(_packed(feature[4])),
                    }
                )
        layers.append(layer)
    return layers


# -- tiles of the town ----------------------------------------------------------------------------------
def test_a_tile_decoded_by_gdal_matches_the_units(
    client: TestClient, store: Store, town: SyntheticMunicipality, tmp_path: Path
) -> None:
    z = 12
    x, y = _tile_of(*CENTRE, z)
    data = _get(client, "quartier", z, x, y, date="2023-12-31", indicator="residents")
    frame = _decode_gdal(data, tmp_path, "quartier", z, x, y)
    box = _tile_box(z, x, y)
    units = _units_3857(store, "quartier", dt.date(2023, 12, 31))
    reaching = {uid for uid, geom in units.geometry.items() if shapely.intersection(geom, box).area > 0}
    assert 1 < len(reaching) < 16  # the tile cuts through the town
    assert sorted(frame["unit_id"]) == sorted(reaching)
    truth = town.quarter_values(2023)
    names = units["name"].to_dict()
    for row in frame.itertuples():
        assert row.value == truth[row.unit_id] and row.name == names[row.unit_id]
        expected = shapely.intersection(units.geometry[row.unit_id], box)  # GDAL clips to the tile
        assert shapely.symmetric_difference(row.geometry, expected).area < 0.01 * expected.area
        assert shapely.distance(row.geometry.centroid, expected.centroid) < 10.0  # metres; a tile unit is ~2.4 m


def test_a_deep_tile_inside_one_quarter_is_covered_by_it(client: TestClient, store: Store, tmp_path: Path) -> None:
    units = _units_3857(store, "quartier", dt.date.today())
    inside = units.to_crs(4326).geometry["0203"].centroid
    z = 16
    x, y = _tile_of(inside.x, inside.y, z)
    frame = _decode_gdal(_get(client, "quartier", z, x, y), tmp_path, "quartier", z, x, y)
    assert list(frame["unit_id"]) == ["0203"] and "value" not in frame.columns  # no indicator asked for
    assert frame.geometry.iloc[0].area == pytest.approx(_tile_box(z, x, y).area, rel=1e-3)


@pytest.mark.parametrize(
    ("date", "present", "absent"),
    [("2020-12-31", {"0104"}, {"0105", "0106"}), ("2021-06-30", {"0105", "0106"}, {"0104"})],
)
def test_date_selects_the_unit_versions(
    client: TestClient, store: Store, tmp_path: Path, date: str, present: set[str], absent: set[str]
) -> None:
    old = store.unit_versions("quartier", at=dt.date(2020, 12, 31), wgs84=True).set_index("unit_id")
    centre = old.geometry["0104"].centroid
    z = 14
    x, y = _tile_of(centre.x, centre.y, z)
    frame = _decode_gdal(_get(client, "quartier", z, x, y, date=date), tmp_path, "quartier", z, x, y)
    assert present <= set(frame["unit_id"]) and not absent & set(frame["unit_id"])


def test_missing_values_leave_the_property_out(client: TestClient, tmp_path: Path) -> None:
    z = 12
    x, y = _tile_of(*CENTRE, z)
    data = _get(client, "quartier", z, x, y, date="2021-06-30", indicator="residents")  # values only on 31.12.
    frame = _decode_gdal(data, tmp_path, "quartier", z, x, y)
    assert len(frame) > 0
    assert "value" not in frame.columns or frame["value"].isna().all()
    (layer,) = _layers(data)
    assert "value" not in layer["keys"]


def test_the_command_stream_follows_the_specification(client: TestClient, store: Store) -> None:
    z = 13
    x, y = _tile_of(*CENTRE, z)
    data = _get(client, "block", z, x, y, date="2020-12-31", indicator="block_residents")
    (layer,) = _layers(data)
    assert layer["version"] == 2 and layer["name"] == "block" and layer["extent"] == 4096
    assert {"unit_id", "value"} <= set(layer["keys"]) <= {"unit_id", "name", "value"}
    assert len(layer["features"]) > 4
    buffer = 64
    for feature in layer["features"]:
        assert feature["type"] == 3  # POLYGON
        assert len(feature["tags"]) % 2 == 0
        tags = dict(zip(feature["tags"][::2], feature["tags"][1::2], strict=True))
        unit_id = layer["values"][tags[layer["keys"].index("unit_id")]]
        assert isinstance(unit_id, str) and unit_id.startswith("B")
        for ring in feature["rings"]:
            assert _area(ring) > 0  # exteriors: positive area in tile coordinates (clockwise on screen)
            assert all(-buffer <= px <= 4096 + buffer and -buffer <= py <= 4096 + buffer for px, py in ring)
    ids = [f["id"] for f in layer["features"]]
    assert len(set(ids)) == len(ids)


def test_holes_are_wound_the_other_way_and_gdal_reads_them(tmp_path: Path) -> None:
    ring = shapely.box(9.50, 51.30, 9.60, 51.38).difference(shapely.box(9.53, 51.32, 9.57, 51.36))
    unit = shapely.transform(np.array([ring]), _mvt.lon_lat_to_unit)
    z = 10
    x, y = _tile_of(9.55, 51.34, z)
    (geom,) = _mvt.tile_geometries(unit, z, x, y)
    layer = _mvt.Layer("test")
    layer.add(geom, {"name": "ring", "n": 3, "ok": True, "nothing": None})
    data = _mvt.encode_tile([layer])
    (decoded,) = _layers(data)
    (feature,) = decoded["features"]
    exterior, hole = feature["rings"]
    assert _area(exterior) > 0 > _area(hole)
    assert decoded["keys"] == ["name", "n", "ok"]
    frame = _decode_gdal(data, tmp_path, "test", z, x, y)
    expected = gpd.GeoSeries([ring], crs=4326).to_crs(3857).iloc[0]
    assert frame.geometry.iloc[0].area == pytest.approx(expected.area, rel=0.01)
    assert (frame["name"].iloc[0], frame["n"].iloc[0], frame["ok"].iloc[0]) == ("ring", 3, 1)


def test_spec_examples_encode_exactly() -> None:
    # the examples of the Mapbox Vector Tile specification 2.1, section 4.3.5
    assert _mvt.geometry_commands(shapely.Point(25, 17)) == [9, 50, 34]
    assert _mvt.geometry_commands(shapely.MultiPoint([(5, 7), (3, 2)])) == [17, 10, 14, 3, 9]
    assert _mvt.geometry_commands(shapely.LineString([(2, 2), (2, 10), (10, 10)])) == [9, 4, 4, 18, 0, 16, 16, 0]
    assert _mvt.geometry_commands(shapely.Polygon([(3, 6), (8, 12), (20, 34)])) == [9, 6, 12, 18, 10, 12, 24, 44, 15]
    assert _mvt.varints([0, 1, 127, 128, 300, 2**32]) == bytes([0, 1, 127, 128, 1, 172, 2, 128, 128, 128, 128, 16])


def test_vectorised_polygon_encoding_matches_the_per_ring_reference() -> None:
    box = shapely.box
    shapes = [
        shapely.Polygon([(0, 0), (0, 10), (10, 10), (10, 0)], [[(2, 2), (4, 2), (4, 4), (2, 4)]]),
        shapely.MultiPolygon([box(20, 20, 30, 30), box(40, 40, 50, 45).difference(box(42, 42, 44, 44))]),
        shapely.Polygon([(0, 0), (0, 0), (0, 5), (5, 5), (5, 5), (5, 0), (0, 0)]),  # repeated points
        shapely.Polygon([(3, 3), (3, 9), (9, 9), (3, 3), (3, 3)]),  # repeated closing point
        shapely.Polygon([(0, 0), (0, 8), (8, 8), (8, 0)], [[(1, 1), (1, 1), (2, 1), (1, 1)]]),  # collapsed hole
        shapely.MultiPolygon([shapely.Polygon([(0, 0), (1, 1), (0, 0), (0, 0)]), box(5, 5, 7, 7)]),  # collapsed part
        shapely.Polygon([(0, 0), (1, 1), (0, 0), (0, 0)]),  # nothing left
    ]
    packed = _mvt._polygon_geometries(shapes)
    assert 6 not in packed
    for i, shape in enumerate(shapes):
        assert packed.get(i, b"") == _mvt.varints(_mvt.geometry_commands(shape)), shape.wkt
    (layer,) = _layers(_mvt.encode_tile([_mvt.Layer("t", geometries=shapes[:2], properties=[{}, {}], ids=[1, 2])]))
    assert [len(f["rings"]) for f in layer["features"]] == [2, 3]


def test_an_empty_tile_is_204(client: TestClient) -> None:
    response = client.get("/api/v1/tiles/quartier/10/0/0.mvt")  # the Bering Strait
    assert response.status_code == 204 and response.content == b""


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/v1/tiles/nowhere/12/2156/1365.mvt", 404),
        ("/api/v1/tiles/quartier/2/4/0.mvt", 400),
        ("/api/v1/tiles/quartier/2/0/4.mvt", 400),
        ("/api/v1/tiles/quartier/25/0/0.mvt", 400),
        ("/api/v1/tiles/quartier/3/1/abc.mvt", 400),
        ("/api/v1/tiles/quartier/12/2156/1365.mvt?date=2021-02-30", 400),
        ("/api/v1/tiles/quartier/12/2156/1365.mvt?indicator=nope", 404),
    ],
)
def test_errors_are_problem_details(client: TestClient, path: str, status: int) -> None:
    response = client.get(path)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"


class _CountingStore:
    """Passes everything to a store and counts the calls."""

    def __init__(self, inner: Store) -> None:
        self._inner = inner
        self.calls: Counter[str] = Counter()

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._inner, name)
        if not callable(attribute):
            return attribute

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls[name] += 1
            return attribute(*args, **kwargs)

        return counted


def test_units_and_values_are_read_once_per_level_and_date(store: Store) -> None:
    counting = _CountingStore(store)
    with TestClient(create_app(store=counting)) as c:  # type: ignore[arg-type]
        z = 14
        x, y = _tile_of(*CENTRE, z)
        for dx in range(-1, 2):
            for dy in range(-1, 2):
                c.get(f"/api/v1/tiles/quartier/{z}/{x + dx}/{y + dy}.mvt", params={"indicator": "residents"})
        assert counting.calls["unit_versions"] == 1 and counting.calls["read_values"] == 1
        c.get(f"/api/v1/tiles/quartier/{z}/{x}/{y}.mvt", params={"date": "2020-12-31"})
        assert counting.calls["unit_versions"] == 2


def test_public_mode_hides_internal_indicators(town_store: Store) -> None:
    meta = town_store.get_indicator("residents")
    town_store.put_indicator(type(meta).model_validate({**meta.model_dump(), "visibility": "internal"}))
    x, y = _tile_of(*CENTRE, 12)
    with TestClient(create_app(Settings(public_mode=True), store=town_store)) as c:
        assert c.get(f"/api/v1/tiles/quartier/12/{x}/{y}.mvt", params={"indicator": "residents"}).status_code == 404
        assert c.get(f"/api/v1/tiles/quartier/12/{x}/{y}.mvt").status_code == 200
