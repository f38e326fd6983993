"""Writing values a service derived (crosswalks, projections, register aggregates) as one import.

Every such writer builds the same Arrow batch and runs the same protocol: stage, refuse
duplicate keys, then finish and record the import in one transaction (all or nothing).

Example:
    >>> import datetime as dt
    >>> frame = pd.DataFrame({"indicator_id": ["pop"], "level_id": ["q"], "unit_id": ["a"],
    ...     "unit_valid_from": [dt.date(2015, 1, 1)], "date": [dt.date(2030, 12, 31)],
    ...     "scenario": ["medium"], "value": [12.5], "status": ["projected"], "flag": [None]})
    >>> value_batch(frame).num_rows
    1
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa

from ortswissen.errors import InvalidInput
from ortswissen.ports import VALUE_BATCH_SCHEMA, ImportRecord, Store

__all__ = ["value_batch", "write_derived_import"]


def value_batch(frame: pd.DataFrame) -> pa.Table:
    """A store batch from ``indicator_id, level_id, unit_id, unit_valid_from, date, scenario, value, status, flag``."""
    n = len(frame)
    return pa.table(
        [
            pa.array(frame["indicator_id"], type=pa.string()),
            pa.array(frame["level_id"], type=pa.string()),
            pa.array(frame["unit_id"], type=pa.string()),
            pa.array(list(frame["unit_valid_from"]), type=pa.date32()),
            pa.array(list(frame["date"]), type=pa.date32()),
            pa.array(frame["scenario"], type=pa.string()),
            pa.array(frame["value"].astype(float), type=pa.float64(), from_pandas=True),
            pa.array(frame["status"], type=pa.string()),
            pa.array(frame["flag"], type=pa.string(), from_pandas=True),
            pa.array(np.zeros(n, dtype=np.int64)),
        ],
        schema=VALUE_BATCH_SCHEMA,
    )


def write_derived_import(
    store: Store, import_id: str, batch: pa.Table, record: Callable[[int, int], ImportRecord], *, what: str
) -> tuple[int, int]:
    """Stage ``batch``, refuse duplicate keys, then finish and record ``record(written, replaced)`` at once.

    ``what`` names the producer in the error (``"the projection"``). Returns written, replaced.
    """
    writer = store.value_writer(import_id)
    try:
        writer.add(batch)
        total, _ = writer.duplicates(limit=1)
        if total:
            raise InvalidInput(f"{what} produced {total} duplicate value key(s)")
        with store.transaction():
            written, replaced = writer.finish()
            store.record_import(record(written, replaced))
    finally:
        writer.discard()
    return written, replaced
