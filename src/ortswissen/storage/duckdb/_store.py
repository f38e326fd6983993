"""The embedded store: one DuckDB file with the spatial extension.

Geometries are kept twice, in the project CRS (for areas, overlays and crosswalks) and in
WGS84 (for the web), both computed once at import. Reads outside a transaction use one
cursor per thread, so the web server can answer requests in parallel; writes go through the
main connection inside :meth:`DuckDBStore.transaction`.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import geopandas as gpd
import pandas as pd
import pyarrow as pa
from pyproj import CRS

from ortswissen.errors import (
    ConfigurationError,
    Conflict,
    StoreError,
    StoreNotFound,
    StoreReadOnly,
    UnknownCrosswalk,
    UnknownGeoresource,
    UnknownIndicator,
    UnknownLevel,
    ValidityOverlap,
)
from ortswissen.georesources import GeoresourceMeta, resolve_assignments
from ortswissen.indicators import IndicatorMeta
from ortswissen.ports import ComputeInputs, CrosswalkInfo, ImportRecord, VintageInfo
from ortswissen.storage.duckdb._connection import connect
from ortswissen.storage.duckdb._geoframes import (
    attributes_to_json,
    dates_array,
    geoframe_from_arrow,
    strings_array,
    wkb_array,
)
from ortswissen.storage.duckdb._migrations import applied_versions, migrate, pending_migrations
from ortswissen.storage.duckdb._register import RegisterTables
from ortswissen.storage.duckdb._values import DuckDBValueWriter, purge_pending
from ortswissen.units import UNIT_COLUMNS, Level, Vintage, require_columns

__all__ = ["DEFAULT_CRS", "DuckDBStore"]

#: Project CRS of a new store when none is given (ETRS89 / UTM 32N, most of Germany).
DEFAULT_CRS = "EPSG:25832"

_FEATURE_COLUMNS = ["georesource_id", "feature_id", "valid_from", "valid_to", "name", "attributes", "geometry"]
_VALUE_COLUMNS = [
    "indicator_id",
    "level_id",
    "unit_id",
    "unit_valid_from",
    "date",
    "scenario",
    "value",
    "status",
    "flag",
]


#: Store files this process has opened for writing: pending imports are purged only on the
#: first open, so a second handle in the same process never drops a live import's rows.
_OPENED_WRITABLE: set[str] = set()


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _frame(table: pa.Table) -> pd.DataFrame:
    """An Arrow result as pandas with Python dates and ``None`` (not NaN) for missing text."""
    return _none_for_missing_text(table.to_pandas(date_as_object=True))


def _none_for_missing_text(frame: pd.DataFrame) -> pd.DataFrame:
    for col in frame.columns:
        if frame[col].dtype == object or pd.api.types.is_string_dtype(frame[col].dtype):
            if col == "geometry":
                continue
            series = frame[col].astype(object)
            frame[col] = series.where(series.notna(), None)
    return frame


class DuckDBStore(RegisterTables):
    """A store in one DuckDB file (or in memory with ``:memory:``); it also keeps register extracts."""

    def __init__(self, con: duckdb.DuckDBPyConnection, url: str, *, read_only: bool) -> None:
        self._con = con
        self.url = url
        self.read_only = read_only
        self._depth = 0
        self._failed = False
        self._lock = threading.RLock()
        self._local = threading.local()
        self._crs: CRS | None = None
        self._writers: list[DuckDBValueWriter] = []
        self._owner: int | None = None

    # -- opening ----------------------------------------------------------------------------
    @classmethod
    def open(
        cls,
        path: str | Path,
        *,
        create: bool = False,
        read_only: bool = False,
        crs: str | None = None,
        memory_limit: str | None = None,
        threads: int | None = None,
    ) -> DuckDBStore:
        """Open (and if asked, create) a store file; applies pending migrations when writable."""
        text = str(path)
        in_memory = text == ":memory:"
        if not in_memory and not Path(text).exists():
            if not create:
                raise StoreNotFound(f"no store at {text}; create one with 'ortswissen db init --db {text}'")
            if read_only:
                raise StoreNotFound(f"no store at {text} to open read-only")
            Path(text).parent.mkdir(parents=True, exist_ok=True)
        con = connect(text, read_only=read_only, memory_limit=memory_limit, threads=threads)
        try:
            if read_only:
                if not applied_versions(con):
                    raise StoreError(f"{text} is not an ortswissen store")
                if pending_migrations(con):
                    raise StoreError(f"the store {text} needs migrating: run 'ortswissen db migrate --db {text}'")
            else:
                migrate(con)
                key = str(Path(text).resolve()) if not in_memory else None
                if key is not None and key not in _OPENED_WRITABLE:
                    purge_pending(con)  # rows of imports cut off by a crash of an earlier process
                    _OPENED_WRITABLE.add(key)
            store = cls(con, text, read_only=read_only)
            store._init_crs(crs)
        except BaseException:
            con.close()
            raise
        return store

    def _init_crs(self, crs: str | None) -> None:
        row = self._con.execute("SELECT value FROM meta WHERE key = 'crs'").fetchone()
        if row is None:
            if self.read_only:
                raise StoreError(f"{self.url} has no project CRS")
            chosen = CRS.from_user_input(crs or DEFAULT_CRS)
            if not chosen.is_projected:
                raise ConfigurationError(f"the project CRS must be projected (metres), not {crs}")
            epsg = chosen.to_epsg()
            value = f"EPSG:{epsg}" if epsg else chosen.to_wkt()
            self._con.execute("INSERT INTO meta VALUES ('crs', ?), ('created_at', ?)", [value, _now().isoformat()])
            self._crs = chosen
        else:
            self._crs = CRS.from_user_input(row[0])
            if crs is not None and CRS.from_user_input(crs) != self._crs:
                raise ConfigurationError(f"the store {self.url} uses {row[0]}, not {crs}")

    def checkpoint(self) -> None:
        """Write the write-ahead log into the database file (before a file copy)."""
        self._check_writable()
        self._con.execute("CHECKPOINT")

    def close(self) -> None:
        """Close the connection; uncommitted work is rolled back."""
        with self._lock:
            self._con.close()

    def __enter__(self) -> DuckDBStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- connections and transactions ---------------------------------------------------------
    def _mine(self) -> bool:
        """Whether the calling thread holds the open transaction."""
        return self._depth > 0 and self._owner == threading.get_ident()

    def _read(self) -> duckdb.DuckDBPyConnection:
        if self._mine():
            return self._con  # see the transaction's own writes
        cursor = getattr(self._local, "cursor", None)
        if cursor is None:
            cursor = self._con.cursor()
            self._local.cursor = cursor
        return cursor

    def write_connection(self) -> duckdb.DuckDBPyConnection:
        """The connection of the current transaction (for the value writer)."""
        if not self._mine():
            raise StoreError("writes must happen inside store.transaction()")
        return self._con

    def staging_connection(self) -> duckdb.DuckDBPyConnection:
        """A connection of its own for staging values in autocommitted chunks."""
        self._check_writable()
        return self._con.cursor()

    def in_transaction(self) -> bool:
        """Whether the calling thread has a transaction open."""
        return self._mine()

    def track_writer(self, writer: DuckDBValueWriter) -> None:
        """Remember a value writer: its staged rows are flushed before any transaction begins."""
        self._writers.append(writer)

    def untrack_writer(self, writer: DuckDBValueWriter) -> None:
        """Forget a writer that finished or was discarded."""
        if writer in self._writers:
            self._writers.remove(writer)

    def _sync_writers(self) -> None:
        """Commit every writer's staged rows (re-raising their errors) so a new transaction sees them."""
        for writer in list(self._writers):
            writer.sync()

    def _check_writable(self) -> None:
        if self.read_only:
            raise StoreReadOnly(f"the store {self.url} is open read-only")

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Run the block in one transaction; nested blocks join the outer one."""
        self._check_writable()
        with self._lock:
            outer = self._depth == 0
            if outer:
                self._sync_writers()
                self._con.execute("BEGIN TRANSACTION")
                self._owner = threading.get_ident()
                self._failed = False
            self._depth += 1
            try:
                yield
            except BaseException:
                self._depth -= 1
                if outer:
                    self._owner = None
                    self._con.execute("ROLLBACK")
                else:
                    self._failed = True
                raise
            self._depth -= 1
            if outer:
                self._owner = None
                if self._failed:
                    self._con.execute("ROLLBACK")
                    raise StoreError("an inner step failed; the whole transaction was rolled back")
                self._con.execute("COMMIT")

    def _execute(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple[Any, ...]]:
        """Run one statement in a transaction and return its rows (fetched before COMMIT)."""
        with self.transaction():
            try:
                return self._con.execute(sql, params or []).fetchall()
            except duckdb.ConstraintException as exc:
                raise Conflict(f"the store refused the change: {exc}") from exc

    def _insert_arrow(self, table_sql: str, table: pa.Table) -> None:
        with self.transaction():
            self._con.register("_ortswissen_rows", table)
            try:
                self._con.execute(table_sql)
            except duckdb.ConstraintException as exc:
                raise ValidityOverlap(f"the store refused the rows: {exc}") from exc
            finally:
                self._con.unregister("_ortswissen_rows")

    # -- facts about the store --------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        """A stored setting."""
        row = self._read().execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        """Store a setting."""
        self._execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [key, value])

    def project_crs(self) -> CRS:
        """The CRS geometries are stored in."""
        assert self._crs is not None
        return self._crs

    def project_bounds(self) -> tuple[float, float, float, float] | None:
        """Extent of all stored unit versions."""
        row = (
            self._read()
            .execute(
                "SELECT min(ST_XMin(geom)), min(ST_YMin(geom)), max(ST_XMax(geom)), max(ST_YMax(geom)) "
                "FROM unit_versions WHERE geom IS NOT NULL"
            )
            .fetchone()
        )
        if row is None or row[0] is None:
            return None
        return (float(row[0]), float(row[1]), float(row[2]), float(row[3]))

    def info(self) -> dict[str, Any]:
        """Schema version, CRS, file size and row counts."""
        con = self._read()
        counts = {}
        for table in (
            "levels",
            "vintages",
            "unit_versions",
            "indicators",
            "indicator_values",
            "georesources",
            "features",
            "crosswalks",
            "imports",
        ):
            row = con.execute(f"SELECT count(*) FROM {table}").fetchone()
            counts[table] = int(row[0]) if row else 0
        versions = applied_versions(con)
        size = Path(self.url).stat().st_size if self.url != ":memory:" and Path(self.url).exists() else 0
        return {
            "url": self.url,
            "engine": f"duckdb {duckdb.__version__}",
            "schema_version": max(versions) if versions else 0,
            "crs": f"EPSG:{self.project_crs().to_epsg()}",
            "read_only": self.read_only,
            "file_bytes": size,
            "counts": counts,
        }

    # -- levels and vintages --------------------------------------------------------------------
    def list_levels(self) -> list[Level]:
        """All levels."""
        rows = (
            self._read()
            .execute(
                "SELECT level_id, name_de, name_en, parent_level_id, nested, key_width, key_pattern, description, "
                "sort_order FROM levels ORDER BY sort_order, level_id"
            )
            .fetchall()
        )
        return [Level(*row) for row in rows]

    def get_level(self, level_id: str) -> Level:
        """One level."""
        row = (
            self._read()
            .execute(
                "SELECT level_id, name_de, name_en, parent_level_id, nested, key_width, key_pattern, description, "
                "sort_order FROM levels WHERE level_id = ?",
                [level_id],
            )
            .fetchone()
        )
        if row is None:
            raise UnknownLevel(level_id)
        return Level(*row)

    def put_level(self, level: Level) -> None:
        """Create or update a level."""
        self._execute(
            "INSERT OR REPLACE INTO levels VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                level.id,
                level.name_de,
                level.name_en,
                level.parent_id,
                level.nested,
                level.key_width,
                level.key_pattern,
                level.description,
                level.sort_order,
            ],
        )

    def put_vintage(self, vintage: Vintage) -> None:
        """Create or update a vintage."""
        self.get_level(vintage.level_id)
        self._execute(
            "INSERT OR REPLACE INTO vintages VALUES (?, ?, ?, ?, ?, ?)",
            [vintage.level_id, vintage.id, vintage.label_de, vintage.label_en, vintage.source, vintage.note],
        )

    def list_vintages(self, level_id: str | None = None) -> list[VintageInfo]:
        """Vintages with periods and unit counts derived from their unit versions."""
        where = "WHERE v.level_id = ?" if level_id else ""
        rows = (
            self._read()
            .execute(
                "SELECT v.level_id, v.vintage_id, v.label_de, v.label_en, v.source, v.note, min(u.valid_from), "
                "CASE WHEN bool_or(u.valid_to IS NULL) THEN NULL ELSE max(u.valid_to) END, "
                "count(DISTINCT u.unit_id) FROM vintages v LEFT JOIN unit_versions u "
                f"ON u.level_id = v.level_id AND u.vintage_id = v.vintage_id {where} "
                "GROUP BY ALL ORDER BY v.level_id, min(u.valid_from) NULLS LAST, v.vintage_id",
                [level_id] if level_id else [],
            )
            .fetchall()
        )
        return [VintageInfo(Vintage(*r[:6]), r[6], r[7], int(r[8])) for r in rows]

    # -- unit versions ------------------------------------------------------------------------------
    def unit_versions(
        self,
        level_id: str,
        *,
        at: date | None = None,
        unit_ids: Sequence[str] | None = None,
        geometry: bool = True,
        wgs84: bool = False,
    ) -> gpd.GeoDataFrame | pd.DataFrame:
        """Unit versions of a level, optionally those valid on ``at``."""
        self.get_level(level_id)
        geom = "geom_wgs84" if wgs84 else "geom"
        cols = "level_id, unit_id, valid_from, valid_to, vintage_id, name, official_key, parent_id, area_m2, attributes"
        sql = f"SELECT {cols}{f', ST_AsWKB({geom}) AS wkb' if geometry else ''} FROM unit_versions WHERE level_id = ?"
        params: list[Any] = [level_id]
        if at is not None:
            sql += " AND valid_from <= ? AND (valid_to IS NULL OR valid_to >= ?)"
            params += [at, at]
        if unit_ids is not None:
            sql += " AND unit_id IN (SELECT unnest(?::VARCHAR[]))"
            params.append(list(unit_ids))
        sql += " ORDER BY unit_id, valid_from"
        table = self._read().execute(sql, params).to_arrow_table()
        if geometry:
            return geoframe_from_arrow(table, 4326 if wgs84 else self.project_crs())
        frame = _frame(table)
        frame["attributes"] = [json.loads(a) if isinstance(a, str) else {} for a in frame["attributes"]]
        return frame

    def add_unit_versions(self, units: gpd.GeoDataFrame) -> int:
        """Insert unit versions (geometry in the project CRS)."""
        require_columns(units.columns, UNIT_COLUMNS, "unit versions")
        if units.empty:
            return 0
        geoms = units.geometry.values
        wgs = gpd.GeoSeries(geoms, crs=self.project_crs()).to_crs(4326).values
        table = pa.table(
            {
                "level_id": strings_array(units["level_id"]),
                "unit_id": strings_array(units["unit_id"]),
                "valid_from": dates_array(units["valid_from"]),
                "valid_to": dates_array(units["valid_to"]),
                "vintage_id": strings_array(units["vintage_id"]),
                "name": strings_array(units["name"]),
                "official_key": strings_array(units["official_key"]),
                "parent_id": strings_array(units["parent_id"]),
                "area_m2": pa.array(geoms.area, type=pa.float64()),
                "attributes": attributes_to_json(units["attributes"]),
                "wkb": wkb_array(geoms),
                "wkb84": wkb_array(wgs),
                "import_id": strings_array(units["import_id"] if "import_id" in units else [None] * len(units)),
            }
        )
        self._insert_arrow(
            "INSERT INTO unit_versions SELECT level_id, unit_id, valid_from, valid_to, vintage_id, name, "
            "official_key, parent_id, area_m2, attributes::JSON, ST_GeomFromWKB(wkb), ST_GeomFromWKB(wkb84), "
            "import_id FROM _ortswissen_rows",
            table,
        )
        return table.num_rows

    def close_unit_versions(self, level_id: str, unit_ids: Sequence[str], end: date) -> int:
        """End the open versions of ``unit_ids`` on ``end``."""
        rows = self._execute(
            "UPDATE unit_versions SET valid_to = ? WHERE level_id = ? AND valid_to IS NULL AND valid_from <= ? "
            "AND unit_id IN (SELECT unnest(?::VARCHAR[]))",
            [end, level_id, end, list(unit_ids)],
        )
        return int(rows[0][0]) if rows else 0

    # -- indicators and values ------------------------------------------------------------------------
    def list_indicators(self) -> list[IndicatorMeta]:
        """All indicators."""
        rows = self._read().execute("SELECT meta FROM indicators ORDER BY topic, indicator_id").fetchall()
        return [IndicatorMeta.model_validate_json(r[0]) for r in rows]

    def get_indicator(self, indicator_id: str) -> IndicatorMeta:
        """One indicator."""
        row = self._read().execute("SELECT meta FROM indicators WHERE indicator_id = ?", [indicator_id]).fetchone()
        if row is None:
            raise UnknownIndicator(indicator_id)
        return IndicatorMeta.model_validate_json(row[0])

    def put_indicator(self, meta: IndicatorMeta) -> None:
        """Create or update an indicator."""
        self._execute(
            "INSERT OR REPLACE INTO indicators VALUES (?, ?, ?, ?, ?, ?, ?, ?::JSON, ?)",
            [
                meta.id,
                meta.title_de,
                meta.title_en,
                meta.kind.value,
                meta.topic,
                meta.visibility.value,
                meta.owner,
                meta.model_dump_json(),
                _now(),
            ],
        )

    def value_writer(self, import_id: str) -> DuckDBValueWriter:
        """A writer for one import's values."""
        self._check_writable()
        return DuckDBValueWriter(self, import_id)

    def read_values(
        self,
        indicator_ids: Sequence[str] | None = None,
        *,
        level_id: str | None = None,
        dates: Sequence[date] | None = None,
        unit_ids: Sequence[str] | None = None,
        scenario: str | None = None,
        as_of: date | None = None,
        all_versions: bool = False,
    ) -> pd.DataFrame:
        """Values in long form (the natural series unless ``as_of`` or ``all_versions``)."""
        cols = ", ".join(f"v.{c}" for c in _VALUE_COLUMNS)
        sql = f"SELECT {cols} FROM indicator_values v"
        params: list[Any] = []
        if not all_versions:
            day = "?" if as_of is not None else "v.date"
            sql += (
                " JOIN unit_versions u ON u.level_id = v.level_id AND u.unit_id = v.unit_id "
                f"AND u.valid_from = v.unit_valid_from AND u.valid_from <= {day} "
                f"AND (u.valid_to IS NULL OR u.valid_to >= {day})"
            )
            if as_of is not None:
                params += [as_of, as_of]
        sql += " WHERE true"
        for column, values in (("indicator_id", indicator_ids), ("unit_id", unit_ids)):
            if values is not None:
                sql += f" AND v.{column} IN (SELECT unnest(?::VARCHAR[]))"
                params.append(list(values))
        if level_id is not None:
            sql += " AND v.level_id = ?"
            params.append(level_id)
        if dates is not None:
            sql += " AND v.date IN (SELECT unnest(?::DATE[]))"
            params.append(list(dates))
        if scenario is not None:
            sql += " AND v.scenario = ?"
            params.append(scenario)
        sql += " ORDER BY v.indicator_id, v.level_id, v.date, v.unit_id, v.unit_valid_from"
        return _frame(self._read().execute(sql, params).to_arrow_table())

    def compute_inputs(self) -> ComputeInputs:
        """The value and unit tables on an Ibis DuckDB backend over a cursor of this store."""
        import ibis

        cursor = self._con.cursor()
        backend = ibis.duckdb.from_connection(cursor)
        values = backend.sql(
            "SELECT indicator_id, level_id, unit_id, unit_valid_from, date, scenario, value, status, flag "
            "FROM indicator_values"
        )
        units = backend.sql("SELECT level_id, unit_id, valid_from, valid_to, parent_id, area_m2 FROM unit_versions")
        writer = None if self.read_only else (lambda import_id: DuckDBValueWriter(self, import_id, cursor))
        return ComputeInputs(backend=backend, values=values, units=units, close=cursor.close, writer=writer)

    def value_summary(self) -> pd.DataFrame:
        """First/last date, number of dates and values per indicator and level."""
        return (
            self._read()
            .execute(
                "SELECT indicator_id, level_id, min(date) AS first_date, max(date) AS last_date, "
                "count(DISTINCT date) AS dates, count(*) AS values FROM indicator_values "
                "GROUP BY ALL ORDER BY indicator_id, level_id"
            )
            .to_arrow_table()
            .to_pandas(date_as_object=True)
        )

    # -- georesources ----------------------------------------------------------------------------------
    def list_georesources(self) -> list[GeoresourceMeta]:
        """All georesources."""
        rows = self._read().execute("SELECT meta FROM georesources ORDER BY georesource_id").fetchall()
        return [GeoresourceMeta.model_validate_json(r[0]) for r in rows]

    def get_georesource(self, georesource_id: str) -> GeoresourceMeta:
        """One georesource."""
        row = (
            self._read().execute("SELECT meta FROM georesources WHERE georesource_id = ?", [georesource_id]).fetchone()
        )
        if row is None:
            raise UnknownGeoresource(georesource_id)
        return GeoresourceMeta.model_validate_json(row[0])

    def put_georesource(self, meta: GeoresourceMeta) -> None:
        """Create or update a georesource."""
        self._execute(
            "INSERT OR REPLACE INTO georesources VALUES (?, ?, ?, ?, ?::JSON, ?)",
            [meta.id, meta.title_de, meta.title_en, meta.kind.value, meta.model_dump_json(), _now()],
        )

    def features(self, georesource_id: str, *, at: date | None = None, wgs84: bool = False) -> gpd.GeoDataFrame:
        """Features of a georesource."""
        self.get_georesource(georesource_id)
        geom = "geom_wgs84" if wgs84 else "geom"
        sql = (
            f"SELECT georesource_id, feature_id, valid_from, valid_to, name, attributes, ST_AsWKB({geom}) AS wkb "
            "FROM features WHERE georesource_id = ?"
        )
        params: list[Any] = [georesource_id]
        if at is not None:
            sql += " AND valid_from <= ? AND (valid_to IS NULL OR valid_to >= ?)"
            params += [at, at]
        sql += " ORDER BY feature_id, valid_from"
        table = self._read().execute(sql, params).to_arrow_table()
        return geoframe_from_arrow(table, 4326 if wgs84 else self.project_crs())

    def add_features(self, features: gpd.GeoDataFrame) -> int:
        """Insert features (geometry in the project CRS)."""
        require_columns(features.columns, _FEATURE_COLUMNS, "features")
        if features.empty:
            return 0
        geoms = features.geometry.values
        wgs = gpd.GeoSeries(geoms, crs=self.project_crs()).to_crs(4326).values
        table = pa.table(
            {
                "georesource_id": strings_array(features["georesource_id"]),
                "feature_id": strings_array(features["feature_id"]),
                "valid_from": dates_array(features["valid_from"]),
                "valid_to": dates_array(features["valid_to"]),
                "name": strings_array(features["name"]),
                "attributes": attributes_to_json(features["attributes"]),
                "wkb": wkb_array(geoms),
                "wkb84": wkb_array(wgs),
                "import_id": strings_array(
                    features["import_id"] if "import_id" in features else [None] * len(features)
                ),
            }
        )
        self._insert_arrow(
            "INSERT INTO features SELECT georesource_id, feature_id, valid_from, valid_to, name, attributes::JSON, "
            "ST_GeomFromWKB(wkb), ST_GeomFromWKB(wkb84), import_id FROM _ortswissen_rows",
            table,
        )
        return table.num_rows

    def close_features(self, georesource_id: str, end: date) -> int:
        """End all open features of a georesource on ``end``."""
        rows = self._execute(
            "UPDATE features SET valid_to = ? WHERE georesource_id = ? AND valid_to IS NULL AND valid_from <= ?",
            [end, georesource_id, end],
        )
        return int(rows[0][0]) if rows else 0

    def delete_derived_values(self, indicator_ids: Sequence[str], *, except_import: str) -> int:
        """Inside a transaction: remove the engine's rows of these indicators but those of ``except_import``."""
        if not self._mine():
            raise StoreError("delete_derived_values runs inside the store's transaction")
        if not indicator_ids:
            return 0
        row = self._con.execute(
            "DELETE FROM indicator_values_all WHERE indicator_id IN (SELECT unnest(?::VARCHAR[])) "
            "AND (flag LIKE 'calc:%' OR flag LIKE 'agg:%') AND import_id <> ? "
            "AND import_id IN (SELECT import_id FROM imports)",
            [list(indicator_ids), except_import],
        ).fetchone()
        return int(row[0]) if row else 0

    def delete_features(self, georesource_id: str) -> int:
        """Remove every feature of a georesource."""
        with self.transaction():
            self._con.execute("DELETE FROM feature_units WHERE georesource_id = ?", [georesource_id])
            row = self._con.execute("DELETE FROM features WHERE georesource_id = ?", [georesource_id]).fetchone()
        return int(row[0]) if row else 0

    def assign_features(self, georesource_id: str | None = None) -> int:
        """Compute which unit version of every level each feature lies in, and on which days.

        The bare spatial join runs on DuckDB's SPATIAL_JOIN operator (an R-tree); the hits are
        then resolved into dated assignments by :func:`~ortswissen.georesources.resolve_assignments`.
        """
        where = "WHERE f.georesource_id = ?" if georesource_id else ""
        params = [georesource_id] if georesource_id else []
        with self.transaction():
            hits = _frame(
                self._con.execute(
                    "SELECT f.georesource_id, f.feature_id, f.valid_from AS feature_valid_from, "
                    "       f.valid_to AS feature_valid_to, u.level_id, u.unit_id, u.valid_from AS unit_valid_from, "
                    "       u.valid_to AS unit_valid_to, ST_GeometryType(f.geom) = 'POINT' AS is_point "
                    f"FROM features f JOIN unit_versions u ON ST_Intersects(u.geom, f.geom) {where}",
                    params,
                ).to_arrow_table()
            )
            assignments = resolve_assignments(hits)
            self._con.execute(
                f"DELETE FROM feature_units {'WHERE georesource_id = ?' if georesource_id else ''}", params
            )
            if len(assignments):
                table = pa.table(
                    {
                        **{c: strings_array(assignments[c]) for c in ("georesource_id", "feature_id")},
                        "feature_valid_from": dates_array(assignments["feature_valid_from"]),
                        **{c: strings_array(assignments[c]) for c in ("level_id", "unit_id")},
                        "unit_valid_from": dates_array(assignments["unit_valid_from"]),
                        "valid_from": dates_array(assignments["valid_from"]),
                        "valid_to": dates_array(assignments["valid_to"]),
                    }
                )
                self._insert_arrow("INSERT INTO feature_units SELECT * FROM _ortswissen_rows", table)
        return len(assignments)

    def feature_units(self, georesource_id: str, level_id: str) -> pd.DataFrame:
        """Unit assignments of one georesource's features on one level."""
        return (
            self._read()
            .execute(
                "SELECT feature_id, feature_valid_from, unit_id, unit_valid_from, valid_from, valid_to "
                "FROM feature_units WHERE georesource_id = ? AND level_id = ? ORDER BY feature_id, valid_from",
                [georesource_id, level_id],
            )
            .to_arrow_table()
            .to_pandas(date_as_object=True)
        ).pipe(_none_for_missing_text)

    # -- crosswalks --------------------------------------------------------------------------------------
    def put_crosswalk(self, info: CrosswalkInfo, weights: pd.DataFrame) -> None:
        """Store or replace a crosswalk with its weights."""
        table = pa.table(
            {
                "crosswalk_id": pa.array([info.id] * len(weights), type=pa.string()),
                "from_unit": strings_array(weights["from_unit"]),
                "from_valid_from": dates_array(weights["from_valid_from"]),
                "to_unit": strings_array(weights["to_unit"]),
                "to_valid_from": dates_array(weights["to_valid_from"]),
                "weight": pa.array(weights["weight"].astype(float), type=pa.float64()),
                "overlap_area": pa.array(weights["overlap_area"].astype(float), type=pa.float64()),
                "population": pa.array(weights["population"].astype(float), type=pa.float64(), from_pandas=True),
                "basis": strings_array(weights["basis"]),
            }
        )
        with self.transaction():
            self._con.execute("DELETE FROM crosswalk_weights WHERE crosswalk_id = ?", [info.id])
            self._con.execute("DELETE FROM crosswalks WHERE crosswalk_id = ?", [info.id])
            self._con.execute(
                "INSERT INTO crosswalks VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?::JSON, ?)",
                [
                    info.id,
                    info.from_level,
                    info.from_date,
                    info.from_until,
                    info.to_level,
                    info.to_date,
                    info.method,
                    info.description,
                    json.dumps(info.params, default=str),
                    info.created_at or _now(),
                ],
            )
            self._insert_arrow("INSERT INTO crosswalk_weights SELECT * FROM _ortswissen_rows", table)

    def list_crosswalks(self) -> list[CrosswalkInfo]:
        """All crosswalks."""
        rows = (
            self._read()
            .execute(
                "SELECT c.crosswalk_id, from_level, from_date, to_level, to_date, method, description, from_until, "
                "params, created_at, count(w.from_unit) FROM crosswalks c "
                "LEFT JOIN crosswalk_weights w USING (crosswalk_id) GROUP BY ALL ORDER BY c.crosswalk_id"
            )
            .fetchall()
        )
        return [
            CrosswalkInfo(
                r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], json.loads(r[8]) if r[8] else {}, r[9], int(r[10])
            )
            for r in rows
        ]

    def get_crosswalk(self, crosswalk_id: str) -> tuple[CrosswalkInfo, pd.DataFrame]:
        """A crosswalk and its weights."""
        infos = [c for c in self.list_crosswalks() if c.id == crosswalk_id]
        if not infos:
            raise UnknownCrosswalk(crosswalk_id)
        weights = _frame(
            self._read()
            .execute(
                "SELECT from_unit, from_valid_from, to_unit, to_valid_from, weight, overlap_area, population, basis "
                "FROM crosswalk_weights WHERE crosswalk_id = ? ORDER BY from_unit, from_valid_from, to_unit",
                [crosswalk_id],
            )
            .to_arrow_table()
        )
        return infos[0], weights

    # -- provenance ------------------------------------------------------------------------------------------
    def record_import(self, record: ImportRecord) -> None:
        """Remember a committed import."""
        self._execute(
            "INSERT INTO imports VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?::JSON, ?::JSON)",
            [
                record.id,
                record.kind,
                record.source,
                record.sha256,
                record.started_at,
                record.finished_at,
                record.rows_read,
                record.rows_written,
                record.rows_replaced,
                json.dumps(record.options, default=str),
                json.dumps(record.summary, default=str),
            ],
        )

    def list_imports(self) -> list[ImportRecord]:
        """All committed imports, newest first."""
        rows = (
            self._read()
            .execute(
                "SELECT import_id, kind, source, sha256, started_at, finished_at, rows_read, rows_written, "
                "rows_replaced, options, summary FROM imports ORDER BY finished_at DESC"
            )
            .fetchall()
        )
        return [
            ImportRecord(
                r[0],
                r[1],
                r[2],
                r[3],
                r[4],
                r[5],
                int(r[6]),
                int(r[7]),
                int(r[8]),
                json.loads(r[9]) if r[9] else {},
                json.loads(r[10]) if r[10] else {},
            )
            for r in rows
        ]
