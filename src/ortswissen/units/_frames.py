"""Column schemas of the tables that cross the store port.

Unit versions travel as GeoDataFrames with :data:`UNIT_COLUMNS` (geometry in the project
CRS); values as Arrow tables or DataFrames with :data:`VALUE_COLUMNS`. The schemas are
checked at the port so an adapter never receives a half-formed frame.
"""

from __future__ import annotations

from collections.abc import Iterable

from ortswissen.errors import DefinitionError

__all__ = ["UNIT_COLUMNS", "require_columns"]

#: Columns of unit versions, in order.
UNIT_COLUMNS = [
    "level_id",
    "unit_id",
    "valid_from",
    "valid_to",
    "vintage_id",
    "name",
    "official_key",
    "parent_id",
    "attributes",
    "geometry",
]


def require_columns(columns: Iterable[str], needed: Iterable[str], what: str) -> None:
    """Raise :class:`DefinitionError` if any of ``needed`` is missing from ``columns``."""
    missing = [c for c in needed if c not in set(columns)]
    if missing:
        raise DefinitionError(f"{what} lacks the column(s) {', '.join(missing)}")
