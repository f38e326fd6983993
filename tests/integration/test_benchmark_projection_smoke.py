"""Smoke test of ``benchmarks/projection.py``: a quick run of ours and the NumPy peer agree."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "benchmarks" / "projection.py"

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_quick_run_reports_figures_and_the_peer_agrees() -> None:
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--json"],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["size"] == {"areas": 60, "trajectories": 200, "years": 20, "cells": 202, "cell_steps": 48_480_000}
    assert result["ours"]["wall_s_median"] > 0 and result["ours"]["peak_rss_mb"] > 0
    assert result["peer"]["wall_s"] > 0
    # the same model, the same draws: the quantiles of the totals agree
    assert result["max_rel_diff_total_quantiles"] < 5e-3
