"""Delineating quarters on a real store: the synthetic town (64 blocks) and the Berlin demo (15,108 blocks)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from ortswissen.cli.main import cli
from ortswissen.errors import InfeasibleConstraints, InvalidInput, NotFound
from ortswissen.ports import Store
from ortswissen.services.regions import DelineationSpec, delineate_level, type_quarters
from ortswissen.storage import open_store

DAY = dt.date(2020, 12, 31)


def _spec(**kw: object) -> DelineationSpec:
    base: dict[str, object] = {
        "level": "block",
        "date": DAY,
        "population": "block_residents",
        "attributes": [{"indicator": "block_residents", "weight": 1.0}],
        "flows": [{"georesource": "kitas", "scale": 800, "weight": 0.5}],
        "nest_level": "bezirk",
        "n_regions": 8,
        "floor": 2000,
    }
    base.update(kw)
    return DelineationSpec(**base)


def test_quarters_are_saved_as_a_nested_level_with_crosswalk_and_values(town_store: Store) -> None:
    outcome = delineate_level(
        town_store, _spec(save_as="nachbarschaft", name_de="Nachbarschaften", reexpress=["block_residents"])
    )
    m = outcome.delineation.metrics
    assert m["contiguous"] and m["floor_violations"] == 0
    assert m["n_regions"] == outcome.delineation.n_regions >= 4
    assert 0 <= m["self_containment"] <= 1
    assert outcome.summary()["flows"][0]["modelled"] == "distance decay"

    level = town_store.get_level("nachbarschaft")
    assert (level.parent_id, level.nested, level.name_de) == ("bezirk", True, "Nachbarschaften")
    quarters = town_store.unit_versions("nachbarschaft", at=DAY)
    assert len(quarters) == m["n_regions"]
    # nested: every quarter's blocks lie in its parent district
    blocks = town_store.unit_versions("block", at=DAY).set_index("unit_id")
    districts = town_store.unit_versions("bezirk", at=DAY).set_index("unit_id")
    region_of = dict(zip(outcome.unit_ids, outcome.region_ids, strict=True))
    for q in quarters.itertuples():
        members = [b for b, r in region_of.items() if r == q.unit_id]
        inside = blocks.loc[members].geometry.representative_point().within(districts.loc[q.parent_id].geometry)
        assert inside.all()
    # the dissolved geometries cover exactly the blocks
    assert quarters.geometry.area.sum() == pytest.approx(blocks.geometry.area.sum(), rel=1e-6)
    # membership crosswalk: every block in exactly one quarter
    info, weights = town_store.get_crosswalk("block_to_nachbarschaft")
    assert (info.from_level, info.to_level) == ("block", "nachbarschaft")
    assert weights["from_unit"].is_unique and len(weights) == len(blocks)
    # block residents summed onto the quarters: the totals agree on every date
    for day in (dt.date(2018, 12, 31), DAY):  # the dates with block residents
        on_quarters = town_store.read_values(["block_residents"], level_id="nachbarschaft", dates=[day])
        on_blocks = town_store.read_values(["block_residents"], level_id="block", dates=[day])
        assert len(on_quarters) == m["n_regions"]
        assert on_quarters["value"].sum() == pytest.approx(on_blocks["value"].sum())
        assert set(on_quarters["status"]) == {"ok"}
    # the parameters and metrics travel with the level
    meta = json.loads(town_store.get_meta("delineation:nachbarschaft") or "{}")
    assert meta["params"]["floor"] == 2000 and meta["metrics"]["contiguous"] is True

    ids, types = type_quarters(town_store, "nachbarschaft", DAY, ["block_residents"], k=2)
    assert len(ids) == m["n_regions"] and set(types.labels.tolist()) == {0, 1}

    with pytest.raises(InvalidInput, match="exists already"):
        delineate_level(town_store, _spec(save_as="nachbarschaft"))


def test_a_floor_above_a_district_is_reported_by_unit(town_store: Store) -> None:
    total = town_store.read_values(["block_residents"], level_id="block", dates=[DAY])["value"].sum()
    with pytest.raises(InfeasibleConstraints) as err:
        delineate_level(town_store, _spec(floor=total / 3))  # each district holds about a quarter
    problem = err.value.problems[0]
    assert problem["reason"] == "component below floor"
    assert problem["n_units"] == 16 and problem["units"][0].startswith("B")
    # bridging cannot help across district borders: still infeasible, nothing is saved
    with pytest.raises(InfeasibleConstraints):
        delineate_level(town_store, _spec(floor=total / 3, small_components="bridge", save_as="zu_gross"))
    with pytest.raises(NotFound):
        town_store.get_level("zu_gross")


def test_bad_inputs_are_named(town_store: Store) -> None:
    with pytest.raises(NotFound, match="nosuch"):
        delineate_level(town_store, _spec(attributes=[{"indicator": "nosuch"}]))
    with pytest.raises(InvalidInput, match="attribute 'bauart'"):
        delineate_level(town_store, _spec(attributes=[{"attribute": "bauart"}]))
    with pytest.raises(InvalidInput, match="no units valid"):
        delineate_level(town_store, _spec(date=dt.date(1990, 1, 1)))
    with pytest.raises(ValueError, match="n_regions or target_population"):
        DelineationSpec(level="block", date=DAY, population="block_residents", attributes=[{"attribute": "x"}])


def test_cli_delineate_and_typology(_town_template: Path, tmp_path: Path) -> None:
    db = tmp_path / "town.duckdb"
    shutil.copy(_town_template, db)
    runner = CliRunner()
    args = ["regions", "delineate", "--db", str(db), "--level", "block", "--date", "31.12.2020"]
    args += ["--population", "block_residents", "--indicator", "block_residents", "--flows", "kitas:800"]
    args += ["--nest", "bezirk", "--n-regions", "8", "--floor", "2000", "--save-as", "nachbarschaft"]
    args += ["--reexpress", "block_residents", "--output", str(tmp_path / "members.csv")]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "Quartiere aus 64 Einheiten" in result.output and "saved as level 'nachbarschaft'" in result.output
    members = (tmp_path / "members.csv").read_text().splitlines()
    assert members[0] == "unit_id,quarter" and len(members) == 65
    typed = runner.invoke(
        cli,
        [
            "regions",
            "typology",
            "nachbarschaft",
            "--db",
            str(db),
            "--date",
            "2020-12-31",
            "--indicator",
            "block_residents",
            "--k-max",
            "3",
            "--json",
        ],
    )
    assert typed.exit_code == 0, typed.output
    payload = json.loads(typed.output)
    assert payload["criterion"] == "silhouette" and set(payload["scores"]) <= {"2", "3"}
    bad = runner.invoke(cli, [*args[:10], "--indicator", "block_residents:heavy"])
    assert bad.exit_code != 0 and "must be a number" in bad.output


def test_berlin_quarters_from_the_demo(demo_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "berlin.duckdb"
    shutil.copy(demo_db, db)
    result = CliRunner().invoke(cli, ["regions", "delineate", "--db", str(db), "--preset", "berlin", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    m = summary["metrics"]
    assert m["n_units"] == 15108
    assert 450 <= m["n_regions"] <= 520  # about 3.75 million / 7,500
    assert m["contiguous"] and m["floor_violations"] == 0 and m["cap_violations"] == 0
    assert m["population"]["min"] >= 2500 and m["population"]["max"] <= 15000
    # blocks fall into 541 of the 542 planning areas (one holds no block's representative point)
    assert m["reference"]["reference_regions"] >= 540 and m["reference"]["ari"] > 0.3
    assert [f["georesource"] for f in summary["flows"]] == ["kitas", "schulen"]
    store = open_store(str(db), read_only=True)
    try:
        quarters = store.unit_versions("quartier", at=dt.date(2018, 12, 31))
        assert len(quarters) == m["n_regions"]
        assert set(quarters["parent_id"]) == {f"{i:02d}" for i in range(1, 13)}
        residents = store.read_values(["block_residents"], level_id="quartier", dates=[dt.date(2018, 12, 31)])
        assert residents["value"].sum() == pytest.approx(3_747_936)
        assert np.isfinite(quarters.geometry.area).all() and quarters.geometry.is_valid.all()
    finally:
        store.close()
    # types of the quarters by the composition of their buildings' construction periods (2015)
    periods = [f"buildings_{p}" for p in ("_before_1900", "1901_1910", "1921_1930", "1961_1970", "1991_2000")]
    args = ["regions", "typology", "quartier", "--db", str(db), "--date", "2015-12-31", "--relative-to", "sum"]
    typed = CliRunner().invoke(cli, [*args, *[a for p in periods for a in ("--indicator", p)], "--json"])
    assert typed.exit_code == 0, typed.output
    payload = json.loads(typed.output)
    assert 2 <= payload["k"] <= 8 and sum(t["n_quarters"] for t in payload["types"]) == len(payload["units"])
    for t in payload["types"]:  # shares of the chosen periods: each type's mean composition sums to 1
        assert sum(t["mean"].values()) == pytest.approx(1.0)


def test_reach_walks_along_a_street_georesource(town_store: Store, tmp_path: Path) -> None:
    import geopandas as gpd
    import shapely

    from ortswissen.georesources import GeoresourceMeta
    from ortswissen.services.georesources import PointSpec, import_georesources

    x0, y0 = 534_000.0, 5_684_000.0  # the town's south-west corner (EPSG:25832), 8 × 8 blocks of 1 km
    # east-west streets through every row of blocks, joined only along the western edge
    lines = [shapely.LineString([(x0 + 500, y0 + 500 + 1000 * k), (x0 + 7500, y0 + 500 + 1000 * k)]) for k in range(8)]
    lines.append(shapely.LineString([(x0 + 500, y0 + 500), (x0 + 500, y0 + 7500)]))
    path = tmp_path / "strassen.geojson"
    gpd.GeoDataFrame({"nr": [str(i) for i in range(9)]}, geometry=lines, crs="EPSG:25832").to_file(path)
    meta = GeoresourceMeta(id="strassen", title_de="Straßen", title_en="Streets", kind="line")
    import_georesources(town_store, path, PointSpec(georesource=meta, id_column="nr"))
    spec = {"floor": 0, "n_regions": 1, "reach": 1600.0, "nest_level": None}
    straight = delineate_level(town_store, _spec(**spec))
    walking = delineate_level(town_store, _spec(**spec, streets="strassen"))
    assert straight.delineation.params["reach_on"] == "straight line"
    assert walking.delineation.params["reach_on"] == "street network"
    assert walking.summary()["streets"]["nodes"] >= 10
    # on foot the eastern blocks of neighbouring rows are far apart: more quarters are needed
    assert walking.delineation.n_regions > straight.delineation.n_regions
