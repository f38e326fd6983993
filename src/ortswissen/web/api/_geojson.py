"""GeoJSON FeatureCollections built from frames (RFC 7946: WGS84, lon/lat)."""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterable, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from fastapi.responses import Response

__all__ = [
    "FEATURE_COLLECTION_SCHEMA",
    "encode_geometries",
    "feature_collection",
    "feature_collection_text",
    "geojson_response",
]

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


def _dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def encode_geometries(geometries: Any, precision: int = 6) -> list[str | None]:
    """The GeoJSON text of each geometry, rounded to ``precision`` digits (``None`` stays ``None``).

    Converted at once and encoded exactly as :func:`geojson_response` encodes a
    :func:`feature_collection`, so the texts can be cached and spliced into
    :func:`feature_collection_text` instead of parsing and re-encoding every coordinate per request.
    """
    geoms = np.asarray(geometries, dtype=object)
    if not len(geoms):
        return []
    rounded = shapely.transform(geoms, lambda c: np.round(c, precision))
    return [None if g is None else _dumps(json.loads(g)) for g in shapely.to_geojson(rounded)]


def feature_collection_text(
    ids: Sequence[Any], properties: dict[str, Sequence[Any]], geometries: Sequence[str | None]
) -> str:
    """The JSON text of :func:`feature_collection`, from columns and encoded geometries (:func:`encode_geometries`).

    ``ids`` and each column of ``properties`` hold one entry per feature (e.g. from ``.tolist()``).
    """
    names = list(properties)
    columns = [properties[name] for name in names]
    parts = []
    for feature_id, row, geometry in zip(ids, zip(*columns, strict=True), geometries, strict=True):
        props = {name: _plain(value) for name, value in zip(names, row, strict=True)}
        parts.append(
            '{"type":"Feature","id":'
            + _dumps(_plain(feature_id))
            + ',"properties":'
            + _dumps(props)
            + ',"geometry":'
            + ("null" if geometry is None else geometry)
            + "}"
        )
    return '{"type":"FeatureCollection","features":[' + ",".join(parts) + "]}"


def geojson_response(data: dict[str, Any] | str) -> Response:
    """A response with the GeoJSON media type (``data`` as a dict or as encoded JSON text)."""
    return Response(data if isinstance(data, str) else _dumps(data), media_type="application/geo+json")
