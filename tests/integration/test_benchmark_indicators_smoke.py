"""Smoke test of ``benchmarks/indicators.py``: a quick run completes and ours agrees with the peer."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "benchmarks" / "indicators.py"

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_quick_run_agrees_with_the_peer(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--json", "--workdir", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    doc = json.loads(proc.stdout)

    assert doc["benchmark"] == "indicators"
    assert doc["settings"]["size"]["name"] == "quick"
    assert set(doc["targets"]) == {"max_seconds", "min_speedup", "rtol"}
    assert {"cpu_count", "python", "duckdb", "ortswissen_source_digest"} <= set(doc["machine"])
    result = doc["result"]
    assert set(result["city"]["units"]) == {"stadt", "bezirk", "bezirksregion", "planungsraum", "block"}
    assert len(result["city"]["dates"]) == 10

    ours, peer, check = result["ortswissen"], result["peer"], result["check"]
    for side in (ours, peer):
        assert side["seconds"] > 0
        assert side["peak_rss_mb"] > 0
        assert len(side["runs_seconds"]) == 1
        assert side["phases_seconds"]
    assert ours["rows_written"] > 0
    assert ours["rows_written"] == peer["rows"] == check["rows_compared"]
    assert ours["computed"] == result["indicators"]["computed"]
    assert ours["aggregated"] == result["indicators"]["imported"]

    # the two sides computed the same thing
    assert check["agree"] is True, check["examples"]
    assert check["mismatches"] == check["only_ours"] == check["only_peer"] == 0
    assert check["indicators"] == result["indicators"]["imported"] + result["indicators"]["computed"]
    assert check["numbers_compared"] > 0
    assert check["max_relative_difference"] <= doc["targets"]["rtol"]

    assert result["speedup"] == pytest.approx(peer["seconds"] / ours["seconds"])
    for flag in ("seconds_met", "speedup_met", "target_met"):
        assert isinstance(result[flag], bool)
