"""The pure core of the register import: pseudonyms, months, nationality groups, grid cells, histories."""

from __future__ import annotations

import hashlib
import hmac

import numpy as np
import pandas as pd
import pytest

from ortswissen.register import (
    EU_MEMBERS,
    build_history,
    check_sequences,
    completed_years,
    inspire_cells,
    key_fingerprint,
    month_start,
    nationality_groups,
    person_key,
    person_keys,
)

START, END = pd.Timestamp("2020-01-01"), pd.Timestamp("2022-12-31")


def test_batch_keys_equal_the_standard_hmac_for_short_and_long_secrets() -> None:
    ids = ["1", "00042", "Ä-ß-7", "x" * 200]
    for secret in (b"k" * 16, b"a much longer secret than one sha-256 block of sixty-four bytes........"):
        expected = [hmac.new(secret, i.encode(), hashlib.sha256).hexdigest()[:32] for i in ids]
        assert person_keys(ids, secret) == expected == [person_key(i, secret) for i in ids]
    assert person_keys(ids, b"k" * 16) != person_keys(ids, b"j" * 16)
    assert key_fingerprint(b"k" * 16) != key_fingerprint(b"j" * 16)
    assert b"k" * 16 not in key_fingerprint(b"k" * 16).encode()


def test_month_start_keeps_missing_dates_missing() -> None:
    got = month_start(pd.Series(pd.to_datetime(["2024-02-29", None])))
    assert str(got[0].date()) == "2024-02-01" and pd.isna(got[1])


def test_nationality_groups() -> None:
    assert len(EU_MEMBERS - {"EL"}) == 26  # 27 members without Germany; Greece under two codes
    groups, bad = nationality_groups(pd.Series(["de", " FR ", "GB", "EL", "UA", "xx", "1", None]))
    assert groups.tolist() == ["de", "eu", "non_eu", "eu", "non_eu", "non_eu", "unknown", "unknown"]
    assert bad.tolist() == [False] * 6 + [True, False]


def test_inspire_cells_floor_to_the_lower_left_corner() -> None:
    cells = inspire_cells(
        [4552300.0, 4552399.99, 4552400.0, np.nan], [3270100.0, 3270199.99, 3270100.0, 0], crs="EPSG:3035"
    )
    assert cells.tolist() == [
        "CRS3035RES100mN3270100E4552300",
        "CRS3035RES100mN3270100E4552300",
        "CRS3035RES100mN3270100E4552400",
        None,
    ]


def test_completed_years_around_birthdays() -> None:
    birth = pd.Series(pd.to_datetime(["1990-06-15", "1990-06-15", "1990-06-15"]))
    on = pd.Series(pd.to_datetime(["2020-06-14", "2020-06-15", "2020-12-31"]))
    assert completed_years(birth, on).tolist() == [29, 30, 30]


def _persons(*rows: tuple[str, str | None]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "birth_date": pd.to_datetime([r[0] for r in rows]),
            "start_block": [r[1] for r in rows],
            "start_cell": [None if r[1] is None else f"C{r[1]}" for r in rows],
        }
    )


def _events(*rows: tuple[int, str, str, str | None]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "person": [r[0] for r in rows],
            "kind": [r[1] for r in rows],
            "date": pd.to_datetime([r[2] for r in rows]),
            "order": np.arange(2, len(rows) + 2),
            "block": [r[3] for r in rows],
            "cell": [None if r[3] is None else f"C{r[3]}" for r in rows],
        }
    )


def _codes(persons: pd.DataFrame, events: pd.DataFrame) -> dict[str, list[int]]:
    return {
        p.code: np.flatnonzero(p.mask).tolist()
        for p in check_sequences(persons, events, period_start=START, period_end=END)
    }


@pytest.mark.parametrize(
    ("persons", "events", "expected"),
    [
        (
            _persons(("1980-01-01", "B1")),
            _events((0, "move_out", "2021-01-01", None), (0, "move_out", "2021-02-01", None)),
            {"not-resident": [1]},
        ),
        (
            _persons(("1980-01-01", "B1")),
            _events((0, "death", "2021-01-01", None), (0, "move_in", "2021-02-01", "B2")),
            {"event-after-death": [1]},
        ),
        (_persons(("2021-05-05", None)), _events((0, "birth", "2021-06-01", "B1")), {"birth-date-mismatch": [0]}),
        (_persons(("2021-05-05", None)), _events((0, "move_in", "2021-04-01", "B1")), {"event-before-birth": [0]}),
        (_persons(("1980-01-01", "B1")), _events((0, "move_in", "2021-04-01", "B2")), {"already-resident": [0]}),
        (
            _persons(("1980-01-01", "B1")),
            _events((0, "move_within", "2019-12-31", "B2")),
            {"event-outside-period": [0]},
        ),
        (
            _persons(("1980-01-01", "B1")),
            _events((0, "birth", "2021-04-01", "B2")),
            {"birth-date-mismatch": [0], "birth-not-first": [0]},
        ),
    ],
)
def test_sequence_rules(persons: pd.DataFrame, events: pd.DataFrame, expected: dict[str, list[int]]) -> None:
    assert _codes(persons, events) == expected


def test_same_day_events_follow_the_file_order() -> None:
    persons = _persons(("1980-01-01", None))
    events = _events((0, "move_in", "2021-03-10", "B1"), (0, "move_out", "2021-03-10", None))
    assert _codes(persons, events) == {}
    swapped = events.iloc[::-1].reset_index(drop=True).assign(order=[2, 3])
    assert _codes(persons, swapped) == {"not-resident": [0]}


def test_history_by_day_and_by_month() -> None:
    persons = _persons(("1980-01-01", "B1"), ("1990-01-01", None))
    events = _events(
        (0, "move_within", "2021-03-10", "B2"),
        (1, "move_in", "2021-03-10", "B3"),
        (1, "move_out", "2021-03-20", None),  # in and out within one month: no episode by month
        (0, "death", "2022-05-31", None),
    )
    daily, moved = build_history(persons, events, period_start=START)
    rows = [
        (r.person, r.block, str(r.valid_from.date()), None if pd.isna(r.valid_to) else str(r.valid_to.date()))
        for r in daily.itertuples()
    ]
    assert rows == [
        (0, "B1", "2020-01-01", "2021-03-09"),
        (0, "B2", "2021-03-10", "2022-05-30"),
        (1, "B3", "2021-03-10", "2021-03-19"),
    ]
    monthly, _ = build_history(persons, events, period_start=START, monthly=True)
    rows = [(r.person, r.block, str(r.valid_from.date()), str(r.valid_to.date())) for r in monthly.itertuples()]
    assert rows == [(0, "B1", "2020-01-01", "2021-02-28"), (0, "B2", "2021-03-01", "2022-04-30")]
    assert moved[["origin_block", "dest_block"]].values.tolist() == [
        ["B1", "B2"],
        [None, "B3"],
        ["B3", None],
        ["B2", None],
    ]
    assert moved["age"].tolist() == [41, 31, 31, 42]
