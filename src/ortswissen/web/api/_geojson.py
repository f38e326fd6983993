"""GeoJSON FeatureCollections built from frames (RFC 7946: WGS84, lon/lat)."""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterable
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from fastapi.responses import Response

__all__ = ["FEATURE_COLLECTION_SCHEMA", "feature_collection", "geojson_response"]

#: JSON Schema of the FeatureCollections built here (for the OpenAPI document).
FEATURE_COLLECTION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "features"],
    "properties": {
        "type": {"type": "string", "enum": ["FeatureCollection"]},
        "features": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["type", "geometry", "properties"],
                "properties": {
                    "type": {"type": "string", "enum": ["Feature"]},
                    "id": {"type": ["string", "integer", "null"]},
                    "geometry": {"type": ["object", "null"]},
                    "properties": {"type": "object"},
                },
            },
        },
    },
}


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


def feature_collection(
    frame: gpd.GeoDataFrame, properties: Iterable[str], *, id_column: str, precision: int = 6
) -> dict[str, Any]:
    """A FeatureCollection dict with the given properties; geometry rounded to ``precision`` digits."""
    props = list(properties)
    geoms = shapely.transform(frame.geometry.values, lambda c: np.round(c, precision)) if len(frame) else []
    features = []
    for i, row in enumerate(frame[props].itertuples(index=False, name=None)):
        geom = geoms[i]
        features.append(
            {
                "type": "Feature",
                "id": _plain(frame[id_column].iloc[i]),
                "properties": {k: _plain(v) for k, v in zip(props, row, strict=True)},
                "geometry": None if geom is None else json.loads(shapely.to_geojson(geom)),
            }
        )
    return {"type": "FeatureCollection", "features": features}


def geojson_response(data: dict[str, Any]) -> Response:
    """A response with the GeoJSON media type."""
    return Response(json.dumps(data, ensure_ascii=False, separators=(",", ":")), media_type="application/geo+json")
