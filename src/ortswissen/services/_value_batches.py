"""Validating raw value batches column-wise and turning them into store batches.

Each raw batch (cells as text, with file rows) is checked with Arrow kernels, never row by
row in Python: unit ids against the level (leading zeros restored where the padded id is
known), reference dates, the unit version valid on each date, numbers in the file's dialect
with the signs of official statistics, negative or fractional counts. Every problem is
reported with row, column and value; the first ones of each kind are listed, the rest
counted. Clean rows become a batch in :data:`~ortswissen.ports.VALUE_BATCH_SCHEMA`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ortswissen.indicators import IndicatorKind, IndicatorMeta
from ortswissen.io import PROBLEM_MESSAGES, RawBatch, ValueSpec, parse_date_column, parse_numbers
from ortswissen.ports import VALUE_BATCH_SCHEMA
from ortswissen.reports import ImportReport, Severity
from ortswissen.units import END_OF_TIME, Level, common_key_width

__all__ = ["ValueBatchValidator", "ValueContext"]

_EPOCH = date(1970, 1, 1)
_DAY_BITS = 21  # days since epoch + 2**20 fit in 21 bits for years 0…4840


@dataclass
class ValueContext:
    """What a batch is checked against."""

    spec: ValueSpec
    level: Level
    periods: pd.DataFrame  # unit_id, valid_from, valid_to of the level's unit versions
    indicators: dict[str, IndicatorMeta]
    wide_columns: dict[str, str]  # source column → indicator id (wide layout)

    def __post_init__(self) -> None:
        ids = sorted(set(self.periods["unit_id"]))
        self.known_ids = pa.array(ids, type=pa.string())
        self.key_width = self.level.key_width or common_key_width(ids)
        # versions by unit index, for resolving (unit, date) → valid_from
        index = {u: i for i, u in enumerate(ids)}
        p = self.periods
        self._v_unit = np.array([index[u] for u in p["unit_id"]], dtype=np.int64)
        self._v_from = np.array([(d - _EPOCH).days for d in p["valid_from"]], dtype=np.int64)
        self._v_to = np.array(
            [(END_OF_TIME - _EPOCH).days if d is None or pd.isna(d) else (d - _EPOCH).days for d in p["valid_to"]],
            dtype=np.int64,
        )
        order = np.argsort(self._v_unit, kind="stable")
        self._v_unit, self._v_from, self._v_to = self._v_unit[order], self._v_from[order], self._v_to[order]

    def resolve(self, unit_idx: np.ndarray, days: np.ndarray) -> np.ndarray:
        """``valid_from`` (days since epoch) of the version valid on each day; -2**62 if none."""
        out = np.full(len(unit_idx), -(2**62), dtype=np.int64)
        lo = np.searchsorted(self._v_unit, unit_idx, side="left")
        hi = np.searchsorted(self._v_unit, unit_idx, side="right")
        for k in range(int((hi - lo).max(initial=0))):
            pos = lo + k
            ok = pos < hi
            pos = np.where(ok, pos, 0)
            hit = ok & (self._v_from[pos] <= days) & (days <= self._v_to[pos])
            out[hit] = self._v_from[pos][hit]
        return out


def _positions(mask: pa.Array | np.ndarray) -> np.ndarray:
    arr = mask if isinstance(mask, np.ndarray) else np.asarray(pc.fill_null(mask, False).to_numpy(zero_copy_only=False))
    return np.flatnonzero(arr)


class ValueBatchValidator:
    """Checks raw batches of one file; keeps the report."""

    def __init__(self, ctx: ValueContext, report: ImportReport) -> None:
        self.ctx = ctx
        self.report = report
        self.rows_read = 0
        self.blank_rows = 0
        self.values_out = 0
        self.skipped_rows: list[tuple[int, dict[str, str]]] = []  # rows without a unit id (skip mode)
        self.column_sums: dict[str, float] = {}

    # -- reporting ------------------------------------------------------------------------
    def _problems(
        self,
        severity: Severity,
        code: str,
        where: np.ndarray,
        rows: np.ndarray,
        column: str | None,
        values: pa.Array | None,
        message: Callable[[str | None], str],
    ) -> None:
        if where.size == 0:
            return
        room = self.report.room(severity, code)
        shown = where[:room]
        texts = values.take(pa.array(shown)).to_pylist() if values is not None and shown.size else [None] * shown.size
        for pos, text in zip(shown, texts, strict=True):
            self.report.add(severity, code, message(text), row=int(rows[pos]), column=column, value=text)
        self.report.tally(severity, code, int(where.size - shown.size))

    # -- one batch -----------------------------------------------------------------------------
    def validate(self, raw: RawBatch) -> pa.Table | None:
        """Check one raw batch; return the clean values (or ``None`` if nothing is left)."""
        spec, ctx = self.ctx.spec, self.ctx
        n = raw.num_rows
        self.rows_read += n
        rows = np.asarray(raw.rows.to_numpy(zero_copy_only=False))
        text = raw.text

        # blank records (trailing ';;;;' rows, empty lines) are skipped and noted
        nonblank = None
        for col in text.values():
            filled = pc.fill_null(pc.not_equal(pc.utf8_trim_whitespace(col), ""), False)
            nonblank = filled if nonblank is None else pc.or_(nonblank, filled)
        blank_pos = _positions(pc.invert(nonblank)) if nonblank is not None else np.arange(0)
        if blank_pos.size:
            self.blank_rows += int(blank_pos.size)
            self._problems(Severity.NOTE, "blank-row", blank_pos, rows, None, None, lambda _: "blank row skipped")
            keep = pa.array(np.setdiff1d(np.arange(n), blank_pos))
            text = {k: v.take(keep) for k, v in text.items()}
            numbers = {k: v.take(keep) for k, v in raw.numbers.items()}
            rows = rows[keep.to_numpy()]
            n = len(rows)
        else:
            numbers = raw.numbers
        if n == 0:
            return None
        if spec.rows_without_id == "skip":
            text, numbers, rows = self._skip_rows_without_id(text, numbers, rows)
            n = len(rows)
            if n == 0:
                return None
        bad = np.zeros(n, dtype=bool)  # rows with a row-level error

        # unit ids
        ids = pc.fill_null(pc.utf8_trim_whitespace(text[spec.unit_column]), "")
        idx = pc.index_in(ids, value_set=ctx.known_ids)
        unknown = _positions(pc.is_null(idx))
        if unknown.size:
            ids, idx, reported = self._repair_ids(ids, idx, unknown, rows)
            bad[reported] = True
            unknown = np.setdiff1d(_positions(pc.is_null(idx)), reported)
            if unknown.size:
                ids_np = ids.take(pa.array(unknown))
                empty = np.asarray(pc.equal(ids_np, "").to_numpy(zero_copy_only=False))
                level = ctx.level.id
                self._problems(
                    Severity.ERROR,
                    "missing-id",
                    unknown[empty],
                    rows,
                    spec.unit_column,
                    None,
                    lambda _: "the unit id is empty",
                )
                self._problems(
                    Severity.ERROR,
                    "unknown-unit",
                    unknown[~empty],
                    rows,
                    spec.unit_column,
                    ids,
                    lambda v: f"unit {v!r} is not a unit of level {level!r}",
                )
                bad[unknown] = True

        # reference dates
        if spec.date is not None:
            days = np.full(n, (spec.date - _EPOCH).days, dtype=np.int64)
            dates_ok = np.ones(n, dtype=bool)
        else:
            assert spec.date_column is not None
            dates, bad_texts = parse_date_column(text[spec.date_column], spec.date_format)
            dates_ok = np.asarray(pc.is_valid(dates).to_numpy(zero_copy_only=False))
            if bad_texts or not dates_ok.all():
                where = np.flatnonzero(~dates_ok)
                fmt = spec.date_format
                self._problems(
                    Severity.ERROR,
                    "invalid-date",
                    where,
                    rows,
                    spec.date_column,
                    text[spec.date_column],
                    lambda v: f"{v!r} is not a date" + ("" if fmt == "auto" else f" in the format {fmt}"),
                )
                bad |= ~dates_ok
            days = np.asarray(pc.fill_null(dates.cast(pa.int32()), 0).to_numpy(zero_copy_only=False)).astype(np.int64)

        # unit version valid on the date
        idx_np = np.asarray(pc.fill_null(idx, -1).to_numpy(zero_copy_only=False)).astype(np.int64)
        checkable = (idx_np >= 0) & dates_ok
        valid_from = np.full(n, -(2**62), dtype=np.int64)
        if checkable.any():
            keys = (idx_np << _DAY_BITS) + (days + (1 << 20))
            uniq, inverse = np.unique(keys[checkable], return_inverse=True)
            resolved = ctx.resolve(uniq >> _DAY_BITS, (uniq & ((1 << _DAY_BITS) - 1)) - (1 << 20))
            valid_from[checkable] = resolved[inverse]
            orphan = np.flatnonzero(checkable & (valid_from == -(2**62)))
            if orphan.size:
                day_texts = pa.array([(_EPOCH + pd.Timedelta(days=int(d))).isoformat() for d in days[orphan]])
                unit_texts = ids.take(pa.array(orphan)).to_pylist()
                labels = pa.array([f"{u} @ {d}" for u, d in zip(unit_texts, day_texts.to_pylist(), strict=True)])
                where = np.arange(orphan.size)
                self._problems(
                    Severity.ERROR,
                    "unit-not-valid-on-date",
                    where,
                    rows[orphan],
                    spec.unit_column,
                    labels,
                    lambda v: (
                        f"unit {v.split(' @ ')[0]!r} has no version valid on {v.split(' @ ')[1]}"
                        if v
                        else "unit not valid on the date"
                    ),
                )
                bad[orphan] = True

        # values
        scenario = self._scenario(text, rows, bad)
        if spec.layout == "wide":
            parts = [(ctx.wide_columns[col], text[col], numbers.get(col), col) for col in ctx.wide_columns]
            out = [
                self._value_part(ind, cells, nums, col, rows, bad, ids, days, valid_from, scenario)
                for ind, cells, nums, col in parts
            ]
        else:
            out = [self._long_part(text, numbers, rows, bad, ids, days, valid_from, scenario)]
        tables = [t for t in out if t is not None and t.num_rows]
        if not tables or not self.report.ok:
            return None
        table = pa.concat_tables(tables)
        self.values_out += table.num_rows
        return table

    def _skip_rows_without_id(
        self, text: dict[str, pa.Array], numbers: dict[str, pa.Array], rows: np.ndarray
    ) -> tuple[dict[str, pa.Array], dict[str, pa.Array], np.ndarray]:
        ids = pc.fill_null(pc.utf8_trim_whitespace(text[self.ctx.spec.unit_column]), "")
        empty = np.asarray(pc.equal(ids, "").to_numpy(zero_copy_only=False), dtype=bool)
        if not empty.any():
            return text, numbers, rows
        for pos in np.flatnonzero(empty):
            filled = {
                c: str(text[c][pos].as_py())
                for c in (self.ctx.wide_columns or [self.ctx.spec.value_column])
                if c and (text[c][pos].as_py() or "").strip()
            }
            self.skipped_rows.append((int(rows[pos]), filled))
        keep = pa.array(np.flatnonzero(~empty))
        return (
            {k: v.take(keep) for k, v in text.items()},
            {k: v.take(keep) for k, v in numbers.items()},
            rows[keep.to_numpy()],
        )

    def finish(self) -> None:
        """Whole-file checks after the last batch: explain the rows without a unit id."""
        d = self.ctx.spec.dialect
        for row, cells in self.skipped_rows:
            if not cells:
                self.report.note("blank-row", "row without unit id and without values skipped", row=row)
                continue
            totals = []
            for column, text in cells.items():
                parsed = parse_numbers(pa.array([text]), decimal=d.decimal, thousands=d.thousands)
                value = parsed.values[0].as_py()
                total = self.column_sums.get(column)
                totals.append(value is not None and total is not None and abs(value - total) < 0.5)
            listing = ", ".join(f"{c}={v}" for c, v in cells.items())
            if all(totals):
                self.report.note(
                    "totals-row", f"row without unit id skipped: it holds the column totals ({listing})", row=row
                )
            else:
                self.report.warning(
                    "row-without-id",
                    f"row without unit id skipped; its values ({listing}) are not the column totals",
                    row=row,
                )

    def _repair_ids(
        self, ids: pa.Array, idx: pa.Array, unknown: np.ndarray, rows: np.ndarray
    ) -> tuple[pa.Array, pa.Array, np.ndarray]:
        """Restore lost leading zeros; returns ids, their indexes and the rows already reported."""
        width = self.ctx.key_width
        if not width:
            return ids, idx
        cand = ids.take(pa.array(unknown))
        short = np.asarray(
            pc.and_(
                pc.fill_null(pc.match_substring_regex(cand, r"^\d+$"), False), pc.less(pc.utf8_length(cand), width)
            ).to_numpy(zero_copy_only=False)
        )
        if not short.any():
            return ids, idx, np.arange(0)
        padded = pc.utf8_lpad(cand, width, "0")
        pidx = pc.index_in(padded, value_set=self.ctx.known_ids)
        fixable = short & np.asarray(pc.is_valid(pidx).to_numpy(zero_copy_only=False))
        if not fixable.any():
            return ids, idx, np.arange(0)
        where = unknown[fixable]
        spec = self.ctx.spec
        if spec.id_padding == "never":
            self._problems(
                Severity.ERROR,
                "id-lost-zeros",
                np.flatnonzero(fixable),
                rows[unknown],
                spec.unit_column,
                cand,
                lambda v: f"id {v!r} lost its leading zeros (should be {str(v).zfill(width)!r})",
            )
            return ids, idx, where
        self._problems(
            Severity.WARNING,
            "id-zero-padded",
            np.flatnonzero(fixable),
            rows[unknown],
            spec.unit_column,
            cand,
            lambda v: f"id {v!r} had lost its leading zeros; read as {str(v).zfill(width)!r}",
        )
        ids_np = np.asarray(ids.to_numpy(zero_copy_only=False), dtype=object)
        ids_np[where] = np.asarray(padded.to_numpy(zero_copy_only=False), dtype=object)[fixable]
        new_ids = pa.array(ids_np, type=pa.string())
        return new_ids, pc.index_in(new_ids, value_set=self.ctx.known_ids), np.arange(0)

    def _parsed(
        self,
        cells: pa.Array,
        nums: pa.Array | None,
        column: str,
        rows: np.ndarray,
        bad: np.ndarray,
        kinds: np.ndarray | None,
        metas: list[IndicatorMeta | None],
    ) -> tuple[pa.Array, pa.Array, pa.Array]:
        d = self.ctx.spec.dialect
        parsed = parse_numbers(cells, decimal=d.decimal, thousands=d.thousands, numbers=nums)
        if parsed.problem.null_count < len(parsed.problem):
            problem = np.asarray(parsed.problem.to_numpy(zero_copy_only=False), dtype=object)
            for code, text in PROBLEM_MESSAGES.items():
                where = np.flatnonzero(problem == code)
                self._problems(Severity.ERROR, code, where, rows, column, cells, lambda v, text=text: f"{v!r} {text}")
                bad[where] = True
        values = np.asarray(parsed.values.to_numpy(zero_copy_only=False), dtype=float)
        status = parsed.status
        negative_ok = np.array([m is None or m.negative_allowed for m in metas]) if kinds is not None else None
        if negative_ok is not None:
            neg = np.flatnonzero((values < 0) & ~negative_ok[kinds])
        else:
            meta = metas[0]
            neg = np.flatnonzero(values < 0) if meta is not None and not meta.negative_allowed else np.arange(0)
        if neg.size:
            self._problems(
                Severity.ERROR,
                "negative-value",
                neg,
                rows,
                column,
                cells,
                lambda v: (
                    f"{v!r} is negative, which this indicator (a count, amount, share, rate or density) does not allow"
                ),
            )
            bad[neg] = True
        is_count = (
            np.array([m is not None and m.kind == IndicatorKind.COUNT for m in metas])[kinds]
            if kinds is not None
            else np.full(len(values), metas[0] is not None and metas[0].kind == IndicatorKind.COUNT)
        )
        # Arrow, not a numpy object array: 500,000 Python strings per batch fragment the heap
        is_ok = np.asarray(pc.fill_null(pc.equal(status, "ok"), False).to_numpy(zero_copy_only=False), dtype=bool)
        frac = np.flatnonzero(is_count & is_ok & np.isfinite(values) & (values != np.round(values)))
        if frac.size:
            self._problems(
                Severity.ERROR,
                "fractional-count",
                frac,
                rows,
                column,
                cells,
                lambda v: f"{v!r} is not a whole number but the indicator counts (persons, objects)",
            )
            bad[frac] = True
        return pa.array(values, type=pa.float64(), from_pandas=True), status, parsed.flag

    def _assemble(
        self,
        indicator: pa.Array,
        ids: pa.Array,
        days: np.ndarray,
        valid_from: np.ndarray,
        values: pa.Array,
        status: pa.Array,
        flag: pa.Array,
        rows: np.ndarray,
        bad: np.ndarray,
        scenario: pa.Array,
    ) -> pa.Table | None:
        keep = np.flatnonzero(~bad)
        if keep.size == 0 or not self.report.ok:
            return None
        take = pa.array(keep)
        spec = self.ctx.spec
        st = status.take(take)
        if spec.status is not None:
            st = pc.if_else(pc.equal(st, "ok"), pa.scalar(spec.status), st)
        n = keep.size
        return pa.table(
            [
                indicator.take(take),
                pa.repeat(self.ctx.level.id, n),
                ids.take(take),
                pa.array(valid_from[keep].astype("int32"), type=pa.int32()).cast(pa.date32()),
                pa.array(days[keep].astype("int32"), type=pa.int32()).cast(pa.date32()),
                scenario.take(take),
                values.take(take),
                st,
                flag.take(take),
                pa.array(rows[keep], type=pa.int64()),
            ],
            schema=VALUE_BATCH_SCHEMA,
        )

    def _explicit_status(
        self,
        text: dict[str, pa.Array],
        rows: np.ndarray,
        bad: np.ndarray,
        values: pa.Array,
        status: pa.Array,
        flag: pa.Array,
    ) -> tuple[pa.Array, pa.Array, pa.Array]:
        """Apply per-row status and flag columns of a long file (a number needs a numeric status)."""
        spec = self.ctx.spec
        if spec.flag_column:
            given = pc.utf8_trim_whitespace(pc.fill_null(text[spec.flag_column], ""))
            flag = pc.if_else(pc.equal(given, ""), flag, given)
        if not spec.status_column:
            return values, status, flag
        given = pc.utf8_trim_whitespace(pc.fill_null(text[spec.status_column], ""))
        allowed = pa.array(["ok", "missing", "suppressed", "estimated", "projected"])
        known = pc.fill_null(pc.is_in(given, value_set=allowed), False)
        empty = pc.equal(given, "")
        wrong = np.flatnonzero(~np.asarray(pc.or_(known, empty).to_numpy(zero_copy_only=False), dtype=bool))
        self._problems(
            Severity.ERROR,
            "invalid-status",
            wrong,
            rows,
            spec.status_column,
            given,
            lambda v: f"{v!r} is not a status (ok, missing, suppressed, estimated, projected)",
        )
        bad[wrong] = True
        status = pc.if_else(pc.or_(empty, pc.invert(known)), status, given)
        has_number = pc.is_valid(values)
        no_number_status = pc.is_in(status, value_set=pa.array(["missing", "suppressed"]))
        clash = np.flatnonzero(
            np.asarray(pc.and_(has_number, no_number_status).to_numpy(zero_copy_only=False), dtype=bool)
        )
        self._problems(
            Severity.ERROR,
            "status-conflict",
            clash,
            rows,
            spec.status_column,
            status,
            lambda v: f"status {v!r} but the row has a number",
        )
        bad[clash] = True
        needs_number = np.flatnonzero(
            np.asarray(
                pc.and_(pc.invert(has_number), pc.invert(no_number_status)).to_numpy(zero_copy_only=False), dtype=bool
            )
            & ~bad
        )
        self._problems(
            Severity.ERROR,
            "status-conflict",
            needs_number,
            rows,
            spec.status_column,
            status,
            lambda v: f"status {v!r} needs a number but the value is empty",
        )
        bad[needs_number] = True
        return values, status, flag

    def _scenario(self, text: dict[str, pa.Array], rows: np.ndarray, bad: np.ndarray) -> pa.Array:
        """The scenario of each row; an empty scenario cell is an error."""
        spec = self.ctx.spec
        if not spec.scenario_column:
            return pa.repeat(spec.scenario, len(rows))
        scenario = pc.fill_null(pc.utf8_trim_whitespace(text[spec.scenario_column]), "")
        empty = _positions(pc.equal(scenario, ""))
        self._problems(
            Severity.ERROR,
            "missing-scenario",
            empty,
            rows,
            spec.scenario_column,
            None,
            lambda _: "the scenario is empty",
        )
        bad[empty] = True
        return scenario

    def _value_part(
        self,
        indicator_id: str,
        cells: pa.Array,
        nums: pa.Array | None,
        column: str,
        rows: np.ndarray,
        bad_rows: np.ndarray,
        ids: pa.Array,
        days: np.ndarray,
        valid_from: np.ndarray,
        scenario: pa.Array,
    ) -> pa.Table | None:
        bad = bad_rows.copy()
        meta = self.ctx.indicators.get(indicator_id)
        values, status, flag = self._parsed(cells, nums, column, rows, bad, None, [meta])
        if self.ctx.spec.rows_without_id == "skip":
            total = pc.sum(values).as_py()
            self.column_sums[column] = self.column_sums.get(column, 0.0) + (total or 0.0)
        n = len(rows)
        return self._assemble(
            pa.repeat(indicator_id, n), ids, days, valid_from, values, status, flag, rows, bad, scenario
        )

    def _long_part(
        self,
        text: dict[str, pa.Array],
        numbers: dict[str, pa.Array],
        rows: np.ndarray,
        bad: np.ndarray,
        ids: pa.Array,
        days: np.ndarray,
        valid_from: np.ndarray,
        scenario: pa.Array,
    ) -> pa.Table | None:
        spec = self.ctx.spec
        assert spec.indicator_column is not None and spec.value_column is not None
        labels = pc.fill_null(pc.utf8_trim_whitespace(text[spec.indicator_column]), "")
        encoded = pc.dictionary_encode(labels)
        names = [spec.indicator_map.get(v, v) for v in encoded.dictionary.to_pylist()]
        metas = [self.ctx.indicators.get(v) for v in names]
        known = np.array([m is not None for m in metas], dtype=bool)
        codes = np.asarray(encoded.indices.to_numpy(zero_copy_only=False)).astype(np.int64)
        unknown = np.flatnonzero(~known[codes])
        if unknown.size:
            self._problems(
                Severity.ERROR,
                "unknown-indicator",
                unknown,
                rows,
                spec.indicator_column,
                labels,
                lambda v: (
                    f"indicator {v!r} is not defined (import its definition first)" if v else "the indicator is empty"
                ),
            )
            bad[unknown] = True
        values, status, flag = self._parsed(
            text[spec.value_column], numbers.get(spec.value_column), spec.value_column, rows, bad, codes, metas
        )
        if spec.status_column or spec.flag_column:
            values, status, flag = self._explicit_status(text, rows, bad, values, status, flag)
        indicator = pa.array(names, type=pa.string()).take(pa.array(codes))
        return self._assemble(indicator, ids, days, valid_from, values, status, flag, rows, bad, scenario)
