"""OGC API – Features (Part 1: Core with GeoJSON, Part 2: Coordinate Reference Systems) under ``/ogc``.

Every spatial level is one collection (id = level id). Its features are the unit versions
with ``unit_id``, ``name``, ``parent_id``, ``valid_from``, ``valid_to`` and the values of the
level's indicators as properties named by indicator id (a number or ``null``; a property
``<id>_status`` appears only where the status is not ``ok``). Feature ids are
``<unit_id>@<valid_from>``; ``/items/<unit_id>`` also works and returns the version valid on
``datetime`` (default: today).

Time (``datetime``)
    * a day (``2021-06-30``, a date-time counts by its day): the unit versions valid on that day
      and the values of that date;
    * an interval (``a/b``, ``../b``, ``a/..``): the unit versions valid on any day of it and,
      per indicator, the values of the latest date in it that has values (on the versions
      valid that day; others get ``null``);
    * nothing: today's units and, per indicator, the latest date with observed values
      (expressed on today's units).

  The dates used are listed per indicator in the foreign member ``valueDates``.

Coordinates are WGS84 longitude/latitude (CRS84) unless ``crs`` asks for another supported
CRS (the project CRS or EPSG:4326, whose axis order is latitude, longitude); ``bbox`` is in
CRS84 unless ``bbox-crs`` says otherwise. The chosen CRS is named in the ``Content-Crs``
header. Readable by GDAL's OAPIF driver (QGIS, ogr2ogr): ``OAPIF:http://host:port/ogc``;
``/collections/{id}/schema`` (the collection's ``describedby`` link) types its fields.

The store is read-only while serving, so the unit versions of a level for a time filter,
their GeoJSON geometries and the dates chosen per indicator are computed once and kept in a
small cache (:class:`ServingCache`, shared with the vector tiles), and the level's values for
a time filter in a second one with few entries; a page of features then only looks up its
units and splices their encoded geometries into the response.

Examples
--------
>>> parse_datetime("2021-01-01")
TimeFilter(day=datetime.date(2021, 1, 1), start=None, end=None)
>>> parse_datetime("../2020-12-31").end
datetime.date(2020, 12, 31)
>>> parse_bbox("9.4,51.2,9.6,51.4")
(9.4, 51.2, 9.6, 51.4)
"""

from __future__ import annotations

import datetime as dt
import json
import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pyproj import CRS, Transformer

from ortswissen.config import Settings
from ortswissen.errors import InvalidInput, OrtswissenError, UnknownLevel, UnknownUnit
from ortswissen.indicators import OBSERVED, ValueStatus
from ortswissen.ports import Store
from ortswissen.units import Level
from ortswissen.web._problems import problems
from ortswissen.web.api._deps import get_settings, get_store, parse_query_date, visible_indicator

__all__ = [
    "CONFORMANCE",
    "CRS84",
    "TILE_CACHE_SIZE",
    "NotAcceptable",
    "SelectedValues",
    "ServingCache",
    "TimeFilter",
    "as_date",
    "parse_bbox",
    "parse_datetime",
    "router",
    "select_values",
    "serving_cache",
    "tile_cache",
    "value_summary",
]

router = APIRouter(prefix="/ogc", tags=["OGC API Features"])
StoreDep = Annotated[Store, Depends(get_store)]
SettingsDep = Annotated[Settings, Depends(get_settings)]

#: WGS84 longitude/latitude, the default CRS of OGC API – Features.
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
_EPSG = "http://www.opengis.net/def/crs/EPSG/0/"
#: The conformance classes this implementation claims.
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
]
DEFAULT_LIMIT = 100
MAX_LIMIT = 10_000
#: Level-wide value selections kept for the items of a collection (see ``_selection``).
VALUE_CACHE_SIZE = 8
#: Encoded vector tiles kept (a few tens of kB each: the atlas asks every visitor for the same).
TILE_CACHE_SIZE = 1024

_JSON = "application/json"
_GEOJSON = "application/geo+json"
_OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
_SCHEMA = "application/schema+json"
_ITEM_PARAMS = {"bbox", "bbox-crs", "datetime", "limit", "offset", "crs", "f"}
_BASE_PROPERTIES = ["unit_id", "name", "parent_id", "valid_from", "valid_to"]


class NotAcceptable(OrtswissenError):
    """The client accepts none of the media types the resource is available in."""

    http_status = 406
    code = "not-acceptable"


# -- parameters ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TimeFilter:
    """A ``datetime`` parameter: one day, or an interval with open or closed ends."""

    day: dt.date | None = None
    start: dt.date | None = None
    end: dt.date | None = None

    @property
    def is_interval(self) -> bool:
        """Whether an interval was given."""
        return self.day is None and (self.start is not None or self.end is not None)


def _instant(text: str) -> dt.date:
    text = text.strip()
    if "T" in text or "t" in text:
        try:
            return dt.datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00")).date()
        except ValueError as exc:
            raise InvalidInput(f"query parameter datetime: {text!r} is not an RFC 3339 date-time") from exc
    day = parse_query_date(text, "datetime")
    assert day is not None
    return day


def parse_datetime(value: str | None) -> TimeFilter:
    """Parse an OGC ``datetime`` value (a date, a date-time or an interval ``a/b`` with ``..`` for open)."""
    if value is None or not value.strip():
        return TimeFilter()
    if "/" not in value:
        return TimeFilter(day=_instant(value))
    first, _, second = value.partition("/")
    start = None if first.strip() in ("", "..") else _instant(first)
    end = None if second.strip() in ("", "..") else _instant(second)
    if start is None and end is None:
        raise InvalidInput("query parameter datetime: an interval needs at least one end")
    if start is not None and end is not None and start > end:
        raise InvalidInput(f"query parameter datetime: the interval starts after it ends ({value})")
    return TimeFilter(start=start, end=end)


