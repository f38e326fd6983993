"""Unit tests of spatial levels and vintages (``ortswissen.units._levels``).

Covers the validation done when a :class:`Level` or :class:`Vintage` is created, the key helpers
``Level.pad`` and ``Level.key_problem``, and :func:`check_level_hierarchy` (unknown parents and
cycles, whose path must appear in the message).
"""

from __future__ import annotations

import re

import pytest

from ortswissen.errors import DefinitionError
from ortswissen.units import Level, Vintage, check_level_hierarchy, validate_id


def _level(level_id: str = "bezirk", name_de: str = "Bezirk", name_en: str = "District", **kwargs: object) -> Level:
    return Level(level_id, name_de, name_en, **kwargs)  # type: ignore[arg-type]


# -- ids --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "good_id",
    ["a", "bezirk", "planungsraum_2021", "plz5", "a" + "b" * 62],
    ids=["one-letter", "word", "with-underscore-and-digits", "letters-then-digit", "63-chars-max"],
)
def test_valid_ids_are_accepted(good_id: str) -> None:
    assert validate_id(good_id, "level") == good_id
    assert _level(good_id).id == good_id


@pytest.mark.parametrize(
    "bad_id",
    [
        "",
        "Bezirk",
        "bad id",
        "1bezirk",
        "_bezirk",
        "bezirk-2021",
        "bezirksämter",
        "a" + "b" * 63,
        "bezirk\n",
    ],
    ids=[
        "empty",
        "upper-case",
        "space",
        "starts-with-digit",
        "starts-with-underscore",
        "hyphen",
        "umlaut",
        "64-chars-too-long",
        "trailing-newline",
    ],
)
def test_invalid_level_ids_are_rejected(bad_id: str) -> None:
    with pytest.raises(DefinitionError, match="level id"):
        _level(bad_id)


def test_non_string_id_is_rejected() -> None:
    with pytest.raises(DefinitionError):
        validate_id(42, "level")  # type: ignore[arg-type]


def test_invalid_parent_id_is_rejected() -> None:
    with pytest.raises(DefinitionError, match="parent level id 'Stadt'"):
        _level(parent_id="Stadt")


def test_level_cannot_be_its_own_parent() -> None:
    with pytest.raises(DefinitionError, match="cannot be its own parent"):
        _level("bezirk", parent_id="bezirk")


# -- names and key settings -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name_de", "name_en"),
    [("", "District"), ("Bezirk", ""), ("   ", "District"), ("Bezirk", "\t\n")],
    ids=["empty-german", "empty-english", "blank-german", "blank-english"],
)
def test_blank_names_are_rejected(name_de: str, name_en: str) -> None:
    with pytest.raises(DefinitionError, match="German and an English name"):
        Level("bezirk", name_de, name_en)


@pytest.mark.parametrize("width", [0, -1, 65, 1000], ids=["zero", "negative", "65", "1000"])
def test_key_width_out_of_bounds_is_rejected(width: int) -> None:
    with pytest.raises(DefinitionError, match="key_width must be between 1 and 64"):
        _level(key_width=width)


@pytest.mark.parametrize("width", [1, 8, 64], ids=["lower-bound", "lor", "upper-bound"])
def test_key_width_within_bounds_is_accepted(width: int) -> None:
    assert _level(key_width=width).key_width == width


@pytest.mark.parametrize(
    "pattern", ["[0-9", "(?P<x", "*abc"], ids=["unclosed-class", "unclosed-group", "nothing-to-repeat"]
)
def test_invalid_key_pattern_is_rejected(pattern: str) -> None:
    with pytest.raises(DefinitionError, match="invalid key_pattern"):
        _level(key_pattern=pattern)


def test_defaults() -> None:
    level = _level()
    assert level.parent_id is None
    assert level.nested is True
    assert level.key_width is None
    assert level.key_pattern is None
    assert level.description == ""
    assert level.sort_order == 0


def test_level_is_frozen() -> None:
    level = _level()
    with pytest.raises(AttributeError):
        level.id = "other"  # type: ignore[misc]


# -- pad ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("width", "unit_id", "expected"),
    [
        (8, "1011101", "01011101"),
        (8, "101", "00000101"),
        (8, "01011101", "01011101"),
        (8, "123456789", "123456789"),
        (8, "A101", "A101"),
        (8, "", ""),
        (None, "1011101", "1011101"),
        (2, "7", "07"),
    ],
    ids=[
        "one-zero-lost",
        "five-zeros-lost",
        "already-full",
        "too-long-left-alone",
        "not-digits-left-alone",
        "empty-left-alone",
        "no-width-no-padding",
        "width-two",
    ],
)
def test_pad(width: int | None, unit_id: str, expected: str) -> None:
    assert _level(key_width=width).pad(unit_id) == expected


