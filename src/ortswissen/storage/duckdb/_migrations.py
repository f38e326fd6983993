"""Schema versioning of the DuckDB store.

Migrations are the numbered SQL files in ``migrations/`` (``0001_initial.sql``, …). The
table ``schema_migrations`` records which were applied. Each migration runs in its own
transaction. A store whose schema is newer than this code is refused rather than guessed at.
"""

from __future__ import annotations

import importlib.resources
import re
from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb

from ortswissen.errors import SchemaVersionError

__all__ = ["Migration", "applied_versions", "available_migrations", "migrate", "pending_migrations"]

_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True)
class Migration:
    """One numbered schema change."""

    version: int
    name: str
    sql: str


def available_migrations() -> list[Migration]:
    """All migrations shipped with this version, in order."""
    folder = importlib.resources.files("ortswissen.storage.duckdb") / "migrations"
    found = []
    for entry in folder.iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), match.group(2), entry.read_text(encoding="utf-8")))
    return sorted(found, key=lambda m: m.version)


def applied_versions(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Versions recorded in the store (empty for a new file)."""
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_migrations'"
    ).fetchone()
    if not exists or not exists[0]:
        return []
    return [row[0] for row in con.execute("SELECT version FROM schema_migrations ORDER BY version").fetchall()]


def pending_migrations(con: duckdb.DuckDBPyConnection) -> list[Migration]:
    """Migrations not yet applied; raises if the store is newer than this code."""
    applied = applied_versions(con)
    known = available_migrations()
    newest = known[-1].version if known else 0
    if applied and max(applied) > newest:
        raise SchemaVersionError(
            f"the store has schema version {max(applied)}, this ortswissen knows up to {newest}: upgrade ortswissen"
        )
    done = set(applied)
    return [m for m in known if m.version not in done]


def migrate(con: duckdb.DuckDBPyConnection) -> list[Migration]:
    """Apply all pending migrations; returns those applied."""
    pending = pending_migrations(con)
    if pending:
        con.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations "
            "(version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)"
        )
    for migration in pending:
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(migration.sql)
            con.execute(
                "INSERT INTO schema_migrations VALUES (?, ?, ?)",
                [migration.version, migration.name, datetime.now(UTC).replace(tzinfo=None)],
            )
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
    return pending
