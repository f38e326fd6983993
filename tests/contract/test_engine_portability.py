"""The same indicator definitions give identical results on DuckDB, PostgreSQL and Spark (slow).

The engine's inputs (the long value table, the unit versions and the spatial preparations
made at import) are loaded unchanged into each backend; the Ibis program is the same. Results
must agree row for row: same keys, same status and flag, values equal to 1e-9 (relative).
"""

from __future__ import annotations

import gc
from typing import Any

import pandas as pd
import pytest

import engine_cases as mc
from ortswissen.indicators._dag import DependencyGraph
from ortswissen.indicators._engine import Engine
from ortswissen.services.indicators import _links, _prepare_spatial
from ortswissen.storage import open_store

VALUES_SCHEMA = {
    "indicator_id": "string", "level_id": "string", "unit_id": "string", "unit_valid_from": "date", "date": "date",
    "scenario": "string", "value": "float64", "status": "string", "flag": "string",
}  # fmt: skip
UNITS_SCHEMA = {
    "level_id": "string", "unit_id": "string", "valid_from": "date", "valid_to": "date", "parent_id": "string",
    "area_m2": "float64",
}  # fmt: skip


@pytest.fixture(scope="module")
def inputs() -> dict[str, Any]:
    """The micro city's engine inputs, prepared once by a store (as an import would)."""
    store = open_store("memory://", crs=mc.CRS)
    mc.load(store)
    metas = store.list_indicators()
    graph = DependencyGraph(metas)
    prepared, dates = _prepare_spatial(store, graph, graph.order())
    values = store.read_values(None, all_versions=True)
    units = pd.concat([store.unit_versions(lv.id) for lv in mc.LEVELS], ignore_index=True)
    units_frame = pd.DataFrame(units[["level_id", "unit_id", "valid_from", "valid_to", "parent_id"]])
    units_frame["area_m2"] = units.geometry.area.to_numpy()
    return {
        "metas": metas,
        "links": _links(store),
        "prepared": prepared,
        "dates": dates,
        "values": values,
        "units": units_frame,
    }


def run_on(backend: Any, inputs: dict[str, Any], suffix: str, *, materialize: bool = True) -> pd.DataFrame:
    import ibis

    values = backend.create_table(
        f"ow_values_{suffix}", ibis.memtable(inputs["values"], schema=VALUES_SCHEMA), overwrite=True
    )
    units = backend.create_table(
        f"ow_units_{suffix}", ibis.memtable(inputs["units"], schema=UNITS_SCHEMA), overwrite=True
    )
    engine = Engine(
        backend,
        values,
        units,
        inputs["metas"],
        inputs["links"],
        prepared=inputs["prepared"],
        dates=inputs["dates"],
        materialize=materialize,
    )
    table = engine.to_pyarrow(engine.run())
    frame = table.to_pandas()
    frame["flag"] = frame["flag"].astype(object).where(frame["flag"].notna(), None)
    keys = ["indicator_id", "level_id", "unit_id", "unit_valid_from", "date", "scenario"]
    return frame.sort_values(keys).reset_index(drop=True)


def assert_same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    assert len(a) == len(b) > 300
    for column in ("indicator_id", "level_id", "unit_id", "unit_valid_from", "date", "scenario", "status", "flag"):
        assert a[column].tolist() == b[column].tolist(), column
    for x, y, ind in zip(a["value"], b["value"], a["indicator_id"], strict=True):
        if pd.isna(x) or pd.isna(y):
            assert pd.isna(x) and pd.isna(y), ind
        else:
            assert x == pytest.approx(y, rel=1e-9, abs=1e-9), ind


@pytest.fixture(scope="module")
def on_duckdb(inputs: dict[str, Any]) -> pd.DataFrame:
    import ibis

    return run_on(ibis.duckdb.connect(), inputs, "duck")


def test_duckdb_result_covers_every_template(on_duckdb: pd.DataFrame) -> None:
    computed = {m.id for m in mc.metas() if m.computed}
    assert computed <= set(on_duckdb["indicator_id"])
    row = on_duckdb[(on_duckdb.indicator_id == "pct_kids") & (on_duckdb.unit_id == "D1")]
    assert row["value"].dropna().round(6).tolist() == [round(41 / 310 * 100, 6), round(48 / 340 * 100, 6)]


def test_one_unmaterialised_program_gives_the_same_results(inputs: dict[str, Any], on_duckdb: pd.DataFrame) -> None:
    import ibis

    assert_same(run_on(ibis.duckdb.connect(), inputs, "lazy", materialize=False), on_duckdb)


def test_postgresql_gives_identical_results(
    inputs: dict[str, Any], on_duckdb: pd.DataFrame, ibis_postgres: Any
) -> None:
    assert_same(run_on(ibis_postgres, inputs, "pg"), on_duckdb)


@pytest.mark.slow
# PySpark's Arrow path rejects pandas' Arrow-backed text columns of in-memory tables; it falls back to
# the row-wise conversion with this warning (same data, slower)
@pytest.mark.filterwarnings("ignore:createDataFrame attempted Arrow optimization:UserWarning")
# pyspark 4.1's toPandas calls astype(copy=False), deprecated in pandas 3, and leaves its socket to the GC
@pytest.mark.filterwarnings("ignore:The copy keyword is deprecated")
@pytest.mark.filterwarnings("ignore:toPandas attempted Arrow optimization:UserWarning")
@pytest.mark.filterwarnings("ignore:Exception ignored in. <socket.socket:pytest.PytestUnraisableExceptionWarning")
def test_spark_gives_identical_results(inputs: dict[str, Any], on_duckdb: pd.DataFrame, ibis_spark: Any) -> None:
    try:
        assert_same(run_on(ibis_spark, inputs, "spark"), on_duckdb)
    finally:
        gc.collect()  # report pyspark's leaked sockets here, under this test's filters
