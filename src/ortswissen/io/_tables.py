r"""Tabular inputs (CSV, XLSX, Parquet) read as a stream of raw batches.

Every source yields :class:`RawBatch` objects: the cells of each column as text (``None``
for an empty cell in typed formats) plus, for typed formats, the numeric value of cells that
were numbers, and the 1-based file row of each record. Parsing numbers and dates is left to
the validators, which know what a column should hold.

CSV files are parsed by pyarrow's streaming reader in blocks, so a file larger than memory
never sits in memory whole. Empty lines are kept as (blank) records so row numbers stay
exact; if a record has the wrong number of fields the reader switches to a single-threaded
pass, which knows the line of every bad record.

Examples
--------
>>> import tempfile, os
>>> path = os.path.join(tempfile.mkdtemp(), "x.csv")
>>> _ = Path(path).write_text('"RAUMID";"E_E"\n"01011101";"2930,00"\n', encoding="utf-8")
>>> src = open_table(path, CsvDialect(delimiter=";"))
>>> src.columns
['RAUMID', 'E_E']
>>> batch = next(iter(src.batches()))
>>> batch.text["E_E"].to_pylist(), batch.rows.to_pylist()
(['2930,00'], [2])
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from ortswissen.errors import InvalidInput
from ortswissen.io._sniff import FileFacts, sniff
from ortswissen.reports import ImportReport

__all__ = ["DELIMITERS", "CsvDialect", "RawBatch", "TableSource", "open_table"]

#: Delimiters recognised when a file's delimiter is not declared.
DELIMITERS = (";", ",", "\t", "|")
_BLOCK = 4 << 20


@dataclass(frozen=True)
class CsvDialect:
    """How a text table is written.

    ``delimiter=None`` detects the delimiter from the header line (the choice is reported).
    ``decimal`` and ``thousands`` describe numbers (German: ``,`` and ``.``).
    ``encoding="auto"`` accepts UTF-8 with or without BOM and nothing else; declare
    ``cp1252`` for files exported by German Excel.
    """

    delimiter: str | None = None
    quote: str = '"'
    decimal: str = ","
    thousands: str | None = "."
    encoding: str = "auto"
    header_row: int = 1

    def __post_init__(self) -> None:
        if self.delimiter is not None and len(self.delimiter) != 1:
            raise InvalidInput(f"the delimiter must be one character, not {self.delimiter!r}")
        if self.decimal not in (",", "."):
            raise InvalidInput(f"the decimal separator must be ',' or '.', not {self.decimal!r}")
        if self.thousands == self.decimal:
            raise InvalidInput("decimal and thousands separators must differ")
        if self.header_row < 1:
            raise InvalidInput("header_row counts from 1")


@dataclass
class RawBatch:
    """Cells of a slice of records."""

    rows: pa.Array  # int64: 1-based file row of each record
    text: dict[str, pa.Array]  # string cells (None where a typed cell was empty)
    numbers: dict[str, pa.Array] = field(default_factory=dict)  # float64 of cells that were numbers

    @property
    def num_rows(self) -> int:
        """Number of records."""
        return len(self.rows)


class TableSource:
    """A tabular file ready to be read batch by batch."""

    def __init__(self, path: Path, columns: list[str], kind: str) -> None:
        self.path = path
        self.columns = columns
        self.kind = kind
        self.details: dict[str, Any] = {}

    def batches(self, report: ImportReport | None = None) -> Iterator[RawBatch]:
        """Yield raw batches; structural problems are recorded in ``report``."""
        raise NotImplementedError


# -- CSV ---------------------------------------------------------------------------------------


class CsvSource(TableSource):
    """A CSV file in a known dialect."""

    def __init__(
        self, path: Path, dialect: CsvDialect, facts: FileFacts, columns: list[str], delimiter: str, ignored: list[str]
    ) -> None:
        super().__init__(path, [c for c in columns if c not in ignored], "csv")
        self.dialect = dialect
        self.facts = facts
        self.delimiter = delimiter
        self._all_columns = columns
        self.details = {
            "encoding": facts.encoding + (" (with BOM)" if facts.bom else ""),
            "delimiter": delimiter,
            "line_endings": facts.line_endings,
        }

    def batches(self, report: ImportReport | None = None) -> Iterator[RawBatch]:
        """Stream the records; bad records go to ``report`` as ``wrong-field-count`` errors."""
        self._emitted = 0
        self._bad_seen = False
        try:
            yield from self._read(threads=True, report=report, skip=0)
        except pa.ArrowInvalid as exc:
            if not self._bad_seen:
                raise InvalidInput(f"{self.path.name}: the file cannot be parsed as CSV ({exc})") from exc
            # Bad records carry no line numbers in threaded mode: read again single-threaded.
            # Batches already yielded came before the first bad record (a block is yielded only
            # after it parsed cleanly), so their rows were exact; skip them.
            try:
                yield from self._read(threads=False, report=report, skip=self._emitted)
            except pa.ArrowInvalid as again:
                raise InvalidInput(f"{self.path.name}: the file cannot be parsed as CSV ({again})") from again

    def _read(self, *, threads: bool, report: ImportReport | None, skip: int) -> Iterator[RawBatch]:
        bad: list[tuple[int | None, str, int, int]] = []

        def handler(row: Any) -> str:
            if threads:
                self._bad_seen = True
                return "error"  # stops the threaded pass; batches() restarts single-threaded
            bad.append((row.number, row.text, row.expected_columns, row.actual_columns))
            return "skip"

        # A Python file object, not the path: given a path, pyarrow reads ahead of the consumer
        # and its memory grows with the file (176 MB for a 178 MB file); this way it stays flat.
        with self.path.open("rb") as handle:
            yield from self._stream(handle, handler, bad, report, threads=threads, skip=skip)

    def _stream(
        self,
        handle: Any,
        handler: Any,
        bad: list[tuple[int | None, str, int, int]],
        report: ImportReport | None,
        *,
        threads: bool,
        skip: int,
    ) -> Iterator[RawBatch]:
        names = self._all_columns
        keep = set(self.columns)
        reader = pacsv.open_csv(
            handle,
            read_options=pacsv.ReadOptions(
                use_threads=threads,
                block_size=_BLOCK,
                skip_rows=self.dialect.header_row,
                column_names=names,
                encoding=self.facts.encoding if self.facts.encoding != "utf-8" else "utf8",
            ),
            parse_options=pacsv.ParseOptions(
                delimiter=self.delimiter,
                quote_char=self.dialect.quote or False,
                double_quote=True,
                ignore_empty_lines=False,
                newlines_in_values=False,
                invalid_row_handler=handler,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in names},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
        emitted = 0  # records yielded so far
        reported = 0
        carry = 0  # line breaks inside quoted values seen so far: each pushes later rows down
        try:
            for record_batch in reader:
                n = record_batch.num_rows
                # file row of record i = header rows + i + 1 + bad lines skipped before it
                base = np.arange(emitted, emitted + n, dtype=np.int64) + self.dialect.header_row + 1
                if bad:
                    skipped = np.sort(np.array([b[0] for b in bad if b[0] is not None], dtype=np.int64))
                    rows = base.copy()
                    for line in skipped:  # few bad lines: shift the records at or after each
                        rows[rows >= line] += 1
                    base = rows
                inner = _inner_line_breaks(record_batch)
                if inner is not None:
                    shift = np.concatenate([[0], np.cumsum(inner)[:-1]]) + carry
                    for pos in np.flatnonzero(inner):
                        if report is not None and skip <= pos:
                            report.error(
                                "newline-in-value",
                                "a quoted value contains a line break; export the file without line breaks in cells",
                                row=int(base[pos] + shift[pos]),
                            )
                    base = base + shift
                    carry += int(inner.sum())
                elif carry:
                    base = base + carry
                while reported < len(bad) and report is not None:
                    number, text, expected, actual = bad[reported]
                    report.error(
                        "wrong-field-count",
                        f"expected {expected} fields, found {actual}"
                        + (" (wrong delimiter or an unquoted delimiter in a value?)" if actual > expected else ""),
                        row=number,
                        value=text,
                    )
                    reported += 1
                emitted += n
                text = {name: record_batch.column(name) for name in record_batch.schema.names if name in keep}
                batch = RawBatch(pa.array(base, type=pa.int64()), text)
                if skip >= n:
                    skip -= n
                    continue
                if skip:
                    batch = RawBatch(batch.rows.slice(skip), {k: v.slice(skip) for k, v in text.items()})
                    skip = 0
                self._emitted += batch.num_rows
                yield batch
        finally:
            reader.close()  # stop read-ahead threads of a reader left mid-stream
        while report is not None and reported < len(bad):
            number, text, expected, actual = bad[reported]
            report.error("wrong-field-count", f"expected {expected} fields, found {actual}", row=number, value=text)
            reported += 1


def _inner_line_breaks(batch: pa.RecordBatch) -> np.ndarray | None:
    """Line breaks inside the values of each record (``None`` when there are none, the usual case)."""
    total = None
    for column in batch.columns:
        if not (pc.any(pc.match_substring(column, "\n")).as_py() or pc.any(pc.match_substring(column, "\r")).as_py()):
            continue
        crlf = pc.count_substring(column, "\r\n")
        breaks = pc.subtract(pc.add(pc.count_substring(column, "\n"), pc.count_substring(column, "\r")), crlf)
        total = breaks if total is None else pc.add(total, breaks)
    return None if total is None else np.asarray(total.to_numpy(zero_copy_only=False), dtype=np.int64)


def _split_header(line: str, delimiter: str, quote: str) -> list[str]:
    reader = csv.reader(io.StringIO(line), delimiter=delimiter, quotechar=quote or '"')
    return next(reader, [])


def _detect_delimiter(line: str) -> str | None:
    """The candidate delimiter occurring most often outside quoted names (``None`` if none occurs)."""
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for char in line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else None


def _open_csv(path: Path, dialect: CsvDialect, report: ImportReport | None) -> CsvSource:
    facts = sniff(path, dialect.encoding)
    encoding = "utf-8-sig" if facts.encoding == "utf-8" else facts.encoding
    with path.open("rb") as fh:
        head = fh.read(4 << 20)
    lines = head.decode(encoding, errors="replace").splitlines()
    header_line = lines[dialect.header_row - 1] if len(lines) >= dialect.header_row else None
    if header_line is None or not header_line.strip():
        raise InvalidInput(f"{path.name}: row {dialect.header_row} should hold the column names but is empty")
    delimiter = dialect.delimiter
    if delimiter is None:
        delimiter = _detect_delimiter(header_line)
        if delimiter is None:
            raise InvalidInput(
                f"{path.name}: row {dialect.header_row}: cannot find a delimiter in the header {header_line[:80]!r}"
            )
        if report is not None:
            report.note(
                "delimiter-detected", f"delimiter {delimiter!r} detected from the header", row=dialect.header_row
            )
    names = [n.strip() for n in _split_header(header_line, delimiter, dialect.quote)]
    if len(names) == 1:
        other = _detect_delimiter(header_line)
        if other is not None and other != delimiter:
            raise InvalidInput(
                f"{path.name}: row {dialect.header_row}: the header has no {delimiter!r} but {other!r} separates "
                f"its columns: wrong delimiter (declare {other!r})"
            )
    ignored: list[str] = []
    if len(names) > 1 and names[-1] == "":
        names[-1] = "_trailing_delimiter"
        ignored.append(names[-1])
    seen: dict[str, int] = {}
    for pos, name in enumerate(names, start=1):
        if not name:
            raise InvalidInput(f"{path.name}: row {dialect.header_row}: column {pos} has no name")
        if name in seen:
            raise InvalidInput(
                f"{path.name}: row {dialect.header_row}: the column name {name!r} occurs twice "
                f"(columns {seen[name]} and {pos})"
            )
        seen[name] = pos
    source = CsvSource(path, dialect, facts, names, delimiter, ignored)
    if report is not None and facts.mixed_line_endings:
        kinds = ", ".join(f"{n} {k.upper()}" for k, n in facts.line_endings.items() if n)
        report.note("mixed-line-endings", f"the file mixes line endings ({kinds}); all were read as line breaks")
    return source


# -- XLSX -----------------------------------------------------------------------------------------


class XlsxSource(TableSource):
    """A sheet of an XLSX workbook, read row by row (openpyxl's read-only mode)."""

    def __init__(self, path: Path, sheet: str | None, header_row: int, columns: list[str]) -> None:
        super().__init__(path, columns, "xlsx")
        self.sheet = sheet
        self.header_row = header_row
        self.details = {"sheet": sheet}

    def batches(self, report: ImportReport | None = None, size: int = 50_000) -> Iterator[RawBatch]:
        """Stream the rows below the header."""
        from openpyxl import load_workbook

        workbook = load_workbook(self.path, read_only=True, data_only=True)
        try:
            ws = workbook[self.sheet] if self.sheet else workbook.worksheets[0]
            width = len(self.columns)
            rows: list[int] = []
            cells: list[tuple[Any, ...]] = []
            for number, values in enumerate(
                ws.iter_rows(min_row=self.header_row + 1, values_only=True), start=self.header_row + 1
            ):
                rows.append(number)
                cells.append(tuple(values[:width]) + (None,) * max(0, width - len(values)))
                if len(rows) >= size:
                    yield _xlsx_batch(rows, cells, self.columns)
                    rows, cells = [], []
            if rows:
                yield _xlsx_batch(rows, cells, self.columns)
        finally:
            workbook.close()


def _cell_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _xlsx_batch(rows: list[int], cells: list[tuple[Any, ...]], columns: list[str]) -> RawBatch:
    text: dict[str, pa.Array] = {}
    numbers: dict[str, pa.Array] = {}
    for j, name in enumerate(columns):
        col = [r[j] for r in cells]
        text[name] = pa.array([_cell_text(v) for v in col], type=pa.string())
        nums = [float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None for v in col]
        if any(v is not None for v in nums):
            numbers[name] = pa.array(nums, type=pa.float64())
    return RawBatch(pa.array(rows, type=pa.int64()), text, numbers)


def _open_xlsx(path: Path, sheet: str | None, header_row: int) -> XlsxSource:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        raise InvalidInput(f"{path.name}: not a readable XLSX workbook ({exc})") from exc
    try:
        if sheet is not None and sheet not in workbook.sheetnames:
            raise InvalidInput(f"{path.name}: no sheet {sheet!r}; sheets: {', '.join(workbook.sheetnames)}")
        ws = workbook[sheet] if sheet else workbook.worksheets[0]
        header = next(ws.iter_rows(min_row=header_row, max_row=header_row, values_only=True), None)
    finally:
        workbook.close()
    if header is None or all(v is None for v in header):
        raise InvalidInput(f"{path.name}: row {header_row} should hold the column names but is empty")
    names = [("" if v is None else str(v)).strip() for v in header]
    while names and names[-1] == "":
        names.pop()
    seen: dict[str, int] = {}
    for pos, name in enumerate(names, start=1):
        if not name:
            raise InvalidInput(f"{path.name}: row {header_row}: column {pos} has no name")
        if name in seen:
            raise InvalidInput(f"{path.name}: row {header_row}: the column name {name!r} occurs twice")
        seen[name] = pos
    return XlsxSource(path, sheet, header_row, names)


# -- Parquet ----------------------------------------------------------------------------------------


class ParquetSource(TableSource):
    """A (Geo)Parquet file read by row groups; typed columns keep their numbers."""

    def batches(self, report: ImportReport | None = None) -> Iterator[RawBatch]:
        """Stream the records in batches."""
        pf = pq.ParquetFile(self.path)
        start = 2  # row 1 is the notional header, as in CSV files
        for record_batch in pf.iter_batches(batch_size=200_000, columns=self.columns):
            n = record_batch.num_rows
            text: dict[str, pa.Array] = {}
            numbers: dict[str, pa.Array] = {}
            for name in self.columns:
                col = record_batch.column(name)
                if pa.types.is_integer(col.type) or pa.types.is_floating(col.type) or pa.types.is_decimal(col.type):
                    numbers[name] = col.cast(pa.float64())
                    text[name] = col.cast(pa.string())  # Arrow writes 2930.0 as "2930"
                elif pa.types.is_date(col.type):
                    text[name] = col.cast(pa.string())
                elif pa.types.is_timestamp(col.type):
                    text[name] = pa.array([_cell_text(v) for v in col.to_pylist()], type=pa.string())
                else:
                    text[name] = col.cast(pa.string())
            yield RawBatch(pa.array(np.arange(start, start + n, dtype=np.int64)), text, numbers)
            start += n


def _open_parquet(path: Path) -> ParquetSource:
    try:
        schema = pq.read_schema(path)
    except (OSError, pa.ArrowInvalid) as exc:
        raise InvalidInput(f"{path.name}: not a readable Parquet file ({exc})") from exc
    names = [n for n in schema.names if n not in ("geometry", "__index_level_0__")]
    return ParquetSource(path, names, "parquet")


def open_table(
    path: str | Path,
    dialect: CsvDialect | None = None,
    *,
    sheet: str | None = None,
    report: ImportReport | None = None,
) -> TableSource:
    """Open a CSV, XLSX or Parquet file (chosen by suffix) for streaming."""
    path = Path(path)
    if not path.exists():
        raise InvalidInput(f"{path}: no such file")
    suffix = path.suffix.lower()
    dialect = dialect or CsvDialect()
    if suffix in (".xlsx", ".xlsm"):
        return _open_xlsx(path, sheet, dialect.header_row)
    if suffix in (".parquet", ".geoparquet", ".pq"):
        return _open_parquet(path)
    if suffix == ".xls":
        raise InvalidInput(f"{path.name}: old .xls workbooks are not supported; save the sheet as .xlsx or CSV")
    return _open_csv(path, dialect, report)
