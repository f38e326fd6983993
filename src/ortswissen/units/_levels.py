"""Spatial levels and their vintages (Gebietsstände).

A *level* is a kind of spatial unit: the city, its districts (Bezirke), planning areas,
statistical blocks, postcode areas, grid cells. Levels may nest (every planning area lies in
one district region) or not (postcode areas cut across districts). A level's units change
over time; each set of boundaries introduced together is a *vintage* (Gebietsstand), for
example Berlin's LOR 2006 and LOR 2021.

Examples
--------
>>> plr = Level("planungsraum", "Planungsraum", "Planning area", parent_id="bezirksregion",
...             key_width=8)
>>> plr.pad("1011101")
'01011101'
>>> Level("Bad Id", "x", "x")
Traceback (most recent call last):
...
ortswissen.errors.DefinitionError: level id 'Bad Id' must match ^[a-z][a-z0-9_]{0,62}$ ...
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ortswissen.errors import DefinitionError

__all__ = ["ID_PATTERN", "Level", "Vintage", "check_level_hierarchy", "validate_id"]

#: Pattern for ids of levels, vintages, indicators, georesources and crosswalks.
ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


def validate_id(value: str, what: str) -> str:
    """Return ``value`` if it is a valid machine id, else raise :class:`DefinitionError`.

    >>> validate_id("ew_insgesamt", "indicator")
    'ew_insgesamt'
    """
    if not isinstance(value, str) or not ID_PATTERN.fullmatch(value):  # fullmatch: "$" would accept "x\n"
        raise DefinitionError(
            f"{what} id {value!r} must match {ID_PATTERN.pattern} "
            "(lower-case letters, digits and underscores, starting with a letter)"
        )
    return value


@dataclass(frozen=True)
class Level:
    """A kind of spatial unit.

    Parameters
    ----------
    id
        Machine id, e.g. ``"planungsraum"``.
    name_de, name_en
        Display names in German and English.
    parent_id
        The next upper level, or ``None`` for a top level.
    nested
        ``True`` when every unit lies inside one unit of the parent level; ``False`` for
        levels such as postcode areas that cut across it (then ``parent_id`` only orders the
        levels and no unit has a parent).
    key_width
        Fixed width of all-digit unit ids, used to restore leading zeros lost by
        spreadsheet software (``1011101`` → ``01011101``).
    key_pattern
        Optional regular expression every unit id must match.
    """

    id: str
    name_de: str
    name_en: str
    parent_id: str | None = None
    nested: bool = True
    key_width: int | None = None
    key_pattern: str | None = None
    description: str = ""
    sort_order: int = 0

    def __post_init__(self) -> None:
        validate_id(self.id, "level")
        if self.parent_id is not None:
            validate_id(self.parent_id, "parent level")
            if self.parent_id == self.id:
                raise DefinitionError(f"level {self.id!r} cannot be its own parent")
        if not self.name_de.strip() or not self.name_en.strip():
            raise DefinitionError(f"level {self.id!r} needs a German and an English name")
        if self.key_width is not None and not 1 <= self.key_width <= 64:
            raise DefinitionError(f"level {self.id!r}: key_width must be between 1 and 64")
        if self.key_pattern is not None:
            try:
                re.compile(self.key_pattern)
            except re.error as exc:
                raise DefinitionError(f"level {self.id!r}: invalid key_pattern: {exc}") from exc

    def pad(self, unit_id: str) -> str:
        """Restore leading zeros of an all-digit id shorter than ``key_width``."""
        if self.key_width and unit_id.isdigit() and len(unit_id) < self.key_width:
            return unit_id.zfill(self.key_width)
        return unit_id

    def key_problem(self, unit_id: str) -> str | None:
        """Why ``unit_id`` is not a valid key of this level, or ``None`` if it is."""
        if not unit_id:
            return "the id is empty"
        if self.key_pattern and not re.fullmatch(self.key_pattern, unit_id):
            return f"id {unit_id!r} does not match the level's key pattern {self.key_pattern}"
        if self.key_width and unit_id.isdigit() and len(unit_id) != self.key_width:
            return f"id {unit_id!r} has {len(unit_id)} digits; level {self.id!r} uses {self.key_width}"
        return None


@dataclass(frozen=True)
class Vintage:
    """A named set of boundaries of one level introduced together (a Gebietsstand).

    Its period is not stored: it runs from the first ``valid_from`` to the last
    ``valid_to`` of the unit versions that belong to it.
    """

    level_id: str
    id: str
    label_de: str
    label_en: str
    source: str = ""
    note: str = ""

    def __post_init__(self) -> None:
        validate_id(self.level_id, "level")
        validate_id(self.id, "vintage")


def check_level_hierarchy(levels: Iterable[Level]) -> None:
    """Raise :class:`DefinitionError` if parents are unknown or form a cycle.

    >>> check_level_hierarchy([Level("a", "A", "A", parent_id="b"), Level("b", "B", "B", parent_id="a")])
    Traceback (most recent call last):
    ...
    ortswissen.errors.DefinitionError: level hierarchy has a cycle: a → b → a
    """
    by_id: Mapping[str, Level] = {lvl.id: lvl for lvl in levels}
    for level in by_id.values():
        if level.parent_id is not None and level.parent_id not in by_id:
            raise DefinitionError(f"level {level.id!r} names unknown parent level {level.parent_id!r}")
    for start in by_id:
        seen = [start]
        current = by_id[start].parent_id
        while current is not None:
            if current in seen:
                path = " → ".join([*seen[seen.index(current) :], current])
                raise DefinitionError(f"level hierarchy has a cycle: {path}")
            seen.append(current)
            current = by_id[current].parent_id
