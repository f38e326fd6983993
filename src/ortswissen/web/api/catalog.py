"""Levels, units, georesources, crosswalks and service information."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import geopandas as gpd
import numpy as np
import shapely
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from ortswissen._version import __version__
from ortswissen.ports import Store
from ortswissen.services.catalog import level_overview
from ortswissen.web._problems import problems
from ortswissen.web._simplify import simplified
from ortswissen.web.api._deps import get_store, parse_query_date
from ortswissen.web.api._geojson import FEATURE_COLLECTION_SCHEMA, feature_collection, geojson_response
from ortswissen.web.ogc import serving_cache

__all__ = ["router"]

router = APIRouter(tags=["catalogue"])
StoreDep = Annotated[Store, Depends(get_store)]

_UNIT_PROPS = ["id", "name", "parent_id", "valid_from", "valid_to", "vintage_id", "official_key", "area_m2"]


@router.get("/health", summary="Service status")
def health(store: StoreDep) -> dict[str, Any]:
    """Version and store facts."""
    info = store.info()
    return {
        "status": "ok",
        "version": __version__,
        "schema_version": info["schema_version"],
        "crs": info["crs"],
        "counts": info["counts"],
    }


@router.get("/levels", summary="Spatial levels with vintages and territorial periods")
def levels(request: Request, store: StoreDep) -> list[dict[str, Any]]:
    """Every level, its vintages (Gebietsstände) and the periods its unit set was stable."""
    return serving_cache(request).get(("level-overview",), lambda: [o.to_dict() for o in level_overview(store)])  # type: ignore[no-any-return]


@router.get("/levels/{level}", summary="One spatial level", responses=problems(404))
def level(level: str, store: StoreDep) -> dict[str, Any]:
    """One level with vintages and periods."""
    store.get_level(level)
    return next(o.to_dict() for o in level_overview(store) if o.level.id == level)


@router.get(
    "/levels/{level}/units",
    summary="Units of a level as GeoJSON",
    response_class=Response,
    responses={200: {"content": {"application/geo+json": {"schema": FEATURE_COLLECTION_SCHEMA}}}, **problems(400, 404)},
)
def units(
    level: str,
    request: Request,
    store: StoreDep,
    date: Annotated[str | None, Query(description="Only units valid on this day (YYYY-MM-DD or DD.MM.YYYY).")] = None,
    vintage: Annotated[str | None, Query(description="Only units of this vintage.")] = None,
    geometry: Annotated[
        Literal["full", "point"],
        Query(
            description="'full' boundaries, or 'point': one point inside each unit (for labels), "
            "with each unit's bounding box and the collection's (a few kB where the map draws vector tiles).",
        ),
    ] = "full",
    simplify: Annotated[
        float | None,
        Query(
            ge=0,
            le=1000,
            description="Simplify the boundaries with this tolerance in metres, keeping shared borders "
            "shared (for maps; the stored geometries are untouched).",
        ),
    ] = None,
) -> Response:
    """A FeatureCollection (WGS84) with id, name, parent_id, valid_from and valid_to of each unit version."""
    day = parse_query_date(date)
    store.get_level(level)

    def build() -> dict[str, Any]:
        frame = store.unit_versions(level, at=day, wgs84=not simplify)
        if vintage is not None:
            frame = frame[frame["vintage_id"] == vintage]
        if geometry == "point":
            return _points_with_boxes(frame.to_crs(4326) if simplify else frame)
        if simplify:
            frame = simplified(frame, simplify, coverage=day is not None or vintage is not None).to_crs(4326)
        # a simplified map needs no sub-metre digits (5 decimals of a degree ≈ 1 m)
        precision = 5 if simplify else 6
        return feature_collection(
            frame.rename(columns={"unit_id": "id"}), _UNIT_PROPS, id_column="id", precision=precision
        )

    text = serving_cache(request).get(("units-geojson", level, day, vintage, simplify, geometry), build)
    return geojson_response(text)


def _points_with_boxes(frame: gpd.GeoDataFrame) -> dict[str, Any]:
    """A FeatureCollection of one inside point per unit, each with its bbox, and the whole bbox."""
    geoms = frame.geometry.values
    boxes = np.round(shapely.bounds(geoms), 6)
    points = frame.rename(columns={"unit_id": "id"}).set_geometry(shapely.point_on_surface(geoms), crs=frame.crs)
    data = feature_collection(points, _UNIT_PROPS, id_column="id")
    for feature, box in zip(data["features"], boxes.tolist(), strict=True):
        feature["bbox"] = box
    if len(boxes):
        data["bbox"] = [float(np.nanmin(boxes[:, 0])), float(np.nanmin(boxes[:, 1])),
                        float(np.nanmax(boxes[:, 2])), float(np.nanmax(boxes[:, 3]))]  # fmt: skip
    return data


@router.get("/georesources", summary="Georesources")
def georesources(store: StoreDep) -> list[dict[str, Any]]:
    """All georesources with metadata."""
    return [m.model_dump(mode="json") for m in store.list_georesources()]


@router.get(
    "/georesources/{georesource}/features",
    summary="Features of a georesource as GeoJSON",
    response_class=Response,
    responses={200: {"content": {"application/geo+json": {"schema": FEATURE_COLLECTION_SCHEMA}}}, **problems(400, 404)},
)
def features(
    georesource: str,
    store: StoreDep,
    date: Annotated[str | None, Query(description="Only features valid on this day.")] = None,
) -> Response:
    """A FeatureCollection (WGS84) of the features with their attributes."""
    frame = store.features(georesource, at=parse_query_date(date), wgs84=True).rename(columns={"feature_id": "id"})
    return geojson_response(
        feature_collection(frame, ["id", "name", "valid_from", "valid_to", "attributes"], id_column="id")
    )


@router.get("/crosswalks", summary="Crosswalks between unit versions")
def crosswalks(store: StoreDep) -> list[dict[str, Any]]:
    """Stored crosswalks (without weights)."""
    return [
        {
            "id": c.id,
            "from_level": c.from_level,
            "from_date": c.from_date,
            "from_until": c.from_until,
            "to_level": c.to_level,
            "to_date": c.to_date,
            "method": c.method,
            "pairs": c.pairs,
            "description": c.description,
        }
        for c in store.list_crosswalks()
    ]


@router.get("/crosswalks/{crosswalk}/weights", summary="Weights of a crosswalk", responses=problems(404))
def crosswalk_weights(crosswalk: str, store: StoreDep) -> list[dict[str, Any]]:
    """The weights: which share of each source unit version lies in each target unit version."""
    _, weights = store.get_crosswalk(crosswalk)
    weights = weights.astype(object).where(weights.notna(), None)
    return weights.to_dict("records")  # type: ignore[no-any-return]


@router.get("/credits", summary="Data sources and licences")
def credits(store: StoreDep) -> dict[str, Any]:
    """Attribution text for the data in the store (Markdown)."""
    return {"credits": store.get_meta("credits") or "", "demo": store.get_meta("demo_bundle")}
