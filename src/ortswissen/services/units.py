"""Importing unit boundaries (a vintage of a level) from geodata files: all or nothing.

Checks, each reported with file, row (feature position) and column:

* ids present, unique, matching the level's key scheme (lost leading zeros restored);
* validity given and sane, and no overlap with versions already stored (unless the file
  replaces the level's current boundaries: ``close_previous``);
* a CRS that is declared and fits the coordinates; data inside the project area;
* valid polygonal geometries (repaired only with ``repair``);
* for nested levels, a parent unit valid over the whole validity that covers the unit.

Examples
--------
>>> from ortswissen.storage import open_store
>>> from ortswissen.testing import synthetic_municipality
>>> store = open_store("memory://")
>>> town = synthetic_municipality()
>>> _ = town.load(store)
>>> len(store.unit_versions("quartier", at=town.change_date))
16
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Self

import geopandas as gpd
import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

from ortswissen.errors import CrsError, ImportRejected, InvalidInput, NotFound
from ortswissen.io import column_as_text, parse_reference_date, read_geofile
from ortswissen.ports import ImportRecord, Store
from ortswissen.reports import ImportReport, Severity
from ortswissen.services._progress import NO_PROGRESS, Progress
from ortswissen.services._provenance import file_sha256, new_import_id, now
from ortswissen.services.values import ImportOptions
from ortswissen.units import (
    DEFAULT_COVER_TOLERANCE,
    END_OF_TIME,
    UNIT_COLUMNS,
    Level,
    Period,
    Vintage,
    assign_by_location,
    check_crs,
    check_geometries,
    check_within_extent,
    parents_from_prefix,
    parse_crs,
    share_outside,
)

__all__ = ["UnitSpec", "import_units"]


class UnitSpec(BaseModel):
    """How to read unit boundaries from a geodata file."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    level: str
    id_column: str
    name_column: str | None = None
    key_column: str | None = None
    parent_column: str | None = None
    parent_prefix: int | None = Field(None, ge=1)
    parent_by_location: bool = False
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    valid_from_column: str | None = None
    valid_to_column: str | None = None
    vintage: str | None = None
    vintage_label_de: str | None = None
    vintage_label_en: str | None = None
    vintage_source: str = ""
    crs: str | None = None
    layer: str | None = None
    attributes: list[str] | None = None  # columns kept as attributes (default: all others)
    close_previous: bool = False
    repair: bool = False
    cover_tolerance: float = Field(DEFAULT_COVER_TOLERANCE, ge=0, le=1)

    @model_validator(mode="after")
    def _one_parent_rule(self) -> Self:
        rules = [self.parent_column is not None, self.parent_prefix is not None, self.parent_by_location]
        if sum(rules) > 1:
            raise ValueError("give one of parent_column, parent_prefix and parent_by_location")
        if self.valid_from is not None and self.valid_from_column is not None:
            raise ValueError("give valid_from or valid_from_column, not both")
        if self.valid_from is None and self.valid_from_column is None:
            raise ValueError("the validity start is needed (valid_from or valid_from_column)")
        return self


def _text_column(frame: pd.DataFrame, column: str) -> list[str | None]:
    return column_as_text(frame[column])


