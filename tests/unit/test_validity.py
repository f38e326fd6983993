"""Unit tests of validity periods (``ortswissen.units._validity``).

Periods are closed intervals of days with an optional open end: the tests check ``contains``,
``overlaps`` and ``covers`` at touching days, the rejection of periods that end before they start,
:func:`find_overlaps` on several periods and chains, and :func:`parse_date` (ISO, German, garbage).
"""

from __future__ import annotations

from datetime import date, datetime

import pytest

from ortswissen.errors import DefinitionError
from ortswissen.units import END_OF_TIME, Period, find_overlaps, parse_date

D = date


# -- construction -----------------------------------------------------------------------------


def test_end_before_start_raises() -> None:
    with pytest.raises(DefinitionError, match=r"ends \(2020-12-31\) before it starts \(2021-01-01\)"):
        Period(D(2021, 1, 1), D(2020, 12, 31))


def test_single_day_period_is_allowed() -> None:
    p = Period(D(2021, 1, 1), D(2021, 1, 1))
    assert p.contains(D(2021, 1, 1))
    assert not p.contains(D(2021, 1, 2))
    assert not p.contains(D(2020, 12, 31))


def test_last_day() -> None:
    assert Period(D(2021, 1, 1), D(2021, 6, 30)).last_day == D(2021, 6, 30)
    assert Period(D(2021, 1, 1)).last_day == END_OF_TIME == D(9999, 12, 31)


@pytest.mark.parametrize(
    ("period", "text"),
    [(Period(D(2001, 1, 1), D(2020, 12, 31)), "2001-01-01–2020-12-31"), (Period(D(2021, 1, 1)), "2021-01-01–")],
    ids=["closed", "open"],
)
def test_str(period: Period, text: str) -> None:
    assert str(period) == text


# -- contains ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2020, 12, 31), False),
        (D(2021, 1, 1), True),
        (D(2021, 3, 15), True),
        (D(2021, 6, 30), True),
        (D(2021, 7, 1), False),
    ],
    ids=["day-before-start", "first-day", "middle", "last-day", "day-after-end"],
)
def test_contains_closed(day: date, expected: bool) -> None:
    assert Period(D(2021, 1, 1), D(2021, 6, 30)).contains(day) is expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [(D(2020, 12, 31), False), (D(2021, 1, 1), True), (D(2500, 1, 1), True), (D(9999, 12, 31), True)],
    ids=["day-before-start", "first-day", "far-future", "end-of-time"],
)
def test_contains_open(day: date, expected: bool) -> None:
    assert Period(D(2021, 1, 1)).contains(day) is expected


# -- overlaps ---------------------------------------------------------------------------------

_A = Period(D(2001, 1, 1), D(2020, 12, 31))

_OVERLAP_CASES = [
    (Period(D(2021, 1, 1)), False, "next-day-start-open"),
    (Period(D(2021, 1, 1), D(2022, 1, 1)), False, "next-day-start-closed"),
    (Period(D(2020, 12, 31)), True, "same-last-day-open"),
    (Period(D(2020, 12, 31), D(2020, 12, 31)), True, "touching-single-day"),
    (Period(D(1990, 1, 1), D(2000, 12, 31)), False, "ends-day-before"),
    (Period(D(1990, 1, 1), D(2001, 1, 1)), True, "ends-on-first-day"),
    (Period(D(2005, 1, 1), D(2006, 1, 1)), True, "inside"),
    (Period(D(1990, 1, 1)), True, "open-from-before"),
    (Period(D(1990, 1, 1), D(2030, 1, 1)), True, "around"),
    (_A, True, "itself"),
]


@pytest.mark.parametrize(("other", "expected"), [c[:2] for c in _OVERLAP_CASES], ids=[c[2] for c in _OVERLAP_CASES])
def test_overlaps_is_symmetric_and_counts_touching_days(other: Period, expected: bool) -> None:
    assert _A.overlaps(other) is expected
    assert other.overlaps(_A) is expected


def test_two_open_periods_always_overlap() -> None:
    assert Period(D(2001, 1, 1)).overlaps(Period(D(2050, 1, 1)))


# -- covers -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("outer", "inner", "expected"),
    [
        (_A, _A, True),
        (_A, Period(D(2001, 1, 1), D(2001, 1, 1)), True),
        (_A, Period(D(2020, 12, 31), D(2020, 12, 31)), True),
        (_A, Period(D(2000, 12, 31), D(2001, 1, 1)), False),
        (_A, Period(D(2020, 12, 31), D(2021, 1, 1)), False),
        (_A, Period(D(2005, 1, 1)), False),
        (Period(D(2001, 1, 1)), Period(D(2005, 1, 1)), True),
        (Period(D(2001, 1, 1)), Period(D(2000, 1, 1)), False),
        (Period(D(2001, 1, 1)), _A, True),
        (Period(D(2005, 1, 1)), _A, False),
    ],
    ids=[
        "itself",
        "first-day",
        "last-day",
        "one-day-too-early",
        "one-day-too-late",
        "closed-cannot-cover-open",
        "open-covers-later-open",
        "open-cannot-cover-earlier-open",
        "open-covers-closed",
        "later-open-cannot-cover-closed",
    ],
)
def test_covers(outer: Period, inner: Period, expected: bool) -> None:
    assert outer.covers(inner) is expected


