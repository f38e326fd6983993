"""Property tests of :func:`ortswissen.units.find_overlaps`.

On random lists of periods (some open-ended, many touching or sharing days) the sweep must return
exactly the pairs a brute-force comparison of the sets of days finds.
"""

from __future__ import annotations

from datetime import date, timedelta
from itertools import combinations

from hypothesis import given, settings
from hypothesis import strategies as st

from ortswissen.units import Period, find_overlaps

_ORIGIN = date(2000, 1, 1)
_MAX_START = 60


@st.composite
def periods(draw: st.DrawFn) -> Period:
    """A period starting within 60 days of the origin, open-ended or 0–20 days long."""
    start = _ORIGIN + timedelta(days=draw(st.integers(0, _MAX_START)))
    length = draw(st.none() | st.integers(0, 20))
    return Period(start, None if length is None else start + timedelta(days=length))


def _days(period: Period, horizon: date) -> set[date]:
    """The period's days up to ``horizon`` (every start lies before it, so overlaps are kept)."""
    last = period.end if period.end is not None else horizon
    return {period.start + timedelta(days=i) for i in range((last - period.start).days + 1)}


@settings(max_examples=100, deadline=None)
@given(st.lists(periods(), max_size=12))
def test_find_overlaps_matches_brute_force(items: list[Period]) -> None:
    horizon = _ORIGIN + timedelta(days=_MAX_START + 1)
    days = [_days(p, horizon) for p in items]
    expected = [(i, j) for i, j in combinations(range(len(items)), 2) if days[i] & days[j]]
    assert find_overlaps(items) == expected


@settings(max_examples=100, deadline=None)
@given(st.lists(periods(), max_size=12))
def test_find_overlaps_agrees_with_period_overlaps(items: list[Period]) -> None:
    pairs = set(find_overlaps(items))
    for i, j in combinations(range(len(items)), 2):
        assert ((i, j) in pairs) == items[i].overlaps(items[j])
