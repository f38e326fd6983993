"""Net migration by age group for one unit or the whole city.

For a unit, ``moves_in`` counts every move into it from elsewhere (outside the city or
another unit) and ``moves_out`` every move away from it; moves inside the unit do not cross
its border. For the whole city only moves across the city boundary count.

Examples
--------
>>> moves = pd.DataFrame({"age": [20, 21, 33, 70], "year": [2022] * 4,
...     "origin": ["outside", "B", "A", "A"], "destination": ["A", "A", "outside", "A"]})
>>> rows = net_by_age(moves, unit="A").set_index("group")
>>> rows.loc["bildungswanderer", ["moves_in", "moves_out", "net"]].tolist()
[2, 0, 2]
>>> net_by_age(moves).set_index("group").loc["familienwanderer", "net"]
np.int64(-1)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ortswissen.migration._groups import PARTITION, assign_groups
from ortswissen.migration._moves import OUTSIDE
from ortswissen.migration._summary import per_thousand

__all__ = ["net_by_age"]


def net_by_age(moves: pd.DataFrame, *, unit: str | None = None, population: pd.Series | None = None) -> pd.DataFrame:
    """One row per age group: ``group, label_de, label_en, from, to, moves_in, moves_out, net``, ``population``, rate.

    ``unit`` ``None`` means the whole city; ``population`` maps group id → mean population of
    the group (the rate is ``1000 × net / population``; NaN without a population).
    """
    origin, dest = moves["origin"], moves["destination"]
    if unit is None:
        into, away = origin == OUTSIDE, dest == OUTSIDE
    else:
        into, away = (dest == unit) & (origin != unit), (origin == unit) & (dest != unit)
    groups = assign_groups(moves["age"])
    ids = [g.id for g in PARTITION]
    moves_in = groups[into.to_numpy()].value_counts().reindex(ids, fill_value=0)
    moves_out = groups[away.to_numpy()].value_counts().reindex(ids, fill_value=0)
    table = pd.DataFrame(
        {
            "group": ids,
            "label_de": [g.label_de for g in PARTITION],
            "label_en": [g.label_en for g in PARTITION],
            "from": [g.start for g in PARTITION],
            "to": pd.array([g.end for g in PARTITION], dtype="Int64"),
            "moves_in": moves_in.to_numpy().astype("int64"),
            "moves_out": moves_out.to_numpy().astype("int64"),
        }
    )
    table["net"] = table["moves_in"] - table["moves_out"]
    pop = population.reindex(ids).to_numpy(dtype=float) if population is not None else np.full(len(ids), np.nan)
    table["population"] = pop
    table["rate_per_1000"] = per_thousand(table["net"], table["population"])
    return table
