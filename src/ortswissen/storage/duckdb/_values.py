"""Writing and reading the long value table in DuckDB.

An import streams its batches straight into ``indicator_values`` tagged with its import id
and source rows, inside the import's transaction. Duplicate keys within the import are then
found with one GROUP BY; older values with the same keys are replaced with one DELETE … USING.
If anything fails, the transaction rolls back and the table is as before.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyarrow as pa

from ortswissen.errors import DefinitionError
from ortswissen.ports import VALUE_BATCH_SCHEMA, DuplicateKey

if TYPE_CHECKING:
    from ortswissen.storage.duckdb._store import DuckDBStore

__all__ = ["DuckDBValueWriter"]

_KEY = ("indicator_id", "level_id", "unit_id", "unit_valid_from", "date", "scenario")


class DuckDBValueWriter:
    """Streams the values of one import into the store."""

    def __init__(self, store: DuckDBStore, import_id: str) -> None:
        self._store = store
        self._import_id = import_id
        self._rows = 0

    def add(self, batch: pa.Table) -> None:
        """Insert a batch with :data:`~ortswissen.ports.VALUE_BATCH_SCHEMA`."""
        if batch.schema.names != VALUE_BATCH_SCHEMA.names:
            raise DefinitionError(f"value batch columns {batch.schema.names} != {VALUE_BATCH_SCHEMA.names}")
        if batch.num_rows == 0:
            return
        con = self._store.write_connection()
        con.register("_ortswissen_batch", batch)
        try:
            con.execute(
                "INSERT INTO indicator_values "
                "SELECT indicator_id, level_id, unit_id, unit_valid_from, date, scenario, value, status, flag, "
                "? AS import_id, source_row FROM _ortswissen_batch",
                [self._import_id],
            )
        finally:
            con.unregister("_ortswissen_batch")
        self._rows += batch.num_rows

    def duplicates(self, limit: int = 50) -> tuple[int, list[DuplicateKey]]:
        """Keys that occur more than once in this import."""
        con = self._store.write_connection()
        keys = ", ".join(_KEY)
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE _ortswissen_dups AS SELECT {keys}, "
            "list(source_row ORDER BY source_row) AS rows FROM indicator_values WHERE import_id = ? "
            f"GROUP BY {keys} HAVING count(*) > 1",
            [self._import_id],
        )
        row = con.execute("SELECT count(*) FROM _ortswissen_dups").fetchone()
        total = int(row[0]) if row else 0
        found = con.execute(
            "SELECT indicator_id, unit_id, date, scenario, rows FROM _ortswissen_dups ORDER BY rows[1] LIMIT ?",
            [limit],
        ).fetchall()
        con.execute("DROP TABLE _ortswissen_dups")
        return total, [DuplicateKey(r[0], r[1], r[2], r[3], tuple(int(x) for x in r[4])) for r in found]

    def finish(self) -> tuple[int, int]:
        """Delete older values with the same keys as this import's; returns (written, replaced)."""
        con = self._store.write_connection()
        cond = " AND ".join(f"o.{k} = n.{k}" for k in _KEY)
        keys = ", ".join(_KEY)
        result = con.execute(
            f"DELETE FROM indicator_values AS o USING "
            f"(SELECT DISTINCT {keys} FROM indicator_values WHERE import_id = ?) AS n "
            f"WHERE o.import_id <> ? AND {cond}",
            [self._import_id, self._import_id],
        ).fetchone()
        replaced = int(result[0]) if result else 0
        return self._rows, replaced