def import_units(
    store: Store,
    path: str | Path,
    spec: UnitSpec,
    *,
    options: ImportOptions | None = None,
    progress: Progress = NO_PROGRESS,
) -> ImportReport:
    """Validate and import the units of one file as versions of ``spec.level``."""
    options = options or ImportOptions()
    path = Path(path)
    report = ImportReport("units", path.name, per_code_limit=options.max_issues_per_code)
    started = now()
    progress.start(f"Prüfe {path.name}", 5)
    try:
        level = store.get_level(spec.level)
    except NotFound as exc:
        report.error("unknown-level", f"{exc}; create it first (ortswissen levels add)")
        raise ImportRejected(report) from exc
    try:
        geo = read_geofile(path, layer=spec.layer)
    except InvalidInput as exc:
        report.error("unreadable", exc.message)
        raise ImportRejected(report) from exc
    frame = geo.frame
    progress.advance()
    if len(frame) == 0:
        report.error("no-data", "the file contains no features")
        raise ImportRejected(report)
    columns = [c for c in frame.columns if c != frame.geometry.name]
    wanted = [
        spec.id_column,
        spec.name_column,
        spec.key_column,
        spec.parent_column,
        spec.valid_from_column,
        spec.valid_to_column,
        *(spec.attributes or []),
    ]
    for col in [c for c in wanted if c]:
        if col not in columns:
            report.error("missing-column", f"the file has no column {col!r}; it has: {', '.join(columns)}", column=col)
    if not report.ok:
        raise ImportRejected(report)

    ids = _unit_ids(frame, spec, level, report)
    names = _text_column(frame, spec.name_column) if spec.name_column else list(ids)
    periods = _periods(frame, spec, report)
    _check_duplicates(ids, periods, spec, report)

    # CRS and geometry
    crs = _checked_crs(geo, spec, report)
    geoms, issues = check_geometries(frame.geometry.values, "area", repair=spec.repair, ids=ids)
    report.extend(issues)
    progress.advance()
    if crs is None or not report.ok:
        raise ImportRejected(report)
    units = gpd.GeoDataFrame({"unit_id": ids}, geometry=list(geoms), crs=crs).to_crs(store.project_crs())
    try:
        check_within_extent(tuple(units.total_bounds), store.project_bounds(), source=path.name)
    except CrsError as exc:
        report.error("crs", exc.message)
        raise ImportRejected(report) from exc

    parent_values = _text_column(frame, spec.parent_column) if spec.parent_column else None
    parents = _parents(store, level, spec, units, periods, report, parent_values)
    progress.advance()
    to_close = _check_overlaps(store, level, spec, ids, periods, report)
    if options.strict and report.warning_count:
        report.error("strict", f"{report.warning_count} warning(s) in strict mode")
    if not report.ok:
        raise ImportRejected(report)

    keep = (
        spec.attributes
        if spec.attributes is not None
        else [
            c
            for c in columns
            if c
            not in {
                spec.id_column,
                spec.name_column,
                spec.key_column,
                spec.parent_column,
                spec.valid_from_column,
                spec.valid_to_column,
            }
        ]
    )
    attributes = (
        [{k: _plain(v) for k, v in row.items() if _plain(v) is not None} for row in frame[keep].to_dict("records")]
        if keep
        else [{} for _ in ids]
    )
    vintage_id = spec.vintage
    import_id = new_import_id("units")
    out = gpd.GeoDataFrame(
        {
            "level_id": level.id,
            "unit_id": ids,
            "valid_from": [p.start for p in periods],
            "valid_to": [p.end for p in periods],
            "vintage_id": vintage_id,
            "name": [n if n else i for n, i in zip(names, ids, strict=True)],
            "official_key": _text_column(frame, spec.key_column) if spec.key_column else [None] * len(ids),
            "parent_id": parents,
            "attributes": attributes,
            "import_id": import_id,
        },
        geometry=units.geometry.values,
        crs=store.project_crs(),
    )
    progress.advance()
    try:
        with store.transaction():
            if vintage_id is not None:
                existing = {v.vintage.id for v in store.list_vintages(level.id)}
                if vintage_id not in existing or spec.vintage_label_de:
                    store.put_vintage(
                        Vintage(
                            level.id,
                            vintage_id,
                            spec.vintage_label_de or vintage_id,
                            spec.vintage_label_en or spec.vintage_label_de or vintage_id,
                            spec.vintage_source,
                        )
                    )
            closed = 0
            for end, unit_ids in to_close.items():
                closed += store.close_unit_versions(level.id, unit_ids, end)
            written = store.add_unit_versions(out[[*UNIT_COLUMNS[:-1], "import_id", "geometry"]])
            assigned = store.assign_features() if store.list_georesources() else 0
            report.counts.update(rows_read=len(frame), written=written, closed=closed, features_assigned=assigned)
            if not options.dry_run:
                store.record_import(
                    ImportRecord(
                        import_id,
                        "units",
                        str(path),
                        file_sha256(path),
                        started,
                        now(),
                        len(frame),
                        written,
                        closed,
                        options=spec.model_dump(mode="json"),
                        summary=report.to_dict()["totals"],
                    )
                )
            else:
                report.details["dry_run"] = True
                raise _Rollback
    except _Rollback:
        pass  # a dry run: everything was checked and rolled back
    progress.finish()
    report.details.update(import_id=import_id, crs=f"EPSG:{crs.to_epsg()}")
    return report


class _Rollback(Exception):
    pass


def _plain(value: object) -> object:
    if value is None:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dt.date | dt.datetime | pd.Timestamp):
        return value.isoformat()
    return value


def _unit_ids(frame: pd.DataFrame, spec: UnitSpec, level: Level, report: ImportReport) -> list[str]:
    raw = _text_column(frame, spec.id_column)
    ids: list[str] = []
    for row, value in enumerate(raw, start=1):
        if value is None:
            report.error("missing-id", "the unit id is empty", row=row, column=spec.id_column)
            ids.append("")
            continue
        fixed = level.pad(value)
        if fixed != value:
            report.warning(
                "id-zero-padded",
                f"id {value!r} had lost its leading zeros; read as {fixed!r}",
                row=row,
                column=spec.id_column,
                value=value,
            )
        problem = level.key_problem(fixed)
        if problem:
            report.error("invalid-id", problem, row=row, column=spec.id_column, value=value)
        ids.append(fixed)
    return ids