def test_closed_before_ends_the_previous_day() -> None:
    cut = Period(D(2001, 1, 1)).closed_before(D(2021, 1, 1))
    assert cut == Period(D(2001, 1, 1), D(2020, 12, 31))
    assert not cut.overlaps(Period(D(2021, 1, 1)))


def test_closed_before_start_is_rejected() -> None:
    with pytest.raises(DefinitionError):
        Period(D(2021, 1, 1)).closed_before(D(2021, 1, 1))


# -- find_overlaps ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("periods", "expected"),
    [
        ([], []),
        ([Period(D(2001, 1, 1))], []),
        ([Period(D(2001, 1, 1), D(2020, 12, 31)), Period(D(2021, 1, 1))], []),
        ([Period(D(2001, 1, 1), D(2010, 1, 1)), Period(D(2010, 1, 1))], [(0, 1)]),
        ([Period(D(2021, 1, 1)), Period(D(2001, 1, 1), D(2021, 1, 1))], [(0, 1)]),
        (
            [
                Period(D(2001, 1, 1), D(2005, 12, 31)),
                Period(D(2006, 1, 1), D(2010, 12, 31)),
                Period(D(2011, 1, 1), D(2015, 12, 31)),
                Period(D(2016, 1, 1)),
            ],
            [],
        ),
        (
            [
                Period(D(2001, 1, 1), D(2006, 1, 1)),
                Period(D(2006, 1, 1), D(2011, 1, 1)),
                Period(D(2011, 1, 1)),
            ],
            [(0, 1), (1, 2)],
        ),
        (
            [
                Period(D(2011, 1, 1)),
                Period(D(2001, 1, 1)),
                Period(D(2005, 1, 1), D(2012, 1, 1)),
                Period(D(1990, 1, 1), D(1995, 1, 1)),
            ],
            [(0, 1), (0, 2), (1, 2)],
        ),
        ([Period(D(2001, 1, 1), D(2001, 1, 1))] * 3, [(0, 1), (0, 2), (1, 2)]),
    ],
    ids=[
        "none",
        "one",
        "consecutive",
        "shared-day",
        "shared-day-unsorted",
        "chain-without-overlap",
        "chain-overlapping-at-each-link",
        "unsorted-with-one-apart",
        "three-identical-days",
    ],
)
def test_find_overlaps(periods: list[Period], expected: list[tuple[int, int]]) -> None:
    assert find_overlaps(periods) == expected


def test_find_overlaps_long_period_spanning_a_chain() -> None:
    # one long period overlaps every short one, the short ones do not overlap each other
    short = [Period(D(2000 + i, 1, 1), D(2000 + i, 12, 31)) for i in range(5)]
    long = Period(D(1999, 6, 1), D(2004, 6, 1))
    assert find_overlaps([long, *short]) == [(0, 1), (0, 2), (0, 3), (0, 4), (0, 5)]


# -- parse_date -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2021-06-30", D(2021, 6, 30)),
        ("30.06.2021", D(2021, 6, 30)),
        ("1.2.2021", D(2021, 2, 1)),
        ("  31.12.2020 ", D(2020, 12, 31)),
        (" 2020-02-29\n", D(2020, 2, 29)),
        (D(2021, 6, 30), D(2021, 6, 30)),
    ],
    ids=["iso", "german", "german-without-zeros", "german-with-spaces", "iso-leap-day-with-whitespace", "date-object"],
)
def test_parse_date(text: object, expected: date) -> None:
    result = parse_date(text)
    assert result == expected
    assert type(result) is date


def test_parse_date_of_datetime_is_a_plain_date() -> None:
    # A datetime (e.g. a pandas Timestamp from a spreadsheet cell) must come back as the day itself:
    # a datetime compared with a date is never equal and ordering them raises TypeError.
    result = parse_date(datetime(2021, 6, 30, 0, 0))
    assert type(result) is date
    assert result == D(2021, 6, 30)


@pytest.mark.parametrize(
    "text",
    ["", "soon", "2021-02-30", "31.04.2021", "30.06", "30.06.2021.1", "2021/06/30", "30-06-2021", "aa.bb.cccc", None],
    ids=[
        "empty",
        "word",
        "iso-impossible-day",
        "german-impossible-day",
        "german-without-year",
        "german-four-parts",
        "slashes",
        "day-first-with-hyphens",
        "german-letters",
        "none",
    ],
)
def test_parse_date_rejects_garbage(text: object) -> None:
    with pytest.raises(DefinitionError, match=r"use YYYY-MM-DD or DD\.MM\.YYYY"):
        parse_date(text)


def test_parse_date_names_what_it_parsed() -> None:
    with pytest.raises(DefinitionError, match=r"^valid_from 'x' is not a date"):
        parse_date("x", "valid_from")
