"""Moves from register flow events: origin and destination of every migration case.

The register service gives person-level events (``kind, date, year, age, sex, nationality,
origin_unit, dest_unit, other_region``). Migration analysis needs only the moves:
``move_in`` (from outside the city), ``move_out`` (to outside) and ``move_within`` (an
Umzug inside the city). :func:`moves_from_events` turns them into one row per case with
``origin`` and ``destination`` units, where :data:`OUTSIDE` stands for anywhere outside the
city and :data:`UNKNOWN` for an address inside the city that lies in no unit of the level.
Births and deaths are not migration and are left out.

Examples
--------
>>> events = pd.DataFrame({
...     "kind": ["move_in", "move_within", "move_out", "birth"],
...     "date": pd.to_datetime(["2022-03-01"] * 4).date, "year": [2022] * 4, "age": [23, 31, 40, 0],
...     "sex": ["f", "m", "f", "m"], "nationality": ["de"] * 4,
...     "origin_unit": [None, "A", "B", None], "dest_unit": ["A", "B", None, "A"],
...     "other_region": ["09162000", None, "PL", None]})
>>> moves_from_events(events)[["year", "age", "origin", "destination"]].to_records(index=False).tolist()
[(2022, 23, 'outside', 'A'), (2022, 31, 'A', 'B'), (2022, 40, 'B', 'outside')]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ortswissen.errors import InvalidInput

__all__ = ["EVENT_COLUMNS", "MOVE_KINDS", "OUTSIDE", "UNKNOWN", "moves_from_events"]

#: Columns of the register's flow events (CONTRACTS.md §3).
EVENT_COLUMNS = ("kind", "date", "year", "age", "sex", "nationality", "origin_unit", "dest_unit", "other_region")
#: Event kinds that are migration cases.
MOVE_KINDS = ("move_in", "move_out", "move_within")
_ALL_KINDS = ("birth", "death", *MOVE_KINDS)
#: Origin of moves in and destination of moves out: anywhere outside the city.
OUTSIDE = "outside"
#: A side of an internal move whose address lies in no unit of the level.
UNKNOWN = "unknown"


def moves_from_events(events: pd.DataFrame) -> pd.DataFrame:
    """One row per move: ``year, age, sex, nationality, origin, destination`` (births and deaths dropped).

    Raises :class:`InvalidInput` when a contract column is missing or a kind is unknown.
    """
    missing = [c for c in EVENT_COLUMNS if c not in events.columns]
    if missing:
        raise InvalidInput(f"flow events lack the column(s) {', '.join(missing)}; expected {', '.join(EVENT_COLUMNS)}")
    kinds = events["kind"].astype(object)
    bad = sorted(set(kinds.dropna().unique()) - set(_ALL_KINDS))
    if bad or kinds.isna().any():
        shown = ", ".join(map(repr, bad)) or "an empty kind"
        raise InvalidInput(f"flow events with unknown kind {shown}; expected {', '.join(_ALL_KINDS)}")
    frame = events.loc[kinds.isin(MOVE_KINDS).to_numpy()]
    kind = frame["kind"].to_numpy()
    origin_unit = frame["origin_unit"].astype(object)
    dest_unit = frame["dest_unit"].astype(object)
    origin = np.where(kind == "move_in", OUTSIDE, origin_unit.where(origin_unit.notna(), UNKNOWN).to_numpy())
    destination = np.where(kind == "move_out", OUTSIDE, dest_unit.where(dest_unit.notna(), UNKNOWN).to_numpy())
    return pd.DataFrame(
        {
            "year": frame["year"].astype("int64").to_numpy(),
            "age": pd.to_numeric(frame["age"]).to_numpy(),
            "sex": frame["sex"].to_numpy(),
            "nationality": frame["nationality"].to_numpy(),
            "origin": origin.astype(object),
            "destination": destination.astype(object),
        }
    )
