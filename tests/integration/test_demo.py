"""The Berlin demo: the shipped bundle and the store ``ortswissen demo`` builds from it.

Needs nothing outside the repository. The reference figures (city totals on given dates,
unit counts of both LOR vintages) are the published figures listed in the data collection's
README, not outputs of this code.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from ortswissen.cli.main import cli
from ortswissen.demo import bundle_path
from ortswissen.ports import Store
from ortswissen.web import create_app

pytestmark = [pytest.mark.integration, pytest.mark.slow]
D = dt.date


def test_bundle_is_compact_complete_and_attributed() -> None:
    root = bundle_path()
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    files = {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()} - {"manifest.json"}
    assert files == set(manifest["files"])
    for name, entry in manifest["files"].items():
        assert hashlib.sha256((root / name).read_bytes()).hexdigest() == entry["sha256"], name
    total = sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
    assert total <= 15 * 1024 * 1024
    credits = (root / "CREDITS.md").read_text(encoding="utf-8")
    for licence in (
        "CC BY 3.0 DE",
        "dl-de/by-2-0",
        "CC BY 4.0",
        "Amt für Statistik Berlin-Brandenburg",
        "Geoportal Berlin",
    ):
        assert licence in credits
    assert manifest["sources"] and all(len(s["sha256"]) == 64 for s in manifest["sources"])


def test_levels_hold_both_lor_versions(demo: Store) -> None:
    vintages = {(v.vintage.level_id, v.vintage.id): v for v in demo.list_vintages()}
    assert vintages[("planungsraum", "lor2006")].valid_to == D(2020, 12, 31)
    assert vintages[("planungsraum", "lor2021")].valid_from == D(2021, 1, 1)
    counts = {
        day: len(demo.unit_versions("planungsraum", at=day, geometry=False))
        for day in (D(2018, 12, 31), D(2019, 12, 31), D(2021, 1, 1))
    }
    assert counts == {D(2018, 12, 31): 447, D(2019, 12, 31): 448, D(2021, 1, 1): 542}
    assert len(demo.unit_versions("bezirksregion", at=D(2021, 1, 1), geometry=False)) == 143
    assert len(demo.unit_versions("prognoseraum", at=D(2020, 1, 1), geometry=False)) == 60
    assert len(demo.unit_versions("bezirk", geometry=False)) == 12
    fixed = demo.unit_versions("planungsraum", unit_ids=["04030417"], geometry=False)
    assert fixed["parent_id"].tolist() == ["040304"]  # the id the upstream geometry had wrong


def test_cli_levels_lists_both_lor_versions(demo_db: Path) -> None:
    out = CliRunner().invoke(cli, ["levels", "--db", str(demo_db)], env={"COLUMNS": "200"}).output
    assert "LOR 2006 (bis 2020)" in out and "LOR 2021" in out and "2021-01-01–: 542" in out


@pytest.mark.parametrize(
    ("day", "total"), [(D(2020, 12, 31), 3_769_962), (D(2021, 6, 30), 3_766_082), (D(2023, 12, 31), 3_878_100)]
)
def test_published_city_totals(demo: Store, day: dt.date, total: int) -> None:
    city = demo.read_values(["residents"], level_id="stadt", dates=[day])
    plr = demo.read_values(["residents"], level_id="planungsraum", dates=[day])
    assert city["value"].tolist() == [total]
    assert plr["value"].sum() == total


def test_ewr_series_goes_back_to_2001(demo: Store) -> None:
    ewr = demo.read_values(["ewr_residents"], level_id="planungsraum")
    by_year = ewr.groupby("date")["value"].sum()
    assert by_year[D(2001, 12, 31)] == 3_337_233 and by_year[D(2010, 12, 31)] == 3_387_562
    assert len(by_year) == 20


def test_old_series_reexpressed_on_new_areas_keep_the_city_totals(demo: Store) -> None:
    on_2021 = demo.read_values(["residents"], level_id="planungsraum", as_of=D(2021, 1, 1), scenario="observed")
    city = demo.read_values(["residents"], level_id="stadt", scenario="observed").set_index("date")["value"]
    sums = on_2021.groupby("date")["value"].sum()
    assert len(sums) == 18  # every half-year 2015–2023, all on the 542 new planning areas
    for day, value in sums.items():
        assert value == city[day], day
    assert set(on_2021.loc[on_2021["date"] < D(2021, 1, 1), "status"]) == {"estimated"}
    assert on_2021.groupby("date")["unit_id"].nunique().max() <= 542


def test_facilities_are_assigned_to_units(demo: Store) -> None:
    kitas = demo.features("kitas")
    assert len(kitas) == 2852 and sum(int(a.get("places", 0)) for a in kitas["attributes"]) == 197_762
    plr = demo.feature_units("kitas", "planungsraum")
    in_2021 = plr[plr["unit_valid_from"] == D(2021, 1, 1)]
    assert in_2021["feature_id"].nunique() == 2852  # every Kita lies in exactly one new planning area


def test_demo_is_reused_when_up_to_date(demo_db: Path) -> None:
    result = CliRunner().invoke(cli, ["demo", "--no-serve", "--db", str(demo_db)])
    assert result.exit_code == 0 and "aktuell" in result.output


def test_demo_refuses_to_overwrite_another_store(tmp_path: Path) -> None:
    other = tmp_path / "other.duckdb"
    other.write_bytes(b"not a store")
    result = CliRunner().invoke(cli, ["demo", "--no-serve", "--db", str(other)])
    assert result.exit_code == 1 and "not a complete demo store" in result.output
    assert other.read_bytes() == b"not a store"


def test_api_serves_both_lor_versions(demo: Store) -> None:
    with TestClient(create_app(store=demo)) as client:
        old = client.get("/api/v1/levels/planungsraum/units", params={"date": "2019-06-30"}).json()
        new = client.get("/api/v1/levels/planungsraum/units", params={"date": "2021-06-30"}).json()
        assert (len(old["features"]), len(new["features"])) == (448, 542)
        assert "Amt für Statistik" in client.get("/api/v1/credits").json()["credits"]