def parse_bbox(value: str) -> tuple[float, float, float, float]:
    """Four numbers ``minx,miny,maxx,maxy`` (six with heights, which are ignored)."""
    try:
        numbers = [float(part) for part in value.split(",")]
    except ValueError:
        numbers = []
    if len(numbers) not in (4, 6) or not all(math.isfinite(n) for n in numbers):
        raise InvalidInput(f"query parameter bbox: {value!r} must be four numbers minx,miny,maxx,maxy")
    if len(numbers) == 6:
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    minx, miny, maxx, maxy = numbers
    if miny > maxy:
        raise InvalidInput(f"query parameter bbox: {value!r}: the lower bound {miny} is above the upper {maxy}")
    return minx, miny, maxx, maxy


def _negotiate(request: Request, f: str | None, offered: Sequence[str]) -> str:
    """The media type to answer with: ``f`` (validated by its enumeration) wins, then ``Accept`` (q-values honoured)."""
    header = request.headers.get("accept", "")
    if f is not None or not header.strip():
        return offered[0]
    ranges: list[tuple[float, int, str]] = []
    for i, item in enumerate(header.split(",")):
        kind, *params = (p.strip() for p in item.split(";"))
        q = 1.0
        for param in params:
            name, _, number = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(number)
                except ValueError:
                    q = 0.0
        if kind and q > 0:
            ranges.append((-q, i, kind.lower()))
    for _, _, kind in sorted(ranges):
        if kind in ("*/*", "application/*"):
            return offered[0]
        if kind in offered:
            return kind
    raise NotAcceptable(f"not available as {header}; available: {', '.join(offered)}")


def _dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _json(data: dict[str, Any], media_type: str, headers: dict[str, str] | None = None) -> Response:
    return Response(_dumps(data), media_type=media_type, headers=headers)


# -- CRS --------------------------------------------------------------------------------------------------
def _crs_uri(crs: CRS) -> str | None:
    code = crs.to_epsg()
    return None if code is None else f"{_EPSG}{code}"


def _supported_crs(store: Store) -> list[str]:
    out = [CRS84, f"{_EPSG}4326"]
    project = _crs_uri(store.project_crs())
    if project is not None and project not in out:
        out.append(project)
    return out


def _storage_crs(store: Store) -> str:
    return _crs_uri(store.project_crs()) or CRS84


def _parse_crs(value: str | None, supported: list[str], name: str) -> str:
    if value is None or not value.strip():
        return CRS84
    text = value.strip().strip("[]")
    upper = text.upper()
    if upper in ("OGC:CRS84", "CRS84"):
        text = CRS84
    elif upper.startswith("EPSG:"):
        text = _EPSG + text[5:]
    text = text.replace("https://", "http://", 1)
    if text not in supported:
        raise InvalidInput(f"query parameter {name}: {value!r} is not supported; supported: {', '.join(supported)}")
    return text


def _pyproj(uri: str) -> CRS:
    if uri == CRS84:
        return CRS.from_user_input("OGC:CRS84")
    return CRS.from_epsg(int(uri.rsplit("/", 1)[1]))


def _north_first(crs: CRS) -> bool:
    return bool(crs.axis_info) and crs.axis_info[0].direction.lower() in ("north", "south")


def _bbox_area(bbox: tuple[float, float, float, float], bbox_uri: str, frame_crs: CRS) -> shapely.Geometry:
    """The bbox (given in ``bbox_uri`` and its axis order) as an area in ``frame_crs`` (x/y order)."""
    source = _pyproj(bbox_uri)
    minx, miny, maxx, maxy = bbox
    if _north_first(source):
        minx, miny, maxx, maxy = miny, minx, maxy, maxx
    if source.is_geographic and not (-90 <= miny <= maxy <= 90 and -180 <= min(minx, maxx) <= max(minx, maxx) <= 180):
        raise InvalidInput(f"query parameter bbox: {bbox} is not a longitude/latitude box")
    if minx > maxx:
        if not source.is_geographic:
            raise InvalidInput(f"query parameter bbox: the lower bound {minx} is right of the upper {maxx}")
        area = shapely.union(shapely.box(minx, miny, 180.0, maxy), shapely.box(-180.0, miny, maxx, maxy))
    else:
        area = shapely.box(minx, miny, maxx, maxy)
    if source.equals(frame_crs, ignore_axis_order=True):
        return area
    transformer = Transformer.from_crs(source, frame_crs, always_xy=True)
    step = max(maxx - minx, maxy - miny) / 64 or 1.0
    try:
        dense = shapely.segmentize(area, step)
        moved = shapely.transform(dense, lambda c: np.column_stack(transformer.transform(c[:, 0], c[:, 1])))
    except (shapely.errors.GEOSException, ValueError) as exc:
        raise InvalidInput(f"query parameter bbox: {bbox} cannot be used in {bbox_uri}") from exc
    if not np.isfinite(shapely.get_coordinates(moved)).all():
        raise InvalidInput(f"query parameter bbox: {bbox} lies outside the area of {bbox_uri}")
    return moved


