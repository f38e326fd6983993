"""Indicator values in all formats, series, classes, profiles, analyses and the composite, over HTTP.

A real DuckDB store of the micro city (``tests/engine_cases.py``) with all values computed;
the expected numbers are the hand-computed ones of the engine tests.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from fastapi.testclient import TestClient

import engine_cases as mc
from ortswissen.services.indicators import compute_indicators
from ortswissen.storage import open_store
from ortswissen.web import create_app


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    path: Path = tmp_path_factory.mktemp("api_micro") / "micro.duckdb"
    store = open_store(str(path), create=True, crs=mc.CRS)
    mc.load(store)
    compute_indicators(store)
    with TestClient(create_app(store=store)) as c:
        yield c
    store.close()


def test_values_json_csv_xlsx_geojson(client: TestClient) -> None:
    params = {"level": "district", "date": "2021-12-31"}
    data = client.get("/api/v1/indicators/pct_kids/values", params=params).json()
    by_unit = {r["unit_id"]: r for r in data["values"]}
    assert by_unit["D1"]["value"] == pytest.approx(41 / 310 * 100) and by_unit["D1"]["status"] == "ok"
    csv = client.get("/api/v1/indicators/pct_kids/values", params={**params, "format": "csv"})
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    text = csv.content.decode("utf-8-sig")
    assert text.splitlines()[0] == "unit_id;unit_name;date;scenario;value;status"
    assert "D1;D1;" in text and "13,2258" in text  # German decimal comma
    xlsx = client.get("/api/v1/indicators/pct_kids/values", params={**params, "format": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("unit_id", "unit_name") and len(rows) == 3
    geo = client.get("/api/v1/indicators/pct_kids/values", params={**params, "format": "geojson"}).json()
    assert geo["type"] == "FeatureCollection" and len(geo["features"]) == 2
    q3 = client.get(
        "/api/v1/indicators/pct_kids/values", params={"level": "quarter", "date": "2021-12-31", "format": "geojson"}
    ).json()
    status = {f["properties"]["unit_id"]: f["properties"]["status"] for f in q3["features"]}
    assert status["Q3"] == "missing"  # zero denominator: missing, never 0


def test_series_of_a_unit(client: TestClient) -> None:
    data = client.get("/api/v1/indicators/pop/series", params={"unit": "Q4"}).json()
    assert data["level"] == "quarter"
    assert [(r["date"], r["value"]) for r in data["values"]] == [
        ("2020-12-31", 300),
        ("2021-12-31", 330),
        ("2022-12-31", 390),
    ]


def test_classify_with_methods(client: TestClient) -> None:
    base = {"level": "quarter", "date": "2021-12-31"}
    data = client.get("/api/v1/indicators/pop/classify", params={**base, "method": "manual", "breaks": [100, 250, 400]})
    assert data.status_code == 200, data.text
    classes = {u["unit_id"]: u["class"] for u in data.json()["units"]}
    assert classes == {"Q1": 1, "Q2": 1, "Q3": 0, "Q4": 2}
    q = client.get("/api/v1/indicators/pop/classify", params={**base, "method": "quantiles", "k": 2}).json()
    assert q["k_used"] == 2 and len(q["breaks"]) == 2
    fixed = client.get(
        "/api/v1/indicators/pop/classify", params={**base, "method": "equal_interval", "k": 3, "fixed": True}
    )
    assert fixed.json()["fixed_over_time"] is True
    assert fixed.json()["breaks"][-1] == 390  # the maximum over all dates, not of 2021


def test_ranking_and_profile(client: TestClient) -> None:
    ranking = client.get("/api/v1/indicators/pop/ranking", params={"level": "quarter", "date": "2021-12-31"}).json()
    ranks = {u["unit_id"]: u["rank"] for u in ranking["units"]}
    assert ranks == {"Q4": 1, "Q2": 2, "Q1": 3, "Q3": 4}
    prof = client.get("/api/v1/units/Q1/profile", params={"level": "quarter", "date": "2021-12-31"}).json()
    rows = {r["indicator"]: r for r in prof["indicators"]}
    assert prof["parent"] == "D1"
    assert rows["pop"]["value"] == 110 and rows["pop"]["parent_value"] == 310 and rows["pop"]["city_value"] == 640
    assert rows["pct_kids"]["value"] == pytest.approx(10.0)


def test_change_trend_regression_deficits_lisa(client: TestClient) -> None:
    ch = client.get(
        "/api/v1/analysis/change",
        params={"indicator": "pop", "level": "quarter", "from": "2020-12-31", "to": "2022-12-31"},
    ).json()
    units = {u["unit_id"]: u for u in ch["units"]}
    assert units["Q4"]["absolute"] == 90 and units["Q4"]["relative"] == pytest.approx(0.3)
    tr = client.get("/api/v1/analysis/trend", params={"indicator": "pop", "level": "quarter"}).json()
    assert {u["unit_id"] for u in tr["units"]} == {"Q1", "Q2", "Q3", "Q4"}
    reg = client.get(
        "/api/v1/analysis/regression", params={"x": "pop", "y": "kids", "level": "quarter", "date": "2021-12-31"}
    ).json()
    assert reg["n"] == 4 and -1 <= reg["r"] <= 1
    de = client.get(
        "/api/v1/analysis/deficits",
        params={"indicator": "pop", "level": "quarter", "date": "2021-12-31", "threshold": 150, "direction": "below"},
    ).json()
    flagged = {u["unit_id"] for u in de["units"] if u["is_deficit"]}
    assert flagged == {"Q1", "Q3"}
    li = client.get("/api/v1/analysis/lisa", params={"indicator": "pop", "level": "quarter", "date": "2021-12-31"})
    assert li.status_code == 200, li.text
    assert {u["unit_id"] for u in li.json()["units"]} == {"Q1", "Q2", "Q3", "Q4"}
    assert "I" in li.json()["moran"]


def test_composite_what_if_with_baseline(client: TestClient) -> None:
    body = {
        "level": "quarter",
        "date": "2021-12-31",
        "spec": {"components": [{"indicator": "pop"}, {"indicator": "kids", "weight": 2}], "normalisation": "minmax"},
        "baseline": {"components": [{"indicator": "pop"}], "normalisation": "minmax"},
    }
    response = client.post("/api/v1/composite", json=body)
    assert response.status_code == 200, response.text
    units = {u["unit_id"]: u for u in response.json()["units"]}
    # minmax: pop (110, 200, 0, 330)/330, kids (11, 30, 0, 33)/33; weighted mean (1·pop + 2·kids)/3
    assert units["Q4"]["score"] == pytest.approx(1.0) and units["Q3"]["score"] == pytest.approx(0.0)
    assert units["Q2"]["score"] == pytest.approx((200 / 330 + 2 * 30 / 33) / 3)
    assert "rank_change" in units["Q2"]


def test_bad_requests(client: TestClient) -> None:
    bad_weight = {
        "level": "quarter",
        "date": "2021-12-31",
        "spec": {"components": [{"indicator": "pop", "weight": "viel"}]},
    }
    response = client.post("/api/v1/composite", json=bad_weight)
    assert response.status_code == 422 and response.headers["content-type"] == "application/problem+json"
    unknown = client.get("/api/v1/indicators/nope/classify", params={"level": "quarter"})
    assert unknown.status_code == 404
    level = client.get("/api/v1/indicators/pop/ranking", params={"level": "atlantis"})
    assert level.status_code == 404 and "atlantis" in level.json()["detail"]
    day = client.get("/api/v1/indicators/pop/ranking", params={"level": "quarter", "date": "1999-12-31"})
    assert day.status_code == 404 and "2022-12-31" in day.json()["detail"]
    unit = client.get("/api/v1/units/QX/profile", params={"level": "quarter", "date": "2021-12-31"})
    assert unit.status_code == 404
