"""Conversions between GeoDataFrames and the Arrow tables DuckDB reads and writes.

Geometries cross as WKB; dates as ``date32``; attribute dicts as JSON text.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import shapely
from pyproj import CRS

__all__ = ["attributes_to_json", "dates_array", "geoframe_from_arrow", "strings_array", "wkb_array"]


def wkb_array(geoms: Any) -> pa.Array:
    """WKB of each geometry as an Arrow binary array (nulls stay null)."""
    arr = np.asarray(geoms, dtype=object)
    return pa.array(list(shapely.to_wkb(arr, include_srid=False)), type=pa.binary())


def strings_array(values: Any) -> pa.Array:
    """An Arrow string array; NaN/None become null."""
    out = [None if v is None or (isinstance(v, float) and np.isnan(v)) else str(v) for v in values]
    return pa.array(out, type=pa.string())


def dates_array(values: Any) -> pa.Array:
    """An Arrow date array from dates, timestamps or None."""
    out = []
    for v in values:
        if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NaT:
            out.append(None)
        elif isinstance(v, pd.Timestamp):
            out.append(v.date())
        else:
            out.append(v)
    return pa.array(out, type=pa.date32())


def attributes_to_json(values: Any) -> pa.Array:
    """JSON text of each attribute mapping (empty mappings become null)."""
    out = []
    for v in values:
        if isinstance(v, Mapping) and v:
            out.append(json.dumps(dict(v), ensure_ascii=False, default=_json_default, sort_keys=True))
        elif isinstance(v, str) and v:
            out.append(v)
        else:
            out.append(None)
    return pa.array(out, type=pa.string())


def _json_default(value: object) -> object:
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return None if np.isnan(value) else float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return str(value)


def geoframe_from_arrow(table: pa.Table, crs: CRS | int | str, geometry_column: str = "wkb") -> gpd.GeoDataFrame:
    """A GeoDataFrame from an Arrow result with a WKB column and optional JSON ``attributes``."""
    frame = table.drop_columns([geometry_column]).to_pandas(date_as_object=True)
    for col in frame.columns:
        if frame[col].dtype == object or pd.api.types.is_string_dtype(frame[col].dtype):
            series = frame[col].astype(object)
            frame[col] = series.where(series.notna(), None)
    wkb = table.column(geometry_column).to_pylist()
    geoms = shapely.from_wkb(np.asarray(wkb, dtype=object))
    if "attributes" in frame.columns:
        frame["attributes"] = [json.loads(a) if isinstance(a, str) else {} for a in frame["attributes"]]
    return gpd.GeoDataFrame(frame, geometry=geoms, crs=crs)
