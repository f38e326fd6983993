"""The register tables of the DuckDB store (migration 0003): writes, block lookup, aggregates.

Mixed into :class:`~ortswissen.storage.duckdb.DuckDBStore`. Stocks and flows are single SQL
queries over the episode and event tables joined to the block lookup, so millions of
persons are counted by DuckDB's parallel hash aggregation, never row by row in Python.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

import pandas as pd
import pyarrow as pa

from ortswissen.errors import StoreError
from ortswissen.ports import REGISTER_COLUMNS, RegisterExtract

if TYPE_CHECKING:
    import duckdb

__all__ = ["RegisterTables"]

_AGE = (
    "least(greatest(year(d.date) - year(p.birth_month) - CASE WHEN month(d.date) < month(p.birth_month) "
    "THEN 1 ELSE 0 END, 0), {cap})"
)


def _lookup_join(alias: str, block: str, day: str) -> str:
    return (
        f"LEFT JOIN register_block_units {alias} ON {alias}.block_id = {block} AND {alias}.level_id = $level "
        f"AND {alias}.valid_from <= {day} AND ({alias}.valid_to IS NULL OR {alias}.valid_to >= {day})"
    )


class RegisterTables:
    """Register methods of the DuckDB store (see :class:`ortswissen.ports.RegisterStore`)."""

    _con: duckdb.DuckDBPyConnection

    # provided by DuckDBStore
    def transaction(self) -> Any: ...  # pragma: no cover
    def _read(self) -> duckdb.DuckDBPyConnection: ...  # pragma: no cover
    def _mine(self) -> bool: ...  # pragma: no cover

    def replace_register(
        self, extract: RegisterExtract, persons: pa.Table, residences: pa.Table, events: pa.Table
    ) -> None:
        """Replace the stored extract (all register tables) by this one, in one transaction."""
        for table, data in (
            ("register_persons", persons),
            ("register_residences", residences),
            ("register_events", events),
        ):
            if tuple(data.column_names) != REGISTER_COLUMNS[table]:
                raise StoreError(f"{table}: expected columns {REGISTER_COLUMNS[table]}, got {data.column_names}")
        with self.transaction():
            con = self._con
            for table in ("register_events", "register_residences", "register_persons", "register_extracts"):
                con.execute(f"DELETE FROM {table}")
            con.execute(
                "INSERT INTO register_extracts VALUES (?, ?, ?, ?, ?)",
                [extract.import_id, extract.period_start, extract.period_end, extract.synthetic, extract.key_check],
            )
            for table, data in (
                ("register_persons", persons),
                ("register_residences", residences),
                ("register_events", events),
            ):
                con.register("_ortswissen_register_rows", data)
                try:
                    con.execute(f"INSERT INTO {table} SELECT * FROM _ortswissen_register_rows")
                finally:
                    con.unregister("_ortswissen_register_rows")
            self.refresh_register_lookup()

    def refresh_register_lookup(self) -> int:
        """Map each block (representative point of its latest version) to the units of every level.

        A point strictly inside a unit counts there; a point on a boundary (no unit contains it)
        goes to the touching unit with the smallest id. The block level maps each block to its
        own versions.
        """
        with self.transaction():
            con = self._con
            con.execute("DELETE FROM register_block_units")
            con.execute(
                """
                CREATE OR REPLACE TEMP TABLE _register_points AS
                SELECT unit_id AS block_id, ST_PointOnSurface(geom) AS pt FROM (
                    SELECT unit_id, geom, row_number() OVER (PARTITION BY unit_id ORDER BY valid_from DESC) AS k
                    FROM unit_versions WHERE level_id = 'block' AND geom IS NOT NULL) WHERE k = 1
                """
            )
            con.execute(
                """
                INSERT INTO register_block_units
                SELECT unit_id, 'block', unit_id, valid_from, valid_from, valid_to
                FROM unit_versions WHERE level_id = 'block'
                """
            )
            con.execute(
                """
                CREATE OR REPLACE TEMP TABLE _register_hits AS
                SELECT p.block_id, u.level_id, u.unit_id, u.valid_from, u.valid_to, ST_Contains(u.geom, p.pt) AS inside
                FROM _register_points p JOIN unit_versions u ON ST_Intersects(u.geom, p.pt)
                WHERE u.level_id <> 'block'
                """
            )
            con.execute(
                """
                INSERT INTO register_block_units
                SELECT block_id, level_id, unit_id, valid_from, valid_from, valid_to FROM (
                    SELECT *, row_number() OVER (
                        PARTITION BY block_id, level_id, valid_from ORDER BY inside DESC, unit_id) AS k
                    FROM _register_hits h
                    WHERE inside OR NOT EXISTS (
                        SELECT 1 FROM _register_hits i WHERE i.inside AND i.block_id = h.block_id
                        AND i.level_id = h.level_id AND i.valid_from <= coalesce(h.valid_to, DATE '9999-12-31')
                        AND coalesce(i.valid_to, DATE '9999-12-31') >= h.valid_from)
                ) WHERE k = 1
                """
            )
            con.execute("DROP TABLE _register_hits")
            con.execute("DROP TABLE _register_points")
            row = con.execute("SELECT count(*) FROM register_block_units").fetchone()
        return int(row[0]) if row else 0

    def register_extract(self) -> RegisterExtract | None:
        """The stored extract."""
        row = (
            self._read()
            .execute("SELECT import_id, period_start, period_end, synthetic, key_check FROM register_extracts")
            .fetchone()
        )
        return None if row is None else RegisterExtract(*row)

    def register_counts(self) -> dict[str, int]:
        """Rows of each register table, persons by residence, events by kind."""
        con = self._read()
        counts: dict[str, int] = {}
        for table in ("register_persons", "register_residences", "register_events", "register_block_units"):
            row = con.execute(f"SELECT count(*) FROM {table}").fetchone()
            counts[table] = int(row[0]) if row else 0
        for residence, n in con.execute("SELECT residence, count(*) FROM register_persons GROUP BY 1").fetchall():
            counts[f"persons_{residence}"] = int(n)
        for kind, n in con.execute("SELECT kind, count(*) FROM register_events GROUP BY 1").fetchall():
            counts[f"events_{kind}"] = int(n)
        row = con.execute("SELECT count(*) FROM register_residences WHERE valid_to IS NULL").fetchone()
        counts["resident_at_period_end"] = int(row[0]) if row else 0
        return counts

    def register_stocks(self, level_id: str, dates: Sequence[date], *, age_cap: int = 100) -> pd.DataFrame:
        """Main residents per unit, date, single year of age (capped), sex and nationality group."""
        sql = f"""
            WITH d AS (SELECT unnest($dates::DATE[]) AS date)
            SELECT l.unit_id, l.unit_valid_from, d.date, {_AGE.format(cap=int(age_cap))}::INTEGER AS age,
                   p.sex, p.nationality, count(*)::BIGINT AS count
            FROM d
            JOIN register_residences r ON r.valid_from <= d.date AND (r.valid_to IS NULL OR r.valid_to >= d.date)
            JOIN register_persons p ON p.person_key = r.person_key AND p.residence = 'main'
            JOIN register_block_units l ON l.block_id = r.block_id AND l.level_id = $level
                 AND l.valid_from <= d.date AND (l.valid_to IS NULL OR l.valid_to >= d.date)
            GROUP BY ALL
            ORDER BY d.date, l.unit_id, age, p.sex, p.nationality
        """
        table = self._read().execute(sql, {"dates": list(dates), "level": level_id}).to_arrow_table()
        return table.to_pandas(date_as_object=True)

    def register_flow_events(self, level_id: str, start: date, end: date) -> pd.DataFrame:
        """Events of main residents in ``[start, end]`` with origin and destination units of a level."""
        sql = f"""
            SELECT e.kind, e.date, year(e.date)::INTEGER AS year, e.age, e.sex, e.nationality,
                   o.unit_id AS origin_unit, o.unit_valid_from AS origin_valid_from,
                   t.unit_id AS dest_unit, t.unit_valid_from AS dest_valid_from, e.other_region
            FROM register_events e
            JOIN register_persons p ON p.person_key = e.person_key AND p.residence = 'main'
            {_lookup_join("o", "e.origin_block", "e.date")}
            {_lookup_join("t", "e.dest_block", "e.date")}
            WHERE e.date BETWEEN $start AND $end
            ORDER BY e.date, e.kind, origin_unit, dest_unit, e.age
        """
        table = self._read().execute(sql, {"level": level_id, "start": start, "end": end}).to_arrow_table()
        frame = table.to_pandas(date_as_object=True)
        for column in ("origin_unit", "dest_unit", "other_region"):
            frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
        return frame
