"""Validity periods of unit versions, features and vintages.

Periods are closed intervals of days: ``valid_from`` and ``valid_to`` are both valid days.
An open end is ``None``. Two versions of the same unit must never be valid on the same day.

Examples
--------
>>> from datetime import date
>>> old = Period(date(2001, 1, 1), date(2020, 12, 31))
>>> new = Period(date(2021, 1, 1))
>>> old.overlaps(new), new.contains(date(2023, 6, 30))
(False, True)
>>> str(new)
'2021-01-01–'
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from ortswissen.errors import DefinitionError

__all__ = ["END_OF_TIME", "Period", "find_overlaps", "parse_date"]

#: Stand-in for an open end in comparisons.
END_OF_TIME = date(9999, 12, 31)


@dataclass(frozen=True, order=True)
class Period:
    """A closed interval of days; ``end=None`` means open-ended."""

    start: date
    end: date | None = None

    def __post_init__(self) -> None:
        if self.end is not None and self.end < self.start:
            raise DefinitionError(f"validity ends ({self.end}) before it starts ({self.start})")

    @property
    def last_day(self) -> date:
        """The last valid day, :data:`END_OF_TIME` when open."""
        return self.end if self.end is not None else END_OF_TIME

    def contains(self, day: date) -> bool:
        """Whether ``day`` lies in the period."""
        return self.start <= day <= self.last_day

    def overlaps(self, other: Period) -> bool:
        """Whether both periods share at least one day."""
        return self.start <= other.last_day and other.start <= self.last_day

    def covers(self, other: Period) -> bool:
        """Whether every day of ``other`` lies in this period."""
        return self.start <= other.start and other.last_day <= self.last_day

    def closed_before(self, day: date) -> Period:
        """The period cut short to end the day before ``day``."""
        return Period(self.start, day - timedelta(days=1))

    def __str__(self) -> str:
        return f"{self.start.isoformat()}–{self.end.isoformat() if self.end else ''}"


def find_overlaps(periods: Sequence[Period]) -> list[tuple[int, int]]:
    """Index pairs of overlapping periods (sorted sweep, O(n log n) plus the overlaps).

    >>> from datetime import date as d
    >>> find_overlaps([Period(d(2001, 1, 1), d(2010, 1, 1)), Period(d(2010, 1, 1))])
    [(0, 1)]
    """
    order = sorted(range(len(periods)), key=lambda i: periods[i].start)
    pairs: list[tuple[int, int]] = []
    active: list[int] = []
    for i in order:
        active = [j for j in active if periods[j].last_day >= periods[i].start]
        pairs.extend((min(i, j), max(i, j)) for j in active)
        active.append(i)
    return sorted(pairs)


def parse_date(value: object, what: str = "date") -> date:
    """Parse an ISO (``2021-06-30``) or German (``30.06.2021``) date.

    >>> parse_date("30.06.2021"), parse_date("2021-06-30")
    (datetime.date(2021, 6, 30), datetime.date(2021, 6, 30))
    """
    if isinstance(value, datetime):  # also pandas Timestamps; a datetime never equals a date
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    try:
        if "." in text:
            day, month, year = text.split(".")
            return date(int(year), int(month), int(day))
        return date.fromisoformat(text)
    except ValueError as exc:
        raise DefinitionError(f"{what} {text!r} is not a date (use YYYY-MM-DD or DD.MM.YYYY)") from exc


def latest_start(periods: Iterable[Period]) -> date | None:
    """The latest start among ``periods`` (``None`` if empty)."""
    starts = [p.start for p in periods]
    return max(starts) if starts else None
