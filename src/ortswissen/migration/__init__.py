"""Migration analysis (Wanderungsanalyse): moves in, out and within, OD matrices, net by age, flow lines.

Part of the pure core (no store, no I/O): everything works on the register's flow events
(a frame with the columns of :data:`EVENT_COLUMNS`) turned into moves by
:func:`moves_from_events`, plus mean populations. The services read both from the store;
see ``docs/migration.md`` for the definitions.

Example:
    >>> import pandas as pd
    >>> events = pd.DataFrame({"kind": ["move_in", "move_within"], "date": [None, None], "year": [2022, 2022],
    ...     "age": [22, 35], "sex": ["f", "m"], "nationality": ["de", "eu"], "origin_unit": [None, "A"],
    ...     "dest_unit": ["A", "B"], "other_region": ["PL", None]})
    >>> summary = unit_summary(moves_from_events(events))
    >>> summary[["unit_id", "moves_in", "internal_in", "internal_out", "net"]].to_numpy().tolist()
    [['A', 1, 0, 1, 0], ['B', 0, 1, 0, 1]]
"""

from ortswissen.migration._age import net_by_age
from ortswissen.migration._groups import AGE_GROUPS, PARTITION, AgeGroup, age_group, assign_groups
from ortswissen.migration._lines import flow_lines, flow_pairs
from ortswissen.migration._moves import EVENT_COLUMNS, MOVE_KINDS, OUTSIDE, UNKNOWN, moves_from_events
from ortswissen.migration._od import TOTAL, dense_od, filter_moves, od_matrix
from ortswissen.migration._summary import COUNT_COLUMNS, city_summary, per_thousand, unit_summary
from ortswissen.migration._suppress import SUPPRESS_BELOW, suppress_small

__all__ = [
    "AGE_GROUPS",
    "COUNT_COLUMNS",
    "EVENT_COLUMNS",
    "MOVE_KINDS",
    "OUTSIDE",
    "PARTITION",
    "SUPPRESS_BELOW",
    "TOTAL",
    "UNKNOWN",
    "AgeGroup",
    "age_group",
    "assign_groups",
    "city_summary",
    "dense_od",
    "filter_moves",
    "flow_lines",
    "flow_pairs",
    "moves_from_events",
    "net_by_age",
    "od_matrix",
    "per_thousand",
    "suppress_small",
    "unit_summary",
]
