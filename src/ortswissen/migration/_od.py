"""Origin–destination matrices between the units of a level (and outside the city).

Sparse form: one row per ``origin, destination`` pair with ``count`` (pairs without moves
are absent). The diagonal (``origin == destination``) holds the moves within a unit; moves
across the city boundary have :data:`~ortswissen.migration.OUTSIDE` as origin or
destination. :func:`dense_od` turns the sparse form into a square table for spreadsheets.

Examples
--------
>>> moves = pd.DataFrame({"year": [2021, 2022, 2022, 2022], "age": [20, 35, 5, 70],
...     "origin": ["A", "A", "A", "outside"], "destination": ["B", "B", "B", "A"]})
>>> od_matrix(moves, years=(2022, 2022)).to_dict("records")
[{'origin': 'A', 'destination': 'B', 'count': 2}, {'origin': 'outside', 'destination': 'A', 'count': 1}]
>>> od_matrix(moves, age_group="familien")["count"].tolist()
[2]
>>> dense_od(od_matrix(moves), ["A", "B"]).loc[["A", "outside", "total"], ["A", "B", "total"]].to_numpy().tolist()
[[0, 3, 3], [1, 0, 1], [1, 3, 4]]
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from ortswissen.errors import InvalidInput
from ortswissen.migration._groups import age_group as get_age_group
from ortswissen.migration._moves import OUTSIDE, UNKNOWN

__all__ = ["TOTAL", "dense_od", "filter_moves", "od_matrix"]

#: Label of the margin row and column of :func:`dense_od`.
TOTAL = "total"


def filter_moves(
    moves: pd.DataFrame, *, years: tuple[int, int] | None = None, age_group: str | None = None
) -> pd.DataFrame:
    """Moves of the years ``first..last`` (inclusive) and of one age group (see ``AGE_GROUPS``)."""
    if years is not None:
        first, last = years
        if first > last:
            raise InvalidInput(f"year range {first}–{last} runs backwards")
        moves = moves[(moves["year"] >= first) & (moves["year"] <= last)]
    if age_group:
        moves = moves[get_age_group(age_group).contains(moves["age"]).to_numpy()]
    return moves


def od_matrix(
    moves: pd.DataFrame,
    *,
    years: tuple[int, int] | None = None,
    age_group: str | None = None,
    include_within: bool = True,
) -> pd.DataFrame:
    """Sparse OD matrix ``origin, destination, count``, largest flows first (ties by origin, destination)."""
    moves = filter_moves(moves, years=years, age_group=age_group)
    if not include_within:
        moves = moves[moves["origin"] != moves["destination"]]
    counts = moves.groupby(["origin", "destination"]).size().rename("count").reset_index()
    counts["count"] = counts["count"].astype("int64")
    return counts.sort_values(
        ["count", "origin", "destination"], ascending=[False, True, True], kind="stable"
    ).reset_index(drop=True)


def dense_od(sparse: pd.DataFrame, units: Sequence[str]) -> pd.DataFrame:
    """Square matrix: rows origins, columns destinations (``units``, then outside, unknown if any, total).

    Pairs whose unit is not in ``units`` (nor outside/unknown) raise :class:`InvalidInput`.
    """
    labels = [*units, OUTSIDE]
    if (sparse["origin"] == UNKNOWN).any() or (sparse["destination"] == UNKNOWN).any():
        labels.append(UNKNOWN)
    stray = sorted((set(sparse["origin"]) | set(sparse["destination"])) - set(labels))
    if stray:
        raise InvalidInput(f"OD pairs name units outside the matrix: {', '.join(map(str, stray[:10]))}")
    dense = sparse.pivot_table(index="origin", columns="destination", values="count", aggfunc="sum", fill_value=0)
    dense = dense.reindex(index=labels, columns=labels, fill_value=0).fillna(0).astype("int64")
    dense[TOTAL] = dense.sum(axis=1)
    dense.loc[TOTAL] = dense.sum(axis=0)
    dense.index.name = "origin"
    dense.columns.name = "destination"
    return dense
