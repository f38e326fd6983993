"""Tests for ``ortswissen.io._numbers``: German/English number cells, GENESIS signs, flags and problems.

Expectations are written down from the module docstring (the sign table, the accepted
formats) and from ordinary arithmetic, never copied from the parser's output.
"""

from __future__ import annotations

import math

import pyarrow as pa
import pytest

from ortswissen.io._numbers import PROBLEM_MESSAGES, SIGNS, parse_numbers


def _one(cell: str | None, **kwargs: object) -> tuple[float | None, str | None, str | None, str | None]:
    """Parse a single cell; (value, status, flag, problem)."""
    parsed = parse_numbers(pa.array([cell], type=pa.string()), **kwargs)  # type: ignore[arg-type]
    return (
        parsed.values.to_pylist()[0],
        parsed.status.to_pylist()[0],
        parsed.flag.to_pylist()[0],
        parsed.problem.to_pylist()[0],
    )


def _all(parsed: object) -> dict[str, list[object]]:
    return {name: getattr(parsed, name).to_pylist() for name in ("values", "status", "flag", "problem")}


# -- German dialect ------------------------------------------------------------------------------

GERMAN_VALID = [
    ("2930", 2930.0),
    ("2930,00", 2930.0),
    ("2930,5", 2930.5),
    ("2.930,5", 2930.5),
    ("2.930", 2930.0),
    ("1.234.567", 1_234_567.0),
    ("1.234.567,25", 1_234_567.25),
    ("-12", -12.0),
    ("+12", 12.0),
    ("-0,25", -0.25),
    (",5", 0.5),
    ("007", 7.0),
    ("1 234", 1234.0),
    ("1 234 567,5", 1_234_567.5),
    ("1\u00a0234", 1234.0),
    ("1\u00a0234,75", 1234.75),
    ("1\u202f234", 1234.0),
    ("  42  ", 42.0),
    ("-1.000", -1000.0),
]


@pytest.mark.parametrize(("cell", "expected"), GERMAN_VALID, ids=[repr(c) for c, _ in GERMAN_VALID])
def test_german_numbers_parse(cell: str, expected: float) -> None:
    value, status, flag, problem = _one(cell, decimal=",", thousands=".")
    assert value == pytest.approx(expected, rel=0, abs=1e-9)
    assert status == "ok"
    assert flag is None
    assert problem is None


def test_german_column_with_mixed_cells_takes_the_slow_path_and_parses_each() -> None:
    cells = ["2.930,5", "1 234", "-12", "", "7"]
    parsed = parse_numbers(pa.array(cells), decimal=",", thousands=".")
    assert parsed.values.to_pylist() == [2930.5, 1234.0, -12.0, None, 7.0]
    assert parsed.status.to_pylist() == ["ok", "ok", "ok", "missing", "ok"]
    assert parsed.problem.to_pylist() == [None] * 5


def test_german_without_thousands_separator_rejects_point_groups() -> None:
    # With thousands=None, "1.500" can only be a decimal point: the wrong dialect, reported.
    value, status, _, problem = _one("1.500", decimal=",", thousands=None)
    assert value is None
    assert status is None
    assert problem == "decimal-point-found"
    # space groups still work without a declared thousands separator
    assert _one("1 500", decimal=",", thousands=None)[0] == 1500.0


# -- English dialect -----------------------------------------------------------------------------

ENGLISH_VALID = [
    ("2930", 2930.0),
    ("2930.5", 2930.5),
    ("2,930.5", 2930.5),
    ("1,234,567.25", 1_234_567.25),
    ("2,930", 2930.0),
    ("-12.75", -12.75),
    ("+3", 3.0),
    (".5", 0.5),
    ("1 234.5", 1234.5),
    ("1e3", 1000.0),
    ("2.5E-2", 0.025),
    ("-1.5e+2", -150.0),
]


@pytest.mark.parametrize(("cell", "expected"), ENGLISH_VALID, ids=[repr(c) for c, _ in ENGLISH_VALID])
def test_english_numbers_parse(cell: str, expected: float) -> None:
    value, status, flag, problem = _one(cell, decimal=".", thousands=",")
    assert value == pytest.approx(expected, rel=1e-12)
    assert status == "ok"
    assert flag is None
    assert problem is None