# -- caching ---------------------------------------------------------------------------------------------
class ServingCache:
    """A small least-recently-used cache shared by the OGC API and the tiles, safe across threads.

    The store is read-only while serving, so what was read once (unit geometries of a level
    on a day, the value summary, the dates chosen for a time filter) stays true; entries
    that depend on "today" carry the day in their key.
    """

    def __init__(self, size: int = 64) -> None:
        self._size = size
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self._building: dict[Hashable, threading.Lock] = {}

    def get(self, key: Hashable, build: Callable[[], Any]) -> Any:
        """The cached item for ``key``, built once (other threads asking for it wait)."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
            building = self._building.setdefault(key, threading.Lock())
        with building:
            with self._lock:
                if key in self._items:
                    return self._items[key]
            item = build()
            with self._lock:
                self._items[key] = item
                while len(self._items) > self._size:
                    self._items.popitem(last=False)
                self._building.pop(key, None)
            return item


_CACHE_LOCK = threading.Lock()


def _app_cache(request: Request, name: str, size: int | None = None) -> ServingCache:
    """The cache ``name`` of the app serving ``request`` (created on first use, once)."""
    cache = getattr(request.app.state, name, None)
    if cache is None:
        with _CACHE_LOCK:
            cache = getattr(request.app.state, name, None)
            if cache is None:
                cache = ServingCache() if size is None else ServingCache(size)
                setattr(request.app.state, name, cache)
    return cache  # type: ignore[no-any-return]


def serving_cache(request: Request) -> ServingCache:
    """The cache of the app serving ``request`` (created on first use)."""
    return _app_cache(request, "serving_cache")


def tile_cache(request: Request) -> ServingCache:
    """The cache of encoded vector tiles (the most recent :data:`TILE_CACHE_SIZE`)."""
    return _app_cache(request, "tile_cache", TILE_CACHE_SIZE)


def _value_cache(request: Request) -> ServingCache:
    """The cache of level-wide value selections (few entries: each holds units × indicators values)."""
    return _app_cache(request, "ogc_value_cache", VALUE_CACHE_SIZE)


def value_summary(request: Request, store: Store) -> pd.DataFrame:
    """The store's value summary (cached: it scans every value)."""
    return serving_cache(request).get(("summary",), store.value_summary)  # type: ignore[no-any-return]


# -- values ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SelectedValues:
    """Indicator values chosen for a time filter.

    ``dates`` holds the date used per indicator (``None``: no values); ``cells`` maps
    ``(indicator_id, unit_id, unit_valid_from)`` to ``(value or None, status)``.
    """

    dates: dict[str, dt.date | None]
    cells: dict[tuple[str, str, dt.date], tuple[float | None, str]]


def as_date(value: Any) -> dt.date:
    """A date from what a store frame holds (date, datetime/Timestamp, numpy datetime64 or ISO text)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return pd.Timestamp(value).date()


def _optional_day(value: Any) -> dt.date | None:
    if value is None or (not isinstance(value, dt.date) and pd.isna(value)):
        return None
    return as_date(value)


def _frame_days(frame: pd.DataFrame) -> np.ndarray:
    return np.array([as_date(d) for d in frame["date"]], dtype=object)


def _value_dates(
    store: Store,
    level_id: str,
    ids: list[str],
    when: TimeFilter,
    summary: pd.DataFrame,
    units_day: dt.date,
) -> tuple[dict[str, dt.date | None], pd.DataFrame | None]:
    """The date chosen per indicator, and the level's values of those dates when they had to be read."""
    if when.day is not None:
        return dict.fromkeys(ids, when.day), None
    mine = summary[(summary["level_id"] == level_id) & summary["indicator_id"].isin(ids)]
    dates: dict[str, dt.date | None] = dict.fromkeys(ids)
    if mine.empty:
        return dates, None
    if when.is_interval:
        first = max(when.start or dt.date.min, min(as_date(d) for d in mine["first_date"]))
        last = min(when.end or dt.date.max, max(as_date(d) for d in mine["last_date"]))
        if first > last:
            return dates, None
        days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
        frame = store.read_values(ids, level_id=level_id, dates=days, scenario=OBSERVED)
    else:
        latest = {str(r.indicator_id): as_date(r.last_date) for r in mine.itertuples(index=False)}
        parts = []
        for day in sorted(set(latest.values())):
            same = [i for i, d in latest.items() if d == day]
            parts.append(store.read_values(same, level_id=level_id, dates=[day], scenario=OBSERVED, as_of=units_day))
        found = {str(i) for part in parts for i in part["indicator_id"]}
        missing = [i for i in latest if i not in found]  # the latest date was not observed
        if missing:
            parts.append(store.read_values(missing, level_id=level_id, scenario=OBSERVED, as_of=units_day))
        filled = [p for p in parts if len(p)]
        frame = pd.concat(filled, ignore_index=True) if filled else parts[0]
    if len(frame):
        days_of = _frame_days(frame)
        for indicator, day in pd.Series(days_of).groupby(frame["indicator_id"].to_numpy()).max().items():
            dates[str(indicator)] = day
        frame = frame[[dates.get(i) == d for i, d in zip(frame["indicator_id"], days_of, strict=True)]]
    return dates, frame


def _read_cells(
    store: Store,
    level_id: str,
    dates: dict[str, dt.date | None],
    *,
    as_of: dt.date | None,
    unit_ids: Sequence[str] | None,
) -> pd.DataFrame:
    parts = []
    for day in sorted({d for d in dates.values() if d is not None}):
        same = [i for i, d in dates.items() if d == day]
        parts.append(
            store.read_values(same, level_id=level_id, dates=[day], scenario=OBSERVED, as_of=as_of, unit_ids=unit_ids)
        )
    parts = [p for p in parts if len(p)]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=_VALUE_COLUMNS)


