"""Mapbox Vector Tiles (specification 2.1) written in pure Python with numpy and shapely.

Only what the tile endpoint needs: a protobuf writer for the ``Tile`` message (layers,
features, key and value tables; packed ``tags`` and ``geometry``), the geometry command
encoding (MoveTo, LineTo, ClosePath with zigzag-encoded deltas) and the preparation of
geometries for one tile (Web Mercator, clip to the buffered tile, snap to the integer
grid, polygon winding per the specification).

Coordinates are kept in *unit Web Mercator*: x and y from 0 to 1 over the whole world,
y pointing down (south), so tile ``z/x/y`` covers ``[x, x + 1] / 2**z`` by
``[y, y + 1] / 2**z``. Tile coordinates are these multiplied by ``2**z * extent``.

In tile coordinates (y down) an exterior ring has a *positive* area by the surveyor's
formula (it looks clockwise on screen) and interior rings a negative one (spec 4.3.4.4).

Examples
--------
>>> import shapely
>>> geometry_commands(shapely.Polygon([(3, 6), (8, 12), (20, 34)]))  # the specification's example
[9, 6, 12, 18, 10, 12, 24, 44, 15]
>>> list(varints([1, 300]))
[1, 172, 2]
>>> lon_lat_to_unit(np.array([[0.0, 0.0]])).tolist()
[[0.5, 0.5]]
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely

__all__ = [
    "DEFAULT_BUFFER",
    "DEFAULT_EXTENT",
    "MAX_ZOOM",
    "Layer",
    "encode_tile",
    "geometry_commands",
    "lon_lat_to_unit",
    "tile_geometries",
    "tile_query_box",
    "varints",
]

#: Tile coordinates per tile side.
DEFAULT_EXTENT = 4096
#: Geometry kept beyond each tile edge, in tile coordinates (avoids seams when rendering strokes).
DEFAULT_BUFFER = 64
#: Highest zoom level served.
MAX_ZOOM = 24
#: Latitude limit of Web Mercator (the map is square).
MAX_LATITUDE = 85.051128779806604

_MOVE_TO, _LINE_TO, _CLOSE_PATH = 1, 2, 7
_POINT, _LINESTRING, _POLYGON = 1, 2, 3
# wire types
_VARINT, _FIXED64, _BYTES = 0, 1, 2


# -- protobuf primitives ---------------------------------------------------------------------------
def _varint_lengths(v: np.ndarray) -> np.ndarray:
    """Bytes each unsigned integer takes as a varint."""
    nbytes = np.ones(v.size, dtype=np.int64)
    rest = v >> np.uint64(7)
    while rest.any():
        nbytes += rest > 0
        rest >>= np.uint64(7)
    return nbytes


def varints(values: Iterable[int] | np.ndarray) -> bytes:
    """Unsigned integers as consecutive protobuf varints (vectorised with numpy)."""
    v = np.asarray(values, dtype=np.uint64).ravel()
    if v.size == 0:
        return b""
    if (v < 0x80).all():
        return v.astype(np.uint8).tobytes()
    nbytes = _varint_lengths(v)
    width = int(nbytes.max())
    positions = np.arange(width)
    groups = ((v[:, None] >> (positions.astype(np.uint64) * np.uint64(7))[None, :]) & np.uint64(0x7F)).astype(np.uint8)
    groups[positions[None, :] < (nbytes[:, None] - 1)] |= 0x80
    return groups[positions[None, :] < nbytes[:, None]].tobytes()


def _varint_slow(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


_SMALL_VARINTS = [_varint_slow(v) for v in range(1 << 14)]  # tag indices and lengths are mostly small


def _varint(value: int) -> bytes:
    return _SMALL_VARINTS[value] if value < 16384 else _varint_slow(value)


def _key(field_number: int, wire_type: int) -> bytes:
    return _varint((field_number << 3) | wire_type)


def _bytes_field(field_number: int, payload: bytes) -> bytes:
    return _key(field_number, _BYTES) + _varint(len(payload)) + payload


def _varint_field(field_number: int, value: int) -> bytes:
    return _key(field_number, _VARINT) + _varint(value)


_FEATURE_ID = _key(1, _VARINT)
_FEATURE_TAGS = _key(2, _BYTES)
_FEATURE_TYPE = _key(3, _VARINT)
_FEATURE_GEOMETRY = _key(4, _BYTES)
_LAYER_FEATURE = _key(2, _BYTES)


def _zigzag(values: np.ndarray) -> np.ndarray:
    v = values.astype(np.int64)
    return ((v << 1) ^ (v >> 63)).astype(np.uint64)


def _command(command: int, count: int) -> int:
    return (command & 0x7) | (count << 3)


# -- geometry encoding ---------------------------------------------------------------------------
def _path(points: np.ndarray, cursor: np.ndarray, *, close: bool) -> tuple[np.ndarray, np.ndarray]:
    """Commands of one line string or ring (without the repeated closing point) and the new cursor."""
    deltas = np.diff(np.vstack([cursor[None, :], points]), axis=0)
    params = _zigzag(deltas).ravel()
    parts = [np.array([_command(_MOVE_TO, 1)], dtype=np.uint64), params[:2]]
    if len(points) > 1:
        parts += [np.array([_command(_LINE_TO, len(points) - 1)], dtype=np.uint64), params[2:]]
    if close:
        parts.append(np.array([_command(_CLOSE_PATH, 1)], dtype=np.uint64))
    return np.concatenate(parts), points[-1]


def _ring_points(ring: shapely.LinearRing) -> np.ndarray:
    coords = np.asarray(shapely.get_coordinates(ring), dtype=np.int64)[:-1]
    if len(coords) > 1:  # consecutive duplicates would encode zero-length segments
        keep = np.ones(len(coords), dtype=bool)
        keep[1:] = (np.diff(coords, axis=0) != 0).any(axis=1)
        coords = coords[keep]
        if len(coords) > 1 and (coords[0] == coords[-1]).all():
            coords = coords[:-1]
    return coords


def _geometry_type(geom: shapely.Geometry) -> int:
    kind = shapely.get_type_id(geom)
    if kind in (0, 4):  # Point, MultiPoint
        return _POINT
    if kind in (1, 2, 5):  # LineString, LinearRing, MultiLineString
        return _LINESTRING
    if kind in (3, 6):  # Polygon, MultiPolygon
        return _POLYGON
    raise ValueError(f"cannot encode a {shapely.get_type_id(geom)} geometry in a vector tile")


def _commands_array(geom: shapely.Geometry) -> np.ndarray:
    kind = _geometry_type(geom)
    cursor = np.zeros(2, dtype=np.int64)
    parts: list[np.ndarray] = []
    if kind == _POINT:
        points = np.asarray(shapely.get_coordinates(geom), dtype=np.int64)
        if len(points) == 0:
            return np.zeros(0, dtype=np.uint64)
        deltas = np.diff(np.vstack([cursor[None, :], points]), axis=0)
        return np.concatenate([np.array([_command(_MOVE_TO, len(points))], dtype=np.uint64), _zigzag(deltas).ravel()])
    for part in shapely.get_parts(geom):
        if kind == _LINESTRING:
            points = np.asarray(shapely.get_coordinates(part), dtype=np.int64)
            if len(points) < 2:
                continue
            commands, cursor = _path(points, cursor, close=False)
            parts.append(commands)
            continue
        rings = shapely.get_rings(part)  # the exterior first
        for i, ring in enumerate(rings):
            points = _ring_points(ring)
            if len(points) < 3:
                if i == 0:
                    break  # a collapsed exterior ring drops the whole polygon with its holes
                continue
            commands, cursor = _path(points, cursor, close=True)
            parts.append(commands)
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.uint64)


def _polygon_geometries(geoms: Sequence[shapely.Geometry]) -> dict[int, bytes]:
    """Packed command integers of many polygonal geometries at once, by position.

    The same encoding as :func:`geometry_commands`, vectorised over all rings of all features:
    closing and repeated points are dropped, rings with fewer than three points too (with
    their holes if it is the exterior), and the cursor runs on from ring to ring within a
    feature. Features with nothing left are missing from the result.
    """
    if not len(geoms):
        return {}
    parts, part_feature = shapely.get_parts(np.asarray(geoms, dtype=object), return_index=True)
    if not len(parts):
        return {}
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    coords, coord_ring = shapely.get_coordinates(rings, return_index=True)
    coords = np.rint(coords).astype(np.int64)
    counts = np.bincount(coord_ring, minlength=len(rings))
    keep = np.ones(len(coords), dtype=bool)
    keep[(np.cumsum(counts) - 1)[counts > 0]] = False  # the closing point repeats the first
    keep[1:] &= ~((coord_ring[1:] == coord_ring[:-1]) & (coords[1:] == coords[:-1]).all(axis=1))
    kept = np.flatnonzero(keep)
    if kept.size:  # a point before the closing one may still equal the first
        ring_of = coord_ring[kept]
        first = kept[np.r_[True, ring_of[1:] != ring_of[:-1]]]
        last = kept[np.r_[ring_of[1:] != ring_of[:-1], True]]
        loop = (last != first) & (coords[last] == coords[first]).all(axis=1)
        keep[last[loop]] = False
    n = np.bincount(coord_ring[keep], minlength=len(rings))
    exterior = np.r_[True, ring_part[1:] != ring_part[:-1]]
    part_ok = np.zeros(len(parts), dtype=bool)
    part_ok[ring_part[exterior]] = n[exterior] >= 3
    ring_ok = (n >= 3) & part_ok[ring_part]
    keep &= ring_ok[coord_ring]
    points = coords[keep]
    if not len(points):
        return {}
    kept_rings = np.flatnonzero(ring_ok)
    sizes = n[kept_rings]
    ring_feature = part_feature[ring_part[kept_rings]]
    point_feature = np.repeat(ring_feature, sizes)
    deltas = np.diff(points, axis=0, prepend=np.zeros((1, 2), dtype=np.int64))
    starts = np.r_[True, point_feature[1:] != point_feature[:-1]]
    deltas[starts] = points[starts]  # the cursor starts at (0, 0) in every feature
    params = _zigzag(deltas)
    lengths = 2 * sizes + 3  # MoveTo, x, y, LineTo, 2 (n - 1) parameters, ClosePath
    offsets = np.cumsum(lengths) - lengths
    commands = np.empty(int(lengths.sum()), dtype=np.uint64)
    commands[offsets] = _command(_MOVE_TO, 1)
    commands[offsets + 3] = (np.uint64(_LINE_TO) | ((sizes - 1).astype(np.uint64) << np.uint64(3))).astype(np.uint64)
    commands[offsets + 2 * sizes + 2] = _command(_CLOSE_PATH, 1)
    ring_pos = np.repeat(np.arange(len(kept_rings)), sizes)
    local = np.arange(len(points)) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    where = offsets[ring_pos] + 1 + 2 * local + (local >= 1)
    commands[where] = params[:, 0]
    commands[where + 1] = params[:, 1]
    data = varints(commands)
    value_feature = np.repeat(ring_feature, lengths)
    features, first_value = np.unique(value_feature, return_index=True)
    byte_ends = np.cumsum(_varint_lengths(commands))
    byte_starts = np.r_[0, byte_ends[:-1]]
    last_value = np.r_[first_value[1:], len(commands)] - 1
    return {
        int(f): data[byte_starts[a] : byte_ends[b]] for f, a, b in zip(features, first_value, last_value, strict=True)
    }


def geometry_commands(geom: shapely.Geometry) -> list[int]:
    """The command integers of a geometry already in integer tile coordinates (winding as given)."""
    return [int(c) for c in _commands_array(geom)]


# -- tile message ---------------------------------------------------------------------------------
@dataclass
class Layer:
    """One layer of a tile: geometries in tile coordinates with their properties.

    Properties with ``None`` (or NaN) values are left out of the feature, as the format has
    no null value.
    """

    name: str
    extent: int = DEFAULT_EXTENT
    geometries: list[shapely.Geometry] = field(default_factory=list)
    properties: list[Mapping[str, Any]] = field(default_factory=list)
    ids: list[int | None] = field(default_factory=list)

    def add(self, geometry: shapely.Geometry, properties: Mapping[str, Any], feature_id: int | None = None) -> None:
        """Append a feature."""
        self.geometries.append(geometry)
        self.properties.append(properties)
        self.ids.append(feature_id)

    def encode(self) -> bytes:
        """The ``Layer`` message; features whose geometry vanished are skipped."""
        keys: dict[str, int] = {}
        values: dict[tuple[str, Any], int] = {}
        kinds = shapely.get_type_id(np.asarray(self.geometries, dtype=object))
        polygonal = np.flatnonzero((kinds == 3) | (kinds == 6))
        packed = {
            int(polygonal[i]): data for i, data in _polygon_geometries([self.geometries[j] for j in polygonal]).items()
        }
        features = bytearray()
        for i, (geom, props, fid) in enumerate(zip(self.geometries, self.properties, self.ids, strict=True)):
            if kinds[i] in (3, 6):
                geometry = packed.get(i)
                if geometry is None:
                    continue
                kind = _POLYGON
            else:
                if geom is None or shapely.is_empty(geom):
                    continue
                commands = _commands_array(geom)
                if commands.size == 0:
                    continue
                geometry = varints(commands)
                kind = _geometry_type(geom)
            tags: list[int] = []
            for name, value in props.items():
                tagged = _tagged_value(value)
                if tagged is None:
                    continue
                tags.append(keys.setdefault(name, len(keys)))
                tags.append(values.setdefault(tagged, len(values)))
            body = bytearray()
            if fid is not None:
                body += _FEATURE_ID + _varint(fid)
            if tags:
                packed_tags = bytes(tags) if max(tags) < 0x80 else b"".join(_varint(t) for t in tags)
                body += _FEATURE_TAGS + _varint(len(packed_tags)) + packed_tags
            body += _FEATURE_TYPE + _varint(kind)
            body += _FEATURE_GEOMETRY + _varint(len(geometry)) + geometry
            features += _LAYER_FEATURE + _varint(len(body)) + body
        out = _varint_field(15, 2) + _bytes_field(1, self.name.encode())
        out += bytes(features)
        out += b"".join(_bytes_field(3, k.encode()) for k in keys)
        out += b"".join(_bytes_field(4, _value_message(v)) for v in values)
        out += _varint_field(5, self.extent)
        return out

    def __len__(self) -> int:
        return len(self.geometries)


def _tagged_value(value: Any) -> tuple[str, Any] | None:
    kind = type(value)  # exact types first: this runs for every property of every feature
    if kind is str:
        return ("string", value)
    if kind is float:
        return None if math.isnan(value) else ("double", value)
    if value is None:
        return None
    if isinstance(value, bool | np.bool_):
        return ("bool", bool(value))
    if isinstance(value, int | np.integer):
        return ("sint", int(value))
    if isinstance(value, float | np.floating):
        return None if math.isnan(value) else ("double", float(value))
    return ("string", str(value))


def _value_message(tagged: tuple[str, Any]) -> bytes:
    kind, value = tagged
    if kind == "string":
        return _bytes_field(1, value.encode())
    if kind == "double":
        return _key(3, _FIXED64) + np.float64(value).astype("<f8").tobytes()
    if kind == "sint":
        return _varint_field(6, int(_zigzag(np.array([value]))[0]))
    return _varint_field(7, int(value))


def encode_tile(layers: Sequence[Layer]) -> bytes:
    """The ``Tile`` message holding the given layers."""
    return b"".join(_bytes_field(3, layer.encode()) for layer in layers)


# -- geometry preparation ---------------------------------------------------------------------------
def lon_lat_to_unit(coords: np.ndarray) -> np.ndarray:
    """Longitude/latitude (degrees) to unit Web Mercator (0..1, y down); latitudes are clamped."""
    coords = np.asarray(coords, dtype=np.float64)
    lon = coords[:, 0]
    lat = np.radians(np.clip(coords[:, 1], -MAX_LATITUDE, MAX_LATITUDE))
    x = (lon + 180.0) / 360.0
    y = 0.5 - np.log(np.tan(np.pi / 4.0 + lat / 2.0)) / (2.0 * np.pi)
    return np.column_stack([x, y])


def tile_query_box(
    z: int, x: int, y: int, *, extent: int = DEFAULT_EXTENT, buffer: int = DEFAULT_BUFFER
) -> shapely.Polygon:
    """The buffered tile in unit Web Mercator (to find candidate geometries)."""
    n = float(2**z)
    b = buffer / extent
    return shapely.box((x - b) / n, (y - b) / n, (x + 1 + b) / n, (y + 1 + b) / n)


def tile_geometries(
    geoms: np.ndarray,
    z: int,
    x: int,
    y: int,
    *,
    extent: int = DEFAULT_EXTENT,
    buffer: int = DEFAULT_BUFFER,
) -> np.ndarray:
    """Geometries in unit Web Mercator → integer tile coordinates of tile ``z/x/y``.

    Clipped to the tile plus ``buffer``, snapped to the integer grid (staying valid), parts of a
    lower dimension left over from clipping dropped, polygons wound as the specification
    requires. Geometries that do not reach into the tile come back empty.
    """
    geoms = np.asarray(geoms, dtype=object)
    if geoms.size == 0:
        return geoms
    scale = float(2**z) * extent
    offset = np.array([x * extent, y * extent], dtype=np.float64)
    local = shapely.transform(geoms, lambda c: c * scale - offset)
    clip = shapely.box(-buffer, -buffer, extent + buffer, extent + buffer)
    inside = shapely.contains_properly(clip, local)
    clipped = local.copy()
    if not inside.all():
        clipped[~inside] = shapely.intersection(local[~inside], clip)
    snapped = shapely.transform(clipped, np.rint)  # on the grid; fine unless that made it invalid ...
    broken = ~shapely.is_valid(snapped) & ~shapely.is_empty(clipped)
    if broken.any():  # ... then let GEOS snap it, keeping it valid (collapsed parts disappear)
        snapped[broken] = shapely.set_precision(clipped[broken], 1.0)
    dims = shapely.get_dimensions(geoms)
    out = snapped.copy()
    mixed = (shapely.get_type_id(snapped) == 7) | (shapely.get_dimensions(snapped) != dims) | shapely.is_empty(snapped)
    for i in np.flatnonzero(mixed):
        out[i] = _same_dimension(snapped[i], int(dims[i]))
    polygonal = dims == 2
    if polygonal.any():
        out[polygonal] = shapely.orient_polygons(out[polygonal], exterior_cw=False)
    return out


def _simple_parts(geom: shapely.Geometry) -> list[shapely.Geometry]:
    """Points, line strings and polygons of a geometry, collections and multi-parts taken apart."""
    parts = list(shapely.get_parts(geom))
    out: list[shapely.Geometry] = []
    while parts:
        part = parts.pop(0)
        if shapely.get_type_id(part) in (4, 5, 6, 7):
            parts[:0] = list(shapely.get_parts(part))
        else:
            out.append(part)
    return out


def _same_dimension(geom: shapely.Geometry | None, dim: int) -> shapely.Geometry:
    """The parts of ``geom`` with dimension ``dim`` (clipping may leave points or lines on the edge)."""
    if geom is None or shapely.is_empty(geom):
        return shapely.from_wkt("GEOMETRYCOLLECTION EMPTY")
    if shapely.get_type_id(geom) != 7 and shapely.get_dimensions(geom) == dim:
        return geom
    parts = [p for p in _simple_parts(geom) if shapely.get_dimensions(p) == dim]
    if not parts:
        return shapely.from_wkt("GEOMETRYCOLLECTION EMPTY")
    if dim == 2:
        return shapely.multipolygons(parts) if len(parts) > 1 else parts[0]
    if dim == 1:
        return shapely.multilinestrings(parts) if len(parts) > 1 else parts[0]
    return shapely.multipoints(parts) if len(parts) > 1 else parts[0]
