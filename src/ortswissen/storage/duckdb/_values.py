"""Writing the long value table in DuckDB: staged, then made visible atomically.

An import's batches are appended to ``indicator_values_all`` in large autocommitted chunks
on a connection of the writer's own, tagged with the import id and their source rows. The
rows stay invisible (the ``indicator_values`` view only admits rows of imports recorded in
``imports``) and the import is listed in ``pending_imports``. So a file of any size streams
with bounded memory: DuckDB keeps uncommitted appends in memory, committed ones on disk.

:meth:`DuckDBValueWriter.finish` runs inside the store's transaction, which must begin after
the staging: it deletes older values with the same keys and the caller records the import in
the same transaction — the values appear all at once or not at all. :meth:`discard` (or the
next writable open after a crash) removes the rows of an import that never finished.

Inserts run in a background thread while the next batches are validated (DuckDB releases
the GIL); duplicate keys are found by grouping on a 64-bit hash, confirmed on the full key.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import duckdb
import pyarrow as pa

from ortswissen.errors import DefinitionError, StoreError
from ortswissen.ports import VALUE_BATCH_SCHEMA, DuplicateKey

if TYPE_CHECKING:
    from ortswissen.storage.duckdb._store import DuckDBStore

__all__ = ["DuckDBValueWriter", "purge_pending"]

_KEY = ("indicator_id", "level_id", "unit_id", "unit_valid_from", "date", "scenario")
_KEYS = ", ".join(_KEY)
_FLUSH_ROWS = 500_000


def purge_pending(con: duckdb.DuckDBPyConnection) -> int:
    """Remove the staged rows of imports that never finished (after a crash); returns their number."""
    pending = [r[0] for r in con.execute("SELECT import_id FROM pending_imports").fetchall()]
    for import_id in pending:
        con.execute("DELETE FROM indicator_values_all WHERE import_id = ?", [import_id])
        con.execute("DELETE FROM pending_imports WHERE import_id = ?", [import_id])
    return len(pending)


class DuckDBValueWriter:
    """Stages the values of one import and makes them visible in one transaction."""

    def __init__(self, store: DuckDBStore, import_id: str, connection: duckdb.DuckDBPyConnection | None = None) -> None:
        self._store = store
        self._import_id = import_id
        self._rows = 0
        self._pending: list[pa.Table] = []
        self._pending_rows = 0
        self._pool: ThreadPoolExecutor | None = None
        self._inflight: Future[None] | None = None
        self._done = False
        self._error: BaseException | None = None
        self._con = connection if connection is not None else store.staging_connection()
        self._con.execute(
            "INSERT INTO pending_imports VALUES (?, ?)", [import_id, datetime.now(UTC).replace(tzinfo=None)]
        )
        store.track_writer(self)

    def add(self, batch: pa.Table) -> None:
        """Stage a batch with :data:`~ortswissen.ports.VALUE_BATCH_SCHEMA` (outside transactions)."""
        if batch.schema.names != VALUE_BATCH_SCHEMA.names:
            raise DefinitionError(f"value batch columns {batch.schema.names} != {VALUE_BATCH_SCHEMA.names}")
        if self._store.in_transaction():
            raise StoreError("value batches are staged outside transactions; call finish() inside one")
        if batch.num_rows == 0:
            return
        self._pending.append(batch)
        self._pending_rows += batch.num_rows
        if self._pending_rows >= _FLUSH_ROWS:
            self._flush()

    def add_query(self, sql: str) -> int:
        """Stage the rows of a query on this writer's connection (the engine's); returns their number.

        The query yields ``indicator_id, level_id, unit_id, unit_valid_from, date, scenario,
        value, status, flag``; the rows get this import's id and no source row.
        """
        if self._store.in_transaction():
            raise StoreError("value rows are staged outside transactions; call finish() inside one")
        self._flush()
        self.wait()
        # run the query to Arrow first, then insert from it: DuckDB inserts a plain scan in
        # parallel, but an INSERT fed straight by a large union of joins takes about twice as long
        rows = self._con.execute(sql).to_arrow_table()
        self._con.register("_ortswissen_rows", rows)
        try:
            row = self._con.execute(
                "INSERT INTO indicator_values_all "
                "SELECT indicator_id, level_id, unit_id, unit_valid_from, date, scenario, value, status, flag, "
                "? AS import_id, NULL AS source_row FROM _ortswissen_rows",
                [self._import_id],
            ).fetchone()
        finally:
            self._con.unregister("_ortswissen_rows")
        added = int(row[0]) if row else 0
        self._rows += added
        return added

    def staged_counts(self) -> dict[str, int]:
        """Rows staged so far per indicator."""
        self._flush()
        self.wait()
        rows = self._con.execute(
            "SELECT indicator_id, count(*) FROM indicator_values_all WHERE import_id = ? GROUP BY 1",
            [self._import_id],
        ).fetchall()
        return {str(r[0]): int(r[1]) for r in rows}

    def _flush(self) -> None:
        """Hand the queued batches to the background insert (after the previous one finished)."""
        if not self._pending:
            return
        table = pa.concat_tables(self._pending)
        self._pending, self._pending_rows = [], 0
        self.wait()
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ortswissen-insert")
        self._inflight = self._pool.submit(self._insert, table)
        self._rows += table.num_rows

    def _insert(self, table: pa.Table) -> None:
        self._con.register("_ortswissen_batch", table)
        try:
            self._con.execute(
                "INSERT INTO indicator_values_all "
                "SELECT indicator_id, level_id, unit_id, unit_valid_from, date, scenario, value, status, flag, "
                "? AS import_id, source_row FROM _ortswissen_batch",
                [self._import_id],
            )
        finally:
            self._con.unregister("_ortswissen_batch")

    def wait(self) -> None:
        """Wait for the background insert; re-raise its error (now and at every later step)."""
        if self._error is not None:
            raise self._error
        if self._inflight is not None:
            inflight, self._inflight = self._inflight, None
            try:
                inflight.result()
            except BaseException as exc:
                self._error = exc
                raise

    def sync(self) -> None:
        """Commit everything staged so far (called before the store begins a transaction)."""
        self._flush()
        self.wait()

    def duplicates(self, limit: int = 50) -> tuple[int, list[DuplicateKey]]:
        """Keys that occur more than once in this import (outside transactions)."""
        self._flush()
        self.wait()
        con = self._con
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _ortswissen_dup_hashes AS "
            f"SELECT hash({_KEYS}) AS h FROM indicator_values_all WHERE import_id = ? GROUP BY h HAVING count(*) > 1",
            [self._import_id],
        )
        row = con.execute("SELECT count(*) FROM _ortswissen_dup_hashes").fetchone()
        if not row or not row[0]:
            con.execute("DROP TABLE _ortswissen_dup_hashes")
            return 0, []
        con.execute(  # confirm on the full key: a hash collision is not a duplicate
            f"CREATE OR REPLACE TEMP TABLE _ortswissen_dups AS SELECT {_KEYS}, "
            "list(source_row ORDER BY source_row) AS rows FROM indicator_values_all "
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
        """Inside the store's transaction: replace older values with the same keys; (written, replaced).

        The values become visible when the caller records the import in the same transaction.
        """
        if self._pending or self._inflight is not None:
            raise StoreError("staged rows are not committed yet: begin the transaction after the last add()")
        self.wait()
        con = self._store.write_connection()
        con.execute("DELETE FROM pending_imports WHERE import_id = ?", [self._import_id])
        self._done = True
        overlap = con.execute(
            "SELECT 1 FROM indicator_values o JOIN "
            "(SELECT DISTINCT indicator_id, level_id, date FROM indicator_values_all WHERE import_id = ?) n "
            "USING (indicator_id, level_id, date) LIMIT 1",
            [self._import_id],
        ).fetchone()
        if overlap is None:
            return self._rows, 0
        cond = " AND ".join(f"o.{k} = n.{k}" for k in _KEY)
        result = con.execute(
            f"DELETE FROM indicator_values_all AS o USING "
            f"(SELECT DISTINCT {_KEYS} FROM indicator_values_all WHERE import_id = ?) AS n "
            f"WHERE o.import_id IN (SELECT import_id FROM imports) AND {cond}",
            [self._import_id],
        ).fetchone()
        return self._rows, int(result[0]) if result else 0

    def discard(self) -> None:
        """Remove the staged rows unless :meth:`finish` ran in a committed transaction."""
        self.close()
        self._store.untrack_writer(self)
        try:
            recorded = self._con.execute("SELECT 1 FROM imports WHERE import_id = ?", [self._import_id]).fetchone()
            if recorded is None:
                self._con.execute("DELETE FROM indicator_values_all WHERE import_id = ?", [self._import_id])
                self._con.execute("DELETE FROM pending_imports WHERE import_id = ?", [self._import_id])
        except duckdb.Error:  # the store is closing; the next writable open purges the rows
            pass

    def close(self) -> None:
        """Wait for any insert in flight and stop the thread; an error is kept for the next step."""
        try:
            self.wait()
        except Exception:  # kept in self._error: duplicates() and finish() raise it
            pass
        finally:
            if self._pool is not None:
                self._pool.shutdown(wait=True)
                self._pool = None
