"""Schemathesis over the OpenAPI document: every operation, generated requests, no finding tolerated.

The app serves a real DuckDB store: the synthetic town (levels with vintages, unit geometries,
imported values aggregated to the upper levels, a georesource) plus a computed indicator and a
crosswalk. Random ids only ever meet ``404``, so the document handed to schemathesis gives the
parameters ``examples`` naming objects of this store (the examples and coverage phases use
them), and ``test_examples_reach_success`` makes sure every operation answers them with a
success that conforms to the document.

Checks: schemathesis' whole default set (``not_a_server_error``, ``status_code_conformance``,
``content_type_conformance``, ``response_schema_conformance``, ``response_headers_conformance``,
``negative_data_rejection``, ``positive_data_acceptance``, ``unsupported_method``, ...), with
one check narrowed, see :func:`positive_data_acceptance_beyond_domain_rules`. Hypothesis is
derandomised and bounded, so CI sends the same requests every run.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import settings
from schemathesis.specs.openapi.checks import positive_data_acceptance
from tests.migration_cases import load_register

from kita_cases import add_kita_children
from ortswissen.services.crosswalks import CrosswalkSpec, compute_crosswalk
from ortswissen.services.indicators import parse_definitions, register_definitions
from ortswissen.services.register import derive_register_values
from ortswissen.storage import open_store
from ortswissen.web import create_app

MAX_EXAMPLES = 30
PROBLEM = "application/problem+json"
EPSG25832 = "http://www.opengis.net/def/crs/EPSG/0/25832"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"

# Objects of the test store, by parameter name (path and query alike); the first of each is
# the one test_examples_reach_success sends.
LEVELS = ["quartier", "bezirk", "stadt", "block"]
EXAMPLES: dict[str, list[Any]] = {
    "level": LEVELS,
    "collectionId": LEVELS,
    "indicator": ["residents", "pct_under_6", "residents_under_6"],
    "x": ["residents"],
    "y": ["residents_under_6"],
    "weight": ["residents"],
    "unit": ["0101", "0105"],
    "featureId": ["0101", "0104@2015-01-01", "0105@2021-01-01"],
    "georesource": ["kitas"],
    "crosswalk": ["q2015_q2021"],
    "vintage": ["q2021"],
    "date": ["2021-12-31", "31.12.2020", "2023-12-31"],
    "year": [2022, 2023],  # the register extract of tests/migration_cases.py
    "as_of": ["2021-01-01"],
    "from": ["2020-12-31"],
    "to": ["2022-12-31"],
    "since": ["2019-12-31"],
    "datetime": ["2021-12-31", "2019-01-01/2022-12-31", "../2020-12-31"],
    "bbox": ["9.4,51.2,9.6,51.4"],
    "crs": [EPSG25832, CRS84],
    "bbox-crs": [CRS84],
    "threshold": [3000],
    "breaks": [[2000, 4000, 8000]],
    # a tile over the town (around 9.5° E, 51.3° N)
    "z": [12, 8],
    "x_tile": [2156, 134],
    "y_tile": [1365, 85],
}
COMPOSITE_BODY = {
    "level": "quartier",
    "date": "2021-12-31",
    "spec": {
        "components": [{"indicator": "residents"}, {"indicator": "pct_under_6", "weight": 2}],
        "normalisation": "minmax",
    },
    "baseline": {"components": [{"indicator": "residents"}], "normalisation": "minmax"},
}
DELINEATION_BODY = {
    "level": "block",
    "date": "2020-12-31",
    "population": "block_residents",
    "attributes": [{"indicator": "block_residents"}],
    "nest_level": "bezirk",
    "n_regions": 8,
    "floor": 2000,
}
KITA_BODY = {"level": "quartier", "year": 2024, "quotas": "need", "by_age": {"1": 0.5}, "catchment": "neighbours"}
# Kita plans exist for the years with projected children (tests/kita_cases.py)
KITA_EXAMPLES: dict[str, list[Any]] = {
    "year": [2024, 2025],
    "to_year": [2025],
    "catchment": ["none", "neighbours", "800m"],
}
BODIES = {
    "/api/v1/composite": COMPOSITE_BODY,
    "/api/v1/regions/delineations": DELINEATION_BODY,
    "/api/v1/kita/whatif": KITA_BODY,
}
COMPUTED = {
    "id": "pct_under_6",
    "title_de": "Anteil unter 6 Jahre",
    "title_en": "Share under 6",
    "computation": {"template": "percent", "part": "residents_under_6", "whole": "residents"},
}


# the register extract's derived age bands exist on the quarters at the end of 2022 and 2023
DEMOGRAPHY_EXAMPLES: dict[str, list[Any]] = {"level": ["quartier"], "date": ["2023-12-31", "2022-12-31"]}


def _examples_for(path: str, name: str) -> list[Any] | None:
    if path.startswith("/api/v1/kita/") and name in KITA_EXAMPLES:
        return KITA_EXAMPLES[name]
    if path.startswith("/api/v1/demography/") and name in DEMOGRAPHY_EXAMPLES:
        return DEMOGRAPHY_EXAMPLES[name]
    if path.startswith("/api/v1/tiles/") and name in ("x", "y"):
        return EXAMPLES[f"{name}_tile"]
    if path == "/api/v1/indicators/{indicator}/classify" and name == "breaks":
        return None  # breaks only go with method=manual; an example would mostly meet a 400
    return EXAMPLES.get(name)


def with_store_examples(spec: dict[str, Any]) -> dict[str, Any]:
    """A copy of the document whose parameters (and the composite body) have examples from the test store."""
    spec = copy.deepcopy(spec)
    for path, operations in spec["paths"].items():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                values = _examples_for(path, parameter["name"])
                if values:
                    parameter["examples"] = {f"e{i}": {"value": v} for i, v in enumerate(values)}
                if path == "/ogc/collections/{collectionId}/items" and parameter["name"] == "limit":
                    # OGC API Features Part 1 (/req/core/fc-limit-response-1): a limit above the
                    # advertised maximum SHALL be capped, not rejected. The served document keeps
                    # `maximum` for clients (GDAL takes its page size from it); here it goes, so
                    # that `negative_data_rejection` does not demand the 400 the standard forbids.
                    del parameter["schema"]["maximum"]
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body is not None and path in BODIES:
                body["examples"] = {"town": {"value": BODIES[path]}}
    return spec


def positive_data_acceptance_beyond_domain_rules(ctx: Any, response: Any, case: schemathesis.Case) -> bool | None:
    """``positive_data_acceptance``, except for 400s by the API's own rules that no parameter schema can express.

    Such an answer is a problem whose ``title`` is a domain code (``invalid-input``,
    ``invalid-definition``), not FastAPI's ``bad-request``/``unprocessable``: a date that is no
    calendar day (``2021-02-30``: a date parameter takes ISO or German dates, so it is a
    string), a tile column beyond ``2**z``, ``threshold`` and ``k_sd`` together, breaks with a
    method that computes its own, a datetime interval that ends before it starts, a scatter
    plot over fewer than 3 units, composite classes with neither a method nor thresholds (a 422).
    A rejection of schema-valid data by the schema validation itself (the document and the
    validation disagree) still fails, as does any other status.
    """
    if response.status_code in (400, 422) and response.headers.get("content-type", [""])[0] == PROBLEM:
        problem = json.loads(response.content)
        if problem["title"] not in ("bad-request", "unprocessable") and problem["detail"]:
            return None
    return positive_data_acceptance(ctx, response, case)  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def api_app(_town_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    """The app on a read-only DuckDB copy of the town with a computed indicator, a crosswalk and projected children."""
    db = tmp_path_factory.mktemp("schemathesis") / "town.duckdb"
    shutil.copy(_town_template, db)
    store = open_store(str(db))
    register_definitions(store, parse_definitions([COMPUTED]))
    load_register(store)  # the migration endpoints read a register extract
    derive_register_values(store, levels=["quartier"])  # age bands by sex for the pyramid
    compute_crosswalk(
        store,
        CrosswalkSpec(
            id="q2015_q2021",
            from_level="quartier",
            from_date=dt.date(2015, 1, 1),
            from_until=dt.date(2020, 12, 31),
            to_level="quartier",
            to_date=dt.date(2021, 1, 1),
        ),
    )
    add_kita_children(store, db.parent)
    store.checkpoint()  # type: ignore[attr-defined]
    store.close()
    served = open_store(str(db), read_only=True)
    yield create_app(store=served)
    served.close()


# The document is the one the app serves at /api/v1/openapi.json (`from_asgi` would fetch the same);
# it does not depend on the store, so it is loaded at import, which gives one test per operation
# (`schemathesis.pytest.from_fixture` fails under pytest 9), and the cases go to the app on the
# test store.
schema = schemathesis.openapi.from_dict(
    with_store_examples(create_app().openapi()),
    config=schemathesis.Config.from_dict(
        {"seed": 20240601, "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none"}}
    ),
)


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
)
def test_api_conforms_to_its_openapi_document(case: schemathesis.Case, api_app: FastAPI) -> None:
    case.call_and_validate(
        app=api_app,
        excluded_checks=[positive_data_acceptance],
        additional_checks=[positive_data_acceptance_beyond_domain_rules],
    )


OPERATIONS = [(method.upper(), path) for path, ops in schema.raw_schema["paths"].items() for method in ops]


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_examples_reach_success(method: str, path: str, api_app: FastAPI) -> None:
    """The first example of every parameter names existing objects: each operation answers with a conforming 2xx."""
    operation = schema[path][method]
    parameters = schema.raw_schema["paths"][path][method.lower()].get("parameters", [])
    chosen: dict[str, dict[str, Any]] = {"path": {}, "query": {}}
    for parameter in parameters:
        examples = parameter.get("examples")
        if examples:
            chosen[parameter["in"]][parameter["name"]] = examples["e0"]["value"]
    if "{job_id}" in path:  # jobs have random ids: start one and name it
        with TestClient(api_app) as c:
            started = c.post("/api/v1/regions/delineations", json=DELINEATION_BODY)
            assert started.status_code == 202, started.text
            chosen["path"]["job_id"] = started.json()["id"]
            for _ in range(200):
                if c.get(started.headers["location"]).json()["status"] in ("done", "failed"):
                    break
                time.sleep(0.05)
    body = {"body": BODIES[path], "media_type": "application/json"} if method == "POST" else {}
    case = operation.Case(path_parameters=chosen["path"], query=chosen["query"], **body)
    response = case.call_and_validate(app=api_app)
    assert 200 <= response.status_code < 300, response.text


# -- what schemathesis found, pinned -----------------------------------------------------------------
@pytest.fixture(scope="module")
def client(api_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(api_app) as c:
        yield c


def test_the_document_declares_its_error_answers_as_problems() -> None:
    document = create_app().openapi()
    assert "HTTPValidationError" not in json.dumps(document)  # FastAPI's 422, which the API never sends
    problem = {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            errors = {code: r for code, r in operation["responses"].items() if code >= "400"}
            assert all(r["content"] == problem for r in errors.values()), (method, path)
            if operation.get("parameters") or "requestBody" in operation:
                assert "400" in errors or "404" in errors, (method, path)
            assert ("422" in errors) == ("requestBody" in operation), (method, path)
    assert set(document["components"]["schemas"]["Problem"]["required"]) == {
        "type",
        "title",
        "status",
        "detail",
        "instance",
    }


def test_unknown_paths_and_methods_are_problems(client: TestClient) -> None:
    method = client.delete("/api/v1/levels")
    assert method.status_code == 405 and method.headers["content-type"] == PROBLEM
    assert method.headers["allow"] == "GET" and "DELETE" in method.json()["detail"]
    path = client.get("/api/v1/nowhere")
    assert path.status_code == 404 and path.headers["content-type"] == PROBLEM
    assert path.json()["detail"] == "nothing is served at /api/v1/nowhere"


@pytest.mark.parametrize(
    ("url", "params"),
    [
        ("/api/v1/units/0101/profile", {"level": "quartier", "date": ""}),
        ("/api/v1/analysis/change", {"indicator": "residents", "level": "quartier", "from": "", "to": "2022-12-31"}),
    ],
)
def test_an_empty_required_date_is_a_400_not_a_500(client: TestClient, url: str, params: dict[str, str]) -> None:
    response = client.get(url, params=params)
    assert response.status_code == 400 and response.headers["content-type"] == PROBLEM
    assert "a date is required" in response.json()["detail"]


def test_the_composite_body_is_as_strict_as_its_schema(client: TestClient) -> None:
    def post(**spec: Any) -> Any:
        body = {"level": "quartier", "date": "2021-12-31", "spec": {"components": [{"indicator": "residents"}], **spec}}
        return client.post("/api/v1/composite", json=body)

    for wrong, where in [
        ({"standardise": 0}, "spec.standardise"),
        ({"components": [{"indicator": "residents", "weight": "2"}]}, "weight"),
    ]:
        response = post(**wrong)
        assert response.status_code == 422 and response.json()["title"] == "unprocessable", response.text
        assert where in response.json()["detail"]
    assert post(classes={"method": "quantiles", "k": 4.0}).status_code == 200  # 4.0 is the JSON integer 4
    rule = post(classes={"k": 4})  # schema-valid, but neither a method nor thresholds
    assert rule.status_code == 422 and rule.json()["title"] == "invalid-input"
    assert rule.json()["detail"].startswith("body.spec.classes: classes: give either 'method'")


@pytest.mark.parametrize("f", ["", "html", "JSON"])
def test_ogc_format_is_an_enumeration(client: TestClient, f: str) -> None:
    response = client.get("/ogc/collections", params={"f": f})
    assert response.status_code == 400 and response.headers["content-type"] == PROBLEM
    assert response.json()["detail"].startswith("query.f:")
