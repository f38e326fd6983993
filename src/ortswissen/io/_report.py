"""A table with a header block, as an office files it: title, key facts, then the table.

CSV (German conventions: ``;``, decimal comma, UTF-8 with BOM; English: ``,`` and points)
puts the title and the ``key;value`` lines above an empty line and the table. XLSX writes the
same block in bold above the table, freezes the table's header row, gives numeric columns a
number format and sizes the columns. Text cells that a spreadsheet would run as a formula
get an apostrophe, as in :func:`~ortswissen.io.write_table`.

Example:
    >>> import io, pandas as pd
    >>> buf = io.BytesIO()
    >>> frame = pd.DataFrame({"Gebiet": ["Mitte"], "Plätze": [120.0], "Quote": [0.955]})
    >>> write_report_table(frame, buf, "csv", title="Kita-Plan", header=[("Jahr", "2030")])
    >>> buf.getvalue().decode("utf-8-sig").splitlines()
    ['Kita-Plan', 'Jahr;2030', '', 'Gebiet;Plätze;Quote', 'Mitte;120;0,955']
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import BinaryIO, Literal

import pandas as pd

from ortswissen.errors import InvalidInput
from ortswissen.io._export import _cell, _safe_text, _xlsx_cell

__all__ = ["write_report_table"]


def write_report_table(
    frame: pd.DataFrame,
    target: str | Path | BinaryIO,
    fmt: Literal["csv", "xlsx"],
    *,
    title: str,
    header: Sequence[tuple[str, str]] = (),
    german: bool = True,
    sheet: str = "Tabelle",
    number_formats: Mapping[str, str] | None = None,
) -> None:
    """Write ``frame`` below ``title`` and the ``header`` lines to a path or a binary stream.

    ``number_formats`` maps columns to Excel number formats (XLSX only), e.g. ``'0.0%'``;
    other numeric columns get ``#,##0.0``.
    """
    if fmt == "csv":
        data = _csv(frame, title, header, german)
    elif fmt == "xlsx":
        data = _xlsx(frame, title, header, sheet, number_formats or {})
    else:
        raise InvalidInput(f"a report table is written as csv or xlsx, not {fmt!r}")
    if isinstance(target, str | Path):
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        Path(target).write_bytes(data)
    else:
        target.write(data)


def _csv(frame: pd.DataFrame, title: str, header: Sequence[tuple[str, str]], german: bool) -> bytes:
    decimal = "," if german else "."
    text = io.StringIO()
    writer = csv.writer(text, delimiter=";" if german else ",", lineterminator="\r\n")
    writer.writerow([_safe_text(title)])
    for key, value in header:
        writer.writerow([_safe_text(key), _safe_text(value)])
    writer.writerow([])
    writer.writerow([_safe_text(str(c)) for c in frame.columns])
    for row in frame.itertuples(index=False, name=None):
        writer.writerow([_cell(v, decimal) for v in row])
    return text.getvalue().encode("utf-8-sig" if german else "utf-8")


def _xlsx(
    frame: pd.DataFrame, title: str, header: Sequence[tuple[str, str]], sheet: str, formats: Mapping[str, str]
) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = sheet[:31]
    ws.append([_safe_text(title)])
    ws.cell(row=1, column=1).font = Font(bold=True, size=14)
    for key, value in header:
        ws.append([_safe_text(key), _safe_text(value)])
        ws.cell(row=ws.max_row, column=1).font = Font(bold=True)
    ws.append([])
    head_row = ws.max_row + 1
    ws.append([_safe_text(str(c)) for c in frame.columns])
    for col in range(1, len(frame.columns) + 1):
        cell = ws.cell(row=head_row, column=col)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in frame.itertuples(index=False, name=None):
        ws.append([_xlsx_cell(v) for v in row])
    ws.freeze_panes = ws.cell(row=head_row + 1, column=1)
    for pos, name in enumerate(frame.columns, start=1):
        letter = get_column_letter(pos)
        numeric = pd.api.types.is_numeric_dtype(frame[name])
        if numeric:
            fmt = formats.get(str(name), "#,##0.0")
            for (cell,) in ws.iter_rows(min_row=head_row + 1, min_col=pos, max_col=pos):
                cell.number_format = fmt
        longest = max([len(str(name)) // 2 + 2, *(len(str(v)) for v in frame[name].head(200))], default=8)
        ws.column_dimensions[letter].width = min(max(10, longest + 2), 45)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
