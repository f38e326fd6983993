"""OGC API – Features under /ogc: schema-level checks in-process, and GDAL's OAPIF driver against a real server.

GDAL reads over HTTP, so those tests start ``uvicorn`` in a subprocess on a free port (a server
thread in this process would deadlock: pyogrio holds the GIL while GDAL fetches the next page).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyogrio
import pytest
import shapely
from fastapi.testclient import TestClient

from backends import need
from ortswissen.config import Settings
from ortswissen.devserver import served
from ortswissen.ports import Store
from ortswissen.storage import open_store
from ortswissen.testing import SyntheticMunicipality
from ortswissen.web import create_app

LEVELS = ["stadt", "bezirk", "quartier", "block"]
CORE = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"
GEOJSON = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson"
OAS30 = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG25832 = "http://www.opengis.net/def/crs/EPSG/0/25832"


@pytest.fixture(scope="module")
def client(_town_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The app on a read-only copy of the town store (shared by the tests of this module)."""
    db = tmp_path_factory.mktemp("ogc_client") / "town.duckdb"
    shutil.copy(_town_template, db)
    store = open_store(str(db), read_only=True)
    with TestClient(create_app(store=store)) as c:
        yield c
    store.close()


def _items(client: TestClient, level: str = "quartier", **params: Any) -> dict[str, Any]:
    response = client.get(f"/ogc/collections/{level}/items", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/geo+json"
    return response.json()  # type: ignore[no-any-return]


def _ids(data: dict[str, Any]) -> set[str]:
    return {f["properties"]["unit_id"] for f in data["features"]}


def _link(data: dict[str, Any], rel: str) -> str | None:
    hrefs = [link["href"] for link in data["links"] if link["rel"] == rel]
    assert len(hrefs) <= 1
    return hrefs[0] if hrefs else None


def _path(href: str) -> str:
    return href.removeprefix("http://testserver")


# -- landing page, conformance, collections ---------------------------------------------------------
def test_landing_page_links(client: TestClient) -> None:
    response = client.get("/ogc")
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    links = {link["rel"]: link for link in response.json()["links"]}
    assert {"self", "service-desc", "conformance", "data"} <= set(links)
    assert links["service-desc"]["href"] == "http://testserver/api/v1/openapi.json"
    assert links["service-desc"]["type"].startswith("application/vnd.oai.openapi+json")
    assert links["conformance"]["href"] == "http://testserver/ogc/conformance"
    assert links["data"]["href"] == "http://testserver/ogc/collections"
    spec = client.get(_path(links["service-desc"]["href"])).json()
    assert {"/ogc/collections/{collectionId}/items", "/api/v1/tiles/{level}/{z}/{x}/{y}.mvt"} <= set(spec["paths"])
    items_params = {p["name"]: p for p in spec["paths"]["/ogc/collections/{collectionId}/items"]["get"]["parameters"]}
    assert {"bbox", "datetime", "limit", "offset", "crs", "bbox-crs"} <= set(items_params)
    assert items_params["limit"]["schema"]["maximum"] == 10_000


def test_conformance_lists_the_core_classes(client: TestClient) -> None:
    data = client.get("/ogc/conformance").json()
    assert {CORE, GEOJSON, OAS30} <= set(data["conformsTo"])


def test_collections_are_the_levels_with_extents(client: TestClient) -> None:
    data = client.get("/ogc/collections").json()
    collections = {c["id"]: c for c in data["collections"]}
    assert list(collections) == LEVELS
    quarter = collections["quartier"]
    assert quarter["title"] == "Quartier / Quarter"
    assert quarter["itemType"] == "feature"
    assert {link["rel"] for link in quarter["links"]} >= {"self", "items"}
    assert quarter["crs"][0] == CRS84 and EPSG25832 in quarter["crs"] and quarter["storageCrs"] == EPSG25832
    units = client.get("/api/v1/levels/quartier/units").json()  # all 19 versions
    expected = shapely.total_bounds([shapely.geometry.shape(f["geometry"]) for f in units["features"]])
    assert quarter["extent"]["spatial"]["bbox"][0] == pytest.approx(list(expected), abs=1e-6)
    assert quarter["extent"]["temporal"]["interval"] == [["2015-01-01T00:00:00Z", None]]
    one = client.get("/ogc/collections/quartier").json()
    assert one["id"] == "quartier" and one["extent"] == quarter["extent"]


def test_unknown_collection_is_a_problem_naming_the_collections(client: TestClient) -> None:
    for path in ("/ogc/collections/nowhere", "/ogc/collections/nowhere/items", "/ogc/collections/nowhere/items/x"):
        response = client.get(path)
        assert response.status_code == 404 and response.headers["content-type"] == "application/problem+json"
        problem = response.json()
        assert problem["detail"] == "unknown collection 'nowhere'; available: stadt, bezirk, quartier, block"
        assert problem["available"] == ["stadt", "bezirk", "quartier", "block"]


# -- items ----------------------------------------------------------------------------------------------
def test_items_page_through_all_blocks(client: TestClient) -> None:
    first = _items(client, "block", limit=10)
    assert first["numberMatched"] == 64 and first["numberReturned"] == 10 and len(first["features"]) == 10
    assert first["timeStamp"].endswith("Z")
    assert _link(first, "prev") is None and _link(first, "self") is not None
    seen = [f["id"] for f in first["features"]]
    page = first
    pages = 1
    while (href := _link(page, "next")) is not None:
        assert "offset=" in href
        response = client.get(_path(href))
        page = response.json()
        assert page["numberMatched"] == 64 and _link(page, "prev") is not None
        seen += [f["id"] for f in page["features"]]
        pages += 1
    assert pages == 7 and page["numberReturned"] == 4
    assert len(seen) == len(set(seen)) == 64
    assert {s.split("@")[0] for s in seen} == {f"B{i:03d}" for i in range(64)}
    whole = _items(client, "block", limit=64)
    assert _link(whole, "next") is None and [f["id"] for f in whole["features"]] == seen


def test_items_carry_the_latest_values_by_default(client: TestClient, town: SyntheticMunicipality) -> None:
    data = _items(client)
    assert data["numberMatched"] == 16 and data["valueDates"]["residents"] == "2023-12-31"
    assert _ids(data) >= {"0105", "0106", "0307"} and "0104" not in _ids(data)
    truth = town.quarter_values(2023)
    for feature in data["features"]:
        props = feature["properties"]
        assert feature["id"] == f"{props['unit_id']}@{props['valid_from']}"
        assert props["residents"] == truth[props["unit_id"]]
        assert not any(key.endswith("_status") for key in props)  # every value is ok
        assert set(props) == {
            "unit_id",
            "name",
            "parent_id",
            "valid_from",
            "valid_to",
            "residents",
            "residents_under_6",
            "residents_female",
        }
    west = next(f for f in data["features"] if f["properties"]["unit_id"] == "0105")["properties"]
    assert (west["name"], west["parent_id"], west["valid_from"], west["valid_to"]) == (
        "Altstadt 4 West",
        "01",
        "2021-01-01",
        None,
    )


@pytest.mark.parametrize(
    ("when", "present", "absent"),
    [
        ("2020-12-31", {"0104", "0301", "0302"}, {"0105", "0106", "0307"}),
        ("2021-01-01", {"0105", "0106", "0307"}, {"0104", "0301", "0302"}),
        ("2021-01-01T08:00:00Z", {"0105", "0106", "0307"}, {"0104", "0301", "0302"}),
    ],
)
def test_datetime_selects_the_units_of_the_boundary_change(
    client: TestClient, when: str, present: set[str], absent: set[str]
) -> None:
    data = _items(client, datetime=when)
    assert data["numberMatched"] == 16
    assert present <= _ids(data) and not absent & _ids(data)


def test_datetime_day_gives_the_values_of_that_date(client: TestClient, town: SyntheticMunicipality) -> None:
    data = _items(client, datetime="2020-12-31")
    truth = town.quarter_values(2020)
    assert {f["properties"]["unit_id"]: f["properties"]["residents"] for f in data["features"]} == truth.to_dict()
    assert data["valueDates"]["residents"] == "2020-12-31"
    no_values = _items(client, datetime="2021-06-30")  # values exist only on 31 December
    assert all(f["properties"]["residents"] is None for f in no_values["features"])


def test_datetime_interval_spans_both_territorial_versions(client: TestClient, town: SyntheticMunicipality) -> None:
    data = _items(client, datetime="2020-06-01/2021-06-30")
    assert data["numberMatched"] == 19  # 13 unchanged, 3 ended, 3 new
    assert data["valueDates"]["residents"] == "2020-12-31"  # the latest date in the interval with values
    by_unit = {f["properties"]["unit_id"]: f["properties"]["residents"] for f in data["features"]}
    assert by_unit["0104"] == town.quarter_values(2020)["0104"]
    assert by_unit["0105"] is None  # not valid on 31 December 2020
    open_end = _items(client, datetime="2021-01-01/..")
    assert "0104" not in _ids(open_end) and open_end["numberMatched"] == 16
    assert open_end["valueDates"]["residents"] == "2023-12-31"
    open_start = _items(client, datetime="../2016-01-01")
    assert "0105" not in _ids(open_start) and open_start["valueDates"]["residents"] is None


def test_bbox_reduces_the_items(client: TestClient) -> None:
    everything = _items(client)
    feature = next(f for f in everything["features"] if f["properties"]["unit_id"] == "0101")
    minx, miny, maxx, maxy = shapely.geometry.shape(feature["geometry"]).bounds
    inner = (minx + 0.001, miny + 0.001, maxx - 0.001, maxy - 0.001)  # stays off the neighbours
    one = _items(client, bbox=",".join(map(str, inner)))
    assert _ids(one) == {"0101"} and one["numberMatched"] == 1
    wider = _items(client, bbox=f"{minx - 0.001},{miny - 0.001},{maxx + 0.001},{maxy + 0.001}")
    assert _ids(wider) == {"0101", "0102", "0103", "0105"} and wider["numberMatched"] == 4  # and the neighbours
    nothing = _items(client, bbox="13.0,52.0,13.1,52.1")  # Berlin, far away
    assert nothing["numberMatched"] == 0 and nothing["features"] == []
    across = _items(client, bbox="179,51,-179,52")  # across the antimeridian: valid, and far away
    assert across["numberMatched"] == 0
    around = _items(client, bbox="9,51,-179,52")  # from 9° E eastwards across the antimeridian to 179° W
    assert around["numberMatched"] == 16
    metric = _items(client, bbox="534100,5684100,535900,5685900", **{"bbox-crs": EPSG25832})
    assert _ids(metric) == {"0101"}


def test_crs_parameter_and_content_crs_header(client: TestClient) -> None:
    default = client.get("/ogc/collections/quartier/items/0101@2015-01-01")
    assert default.headers["content-crs"] == f"<{CRS84}>"
    lon, lat = default.json()["geometry"]["coordinates"][0][0]
    assert 9.4 < lon < 9.6 and 51.2 < lat < 51.4
    metric = client.get("/ogc/collections/quartier/items/0101@2015-01-01", params={"crs": EPSG25832})
    assert metric.headers["content-crs"] == f"<{EPSG25832}>"
    shape = shapely.geometry.shape(metric.json()["geometry"])
    assert shape.normalize().equals_exact(shapely.box(534_000, 5_684_000, 536_000, 5_686_000).normalize(), 0.01)
    lat_lon = client.get("/ogc/collections/quartier/items/0101@2015-01-01", params={"crs": "EPSG:4326"}).json()
    assert lat_lon["geometry"]["coordinates"][0][0] == [lat, lon]  # EPSG:4326 is latitude first
    bad = client.get("/ogc/collections/quartier/items", params={"crs": "EPSG:31468"})
    assert bad.status_code == 400 and "supported" in bad.json()["detail"]


def test_one_feature_by_id(client: TestClient, town: SyntheticMunicipality) -> None:
    data = _items(client, datetime="2020-12-31")
    for feature in data["features"][:3]:
        self_href = next(link["href"] for link in feature["links"] if link["rel"] == "self")
        again = client.get(_path(self_href))
        assert again.status_code == 200 and again.headers["content-type"] == "application/geo+json"
        assert again.json()["id"] == feature["id"]
    old = client.get("/ogc/collections/quartier/items/0104@2015-01-01").json()
    assert old["properties"]["valid_to"] == "2020-12-31"
    assert old["properties"]["residents"] == town.quarter_values(2020)["0104"]  # latest date it was valid
    assert {link["rel"] for link in old["links"]} == {"self", "collection"}
    current = client.get("/ogc/collections/quartier/items/0307").json()
    assert (
        current["id"] == "0307@2021-01-01" and current["properties"]["residents"] == town.quarter_values(2023)["0307"]
    )
    by_day = client.get("/ogc/collections/quartier/items/0104", params={"datetime": "2019-06-30"}).json()
    assert by_day["id"] == "0104@2015-01-01"
    for missing in ("0104", "0104@2015-01-02", "0104@notadate", "9999"):
        response = client.get(f"/ogc/collections/quartier/items/{missing}")
        assert response.status_code == 404 and response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    "params",
    [
        {"bbox": "1,2,3"},
        {"bbox": "a,b,c,d"},
        {"bbox": "9.5,51.4,9.6,51.3"},
        {"bbox": "9.5,51.3,nan,51.4"},
        {"datetime": "2021-13-01"},
        {"datetime": "2022-01-01/2021-01-01"},
        {"datetime": "../.."},
        {"limit": "0"},
        {"limit": "many"},
        {"offset": "-1"},
        {"f": "html"},
        {"colour": "blue"},
        {"bbox-crs": "EPSG:9999999"},
        {"bbox": "1e300,1e300,2e300,2e300", "bbox-crs": EPSG25832},
        {"bbox": "9.5,51.3,9.6,91"},
    ],
)
def test_bad_parameters_are_400_problems(client: TestClient, params: dict[str, str]) -> None:
    response = client.get("/ogc/collections/quartier/items", params=params)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"


