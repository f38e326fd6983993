"""Age groups of migration analysis (Wanderungsmotive by age).

The groups follow the usual German reading of age-specific migration (Wegweiser Kommune,
Landesämter): education movers 18–24, career starters 25–29, family movers 30–44 with their
children 0–9, older people 65+. The seven *partition* groups cover every age exactly once;
``familien`` combines parents and children for filtering flows.

``to`` is exclusive (``None`` = open), as in the age bands of the demography API.

Examples
--------
>>> [g.id for g in PARTITION]
['kinder', 'jugendliche', 'bildungswanderer', 'berufseinsteiger', 'familienwanderer', 'lebensmitte', 'senioren']
>>> age_group("familien").contains(pd.Series([5, 12, 35, 70])).tolist()
[True, False, True, False]
>>> assign_groups(pd.Series([0, 24, 25, 100])).tolist()
['kinder', 'bildungswanderer', 'berufseinsteiger', 'senioren']
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ortswissen.errors import InvalidInput

__all__ = ["AGE_GROUPS", "PARTITION", "AgeGroup", "age_group", "assign_groups"]


@dataclass(frozen=True)
class AgeGroup:
    """A named set of ages: one or more ranges ``[from, to)`` (``to`` ``None`` = open)."""

    id: str
    label_de: str
    label_en: str
    ranges: tuple[tuple[int, int | None], ...]

    @property
    def start(self) -> int:
        """First age of the group."""
        return self.ranges[0][0]

    @property
    def end(self) -> int | None:
        """Exclusive end of the last range (``None`` = open)."""
        return self.ranges[-1][1]

    def contains(self, ages: pd.Series) -> pd.Series:
        """Which ages belong to the group."""
        mask = pd.Series(False, index=ages.index)
        for lo, hi in self.ranges:
            mask |= (ages >= lo) & (ages < hi) if hi is not None else ages >= lo
        return mask


#: The partition: every age in exactly one group.
PARTITION: tuple[AgeGroup, ...] = (
    AgeGroup("kinder", "Kinder (0–9)", "Children (0–9)", ((0, 10),)),
    AgeGroup(
        "jugendliche", "Schulkinder und Jugendliche (10–17)", "School children and teenagers (10–17)", ((10, 18),)
    ),
    AgeGroup("bildungswanderer", "Bildungswanderer (18–24)", "Education movers (18–24)", ((18, 25),)),
    AgeGroup("berufseinsteiger", "Berufseinsteiger (25–29)", "Career starters (25–29)", ((25, 30),)),
    AgeGroup("familienwanderer", "Familienwanderer (30–44)", "Family movers (30–44)", ((30, 45),)),
    AgeGroup("lebensmitte", "Zweite Lebenshälfte (45–64)", "Second half of life (45–64)", ((45, 65),)),
    AgeGroup("senioren", "Senioren (65+)", "Older people (65+)", ((65, None),)),
)
_FAMILIES = AgeGroup(
    "familien",
    "Familien (Eltern 30–44 mit Kindern 0–9)",
    "Families (parents 30–44 with children 0–9)",
    ((0, 10), (30, 45)),
)
#: Every group a filter accepts: the partition and ``familien``.
AGE_GROUPS: dict[str, AgeGroup] = {g.id: g for g in (*PARTITION, _FAMILIES)}


def age_group(group_id: str) -> AgeGroup:
    """The group with this id; an unknown id is an :class:`InvalidInput` listing the valid ones."""
    try:
        return AGE_GROUPS[group_id]
    except KeyError:
        raise InvalidInput(f"unknown age group {group_id!r}; use one of {', '.join(AGE_GROUPS)}") from None


def assign_groups(ages: pd.Series) -> pd.Series:
    """The partition group id of each age (ages below 0 or missing give ``None``)."""
    edges = [g.start for g in PARTITION]
    idx = np.searchsorted(edges, ages.fillna(-1).to_numpy(), side="right") - 1
    ids = np.array([g.id for g in PARTITION], dtype=object)
    out = np.where(idx >= 0, ids[np.clip(idx, 0, None)], None)
    return pd.Series(out, index=ages.index, dtype=object)
