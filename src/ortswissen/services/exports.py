"""Exporting units and values as CSV, XLSX, GeoJSON or GeoPackage.

Values are exported wide (one row per unit and date, one column per indicator) or long.
With a geodata format the unit geometries valid on the date are attached. Suppressed and
missing values stay empty cells; their status is exported beside the number in the long
layout so nothing is silently turned into a zero.

Examples
--------
>>> import tempfile, os
>>> from ortswissen.storage import open_store
>>> from ortswissen.testing import synthetic_municipality
>>> store = open_store("memory://")
>>> _ = synthetic_municipality().load(store)
>>> path = os.path.join(tempfile.mkdtemp(), "q.geojson")
>>> from datetime import date
>>> export_values(store, path, level="quartier", dates=[date(2023, 12, 31)])
16
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal

import geopandas as gpd
import pandas as pd

from ortswissen.errors import InvalidInput
from ortswissen.io import export_format, write_geo, write_table
from ortswissen.ports import Store

__all__ = ["export_features", "export_units", "export_values"]


def export_units(
    store: Store,
    level: str,
    path: str | Path,
    *,
    at: dt.date | None = None,
    fmt: str | None = None,
    german: bool = True,
) -> int:
    """Write the unit versions of a level (valid on ``at`` if given); returns the row count."""
    units = store.unit_versions(level, at=at)
    out = units.drop(columns=["attributes"]).copy()
    for key in sorted({k for a in units["attributes"] for k in a}):
        out[key] = [a.get(key) for a in units["attributes"]]
    _write(out, path, fmt, german, layer=level)
    return len(out)


def export_features(
    store: Store,
    georesource: str,
    path: str | Path,
    *,
    at: dt.date | None = None,
    fmt: str | None = None,
    german: bool = True,
) -> int:
    """Write the features of a georesource; returns the row count."""
    feats = store.features(georesource, at=at)
    out = feats.drop(columns=["attributes"]).copy()
    for key in sorted({k for a in feats["attributes"] for k in a}):
        out[key] = [a.get(key) for a in feats["attributes"]]
    _write(out, path, fmt, german, layer=georesource)
    return len(out)


def export_values(
    store: Store,
    path: str | Path,
    *,
    level: str,
    indicators: list[str] | None = None,
    dates: list[dt.date] | None = None,
    as_of: dt.date | None = None,
    scenario: str | None = "observed",
    layout: Literal["wide", "long"] = "wide",
    fmt: str | None = None,
    german: bool = True,
) -> int:
    """Write values of one level (observations unless ``scenario`` says otherwise; ``None``: all).

    The wide layout has one row per unit version, date and scenario and one column per
    indicator; missing and suppressed values are empty cells (their status is in the long layout).
    Returns the number of rows written.
    """
    store.get_level(level)
    values = store.read_values(indicators, level_id=level, dates=dates, as_of=as_of, scenario=scenario)
    if values.empty:
        raise InvalidInput("no values match the selection (indicator, level, dates)")
    kind = export_format(path, fmt)
    if layout == "long":
        table = values.drop(columns=["level_id"])
    else:
        index = ["unit_id", "unit_valid_from", "date", "scenario"]
        if values.duplicated([*index, "indicator_id"]).any():
            raise InvalidInput("the selection holds two values for the same unit, date, scenario and indicator")
        table = values.pivot(index=index, columns="indicator_id", values="value").reset_index()
        if scenario is not None:
            table = table.drop(columns="scenario")
        table.columns.name = None
    if kind in ("geojson", "gpkg"):
        units = store.unit_versions(level)[["unit_id", "valid_from", "name", "geometry"]]
        geo = units.merge(table, left_on=["unit_id", "valid_from"], right_on=["unit_id", "unit_valid_from"])
        geo = gpd.GeoDataFrame(geo.drop(columns=["valid_from"]), geometry="geometry", crs=units.crs)
        _write(geo, path, kind, german, layer=level)
        return len(geo)
    names = store.unit_versions(level, geometry=False)[["unit_id", "valid_from", "name"]]
    table = names.merge(table, left_on=["unit_id", "valid_from"], right_on=["unit_id", "unit_valid_from"])
    table = table.drop(columns=["valid_from"]).sort_values(["date", "unit_id"])
    _write(table, path, kind, german, layer=level)
    return len(table)


def _write(frame: pd.DataFrame, path: str | Path, fmt: str | None, german: bool, layer: str) -> None:
    kind = export_format(path, fmt)
    if isinstance(frame, gpd.GeoDataFrame) and kind in ("geojson", "gpkg", "csv", "xlsx"):
        write_geo(frame, path, kind, layer=layer, german=german)
    else:
        if kind in ("geojson", "gpkg"):
            raise InvalidInput(f"{kind} needs geometries")
        write_table(pd.DataFrame(frame), path, kind, german=german)  # type: ignore[arg-type]