def _periods(frame: pd.DataFrame, spec: UnitSpec, report: ImportReport) -> list[Period]:
    n = len(frame)
    starts: list[dt.date | None] = [spec.valid_from] * n
    ends: list[dt.date | None] = [spec.valid_to] * n
    for column, target in ((spec.valid_from_column, starts), (spec.valid_to_column, ends)):
        if column is None:
            continue
        for row, value in enumerate(_text_column(frame, column), start=1):
            if value is None:
                target[row - 1] = None
                continue
            parsed = parse_reference_date(value.split("T")[0]) if value else None
            if parsed is None:
                report.error("invalid-date", f"{value!r} is not a date", row=row, column=column, value=value)
            elif column == spec.valid_to_column and parsed == END_OF_TIME:
                parsed = None  # 9999-12-31 is the usual placeholder for "still valid"
            target[row - 1] = parsed
    periods = []
    for row, (start, end) in enumerate(zip(starts, ends, strict=True), start=1):
        if start is None:
            report.error("missing-date", "the validity start is empty", row=row, column=spec.valid_from_column)
            periods.append(Period(dt.date(1, 1, 1)))
        elif end is not None and end < start:
            report.error(
                "invalid-period",
                f"validity ends ({end}) before it starts ({start})",
                row=row,
                column=spec.valid_to_column,
            )
            periods.append(Period(start))
        else:
            periods.append(Period(start, end))
    return periods


def _check_duplicates(ids: list[str], periods: list[Period], spec: UnitSpec, report: ImportReport) -> None:
    rows_by_id: dict[str, list[int]] = {}
    for row, unit in enumerate(ids, start=1):
        if unit:
            rows_by_id.setdefault(unit, []).append(row)
    for unit, rows in rows_by_id.items():
        if len(rows) < 2:
            continue
        for a_pos, a in enumerate(rows):
            for b in rows[a_pos + 1 :]:
                if periods[a - 1].overlaps(periods[b - 1]):
                    report.error(
                        "duplicate-id",
                        f"unit {unit!r} occurs in rows {a} and {b} with overlapping validity",
                        row=b,
                        column=spec.id_column,
                        value=unit,
                    )


def _checked_crs(geo: object, spec: UnitSpec, report: ImportReport) -> object:
    frame = geo.frame  # type: ignore[attr-defined]
    try:
        declared = parse_crs(spec.crs) if spec.crs else None
        bounds = tuple(frame.geometry.dropna().total_bounds) if frame.geometry.notna().any() else (0, 0, 0, 0)
        crs = check_crs(geo.crs, declared, bounds, source="")  # type: ignore[attr-defined]
    except CrsError as exc:
        report.error("crs", exc.message)
        return None
    if geo.crs is None:  # type: ignore[attr-defined]
        frame.set_crs(crs, inplace=True, allow_override=True)
    return crs


def _parents(
    store: Store,
    level: Level,
    spec: UnitSpec,
    units: gpd.GeoDataFrame,
    periods: list[Period],
    report: ImportReport,
    parent_values: list[str | None] | None,
) -> list[str | None]:
    """Parent ids from a column, an id prefix or by location; checked for validity and cover."""
    n = len(units)
    if level.parent_id is None or not level.nested:
        if spec.parent_column or spec.parent_prefix or spec.parent_by_location:
            report.warning("parent-ignored", f"level {level.id!r} is not nested in another level; parents ignored")
        return [None] * n
    parent_level = store.get_level(level.parent_id)
    candidates = store.unit_versions(parent_level.id)
    if len(candidates) == 0:
        report.error("no-parent-units", f"the parent level {parent_level.id!r} has no units; import it first")
        return [None] * n
    ids = list(units["unit_id"])
    if parent_values is not None:
        parents = [parent_level.pad(v) if v else None for v in parent_values]
    elif spec.parent_prefix:
        parents = list(parents_from_prefix(ids, spec.parent_prefix))
    elif spec.parent_by_location:
        ends = candidates["valid_to"].map(_none)
        parents = []
        for i in range(n):
            valid = candidates[
                [Period(a, b).covers(periods[i]) for a, b in zip(candidates["valid_from"], ends, strict=True)]
            ]
            found = assign_by_location([units.geometry.iloc[i]], list(valid["unit_id"]), list(valid.geometry))
            parents.append(found[0])
    else:
        report.error(
            "missing-parent",
            f"level {level.id!r} nests in {parent_level.id!r}: give a parent column, an id prefix length "
            "or ask to find parents by location",
        )
        return [None] * n
    _check_parents(candidates, units, periods, parents, spec, report, parent_level.id, column=spec.parent_column)
    return parents


