"""Projection runs on the real Berlin demo: stored scenarios, quantiles, upper levels, API and CLI."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from ortswissen.cli.main import cli
from ortswissen.errors import InvalidInput
from ortswissen.services.indicators import recompute_after_import
from ortswissen.services.projection_runs import LOR_BANDS, list_runs, output_groups, run_projection
from ortswissen.storage import open_store
from ortswissen.web.app import create_app

JUMP_OFF = dt.date(2023, 12, 31)
QUANTILES = ["medium_q025", "medium_q10", "medium_q50", "medium_q90", "medium_q975"]


@pytest.fixture(scope="module")
def projected(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    path = tmp_path_factory.mktemp("projection") / "berlin.duckdb"
    shutil.copy(demo_db, path)
    store = open_store(str(path))
    try:
        run = run_projection(
            store,
            "planungsraum",
            horizon=3,
            jump_off=JUMP_OFF,
            jump_off_bands=[b[0] for b in LOR_BANDS],
            crosswalk="planungsraum_2006_2021",
            trajectories=200,
            seed=11,
        )
        recompute_after_import(store, [g[0] for g in output_groups()])
    finally:
        store.close()
    return path, run.summary()


def test_the_jump_off_keeps_the_observed_total(projected: tuple[Path, dict]) -> None:
    path, run = projected
    store = open_store(str(path), read_only=True)
    try:
        observed = store.read_values(["residents"], level_id="planungsraum", dates=[JUMP_OFF], scenario="observed")
    finally:
        store.close()
    assert len(observed) == 542
    assert run["city"]["medium"][0] == pytest.approx(observed["value"].sum(), rel=1e-6)
    assert run["years"] == [2024, 2025, 2026]
    assert run["units"] == 542


def test_every_scenario_and_quantile_is_stored_as_projected(projected: tuple[Path, dict]) -> None:
    path, run = projected
    store = open_store(str(path), read_only=True)
    try:
        v = store.read_values(["residents", "residents_age_3"], level_id="planungsraum", dates=[dt.date(2026, 12, 31)])
    finally:
        store.close()
    assert set(v["status"]) == {"projected"}
    assert set(v["scenario"]) == {"medium", "low", "high", *QUANTILES}
    assert (v.groupby("scenario").size() == 2 * 542).all()
    assert set(v.loc[v["scenario"].isin(QUANTILES), "flag"]) == {"quantile"}
    wide = v[v["indicator_id"] == "residents"].pivot_table(index="unit_id", columns="scenario", values="value")
    q = wide[QUANTILES].to_numpy()
    assert (np.diff(q, axis=1) >= -1e-6).all()
    # the deterministic variants are ordered where the model says so (city growth low < high)
    assert wide["low"].sum() < wide["medium"].sum() < wide["high"].sum()
    assert sum(run["city"]["medium"][1:]) > 0


def test_upper_levels_sum_the_variants_but_draw_their_own_quantiles(projected: tuple[Path, dict]) -> None:
    path, _ = projected
    day = dt.date(2026, 12, 31)
    store = open_store(str(path), read_only=True)
    try:
        areas = store.read_values(["residents"], level_id="planungsraum", dates=[day])
        districts = store.read_values(["residents"], level_id="bezirk", dates=[day])
    finally:
        store.close()
    areas = areas.assign(bezirk=areas["unit_id"].str[:2])
    summed = areas[areas["scenario"] == "medium"].groupby("bezirk")["value"].sum()
    medium = districts[districts["scenario"] == "medium"].set_index("unit_id")["value"]
    assert medium.sort_index().to_numpy() == pytest.approx(summed.sort_index().to_numpy(), rel=1e-6)
    q10 = districts[districts["scenario"] == "medium_q10"].set_index("unit_id")["value"].sort_index()
    q90 = districts[districts["scenario"] == "medium_q90"].set_index("unit_id")["value"].sort_index()
    area_q10 = areas[areas["scenario"] == "medium_q10"].groupby("bezirk")["value"].sum().sort_index()
    assert len(q10) == 12
    # quantiles of district sums, not sums of area quantiles: the interval is narrower
    assert (q10.to_numpy() > area_q10.to_numpy()).all()
    assert ((q10 < medium.sort_index()) & (medium.sort_index() < q90)).all()


def test_the_run_is_listed_with_its_assumptions(projected: tuple[Path, dict]) -> None:
    path, run = projected
    store = open_store(str(path), read_only=True)
    try:
        runs = list_runs(store)
    finally:
        store.close()
    mine = [r for r in runs if r["run_id"] == run["run_id"]]
    assert len(mine) == 1
    assert mine[0]["seed"] == 11 and mine[0]["trajectories"] == 200
    assert mine[0]["jump_off"] == "2023-12-31"
    assert mine[0]["data_version"]
    # births 2021-2023 fell short of the 2015-2020 child ratios: the bridge calibration says so
    assert 0.8 < mine[0]["recent_fertility_factor"] < 1.0
    out = CliRunner().invoke(cli, ["project", "list", "--json", "--db", str(path)])
    assert out.exit_code == 0, out.output
    assert run["run_id"] in [r["run_id"] for r in json.loads(out.output)]


def test_demography_api_serves_pyramid_fan_and_key_figures(projected: tuple[Path, dict]) -> None:
    path, _ = projected
    store = open_store(str(path), read_only=True)
    try:
        client = TestClient(create_app(store=store))
        base = {"level": "planungsraum", "unit": "01100101"}
        pyr = client.get("/api/v1/demography/pyramid", params={**base, "date": "2026-12-31", "scenario": "medium"})
        assert pyr.status_code == 200, pyr.text
        body = pyr.json()
        assert body["status"] == "projected" and body["source"] == "projection"
        assert [b["from"] for b in body["bands"]] == list(range(0, 100, 5))
        values = store.read_values(
            ["residents_age_00_05", "residents"],
            level_id="planungsraum",
            unit_ids=["01100101"],
            dates=[dt.date(2026, 12, 31)],
            scenario="medium",
        ).set_index("indicator_id")["value"]
        assert body["bands"][0]["total"] == pytest.approx(values["residents_age_00_05"])
        assert sum(b["total"] for b in body["bands"]) == pytest.approx(values["residents"], rel=1e-3)
        assert all(b["q10"] <= b["q90"] for b in body["bands"])

        fan = client.get("/api/v1/demography/fan", params={"level": "stadt", "unit": "11000000"}).json()
        assert fan["jump_off"] == "2023-12-31"
        # this run replaced 2024-2026; the demo's own run goes on to 2040
        assert [q["date"] for q in fan["quantiles"]][:3] == ["2024-12-31", "2025-12-31", "2026-12-31"]
        assert set(fan["scenarios"]) == {"medium", "low", "high"}
        assert fan["observed"][-1]["date"] == "2023-12-31"

        key = client.get("/api/v1/demography/keyfigures", params={**base, "date": "2023-12-31"}).json()
        obs = store.read_values(
            [b[0] for b in LOR_BANDS], level_id="planungsraum", unit_ids=["01100101"], dates=[JUMP_OFF]
        ).set_index("indicator_id")["value"]
        young = obs["residents_age_under_6"] + obs["residents_age_6_15"]
        old = obs["residents_age_65_plus"]
        working = obs.sum() - young - old
        assert key["youth_dependency"] == pytest.approx(round(young / working * 100, 2))
        assert key["ageing_index"] == pytest.approx(round(old / young * 100, 2))
        assert client.get("/api/v1/demography/pyramid", params={**base, "date": "1990-12-31"}).status_code == 400
        assert client.get("/api/v1/demography/fan", params={"level": "stadt", "unit": "nope"}).status_code in (400, 404)
    finally:
        store.close()


def test_bad_runs_are_refused(demo_db: Path) -> None:
    store = open_store(str(demo_db), read_only=True)
    try:
        with pytest.raises(InvalidInput, match="observed age bands"):
            run_projection(store, "planungsraum", jump_off=JUMP_OFF, crosswalk="planungsraum_2006_2021", write=False)
        with pytest.raises(InvalidInput, match="control totals are missing"):
            run_projection(
                store,
                "planungsraum",
                horizon=2,
                jump_off=JUMP_OFF,
                jump_off_bands=[b[0] for b in LOR_BANDS],
                crosswalk="planungsraum_2006_2021",
                control={2024: 3.9e6},
                trajectories=0,
                write=False,
            )
        with pytest.raises(InvalidInput, match="medium"):
            run_projection(store, "planungsraum", scenarios=["low"], write=False)
    finally:
        store.close()
