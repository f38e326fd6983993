"""Backtests of the small-area projection on the real Berlin register stocks of the demo store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from ortswissen.cli.main import cli
from ortswissen.errors import InvalidInput
from ortswissen.services.projections import load_age_stocks, run_backtest
from ortswissen.storage import open_store

SPLIT = {"09041403": "09041401"}  # Allende II was split off Allende I on 01.01.2019


@pytest.fixture(scope="module")
def reports(demo_db: Path) -> list[dict]:
    store = open_store(str(demo_db), read_only=True)
    try:
        return run_backtest(store, "planungsraum", [2010, 2015], merge=SPLIT, trajectories=400, seed=3)
    finally:
        store.close()


def test_stocks_are_the_register_totals(demo_db: Path) -> None:
    store = open_store(str(demo_db), read_only=True)
    try:
        data = load_age_stocks(store, "planungsraum", merge=SPLIT)
    finally:
        store.close()
    assert data.years == list(range(2001, 2021))
    assert len(data.units) == 447
    totals = data.stocks.sum(axis=(1, 2, 3))
    # city totals of the EWR matrices (data README §5)
    assert round(totals[data.years.index(2010)]) == 3_387_562
    assert round(totals[data.years.index(2020)]) == 3_769_962
    assert len(data.indicators) == 32


@pytest.mark.parametrize("i", [0, 1])
def test_model_beats_every_baseline_on_age_groups(reports: list[dict], i: int) -> None:
    rep = reports[i]
    m = rep["methods"]
    assert rep["areas"] > 400
    for baseline in ("constant_share", "linear_trend", "hamilton_perry"):
        assert m["model"]["age_groups"]["mape"] < m[baseline]["age_groups"]["mape"]
    assert m["model"]["mape"] < m["linear_trend"]["mape"]
    assert m["model"]["mape"] < m["hamilton_perry"]["mape"]


def test_without_housing_data_totals_follow_the_constant_share(reports: list[dict]) -> None:
    """2010: the dwelling stocks start in 2015, so the model's totals are the share of the same city path."""
    m = reports[0]["methods"]
    assert reports[0]["housing"]["areas_with_dwellings"] == 0
    assert m["model"]["mape"] == pytest.approx(m["constant_share"]["mape"], rel=1e-6)


def test_new_housing_cuts_the_error_of_area_totals(reports: list[dict], demo_db: Path) -> None:
    """2015 -> 2020 with the completed dwellings: area totals at least 20 % better than every baseline."""
    rep = reports[1]
    assert rep["housing"]["areas_with_dwellings"] > 400
    assert rep["best_baseline"]["total_improvement"] >= 0.2
    store = open_store(str(demo_db), read_only=True)
    try:
        plain = run_backtest(store, "planungsraum", [2015], merge=SPLIT, trajectories=50, seed=3, housing=None)[0]
    finally:
        store.close()
    assert "housing" not in plain
    assert rep["methods"]["model"]["mape"] < 0.8 * plain["methods"]["model"]["mape"]


def test_intervals_cover_a_plausible_share(reports: list[dict]) -> None:
    for rep in reports:
        c80, c95 = rep["coverage"]["80"]["total"], rep["coverage"]["95"]["total"]
        assert 0.5 < c80 < c95 <= 1.0
    # 2015 -> 2020 (no unforeseen boom): the 80 % interval covers about 80 %
    assert 0.7 < reports[1]["coverage"]["80"]["total"] < 0.95


def test_age_tilt_is_calibrated_before_the_jump_off(reports: list[dict]) -> None:
    """The nested backtest one horizon earlier sets the tilt; age-group intervals then cover 70-95 %."""
    for rep in reports:
        tilt = rep["age_tilt"]
        assert tilt["value"] > 1.0
        assert abs(tilt["in_sample_coverage_80"] - 0.8) < 0.1
        assert 0.7 < rep["coverage"]["80"]["age_groups"] < 0.95


def test_backtest_records_its_assumptions(reports: list[dict]) -> None:
    a = reports[0]["assumptions"]
    assert a["uncertainty"]["trajectories"] == 400
    assert a["uncertainty"]["seed"] == 3
    assert a["ratios"]["base_years"] == 5


def test_cli_backtest_writes_json(demo_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "bt.json"
    result = CliRunner().invoke(
        cli,
        [
            "project",
            "backtest",
            "--db",
            str(demo_db),
            "--jump-off",
            "2015",
            "--trajectories",
            "200",
            "--merge",
            "09041403=09041401",
            "--json",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert data[0]["jump_off"] == 2015 and data[0]["target"] == 2020
    assert "Ham.-Perry" in result.output and "model" in result.output


def test_cli_rejects_bad_input(demo_db: Path) -> None:
    bad = CliRunner().invoke(cli, ["project", "backtest", "--db", str(demo_db), "--merge", "09041403"])
    assert bad.exit_code != 0 and "NEW=OLD" in bad.output
    early = CliRunner().invoke(cli, ["project", "backtest", "--db", str(demo_db), "--jump-off", "2003"])
    assert early.exit_code == 1 and "earlier years" in early.output


def test_missing_band_indicators_are_named(demo_db: Path) -> None:
    store = open_store(str(demo_db), read_only=True)
    try:
        with pytest.raises(InvalidInput, match="no age-band indicators"):
            load_age_stocks(store, "planungsraum", prefix="nothing_")
    finally:
        store.close()
