"""The migration API in-process against a real DuckDB store: the town with a hand-counted register extract."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import shapely
from fastapi.testclient import TestClient
from tests.migration_cases import EXPECTED_2022, EXPECTED_OD_2022, build_store_file

from ortswissen.config import Settings
from ortswissen.ports import Store
from ortswissen.storage import open_store
from ortswissen.web import create_app


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    path = build_store_file(tmp_path_factory.mktemp("migration_api") / "town.duckdb")
    s = open_store(str(path), read_only=True)
    yield s
    s.close()


@pytest.fixture(scope="module")
def client(store: Store) -> Iterator[TestClient]:
    with TestClient(create_app(store=store)) as c:
        yield c


def get(client: TestClient, path: str, **params: object) -> dict:
    response = client.get(f"/api/v1/migration/{path}", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_summary_shows_all_counts_when_asked(client: TestClient) -> None:
    data = get(client, "summary", level="quartier", year=2022, small_counts="show")
    assert (data["level"], data["year"], data["synthetic"]) == ("quartier", 2022, True)
    rows = {r["unit_id"]: r for r in data["rows"]}
    for unit, (moves_in, moves_out, internal_in, internal_out, within, net) in EXPECTED_2022.items():
        row = rows[unit]
        assert (row["moves_in"], row["moves_out"], row["internal_in"], row["internal_out"]) == (
            moves_in,
            moves_out,
            internal_in,
            internal_out,
        )
        assert (row["within"], row["net"]) == (within, net)
    assert set(rows["0101"]) >= {"unit_id", "name", "population", "net_rate", "turnover_rate"}
    assert rows["0101"]["net_rate"] == pytest.approx(1000 * 3 / rows["0101"]["population"], abs=0.01)


def test_small_counts_are_suppressed_by_default(client: TestClient) -> None:
    rows = {r["unit_id"]: r for r in get(client, "summary", level="quartier", year=2022)["rows"]}
    assert rows["0101"]["moves_in"] == 6 and rows["0101"]["moves_out"] is None and rows["0101"]["net"] is None
    assert "moves_out" in rows["0101"]["suppressed"]
    flows = get(client, "od", level="quartier", year=2022)["flows"]
    assert all(f["count"] is None or f["count"] >= 3 for f in flows)
    assert sum(1 for f in flows if f["count"] is None) == 5


def test_public_mode_always_suppresses(store: Store) -> None:
    with TestClient(create_app(Settings(public_mode=True), store=store)) as c:
        flows = c.get("/api/v1/migration/od", params={"level": "quartier", "year": 2022, "small_counts": "show"})
    assert flows.status_code == 200
    assert any(f["count"] is None for f in flows.json()["flows"])


def test_od_matrix(client: TestClient) -> None:
    data = get(client, "od", level="quartier", year=2022, small_counts="show")
    assert {(f["origin"], f["destination"]): f["count"] for f in data["flows"]} == EXPECTED_OD_2022
    assert len(data["units"]) == 16 and data["units"][0] == {"unit_id": "0101", "name": "Altstadt 1"}
    filtered = get(client, "od", level="quartier", year=2022, age_group="bildungswanderer", small_counts="show")
    assert filtered["flows"] == [{"origin": "outside", "destination": "0101", "count": 6}]


def test_net_by_age(client: TestClient) -> None:
    data = get(client, "net-by-age", level="quartier", year=2022, unit="0101", small_counts="show")
    groups = {g["group"]: g for g in data["groups"]}
    assert set(groups["familienwanderer"]) >= {"label_de", "label_en", "from", "to", "moves_in", "rate_per_1000"}
    assert groups["familienwanderer"]["net"] == -5 and groups["senioren"]["to"] is None
    city = get(client, "net-by-age", level="quartier", year=2022)
    assert city["unit"] is None and {g["group"]: g["net"] for g in city["groups"]}["bildungswanderer"] == 6


def test_flows_are_geojson(client: TestClient) -> None:
    response = client.get("/api/v1/migration/flows", params={"level": "quartier", "year": 2022, "min_count": 1})
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/geo+json")
    features = response.json()["features"]
    assert [f["id"] for f in features] == ["0101→0102", "0201→0101"]
    props = features[0]["properties"]
    assert (props["count"], props["reverse_count"], props["net"]) == (4, None, None)  # reverse 1 suppressed
    lon, lat = shapely.geometry.shape(features[0]["geometry"]).coords[0]
    assert 9.4 < lon < 9.6 and 51.2 < lat < 51.4
    assert get(client, "flows", level="quartier", year=2022)["features"] == []  # default min_count 10


@pytest.mark.parametrize(
    ("path", "params", "status", "text"),
    [
        ("summary", {"level": "nowhere", "year": 2022}, 404, "unknown level"),
        ("summary", {"level": "quartier", "year": 2019}, 404, "available: 2022, 2023"),
        ("summary", {"level": "quartier", "year": "zwei"}, 400, "year"),
        ("summary", {"level": "quartier"}, 400, "year"),
        ("od", {"level": "quartier", "year": 2022, "age_group": "students"}, 400, "age_group"),
        ("od", {"level": "quartier", "year": 2023, "year_to": 2022}, 400, "backwards"),
        ("net-by-age", {"level": "quartier", "year": 2022, "unit": "0104"}, 404, "0104"),
        ("flows", {"level": "quartier", "year": 2022, "min_count": 0}, 400, "min_count"),
    ],
)
def test_errors_are_problems(client: TestClient, path: str, params: dict, status: int, text: str) -> None:
    response = client.get(f"/api/v1/migration/{path}", params=params)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert text in response.json()["detail"]


def test_store_without_register_is_404(town_store: Store) -> None:
    with TestClient(create_app(store=town_store)) as c:
        response = c.get("/api/v1/migration/summary", params={"level": "quartier", "year": 2022})
    assert response.status_code == 404 and "no register extract" in response.json()["detail"]