def test_exponent_is_not_a_german_number() -> None:
    value, status, _, problem = _one("1e3", decimal=",", thousands=".")
    assert value is None
    assert status is None
    assert problem == "not-a-number"


# -- GENESIS signs -------------------------------------------------------------------------------

# The table of the module docstring: sign -> (status, value, canonical flag).
SIGN_TABLE = [
    ("-", "ok", 0.0, "-"),
    ("–", "ok", 0.0, "-"),
    ("—", "ok", 0.0, "-"),
    (".", "suppressed", None, "."),
    ("/", "suppressed", None, "/"),
    ("x", "missing", None, "x"),
    ("X", "missing", None, "x"),
    ("...", "missing", None, "..."),
    ("…", "missing", None, "..."),
]
SIGN_IDS = ["hyphen", "en-dash", "em-dash", "point", "slash", "x", "X", "three-points", "ellipsis"]


@pytest.mark.parametrize("decimal", [",", "."], ids=["german", "english"])
@pytest.mark.parametrize(("sign", "status", "value", "flag"), SIGN_TABLE, ids=SIGN_IDS)
def test_genesis_signs_become_statuses(sign: str, status: str, value: float | None, flag: str, decimal: str) -> None:
    thousands = "." if decimal == "," else ","
    got_value, got_status, got_flag, problem = _one(sign, decimal=decimal, thousands=thousands)
    assert got_value == value
    assert got_status == status
    assert got_flag == flag
    assert problem is None


@pytest.mark.parametrize(("sign", "status", "value", "flag"), SIGN_TABLE, ids=SIGN_IDS)
def test_signs_constant_matches_the_documented_table(sign: str, status: str, value: float | None, flag: str) -> None:
    assert SIGNS[sign] == (status, value, flag)


def test_signs_constant_has_no_undocumented_entries() -> None:
    assert set(SIGNS) == {row[0] for row in SIGN_TABLE}


def test_sign_surrounded_by_blanks_is_still_a_sign() -> None:
    assert _one("  .  ")[:3] == (None, "suppressed", ".")


def test_zero_sign_among_numbers_is_zero_not_missing() -> None:
    parsed = parse_numbers(pa.array(["5", "-", "–", "3"]))
    assert parsed.values.to_pylist() == [5.0, 0.0, 0.0, 3.0]
    assert parsed.status.to_pylist() == ["ok"] * 4
    assert parsed.flag.to_pylist() == [None, "-", "-", None]


# -- suffix flags and parentheses ----------------------------------------------------------------

FLAGGED = [
    ("12p", 12.0, "ok", "p"),
    ("12 p", 12.0, "ok", "p"),
    ("12r", 12.0, "ok", "r"),
    ("2.930,5r", 2930.5, "ok", "r"),
    ("-3p", -3.0, "ok", "p"),
    ("12s", 12.0, "estimated", "s"),
    ("1 234,5 s", 1234.5, "estimated", "s"),
    ("(12)", 12.0, "ok", "()"),
    ("(2.930,5)", 2930.5, "ok", "()"),
    ("(-7)", -7.0, "ok", "()"),
]


@pytest.mark.parametrize(("cell", "value", "status", "flag"), FLAGGED, ids=[c for c, *_ in FLAGGED])
def test_suffix_and_parenthesis_flags(cell: str, value: float, status: str, flag: str) -> None:
    got_value, got_status, got_flag, problem = _one(cell, decimal=",", thousands=".")
    assert got_value == pytest.approx(value)
    assert got_status == status
    assert got_flag == flag
    assert problem is None


def test_suffix_flag_in_english_dialect() -> None:
    assert _one("2,930.5p", decimal=".", thousands=",")[:3] == (2930.5, "ok", "p")


@pytest.mark.parametrize(
    "cell", ["p", "s", "()", "(abc)", "12q", "12pp"], ids=["p", "s", "empty-parens", "parens-text", "q", "pp"]
)
def test_flags_without_a_number_are_not_numbers(cell: str) -> None:
    value, status, _, problem = _one(cell)
    assert value is None
    assert status is None
    assert problem == "not-a-number"


# -- empty and null cells -----------------------------------------------------------------------


@pytest.mark.parametrize("cell", ["", "   ", "\t", None], ids=["empty", "spaces", "tab", "null"])
def test_empty_cell_is_missing_never_zero(cell: str | None) -> None:
    value, status, flag, problem = _one(cell)
    assert value is None
    assert status == "missing"
    assert flag is None
    assert problem is None


