"""Importing georesources (points, lines, areas) from geodata files or CSV with coordinates.

Features get ids (from a column, or their row), names, attributes and a validity. An import
either adds a new snapshot (closing the open features first, ``close_previous``), replaces
the georesource completely (``replace``), or adds to it. Right after the import each feature
is assigned to the unit versions of every level it lies in, so indicators such as "Kitas per
planning area" never need a spatial join again.

Examples
--------
>>> from ortswissen.storage import open_store
>>> from ortswissen.testing import synthetic_municipality
>>> store = open_store("memory://")
>>> town = synthetic_municipality()
>>> _ = town.load(store)
>>> len(store.features("kitas")), int(store.features("kitas").iloc[0]["attributes"]["plaetze"]) > 0
(12, True)
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Self

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field, model_validator

from ortswissen.errors import CrsError, ImportRejected, InvalidInput
from ortswissen.georesources import FeatureKind, GeoresourceMeta
from ortswissen.io import (
    DialectSpec,
    EncodingProblem,
    column_as_text,
    open_table,
    parse_numbers,
    parse_reference_date,
    read_geofile,
)
from ortswissen.ports import ImportRecord, Store
from ortswissen.reports import ImportReport
from ortswissen.services._progress import NO_PROGRESS, Progress
from ortswissen.services._provenance import file_sha256, new_import_id, now
from ortswissen.services.values import ImportOptions
from ortswissen.units import Period, check_crs, check_geometries, check_within_extent, parse_crs

__all__ = ["PointSpec", "import_georesources"]

_TABLE_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx")


class PointSpec(BaseModel):
    """How to read one georesource file."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    georesource: GeoresourceMeta
    id_column: str | None = None
    name_column: str | None = None
    x_column: str | None = None  # for tables: easting / longitude
    y_column: str | None = None  # for tables: northing / latitude
    crs: str | None = None
    layer: str | None = None
    valid_from: dt.date = dt.date(1900, 1, 1)
    valid_to: dt.date | None = None
    valid_from_column: str | None = None
    valid_to_column: str | None = None
    numeric_columns: list[str] = Field(default_factory=list)  # attributes parsed as numbers
    attributes: list[str] | None = None
    close_previous: bool = False
    replace: bool = False
    repair: bool = False
    dialect: DialectSpec = DialectSpec()

    @model_validator(mode="after")
    def _modes(self) -> Self:
        if self.close_previous and self.replace:
            raise ValueError("choose close_previous or replace, not both")
        if (self.x_column is None) != (self.y_column is None):
            raise ValueError("give both x_column and y_column")
        return self


def _read(path: Path, spec: PointSpec, report: ImportReport) -> gpd.GeoDataFrame:
    if path.suffix.lower() not in _TABLE_SUFFIXES:
        geo = read_geofile(path, layer=spec.layer)
        frame = geo.frame
        if geo.crs is None and spec.crs is None:
            raise CrsError(f"{path.name}: the file declares no CRS; declare it, e.g. --crs EPSG:25833")
        if geo.crs is None:
            frame = frame.set_crs(parse_crs(spec.crs))
        bounds = tuple(frame.geometry.dropna().total_bounds) if frame.geometry.notna().any() else (0, 0, 0, 0)
        check_crs(geo.crs, parse_crs(spec.crs) if spec.crs and geo.crs is not None else None, bounds)
        return frame
    if not spec.x_column or not spec.y_column:
        raise InvalidInput(f"{path.name}: a table needs the coordinate columns (x_column, y_column)")
    if spec.crs is None:
        raise CrsError(f"{path.name}: coordinates in a table need a declared CRS (e.g. EPSG:25833 or EPSG:4326)")
    source = open_table(path, spec.dialect.to_dialect(), report=report)
    for col in (
        spec.x_column,
        spec.y_column,
        spec.id_column,
        spec.name_column,
        spec.valid_from_column,
        spec.valid_to_column,
        *spec.numeric_columns,
    ):
        if col and col not in source.columns:
            raise InvalidInput(f"{path.name}: no column {col!r}; the file has: {', '.join(source.columns)}")
    parts: dict[str, list[object]] = {c: [] for c in source.columns}
    xs: list[float] = []
    ys: list[float] = []
    rows: list[int] = []
    d = spec.dialect
    for raw in source.batches(report):
        coords = []
        for col in (spec.x_column, spec.y_column):
            parsed = parse_numbers(
                raw.text[col], decimal=d.decimal, thousands=d.thousands, numbers=raw.numbers.get(col)
            )
            problems = parsed.problem.to_pylist()
            cells = raw.text[col].to_pylist()
            status = parsed.status.to_pylist()
            flags = parsed.flag.to_pylist()
            for row, prob, cell, st, flag in zip(raw.rows.to_pylist(), problems, cells, status, flags, strict=True):
                if prob or (flag is not None and st != "missing"):
                    report.error(
                        prob or "not-a-number",
                        f"coordinate {cell!r} is not a plain number in this dialect",
                        row=row,
                        column=col,
                        value=cell,
                    )
                elif st != "ok":
                    report.error("missing-coordinate", "the coordinate is empty", row=row, column=col)
            coords.append(np.asarray(parsed.values.to_numpy(zero_copy_only=False), dtype=float))
        xs += coords[0].tolist()
        ys += coords[1].tolist()
        rows += raw.rows.to_pylist()
        for col in source.columns:
            parts[col] += raw.text[col].to_pylist()
    table = gpd.GeoDataFrame(parts, geometry=gpd.points_from_xy(xs, ys), crs=parse_crs(spec.crs))
    table["_row"] = rows
    finite = np.isfinite(xs) & np.isfinite(ys) if xs else np.array([], dtype=bool)
    if len(table) and finite.any():
        check_crs(None, parse_crs(spec.crs), tuple(table[finite].total_bounds))
    return table


