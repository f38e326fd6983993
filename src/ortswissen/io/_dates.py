"""Reference dates (Stichtage) as official tables write them.

Formats: ``DD.MM.YYYY`` (German), ``YYYY-MM-DD`` (ISO), ``YYYYMM`` (the EWR ``ZEIT`` column;
the last day of the month), ``YYYY`` (the 31 December of the year), ``MM/YYYY``. ``auto``
accepts all of them because none can be confused with another. A column is parsed by its
distinct values, so millions of rows cost a handful of parses.

Examples
--------
>>> parse_reference_date("201812"), parse_reference_date("30.06.2021"), parse_reference_date("2020")
(datetime.date(2018, 12, 31), datetime.date(2021, 6, 30), datetime.date(2020, 12, 31))
>>> import pyarrow as pa
>>> dates, bad = parse_date_column(pa.array(["201812", "201812", "2018-13"]))
>>> dates.to_pylist()[0], bad
(datetime.date(2018, 12, 31), ['2018-13'])
"""

from __future__ import annotations

import calendar
import re
from datetime import date

import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["DATE_FORMATS", "parse_date_column", "parse_reference_date"]

#: Date formats a value import may declare.
DATE_FORMATS = ("auto", "DD.MM.YYYY", "YYYY-MM-DD", "YYYYMM", "YYYY", "MM/YYYY")

_PATTERNS = {
    "DD.MM.YYYY": re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$"),
    "YYYY-MM-DD": re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ]00:00(?::00)?)?$"),
    "YYYYMM": re.compile(r"^(\d{4})(\d{2})$"),
    "YYYY": re.compile(r"^(\d{4})$"),
    "MM/YYYY": re.compile(r"^(\d{1,2})/(\d{4})$"),
}


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def parse_reference_date(text: str, fmt: str = "auto") -> date | None:
    """Parse one date; ``None`` if it is not a valid date in ``fmt``."""
    value = text.strip()
    formats = list(_PATTERNS) if fmt == "auto" else [fmt]
    for name in formats:
        pattern = _PATTERNS.get(name)
        if pattern is None:
            raise ValueError(f"unknown date format {fmt!r}; use one of {', '.join(DATE_FORMATS)}")
        match = pattern.match(value)
        if not match:
            continue
        try:
            if name == "DD.MM.YYYY":
                return date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
            if name == "YYYY-MM-DD":
                return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
            if name == "YYYYMM":
                return _month_end(int(match.group(1)), int(match.group(2)))
            if name == "YYYY":
                return date(int(match.group(1)), 12, 31)
            return _month_end(int(match.group(2)), int(match.group(1)))
        except ValueError:
            return None
    return None


#: Reference dates of values must lie in these years (9999-12-31 and the like are placeholders).
VALUE_YEARS = (1000, 2999)


def parse_date_column(cells: pa.Array, fmt: str = "auto") -> tuple[pa.Array, list[str]]:
    """Parse a column by its distinct values; returns dates (null where invalid) and the bad texts.

    Dates outside :data:`VALUE_YEARS` count as invalid: they are placeholders, not reference dates.
    """
    text = pc.utf8_trim_whitespace(cells.cast(pa.string()))
    encoded = pc.dictionary_encode(text)
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks()
    dictionary = encoded.dictionary.to_pylist()
    parsed = [parse_reference_date(v, fmt) if v else None for v in dictionary]
    parsed = [p if p is not None and VALUE_YEARS[0] <= p.year <= VALUE_YEARS[1] else None for p in parsed]
    bad = [v for v, p in zip(dictionary, parsed, strict=True) if p is None and v]
    lookup = pa.array(parsed, type=pa.date32())
    return lookup.take(encoded.indices), bad