def test_null_cells_between_numbers() -> None:
    parsed = parse_numbers(pa.array(["1", None, "2,5", None], type=pa.string()))
    assert _all(parsed) == {
        "values": [1.0, None, 2.5, None],
        "status": ["ok", "missing", "ok", "missing"],
        "flag": [None] * 4,
        "problem": [None] * 4,
    }


def test_all_null_column() -> None:
    parsed = parse_numbers(pa.nulls(3, pa.string()))
    assert parsed.values.to_pylist() == [None, None, None]
    assert parsed.status.to_pylist() == ["missing"] * 3


def test_empty_column() -> None:
    parsed = parse_numbers(pa.array([], type=pa.string()))
    assert len(parsed.values) == len(parsed.status) == len(parsed.flag) == len(parsed.problem) == 0


def test_non_string_input_is_cast() -> None:
    parsed = parse_numbers(pa.array([1, 2, None], type=pa.int64()))
    assert parsed.values.to_pylist() == [1.0, 2.0, None]
    assert parsed.status.to_pylist() == ["ok", "ok", "missing"]


# -- problems ------------------------------------------------------------------------------------

PROBLEMS = [
    ("abc", ",", "not-a-number"),
    ("12,5,3", ",", "not-a-number"),
    ("12a", ",", "not-a-number"),
    ("--5", ",", "not-a-number"),
    ("1,234.5", ",", "not-a-number"),
    ("1.5", ",", "decimal-point-found"),
    ("2930.5", ",", "decimal-point-found"),
    ("12.34", ",", "decimal-point-found"),
    ("-1.5", ",", "decimal-point-found"),
    (".5", ",", "decimal-point-found"),
    ("1.2345", ",", "decimal-point-found"),
    ("(1.5)", ",", "decimal-point-found"),
    ("2930,00", ".", "decimal-comma-found"),
    ("1,5", ".", "decimal-comma-found"),
    ("-0,75", ".", "decimal-comma-found"),
    ("abc", ".", "not-a-number"),
    ("1.2.3", ".", "not-a-number"),
]


@pytest.mark.parametrize(
    ("cell", "decimal", "code"),
    PROBLEMS,
    ids=[f"{'de' if d == ',' else 'en'}:{c}" for c, d, _ in PROBLEMS],
)
def test_problems_are_named(cell: str, decimal: str, code: str) -> None:
    thousands = "." if decimal == "," else ","
    value, status, flag, problem = _one(cell, decimal=decimal, thousands=thousands)
    assert value is None
    assert status is None
    assert flag is None
    assert problem == code


def test_every_problem_code_has_a_message() -> None:
    codes = {code for *_, code in PROBLEMS}
    assert codes <= set(PROBLEM_MESSAGES)
    assert all(PROBLEM_MESSAGES[c] for c in codes)


def test_wrong_decimal_sign_in_a_column_of_plain_numbers() -> None:
    # A German import of an English file must not read 2930.5 as 29305.
    parsed = parse_numbers(pa.array(["2930.5", "12", "3.25"]), decimal=",", thousands=".")
    assert parsed.values.to_pylist() == [None, 12.0, None]
    assert parsed.problem.to_pylist() == ["decimal-point-found", None, "decimal-point-found"]


LEADING_ZERO_GROUP = [
    ("0.125", ",", "decimal-point-found"),
    ("0.500", ",", "decimal-point-found"),
    ("-0.250", ",", "decimal-point-found"),
    ("0,125", ".", "decimal-comma-found"),
    ("-0,750", ".", "decimal-comma-found"),
]


@pytest.mark.parametrize(
    ("cell", "decimal", "code"),
    LEADING_ZERO_GROUP,
    ids=[f"{'de' if d == ',' else 'en'}:{c}" for c, d, _ in LEADING_ZERO_GROUP],
)
def test_leading_zero_is_no_thousands_group(cell: str, decimal: str, code: str) -> None:
    # Nobody writes 125 as "0.125": such a cell is a share written in the other dialect, and
    # reading it as a thousands group would make it a thousand times too large.
    thousands = "." if decimal == "," else ","
    value, status, _, problem = _one(cell, decimal=decimal, thousands=thousands)
    assert value is None
    assert status is None
    assert problem == code


