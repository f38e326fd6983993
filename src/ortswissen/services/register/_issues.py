"""Reporting a rule broken by many rows at once: the first ones listed, all counted."""

from __future__ import annotations

from typing import Any

import numpy as np

from ortswissen.reports import ImportReport, Severity

__all__ = ["flag_rows"]


def flag_rows(
    report: ImportReport,
    code: str,
    message: str,
    mask: np.ndarray,
    rows: np.ndarray,
    *,
    source: str,
    column: str | None = None,
    values: Any = None,  # indexable by position (array, list, lazy formatter)
    severity: Severity = Severity.ERROR,
) -> int:
    """Record an issue for every row where ``mask`` holds; returns how many rows that is."""
    where = np.flatnonzero(mask)
    if not len(where):
        return 0
    room = report.room(severity, code)
    for i in where[:room]:
        value = None if values is None else values[i]
        report.add(severity, code, message, row=int(rows[i]), column=column, value=value, source=source)
    report.tally(severity, code, len(where) - min(room, len(where)))
    return len(where)
