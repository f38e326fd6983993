"""Register inputs as column tables with their file rows: from CSV files or from data frames.

Both paths give a :class:`pyarrow.Table` with the profile's columns present in the input
(text, or typed values such as dates and floats when a data frame had them) and ``_row``,
the 1-based row of each record as a spreadsheet counts it (row 2 is the first data row).
Parsing is then the same for files and frames.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from ortswissen.errors import InvalidInput
from ortswissen.io import CsvDialect, EncodingProblem, open_table
from ortswissen.reports import ImportReport

__all__ = ["Input", "frame_input", "read_csv_input"]


@dataclass
class Input:
    """One input table: its name in messages, its columns and the rows."""

    name: str
    table: pa.Table  # the profile's columns present, plus _row
    sha256: str = ""

    def column(self, name: str) -> pa.Array | None:
        """A column as one array (``None`` if the input lacks it)."""
        if name not in self.table.column_names:
            return None
        return self.table.column(name).combine_chunks()

    @property
    def rows(self) -> np.ndarray:
        """File rows of the records."""
        return self.table.column("_row").to_numpy()


def check_columns(
    present: list[str], columns: dict[str, tuple[str, ...]], name: str, report: ImportReport
) -> list[str]:
    """Columns to read; missing required ones are errors, unknown ones a note."""
    for column in columns["required"]:
        if column not in present:
            report.error(
                "missing-column",
                f"{name} has no column {column!r}; it has: {', '.join(present)}",
                column=column,
                source=name,
            )
    known = set(columns["required"]) | set(columns["optional"])
    unused = [c for c in present if c not in known]
    if unused:
        report.note("column-ignored", f"column(s) not imported: {', '.join(unused)}", source=name)
    return [c for c in present if c in known]


def read_csv_input(path: str | Path, columns: dict[str, tuple[str, ...]], report: ImportReport) -> Input | None:
    """Read a profile CSV (UTF-8, ``;`` or ``,`` detected from the header) as text; ``None`` on errors."""
    path = Path(path)
    try:
        source = open_table(path, CsvDialect(decimal=".", thousands=None), report=report)
    except EncodingProblem as exc:
        report.error("encoding", exc.message, row=exc.row, value=exc.value, source=path.name)
        return None
    except InvalidInput as exc:
        report.error("unreadable", exc.message, source=path.name)
        return None
    wanted = check_columns(source.columns, columns, path.name, report)
    if not report.ok:
        return None
    parts: dict[str, list[pa.Array]] = {c: [] for c in wanted}
    rows: list[pa.Array] = []
    for batch in source.batches(report):
        rows.append(batch.rows)
        for column in wanted:
            parts[column].append(batch.text[column].cast(pa.string()))
    data = {c: pa.chunked_array(parts[c], type=pa.string()) for c in wanted}
    data["_row"] = pa.chunked_array(rows, type=pa.int64())
    table = pa.table(data)
    if table.num_rows == 0:
        report.error("no-data", f"{path.name} has no data rows", source=path.name)
        return None
    sha = getattr(getattr(source, "facts", None), "sha256", "") or ""
    return Input(path.name, table, sha)


def frame_input(frame: pd.DataFrame, columns: dict[str, tuple[str, ...]], name: str, report: ImportReport) -> Input:
    """A data frame with the profile's columns (typed or text); rows are numbered as in a CSV."""
    wanted = check_columns([str(c) for c in frame.columns], columns, name, report)
    data: dict[str, pa.Array] = {}
    for column in wanted:
        series = frame[column]
        try:  # typed columns (dates, numbers, text) keep their type
            data[column] = pa.array(series, from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError):  # mixed objects: as text
            data[column] = pa.array(series.astype(object).where(series.notna(), None).map(str), type=pa.string())
    data["_row"] = pa.array(np.arange(2, len(frame) + 2, dtype=np.int64))
    return Input(name, pa.table(data))
