"""A person's residence history from the address at the period start and the events after it.

Events of one person are taken in date order (events on the same day in file order). Each
event needs a state before it and leaves one after it:

============  ====================  ===================
event         before                after
============  ====================  ===================
birth         not resident          resident (address)
move_in       not resident          resident (address)
move_within   resident              resident (address)
move_out      resident              not resident
death         resident              dead
============  ====================  ===================

Because the state after an event depends on its kind alone, the state before every event is
the state after the previous one (or the state at the period start), so the whole check is
a handful of column operations, however many millions of events there are.

A residence episode starts at the period start (for residents then) or on the day of a
birth or move and ends the day before the person's next event (open, ``NaT``, if there is
none): someone who moves on 31 December counts at the new address on that day; someone
who dies on 31 December is not counted on that day.

Examples
--------
>>> import pandas as pd
>>> persons = pd.DataFrame({
...     "birth_date": pd.to_datetime(["1980-05-17", "2021-03-02"]),
...     "start_block": ["B1", None], "start_cell": ["C1", None]})
>>> events = pd.DataFrame({
...     "person": [0, 1, 0], "kind": ["move_within", "birth", "move_out"],
...     "date": pd.to_datetime(["2021-06-01", "2021-03-02", "2022-01-15"]),
...     "block": ["B2", "B1", None], "cell": ["C2", "C1", None], "order": [2, 3, 4]})
>>> [p.code for p in check_sequences(persons, events, period_start=pd.Timestamp("2021-01-01"),
...                                  period_end=pd.Timestamp("2022-12-31"))]
[]
>>> episodes, moved = build_history(persons, events, period_start=pd.Timestamp("2021-01-01"))
>>> episodes[["person", "block"]].values.tolist()
[[0, 'B1'], [0, 'B2'], [1, 'B1']]
>>> episodes["valid_from"].dt.strftime("%F").tolist(), episodes["valid_to"].dt.strftime("%F").tolist()
(['2021-01-01', '2021-06-01', '2021-03-02'], ['2021-05-31', '2022-01-14', nan])
>>> moved[["kind", "age", "origin_block", "dest_block"]].values.tolist()
[['move_within', 41, 'B1', 'B2'], ['birth', 0, None, 'B1'], ['move_out', 41, 'B2', None]]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["EVENT_KINDS", "EventProblem", "build_history", "check_sequences", "completed_years"]

#: The event kinds of the profile.
EVENT_KINDS = ("birth", "death", "move_in", "move_out", "move_within")
#: Kinds that leave the person living at the event's address.
OPENING = ("birth", "move_in", "move_within")
#: Kinds that need the person resident before them.
NEED_RESIDENT = ("move_out", "move_within", "death")


@dataclass(frozen=True)
class EventProblem:
    """Events (a boolean mask over the input rows) that break one rule."""

    code: str
    message: str
    mask: np.ndarray


def completed_years(birth: pd.Series, on: pd.Series) -> np.ndarray:
    """Age in completed years on a date (a birthday counts on its day; 29 February on 1 March).

    >>> completed_years(pd.Series(pd.to_datetime(["2000-02-29", "2000-02-29"])),
    ...                 pd.Series(pd.to_datetime(["2001-02-28", "2001-03-01"]))).tolist()
    [0, 1]
    """
    b = pd.DatetimeIndex(birth)
    d = pd.DatetimeIndex(on)
    years = d.year.to_numpy() - b.year.to_numpy()
    before = (d.month.to_numpy() * 100 + d.day.to_numpy()) < (b.month.to_numpy() * 100 + b.day.to_numpy())
    return (years - before).astype(np.int64)


def _sorted(events: pd.DataFrame) -> pd.DataFrame:
    return events.assign(_pos=np.arange(len(events))).sort_values(["person", "date", "order"], kind="stable")


def check_sequences(
    persons: pd.DataFrame, events: pd.DataFrame, *, period_start: pd.Timestamp, period_end: pd.Timestamp
) -> list[EventProblem]:
    """Every event that breaks a rule of the profile, grouped by rule (see the module table).

    ``persons``: ``birth_date``, ``start_block`` (``None`` if not resident at the period
    start), indexed by position; ``events``: ``person`` (position in ``persons``), ``kind``,
    ``date``, ``order`` (file row). Rules: dates within the period, no event before birth or
    after death, a birth in the person's month of birth as the first event, the state before
    each event as in the table.
    """
    n = len(events)
    if n == 0:
        return []
    ev = _sorted(events)
    person = ev["person"].to_numpy()
    kind = ev["kind"].to_numpy()
    date = ev["date"]
    birth = persons["birth_date"].to_numpy()[person]
    resident_at_start = persons["start_block"].notna().to_numpy()[person]
    first = np.r_[True, person[1:] != person[:-1]]
    after = np.isin(kind, OPENING)
    before = np.r_[False, after[:-1]]
    before[first] = resident_at_start[first]
    died = (kind == "death").astype(np.int64)
    deaths_before = pd.Series(died).groupby(person).cumsum().to_numpy() - died
    birth_month = pd.DatetimeIndex(birth).to_period("M")
    event_month = pd.DatetimeIndex(date).to_period("M")
    checks = [
        (
            "event-outside-period",
            f"the event lies outside the extract period {period_start:%Y-%m-%d} to {period_end:%Y-%m-%d}",
            ((date < period_start) | (date > period_end)).to_numpy(),
        ),
        ("event-before-birth", "the event lies before the person's date of birth", (date.to_numpy() < birth)),
        ("event-after-death", "the event follows the person's death", deaths_before > 0),
        (
            "birth-date-mismatch",
            "a birth must fall in the person's month of birth (persons.csv birth_date)",
            (kind == "birth") & (birth_month != event_month),
        ),
        (
            "birth-not-first",
            "a birth must be the person's first event, with no address at the period start",
            (kind == "birth") & (~first | resident_at_start),
        ),
        (
            "not-resident",
            "the person is not resident (no address) before this event, which needs a residence",
            np.isin(kind, NEED_RESIDENT) & ~before & (deaths_before == 0),
        ),
        (
            "already-resident",
            "the person is already resident before this move in (or birth)",
            (kind == "move_in") & before,
        ),
    ]
    problems = []
    for code, message, found in checks:
        sorted_mask = np.asarray(found, dtype=bool)
        if sorted_mask.any():
            mask = np.zeros(n, dtype=bool)
            mask[ev["_pos"].to_numpy()[sorted_mask]] = True
            problems.append(EventProblem(code, message, mask))
    return problems


def build_history(
    persons: pd.DataFrame, events: pd.DataFrame, *, period_start: pd.Timestamp
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Residence episodes and the events with origin, destination and age (after :func:`check_sequences`).

    ``persons`` also needs ``start_cell``; ``events`` ``block`` and ``cell`` (the new address
    of births and moves in or within). Returns ``episodes`` (``person, block, cell,
    valid_from, valid_to``; ``valid_to`` inclusive, ``NaT`` while still resident) and the
    events in input order with ``age`` (completed years on the event's day),
    ``origin_block, origin_cell, dest_block, dest_cell``.
    """
    start = persons.index[persons["start_block"].notna()]
    states = pd.concat(
        [
            pd.DataFrame(
                {
                    "person": start.to_numpy(),
                    "kind": "start",
                    "date": period_start,
                    "order": -1,
                    "block": persons.loc[start, "start_block"].to_numpy(),
                    "cell": persons.loc[start, "start_cell"].to_numpy(),
                    "_pos": -1,
                }
            ),
            events[["person", "kind", "date", "order", "block", "cell"]].assign(_pos=np.arange(len(events))),
        ],
        ignore_index=True,
    ).sort_values(["person", "date", "order"], kind="stable", ignore_index=True)
    person = states["person"].to_numpy()
    same_as_previous = np.r_[False, person[1:] == person[:-1]]
    opens = states["kind"].isin(("start", *OPENING)).to_numpy()
    block_after = states["block"].where(opens, None)
    cell_after = states["cell"].where(opens, None)
    origin_block = block_after.shift(1).where(same_as_previous, None)
    origin_cell = cell_after.shift(1).where(same_as_previous, None)
    next_date = states["date"].shift(-1).where(np.r_[same_as_previous[1:], False])

    episodes = pd.DataFrame(
        {
            "person": person[opens],
            "block": states["block"].to_numpy()[opens],
            "cell": states["cell"].to_numpy()[opens],
            "valid_from": states["date"].to_numpy()[opens],
            "valid_to": (next_date - pd.Timedelta(days=1)).to_numpy()[opens],
        }
    )
    # a move in and out on the same day leaves an episode of no day at all
    episodes = episodes[episodes["valid_to"].isna() | (episodes["valid_to"] >= episodes["valid_from"])]
    episodes = episodes.reset_index(drop=True)

    is_event = (states["_pos"] >= 0).to_numpy()
    moved = pd.DataFrame(
        {
            "_pos": states["_pos"].to_numpy()[is_event],
            "origin_block": origin_block.to_numpy()[is_event],
            "origin_cell": origin_cell.to_numpy()[is_event],
        }
    ).sort_values("_pos")
    out = events.copy()
    kinds = out["kind"].to_numpy()
    has_origin = np.isin(kinds, NEED_RESIDENT)
    has_dest = np.isin(kinds, OPENING)
    for column, values, keep in (
        ("origin_block", moved["origin_block"].to_numpy(), has_origin),
        ("origin_cell", moved["origin_cell"].to_numpy(), has_origin),
        ("dest_block", out["block"].to_numpy(), has_dest),
        ("dest_cell", out["cell"].to_numpy(), has_dest),
    ):
        text = pd.Series(values, index=out.index, dtype=object)
        out[column] = text.where(keep & text.notna().to_numpy(), None)
    births = persons["birth_date"].to_numpy()[out["person"].to_numpy()]
    out["age"] = np.maximum(completed_years(pd.Series(births), out["date"].reset_index(drop=True)), 0)
    return episodes, out
