"""Value statuses and scenarios of the long value table.

Every value row carries a status. A missing value is a row with status ``missing`` and no
number; it is never a zero. ``suppressed`` marks values withheld for confidentiality (the
GENESIS signs ``.`` and ``/``), ``estimated`` values derived by estimation (e.g. re-expressed
on another Gebietsstand), ``projected`` values from a forecast, which also carry the scenario.

Examples
--------
>>> ValueStatus("suppressed").has_number
False
>>> ValueStatus.ESTIMATED.has_number
True
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["OBSERVED", "ValueStatus"]

#: Scenario of observed (not projected) values.
OBSERVED = "observed"


class ValueStatus(StrEnum):
    """Status of one value."""

    OK = "ok"
    MISSING = "missing"
    SUPPRESSED = "suppressed"
    ESTIMATED = "estimated"
    PROJECTED = "projected"

    @property
    def has_number(self) -> bool:
        """Whether a value of this status carries a number."""
        return self in (ValueStatus.OK, ValueStatus.ESTIMATED, ValueStatus.PROJECTED)
