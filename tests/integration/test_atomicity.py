"""Atomic imports: a process killed at any moment leaves the store unchanged or fully imported.

A real ``ortswissen import values`` process is started on a DuckDB file and killed with
SIGKILL at points spread over the import (parsing, writing, the duplicate check, the commit
and the checkpoint after it). After each kill the store must open cleanly and hold either
the values of before or all values of the file — never a part.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from ortswissen.indicators import IndicatorMeta
from ortswissen.storage import open_store
from ortswissen.units import UNIT_COLUMNS, Level

pytestmark = [pytest.mark.integration, pytest.mark.slow]

UNITS = 2000
INDICATORS = 10


def _prepare(db: Path, csv: Path, rows: int) -> None:
    store = open_store(str(db), create=True)
    store.put_level(Level("u", "Einheit", "Unit", key_width=6))
    ids = [f"{i:06d}" for i in range(UNITS)]
    frame = gpd.GeoDataFrame(
        {
            "level_id": "u",
            "unit_id": ids,
            "valid_from": dt.date(1900, 1, 1),
            "valid_to": None,
            "vintage_id": None,
            "name": ids,
            "official_key": None,
            "parent_id": None,
            "attributes": [{}] * UNITS,
        },
        geometry=[shapely.box(500_000 + i * 10, 5_600_000, 500_010 + i * 10, 5_600_010) for i in range(UNITS)],
        crs="EPSG:25832",
    )[UNIT_COLUMNS]
    with store.transaction():
        store.add_unit_versions(frame)
        for j in range(INDICATORS):
            store.put_indicator(IndicatorMeta(id=f"ind_{j}", title_de=f"I{j}", title_en=f"I{j}"))
    store.checkpoint()  # type: ignore[attr-defined]
    store.close()
    with csv.open("w", encoding="utf-8") as fh:
        fh.write("unit_id;date;indicator;value\n")
        written = 0
        year = 1901
        while written < rows:
            for j in range(INDICATORS):
                fh.writelines(f"{u};31.12.{year};ind_{j};{(written + k) % 997}\n" for k, u in enumerate(ids))
                written += UNITS
            year += 1


def _count(db: Path) -> int:
    store = open_store(str(db), read_only=True)
    try:
        return len(store.read_values(all_versions=True))
    finally:
        store.close()


def _command(db: Path, csv: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "ortswissen.cli.main",
        "import",
        "values",
        str(csv),
        "--db",
        str(db),
        "--profile",
        "long",
        "--level",
        "u",
    ]


def test_killed_imports_leave_nothing_or_everything(tmp_path: Path) -> None:
    db, csv = tmp_path / "store.duckdb", tmp_path / "values.csv"
    rows = 400_000
    _prepare(db, csv, rows)
    env = {**os.environ, "ORTSWISSEN_MEMORY_LIMIT": "256MB"}

    # how long does a complete import take here (process start included)?
    probe = tmp_path / "probe.duckdb"
    _prepare(probe, tmp_path / "probe.csv", 10)
    import shutil

    shutil.copy(db, probe)
    started = time.perf_counter()
    done = subprocess.run(_command(probe, csv), check=False, env=env, capture_output=True, text=True, timeout=600)
    full = time.perf_counter() - started
    assert done.returncode == 0, done.stderr
    assert _count(probe) == rows

    outcomes = []
    for fraction in (0.15, 0.35, 0.5, 0.65, 0.8, 0.9, 0.97):
        proc = subprocess.Popen(_command(db, csv), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(full * fraction)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        count = _count(db)  # the store must open and be readable after every kill
        assert count in (0, rows), f"killed at {fraction:.0%} of the import: {count} of {rows} values stored"
        outcomes.append(count)
        if count == rows:  # committed before the kill: start again from an empty store
            db.unlink()
            db.with_name(db.name + ".wal").unlink(missing_ok=True)
            _prepare(db, csv, rows)
    assert 0 in outcomes, "no kill landed before the commit: the test did not test anything"
    # and a final, undisturbed import still succeeds on the store that survived all the kills
    done = subprocess.run(_command(db, csv), check=False, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert _count(db) == rows
