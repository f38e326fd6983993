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
    other = "." if decimal == "," else ","
    if text.null_count or pc.any(pc.match_substring(text, other)).as_py():  # cheap: grouped numbers or signs
        return None
    if not pc.all(pc.match_substring_regex(text, plain)).as_py():
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
    numbers; where it is not null it wins over the text. Every step is an Arrow kernel;
    the rarer ones (parentheses, suffixes, the wrong-dialect diagnosis) run only when some
    cell needs them.
    """
    text = pc.utf8_trim_whitespace(cells.cast(pa.string()))
    n = len(text)
    if numbers is None and n:
        fast = _plain_column(text, decimal)
        if fast is not None:
            return fast
    null_str = pa.scalar(None, pa.string())
    empty = pc.fill_null(pc.equal(text, ""), True)

    # signs of official statistics
    sign_idx = pc.index_in(text, value_set=_SIGN_KEYS)
    is_sign = pc.is_valid(sign_idx)
    any_sign = pc.any(is_sign).as_py()

    # decorations: "(12)" and the suffixes p, r, s
    core, flag, estimated = text, pa.nulls(n, pa.string()), None
    paren = None
    decorated = pc.any(pc.match_substring(text, "(")).as_py() or any(
        pc.any(pc.ends_with(text, letter)).as_py() for letter in "prs"
    )
    if decorated:
        paren = pc.fill_null(pc.match_substring_regex(text, r"^\(.*\)$"), False)
        core = pc.if_else(paren, pc.utf8_slice_codeunits(text, 1, -1), text)
        suffix_re = r"^(?P<num>.*\d)\s*(?P<suf>[prs])$"
        has_suffix = pc.fill_null(pc.match_substring_regex(core, suffix_re), False)
        extracted = pc.extract_regex(pc.if_else(has_suffix, core, null_str), suffix_re)
        core = pc.utf8_trim_whitespace(pc.if_else(has_suffix, pc.struct_field(extracted, "num"), core))
        suffix = pc.if_else(has_suffix, pc.struct_field(extracted, "suf"), null_str)
        flag = pc.if_else(paren, pa.scalar("()"), suffix)
        estimated = pc.fill_null(pc.equal(suffix, "s"), False)

    valid_re, wrong_re = _patterns(decimal, thousands)
    valid = pc.and_(pc.fill_null(pc.match_substring_regex(core, valid_re), False), pc.invert(is_sign))
    valid = pc.and_(valid, pc.invert(empty))

    cleaned = core
    spaced = pc.any(pc.match_substring(core, " ")).as_py() or not pc.all(pc.string_is_ascii(core)).as_py()
    if spaced:
        cleaned = pc.replace_substring_regex(cleaned, _SPACES, "")
    if thousands:
        cleaned = pc.replace_substring(cleaned, thousands, "")
    if decimal == ",":
        cleaned = pc.replace_substring(cleaned, ",", ".")
    values = pc.cast(pc.if_else(valid, cleaned, null_str), pa.float64())

    status = pc.if_else(valid, pa.scalar("ok"), null_str)
    if estimated is not None:
        status = pc.if_else(pc.and_(valid, estimated), pa.scalar("estimated"), status)
    flag = pc.if_else(valid, flag, null_str)
    if any_sign:
        idx = pc.fill_null(sign_idx, 0)
        status = pc.if_else(is_sign, _SIGN_STATUS.take(idx), status)
        values = pc.if_else(is_sign, _SIGN_VALUE.take(idx), values)
        flag = pc.if_else(is_sign, _SIGN_FLAG.take(idx), flag)
    status = pc.if_else(empty, pa.scalar("missing"), status)

    invalid = pc.invert(pc.or_(pc.or_(valid, is_sign), empty))
    problem = pa.nulls(n, pa.string())
    if pc.any(invalid).as_py():
        wrong = pc.fill_null(pc.match_substring_regex(core, wrong_re), False)
        wrong_code = "decimal-point-found" if decimal == "," else "decimal-comma-found"
        problem = pc.if_else(invalid, pc.if_else(wrong, pa.scalar(wrong_code), pa.scalar("not-a-number")), null_str)

    if numbers is not None:
        typed = numbers.cast(pa.float64())
        present = pc.is_valid(typed)
        nan = pc.fill_null(pc.is_nan(typed), False)  # a NaN cell in Parquet/XLSX means "no value"
        finite = pc.fill_null(pc.is_finite(typed), False)
        infinite = pc.and_(present, pc.invert(pc.or_(finite, nan)))
        values = pc.if_else(finite, typed, pc.if_else(pc.or_(nan, infinite), pa.scalar(None, pa.float64()), values))
        status = pc.if_else(finite, pa.scalar("ok"), pc.if_else(nan, pa.scalar("missing"), status))
        status = pc.if_else(infinite, null_str, status)
        flag = pc.if_else(present, null_str, flag)
        problem = pc.if_else(pc.or_(finite, nan), null_str, problem)
        problem = pc.if_else(infinite, pa.scalar("not-a-number"), problem)

    return ParsedNumbers(values=_plain(values), status=_plain(status), flag=_plain(flag), problem=_plain(problem))


def _plain(array: pa.Array | pa.ChunkedArray) -> pa.Array:
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


_SIGN_KEYS = pa.array(list(SIGNS))
_SIGN_STATUS = pa.array([SIGNS[k][0] for k in SIGNS])
_SIGN_VALUE = pa.array([SIGNS[k][1] for k in SIGNS], type=pa.float64())
_SIGN_FLAG = pa.array([SIGNS[k][2] for k in SIGNS])
