"""Indicators and their values."""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from ortswissen.config import Settings
from ortswissen.errors import InvalidInput, NotFound
from ortswissen.io import write_table
from ortswissen.ports import Store
from ortswissen.services.analysis import dates_with_values
from ortswissen.web._problems import problems
from ortswissen.web.api._deps import check_visible, get_settings, get_store, parse_query_date, visible_indicator
from ortswissen.web.api._geojson import (
    FEATURE_COLLECTION_SCHEMA,
    encode_geometries,
    feature_collection_text,
    geojson_response,
)
from ortswissen.web.ogc import serving_cache, value_summary

__all__ = ["router"]

router = APIRouter(tags=["indicators"])
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
StoreDep = Annotated[Store, Depends(get_store)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


@router.get(
    "/indicators",
    summary="Indicator catalogue",
    response_class=Response,
    responses={200: {"content": {"application/json": {"schema": {"type": "array", "items": {"type": "object"}}}}}},
)
def indicators(request: Request, store: StoreDep, settings: SettingsDep) -> Response:
    """All (visible) indicators with full metadata and where they have values.

    The catalogue is built once per app (the store is read-only while serving): the atlas
    asks for it on every page load.
    """

    def build() -> bytes:
        summary = value_summary(request, store)
        out = []
        for meta in store.list_indicators():
            if not visible_indicator(meta, settings):
                continue
            mine = summary[summary["indicator_id"] == meta.id]
            data = meta.model_dump(mode="json")
            data["available"] = [
                {
                    "level": r.level_id,
                    "first_date": r.first_date.isoformat(),
                    "last_date": r.last_date.isoformat(),
                    "dates": int(r.dates),
                }
                for r in mine.itertuples(index=False)
            ]
            out.append(data)
        return json.dumps(out, ensure_ascii=False, separators=(",", ":")).encode()

    body = serving_cache(request).get(("indicator-catalogue", settings.public_mode), build)
    return Response(body, media_type="application/json")


@router.get("/indicators/{indicator}", summary="One indicator", responses=problems(404))
def indicator(indicator: str, store: StoreDep, settings: SettingsDep) -> dict[str, Any]:
    """Full metadata of one indicator."""
    return check_visible(store.get_indicator(indicator), settings).model_dump(mode="json")


@router.get(
    "/indicators/{indicator}/values",
    summary="Values of an indicator",
    responses={
        200: {
            "description": "The values as JSON (default), CSV, XLSX or GeoJSON, as asked for with `format`.",
            "content": {
                "application/json": {},
                "text/csv": {"schema": {"type": "string"}},
                XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}},
                "application/geo+json": {"schema": FEATURE_COLLECTION_SCHEMA},
            },
        },
        **problems(400, 404),
    },
)
def indicator_values(
    indicator: str,
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    level: Annotated[str, Query(description="Spatial level.")],
    date: Annotated[str | None, Query(description="Reference date (default: all dates).")] = None,
    as_of: Annotated[str | None, Query(description="Express on the units valid on this day (Gebietsstand).")] = None,
    scenario: Annotated[str | None, Query(description="Scenario (default: all).")] = None,
    format: Annotated[
        Literal["json", "csv", "xlsx", "geojson"], Query(description="json (default), csv, xlsx or geojson.")
    ] = "json",
) -> Any:
    """Values in long form; missing and suppressed values have ``value: null`` and say so in ``status``.

    ``csv``/``xlsx`` give ``unit_id, unit_name, date, value, status`` (German CSV: semicolon,
    decimal comma, UTF-8 with BOM); ``geojson`` the units of the date with their value
    (requires ``date``).
    """
    meta = check_visible(store.get_indicator(indicator), settings)
    store.get_level(level)
    day = parse_query_date(date)
    frame = store.read_values(
        [meta.id],
        level_id=level,
        dates=[day] if day else None,
        as_of=parse_query_date(as_of, "as_of"),
        scenario=scenario,
    )
    if frame.empty and as_of is None:  # say what exists instead of answering an empty list
        have = dates_with_values(store, [meta.id], level, scenario)
        if day is not None and have:
            message = f"indicator {meta.id!r} has no values on level {level!r} on {day}"
            raise NotFound(str(day), message, available=have)
        levels = sorted(set(store.value_summary().query("indicator_id == @meta.id")["level_id"]))
        raise NotFound(level, f"indicator {meta.id!r} has no values on level {level!r}", available=levels)
    if format != "json":
        return value_download(store, meta.id, level, day, frame, format, request=request)
    rows = [
        {
            "unit_id": r.unit_id,
            "unit_valid_from": r.unit_valid_from.isoformat(),
            "date": r.date.isoformat(),
            "scenario": r.scenario,
            "value": None if r.value != r.value else r.value,
            "status": r.status,
            "flag": r.flag,
        }
        for r in frame.itertuples(index=False)
    ]
    return {"indicator": meta.id, "level": level, "decimals": meta.decimals, "values": rows}


def _geojson_units(store: Store, level: str, day: dt.date, request: Request | None) -> tuple[pd.DataFrame, list[Any]]:
    """Unit ids and names of the level on ``day`` (in order) and their encoded WGS84 geometries.

    Cached per app (the store is read-only while serving, as for the OGC API) when ``request``
    is given, so a map request only merges the values and splices the geometry texts in.
    """

    def build() -> tuple[pd.DataFrame, list[Any]]:
        units = store.unit_versions(level, at=day, wgs84=True)
        table = pd.DataFrame({"unit_id": units["unit_id"].to_numpy(), "name": units["name"].to_numpy()})
        table["_row"] = np.arange(len(table))
        return table, encode_geometries(units.geometry.values)

    if request is None:
        return build()
    return serving_cache(request).get(("values-geojson-units", level, day), build)  # type: ignore[no-any-return]


def value_download(
    store: Store,
    indicator: str,
    level: str,
    day: dt.date | None,
    frame: pd.DataFrame,
    fmt: str,
    *,
    request: Request | None = None,
) -> Response:
    """The values as a CSV, XLSX or GeoJSON download."""
    if fmt == "geojson":
        if day is None:
            raise InvalidInput("format=geojson needs a date (one map per date)")
        units, geometries = _geojson_units(store, level, day, request)
        merged = units.merge(frame[["unit_id", "value", "status"]], on="unit_id", how="left")
        text = feature_collection_text(
            merged["unit_id"].tolist(),
            {
                "unit_id": merged["unit_id"].tolist(),
                "name": merged["name"].tolist(),
                "value": merged["value"].tolist(),
                "status": merged["status"].fillna("missing").tolist(),
            },
            [geometries[i] for i in merged["_row"].tolist()],
        )
        return geojson_response(text)
    names = store.unit_versions(level, geometry=False)[["unit_id", "name"]].drop_duplicates("unit_id")
    table = frame.merge(names.rename(columns={"name": "unit_name"}), on="unit_id", how="left")
    table = table[["unit_id", "unit_name", "date", "scenario", "value", "status"]]
    suffix = "csv" if fmt == "csv" else "xlsx"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{indicator}_{level}.{suffix}"
        write_table(table, path, suffix)  # type: ignore[arg-type]
        body = path.read_bytes()
    media = "text/csv; charset=utf-8" if fmt == "csv" else XLSX_MEDIA_TYPE
    filename = f"{indicator}_{level}{'_' + day.isoformat() if day else ''}.{suffix}"
    return Response(body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{filename}"'})
