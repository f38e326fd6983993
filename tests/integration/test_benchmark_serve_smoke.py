"""Smoke test of ``benchmarks/serve.py``: a quick, ours-only run against the synthetic town serves every request.

The peer (pygeoapi, installed by the script into its own virtual environment) is left out
with ``--no-peer``, so the test needs no package index.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ortswissen.storage import open_store

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "benchmarks" / "serve.py"
DATE = "2023-12-31"

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_quick_ours_only_run_serves_every_request(_town_template: Path, tmp_path: Path) -> None:
    db = tmp_path / "town.duckdb"
    shutil.copy(_town_template, db)
    store = open_store(str(db), read_only=True)
    expected = len(store.unit_versions("quartier", at=dt.date.fromisoformat(DATE), geometry=False))
    store.close()
    assert expected > 0

    proc = subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            "--no-peer",
            "--quick",
            "--json",
            *("--db", str(db), "--level", "quartier", "--date", DATE, "--indicator", "residents"),
            *("--expect", str(expected), "--connections", "1,2", "--warmup", "0.3", "--duration", "1"),
            *("--workdir", str(tmp_path / "work")),
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        timeout=240,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    doc = json.loads(proc.stdout)

    assert doc["benchmark"] == "serve"
    assert doc["settings"]["peer"] is False
    assert doc["settings"]["connections"] == [1, 2]
    assert set(doc["targets"]) == {"min_ratio_rps", "max_p95_ms"}
    assert {"cpu_count", "python", "fastapi", "ortswissen_source_digest"} <= set(doc["machine"])
    result = doc["result"]
    assert result["servers"]["peer"] is None
    assert "uvicorn" in result["servers"]["ours"]["server"]

    # the check before timing: every endpoint answered with all units
    checked = result["verification"]["ours"]
    assert checked["expected"] == expected
    assert checked["endpoints"]["ogc-items"]["features"] == expected
    assert checked["endpoints"]["values-json"]["rows"] == expected
    assert checked["endpoints"]["values-geojson"]["features"] == expected
    assert result["verification"]["peer"] is None

    endpoints = result["endpoints"]
    assert [(e["endpoint"], e["connections"]) for e in endpoints] == [
        (name, c) for name in ("ogc-items", "values-json", "values-geojson") for c in (1, 2)
    ]
    for e in endpoints:
        ours = e["ortswissen"]
        assert "peer" not in e
        assert ours["errors"] == 0, ours["error_examples"]
        assert ours["requests"] > 0
        assert ours["rps"] > 0
        assert 0 < ours["p50_ms"] <= ours["p95_ms"] <= ours["p99_ms"] <= ours["max_ms"]
        assert ours["bytes_per_response"] > 0
        assert len(ours["runs"]) == 1
        assert isinstance(e["p95_met"], bool)
