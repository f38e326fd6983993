"""The DuckDB store as a file: creation, project CRS, read-only use, schema versions, offline extensions."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from ortswissen.errors import ConfigurationError, SchemaVersionError, StoreError, StoreNotFound, StoreReadOnly
from ortswissen.storage import available_stores, open_store
from ortswissen.storage.duckdb._connection import spatial_extension_path
from ortswissen.storage.duckdb._migrations import available_migrations
from ortswissen.units import Level


def test_missing_store_is_not_created_silently(tmp_path: Path) -> None:
    with pytest.raises(StoreNotFound, match="db init"):
        open_store(str(tmp_path / "nope.duckdb"))
    assert not (tmp_path / "nope.duckdb").exists()


def test_project_crs_is_fixed_at_creation(tmp_path: Path) -> None:
    path = str(tmp_path / "s.duckdb")
    open_store(path, create=True, crs="EPSG:25833").close()
    store = open_store(path)
    assert store.project_crs().to_epsg() == 25833
    store.close()
    with pytest.raises(ConfigurationError, match="uses EPSG:25833"):
        open_store(path, crs="EPSG:25832")
    with pytest.raises(ConfigurationError, match="projected"):
        open_store(str(tmp_path / "geo.duckdb"), create=True, crs="EPSG:4326")


def test_read_only_store_refuses_writes(tmp_path: Path) -> None:
    path = str(tmp_path / "s.duckdb")
    open_store(path, create=True).close()
    store = open_store(path, read_only=True)
    with pytest.raises(StoreReadOnly):
        store.put_level(Level("a", "A", "A"))
    store.close()


def test_schema_versions_are_recorded_and_newer_schemas_refused(tmp_path: Path) -> None:
    path = str(tmp_path / "s.duckdb")
    store = open_store(path, create=True)
    assert store.info()["schema_version"] == available_migrations()[-1].version
    store.close()
    con = duckdb.connect(path)
    con.execute("INSERT INTO schema_migrations VALUES (999, 'from_the_future', now())")
    con.close()
    with pytest.raises(SchemaVersionError, match="upgrade ortswissen"):
        open_store(path)


def test_pending_migrations_block_read_only_use(tmp_path: Path) -> None:
    path = str(tmp_path / "s.duckdb")
    open_store(path, create=True).close()
    con = duckdb.connect(path)
    con.execute("DELETE FROM schema_migrations")  # looks like a store from before any migration
    con.close()
    with pytest.raises(StoreError):
        open_store(path, read_only=True)


def test_non_store_files_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "plain.duckdb"
    duckdb.connect(str(path)).close()
    with pytest.raises(StoreError, match="not an ortswissen store"):
        open_store(str(path), read_only=True)


def test_spatial_extension_comes_from_the_wheel_without_network(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "s.duckdb"), create=True)
    con = store._read()
    settings = dict(
        con.execute(
            "SELECT name, value FROM duckdb_settings() WHERE name IN "
            "('autoinstall_known_extensions', 'autoload_known_extensions')"
        ).fetchall()
    )
    assert settings == {"autoinstall_known_extensions": "false", "autoload_known_extensions": "false"}
    loaded = con.execute("SELECT loaded FROM duckdb_extensions() WHERE extension_name = 'spatial'").fetchone()
    assert loaded == (True,)
    assert spatial_extension_path().is_file()
    store.close()


def test_store_registry(tmp_path: Path) -> None:
    assert {"duckdb", "memory"} <= set(available_stores())
    assert open_store("memory://").url == "memory://"
    duck = open_store(f"duckdb://{tmp_path / 'u.duckdb'}", create=True)
    assert duck.url.endswith("u.duckdb")
    duck.close()
    with pytest.raises(ConfigurationError, match="unknown store scheme"):
        open_store("nosuch://x")


def test_values_staged_by_a_crashed_import_stay_invisible_and_are_purged(tmp_path: Path) -> None:
    import datetime as dt

    import geopandas as gpd
    import pyarrow as pa
    import shapely

    from ortswissen.ports import VALUE_BATCH_SCHEMA
    from ortswissen.units import UNIT_COLUMNS

    path = str(tmp_path / "s.duckdb")
    store = open_store(path, create=True)
    store.put_level(Level("q", "Q", "Q"))
    store.add_unit_versions(
        gpd.GeoDataFrame(
            {
                "level_id": "q",
                "unit_id": ["a"],
                "valid_from": [dt.date(2000, 1, 1)],
                "valid_to": [None],
                "vintage_id": None,
                "name": "A",
                "official_key": None,
                "parent_id": None,
                "attributes": [{}],
            },
            geometry=[shapely.box(500_000, 5_600_000, 500_100, 5_600_100)],
            crs="EPSG:25832",
        )[UNIT_COLUMNS]
    )
    writer = store.value_writer("crashed")
    batch = pa.table(
        [
            pa.array(["pop"]),
            pa.array(["q"]),
            pa.array(["a"]),
            pa.array([dt.date(2000, 1, 1)]),
            pa.array([dt.date(2020, 12, 31)]),
            pa.array(["observed"]),
            pa.array([1.0]),
            pa.array(["ok"]),
            pa.array([None], pa.string()),
            pa.array([2]),
        ],
        schema=VALUE_BATCH_SCHEMA,
    )
    writer.add(batch)
    writer.duplicates()  # flushes: the rows are now committed to the table, still invisible
    writer.close()
    store.close()  # the process "dies" before finish() and discard()
    raw = duckdb.connect(path)
    assert raw.execute("SELECT count(*) FROM indicator_values_all").fetchone() == (1,)
    assert raw.execute("SELECT count(*) FROM indicator_values").fetchone() == (0,)
    raw.close()
    reader = open_store(path, read_only=True)
    assert reader.read_values(all_versions=True).empty
    reader.close()
    # a second handle in this process must not purge (it could be a live import's rows) …
    open_store(path).close()
    raw = duckdb.connect(path)
    assert raw.execute("SELECT count(*) FROM indicator_values_all").fetchone() == (1,)
    raw.close()
    # … the first writable open of a later process does
    import subprocess
    import sys

    subprocess.run(
        [sys.executable, "-c", f"from ortswissen.storage import open_store; open_store({path!r}).close()"], check=True
    )
    raw = duckdb.connect(path)
    assert raw.execute("SELECT count(*) FROM indicator_values_all").fetchone() == (0,)
    assert raw.execute("SELECT count(*) FROM pending_imports").fetchone() == (0,)
    raw.close()


def test_store_never_draws_duckdbs_progress_bar(tmp_path: Path) -> None:
    """A query over 2 s must not print DuckDB's bar into the caller's stdout (it broke a child's figures)."""
    from ortswissen.storage.duckdb._connection import connect

    con = connect(str(tmp_path / "bar.duckdb"))
    try:
        for c in (con, con.cursor()):
            assert c.sql("SELECT current_setting('enable_progress_bar')").fetchone() == (False,)
    finally:
        con.close()
