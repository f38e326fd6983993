"""Reading geodata files: GeoJSON, GeoPackage, Shapefile, GeoParquet, FlatGeobuf.

The file is read as it is: coordinates stay in the file's CRS and the CRS the file declares
(or ``None``) is returned beside them, so the caller decides (and checks) the
transformation. Ids are left as the file stores them; numeric id fields are handled by the
importers (leading zeros restored against the level's key width).

Examples
--------
>>> import geopandas as gpd, shapely, tempfile, os
>>> path = os.path.join(tempfile.mkdtemp(), "u.geojson")
>>> gpd.GeoDataFrame({"id": ["01"]}, geometry=[shapely.box(13.3, 52.5, 13.4, 52.6)],
...                  crs=4326).to_file(path)
>>> geo = read_geofile(path)
>>> geo.crs.to_epsg(), list(geo.frame.columns)
(4326, ['id', 'geometry'])
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyarrow as pa
import pyogrio
from pyproj import CRS

from ortswissen.errors import InvalidInput

__all__ = ["GEO_SUFFIXES", "GeoInput", "read_geofile"]

#: File suffixes read as geodata.
GEO_SUFFIXES = (".geojson", ".json", ".gpkg", ".shp", ".parquet", ".geoparquet", ".fgb", ".zip")


@dataclass
class GeoInput:
    """A geodata file as read: attributes, geometry in the file's CRS, and that CRS."""

    frame: gpd.GeoDataFrame
    crs: CRS | None
    path: Path
    layer: str | None = None


def read_geofile(path: str | Path, *, layer: str | None = None) -> GeoInput:
    """Read a geodata file; raise :class:`InvalidInput` naming the file on any failure."""
    path = Path(path)
    if not path.exists():
        raise InvalidInput(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix not in GEO_SUFFIXES:
        raise InvalidInput(f"{path.name}: unknown geodata format; use one of {', '.join(GEO_SUFFIXES)}")
    if suffix == ".shp":
        missing = [ext for ext in (".shx", ".dbf") if not _sidecar(path, ext).exists()]
        if missing:
            raise InvalidInput(
                f"{path.name}: the Shapefile lacks its {' and '.join(missing)} part(s); copy all parts "
                "(.shp, .shx, .dbf, .prj, .cpg) together"
            )
    frame = _read_geoparquet(path) if suffix in (".parquet", ".geoparquet") else _read_ogr(path, layer)
    crs = CRS.from_user_input(frame.crs) if frame.crs is not None else None
    return GeoInput(frame, crs, path, layer)


def _sidecar(path: Path, ext: str) -> Path:
    for candidate in (path.with_suffix(ext), path.with_suffix(ext.upper())):
        if candidate.exists():
            return candidate
    return path.with_suffix(ext)


def _read_ogr(path: Path, layer: str | None) -> gpd.GeoDataFrame:
    target = f"/vsizip/{path}" if path.suffix.lower() == ".zip" else str(path)
    try:
        if layer is not None:
            layers = [row[0] for row in pyogrio.list_layers(target)]
            if layer not in layers:
                raise InvalidInput(f"{path.name}: no layer {layer!r}; layers: {', '.join(layers)}")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return pyogrio.read_dataframe(target, layer=layer, use_arrow=False)
    except InvalidInput:
        raise
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, pyogrio.errors.FieldError) as exc:
        raise InvalidInput(f"{path.name}: cannot read the geodata ({exc})") from exc
    except (ValueError, OSError) as exc:
        raise InvalidInput(f"{path.name}: cannot read the geodata ({exc})") from exc


def _read_geoparquet(path: Path) -> gpd.GeoDataFrame:
    try:
        return gpd.read_parquet(path)
    except ValueError as exc:
        # plain Parquet without geo metadata
        raise InvalidInput(f"{path.name}: not GeoParquet (no geometry metadata): {exc}") from exc
    except (OSError, pa.ArrowInvalid) as exc:
        raise InvalidInput(f"{path.name}: cannot read the GeoParquet file ({exc})") from exc


def column_as_text(series: pd.Series) -> list[str | None]:
    """Cells of an attribute column as strings (numbers without a trailing ``.0``)."""
    out: list[str | None] = []
    for value in series:
        if value is None or (not isinstance(value, list | tuple | dict) and pd.isna(value)):
            out.append(None)  # None, NaN, NaT and pd.NA alike
        elif isinstance(value, pd.Timestamp):
            out.append(value.date().isoformat() if value == value.normalize() else value.isoformat())
        elif isinstance(value, float) and value.is_integer():
            out.append(str(int(value)))
        else:
            text = str(value).strip()
            out.append(text if text else None)
    return out