def test_limit_is_capped_and_offset_beyond_the_end_is_empty(client: TestClient) -> None:
    capped = _items(client, "block", limit=50_000)
    assert capped["numberReturned"] == 64 and _link(capped, "next") is None
    beyond = _items(client, "block", offset=100)
    assert beyond["numberMatched"] == 64 and beyond["features"] == [] and _link(beyond, "prev") is not None


def test_accept_header_and_f_parameter(client: TestClient) -> None:
    as_json = client.get("/ogc/collections/quartier/items", headers={"Accept": "application/json"})
    assert as_json.status_code == 200 and as_json.headers["content-type"] == "application/json"
    browser = client.get("/ogc", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert browser.status_code == 200 and browser.headers["content-type"] == "application/json"
    html_only = client.get("/ogc/collections", headers={"Accept": "text/html"})
    assert html_only.status_code == 406 and html_only.headers["content-type"] == "application/problem+json"
    forced = client.get("/ogc/collections/quartier/items", params={"f": "json"}, headers={"Accept": "text/html"})
    assert forced.status_code == 200 and forced.headers["content-type"] == "application/geo+json"


def test_public_mode_hides_internal_indicators(town_store: Store) -> None:
    meta = town_store.get_indicator("residents_female")
    town_store.put_indicator(type(meta).model_validate({**meta.model_dump(), "visibility": "internal"}))
    with TestClient(create_app(Settings(public_mode=True), store=town_store)) as c:
        props = _items(c)["features"][0]["properties"]
        assert "residents" in props and "residents_female" not in props
        schema = c.get("/ogc/collections/quartier/schema").json()
        assert "residents_female" not in schema["properties"]["properties"]["properties"]
    with TestClient(create_app(Settings(public_mode=False), store=town_store)) as c:
        assert "residents_female" in _items(c)["features"][0]["properties"]


# -- GDAL against a real server -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def server(_town_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``http://127.0.0.1:<port>``: ``ortswissen serve`` of a copy of the town store in a subprocess."""
    folder = tmp_path_factory.mktemp("ogc_server")
    db = folder / "town.duckdb"
    shutil.copy(_town_template, db)
    with pytest.MonkeyPatch.context() as mp, served(db, log=folder / "server.log", timeout=60) as base:
        mp.setenv("NO_PROXY", "127.0.0.1,localhost")  # GDAL's requests must not go through a proxy
        mp.setenv("no_proxy", "127.0.0.1,localhost")
        yield base


def test_gdal_lists_one_layer_per_level(server: str) -> None:
    layers = pyogrio.list_layers(f"OAPIF:{server}/ogc")
    assert [str(name) for name, _ in layers] == LEVELS
    assert {str(kind) for _, kind in layers} == {"Polygon"}


def test_gdal_reads_units_and_values(server: str, town: SyntheticMunicipality) -> None:
    frame = pyogrio.read_dataframe(f"OAPIF:{server}/ogc", layer="quartier")
    assert len(frame) == 16
    assert frame.crs is not None and frame.crs.to_epsg() == 25832  # GDAL asks for the storage CRS
    assert set(frame["unit_id"]) == set(town.quarters_new["id"]) | (
        set(town.quarters_old["id"]) - {"0104", "0301", "0302"}
    )
    truth = town.quarter_values(2023)
    assert dict(zip(frame["unit_id"], frame["residents"], strict=True)) == truth.to_dict()
    info = pyogrio.read_info(f"OAPIF:{server}/ogc", layer="quartier")
    types = dict(zip(info["fields"], info["ogr_types"], strict=True))
    assert types["residents"] == "OFTReal" and types["valid_to"] == "OFTDate"
    assert types["residents_status"] == "OFTString"  # from the schema, though no feature has one
    sources = dict(zip(town.quarters_old["id"], town.quarters_old.geometry, strict=True))
    sources.update(zip(town.quarters_new["id"], town.quarters_new.geometry, strict=True))
    for unit_id, geometry in zip(frame["unit_id"], frame.geometry, strict=True):
        assert shapely.symmetric_difference(geometry, sources[unit_id]).area < 1.0  # m²: rounding only


def test_gdal_pages_through_next_links_and_filters_by_bbox(server: str) -> None:
    paged = pyogrio.read_dataframe(f"OAPIF:{server}/ogc", layer="block", PAGE_SIZE=10)
    assert len(paged) == 64 and paged["unit_id"].is_unique
    lon_lat = pyogrio.read_dataframe(f"OAPIF:{server}/ogc", layer="quartier", CRS="OGC:CRS84")
    assert lon_lat.crs is not None and lon_lat.crs.is_geographic
    centre = lon_lat.set_index("unit_id").loc["0101", "geometry"].centroid
    assert 9.4 < centre.x < 9.6 and 51.2 < centre.y < 51.4
    box = (centre.x - 1e-4, centre.y - 1e-4, centre.x + 1e-4, centre.y + 1e-4)
    near = pyogrio.read_dataframe(f"OAPIF:{server}/ogc", layer="quartier", CRS="OGC:CRS84", bbox=box)
    assert list(near["unit_id"]) == ["0101"]


def test_ogrinfo_lists_the_layer(server: str) -> None:
    ogrinfo = shutil.which("ogrinfo")
    if ogrinfo is None:
        need("ogrinfo is not installed (apt-get install gdal-bin)")
    assert ogrinfo is not None
    result = subprocess.run(
        [ogrinfo, "-ro", "-so", f"OAPIF:{server}/ogc", "quartier"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"},
    )
    assert result.returncode == 0, result.stderr
    assert "Layer name: quartier" in result.stdout
    assert "Feature Count: 16" in result.stdout
    assert "residents: Real" in result.stdout
