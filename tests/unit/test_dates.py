"""Tests for ``ortswissen.io._dates``: reference dates in every official format, invalid dates, columns."""

from __future__ import annotations

from datetime import date

import pyarrow as pa
import pytest

from ortswissen.io._dates import DATE_FORMATS, parse_date_column, parse_reference_date

VALID_AUTO = [
    ("30.06.2021", date(2021, 6, 30)),
    ("1.2.2020", date(2020, 2, 1)),
    ("31.12.1999", date(1999, 12, 31)),
    ("2021-06-30", date(2021, 6, 30)),
    ("2021-06-30T00:00", date(2021, 6, 30)),
    ("2021-06-30 00:00:00", date(2021, 6, 30)),
    ("201812", date(2018, 12, 31)),
    ("201804", date(2018, 4, 30)),
    ("201801", date(2018, 1, 31)),
    ("202002", date(2020, 2, 29)),  # leap year
    ("202102", date(2021, 2, 28)),  # not a leap year
    ("200002", date(2000, 2, 29)),  # divisible by 400: leap
    ("190002", date(1900, 2, 28)),  # divisible by 100 only: not leap
    ("2020", date(2020, 12, 31)),
    ("1990", date(1990, 12, 31)),
    ("06/2021", date(2021, 6, 30)),
    ("2/2024", date(2024, 2, 29)),
    ("2/2023", date(2023, 2, 28)),
    ("12/2019", date(2019, 12, 31)),
    ("  2020  ", date(2020, 12, 31)),
]


@pytest.mark.parametrize(("text", "expected"), VALID_AUTO, ids=[t.strip() for t, _ in VALID_AUTO])
def test_auto_accepts_every_format(text: str, expected: date) -> None:
    assert parse_reference_date(text) == expected
    assert parse_reference_date(text, "auto") == expected


EXPLICIT = [
    ("DD.MM.YYYY", "30.06.2021", date(2021, 6, 30)),
    ("YYYY-MM-DD", "2021-06-30", date(2021, 6, 30)),
    ("YYYYMM", "202106", date(2021, 6, 30)),
    ("YYYY", "2021", date(2021, 12, 31)),
    ("MM/YYYY", "06/2021", date(2021, 6, 30)),
]


@pytest.mark.parametrize(("fmt", "text", "expected"), EXPLICIT, ids=[f for f, *_ in EXPLICIT])
def test_explicit_format_accepts_its_own_texts(fmt: str, text: str, expected: date) -> None:
    assert parse_reference_date(text, fmt) == expected


@pytest.mark.parametrize(
    ("fmt", "other_fmt", "text"),
    [(fmt, other_fmt, text) for fmt, _, _ in EXPLICIT for other_fmt, text, _ in EXPLICIT if other_fmt != fmt],
    ids=[f"{fmt}-refuses-{other}" for fmt, _, _ in EXPLICIT for other, _, _ in EXPLICIT if other != fmt],
)
def test_explicit_format_refuses_other_formats(fmt: str, other_fmt: str, text: str) -> None:
    assert parse_reference_date(text, fmt) is None


def test_every_declared_format_is_known() -> None:
    assert set(DATE_FORMATS) == {"auto"} | {fmt for fmt, *_ in EXPLICIT}
    for fmt in DATE_FORMATS:
        parse_reference_date("2020", fmt)  # must not raise


def test_unknown_format_raises() -> None:
    with pytest.raises(ValueError, match="unknown date format"):
        parse_reference_date("2020", "YYYY/MM")


INVALID = [
    "2021-02-30",
    "2021-02-29",  # 2021 is not a leap year
    "2021-13-01",
    "2021-00-10",
    "201813",
    "201800",
    "31.04.2021",
    "29.02.2023",
    "00.01.2020",
    "13/2020",
    "0/2020",
    "0000",
    "21.06.30",
    "2021-6-30",
    "30-06-2021",
    "2021/06/30",
    "20210630",
    "2021-06-30T12:00",
    "Juni 2021",
    "abc",
    "",
]


@pytest.mark.parametrize("text", INVALID, ids=[t or "empty" for t in INVALID])
def test_invalid_dates_are_none(text: str) -> None:
    assert parse_reference_date(text) is None


def test_invalid_date_in_explicit_format_is_none() -> None:
    assert parse_reference_date("201813", "YYYYMM") is None
    assert parse_reference_date("2021-02-30", "YYYY-MM-DD") is None


# -- columns -------------------------------------------------------------------------------------


def test_parse_date_column_nulls_and_bad_distinct_texts() -> None:
    cells = pa.array(["201812", "201812", "2018-13", "202002", "2018-13", "xx", None, "", "  "])
    dates, bad = parse_date_column(cells)
    assert dates.type == pa.date32()
    assert dates.to_pylist() == [
        date(2018, 12, 31),
        date(2018, 12, 31),
        None,
        date(2020, 2, 29),
        None,
        None,
        None,
        None,
        None,
    ]
    # each bad text once, empty and null cells are not "bad" (they are simply missing)
    assert sorted(bad) == ["2018-13", "xx"]


def test_parse_date_column_with_explicit_format() -> None:
    dates, bad = parse_date_column(pa.array(["31.12.2020", "2020-12-31", "31.12.2020"]), "DD.MM.YYYY")
    assert dates.to_pylist() == [date(2020, 12, 31), None, date(2020, 12, 31)]
    assert bad == ["2020-12-31"]


def test_parse_date_column_trims_and_merges_equal_texts() -> None:
    dates, bad = parse_date_column(pa.array([" 2020", "2020 ", "2020"]))
    assert dates.to_pylist() == [date(2020, 12, 31)] * 3
    assert bad == []


def test_parse_date_column_of_integers() -> None:
    # a YYYYMM column that a typed format stored as integers
    dates, bad = parse_date_column(pa.array([201812, 202002, None], type=pa.int64()))
    assert dates.to_pylist() == [date(2018, 12, 31), date(2020, 2, 29), None]
    assert bad == []


def test_parse_date_column_chunked() -> None:
    cells = pa.chunked_array([["2019", "201913"], ["2019", "01.01.2019"]])
    dates, bad = parse_date_column(cells)
    assert dates.to_pylist() == [date(2019, 12, 31), None, date(2019, 12, 31), date(2019, 1, 1)]
    assert bad == ["201913"]


def test_parse_date_column_empty() -> None:
    dates, bad = parse_date_column(pa.array([], type=pa.string()))
    assert len(dates) == 0
    assert bad == []
