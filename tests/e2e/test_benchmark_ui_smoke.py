"""Smoke test of ``benchmarks/ui.py``: one measured load and one date change on the served demo."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_one_run_measures_a_complete_map_and_a_date_change(e2e_db: Path, browser: object) -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "ui.py"), "--repeat", "1", "--json", "--db", str(e2e_db)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout)
    assert result["units_drawn"] == [542]
    assert len(result["first_map_ms"]) == 1 and result["first_map_ms"][0] > 0
    assert len(result["date_change_ms"]) == 1 and result["date_change_ms"][0] > 0
    assert set(result["meets_targets"]) == {"first_map", "date_change"}