# -- key_problem --------------------------------------------------------------------------------


def test_key_problem_none_for_valid_key() -> None:
    level = _level(key_width=8, key_pattern=r"\d{8}")
    assert level.key_problem("01011101") is None


def test_key_problem_empty_id() -> None:
    assert _level().key_problem("") == "the id is empty"


def test_key_problem_wrong_digit_count_names_both_widths() -> None:
    problem = _level("planungsraum", key_width=8).key_problem("1011101")
    assert problem is not None
    assert "7 digits" in problem
    assert "'planungsraum' uses 8" in problem


def test_key_problem_too_many_digits() -> None:
    problem = _level(key_width=2).key_problem("123")
    assert problem is not None
    assert "3 digits" in problem


def test_key_problem_pattern_must_match_whole_id() -> None:
    level = _level(key_pattern=r"\d{2}")
    assert level.key_problem("12") is None
    problem = level.key_problem("123")
    assert problem is not None
    assert "does not match" in problem
    assert level.key_problem("x12") is not None


def test_key_problem_width_ignores_non_digit_ids() -> None:
    assert _level(key_width=8).key_problem("PLZ10115") is None


def test_key_problem_without_constraints_accepts_anything_non_empty() -> None:
    assert _level().key_problem("whatever 1") is None


# -- vintages -----------------------------------------------------------------------------------


def test_vintage_valid() -> None:
    vintage = Vintage("planungsraum", "lor_2021", "LOR 2021", "LOR 2021", source="SenSBW")
    assert (vintage.level_id, vintage.id, vintage.source, vintage.note) == ("planungsraum", "lor_2021", "SenSBW", "")


@pytest.mark.parametrize(
    ("level_id", "vintage_id", "what"),
    [
        ("Planungsraum", "lor_2021", "level"),
        ("planungsraum", "LOR 2021", "vintage"),
        ("planungsraum", "2021", "vintage"),
    ],
    ids=["bad-level-id", "bad-vintage-id", "vintage-id-starts-with-digit"],
)
def test_vintage_invalid_ids(level_id: str, vintage_id: str, what: str) -> None:
    with pytest.raises(DefinitionError, match=f"^{what} id"):
        Vintage(level_id, vintage_id, "x", "x")


# -- hierarchy ---------------------------------------------------------------------------------


def _raw_level(level_id: str, parent_id: str | None) -> Level:
    """A level whose parent is set after validation, to build hierarchies the constructor refuses."""
    level = Level(level_id, level_id.upper(), level_id.upper())
    object.__setattr__(level, "parent_id", parent_id)
    return level


def test_valid_tree_passes() -> None:
    levels = [
        Level("stadt", "Stadt", "City"),
        Level("bezirk", "Bezirk", "District", parent_id="stadt"),
        Level("ortsteil", "Ortsteil", "Locality", parent_id="bezirk"),
        Level("prognoseraum", "Prognoseraum", "Forecast area", parent_id="bezirk"),
        Level("plz", "PLZ", "Postcode", parent_id="stadt", nested=False),
    ]
    check_level_hierarchy(levels)
    check_level_hierarchy(reversed(levels))  # order does not matter; an iterator is enough


def test_empty_hierarchy_passes() -> None:
    check_level_hierarchy([])


def test_unknown_parent_is_named() -> None:
    levels = [Level("stadt", "Stadt", "City"), Level("bezirk", "Bezirk", "District", parent_id="land")]
    with pytest.raises(DefinitionError, match="level 'bezirk' names unknown parent level 'land'"):
        check_level_hierarchy(levels)


@pytest.mark.parametrize(
    ("levels", "cycle"),
    [
        ([("a", "a")], "a → a"),
        ([("a", "b"), ("b", "a")], "a → b → a"),
        ([("a", "b"), ("b", "c"), ("c", "a")], "a → b → c → a"),
        ([("top", None), ("a", "b"), ("b", "c"), ("c", "a")], "a → b → c → a"),
    ],
    ids=["length-1", "length-2", "length-3", "length-3-beside-a-valid-level"],
)
def test_cycles_are_reported_with_their_path(levels: list[tuple[str, str | None]], cycle: str) -> None:
    with pytest.raises(DefinitionError, match=f"level hierarchy has a cycle: {re.escape(cycle)}$"):
        check_level_hierarchy([_raw_level(i, p) for i, p in levels])


def test_cycle_reached_from_outside_reports_only_the_cycle() -> None:
    # "leaf" hangs below the cycle b → c → b; the reported path must not include "leaf".
    levels = [_raw_level("b", "c"), _raw_level("c", "b"), _raw_level("leaf", "b")]
    with pytest.raises(DefinitionError, match=r"cycle: b → c → b$"):
        check_level_hierarchy([levels[2], levels[0], levels[1]])