def _none(value: object) -> object:
    return None if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT else value


def _check_parents(
    candidates: gpd.GeoDataFrame,
    units: gpd.GeoDataFrame,
    periods: list[Period],
    parents: list[str | None],
    spec: UnitSpec,
    report: ImportReport,
    parent_level: str,
    column: str | None,
) -> None:
    by_id: dict[str, list[tuple[Period, object]]] = {}
    for unit_id, start, end, geom in zip(
        candidates["unit_id"],
        candidates["valid_from"],
        candidates["valid_to"].map(_none),
        candidates.geometry,
        strict=True,
    ):
        by_id.setdefault(unit_id, []).append((Period(start, end), geom))
    children, parent_geoms, rows = [], [], []
    for i, parent in enumerate(parents):
        row = i + 1
        unit = units["unit_id"].iloc[i]
        if parent is None:
            report.error(
                "missing-parent", f"unit {unit!r} has no parent in level {parent_level!r}", row=row, column=column
            )
            continue
        versions = by_id.get(parent)
        if not versions:
            report.error(
                "unknown-parent",
                f"parent {parent!r} of unit {unit!r} is not a unit of level {parent_level!r}",
                row=row,
                column=column,
                value=parent,
            )
            continue
        covering = [g for p, g in versions if p.covers(periods[i])]
        if not covering:
            spans = ", ".join(str(p) for p, _ in versions)
            report.error(
                "parent-not-valid",
                f"parent {parent!r} of unit {unit!r} is not valid over {periods[i]} (valid {spans})",
                row=row,
                column=column,
                value=parent,
            )
            continue
        children.append(units.geometry.iloc[i])
        parent_geoms.append(covering[0])
        rows.append((row, unit, parent))
    if children:
        outside = share_outside(children, parent_geoms)
        for (row, unit, parent), share in zip(rows, outside, strict=True):
            if share > spec.cover_tolerance:
                report.add(
                    Severity.ERROR,
                    "parent-does-not-cover",
                    f"{share:.1%} of unit {unit!r} lies outside its parent {parent!r} "
                    f"(tolerance {spec.cover_tolerance:.1%}): wrong parent or wrong geometry?",
                    row=row,
                    column=column,
                    value=unit,
                )


def _check_overlaps(
    store: Store, level: Level, spec: UnitSpec, ids: list[str], periods: list[Period], report: ImportReport
) -> dict[dt.date, list[str]]:
    """Conflicts with stored versions; returns the open versions to close (end date → unit ids)."""
    stored = store.unit_versions(level.id, geometry=False)
    to_close: dict[dt.date, list[str]] = {}
    if len(stored) == 0:
        return to_close
    if spec.close_previous:
        start = min(p.start for p in periods)
        open_before = stored[stored["valid_to"].map(_none).isna() & (stored["valid_from"] < start)]
        if len(open_before):
            end = start - dt.timedelta(days=1)
            to_close[end] = sorted(set(open_before["unit_id"]))
            retired = sorted(set(open_before["unit_id"]) - set(ids))
            if retired:
                shown = ", ".join(retired[:10]) + (" …" if len(retired) > 10 else "")
                report.warning(
                    "units-retired",
                    f"{len(retired)} unit(s) of level {level.id!r} are not in the file and end on {end}: {shown}",
                )
            later = store.read_values(level_id=level.id, unit_ids=sorted(set(open_before["unit_id"])))
            later = later[later["date"] > end]
            if len(later):
                report.warning(
                    "values-outside-validity",
                    f"{len(later)} stored value(s) dated after {end} belong to unit versions that now end on "
                    f"{end}; they no longer appear in the natural series (re-import them on the new units)",
                )
    closing = {u for units in to_close.values() for u in units}
    by_id: dict[str, list[Period]] = {}
    for unit_id, start, end in zip(stored["unit_id"], stored["valid_from"], stored["valid_to"].map(_none), strict=True):
        closes = unit_id in closing and end is None
        by_id.setdefault(unit_id, []).append(Period(start, min(to_close) if closes else end))
    for row, (unit, period) in enumerate(zip(ids, periods, strict=True), start=1):
        for existing in by_id.get(unit, []):
            if existing.overlaps(period):
                hint = "" if spec.close_previous else " (replace the current boundaries with close_previous)"
                report.error(
                    "validity-overlap",
                    f"unit {unit!r} is already stored with validity {existing}, which overlaps {period}{hint}",
                    row=row,
                    column=spec.id_column,
                    value=unit,
                )
    return to_close
