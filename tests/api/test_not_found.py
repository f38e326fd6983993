"""Unknown ids answer 404 problem+json naming what exists (and nothing hidden in public mode)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from ortswissen.config import Settings
from ortswissen.indicators import IndicatorMeta
from ortswissen.ports import Store
from ortswissen.web import create_app


@pytest.fixture
def client(town_store: Store) -> Iterator[TestClient]:
    with TestClient(create_app(store=town_store)) as c:
        yield c


def test_unknown_indicator_lists_the_indicators(client: TestClient, town_store: Store) -> None:
    answer = client.get("/api/v1/indicators/nope/values", params={"level": "quartier"})
    assert answer.status_code == 404 and answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    assert problem["available"] == sorted(m.id for m in town_store.list_indicators())
    assert "unknown indicator 'nope'; available: " in problem["detail"] and "residents" in problem["detail"]


def test_unknown_level_lists_the_levels(client: TestClient, town_store: Store) -> None:
    problem = client.get("/api/v1/indicators/residents/values", params={"level": "nolevel"}).json()
    assert problem["status"] == 404
    assert problem["available"] == sorted(lv.id for lv in town_store.list_levels())


def test_other_errors_carry_no_list(client: TestClient) -> None:
    problem = client.get("/api/v1/indicators/residents/values", params={"level": "quartier", "date": "x"}).json()
    assert problem["status"] == 400 and "available" not in problem


def test_public_mode_does_not_reveal_internal_indicators(town_store: Store) -> None:
    town_store.put_indicator(IndicatorMeta(id="secret", title_de="Intern", title_en="Internal", visibility="internal"))
    with TestClient(create_app(Settings(public_mode=True), store=town_store)) as c:
        problem = c.get("/api/v1/indicators/nope").json()
    assert problem["status"] == 404 and "secret" not in problem["available"] and "secret" not in problem["detail"]
    assert "residents" in problem["available"]


def test_unknown_unit_lists_the_units_of_the_level(client: TestClient, town_store: Store) -> None:
    problem = client.get("/api/v1/units/xyz/profile", params={"level": "quartier", "date": "2023-12-31"}).json()
    assert problem["status"] == 404 and problem["detail"].startswith("unit 'xyz' of level 'quartier' is not valid")
    valid = town_store.unit_versions("quartier", at=dt.date(2023, 12, 31), geometry=False)
    assert problem["available"] == sorted(valid["unit_id"])


def test_a_date_without_values_lists_the_dates_with_values(client: TestClient, town_store: Store) -> None:
    problem = client.get(
        "/api/v1/indicators/residents/ranking", params={"level": "quartier", "date": "2023-12-30"}
    ).json()
    assert problem["status"] == 404 and "has no values on level 'quartier' on 2023-12-30" in problem["detail"]
    dates = town_store.read_values(["residents"], level_id="quartier")["date"]
    assert problem["available"] == sorted({d.isoformat() for d in dates}) and "2023-12-31" in problem["available"]


def test_values_on_a_date_without_values_is_404_naming_the_dates(client: TestClient) -> None:
    answer = client.get("/api/v1/indicators/residents/values", params={"level": "quartier", "date": "2023-12-30"})
    problem = answer.json()
    assert answer.status_code == 404 and "2023-12-31" in problem["available"]
    assert problem["detail"].startswith("indicator 'residents' has no values on level 'quartier' on 2023-12-30")
    ok = client.get("/api/v1/indicators/residents/values", params={"level": "quartier", "date": "2023-12-31"})
    assert ok.status_code == 200 and len(ok.json()["values"]) == 16