def import_georesources(
    store: Store,
    path: str | Path,
    spec: PointSpec,
    *,
    options: ImportOptions | None = None,
    progress: Progress = NO_PROGRESS,
) -> ImportReport:
    """Validate and import one georesource file."""
    options = options or ImportOptions()
    path = Path(path)
    report = ImportReport("georesources", path.name, per_code_limit=options.max_issues_per_code)
    started = now()
    meta = spec.georesource
    progress.start(f"Prüfe {path.name}", 3)
    try:
        frame = _read(path, spec, report)
    except EncodingProblem as exc:
        report.error("encoding", exc.message, row=exc.row, value=exc.value)
        raise ImportRejected(report) from exc
    except CrsError as exc:
        report.error("crs", exc.message)
        raise ImportRejected(report) from exc
    except InvalidInput as exc:
        report.error("unreadable", exc.message)
        raise ImportRejected(report) from exc
    progress.advance()
    if len(frame) == 0:
        report.error("no-data", "the file contains no features")
        raise ImportRejected(report)
    rows = list(frame["_row"]) if "_row" in frame else list(range(1, len(frame) + 1))
    columns = [c for c in frame.columns if c not in (frame.geometry.name, "_row")]
    for col in (spec.id_column, spec.name_column, spec.valid_from_column, spec.valid_to_column):
        if col and col not in columns:
            report.error("missing-column", f"the file has no column {col!r}; it has: {', '.join(columns)}", column=col)
    if not report.ok:
        raise ImportRejected(report)

    ids = column_as_text(frame[spec.id_column]) if spec.id_column else [str(r) for r in rows]
    seen: dict[str, int] = {}
    for row, fid in zip(rows, ids, strict=True):
        if not fid:
            report.error("missing-id", "the feature id is empty", row=row, column=spec.id_column)
        elif fid in seen:
            report.error(
                "duplicate-id",
                f"feature id {fid!r} occurs in rows {seen[fid]} and {row}",
                row=row,
                column=spec.id_column,
                value=fid,
            )
        else:
            seen[fid] = row
    names = column_as_text(frame[spec.name_column]) if spec.name_column else [None] * len(frame)
    starts = _dates(frame, spec.valid_from_column, spec.valid_from, rows, report)
    ends = _dates(frame, spec.valid_to_column, spec.valid_to, rows, report)
    for row, a, b in zip(rows, starts, ends, strict=True):
        if a is not None and b is not None and b < a:
            report.error("invalid-period", f"validity ends ({b}) before it starts ({a})", row=row)
    kind = FeatureKind(meta.kind).value
    geoms, issues = check_geometries(frame.geometry.values, kind, repair=spec.repair, ids=ids)  # type: ignore[arg-type]
    for issue in issues:
        report.add(issue.severity, issue.code, issue.message, row=rows[issue.row - 1] if issue.row else None)
    attributes = _attributes(frame, spec, columns, rows, report)
    if not report.ok:
        raise ImportRejected(report)

    features = gpd.GeoDataFrame(
        {
            "georesource_id": meta.id,
            "feature_id": ids,
            "valid_from": [s or spec.valid_from for s in starts],
            "valid_to": ends,
            "name": names,
            "attributes": attributes,
        },
        geometry=list(geoms),
        crs=frame.crs,
    ).to_crs(store.project_crs())
    try:
        check_within_extent(tuple(features.total_bounds), store.project_bounds(), source=path.name)
    except CrsError as exc:
        report.error("crs", exc.message)
        raise ImportRejected(report) from exc
    progress.advance()
    import_id = new_import_id("georesources")
    features["import_id"] = import_id
    try:
        with store.transaction():
            store.put_georesource(meta)
            removed = closed = 0
            existing = store.features(meta.id) if not spec.replace else None
            if spec.replace:
                removed = store.delete_features(meta.id)
            elif spec.close_previous:
                closed = store.close_features(meta.id, min(features["valid_from"]) - dt.timedelta(days=1))
                existing = store.features(meta.id)
            if existing is not None and len(existing):
                _check_overlaps(existing, features, rows, spec, report)
                if not report.ok:
                    raise ImportRejected(report)
            written = store.add_features(features)
            assigned = store.assign_features(meta.id)
            report.counts.update(
                rows_read=len(frame), written=written, removed=removed, closed=closed, assignments=assigned
            )
            store.record_import(
                ImportRecord(
                    import_id,
                    "georesources",
                    str(path),
                    file_sha256(path),
                    started,
                    now(),
                    len(frame),
                    written,
                    removed + closed,
                    options=spec.model_dump(mode="json"),
                    summary=report.to_dict()["totals"],
                )
            )
            if options.dry_run:
                report.details["dry_run"] = True
                raise _Rollback
    except _Rollback:
        pass  # a dry run: everything was checked and rolled back
    progress.finish()
    report.details["import_id"] = import_id
    return report


