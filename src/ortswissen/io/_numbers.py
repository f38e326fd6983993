"""Numbers as German statistics write them, parsed column-wise with Arrow kernels.

Accepted, with ``decimal=","`` (German) and ``thousands="."``: ``2930``, ``2930,00``,
``"2.930,5"``, ``-12``, ``1 234`` (space or no-break space groups). With ``decimal="."``
the roles swap. A cell that only makes sense with the other decimal sign (``2930.5`` in a
German file, ``2930,5`` in an English one) is an error of its own, so a wrong dialect is
named as such instead of producing numbers a thousand times too large.

The signs of official statistics (GENESIS, "Zeichenerklärung") become statuses, and the
sign itself is kept as the value's flag:

====== ================================================ ========== =======
sign   meaning                                          status     value
====== ================================================ ========== =======
``-``  nothing there (exactly zero); also ``–``, ``—``  ok         0
``.``  unknown or to be kept secret                     suppressed –
``/``  no figure, not reliable enough                   suppressed –
``x``  no figure, not meaningful                        missing    –
``...`` figure comes later (also ``…``)                 missing    –
====== ================================================ ========== =======

Numbers may carry the GENESIS suffixes ``p`` (provisional), ``r`` (revised) or ``s``
(estimated → status ``estimated``), and ``( )`` around a number (limited reliability); these
are kept as the flag. An empty cell is *missing*, never zero.

Examples
--------
>>> import pyarrow as pa
>>> parsed = parse_numbers(pa.array(["2.930,5", "-", ".", "", "12p", "1.5"]), decimal=",")
>>> parsed.values.to_pylist()
[2930.5, 0.0, None, None, 12.0, None]
>>> parsed.status.to_pylist()
['ok', 'ok', 'suppressed', 'missing', 'ok', None]
>>> parsed.flag.to_pylist()
[None, '-', '.', None, 'p', None]
>>> parsed.problem.to_pylist()
[None, None, None, None, None, 'decimal-point-found']
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["PROBLEM_MESSAGES", "SIGNS", "ParsedNumbers", "parse_numbers"]

#: Sign → (status, value, canonical flag).
SIGNS: dict[str, tuple[str, float | None, str]] = {
    "-": ("ok", 0.0, "-"),
    "–": ("ok", 0.0, "-"),
    "—": ("ok", 0.0, "-"),
    ".": ("suppressed", None, "."),
    "/": ("suppressed", None, "/"),
    "x": ("missing", None, "x"),
    "X": ("missing", None, "x"),
    "...": ("missing", None, "..."),
    "…": ("missing", None, "..."),
}

#: Human-readable explanation of each problem code.
PROBLEM_MESSAGES = {
    "not-a-number": "is not a number",
    "decimal-point-found": "has a decimal point where the file's dialect expects a decimal comma",
    "decimal-comma-found": "has a decimal comma where the file's dialect expects a decimal point",
}

_SPACES = "[ \u00a0\u202f]"


def _patterns(decimal: str, thousands: str | None) -> tuple[str, str]:
    """Regex of a valid number, and of one written with the other decimal sign."""
    d = "," if decimal == "," else r"\."
    # a thousands group never starts with 0: "0.125" is a share in the other dialect, not 125
    groups = [rf"[1-9]\d{{0,2}}(?:{_SPACES}\d{{3}})+"]
    if thousands:
        t = r"\." if thousands == "." else re_escape(thousands)
        groups.append(rf"[1-9]\d{{0,2}}(?:{t}\d{{3}})+")
    integer = "(?:" + "|".join([*groups, r"\d+"]) + ")"
    exponent = r"(?:[eE][+-]?\d+)?" if decimal == "." else ""
    valid = rf"^[+-]?(?:{integer}(?:{d}\d+)?|{d}\d+){exponent}$"
    other = r"\." if decimal == "," else ","
    wrong = rf"^[+-]?(?:\d*{other}\d+|0{other}\d{{3}})$"
    return valid, wrong


def re_escape(text: str) -> str:
    """Escape one character for RE2."""
    return "\\" + text if not text.isalnum() else text


@dataclass
class ParsedNumbers:
    """Result of :func:`parse_numbers`, aligned with the input."""

    values: pa.Array  # float64, null where no number
    status: pa.Array  # string; null where the cell is invalid
    flag: pa.Array  # string or null
    problem: pa.Array  # string code or null


def _plain_column(text: pa.Array, decimal: str) -> ParsedNumbers | None:
    """Fast path: every cell is a plain number without signs, groups or flags."""
    plain = r"^[+-]?\d+(?:,\d+)?$" if decimal == "," else r"^[+-]?\d+(?:\.\d+)?$"
    if text.null_count or not pc.all(pc.match_substring_regex(text, plain)).as_py():
        return None
    normal = pc.replace_substring(text, ",", ".") if decimal == "," else text
    n = len(text)
    return ParsedNumbers(
        values=pc.cast(normal, pa.float64()),
        status=pa.repeat("ok", n),
        flag=pa.nulls(n, pa.string()),
        problem=pa.nulls(n, pa.string()),
    )


def parse_numbers(
    cells: pa.Array,
    *,
    decimal: str = ",",
    thousands: str | None = ".",
    numbers: pa.Array | None = None,
) -> ParsedNumbers:
    """Parse a column of text cells (and, optionally, cells that already are numbers).

    ``numbers`` holds the float of cells that a typed format (XLSX, Parquet) stored as
    numbers; where it is not null it wins over the text.
    """
    text = pc.utf8_trim_whitespace(cells.cast(pa.string()))
    n = len(text)
    if numbers is None and n:
        fast = _plain_column(text, decimal)
        if fast is not None:
            return fast
    empty = pc.fill_null(pc.equal(text, ""), True)

    # signs
    sign_keys = pa.array(list(SIGNS))
    is_sign = pc.fill_null(pc.is_in(text, value_set=sign_keys), False)
    sign_idx = pc.index_in(text, value_set=sign_keys)

    # parentheses and suffix flags around a number
    paren = pc.fill_null(pc.match_substring_regex(text, r"^\(.*\)$"), False)
    core = pc.if_else(paren, pc.utf8_slice_codeunits(text, 1, -1), text)
    suffix_re = r"^(?P<num>.*\d)\s*(?P<suf>[prs])$"
    has_suffix = pc.fill_null(pc.match_substring_regex(core, suffix_re), False)
    extracted = pc.extract_regex(pc.if_else(has_suffix, core, pa.scalar(None, pa.string())), suffix_re)
    core = pc.if_else(has_suffix, pc.struct_field(extracted, "num"), core)
    suffix = pc.if_else(has_suffix, pc.struct_field(extracted, "suf"), pa.scalar(None, pa.string()))
    core = pc.utf8_trim_whitespace(core)

    valid_re, wrong_re = _patterns(decimal, thousands)
    valid = pc.fill_null(pc.match_substring_regex(core, valid_re), False)
    wrong_sign = pc.fill_null(pc.match_substring_regex(core, wrong_re), False)

    # normalise valid numbers: drop group separators, decimal comma → point
    cleaned = pc.replace_substring_regex(core, _SPACES, "")
    if thousands:
        cleaned = pc.replace_substring(cleaned, thousands, "")
    if decimal == ",":
        cleaned = pc.replace_substring(cleaned, ",", ".")
    cleaned = pc.if_else(valid, cleaned, pa.scalar(None, pa.string()))
    parsed = pc.cast(cleaned, pa.float64(), safe=False)

    sign_status = np.array([SIGNS[k][0] for k in SIGNS], dtype=object)
    sign_value = np.array([np.nan if SIGNS[k][1] is None else SIGNS[k][1] for k in SIGNS])
    sign_flag = np.array([SIGNS[k][2] for k in SIGNS], dtype=object)
    idx = np.asarray(pc.fill_null(sign_idx, 0).to_numpy(zero_copy_only=False))

    is_sign_np = np.asarray(is_sign.to_numpy(zero_copy_only=False), dtype=bool)
    empty_np = np.asarray(empty.to_numpy(zero_copy_only=False), dtype=bool)
    valid_np = np.asarray(valid.to_numpy(zero_copy_only=False), dtype=bool) & ~is_sign_np & ~empty_np
    wrong_np = np.asarray(wrong_sign.to_numpy(zero_copy_only=False), dtype=bool)
    paren_np = np.asarray(paren.to_numpy(zero_copy_only=False), dtype=bool)
    suffix_np = np.asarray(suffix.to_numpy(zero_copy_only=False), dtype=object)
    parsed_np = np.asarray(parsed.to_numpy(zero_copy_only=False), dtype=float)

    values = np.full(n, np.nan)
    status = np.full(n, None, dtype=object)
    flag = np.full(n, None, dtype=object)
    problem = np.full(n, None, dtype=object)

    values[valid_np] = parsed_np[valid_np]
    status[valid_np] = "ok"
    flag[valid_np & paren_np] = "()"
    suffixed = valid_np & pc.fill_null(pc.is_valid(suffix), False).to_numpy(zero_copy_only=False)
    flag[suffixed] = suffix_np[suffixed]
    status[suffixed & (suffix_np == "s")] = "estimated"

    values[is_sign_np] = sign_value[idx[is_sign_np]]
    status[is_sign_np] = sign_status[idx[is_sign_np]]
    flag[is_sign_np] = sign_flag[idx[is_sign_np]]

    status[empty_np] = "missing"

    invalid = ~(valid_np | is_sign_np | empty_np)
    problem[invalid] = "not-a-number"
    wrong_code = "decimal-point-found" if decimal == "," else "decimal-comma-found"
    problem[invalid & wrong_np] = wrong_code

    if numbers is not None:
        num_np = np.asarray(numbers.to_numpy(zero_copy_only=False), dtype=float)
        typed = ~np.isnan(num_np)
        values[typed] = num_np[typed]
        status[typed] = "ok"
        flag[typed] = None
        problem[typed] = None

    return ParsedNumbers(
        values=pa.array(values, type=pa.float64(), from_pandas=True),
        status=pa.array(status, type=pa.string()),
        flag=pa.array(flag, type=pa.string()),
        problem=pa.array(problem, type=pa.string()),
    )
