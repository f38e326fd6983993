"""Importing indicator values from CSV, XLSX or Parquet: all or nothing.

The whole file is validated while it streams into the store, where its values are staged
invisibly. If any error is found (bad number, unknown unit, duplicate key, …) the staged
values are dropped and :class:`~ortswissen.errors.ImportRejected` carries the full report;
otherwise one short transaction replaces values with the same key from earlier imports and
records the import with the file's SHA-256, which makes the new values visible at once.

Examples
--------
>>> from ortswissen.storage import open_store
>>> from ortswissen.testing import synthetic_municipality
>>> store = open_store("memory://")
>>> town = synthetic_municipality()
>>> town.load(store)  # doctest: +ELLIPSIS
<...>
>>> store.read_values(["residents"], level_id="quartier").shape[0] > 0
True
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow.compute as pc

from ortswissen.errors import ImportRejected, InvalidInput, NotFound
from ortswissen.indicators import IndicatorMeta
from ortswissen.io import EncodingProblem, TableSource, ValueSpec, open_table
from ortswissen.ports import ImportRecord, Store
from ortswissen.reports import ImportReport
from ortswissen.services._progress import NO_PROGRESS, Progress
from ortswissen.services._provenance import file_sha256, new_import_id, now
from ortswissen.services._value_batches import ValueBatchValidator, ValueContext

__all__ = ["ImportOptions", "import_values"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ImportOptions:
    """Options shared by the imports."""

    dry_run: bool = False  # validate fully, write nothing
    strict: bool = False  # warnings count as errors
    max_issues_per_code: int = 50
    create_indicators: bool = True  # create indicators defined by the profile if missing
    recompute: bool = True  # recompute dependants and upper levels of the imported indicators at once
    extra: dict[str, object] = field(default_factory=dict)


class _DryRun(Exception):
    """Raised inside the transaction to roll a dry run back."""


def _reject(report: ImportReport) -> ImportRejected:
    return ImportRejected(report)


def _check_columns(source: TableSource, spec: ValueSpec, report: ImportReport) -> dict[str, str]:
    present = source.columns
    needed = [
        c
        for c in (spec.unit_column, spec.date_column, spec.indicator_column, spec.value_column, spec.scenario_column)
        if c
    ]
    for column in needed:
        if column not in present:
            report.error(
                "missing-column", f"the file has no column {column!r}; it has: {', '.join(present)}", column=column
            )
    wide: dict[str, str] = {}
    if spec.layout == "wide":
        wide, missing = spec.wide_columns(present)
        for column in missing:
            report.error(
                "missing-column", f"the file has no column {column!r} required by the specification", column=column
            )
        used = set(wide) | set(needed) | set(spec.ignore_columns)
        unused = [c for c in present if c not in used]
        if unused:
            report.note("column-ignored", f"column(s) not imported: {', '.join(unused)}")
        if not wide and not missing:
            report.error("no-value-columns", "the file has no value columns to import")
    if spec.date is None and spec.date_column is None:
        report.error("missing-date", "the file has no date column; give the reference date (--date)")
    return wide


def import_values(
    store: Store,
    path: str | Path,
    spec: ValueSpec,
    *,
    options: ImportOptions | None = None,
    progress: Progress = NO_PROGRESS,
) -> ImportReport:
    """Validate and import one value file; raise :class:`ImportRejected` on any error."""
    options = options or ImportOptions()
    path = Path(path)
    report = ImportReport("values", path.name, per_code_limit=options.max_issues_per_code)
    report.details["profile"] = spec.id
    started = now()
    if spec.level is None:
        report.error("missing-level", "no level given: which spatial level do the units belong to? (--level)")
        raise _reject(report)
    try:
        level = store.get_level(spec.level)
    except NotFound as exc:
        report.error("unknown-level", str(exc))
        raise _reject(report) from exc
    try:
        source = open_table(path, spec.dialect.to_dialect(), sheet=spec.sheet, report=report)
    except EncodingProblem as exc:
        report.error("encoding", exc.message, row=exc.row, value=exc.value)
        raise _reject(report) from exc
    except InvalidInput as exc:
        report.error("unreadable", exc.message)
        raise _reject(report) from exc
    report.details.update(source.details)

    wide = _check_columns(source, spec, report)
    indicators = {m.id: m for m in store.list_indicators()}
    to_create = [m for m in spec.indicators if m.id not in indicators] if options.create_indicators else []
    indicators.update({m.id: m for m in to_create})
    for column, target in wide.items():
        if target not in indicators:
            report.error(
                "unknown-indicator",
                f"column {column!r} maps to indicator {target!r}, which is not defined "
                "(import its definition first: ortswissen import indicators FILE)",
                column=column,
            )
    periods = store.unit_versions(level.id, geometry=False)
    if len(periods) == 0:
        report.error("no-units", f"level {level.id!r} has no units yet; import its boundaries first")
    if not report.ok:
        raise _reject(report)

    ctx = ValueContext(spec, level, periods[["unit_id", "valid_from", "valid_to"]], indicators, wide)
    validator = ValueBatchValidator(ctx, report)
    import_id = new_import_id("values")
    sha = getattr(getattr(source, "facts", None), "sha256", "") or file_sha256(path)
    progress.start(f"Import {path.name}", None)
    writer = store.value_writer(import_id)
    seen: set[str] = set()
    try:
        # 1. stream, validate and stage (staged values stay invisible; memory stays bounded)
        for raw in source.batches(report):
            batch = validator.validate(raw)
            if batch is not None and report.ok:
                writer.add(batch)
                seen.update(pc.unique(batch.column("indicator_id")).to_pylist())
            progress.advance(raw.num_rows)
        validator.finish()
        if validator.rows_read == 0 or (validator.rows_read == validator.blank_rows):
            report.error("no-data", "the file has a header but no data rows")
        if report.ok:
            total, dups = writer.duplicates(limit=options.max_issues_per_code)
            for dup in dups:
                report.error(
                    "duplicate-key",
                    f"indicator {dup.indicator_id!r}, unit {dup.unit_id!r}, date {dup.date} "
                    f"(scenario {dup.scenario!r}) appears in rows {', '.join(map(str, dup.rows))}",
                    row=dup.rows[-1],
                    column=spec.unit_column,
                    value=dup.unit_id,
                )
            report.tally("error", "duplicate-key", total - len(dups))
        if options.strict and report.warning_count:
            report.error("strict", f"{report.warning_count} warning(s) in strict mode")
        if not report.ok:
            raise _reject(report)
        # 2. one short transaction: definitions, replacement of older values, the import record
        with store.transaction():
            for meta in to_create:
                store.put_indicator(meta)
            written, replaced = writer.finish()
            report.counts.update(
                rows_read=validator.rows_read, blank_rows=validator.blank_rows, written=written, replaced=replaced
            )
            if options.dry_run:
                raise _DryRun
            store.record_import(
                ImportRecord(
                    import_id,
                    "values",
                    str(path),
                    sha,
                    started,
                    now(),
                    validator.rows_read,
                    written,
                    replaced,
                    options={"spec": spec.model_dump(mode="json", exclude={"indicators"})},
                    summary=report.to_dict()["totals"],
                )
            )
    except _DryRun:
        report.details["dry_run"] = True
    finally:
        writer.discard()
        progress.finish()
    report.details["import_id"] = import_id
    report.details["sha256"] = sha
    if options.recompute and not report.details.get("dry_run") and seen:
        from ortswissen.services.indicators import recompute_after_import

        derived = recompute_after_import(store, sorted(seen))
        if derived is not None:
            report.details["recomputed"] = derived.to_dict()
    log.info("%s", report.summary())
    return report


def register_indicators(store: Store, metas: list[IndicatorMeta]) -> int:
    """Create or update indicator definitions in one transaction; returns how many."""
    with store.transaction():
        for meta in metas:
            store.put_indicator(meta)
    return len(metas)