class _Rollback(Exception):
    pass


def _dates(
    frame: gpd.GeoDataFrame, column: str | None, default: dt.date | None, rows: list[int], report: ImportReport
) -> list[dt.date | None]:
    if column is None:
        return [default] * len(frame)
    out: list[dt.date | None] = []
    for row, text in zip(rows, column_as_text(frame[column]), strict=True):
        if text is None:
            out.append(None if column else default)
            continue
        parsed = parse_reference_date(text.split("T")[0])
        if parsed is None:
            report.error("invalid-date", f"{text!r} is not a date", row=row, column=column, value=text)
        out.append(parsed)
    return out


def _attributes(
    frame: gpd.GeoDataFrame, spec: PointSpec, columns: list[str], rows: list[int], report: ImportReport
) -> list[dict[str, object]]:
    used = {
        spec.id_column,
        spec.name_column,
        spec.x_column,
        spec.y_column,
        spec.valid_from_column,
        spec.valid_to_column,
    }
    keep = spec.attributes if spec.attributes is not None else [c for c in columns if c not in used]
    out: list[dict[str, object]] = [{} for _ in range(len(frame))]
    d = spec.dialect
    for col in keep:
        if col not in frame.columns:
            report.error("missing-column", f"the file has no column {col!r}", column=col)
            continue
        if col in spec.numeric_columns:
            texts = column_as_text(frame[col])
            parsed = parse_numbers(pa.array(texts, type=pa.string()), decimal=d.decimal, thousands=d.thousands)
            for i, (prob, value, st) in enumerate(
                zip(parsed.problem.to_pylist(), parsed.values.to_pylist(), parsed.status.to_pylist(), strict=True)
            ):
                if prob:
                    report.error(prob, f"{texts[i]!r} is not a number", row=rows[i], column=col, value=texts[i])
                elif value is not None and st == "ok":
                    out[i][col] = int(value) if float(value).is_integer() else value
        else:
            for i, value in enumerate(column_as_text(frame[col])):
                if value is not None:
                    out[i][col] = value
    return out


def _check_overlaps(
    existing: gpd.GeoDataFrame, new: gpd.GeoDataFrame, rows: list[int], spec: PointSpec, report: ImportReport
) -> None:
    periods: dict[str, list[Period]] = {}
    for fid, a, b in zip(existing["feature_id"], existing["valid_from"], existing["valid_to"], strict=True):
        periods.setdefault(fid, []).append(Period(a, None if b is None or pd.isna(b) else b))
    for row, fid, a, b in zip(rows, new["feature_id"], new["valid_from"], new["valid_to"], strict=True):
        mine = Period(a, b)
        for other in periods.get(fid, []):
            if other.overlaps(mine):
                hint = "" if spec.close_previous else " (import as a new snapshot with close_previous, or replace)"
                report.error(
                    "validity-overlap",
                    f"feature {fid!r} is already stored with validity {other}{hint}",
                    row=row,
                    column=spec.id_column,
                    value=fid,
                )
