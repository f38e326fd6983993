"""Property tests for ``ortswissen.io.parse_numbers``: German number texts round-trip, English ones never mislead.

Numbers are generated as exact decimals (an integer and a count of decimals), formatted by
the helpers below the way German or English tables write them, and parsed again. The
expected value comes from :class:`decimal.Decimal`, not from the parser.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal

import pyarrow as pa
from hypothesis import example, given, settings
from hypothesis import strategies as st

from ortswissen.io._numbers import parse_numbers

SETTINGS = settings(max_examples=200, deadline=None)

unscaled = st.integers(min_value=-(10**13), max_value=10**13)
decimals = st.integers(min_value=0, max_value=4)


def _group(digits: str, sep: str) -> str:
    """Insert ``sep`` between groups of three digits, counted from the right."""
    if not sep:
        return digits
    head = len(digits) % 3 or 3
    parts = [digits[:head]] + [digits[i : i + 3] for i in range(head, len(digits), 3)]
    return sep.join(parts)


def _format(n: int, d: int, *, decimal_sign: str, group_sep: str) -> str:
    """The decimal n·10^-d written with the given decimal sign and thousands separator."""
    digits = str(abs(n)).rjust(d + 1, "0")
    integer, fraction = (digits[:-d], digits[-d:]) if d else (digits, "")
    text = _group(integer, group_sep) + (decimal_sign + fraction if d else "")
    return ("-" if n < 0 else "") + text


def _parse(text: str, **dialect: object) -> tuple[float | None, str | None, str | None]:
    parsed = parse_numbers(pa.array([text]), **dialect)  # type: ignore[arg-type]
    return parsed.values[0].as_py(), parsed.status[0].as_py(), parsed.problem[0].as_py()


def test_formatter_helpers() -> None:
    assert _format(29305, 1, decimal_sign=",", group_sep=".") == "2.930,5"
    assert _format(-1234567, 0, decimal_sign=",", group_sep=" ") == "-1 234 567"
    assert _format(5, 3, decimal_sign=".", group_sep=",") == "0.005"
    assert _format(-123, 2, decimal_sign=",", group_sep="") == "-1,23"
    assert _format(1234500, 3, decimal_sign=".", group_sep=",") == "1,234.500"


@SETTINGS
@given(n=unscaled, d=decimals, group_sep=st.sampled_from(["", ".", " ", "\u00a0"]))
@example(n=29305, d=1, group_sep=".")
@example(n=-1, d=4, group_sep="")
@example(n=0, d=0, group_sep="")
@example(n=-(10**13), d=2, group_sep=".")
def test_german_numbers_round_trip(n: int, d: int, group_sep: str) -> None:
    text = _format(n, d, decimal_sign=",", group_sep=group_sep)
    expected = float(Decimal(n).scaleb(-d))
    value, status, problem = _parse(text, decimal=",", thousands=".")
    assert problem is None, text
    assert status == "ok", text
    assert value is not None, text
    # the nearest double to the decimal; allow a tiny fraction of the last written decimal
    assert math.isclose(value, expected, rel_tol=1e-15, abs_tol=10 ** -(d + 6)), (text, value, expected)


@SETTINGS
@given(
    ns=st.lists(st.integers(min_value=-(10**9), max_value=10**9), min_size=1, max_size=20),
    d=decimals,
)
def test_german_column_without_groups_matches_cellwise_parsing(ns: list[int], d: int) -> None:
    # a column of plain cells takes the fast path; each cell alone must give the same number
    texts = [_format(n, d, decimal_sign=",", group_sep="") for n in ns]
    column = parse_numbers(pa.array(texts), decimal=",", thousands=".")
    assert column.values.to_pylist() == [_parse(t, decimal=",", thousands=".")[0] for t in texts]
    assert column.values.to_pylist() == [float(Decimal(n).scaleb(-d)) for n in ns]


# German readings of English-looking texts that are also perfectly good German numbers:
#   "1.234" (English 1.234)  is German 1234 (a thousands group),
#   "1,234" (English 1234)   is German 1.234 (a decimal comma).
# Nothing can tell these apart in a single cell; everything else must be unmistakable.
_GERMAN_GROUPED_INTEGER = re.compile(r"^-?[1-9]\d{0,2}(?:\.\d{3})+$")
_GERMAN_DECIMAL_COMMA = re.compile(r"^-?\d{1,3},\d{3}$")


def _german_reading_of_ambiguous(text: str) -> float | None:
    if _GERMAN_GROUPED_INTEGER.match(text):
        return float(text.replace(".", ""))
    if _GERMAN_DECIMAL_COMMA.match(text):
        return float(text.replace(",", "."))
    return None


@SETTINGS
@given(n=unscaled, d=decimals, grouped=st.booleans())
@example(n=29305, d=1, grouped=False)  # "2930.5": the docstring's example of a wrong dialect
@example(n=15, d=1, grouped=False)  # "1.5"
@example(n=1234, d=3, grouped=False)  # "1.234": ambiguous, German 1234
@example(n=1234, d=0, grouped=True)  # "1,234": ambiguous, German 1.234
@example(n=125, d=3, grouped=False)  # "0.125": a share; no German writes 125 as "0.125"
@example(n=-500, d=3, grouped=False)  # "-0.500"
@example(n=1234567, d=0, grouped=True)  # "1,234,567"
def test_english_text_in_german_dialect_never_silently_misread(n: int, d: int, grouped: bool) -> None:
    text = _format(n, d, decimal_sign=".", group_sep="," if grouped else "")
    true_value = float(Decimal(n).scaleb(-d))
    value, status, problem = _parse(text, decimal=",", thousands=".")
    ambiguous = _german_reading_of_ambiguous(text)
    if ambiguous is not None:
        # a valid German number: it must be read the German way
        assert problem is None, text
        assert value == ambiguous, text
    elif "." not in text and "," not in text:
        # integer-like text means the same in both dialects
        assert problem is None, text
        assert value == true_value, text
    else:
        # anything else must be reported, never turned into a (different) number
        assert value is None, (text, value)
        assert status is None, text
        assert problem in ("decimal-point-found", "not-a-number"), text
        if not grouped:
            assert problem == "decimal-point-found", text


@SETTINGS
@given(n=unscaled, d=decimals, grouped=st.booleans())
@example(n=125, d=3, grouped=False)  # "0,125" in an English file: no English writes 125 as "0,125"
def test_german_text_in_english_dialect_never_silently_misread(n: int, d: int, grouped: bool) -> None:
    text = _format(n, d, decimal_sign=",", group_sep="." if grouped else "")
    true_value = float(Decimal(n).scaleb(-d))
    value, _, problem = _parse(text, decimal=".", thousands=",")
    english_grouped = re.match(r"^-?[1-9]\d{0,2}(?:,\d{3})+$", text)
    english_decimal = re.match(r"^-?\d{1,3}\.\d{3}$", text)
    if english_grouped:
        assert value == float(text.replace(",", "")), text
    elif english_decimal:
        assert value == float(text), text
    elif "." not in text and "," not in text:
        assert value == true_value, text
    else:
        assert value is None, (text, value)
        assert problem in ("decimal-comma-found", "not-a-number"), text
        if not grouped:
            assert problem == "decimal-comma-found", text
