"""``ortswissen migration …`` on a real DuckDB file with the hand-counted register extract."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from tests.migration_cases import EXPECTED_2022, EXPECTED_OD_2022, build_store_file

from ortswissen.cli.main import cli
from ortswissen.cli.migration import _GROUPS
from ortswissen.migration import AGE_GROUPS


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(build_store_file(tmp_path_factory.mktemp("migration_cli") / "town.duckdb"))


@pytest.fixture(autouse=True)
def wide(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")


def run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_summary_table_json_and_file(db: str, tmp_path: Path) -> None:
    text = run("migration", "summary", "--db", db, "--level", "quartier", "--year", "2022")
    assert "Wanderungen quartier 2022 (synthetisch / synthetic)" in text and "Altstadt 1" in text
    assert "7 in, 4 out, saldo 3" in text
    lines = [
        json.loads(x)
        for x in run("migration", "summary", "--db", db, "--level", "quartier", "--year", "2022", "--json").splitlines()
    ]
    got = {
        r["unit_id"]: (r["moves_in"], r["moves_out"], r["internal_in"], r["internal_out"], r["within"], r["net"])
        for r in lines
    }
    assert {u: got[u] for u in EXPECTED_2022} == EXPECTED_2022
    out = tmp_path / "summary.csv"
    run(
        "migration",
        "summary",
        "--db",
        db,
        "--level",
        "quartier",
        "--year",
        "2022",
        "--out",
        str(out),
        "--suppress-small",
    )
    table = pd.read_csv(out, sep=";", dtype={"unit_id": str}, encoding="utf-8-sig").set_index("unit_id")
    assert table.loc["0101", "moves_in"] == 6 and pd.isna(table.loc["0101", "moves_out"])
    assert "moves_out" in table.loc["0101", "suppressed"]


def test_od_matrix_as_csv_and_xlsx(db: str, tmp_path: Path) -> None:
    text = run("migration", "od", "--db", db, "--level", "quartier", "--year", "2022")
    assert "Wanderungsmatrix quartier 2022" in text and f"{len(EXPECTED_OD_2022)} pairs" in text
    for suffix in ("csv", "xlsx"):
        out = tmp_path / f"od.{suffix}"
        run("migration", "od", "--db", db, "--level", "quartier", "--year", "2022", "--out", str(out))
        if suffix == "csv":
            table = pd.read_csv(out, sep=";", dtype=str, encoding="utf-8-sig")
        else:
            table = pd.read_excel(out, sheet_name="Wanderungsmatrix", dtype=str)
        table = table.set_index(table.columns[0])
        for (origin, destination), count in EXPECTED_OD_2022.items():
            assert int(table.loc[origin, destination]) == count, (suffix, origin, destination)
        assert int(table.loc["total", "total"]) == sum(EXPECTED_OD_2022.values())
    students = tmp_path / "students.csv"
    run(
        "migration",
        "od",
        "--db",
        db,
        "--level",
        "quartier",
        "--year",
        "2022",
        "--to-year",
        "2023",
        "--age-group",
        "bildungswanderer",
        "--out",
        str(students),
    )
    table = pd.read_csv(students, sep=";", dtype=str, encoding="utf-8-sig").set_index("von \\ nach / from \\ to")
    assert int(table.loc["total", "total"]) == 6


def test_by_age_and_flows(db: str, tmp_path: Path) -> None:
    text = run("migration", "by-age", "--db", db, "--level", "quartier", "--year", "2022", "--unit", "0101")
    assert "Familienwanderer (30–44)" in text and "Altstadt 1" in text
    rows = [
        json.loads(x)
        for x in run("migration", "by-age", "--db", db, "--level", "quartier", "--year", "2022", "--json").splitlines()
    ]
    assert {r["group"]: r["net"] for r in rows}["kinder"] == -3
    out = tmp_path / "flows.geojson"
    run(
        "migration", "flows", "--db", db, "--level", "quartier", "--year", "2022", "--min-count", "1", "--out", str(out)
    )
    data = json.loads(out.read_text(encoding="utf-8"))
    assert [f["id"] for f in data["features"]] == ["0101→0102", "0201→0101"]


def test_errors_exit_with_a_message(db: str) -> None:
    result = CliRunner().invoke(cli, ["migration", "summary", "--db", db, "--level", "nowhere", "--year", "2022"])
    assert result.exit_code == 1 and "unknown level 'nowhere'" in result.output
    result = CliRunner().invoke(cli, ["migration", "by-age", "--db", db, "--level", "quartier", "--year", "2030"])
    assert result.exit_code == 1 and "no migration figures for 2030" in result.output


def test_cli_age_groups_are_the_cores() -> None:
    assert list(_GROUPS) == list(AGE_GROUPS)
