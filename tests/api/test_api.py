"""The HTTP API and the overview page, in-process, against a real DuckDB store of the synthetic town."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator

import pytest
import shapely
from fastapi.testclient import TestClient

from ortswissen.config import Settings
from ortswissen.indicators import IndicatorMeta
from ortswissen.ports import Store
from ortswissen.web import create_app


@pytest.fixture
def client(town_store: Store) -> Iterator[TestClient]:
    with TestClient(create_app(store=town_store)) as c:
        yield c


def test_levels_list_vintages_and_periods(client: TestClient) -> None:
    levels = {lv["id"]: lv for lv in client.get("/api/v1/levels").json()}
    assert list(levels) == ["stadt", "bezirk", "quartier", "block"]
    q = levels["quartier"]
    assert (q["parent"], q["nested"], q["unit_versions"]) == ("bezirk", True, 19)
    assert [v["id"] for v in q["vintages"]] == ["q2015", "q2021"]
    assert [(p["valid_from"], p["valid_to"], p["units"]) for p in q["periods"]] == [
        ("2015-01-01", "2020-12-31", 16),
        ("2021-01-01", None, 16),
    ]
    assert levels["block"]["nested"] is False
    assert client.get("/api/v1/levels/quartier").json()["id"] == "quartier"


@pytest.mark.parametrize(("date", "expected"), [("2020-12-31", {"0104", "0301"}), ("01.01.2021", {"0105", "0307"})])
def test_units_as_geojson_for_a_date(client: TestClient, date: str, expected: set[str]) -> None:
    response = client.get("/api/v1/levels/quartier/units", params={"date": date})
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/geo+json")
    data = response.json()
    assert data["type"] == "FeatureCollection" and len(data["features"]) == 16
    ids = {f["id"] for f in data["features"]}
    assert expected <= ids
    feature = next(f for f in data["features"] if f["id"] == "0101")
    assert set(feature["properties"]) >= {"id", "name", "parent_id", "valid_from", "valid_to"}
    assert feature["properties"]["parent_id"] == "01" and feature["properties"]["valid_from"] == "2015-01-01"
    shape = shapely.geometry.shape(feature["geometry"])
    lon, lat = shape.centroid.coords[0]
    assert shape.is_valid and 9.4 < lon < 9.6 and 51.2 < lat < 51.4  # 34 km east of 9° E (zone 32), near Kassel


def test_all_versions_without_a_date_and_by_vintage(client: TestClient) -> None:
    assert len(client.get("/api/v1/levels/quartier/units").json()["features"]) == 19
    by_vintage = client.get("/api/v1/levels/quartier/units", params={"vintage": "q2021"}).json()
    assert {f["id"] for f in by_vintage["features"]} == {"0105", "0106", "0307"}


def test_errors_are_problem_details(client: TestClient) -> None:
    missing = client.get("/api/v1/levels/nowhere/units")
    assert missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"
    assert missing.json()["detail"] == "unknown level 'nowhere'; available: bezirk, block, quartier, stadt"
    bad = client.get("/api/v1/levels/quartier/units", params={"date": "2021-02-30"})
    assert bad.status_code == 400 and "2021-02-30" in bad.json()["detail"]
    assert client.get("/api/v1/indicators/nope").status_code == 404
    assert client.get("/api/v1/indicators/residents/values").status_code == 400  # level is required


def test_indicator_catalogue_and_values(client: TestClient) -> None:
    catalogue = {m["id"]: m for m in client.get("/api/v1/indicators").json()}
    residents = catalogue["residents"]
    assert residents["aggregation"]["method"] == "sum"
    # upper levels are aggregated from the quarters at import
    assert {a["level"] for a in residents["available"]} == {"stadt", "bezirk", "quartier"}
    data = client.get("/api/v1/indicators/residents/values", params={"level": "quartier", "date": "2023-12-31"}).json()
    assert len(data["values"]) == 16 and all(v["status"] == "ok" for v in data["values"])
    total = sum(v["value"] for v in data["values"])
    assert total > 0
    assert client.get("/api/v1/indicators/residents").json()["title_de"] == "Einwohner"


def test_public_mode_hides_internal_indicators(town_store: Store) -> None:
    town_store.put_indicator(IndicatorMeta(id="secret", title_de="Intern", title_en="Internal", visibility="internal"))
    with TestClient(create_app(Settings(public_mode=True), store=town_store)) as c:
        assert "secret" not in {m["id"] for m in c.get("/api/v1/indicators").json()}
        assert c.get("/api/v1/indicators/secret").status_code == 404
    with TestClient(create_app(Settings(public_mode=False), store=town_store)) as c:
        assert c.get("/api/v1/indicators/secret").status_code == 200


def test_georesources_and_crosswalks(client: TestClient) -> None:
    assert [g["id"] for g in client.get("/api/v1/georesources").json()] == ["kitas"]
    on = client.get("/api/v1/georesources/kitas/features", params={"date": "2023-01-01"}).json()
    assert len(on["features"]) == 11  # one of the twelve closed in 2022
    assert on["features"][0]["properties"]["attributes"]["plaetze"] > 0
    assert client.get("/api/v1/crosswalks").json() == []


def test_openapi_documents_the_routes(client: TestClient) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    assert spec["openapi"].startswith("3.")
    paths = set(spec["paths"])
    assert {"/api/v1/levels", "/api/v1/levels/{level}/units", "/api/v1/indicators/{indicator}/values"} <= paths
    assert client.get("/docs").status_code == 404  # Swagger UI would need a CDN


def test_overview_page_is_offline_and_bilingual(client: TestClient) -> None:
    de = client.get("/daten")
    assert de.status_code == 200 and "<html lang='de'>" in de.text and "Raumebenen" in de.text
    assert "Quartiere 2021" in de.text and "href='/?lang=de'" in de.text  # links to the atlas
    en = client.get("/daten", params={"lang": "en"}).text
    assert "<html lang='en'>" in en and "Spatial levels" in en
    external = re.findall(r"(?:src|href)=['\"](https?://[^'\"]+)", de.text)
    assert external == []


def test_the_atlas_shell_loads_the_local_bundle(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and "<html lang='de'>" in page.text
    assert re.findall(r"(?:src|href)=['\"](https?://[^'\"]+)", page.text) == []
    config = json.loads(re.search(r"id='ow-config'>(.*?)</script>", page.text).group(1))
    assert config == {
        "lang": "de", "publicMode": False, "baseMapUrl": None, "version": config["version"], "api": "/api/v1",
        "embed": False,
    }  # fmt: skip
    for asset in re.findall(r"(?:src|href)='(/static/[^'?]+)", page.text):
        assert client.get(asset).status_code == 200, asset
    assert client.get("/static/app/maplibre-gl-worker.mjs").status_code == 200  # MapLibre loads it beside app.js
    assert "<html lang='en'>" in client.get("/?lang=en").text
    assert json.loads(re.search(r"id='ow-config'>(.*?)</script>", client.get("/?embed=1").text).group(1))["embed"]
    assert client.get("/favicon.ico").headers["content-type"].startswith("image/svg+xml")


def test_units_can_be_simplified_for_maps(client: TestClient) -> None:
    full = client.get("/api/v1/levels/block/units", params={"date": "2022-12-31"}).json()
    thin = client.get("/api/v1/levels/block/units", params={"date": "2022-12-31", "simplify": 50}).json()
    assert [f["id"] for f in thin["features"]] == [f["id"] for f in full["features"]]
    assert client.get("/api/v1/levels/block/units", params={"simplify": -1}).status_code == 400


def test_health(client: TestClient) -> None:
    data = client.get("/api/v1/health").json()
    assert data["status"] == "ok" and data["counts"]["unit_versions"] == 88


def test_serving_opens_the_store_read_only(town_store: Store) -> None:
    path = town_store.url
    town_store.close()
    with TestClient(create_app(Settings(db=path))) as c:
        assert c.get("/api/v1/levels").status_code == 200
        store = c.app.state.store
        assert store.read_only
    assert dt.date.today()  # the app closed its store on shutdown without error
