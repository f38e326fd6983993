"""Vector tiles (Mapbox Vector Tile 2.1) of the units of a level, optionally with indicator values.

``GET /api/v1/tiles/{level}/{z}/{x}/{y}.mvt?date=&indicator=`` returns one layer named after
the level. Its features are the unit versions valid on ``date`` (default: today) with the
properties ``unit_id``, ``name`` and, when ``indicator`` is given, ``value`` (and ``status``
when the value is not ``ok``; a missing number leaves ``value`` out, as the format has no
null). The values are those of ``date`` when it is given, else those of the latest date
with observed values (on today's units), as in the OGC API.

A tile without features is answered with ``204 No Content`` and an empty body, which map
libraries (MapLibre, OpenLayers, Leaflet.VectorGrid) treat as an empty tile.

Tiles are cut in pure Python (see :mod:`ortswissen.web._mvt`). The units of a level on a
day are read once and kept in Web Mercator with a spatial index (the store is read-only
while serving), so a tile costs a few milliseconds. Feature ids are stable for one level
and day; use ``unit_id`` (e.g. MapLibre's ``promoteId``) to join data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any

import numpy as np
import pandas as pd
import shapely
from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response

from ortswissen.config import Settings
from ortswissen.errors import InvalidInput
from ortswissen.ports import Store
from ortswissen.web import _mvt
from ortswissen.web._problems import problems
from ortswissen.web.api._deps import check_visible, get_settings, get_store, parse_query_date
from ortswissen.web.ogc import TimeFilter, as_date, select_values, serving_cache, tile_cache, value_summary

__all__ = ["MVT_MEDIA_TYPE", "router"]

router = APIRouter(tags=["tiles"])
StoreDep = Annotated[Store, Depends(get_store)]
SettingsDep = Annotated[Settings, Depends(get_settings)]

#: Media type of a Mapbox vector tile.
MVT_MEDIA_TYPE = "application/vnd.mapbox-vector-tile"


@dataclass(frozen=True)
class _LevelUnits:
    """The unit versions of a level valid on one day, ready for cutting tiles."""

    unit_ids: list[str]
    names: list[str | None]
    valid_from: list[dt.date]
    geoms: np.ndarray  # unit Web Mercator
    tree: shapely.STRtree


@dataclass(frozen=True)
class _Values:
    values: np.ndarray  # float, NaN where there is no number
    status: list[str | None]  # None where ok


def _load_units(store: Store, level: str, day: dt.date) -> _LevelUnits:
    frame = store.unit_versions(level, at=day, geometry=True, wgs84=True)
    geoms = shapely.transform(np.asarray(frame.geometry.values, dtype=object), _mvt.lon_lat_to_unit)
    return _LevelUnits(
        unit_ids=[str(u) for u in frame["unit_id"]],
        names=[None if pd.isna(n) else str(n) for n in frame["name"]],
        valid_from=[as_date(v) for v in frame["valid_from"]],
        geoms=geoms,
        tree=shapely.STRtree(geoms),
    )


def _load_values(
    store: Store, summary: pd.DataFrame, level: str, day: dt.date, explicit: bool, indicator: str, units: _LevelUnits
) -> _Values:
    when = TimeFilter(day=day) if explicit else TimeFilter()
    selected = select_values(store, level, [indicator], when, summary=summary, units_day=day)
    cells = selected.cells
    values = np.full(len(units.unit_ids), np.nan)
    status: list[str | None] = [None] * len(units.unit_ids)
    for i, key in enumerate(zip(units.unit_ids, units.valid_from, strict=True)):
        cell = cells.get((indicator, *key))
        if cell is None:
            continue
        value, state = cell
        if value is not None:
            values[i] = value
        if state != "ok":
            status[i] = state
    return _Values(values, status)


@router.get(
    "/tiles/{level}/{z}/{x}/{y}.mvt",
    summary="Vector tile of a level's units (Mapbox Vector Tile)",
    response_class=Response,
    responses={
        200: {"content": {MVT_MEDIA_TYPE: {}}, "description": "A vector tile with one layer named after the level."},
        204: {"description": "No unit reaches into this tile (empty body)."},
        **problems(400, 404),
    },
)
def tile(
    request: Request,
    level: str,
    z: Annotated[int, Path(ge=0, le=_mvt.MAX_ZOOM, description="Zoom level.")],
    x: Annotated[int, Path(ge=0, description="Tile column (0 at 180° W).")],
    y: Annotated[int, Path(ge=0, description="Tile row (0 in the north).")],
    store: StoreDep,
    settings: SettingsDep,
    date: Annotated[
        str | None, Query(description="Units valid on this day and values of this date (default: today, latest).")
    ] = None,
    indicator: Annotated[str | None, Query(description="Add this indicator's value as property 'value'.")] = None,
) -> Response:
    """One tile in Web Mercator (EPSG:3857, extent 4096, buffer 64); 204 when it is empty."""
    if x >= 2**z or y >= 2**z:
        raise InvalidInput(f"tile {z}/{x}/{y} does not exist: x and y must be below {2**z} at zoom {z}")
    store.get_level(level)
    meta = check_visible(store.get_indicator(indicator), settings) if indicator else None
    day = parse_query_date(date)
    explicit = day is not None
    day = day or dt.date.today()
    cache = serving_cache(request)
    units: _LevelUnits = cache.get(("tile-units", level, day), lambda: _load_units(store, level, day))
    values: _Values | None = None
    if meta is not None:
        summary = value_summary(request, store)
        values = cache.get(
            ("tile-values", level, day, explicit, meta.id),
            lambda: _load_values(store, summary, level, day, explicit, meta.id, units),
        )
    body = tile_cache(request).get(
        (level, day, explicit, meta.id if meta else None, z, x, y), lambda: _cut(level, units, values, z, x, y)
    )
    if not body:
        return Response(status_code=204, media_type=MVT_MEDIA_TYPE)
    return Response(body, media_type=MVT_MEDIA_TYPE)


def _cut(level: str, units: _LevelUnits, values: _Values | None, z: int, x: int, y: int) -> bytes:
    """The encoded tile (empty bytes when no unit reaches into it)."""
    hits = units.tree.query(_mvt.tile_query_box(z, x, y))
    if hits.size == 0:
        return b""
    hits = np.sort(hits)
    geoms = _mvt.tile_geometries(units.geoms[hits], z, x, y)
    layer = _mvt.Layer(level)
    for i, geom in zip(hits, geoms, strict=True):
        if shapely.is_empty(geom):
            continue
        props: dict[str, Any] = {"unit_id": units.unit_ids[i], "name": units.names[i]}
        if values is not None:
            props["value"] = values.values[i]
            if values.status[i] is not None:
                props["status"] = values.status[i]
        layer.add(geom, props, int(i) + 1)
    return _mvt.encode_tile([layer]) if len(layer) else b""
