"""Writing tables and geodata for users: CSV, XLSX, GeoJSON, GeoPackage.

German CSV (the default) uses ``;``, decimal commas and UTF-8 with a byte-order mark, so
Excel opens it correctly with umlauts; English CSV uses ``,`` and points. Text cells that a
spreadsheet would run as a formula (starting with ``= + - @``, tab or CR) are prefixed with
an apostrophe (OWASP's CSV-injection advice). GeoJSON is written in WGS84 (RFC 7946);
GeoPackage keeps the project CRS.

Examples
--------
>>> import pandas as pd, tempfile, os
>>> path = os.path.join(tempfile.mkdtemp(), "t.csv")
>>> write_table(pd.DataFrame({"id": ["01"], "wert": [2930.5], "name": ["=SUMME(A1)"]}), path)
>>> Path(path).read_text(encoding="utf-8-sig").splitlines()
['id;wert;name', "01;2930,5;'=SUMME(A1)"]
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd

from ortswissen.errors import InvalidInput

__all__ = ["EXPORT_FORMATS", "export_format", "write_geo", "write_table"]

#: Formats by file suffix.
EXPORT_FORMATS = {".csv": "csv", ".xlsx": "xlsx", ".geojson": "geojson", ".json": "geojson", ".gpkg": "gpkg"}

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def export_format(path: str | Path, fmt: str | None = None) -> str:
    """The format to write: given explicitly or taken from the file suffix."""
    if fmt:
        if fmt not in set(EXPORT_FORMATS.values()):
            raise InvalidInput(f"unknown export format {fmt!r}; use csv, xlsx, geojson or gpkg")
        return fmt
    suffix = Path(path).suffix.lower()
    if suffix not in EXPORT_FORMATS:
        raise InvalidInput(f"cannot tell the format of {Path(path).name}; use .csv, .xlsx, .geojson or .gpkg")
    return EXPORT_FORMATS[suffix]


def _safe_text(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) and not _is_number_text(value) else value


def _is_number_text(value: str) -> bool:
    try:
        float(value.replace(",", "."))
    except ValueError:
        return False
    return True


def _cell(value: Any, decimal: str) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        text = repr(value) if not value.is_integer() else str(int(value)) if abs(value) < 1e15 else repr(value)
        return text.replace(".", ",") if decimal == "," else text
    if isinstance(value, bool):
        if decimal == ",":
            return "wahr" if value else "falsch"
        return str(value).lower()
    if isinstance(value, int):
        return str(value)
    if value is pd.NaT or (isinstance(value, float | np.floating) and np.isnan(value)):
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if pd.isna(value) if not isinstance(value, list | dict | tuple) else False:
        return ""
    return _safe_text(str(value))


def write_table(
    frame: pd.DataFrame,
    path: str | Path,
    fmt: Literal["csv", "xlsx"] | None = None,
    *,
    german: bool = True,
    sheet: str = "Daten",
) -> None:
    """Write a table as CSV (German or English conventions) or XLSX."""
    path = Path(path)
    kind = export_format(path, fmt)
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind == "csv":
        decimal = "," if german else "."
        with path.open("w", encoding="utf-8-sig" if german else "utf-8", newline="") as fh:
            # CRLF rows (RFC 4180): the writer then quotes any value holding a CR or an LF
            writer = csv.writer(fh, delimiter=";" if german else ",", lineterminator="\r\n")
            writer.writerow([_safe_text(str(c)) for c in frame.columns])
            for row in frame.itertuples(index=False, name=None):
                writer.writerow([_cell(v, decimal) for v in row])
    elif kind == "xlsx":
        _write_xlsx(frame, path, sheet)
    else:
        raise InvalidInput(f"{path.name}: a table cannot be written as {kind}; use csv or xlsx")


def _write_xlsx(frame: pd.DataFrame, path: Path, sheet: str) -> None:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=sheet[:31])
    ws.append([_safe_text(str(c)) for c in frame.columns])
    for row in frame.itertuples(index=False, name=None):
        ws.append([_xlsx_cell(v) for v in row])
    wb.save(path)


def _xlsx_cell(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, str):
        return _safe_text(value)
    if isinstance(value, list | dict | tuple):
        return str(value)
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        return str(value)
    return value


def write_geo(
    frame: gpd.GeoDataFrame,
    path: str | Path,
    fmt: str | None = None,
    *,
    layer: str | None = None,
    german: bool = True,
) -> None:
    """Write geodata as GeoJSON (WGS84), GeoPackage (as stored) or a table with WKT geometry."""
    path = Path(path)
    kind = export_format(path, fmt)
    path.parent.mkdir(parents=True, exist_ok=True)
    out = frame.copy()
    for col in out.columns:
        if col != out.geometry.name and out[col].map(lambda v: isinstance(v, dict | list)).any():
            out[col] = out[col].map(lambda v: None if v is None else str(v))
    if kind == "geojson":
        if path.exists():
            path.unlink()
        out.to_crs(4326).to_file(path, driver="GeoJSON")
    elif kind == "gpkg":
        out.to_file(path, driver="GPKG", layer=layer or path.stem)
    else:
        table = pd.DataFrame(out.drop(columns=out.geometry.name))
        table["wkt"] = out.geometry.to_wkt()
        write_table(table, path, kind, german=german)  # type: ignore[arg-type]


def columns_in_order(first: Iterable[str], frame: pd.DataFrame) -> list[str]:
    """``first`` columns that exist, then the rest of ``frame``'s columns."""
    lead = [c for c in first if c in frame.columns]
    return lead + [c for c in frame.columns if c not in lead]
