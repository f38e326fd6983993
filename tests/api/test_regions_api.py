"""Delineation jobs over HTTP: start, poll, read the result; errors as problems; hidden in public mode."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ortswissen.config import Settings
from ortswissen.storage import open_store
from ortswissen.web import create_app

BODY: dict[str, Any] = {
    "level": "block",
    "date": "2020-12-31",
    "population": "block_residents",
    "attributes": [{"indicator": "block_residents"}],
    "flows": [{"georesource": "kitas", "scale": 800}],
    "nest_level": "bezirk",
    "n_regions": 8,
    "floor": 2000,
}


@pytest.fixture(scope="module")
def town_db(_town_template: Path) -> Path:
    return _town_template


@pytest.fixture
def client(town_db: Path) -> Iterator[TestClient]:
    store = open_store(str(town_db), read_only=True)
    with TestClient(create_app(store=store)) as c:
        yield c
    store.close()


def _wait(client: TestClient, url: str) -> dict[str, Any]:
    for _ in range(400):
        job = client.get(url).json()
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.05)
    raise AssertionError("the job did not finish")


def test_a_delineation_job_runs_and_reports(client: TestClient) -> None:
    started = client.post("/api/v1/regions/delineations", json=BODY)
    assert started.status_code == 202
    assert started.json()["status"] in ("queued", "running", "done")
    job = _wait(client, started.headers["location"])
    assert job["status"] == "done" and job["progress"] == 1.0
    result = job["result"]
    assert result["metrics"]["contiguous"] is True and result["metrics"]["floor_violations"] == 0
    assert result["params"]["floor"] == 2000 and result["saved_level"] is None
    assert result["flows"][0]["georesource"] == "kitas"
    units = client.get(job["links"]["units"]).json()
    assert units["level"] == "block" and len(units["units"]) == 64
    assert len(set(units["units"].values())) == result["metrics"]["n_regions"]


def test_failures_are_reported_on_the_job(client: TestClient) -> None:
    job = _wait(client, client.post("/api/v1/regions/delineations", json={**BODY, "floor": 10**7}).headers["location"])
    assert job["status"] == "failed"
    assert job["error"]["title"] == "infeasible-constraints" and job["error"]["problems"][0]["units"]
    units = client.get(job["links"]["units"])
    assert units.status_code == 409 and units.headers["content-type"] == "application/problem+json"


def test_bad_requests_are_problems(client: TestClient) -> None:
    saving = client.post("/api/v1/regions/delineations", json={**BODY, "save_as": "neu"})
    assert saving.status_code == 409 and "read-only" in saving.json()["detail"]
    unknown_level = client.post("/api/v1/regions/delineations", json={**BODY, "level": "nosuch"})
    assert unknown_level.status_code == 404 and "block" in unknown_level.json()["available"]
    no_size = client.post("/api/v1/regions/delineations", json={k: v for k, v in BODY.items() if k != "n_regions"})
    assert no_size.status_code == 422 and "n_regions or target_population" in no_size.json()["detail"]
    bad_weight = client.post(
        "/api/v1/regions/delineations", json={**BODY, "attributes": [{"indicator": "x", "weight": "heavy"}]}
    )
    assert bad_weight.status_code == 422
    missing = client.get("/api/v1/regions/delineations/nosuch")
    assert missing.status_code == 404 and missing.json()["title"] == "not-found"


def test_public_mode_hides_delineation(town_db: Path) -> None:
    store = open_store(str(town_db), read_only=True)
    with TestClient(create_app(Settings(public_mode=True), store=store)) as c:
        assert c.post("/api/v1/regions/delineations", json=BODY).status_code == 404
    store.close()
