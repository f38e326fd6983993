"""A value file is streamed, never loaded whole: memory does not grow with the file.

Two files of 4 and 12 million rows (120 and 360 MB) are imported, each in a fresh process
with DuckDB limited to 128 MB. The peak resident memory of the larger import may exceed that
of the smaller by less than three quarters of the extra file size (measured: 0.3–0.45). The
fixed costs (reader, allocator, DuckDB's buffer) do not grow, and DuckDB keeps only a few
bytes per stored row. A design that loads the file, or keeps the whole import in an open
transaction, grows by more than the file (the earlier in-transaction writer: about 2.8 MB of
memory per MB of input).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

pytestmark = [pytest.mark.integration, pytest.mark.slow]

UNITS = 2000
INDICATORS = 20

CHILD = textwrap.dedent(
    """
    import datetime as dt, sys
    import geopandas as gpd, shapely
    from ortswissen.indicators import IndicatorMeta
    from ortswissen.io import load_profile
    from ortswissen.services.values import import_values
    from ortswissen.storage import open_store
    from ortswissen.units import UNIT_COLUMNS, Level

    db, csv, units, indicators = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    store = open_store(db, create=True, memory_limit="128MB")
    store.put_level(Level("u", "U", "U", key_width=6))
    ids = [f"{i:06d}" for i in range(units)]
    frame = gpd.GeoDataFrame(
        {"level_id": "u", "unit_id": ids, "valid_from": dt.date(1900, 1, 1), "valid_to": None, "vintage_id": None,
         "name": ids, "official_key": None, "parent_id": None, "attributes": [{}] * units},
        geometry=[shapely.box(500_000 + i * 10, 5_600_000, 500_010 + i * 10, 5_600_010) for i in range(units)],
        crs="EPSG:25832")[UNIT_COLUMNS]
    with store.transaction():
        store.add_unit_versions(frame)
        for j in range(indicators):
            store.put_indicator(IndicatorMeta(id=f"ind_{j:02d}", title_de="x", title_en="x"))
    report = import_values(store, csv, load_profile("long").with_overrides(level="u"))
    store.close()
    hwm = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM"))
    print(report.counts["written"], hwm // 1024)
    """
)


def _write_file(path: Path, rows: int) -> None:
    """unit;date;indicator;value with unique keys, written in vectorised chunks."""
    units = np.array([f"{i:06d}" for i in range(UNITS)])
    inds = np.array([f"ind_{j:02d}" for j in range(INDICATORS)])
    per_year = UNITS * INDICATORS
    with path.open("w", encoding="utf-8") as fh:
        fh.write("unit_id;date;indicator;value\n")
        for start in range(0, rows, per_year):
            k = np.arange(start, min(start + per_year, rows))
            year = 1900 + k // per_year
            lines = np.char.add(np.char.add(np.char.add(units[k % UNITS], ";31.12."), year.astype(str)), ";")
            lines = np.char.add(
                np.char.add(np.char.add(lines, inds[(k // UNITS) % INDICATORS]), ";"), (k % 997).astype(str)
            )
            fh.write("\n".join(lines.tolist()) + "\n")


def _import(tmp_path: Path, csv: Path) -> tuple[int, int]:
    db = tmp_path / f"{csv.stem}.duckdb"
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(db), str(csv), str(UNITS), str(INDICATORS)],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    written, peak_mb = (int(x) for x in done.stdout.split())
    return written, peak_mb


def test_memory_does_not_grow_with_the_file(tmp_path: Path) -> None:
    small, large = tmp_path / "small.csv", tmp_path / "large.csv"
    _write_file(small, 4_000_000)
    _write_file(large, 12_000_000)
    written_small, peak_small = _import(tmp_path, small)
    written_large, peak_large = _import(tmp_path, large)
    assert (written_small, written_large) == (4_000_000, 12_000_000)
    extra_file_mb = (large.stat().st_size - small.stat().st_size) / 2**20
    assert extra_file_mb > 200
    growth = peak_large - peak_small
    assert growth < 0.75 * extra_file_mb, (
        f"peak memory grew by {growth} MB for {extra_file_mb:.0f} MB more input ({peak_small} → {peak_large} MB)"
    )
    assert peak_large < 1500
