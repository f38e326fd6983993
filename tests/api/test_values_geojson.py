"""``/indicators/{id}/values?format=geojson`` equals a straightforward construction (spliced, cached geometries)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator

import numpy as np
import pytest
import shapely
from fastapi.testclient import TestClient
from shapely.geometry import shape

from ortswissen.ports import Store
from ortswissen.web import create_app
from ortswissen.web.api._geojson import feature_collection


@pytest.fixture
def client(town_store: Store) -> Iterator[TestClient]:
    with TestClient(create_app(store=town_store)) as c:
        yield c


def _expected(store: Store, indicator: str, level: str, day: str, as_of: str | None) -> list[dict]:
    units = store.unit_versions(level, at=dt.date.fromisoformat(day), wgs84=True)
    values = store.read_values(
        [indicator],
        level_id=level,
        dates=[dt.date.fromisoformat(day)],
        as_of=dt.date.fromisoformat(as_of) if as_of else None,
    )
    by_unit = {r.unit_id: (r.value, r.status) for r in values.itertuples(index=False)}
    out = []
    for unit_id, name, geometry in zip(units["unit_id"], units["name"], units.geometry, strict=True):
        value, status = by_unit.get(unit_id, (None, "missing"))
        value = None if value is None or math.isnan(value) else float(value)
        out.append({"id": unit_id, "name": name, "value": value, "status": status, "geometry": geometry})
    return out


CASES = [
    ("residents", "quartier", "2023-12-31", None),
    ("residents", "quartier", "2020-12-31", None),  # the older quarters
    ("residents", "quartier", "2020-12-31", "2023-12-31"),  # re-expressed: units of 2020 without values → missing
    ("residents_female", "bezirk", "2018-12-31", None),
    ("residents", "stadt", "2021-12-31", None),
    ("block_residents", "block", "2020-12-31", None),
]


@pytest.mark.parametrize(("indicator", "level", "day", "as_of"), CASES)
def test_values_geojson_equals_a_straightforward_construction(
    client: TestClient, town_store: Store, indicator: str, level: str, day: str, as_of: str | None
) -> None:
    params = {"level": level, "date": day, "format": "geojson", **({"as_of": as_of} if as_of else {})}
    url = f"/api/v1/indicators/{indicator}/values"
    first = client.get(url, params=params)
    assert first.status_code == 200 and first.headers["content-type"] == "application/geo+json"
    again = client.get(url, params=params)  # served from the cached geometries
    assert again.content == first.content
    data = first.json()
    assert data["type"] == "FeatureCollection"
    expected = _expected(town_store, indicator, level, day, as_of)
    assert len(data["features"]) == len(expected) > 0
    for feature, want in zip(data["features"], expected, strict=True):
        assert list(feature) == ["type", "id", "properties", "geometry"] and feature["type"] == "Feature"
        assert feature["id"] == want["id"]
        props = feature["properties"]
        assert list(props) == ["unit_id", "name", "value", "status"]
        assert (props["unit_id"], props["name"], props["status"]) == (want["id"], want["name"], want["status"])
        assert props["value"] == (None if want["value"] is None else pytest.approx(want["value"], rel=1e-12))
        got = shape(feature["geometry"])
        assert got.geom_type == want["geometry"].geom_type
        rounded = shapely.transform(want["geometry"], lambda c: np.round(c, 6))
        assert shapely.equals_exact(got, rounded, tolerance=1e-9)
        assert shapely.equals_exact(got, want["geometry"], tolerance=1e-6)
    if as_of:
        assert any(f["properties"]["status"] == "missing" for f in data["features"])


def test_values_geojson_equals_the_dict_construction(client: TestClient, town_store: Store) -> None:
    """Byte for byte what encoding :func:`feature_collection` of the merged frame gives (the former way)."""
    for day in ("2020-12-31", "2023-12-31"):
        params = {"level": "quartier", "date": day, "format": "geojson", "as_of": "2023-12-31"}
        body = client.get("/api/v1/indicators/residents/values", params=params).json()
        units = town_store.unit_versions("quartier", at=dt.date.fromisoformat(day), wgs84=True)
        values = town_store.read_values(
            ["residents"], level_id="quartier", dates=[dt.date.fromisoformat(day)], as_of=dt.date(2023, 12, 31)
        )
        merged = units.merge(values[["unit_id", "value", "status"]], on="unit_id", how="left")
        merged["status"] = merged["status"].fillna("missing")
        assert body == feature_collection(merged, ["unit_id", "name", "value", "status"], id_column="unit_id")


def test_values_geojson_cache_is_per_app(town_store: Store) -> None:
    params = {"level": "quartier", "date": "2023-12-31", "format": "geojson"}
    with TestClient(create_app(store=town_store)) as a, TestClient(create_app(store=town_store)) as b:
        first = a.get("/api/v1/indicators/residents/values", params=params)
        assert b.get("/api/v1/indicators/residents/values", params=params).content == first.content
        assert not hasattr(b.app.state, "serving_cache") or a.app.state.serving_cache is not b.app.state.serving_cache
