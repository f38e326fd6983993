"""Unit tests of official keys and key repair (``ortswissen.units._keys``).

Covers AGS/ARS validation (with the hint for leading zeros lost in a spreadsheet), splitting an
AGS into its parts, reading ids from numeric cells, the common width of a set of keys, and
:func:`restore_leading_zeros`, which pads an id only when the padded id is known.
"""

from __future__ import annotations

import numpy as np
import pytest

from ortswissen.errors import DefinitionError
from ortswissen.units import (
    ags_parts,
    common_key_width,
    normalise_numeric_id,
    restore_leading_zeros,
    validate_ags,
    validate_ars,
)

# -- AGS / ARS --------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["11000000", "01001000", "09162000"], ids=["berlin", "flensburg", "muenchen"])
def test_validate_ags_accepts_eight_digits(key: str) -> None:
    assert validate_ags(key) == key


@pytest.mark.parametrize(
    ("key", "hint"),
    [("1001000", "'01001000'"), ("9162000", "'09162000'"), ("1", "'00000001'")],
    ids=["one-zero-lost", "bavaria", "seven-zeros-lost"],
)
def test_validate_ags_hints_at_lost_zeros(key: str, hint: str) -> None:
    with pytest.raises(DefinitionError, match=f"leading zeros lost\\? try {hint}"):
        validate_ags(key)


@pytest.mark.parametrize(
    "key",
    ["110000000", "1100000A", "", "11 000 000", "11000000\n"],
    ids=["nine-digits", "letter", "empty", "spaces", "trailing-newline"],
)
def test_validate_ags_rejects_without_hint(key: str) -> None:
    with pytest.raises(DefinitionError, match="must have 8 digits") as info:
        validate_ags(key)
    assert "leading zeros" not in str(info.value)


@pytest.mark.parametrize("key", ["110000000000", "010010000000"], ids=["berlin", "flensburg"])
def test_validate_ars_accepts_twelve_digits(key: str) -> None:
    assert validate_ars(key) == key


def test_validate_ars_hints_at_lost_zeros() -> None:
    with pytest.raises(
        DefinitionError, match=r"ARS '10010000000' must have 12 digits \(leading zeros lost\? try '010010000000'\)"
    ):
        validate_ars("10010000000")


@pytest.mark.parametrize(
    "key",
    ["11000000", "1100000000000", "11000000000X", "110000000000\n"],
    ids=["an-ags", "thirteen-digits", "letter", "trailing-newline"],
)
def test_validate_ars_rejects(key: str) -> None:
    with pytest.raises(DefinitionError, match="must have 12 digits"):
        validate_ars(key)


def test_validate_ars_gives_no_hint_for_too_long_keys() -> None:
    with pytest.raises(DefinitionError) as info:
        validate_ars("1100000000000")
    assert "leading zeros" not in str(info.value)


# -- ags_parts --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "parts"),
    [
        ("11000000", ("11", "110", "11000", "11000000")),
        ("09162000", ("09", "091", "09162", "09162000")),
        ("05315000", ("05", "053", "05315", "05315000")),
    ],
    ids=["berlin", "muenchen", "koeln"],
)
def test_ags_parts(key: str, parts: tuple[str, str, str, str]) -> None:
    assert ags_parts(key) == dict(zip(["land", "regierungsbezirk", "kreis", "gemeinde"], parts, strict=True))


def test_ags_parts_validates() -> None:
    with pytest.raises(DefinitionError, match="leading zeros lost"):
        ags_parts("9162000")


# -- normalise_numeric_id ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1011101.0, "1011101"),
        (1011101, "1011101"),
        (np.float64(1011101.0), "1011101"),
        (np.int64(42), "42"),
        ("1011101.0", "1011101"),
        ("1011101.000", "1011101"),
        (" 0101 ", "0101"),
        ("01011101", "01011101"),
        ("1011101.5", "1011101.5"),
        (1.5, "1.5"),
        ("A-12", "A-12"),
        ("12.0.1", "12.0.1"),
    ],
    ids=[
        "float",
        "int",
        "numpy-float",
        "numpy-int",
        "float-text",
        "float-text-more-zeros",
        "text-with-spaces-keeps-zeros",
        "text-keeps-zeros",
        "fraction-text-unchanged",
        "fraction-float-unchanged",
        "non-numeric",
        "version-like",
    ],
)
def test_normalise_numeric_id(value: object, expected: str) -> None:
    assert normalise_numeric_id(value) == expected


# -- common_key_width -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ids", "expected"),
    [
        (["01", "12"], 2),
        (["01011101", "12345678", "00000000"], 8),
        (["1", "12"], None),
        (["01", "A1"], None),
        (["AB", "CD"], None),
        ([], None),
        (["", ""], None),
        (["7"], 1),
    ],
    ids=[
        "two-digit",
        "lor-width",
        "mixed-widths",
        "one-non-digit",
        "all-non-digit",
        "empty-list",
        "empty-ids",
        "single",
    ],
)
def test_common_key_width(ids: list[str], expected: int | None) -> None:
    assert common_key_width(ids) == expected


def test_common_key_width_accepts_a_generator() -> None:
    assert common_key_width(i for i in ["001", "002"]) == 3


# -- restore_leading_zeros --------------------------------------------------------------------

_KNOWN = {"01011101", "01011102", "12345678", "00000007"}


@pytest.mark.parametrize(
    ("ids", "fixed", "positions"),
    [
        (["1011101", "01011102", "999"], ["01011101", "01011102", "999"], [0]),
        (["1011101", "1011102", "12345678"], ["01011101", "01011102", "12345678"], [0, 1]),
        (["7", "07", "0000007"], ["00000007", "00000007", "00000007"], [0, 1, 2]),
        (["2011101"], ["2011101"], []),
        (["A011101"], ["A011101"], []),
        (["123456789"], ["123456789"], []),
        ([], [], []),
    ],
    ids=[
        "one-repaired-unknown-left",
        "two-repaired",
        "several-lengths",
        "padded-id-unknown",
        "not-digits",
        "longer-than-width",
        "empty",
    ],
)
def test_restore_leading_zeros(ids: list[str], fixed: list[str], positions: list[int]) -> None:
    assert restore_leading_zeros(ids, _KNOWN, 8) == (fixed, positions)


def test_restore_leading_zeros_keeps_a_short_id_that_is_itself_known() -> None:
    known = {"101", "00000101"}
    assert restore_leading_zeros(["101"], known, 8) == (["101"], [])


@pytest.mark.parametrize("width", [None, 0], ids=["none", "zero"])
def test_restore_leading_zeros_without_width_changes_nothing(width: int | None) -> None:
    ids = ["1011101", "x"]
    out, changed = restore_leading_zeros(ids, _KNOWN, width)
    assert out == ids
    assert changed == []
    assert out is not ids  # a new list, the caller's list is not aliased


def test_restore_leading_zeros_does_not_modify_input() -> None:
    ids = ["1011101"]
    restore_leading_zeros(ids, _KNOWN, 8)
    assert ids == ["1011101"]
