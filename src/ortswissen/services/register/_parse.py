"""Column parsers of the register import: text, ISO dates and coordinates, vectorised.

Each returns the parsed values and masks of empty and of unparsable cells, so the import
can name every bad row. Distinct values are parsed once (dictionary encoding), which keeps
millions of dates cheap.

Examples
--------
>>> import pyarrow as pa
>>> values, empty, bad = parse_dates(pa.array(["2020-02-29", "", "2021-02-29", "29.02.2020", None]))
>>> [str(v.date()) if v is not pd.NaT else None for v in values], empty.tolist(), bad.tolist()
(['2020-02-29', None, None, None, None], [False, True, False, False, True], [False, False, True, True, False])
>>> parse_floats(pa.array(["391000.5", "391000,5", "x", None]))[0].tolist()[:2]
[391000.5, 391000.5]
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["parse_dates", "parse_floats", "parse_text"]

_YEARS = (1850, 2200)


def parse_text(cells: pa.Array | None, n: int) -> pd.Series:
    """Trimmed text, ``None`` for empty cells (all ``None`` when the column is absent)."""
    if cells is None:
        return pd.Series([None] * n, dtype=object)
    text = pc.utf8_trim_whitespace(cells.cast(pa.string()))
    text = pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)
    return pd.Series(text.to_numpy(zero_copy_only=False), dtype=object)


def _one_date(text: str) -> dt.date | None:
    if len(text) != 10 or text[4] != "-" or text[7] != "-":
        return None
    try:
        value = dt.date.fromisoformat(text)
    except ValueError:
        return None
    return value if _YEARS[0] <= value.year <= _YEARS[1] else None


def parse_dates(cells: pa.Array | None, n: int | None = None) -> tuple[pd.Series, np.ndarray, np.ndarray]:
    """``YYYY-MM-DD`` dates (or typed dates) as datetime64; masks of empty and of invalid cells."""
    if cells is None:
        size = n or 0
        return pd.Series(pd.NaT, index=range(size), dtype="datetime64[ns]"), np.ones(size, bool), np.zeros(size, bool)
    if pa.types.is_timestamp(cells.type) or pa.types.is_date(cells.type):
        values = pd.Series(cells.cast(pa.timestamp("s")).to_pandas()).astype("datetime64[ns]")
        empty = values.isna().to_numpy()
        return values, empty, np.zeros(len(values), bool)
    text = pc.utf8_trim_whitespace(cells.cast(pa.string()))
    empty = pc.or_kleene(pc.is_null(text), pc.equal(text, "")).fill_null(True).to_numpy(zero_copy_only=False)
    encoded = pc.dictionary_encode(text)
    parsed = [_one_date(v) if v else None for v in encoded.dictionary.to_pylist()]
    dates = pa.array(parsed, type=pa.date32()).take(encoded.indices)
    values = pd.Series(dates.cast(pa.timestamp("s")).to_pandas()).astype("datetime64[ns]")
    bad = values.isna().to_numpy() & ~empty
    return values, empty, bad


def parse_floats(cells: pa.Array | None, n: int | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Numbers with a decimal point or comma (no thousands separators); NaN where empty or bad."""
    if cells is None:
        size = n or 0
        return np.full(size, np.nan), np.ones(size, bool), np.zeros(size, bool)
    if pa.types.is_floating(cells.type) or pa.types.is_integer(cells.type):
        values = np.array(cells.cast(pa.float64()).to_numpy(zero_copy_only=False), dtype=float)
        empty = np.isnan(values)
        return values, empty, np.zeros(len(values), bool)
    text = pc.utf8_trim_whitespace(cells.cast(pa.string()))
    empty = pc.or_kleene(pc.is_null(text), pc.equal(text, "")).fill_null(True).to_numpy(zero_copy_only=False)
    text = pc.replace_substring(text, ",", ".")
    values = pd.to_numeric(pd.Series(text.to_numpy(zero_copy_only=False), dtype=object), errors="coerce")
    values = np.array(values, dtype=float)
    bad = ~np.isfinite(values) & ~empty
    values[bad] = np.nan
    return values, empty, bad