_VALUE_COLUMNS = ["indicator_id", "unit_id", "unit_valid_from", "date", "value", "status"]


def select_values(
    store: Store,
    level_id: str,
    indicator_ids: Sequence[str],
    when: TimeFilter | None = None,
    *,
    summary: pd.DataFrame | None = None,
    dates: dict[str, dt.date | None] | None = None,
    unit_ids: Sequence[str] | None = None,
    units_day: dt.date | None = None,
) -> SelectedValues:
    """Observed values of the indicators at one level for a time filter.

    * a day: the values of that date (on the versions valid that day);
    * an interval: per indicator the latest date in it with values (on the versions valid that day);
    * neither: per indicator the latest date with values, expressed on the units valid on
      ``units_day`` (default: today).

    ``dates`` (from an earlier call) skips choosing the dates; ``unit_ids`` limits the units read.
    """
    when = when or TimeFilter()
    ids = list(indicator_ids)
    units_day = units_day or dt.date.today()
    as_of = units_day if when.day is None and not when.is_interval else None
    frame: pd.DataFrame | None = None
    if dates is None:
        dates, frame = _value_dates(
            store, level_id, ids, when, summary if summary is not None else store.value_summary(), units_day
        )
    if frame is None or unit_ids is not None:
        frame = _read_cells(store, level_id, dates, as_of=as_of, unit_ids=unit_ids)
    return _cells(frame, dates)


def _cells(frame: pd.DataFrame, dates: dict[str, dt.date | None]) -> SelectedValues:
    cells: dict[tuple[str, str, dt.date], tuple[float | None, str]] = {}
    if not len(frame):
        return SelectedValues(dates, cells)
    # one row per value (tens of thousands for a page of features): columns as lists, and the
    # few distinct dates and statuses converted once, not per row
    days, starts, statuses = frame["date"].tolist(), frame["unit_valid_from"].tolist(), frame["status"].tolist()
    day_of = {d: as_date(d) for d in {*days, *starts}}
    has_number = {s: ValueStatus(s).has_number for s in set(statuses)}
    missing = frame["value"].isna().tolist()
    for indicator, unit, valid_from, day, value, status, na in zip(
        frame["indicator_id"].tolist(),
        frame["unit_id"].tolist(),
        starts,
        days,
        frame["value"].tolist(),
        statuses,
        missing,
        strict=True,
    ):
        if dates.get(indicator) != day_of[day]:
            continue
        number = None if na or not has_number[status] else float(value)
        cells[(str(indicator), str(unit), day_of[valid_from])] = (number, str(status))
    return SelectedValues(dates, cells)


# -- helpers ---------------------------------------------------------------------------------------------
def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _link(href: str, rel: str, media_type: str, title: str | None = None) -> dict[str, str]:
    link = {"href": href, "rel": rel, "type": media_type}
    if title:
        link["title"] = title
    return link


def _collection_level(store: Store, collection_id: str) -> Level:
    levels = store.list_levels()
    for level in levels:
        if level.id == collection_id:
            return level
    raise UnknownLevel(collection_id, f"unknown collection {collection_id!r}", available=[lv.id for lv in levels])


def _level_indicators(request: Request, store: Store, settings: Settings, level_id: str) -> list[Any]:
    """The (visible) indicators with values at a level, in catalogue order."""
    summary = value_summary(request, store)
    present = set(summary.loc[summary["level_id"] == level_id, "indicator_id"])
    return [m for m in store.list_indicators() if m.id in present and visible_indicator(m, settings)]


def _iso(day: dt.date | None) -> str | None:
    return None if day is None else f"{day.isoformat()}T00:00:00Z"


def _extent(store: Store, level_id: str) -> dict[str, Any]:
    units = store.unit_versions(level_id, geometry=True, wgs84=True)
    spatial: list[list[float]] = []
    if len(units) and not units.geometry.is_empty.all():
        spatial = [[round(float(v), 7) for v in shapely.total_bounds(units.geometry.values)]]
    starts = [as_date(v) for v in units["valid_from"]] if len(units) else []
    ends = [_optional_day(v) for v in units["valid_to"]] if len(units) else []
    temporal = [[_iso(min(starts)) if starts else None, None if not ends or None in ends else _iso(max(ends))]]
    return {
        "spatial": {"bbox": spatial, "crs": CRS84},
        "temporal": {"interval": temporal, "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"},
    }


def _collection(request: Request, store: Store, settings: Settings, level: Level) -> dict[str, Any]:
    base = _base(request)
    extent = serving_cache(request).get(("extent", level.id), lambda: _extent(store, level.id))
    indicators = _level_indicators(request, store, settings, level.id)
    href = f"{base}/ogc/collections/{level.id}"
    description = (
        f"{level.name_de} / {level.name_en}: Gebietseinheiten mit Indikatorwerten / units with indicator values"
    )
    if indicators:
        description += " (" + ", ".join(m.id for m in indicators) + ")"
    return {
        "id": level.id,
        "title": f"{level.name_de} / {level.name_en}",
        "description": description,
        "itemType": "feature",
        "links": [
            _link(href, "self", _JSON, "Diese Sammlung / this collection"),
            _link(f"{href}/items", "items", _GEOJSON, "Objekte / features"),
            _link(f"{href}/schema", "describedby", _SCHEMA, "Schema der Objekte / schema of the features"),
        ],
        "extent": extent,
        "crs": _supported_crs(store),
        "storageCrs": _storage_crs(store),
    }


