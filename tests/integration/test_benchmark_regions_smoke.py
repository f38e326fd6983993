"""Smoke test of ``benchmarks/regions.py``: a quick, ours-only run delineates the lattices and reports quality.

The peers (pygeoda, spopt: installed by the script into their own virtual environment) are
left out with ``--no-peers``, so the test needs no package index.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "benchmarks" / "regions.py"

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_quick_ours_only_run_reports_every_measure(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--no-peers", "--json", "--workdir", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        timeout=240,
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    rows = {(r["method"], r["config"]): r for r in result["rows"]}
    assert set(rows) == {("ours", "full"), ("ours", "floor")}
    for row in rows.values():
        assert row["status"] == "ok" and row["n"] == 1000
        assert row["contiguous"] and row["floor_violations"] == 0
        assert 40 <= row["p"] <= 50 and row["wss_vs_ward"] >= 0.99 and 0 < row["ipq_mean"] <= 1
        assert row["seconds"] > 0 and row["peak_rss_mb"] > 0
    full = rows[("ours", "full")]
    assert full["cap_violations"] == 0 and full["regions_crossing_districts"] == 0
    assert set(result["targets"]) >= {"seconds", "peak_rss_mb", "wss_vs_ward", "ipq_mean"}
