"""Kita planning on a real DuckDB file: service, CLI and API over the synthetic town with projected children."""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import openpyxl
import pytest
import shapely
from click.testing import CliRunner
from fastapi.testclient import TestClient

from kita_cases import CITY_FACTORS, QUANTILE_FACTORS, add_kita_children, child_count, quarters
from ortswissen.cli.main import cli
from ortswissen.errors import InvalidInput, NotFound
from ortswissen.kita import DEFAULT_QUOTAS, KitaAssumptions
from ortswissen.ports import Store
from ortswissen.services.kita import kita_plan, plan_years, write_plans
from ortswissen.storage import open_store
from ortswissen.testing import SyntheticMunicipality
from ortswissen.web import create_app

pytestmark = pytest.mark.integration

CURRENT = DEFAULT_QUOTAS["current"].by_age


@pytest.fixture(scope="module")
def kita_db(_town_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The town with projected children 2024–2025 (and observed 2023), once per module."""
    folder = tmp_path_factory.mktemp("kita")
    path = folder / "town.duckdb"
    shutil.copy(_town_template, path)
    store = open_store(str(path))
    add_kita_children(store, folder)
    store.checkpoint()  # type: ignore[attr-defined]
    store.close()
    return path


@pytest.fixture
def store(kita_db: Path) -> Iterator[Store]:
    s = open_store(str(kita_db), read_only=True)
    yield s
    s.close()


def expected_demand(k: int, year: int, factor: float = 1.0, quotas: tuple[float, ...] = CURRENT) -> float:
    """Demand of quarter ``k`` written out: Σ children × quota, age 6 with the share 0.25."""
    share = [1, 1, 1, 1, 1, 1, 0.25]
    return sum(child_count(k, a, year) * factor * quotas[a] * share[a] for a in range(7))


def places_by_hand(town: SyntheticMunicipality, store: Store, year: int) -> dict[str, float]:
    """Places of the Kitas open on 31 December lying in each quarter, by point-in-polygon."""
    import datetime as dt

    day = dt.date(year, 12, 31)
    units = store.unit_versions("quartier", at=day)
    out = dict.fromkeys(units["unit_id"], 0.0)
    for row in town.kitas.itertuples(index=False):
        if row.valid_to is not None and row.valid_to < day:
            continue
        for uid, geom in zip(units["unit_id"], units.geometry, strict=True):
            if shapely.contains(geom, row.geometry):
                out[uid] += float(row.places)
    return out


def test_plan_matches_the_hand_computation(store: Store, town: SyntheticMunicipality) -> None:
    plan = kita_plan(store, "quartier", 2024)
    rows = plan.rows.set_index("unit_id")
    units = quarters(store, 2024)
    assert list(rows.index) == units
    places = places_by_hand(town, store, 2024)
    assert sum(places.values()) < town.kitas["places"].sum()  # the Kita closed in 2022 is left out
    for k, unit in enumerate(units):
        row = rows.loc[unit]
        assert row["children_u3"] == pytest.approx(sum(child_count(k, a, 2024) for a in range(3)))
        assert row["children_ue3"] == pytest.approx(
            sum(child_count(k, a, 2024) for a in range(3, 6)) + 0.25 * child_count(k, 6, 2024)
        )
        assert row["demand"] == pytest.approx(expected_demand(k, 2024))
        assert row["places"] == pytest.approx(places[unit])
        assert row["gap"] == pytest.approx(places[unit] - expected_demand(k, 2024))
        # every group quantile is ×0.9 / ×1.1 of the medium children
        assert row["demand_low"] == pytest.approx(expected_demand(k, 2024) * QUANTILE_FACTORS["medium_q10"])
        assert row["gap_low"] == pytest.approx(places[unit] - expected_demand(k, 2024) * 1.1)
    total = plan.total
    assert total["demand"] == pytest.approx(sum(expected_demand(k, 2024) for k in range(len(units))))
    assert total["places"] == pytest.approx(sum(places.values()))
    # the total's interval comes from the city's own quantiles (narrower than the sum of the areas)
    assert total["demand_low"] == pytest.approx(total["demand"] * CITY_FACTORS["medium_q10"])
    assert total["demand_high"] == pytest.approx(total["demand"] * CITY_FACTORS["medium_q90"])
    wide = kita_plan(store, "quartier", 2024, interval=95).total
    assert wide["demand_low"] == pytest.approx(total["demand"] * CITY_FACTORS["medium_q025"])


def test_scenarios_quotas_and_observed(store: Store) -> None:
    units = quarters(store, 2025)
    low = kita_plan(store, "quartier", 2025, scenario="low").rows
    assert low["demand"].tolist() == pytest.approx([expected_demand(k, 2025, 0.9) for k in range(len(units))])
    assert low["demand_low"].isna().all()  # intervals belong to medium only
    need = kita_plan(store, "quartier", 2025, assumptions=KitaAssumptions(DEFAULT_QUOTAS["need"])).rows
    assert need["demand"].iloc[0] == pytest.approx(expected_demand(0, 2025, quotas=DEFAULT_QUOTAS["need"].by_age))
    observed = kita_plan(store, "quartier", 2023, scenario="observed")
    assert observed.rows["demand"].iloc[1] == pytest.approx(expected_demand(1, 2023))
    assert observed.interval is None
    assert plan_years(store, "quartier") == [2024, 2025]


def test_catchments_conserve_places(store: Store) -> None:
    own = kita_plan(store, "quartier", 2024)
    for how in ("neighbours", "1200m"):
        shared = kita_plan(store, "quartier", 2024, catchment=how)
        assert shared.rows["places"].sum() + shared.unallocated == pytest.approx(own.rows["places"].sum())
        assert not np.allclose(shared.rows["places"], own.rows["places"])  # places did move between quarters
        assert shared.rows["demand"].tolist() == pytest.approx(own.rows["demand"].tolist())


def test_bad_requests_say_what_is_wrong(store: Store, town_store: Store) -> None:
    with pytest.raises(NotFound, match=r"31\.12\.2030.*years with values: 2024–2025") as err:
        kita_plan(store, "quartier", 2030)
    assert err.value.available == ["2024", "2025"]
    with pytest.raises(InvalidInput, match="scenario 'middle' is unknown"):
        kita_plan(store, "quartier", 2024, scenario="middle")
    with pytest.raises(InvalidInput, match="interval 90"):
        kita_plan(store, "quartier", 2024, interval=90)
    with pytest.raises(InvalidInput, match="catchment"):
        kita_plan(store, "quartier", 2024, catchment="2km")
    with pytest.raises(NotFound):
        kita_plan(store, "quartier", 2024, georesource="schulen")
    with pytest.raises(InvalidInput, match="project the population first"):
        kita_plan(town_store, "quartier", 2024)  # the town without projected children


def test_exports_carry_the_header_block(store: Store, tmp_path: Path) -> None:
    plans = [kita_plan(store, "quartier", y, catchment="neighbours") for y in (2024, 2025)]
    write_plans(plans, tmp_path / "plan.csv", "csv")
    lines = (tmp_path / "plan.csv").read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "Kita-Bedarfsplanung / Kita demand plan"
    head = dict(line.split(";", 1) for line in lines[1 : lines.index("")])
    assert head["Jahr(e) / year(s)"].startswith("2024–2025")
    assert "Betreuungsquote (Ist)" in head["Quoten / quotas"] and "1 J. 37,1 %" in head["Quoten / quotas"]
    assert "2SFCA" in head["Einzugsbereich / catchment"]
    assert "Modellrechnung / modelled" in head
    table = list(csv.reader(lines[lines.index("") + 1 :], delimiter=";"))
    assert table[0][0] == "Jahr / year" and "Saldo Plätze − Bedarf / gap" in table[0]
    totals = [r for r in table[1:] if r[1] == "total"]
    assert [r[0] for r in totals] == ["2024", "2025"]
    demand_col = table[0].index("Bedarf gesamt / demand")
    assert float(totals[0][demand_col].replace(",", ".")) == pytest.approx(plans[0].total["demand"], abs=0.05)
    write_plans(plans, tmp_path / "plan.xlsx", "xlsx")
    ws = openpyxl.load_workbook(tmp_path / "plan.xlsx").active
    assert ws["A1"].value == "Kita-Bedarfsplanung / Kita demand plan"
    values = [row for row in ws.iter_rows(values_only=True) if row and row[1] == "total"]
    assert len(values) == 2 and values[1][0] == 2025


def test_cli_plan_and_quotas(kita_db: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    base = ["kita", "plan", "--db", str(kita_db), "--level", "quartier"]
    out = tmp_path / "kita.xlsx"
    result = runner.invoke(
        cli,
        [*base, "--years", "2024-2025", "--quotas", "need", "--catchment", "neighbours", "-o", str(out)],
    )
    assert result.exit_code == 0, result.output
    assert out.exists() and "2025" in result.output
    template = tmp_path / "q.yaml"
    assert runner.invoke(cli, ["kita", "quotas", "--template", str(template)]).exit_code == 0
    edited = template.read_text(encoding="utf-8").replace("  1: 0.371", "  1: 0.5")
    template.write_text(edited, encoding="utf-8")
    result = runner.invoke(
        cli,
        [*base, "--year", "2024", "--quotas-file", str(template), "--json"],
    )
    assert result.exit_code == 0, result.output
    assert '"quotas": "current (edited)"' in result.output
    template.write_text(edited.replace("  2: 0.632", "  2: 1.5"), encoding="utf-8")
    result = runner.invoke(cli, [*base, "--year", "2024", "--quotas-file", str(template)])
    assert result.exit_code == 1
    assert "q.yaml: by_age.2: 1.5 is above 1" in " ".join(result.output.split())
    result = runner.invoke(cli, [*base, "--year", "2031"])
    assert result.exit_code == 1 and "2031" in result.output


@pytest.fixture
def client(kita_db: Path) -> Iterator[TestClient]:
    store = open_store(str(kita_db), read_only=True)
    with TestClient(create_app(store=store)) as c:
        yield c
    store.close()


def test_api_plan_follows_the_contract(client: TestClient, store: Store) -> None:
    quotas = client.get("/api/v1/kita/quotas").json()
    assert quotas["scenarios"]["current"]["by_age"]["1"] == 0.371
    assert set(quotas) >= {"scenarios", "hours_factor", "sources"}
    body = client.get("/api/v1/kita/plan", params={"level": "quartier", "year": 2024}).json()
    assert {"level", "year", "scenario", "quotas", "synthetic", "rows"} <= set(body)
    assert body["synthetic"] is False and body["quotas"] == "current"
    row = body["rows"][0]
    assert set(row) == {
        "unit_id", "name", "children_u3", "children_ue3", "demand_u3", "demand_ue3", "demand", "demand_low",
        "demand_high", "places", "gap", "gap_low", "gap_high", "coverage",
    }  # fmt: skip
    assert row["demand"] == pytest.approx(expected_demand(0, 2024), abs=0.05)
    edited = client.get("/api/v1/kita/plan", params={"level": "quartier", "year": 2024, "by_age": "1:0.5"}).json()
    change = child_count(0, 1, 2024) * (0.5 - 0.371)
    assert edited["rows"][0]["demand"] - row["demand"] == pytest.approx(change, abs=0.1)
    posted = client.post(
        "/api/v1/kita/whatif", json={"level": "quartier", "year": 2024, "by_age": {"1": 0.5}, "catchment": "neighbours"}
    )
    assert posted.status_code == 200, posted.text
    assert posted.json()["rows"][0]["demand"] == pytest.approx(edited["rows"][0]["demand"])
    assert posted.json()["catchment"]["id"] == "neighbours"


def test_api_errors_and_downloads(client: TestClient) -> None:
    bad = client.get("/api/v1/kita/plan", params={"level": "quartier", "year": 2024, "by_age": "1:1.5"})
    assert bad.status_code == 400 and "by_age.1: 1.5 is above 1" in bad.json()["detail"]
    missing = client.get("/api/v1/kita/plan", params={"level": "quartier", "year": 2030})
    assert missing.status_code == 404 and missing.json()["available"] == ["2024", "2025"]
    unknown = client.get("/api/v1/kita/plan", params={"level": "quartier", "year": 2024, "scenario": "middle"})
    assert unknown.status_code == 400
    post = client.post("/api/v1/kita/whatif", json={"level": "quartier", "year": 2024, "by_age": {"1": 1.5}})
    assert post.status_code == 422
    csv_answer = client.get("/api/v1/kita/plan.csv", params={"level": "quartier", "year": 2024, "to_year": 2025})
    assert csv_answer.status_code == 200 and csv_answer.headers["content-type"].startswith("text/csv")
    assert "kita_plan_quartier_2024-2025.csv" in csv_answer.headers["content-disposition"]
    assert csv_answer.content.decode("utf-8-sig").startswith("Kita-Bedarfsplanung")
    xlsx = client.get("/api/v1/kita/plan.xlsx", params={"level": "quartier", "year": 2025, "quotas": "need"})
    assert xlsx.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    assert any("Bedarfsquote" in str(c) for row in sheet.iter_rows(values_only=True) for c in row if c)
