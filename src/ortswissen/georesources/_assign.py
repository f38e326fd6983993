"""Which unit a feature lies in, and on which days: resolving spatial hits into assignments.

A spatial join gives *hits*: feature versions intersecting unit versions. An assignment is
a hit restricted to the days both are valid. Lines and areas may lie in several units at
once (their measures are split by geometry later). A point must count in exactly one unit
per level on any day; a point exactly on a shared boundary hits two units, so for such
points time is cut at every change of the candidate set and in each segment the unit with
the smallest id wins.

Examples
--------
>>> import datetime as dt, pandas as pd
>>> D = dt.date
>>> hits = pd.DataFrame({
...     "georesource_id": "k", "feature_id": "p", "feature_valid_from": D(2015, 1, 1), "feature_valid_to": None,
...     "level_id": "q", "unit_id": ["a", "b", "d"],
...     "unit_valid_from": [D(2015, 1, 1), D(2015, 1, 1), D(2021, 1, 1)],
...     "unit_valid_to": [D(2020, 12, 31), None, None], "is_point": True})
>>> out = resolve_assignments(hits)
>>> [(r.unit_id, str(r.valid_from), str(r.valid_to)) for r in out.itertuples()]
[('a', '2015-01-01', '2020-12-31'), ('b', '2021-01-01', 'None')]
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from ortswissen.units._validity import END_OF_TIME

__all__ = ["ASSIGNMENT_COLUMNS", "resolve_assignments"]

#: Columns of an assignment table.
ASSIGNMENT_COLUMNS = [
    "georesource_id",
    "feature_id",
    "feature_valid_from",
    "level_id",
    "unit_id",
    "unit_valid_from",
    "valid_from",
    "valid_to",
]

_GROUP = ["georesource_id", "feature_id", "feature_valid_from", "level_id"]


def _end(value: object) -> dt.date:
    return END_OF_TIME if value is None or pd.isna(value) else value  # type: ignore[return-value]


def resolve_assignments(hits: pd.DataFrame) -> pd.DataFrame:
    """Assignments (:data:`ASSIGNMENT_COLUMNS`) from spatial hits with both validities and ``is_point``."""
    if hits.empty:
        return pd.DataFrame(columns=ASSIGNMENT_COLUMNS)
    frame = hits.copy()
    frame["f_end"] = frame["feature_valid_to"].map(_end)
    frame["u_end"] = frame["unit_valid_to"].map(_end)
    frame["valid_from"] = frame[["feature_valid_from", "unit_valid_from"]].max(axis=1)
    frame["end"] = frame[["f_end", "u_end"]].min(axis=1)
    frame = frame[frame["valid_from"] <= frame["end"]]
    crowded = frame["is_point"] & frame.duplicated(_GROUP, keep=False)
    out = [frame[~crowded]]
    for _, group in frame[crowded].groupby(_GROUP, sort=False):
        out.append(_split(group))
    result = pd.concat(out, ignore_index=True)
    result["valid_to"] = [None if e == END_OF_TIME else e for e in result["end"]]
    return result[ASSIGNMENT_COLUMNS].sort_values([*_GROUP, "valid_from"]).reset_index(drop=True)


def _split(group: pd.DataFrame) -> pd.DataFrame:
    """One unit per day for a point lying on the boundary of several units."""
    cuts = sorted(set(group["valid_from"]) | {e + dt.timedelta(days=1) for e in group["end"] if e != END_OF_TIME})
    rows = []
    for i, start in enumerate(cuts):
        stop = cuts[i + 1] - dt.timedelta(days=1) if i + 1 < len(cuts) else END_OF_TIME
        live = group[(group["valid_from"] <= start) & (group["end"] >= start)]
        if live.empty:
            continue
        pick = live.sort_values("unit_id").iloc[0]
        if (
            rows
            and rows[-1]["unit_id"] == pick["unit_id"]
            and rows[-1]["unit_valid_from"] == pick["unit_valid_from"]
            and rows[-1]["end"] + dt.timedelta(days=1) == start
        ):
            rows[-1]["end"] = stop
            continue
        row = pick.to_dict()
        row["valid_from"], row["end"] = start, stop
        rows.append(row)
    return pd.DataFrame(rows)