def test_docstring_example() -> None:
    parsed = parse_numbers(pa.array(["2.930,5", "-", ".", "", "12p", "1.5"]), decimal=",")
    assert _all(parsed) == {
        "values": [2930.5, 0.0, None, None, 12.0, None],
        "status": ["ok", "ok", "suppressed", "missing", "ok", None],
        "flag": [None, "-", ".", None, "p", None],
        "problem": [None, None, None, None, None, "decimal-point-found"],
    }


# -- typed numbers -------------------------------------------------------------------------------


def test_typed_numbers_override_text() -> None:
    cells = pa.array(["2930", "", "abc", ".", "12.5", "7"])
    numbers = pa.array([None, 5.0, 7.0, None, 12.5, 8.0], type=pa.float64())
    parsed = parse_numbers(cells, decimal=",", thousands=".", numbers=numbers)
    assert _all(parsed) == {
        # row 0: text parsed; rows 1, 2, 4, 5: the typed number wins; row 3: a sign in a text cell
        "values": [2930.0, 5.0, 7.0, None, 12.5, 8.0],
        "status": ["ok", "ok", "ok", "suppressed", "ok", "ok"],
        "flag": [None, None, None, ".", None, None],
        "problem": [None, None, None, None, None, None],
    }


def test_typed_numbers_all_null_change_nothing() -> None:
    cells = pa.array(["1,5", "-", "", "x"])
    plain = parse_numbers(cells)
    typed = parse_numbers(cells, numbers=pa.nulls(4, pa.float64()))
    assert _all(typed) == _all(plain)
    assert typed.values.to_pylist() == [1.5, 0.0, None, None]


# -- fast path and slow path ----------------------------------------------------------------------

PLAIN = ["2930", "2930,5", "-12", "+7", "0", "007", "-0,125"]
PLAIN_VALUES = [2930.0, 2930.5, -12.0, 7.0, 0.0, 7.0, -0.125]


def test_fast_path_plain_column() -> None:
    parsed = parse_numbers(pa.array(PLAIN), decimal=",", thousands=".")
    assert _all(parsed) == {
        "values": PLAIN_VALUES,
        "status": ["ok"] * len(PLAIN),
        "flag": [None] * len(PLAIN),
        "problem": [None] * len(PLAIN),
    }
    assert parsed.values.type == pa.float64()
    assert parsed.status.type == pa.string()


@pytest.mark.parametrize(
    "forcing",
    ["extra-empty-cell", "extra-sign-cell", "extra-null-cell", "typed-numbers"],
)
def test_slow_path_gives_identical_results_for_plain_cells(forcing: str) -> None:
    fast = _all(parse_numbers(pa.array(PLAIN), decimal=",", thousands="."))
    n = len(PLAIN)
    if forcing == "typed-numbers":
        slow = _all(parse_numbers(pa.array(PLAIN), decimal=",", thousands=".", numbers=pa.nulls(n, pa.float64())))
    else:
        extra = {"extra-empty-cell": "", "extra-sign-cell": "...", "extra-null-cell": None}[forcing]
        full = _all(parse_numbers(pa.array([*PLAIN, extra], type=pa.string()), decimal=",", thousands="."))
        slow = {k: v[:n] for k, v in full.items()}
    assert slow == fast
    assert slow["values"] == PLAIN_VALUES


def test_fast_and_slow_path_agree_in_english_dialect() -> None:
    cells = ["2930.5", "-12", "+0.25"]
    fast = _all(parse_numbers(pa.array(cells), decimal=".", thousands=","))
    full = _all(parse_numbers(pa.array([*cells, "x"]), decimal=".", thousands=","))
    assert {k: v[:3] for k, v in full.items()} == fast
    assert fast["values"] == [2930.5, -12.0, 0.25]


def test_fast_path_english_plain_column_in_german_dialect_is_not_misread() -> None:
    # Every cell looks plain to an English reader; the German fast path must not accept "1.5".
    parsed = parse_numbers(pa.array(["1.5", "2.25"]), decimal=",", thousands=".")
    assert parsed.values.to_pylist() == [None, None]
    assert parsed.problem.to_pylist() == ["decimal-point-found"] * 2


def test_large_values_keep_precision() -> None:
    value, *_ = _one("123.456.789,125")
    assert math.isclose(value, 123_456_789.125, rel_tol=0, abs_tol=1e-6)