# -- routes ---------------------------------------------------------------------------------------------
# Response schemas (after the OGC API – Features Part 1 OpenAPI fragments; extra members allowed).
_LINK = {
    "type": "object",
    "required": ["href", "rel"],
    "properties": {"href": {"type": "string"}, "rel": {"type": "string"}, "type": {"type": "string"}},
}
_LINKS = {"type": "array", "items": _LINK}
_LANDING = {"type": "object", "required": ["links"], "properties": {"title": {"type": "string"}, "links": _LINKS}}
_CONFORMANCE = {
    "type": "object",
    "required": ["conformsTo"],
    "properties": {"conformsTo": {"type": "array", "items": {"type": "string"}}},
}
_COLLECTION = {
    "type": "object",
    "required": ["id", "links"],
    "properties": {
        "id": {"type": "string"},
        "title": {"type": "string"},
        "links": _LINKS,
        "extent": {"type": "object"},
        "itemType": {"type": "string"},
        "crs": {"type": "array", "items": {"type": "string"}},
        "storageCrs": {"type": "string"},
    },
}
_COLLECTIONS = {
    "type": "object",
    "required": ["links", "collections"],
    "properties": {"links": _LINKS, "collections": {"type": "array", "items": _COLLECTION}},
}
_FEATURE = {
    "type": "object",
    "required": ["type", "geometry", "properties"],
    "properties": {
        "type": {"type": "string", "enum": ["Feature"]},
        "id": {"type": "string"},
        "geometry": {"type": ["object", "null"]},
        "properties": {"type": ["object", "null"]},
        "links": _LINKS,
    },
}
_FEATURES = {
    "type": "object",
    "required": ["type", "features"],
    "properties": {
        "type": {"type": "string", "enum": ["FeatureCollection"]},
        "features": {"type": "array", "items": _FEATURE},
        "numberMatched": {"type": "integer", "minimum": 0},
        "numberReturned": {"type": "integer", "minimum": 0},
        "timeStamp": {"type": "string", "format": "date-time"},
        "links": _LINKS,
    },
}


def _responses(schema: dict[str, Any], media_types: Sequence[str], *errors: int) -> dict[int | str, dict[str, Any]]:
    return {200: {"content": {m: {"schema": schema} for m in media_types}}, **problems(*errors)}


FormatQuery = Annotated[
    Literal["json", "geojson"] | None, Query(description="Encoding: json (geojson is the same for features).")
]


@router.get(
    "",
    summary="OGC API – Features: landing page",
    response_class=Response,
    responses=_responses(_LANDING, [_JSON], 400, 406),
)
def landing(request: Request, f: FormatQuery = None) -> Response:
    """Title and links to the API definition, the conformance declaration and the collections."""
    media_type = _negotiate(request, f, [_JSON])
    base = _base(request)
    return _json(
        {
            "title": "ortswissen – OGC API Features",
            "description": "Kleinräumige Gebietseinheiten und Indikatoren / small-area units and indicators",
            "links": [
                _link(f"{base}/ogc", "self", _JSON, "Diese Seite / this document"),
                _link(f"{base}/api/v1/openapi.json", "service-desc", _OPENAPI, "API-Definition / API definition"),
                _link(f"{base}/ogc/conformance", "conformance", _JSON, "Konformitätsklassen / conformance classes"),
                _link(f"{base}/ogc/collections", "data", _JSON, "Sammlungen / collections"),
            ],
        },
        media_type,
    )


@router.get(
    "/conformance",
    summary="Conformance classes",
    response_class=Response,
    responses=_responses(_CONFORMANCE, [_JSON], 400, 406),
)
def conformance(request: Request, f: FormatQuery = None) -> Response:
    """The conformance classes implemented (Core, GeoJSON, OpenAPI 3.0, CRS)."""
    return _json({"conformsTo": CONFORMANCE}, _negotiate(request, f, [_JSON]))


@router.get(
    "/collections",
    summary="Collections (one per spatial level)",
    response_class=Response,
    responses=_responses(_COLLECTIONS, [_JSON], 400, 406),
)
def collections(request: Request, store: StoreDep, settings: SettingsDep, f: FormatQuery = None) -> Response:
    """Every level as a collection with its spatial and temporal extent."""
    media_type = _negotiate(request, f, [_JSON])
    base = _base(request)
    return _json(
        {
            "links": [_link(f"{base}/ogc/collections", "self", _JSON, "Sammlungen / collections")],
            "collections": [_collection(request, store, settings, level) for level in store.list_levels()],
            "crs": _supported_crs(store),
        },
        media_type,
    )


@router.get(
    "/collections/{collectionId}",
    summary="One collection (a spatial level)",
    response_class=Response,
    responses=_responses(_COLLECTION, [_JSON], 400, 404, 406),
)
def collection(
    request: Request, collectionId: str, store: StoreDep, settings: SettingsDep, f: FormatQuery = None
) -> Response:
    """The collection's metadata and links."""
    media_type = _negotiate(request, f, [_JSON])
    level = _collection_level(store, collectionId)
    return _json(_collection(request, store, settings, level), media_type)


