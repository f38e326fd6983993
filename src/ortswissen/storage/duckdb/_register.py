"""The register tables of the DuckDB store (migration 0003): writes, block lookup, aggregates.

Mixed into :class:`~ortswissen.storage.duckdb.DuckDBStore`. Stocks and flows are single SQL
queries over the episode and event tables joined to the block lookup, so millions of
persons are counted by DuckDB's parallel hash aggregation, never row by row in Python.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import shapely

from ortswissen.errors import StoreError
from ortswissen.ports import REGISTER_COLUMNS, RegisterExtract

__all__ = ["RegisterTables"]

_AGE = (
    "least(greatest(year(d.date) - year(p.birth_month) - CASE WHEN month(d.date) < month(p.birth_month) "
    "THEN 1 ELSE 0 END, 0), {cap})"
)


def _unit_of(block: str) -> str:
    """The unit of an event's block on the event's date (equality join, then a range filter)."""
    return (
        f"SELECT ev.eid, l.unit_id, l.unit_valid_from FROM ev JOIN l ON l.block_id = ev.{block} "
        "WHERE l.valid_from <= ev.date AND (l.valid_to IS NULL OR l.valid_to >= ev.date)"
    )


def _level_hits(
    con: duckdb.DuckDBPyConnection, level_id: str, blocks: np.ndarray, points: np.ndarray
) -> pa.Table | None:
    """Lookup rows of one level: the unit version(s) each block point lies in."""
    units = con.execute(
        "SELECT unit_id, valid_from, valid_to, ST_AsWKB(geom) FROM unit_versions "
        "WHERE level_id = ? AND geom IS NOT NULL ORDER BY unit_id, valid_from",
        [level_id],
    ).fetchall()
    if not units:
        return None
    tree = shapely.STRtree(shapely.from_wkb([bytes(u[3]) for u in units]))
    inside = tree.query(points, predicate="within")
    lost = np.setdiff1d(np.arange(len(points)), inside[0])
    pairs = [inside]
    if len(lost):
        touch = tree.query(points[lost], predicate="intersects")
        touch[0] = lost[touch[0]]
        pairs.append(touch)
    point_idx = np.concatenate([p[0] for p in pairs])
    unit_idx = np.concatenate([p[1] for p in pairs])
    ids = np.array([u[0] for u in units], dtype=object)
    starts = [u[1] for u in units]
    ends = [u[2] for u in units]
    frame = pd.DataFrame(
        {
            "block_id": blocks[point_idx],
            "level_id": level_id,
            "unit_id": ids[unit_idx],
            "unit_valid_from": [starts[i] for i in unit_idx],
            "valid_from": [starts[i] for i in unit_idx],
            "valid_to": [ends[i] for i in unit_idx],
        }
    )
    # a boundary point touching several units of one version period: the smallest id
    frame = frame.sort_values(["block_id", "unit_valid_from", "unit_id"]).drop_duplicates(
        ["block_id", "unit_valid_from"]
    )
    return pa.table(
        {
            "block_id": pa.array(frame["block_id"], type=pa.string()),
            "level_id": pa.array(frame["level_id"], type=pa.string()),
            "unit_id": pa.array(frame["unit_id"], type=pa.string()),
            "unit_valid_from": pa.array(list(frame["unit_valid_from"]), type=pa.date32()),
            "valid_from": pa.array(list(frame["valid_from"]), type=pa.date32()),
            "valid_to": pa.array(list(frame["valid_to"]), type=pa.date32()),
        }
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

        A point inside a unit counts there; a point on a boundary (inside no unit of the level)
        goes to the touching unit with the smallest id. The block level maps each block to its
        own versions. The point-in-polygon tests run on shapely's STRtree (prepared geometries),
        far faster than a spatial join for a few thousand complex polygons.
        """
        with self.transaction():
            con = self._con
            con.execute("DELETE FROM register_block_units")
            con.execute(
                "INSERT INTO register_block_units SELECT unit_id, 'block', unit_id, valid_from, valid_from, valid_to "
                "FROM unit_versions WHERE level_id = 'block'"
            )
            points = con.execute(
                "SELECT unit_id, ST_AsWKB(ST_PointOnSurface(geom)) FROM ("
                "  SELECT unit_id, geom, row_number() OVER (PARTITION BY unit_id ORDER BY valid_from DESC) AS k"
                "  FROM unit_versions WHERE level_id = 'block' AND geom IS NOT NULL) WHERE k = 1 ORDER BY unit_id"
            ).fetchall()
            if points:
                blocks = np.array([p[0] for p in points], dtype=object)
                geoms = shapely.from_wkb([bytes(p[1]) for p in points])
                levels = [
                    r[0]
                    for r in con.execute(
                        "SELECT DISTINCT level_id FROM unit_versions WHERE level_id <> 'block'"
                    ).fetchall()
                ]
                for level_id in sorted(levels):
                    rows = _level_hits(con, level_id, blocks, geoms)
                    if rows is not None and rows.num_rows:
                        con.register("_ortswissen_lookup_rows", rows)
                        try:
                            con.execute("INSERT INTO register_block_units SELECT * FROM _ortswissen_lookup_rows")
                        finally:
                            con.unregister("_ortswissen_lookup_rows")
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
            WITH l AS (SELECT * FROM register_block_units WHERE level_id = $level),
            ev AS (
                SELECT row_number() OVER () AS eid, e.* FROM register_events e
                JOIN register_persons p ON p.person_key = e.person_key AND p.residence = 'main'
                WHERE e.date BETWEEN $start AND $end),
            o AS ({_unit_of("origin_block")}),
            t AS ({_unit_of("dest_block")})
            SELECT ev.kind, ev.date, year(ev.date)::INTEGER AS year, ev.age, ev.sex, ev.nationality,
                   o.unit_id AS origin_unit, o.unit_valid_from AS origin_valid_from,
                   t.unit_id AS dest_unit, t.unit_valid_from AS dest_valid_from, ev.other_region
            FROM ev LEFT JOIN o USING (eid) LEFT JOIN t USING (eid)
            ORDER BY ev.date, ev.kind, origin_unit, dest_unit, ev.age
        """
        table = self._read().execute(sql, {"level": level_id, "start": start, "end": end}).to_arrow_table()
        frame = table.to_pandas(date_as_object=True)
        for column in ("origin_unit", "dest_unit", "other_region"):
            frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
        return frame
