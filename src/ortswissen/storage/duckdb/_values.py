"""Writing the long value table in DuckDB.

An import streams its batches into ``indicator_values`` tagged with its import id and source
rows, inside the import's transaction. Batches are buffered into large INSERTs (a DuckDB
statement has a fixed cost that dominates small batches). Duplicate keys within the import
are found by grouping on a 64-bit hash of the key and confirmed on the full key. Older
values with the same keys are deleted only if some earlier value shares one of the import's
(indicator, level, date) combinations at all. If anything fails, the transaction rolls back
and the table is as before.
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
_KEYS = ", ".join(_KEY)
_FLUSH_ROWS = 1_000_000


class DuckDBValueWriter:
    """Streams the values of one import into the store."""

    def __init__(self, store: DuckDBStore, import_id: str) -> None:
        self._store = store
        self._import_id = import_id
        self._rows = 0
        self._pending: list[pa.Table] = []
        self._pending_rows = 0

    def add(self, batch: pa.Table) -> None:
        """Queue a batch with :data:`~ortswissen.ports.VALUE_BATCH_SCHEMA` (inserted in large chunks)."""
        if batch.schema.names != VALUE_BATCH_SCHEMA.names:
            raise DefinitionError(f"value batch columns {batch.schema.names} != {VALUE_BATCH_SCHEMA.names}")
        self._store.write_connection()  # refuse writes outside a transaction at once
        if batch.num_rows == 0:
            return
        self._pending.append(batch)
        self._pending_rows += batch.num_rows
        if self._pending_rows >= _FLUSH_ROWS:
            self._flush()

    def _flush(self) -> None:
        if not self._pending:
            return
        con = self._store.write_connection()
        table = pa.concat_tables(self._pending)
        self._pending, self._pending_rows = [], 0
        con.register("_ortswissen_batch", table)
        try:
            con.execute(
                "INSERT INTO indicator_values "
                "SELECT indicator_id, level_id, unit_id, unit_valid_from, date, scenario, value, status, flag, "
                "? AS import_id, source_row FROM _ortswissen_batch",
                [self._import_id],
            )
        finally:
            con.unregister("_ortswissen_batch")
        self._rows += table.num_rows

    def duplicates(self, limit: int = 50) -> tuple[int, list[DuplicateKey]]:
        """Keys that occur more than once in this import."""
        self._flush()
        con = self._store.write_connection()
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _ortswissen_dup_hashes AS "
            f"SELECT hash({_KEYS}) AS h FROM indicator_values WHERE import_id = ? GROUP BY h HAVING count(*) > 1",
            [self._import_id],
        )
        row = con.execute("SELECT count(*) FROM _ortswissen_dup_hashes").fetchone()
        if not row or not row[0]:
            con.execute("DROP TABLE _ortswissen_dup_hashes")
            return 0, []
        # confirm on the full key (a hash collision is not a duplicate)
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE _ortswissen_dups AS SELECT {_KEYS}, "
            "list(source_row ORDER BY source_row) AS rows FROM indicator_values "
            f"WHERE import_id = ? AND hash({_KEYS}) IN (SELECT h FROM _ortswissen_dup_hashes) "
            f"GROUP BY {_KEYS} HAVING count(*) > 1",
            [self._import_id],
        )
        row = con.execute("SELECT count(*) FROM _ortswissen_dups").fetchone()
        total = int(row[0]) if row else 0
        found = con.execute(
            "SELECT indicator_id, unit_id, date, scenario, rows FROM _ortswissen_dups ORDER BY rows[1] LIMIT ?",
            [limit],
        ).fetchall()
        con.execute("DROP TABLE _ortswissen_dups")
        con.execute("DROP TABLE _ortswissen_dup_hashes")
        return total, [DuplicateKey(r[0], r[1], r[2], r[3], tuple(int(x) for x in r[4])) for r in found]

    def finish(self) -> tuple[int, int]:
        """Delete older values with the same keys as this import's; returns (written, replaced)."""
        self._flush()
        con = self._store.write_connection()
        overlap = con.execute(
            "SELECT 1 FROM indicator_values o JOIN "
            "(SELECT DISTINCT indicator_id, level_id, date FROM indicator_values WHERE import_id = ?) n "
            "USING (indicator_id, level_id, date) WHERE o.import_id <> ? LIMIT 1",
            [self._import_id, self._import_id],
        ).fetchone()
        if overlap is None:
            return self._rows, 0
        cond = " AND ".join(f"o.{k} = n.{k}" for k in _KEY)
        result = con.execute(
            f"DELETE FROM indicator_values AS o USING "
            f"(SELECT DISTINCT {_KEYS} FROM indicator_values WHERE import_id = ?) AS n "
            f"WHERE o.import_id <> ? AND {cond}",
            [self._import_id, self._import_id],
        ).fetchone()
        replaced = int(result[0]) if result else 0
        return self._rows, replaced