@router.get(
    "/collections/{collectionId}/schema",
    summary="Schema of the GeoJSON features of a collection",
    response_class=Response,
    responses=_responses({"type": "object"}, [_SCHEMA, _JSON], 400, 404, 406),
)
def schema(
    request: Request, collectionId: str, store: StoreDep, settings: SettingsDep, f: FormatQuery = None
) -> Response:
    """The GeoJSON feature with its properties: indicator values are numbers (``null`` where none), statuses strings.

    Written in the schema dialect of OpenAPI 3.0 (``nullable``), which GDAL's OAPIF driver reads
    to type the fields before it has seen any feature.
    """
    media_type = _negotiate(request, f, [_SCHEMA, _JSON])
    level = _collection_level(store, collectionId)
    properties: dict[str, Any] = {
        "unit_id": {"title": "Einheit / unit", "type": "string"},
        "name": {"title": "Name / name", "type": "string", "nullable": True},
        "parent_id": {"title": "Übergeordnete Einheit / parent unit", "type": "string", "nullable": True},
        "valid_from": {"title": "Gültig ab / valid from", "type": "string", "format": "date"},
        "valid_to": {"title": "Gültig bis / valid to", "type": "string", "format": "date", "nullable": True},
    }
    for meta in _level_indicators(request, store, settings, level.id):
        properties[meta.id] = {"title": f"{meta.title_de} / {meta.title_en}", "type": "number", "nullable": True}
        properties[f"{meta.id}_status"] = {
            "title": f"Status: {meta.title_de} / status: {meta.title_en} (nur wenn nicht ok / only when not ok)",
            "type": "string",
            "enum": [s.value for s in ValueStatus if s != ValueStatus.OK],
        }
    return _json(
        {
            "$id": f"{_base(request)}/ogc/collections/{level.id}/schema",
            "title": f"{level.name_de} / {level.name_en}",
            "type": "object",
            "required": ["type", "geometry", "properties"],
            "properties": {
                "type": {"type": "string", "enum": ["Feature"]},
                "id": {"type": "string", "description": "<unit_id>@<valid_from>"},
                "geometry": {"type": "object", "description": "GeoJSON Polygon or MultiPolygon"},
                "properties": {"type": "object", "required": ["unit_id", "valid_from"], "properties": properties},
            },
        },
        media_type,
    )


def _unit_frame(request: Request, store: Store, level_id: str, when: TimeFilter, crs_uri: str) -> gpd.GeoDataFrame:
    """Unit versions selected by time (cached), geometry in the project CRS (if asked for) or WGS84 (x/y)."""
    key = _unit_frame_key(store, level_id, when, crs_uri)
    _, _, day, _, project = key

    def build() -> gpd.GeoDataFrame:
        if day is not None:
            frame = store.unit_versions(level_id, at=day, geometry=True, wgs84=not project)
        else:
            frame = store.unit_versions(level_id, geometry=True, wgs84=not project)
            if len(frame):
                starts = np.array([as_date(v) for v in frame["valid_from"]], dtype=object)
                ends = np.array([_optional_day(v) for v in frame["valid_to"]], dtype=object)
                keep = np.ones(len(frame), dtype=bool)
                if when.end is not None:
                    keep &= starts <= when.end
                if when.start is not None:
                    keep &= np.array([e is None or e >= when.start for e in ends], dtype=bool)
                frame = frame[keep]
        frame = frame.reset_index(drop=True)
        shapely.prepare(frame.geometry.values)
        return frame

    return serving_cache(request).get(key, build)  # type: ignore[no-any-return]


def _unit_frame_key(store: Store, level_id: str, when: TimeFilter, crs_uri: str) -> tuple[Any, ...]:
    """The cache key of :func:`_unit_frame`: level, day (or interval) and whether in the project CRS."""
    project = crs_uri == _crs_uri(store.project_crs())
    day = when.day or (None if when.is_interval else dt.date.today())
    return ("ogc-units", level_id, day, None if day else (when.start, when.end), project)


def _frame_geometries(
    request: Request, store: Store, level_id: str, when: TimeFilter, crs_uri: str, frame: gpd.GeoDataFrame
) -> list[str | None]:
    """The GeoJSON text of every geometry of ``_unit_frame(…)`` (``frame``) in the output CRS (cached).

    Encoded as :func:`_json` encodes them (the same bytes), so that a page of features only
    splices them in instead of converting, parsing and re-encoding every coordinate.
    """

    def build() -> list[str | None]:
        if not len(frame):
            return []
        return [None if g is None else _dumps(json.loads(g)) for g in _output_geometries(frame, crs_uri)]

    key = ("ogc-geometries", *_unit_frame_key(store, level_id, when, crs_uri), crs_uri)
    return serving_cache(request).get(key, build)  # type: ignore[no-any-return]


def _output_geometries(frame: gpd.GeoDataFrame, crs_uri: str) -> list[str]:
    """GeoJSON geometries in the output CRS and its axis order, rounded (7 decimals for degrees, 3 for metres)."""
    target = _pyproj(crs_uri)
    geoms = np.asarray(frame.geometry.values, dtype=object)
    frame_crs = frame.crs
    if frame_crs is not None and not target.equals(frame_crs, ignore_axis_order=True):
        geoms = np.asarray(gpd.GeoSeries(geoms, crs=frame_crs).to_crs(target).values, dtype=object)
    digits = 7 if target.is_geographic else 3
    swap = _north_first(target)
    rounded = shapely.transform(geoms, lambda c: np.round(c[:, ::-1] if swap else c, digits))
    return list(shapely.to_geojson(rounded))


def _value_properties(
    indicators: list[str], selected: SelectedValues, unit_id: str, valid_from: dt.date
) -> dict[str, Any]:
    props: dict[str, Any] = {}
    for indicator in indicators:
        value, status = selected.cells.get((indicator, unit_id, valid_from), (None, "ok"))
        props[indicator] = value
        if status != "ok":
            props[f"{indicator}_status"] = status
    return props


def _text(value: Any) -> str | None:
    return None if value is None or pd.isna(value) else str(value)


def _features(
    request: Request,
    frame: gpd.GeoDataFrame,
    crs_uri: str,
    indicators: list[str],
    selected: SelectedValues,
    level_id: str,
    geometries: Sequence[str | None] | None = None,
) -> list[dict[str, Any]]:
    """The features of ``frame`` as dicts.

    Given ``geometries`` (encoded, from :func:`_frame_geometries`), their ``geometry`` stays
    ``None`` for :func:`_features_json` to splice the encoded text in.
    """
    spliced = geometries is not None
    geoms = geometries if spliced else (_output_geometries(frame, crs_uri) if len(frame) else [])
    href = f"{_base(request)}/ogc/collections/{level_id}/items"
    out = []
    for i, row in enumerate(frame[["unit_id", "name", "parent_id", "valid_from", "valid_to"]].itertuples(index=False)):
        valid_from = as_date(row.valid_from)
        valid_to = _optional_day(row.valid_to)
        feature_id = f"{row.unit_id}@{valid_from.isoformat()}"
        props: dict[str, Any] = {
            "unit_id": str(row.unit_id),
            "name": _text(row.name),
            "parent_id": _text(row.parent_id),
            "valid_from": valid_from.isoformat(),
            "valid_to": None if valid_to is None else valid_to.isoformat(),
        }
        props.update(_value_properties(indicators, selected, str(row.unit_id), valid_from))
        geom = geoms[i]
        out.append(
            {
                "type": "Feature",
                "id": feature_id,
                "geometry": None if geom is None or spliced else json.loads(geom),
                "properties": props,
                "links": [_link(f"{href}/{feature_id}", "self", _GEOJSON)],
            }
        )
    return out


def _features_json(features: list[dict[str, Any]], geometries: Sequence[str | None]) -> str:
    """The features as a JSON array, each with its encoded geometry spliced in (no re-encoding of coordinates).

    ``"geometry":null`` first occurs as the feature's own member: it follows only ``type`` and
    ``id``, and inside a JSON string a quote is always escaped.
    """
    parts = []
    for feature, geometry in zip(features, geometries, strict=True):
        text = _dumps(feature)
        if geometry is not None:
            text = text.replace('"geometry":null', f'"geometry":{geometry}', 1)
        parts.append(text)
    return "[" + ",".join(parts) + "]"


def _selection(
    request: Request,
    store: Store,
    level_id: str,
    indicators: list[str],
    when: TimeFilter,
    unit_ids: Sequence[str] | None,
) -> SelectedValues:
    """Values of some units, or with ``None`` of every unit of the level (then cached).

    The dates per indicator are chosen level-wide once and cached. The level-wide values
    serve every page of features for the same time filter (a page only looks up its units),
    so they are kept in a cache of their own with few entries (:func:`_value_cache`).
    """
    summary = value_summary(request, store)
    today = dt.date.today()

    def choose() -> dict[str, dt.date | None]:
        return _value_dates(store, level_id, indicators, when, summary, today)[0]

    dates = serving_cache(request).get(("ogc-dates", level_id, when, tuple(indicators), today), choose)
    if unit_ids is not None:
        return select_values(store, level_id, indicators, when, dates=dates, unit_ids=unit_ids, units_day=today)

    def level_wide() -> SelectedValues:
        return select_values(store, level_id, indicators, when, dates=dates, units_day=today)

    key = ("ogc-values", level_id, when, tuple(indicators), today)
    return _value_cache(request).get(key, level_wide)  # type: ignore[no-any-return]


def _iso_dates(selected: SelectedValues) -> dict[str, str | None]:
    return {k: None if v is None else v.isoformat() for k, v in selected.dates.items()}


@router.get(
    "/collections/{collectionId}/items",
    summary="Features of a collection (GeoJSON)",
    response_class=Response,
    responses=_responses(_FEATURES, [_GEOJSON, _JSON], 400, 404, 406),
)
def items(
    request: Request,
    collectionId: str,
    store: StoreDep,
    settings: SettingsDep,
    bbox: Annotated[
        str | None, Query(description="minx,miny,maxx,maxy (longitude/latitude unless bbox-crs says otherwise).")
    ] = None,
    bbox_crs: Annotated[str | None, Query(alias="bbox-crs", description="CRS of bbox (default CRS84).")] = None,
    datetime: Annotated[
        str | None, Query(description="A date (units valid that day, values of that date) or an interval a/b.")
    ] = None,
    limit: Annotated[
        int, Query(ge=1, description=f"Page size (at most {MAX_LIMIT}).", json_schema_extra={"maximum": MAX_LIMIT})
    ] = DEFAULT_LIMIT,
    offset: Annotated[int, Query(ge=0, description="Features to skip (for paging).")] = 0,
    crs: Annotated[str | None, Query(description="CRS of the response (default CRS84).")] = None,
    f: FormatQuery = None,
) -> Response:
    """A page of features with ``numberMatched``, ``numberReturned`` and next/prev links."""
    unknown = sorted(set(request.query_params) - _ITEM_PARAMS)
    if unknown:
        supported_params = ", ".join(sorted(_ITEM_PARAMS))
        raise InvalidInput(f"unknown query parameter {', '.join(unknown)}; supported: {supported_params}")
    media_type = _negotiate(request, f, [_GEOJSON, _JSON])
    level = _collection_level(store, collectionId)
    supported = _supported_crs(store)
    crs_uri = _parse_crs(crs, supported, "crs")
    bbox_uri = _parse_crs(bbox_crs, supported, "bbox-crs")
    box = parse_bbox(bbox) if bbox is not None else None
    when = parse_datetime(datetime)
    limit = min(limit, MAX_LIMIT)

    frame = full = _unit_frame(request, store, level.id, when, crs_uri)
    rows = np.arange(len(full))  # positions in the cached frame and its cached geometries
    if box is not None and len(frame):
        area = _bbox_area(box, bbox_uri, frame.crs)
        inside = shapely.intersects(frame.geometry.values, area)
        frame, rows = frame[inside].reset_index(drop=True), rows[inside]
    matched = len(frame)
    page, rows = frame.iloc[offset : offset + limit], rows[offset : offset + limit]
    geometries = _frame_geometries(request, store, level.id, when, crs_uri, full)
    page_geometries = [geometries[i] for i in rows.tolist()]
    indicators = [m.id for m in _level_indicators(request, store, settings, level.id)]
    selected = _selection(request, store, level.id, indicators, when, None)
    features = _features(request, page, crs_uri, indicators, selected, level.id, page_geometries)

    url = request.url
    links = [
        _link(str(url), "self", _GEOJSON, "Diese Seite / this page"),
        _link(f"{_base(request)}/ogc/collections/{level.id}", "collection", _JSON, "Die Sammlung / the collection"),
    ]
    if offset + limit < matched:
        links.append(_link(str(url.include_query_params(offset=offset + limit, limit=limit)), "next", _GEOJSON))
    if offset > 0:
        links.append(_link(str(url.include_query_params(offset=max(0, offset - limit), limit=limit)), "prev", _GEOJSON))
    now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    rest = _dumps(
        {
            "numberMatched": matched,
            "numberReturned": len(features),
            "timeStamp": now,
            "links": links,
            "valueDates": _iso_dates(selected),
        }
    )
    # the body of _json({"type": …, "features": …, **rest}), with the geometries spliced in
    body = '{"type":"FeatureCollection","features":' + _features_json(features, page_geometries) + "," + rest[1:]
    return Response(body, media_type=media_type, headers={"Content-Crs": f"<{crs_uri}>"})


@router.get(
    "/collections/{collectionId}/items/{featureId}",
    summary="One feature (a unit version)",
    response_class=Response,
    responses=_responses(_FEATURE, [_GEOJSON, _JSON], 400, 404, 406),
)
def item(
    request: Request,
    collectionId: str,
    featureId: str,
    store: StoreDep,
    settings: SettingsDep,
    datetime: Annotated[str | None, Query(description="Values of this date or interval (default: the latest).")] = None,
    crs: Annotated[str | None, Query(description="CRS of the response (default CRS84).")] = None,
    f: FormatQuery = None,
) -> Response:
    """A unit version by ``<unit_id>@<valid_from>``, or the version of ``<unit_id>`` valid on ``datetime``/today.

    Without ``datetime`` the values are chosen as for the items of today; for a version no
    longer valid, per indicator the latest date within its validity.
    """
    media_type = _negotiate(request, f, [_GEOJSON, _JSON])
    level = _collection_level(store, collectionId)
    crs_uri = _parse_crs(crs, _supported_crs(store), "crs")
    when = parse_datetime(datetime)
    unit_id, sep, since = featureId.rpartition("@")
    if sep:
        try:
            valid_from: dt.date | None = dt.date.fromisoformat(since)
        except ValueError:
            valid_from = None
        frame = _unit_frame(request, store, level.id, TimeFilter(start=dt.date.min), crs_uri)
    else:
        if when.is_interval:
            raise InvalidInput(
                "query parameter datetime: give a day to choose the version of a unit (or its feature id)"
            )
        unit_id, valid_from = featureId, None
        frame = _unit_frame(request, store, level.id, when, crs_uri)
    mine = (frame["unit_id"] == unit_id).to_numpy()
    if sep:
        mine = mine & np.array([as_date(v) == valid_from for v in frame["valid_from"]], dtype=bool)
    frame = frame[mine]
    if not len(frame):
        raise UnknownUnit(featureId, f"unknown feature {featureId!r} in collection {level.id!r}")
    frame = frame.iloc[:1]
    indicators = [m.id for m in _level_indicators(request, store, settings, level.id)]
    start, end = as_date(frame["valid_from"].iloc[0]), _optional_day(frame["valid_to"].iloc[0])
    today = dt.date.today()
    if when.day is None and not when.is_interval and not (start <= today and (end is None or end >= today)):
        when = TimeFilter(start=start, end=end or today)  # a past version: the latest values of its time
    selected = _selection(request, store, level.id, indicators, when, [unit_id])
    feature = _features(request, frame, crs_uri, indicators, selected, level.id)[0]
    feature["links"].append(
        _link(f"{_base(request)}/ogc/collections/{level.id}", "collection", _JSON, "Die Sammlung / the collection")
    )
    feature["valueDates"] = _iso_dates(selected)
    return _json(feature, media_type, {"Content-Crs": f"<{crs_uri}>"})
