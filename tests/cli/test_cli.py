"""The ``ortswissen`` command line: help everywhere, exit codes, reports, and a whole workflow."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
import yaml
from click.testing import CliRunner

from ortswissen.cli.main import cli
from ortswissen.storage.duckdb._migrations import available_migrations
from ortswissen.testing import SyntheticMunicipality


def all_commands(group: click.Group = cli, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out = [prefix]
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            out += all_commands(command, (*prefix, name))
        else:
            out.append((*prefix, name))
    return out


@pytest.mark.parametrize("path", all_commands(), ids=lambda p: " ".join(p) or "ortswissen")
def test_every_command_has_help(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output and len(result.output.splitlines()) > 3


def test_version() -> None:
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0 and "ortswissen, version" in result.output


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("ORTSWISSEN_DB", str(tmp_path / "cli.duckdb"))
    monkeypatch.setenv("COLUMNS", "200")
    return CliRunner()


def run(runner: CliRunner, *args: str, code: int = 0) -> str:
    result = runner.invoke(cli, [str(a) for a in args])
    assert result.exit_code == code, f"exit {result.exit_code}: {result.output}"
    return result.output


def test_commands_on_a_missing_store_fail_clearly(runner: CliRunner) -> None:
    out = run(runner, "levels", code=1)
    assert "no store at" in out and "db init" in out


def test_a_whole_workflow(
    runner: CliRunner, tmp_path: Path, town: SyntheticMunicipality, town_files: dict[str, Path]
) -> None:
    assert "EPSG:25832" in run(runner, "db", "init", "--crs", "EPSG:25832")
    for level in town.levels:
        args = [
            "levels",
            "add",
            level.id,
            "--name-de",
            level.name_de,
            "--name-en",
            level.name_en,
            "--order",
            str(level.sort_order),
        ]
        if level.parent_id:
            args += ["--parent", level.parent_id]
        if not level.nested:
            args.append("--not-nested")
        if level.key_width:
            args += ["--key-width", str(level.key_width)]
        run(runner, *args)
    run(
        runner,
        "import",
        "units",
        town_files["city"],
        "--level",
        "stadt",
        "--id-column",
        "id",
        "--name-column",
        "name",
        "--valid-from",
        "01.01.2015",
    )
    run(
        runner,
        "import",
        "units",
        town_files["districts"],
        "--level",
        "bezirk",
        "--id-column",
        "id",
        "--parent-column",
        "stadt",
        "--valid-from",
        "2015-01-01",
    )
    run(
        runner,
        "import",
        "units",
        town_files["quarters_old"],
        "--level",
        "quartier",
        "--id-column",
        "id",
        "--parent-prefix",
        "2",
        "--valid-from-column",
        "gueltig_ab",
        "--valid-to-column",
        "gueltig_bi",
        "--vintage",
        "q2015",
        "--vintage-label-de",
        "Quartiere 2015",
        "--vintage-label-en",
        "Quarters 2015",
    )
    run(
        runner,
        "import",
        "units",
        town_files["quarters_new"],
        "--level",
        "quartier",
        "--id-column",
        "id",
        "--parent-prefix",
        "2",
        "--valid-from",
        "2021-01-01",
        "--vintage",
        "q2021",
        "--vintage-label-de",
        "Quartiere 2021",
        "--vintage-label-en",
        "Quarters 2021",
    )
    listing = run(runner, "levels")
    assert "Quartiere 2015" in listing and "Quartiere 2021" in listing
    assert "2015-01-01–2020-12-31: 16" in listing and "2021-01-01–: 16" in listing
    as_json = [json.loads(line) for line in run(runner, "levels", "--json").splitlines()]
    assert [v["id"] for v in as_json[2]["vintages"]] == ["q2015", "q2021"]

    units = [
        json.loads(line) for line in run(runner, "units", "quartier", "--date", "2021-06-30", "--json").splitlines()
    ]
    assert len(units) == 16 and {"0105", "0106", "0307"} <= {u["id"] for u in units}

    definitions = tmp_path / "indikatoren.yaml"
    definitions.write_text(
        yaml.safe_dump({"indicators": [m.model_dump(mode="json") for m in town.indicators]}), encoding="utf-8"
    )
    assert "4 indicator definition(s) saved" in run(runner, "import", "indicators", definitions)
    out = run(
        runner,
        "import",
        "values",
        town_files["values"],
        "--level",
        "quartier",
        "--unit-column",
        "Quartier",
        "--date-column",
        "Stichtag",
        "--column",
        "Einwohner=residents",
        "--column",
        "unter 6 Jahre=residents_under_6",
        "--column",
        "weiblich=residents_female",
        "--ignore-column",
        "Name",
        "--delimiter",
        ";",
        "--encoding",
        "cp1252",
    )
    assert "ok, 288 written" in out
    catalogue = [json.loads(line) for line in run(runner, "indicators", "--json").splitlines()]
    residents = {c["id"]: c for c in catalogue}["residents"]
    # 96 imported quarter values; the 4 districts and the city are aggregated at import for the 6 dates
    assert residents["levels"] == "bezirk, quartier, stadt"
    assert residents["values"] == 96 + 6 * (4 + 1)

    export = tmp_path / "q.geojson"
    assert "16 row(s) written" in run(runner, "export", "values", "quartier", export, "--date", "2023-12-31")
    assert len(json.loads(export.read_text(encoding="utf-8"))["features"]) == 16

    run(
        runner,
        "import",
        "units",
        town_files["blocks"],
        "--level",
        "block",
        "--id-column",
        "id",
        "--valid-from",
        "2015-01-01",
    )
    run(
        runner,
        "import",
        "values",
        town_files["blocks_values"],
        "--level",
        "block",
        "--unit-column",
        "block",
        "--date-column",
        "stichtag",
        "--column",
        "einwohner=residents",
        "--delimiter",
        ";",
    )
    out = run(
        runner,
        "crosswalk",
        "compute",
        "q_alt_neu",
        "--from-level",
        "quartier",
        "--from-date",
        "2015-01-01",
        "--from-until",
        "2020-12-31",
        "--to-level",
        "quartier",
        "--to-date",
        "2021-01-01",
        "--method",
        "population",
        "--weights-level",
        "block",
        "--weights-indicator",
        "residents",
        "--weights-date",
        "2020-12-31",
        "--within",
        "bezirk",
    )
    assert "16 source and 16 target unit versions" in out
    assert "q_alt_neu" in run(runner, "crosswalk", "list")
    weights = tmp_path / "w.csv"
    run(runner, "crosswalk", "show", "q_alt_neu", "-o", weights)
    assert weights.read_text(encoding="utf-8-sig").startswith("from_unit;from_valid_from;to_unit")
    assert "re-expressed" in run(runner, "crosswalk", "apply", "q_alt_neu", "--indicator", "residents", "--integer")
    info = json.loads(run(runner, "db", "info", "--json"))
    assert info["counts"]["crosswalks"] == 1 and info["schema_version"] == available_migrations()[-1].version
    backup = tmp_path / "backup.duckdb"
    run(runner, "db", "backup", backup)
    assert backup.stat().st_size > 0


def test_rejected_import_exits_1_and_writes_the_report(runner: CliRunner, tmp_path: Path) -> None:
    run(runner, "db", "init")
    run(runner, "levels", "add", "q", "--name-de", "Quartier", "--name-en", "Quarter")
    path = tmp_path / "bad.csv"
    path.write_text("id;Stichtag;wert\nX;2020-12-31;1\n", encoding="utf-8")
    report = tmp_path / "report.json"
    out = run(
        runner,
        "import",
        "values",
        path,
        "--level",
        "q",
        "--unit-column",
        "id",
        "--date-column",
        "Stichtag",
        "--column",
        "wert=w",
        "--report",
        report,
        code=1,
    )
    assert "rejected" in out and "nothing was written" in out
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["ok"] is False and {t["code"] for t in data["totals"]} >= {"unknown-indicator", "no-units"}


def test_profiles_are_listed(runner: CliRunner) -> None:
    out = run(runner, "import", "profiles")
    assert "ewr-matrix" in out and "lor-population-t2" in out


def test_indicator_schema_is_json_schema() -> None:
    result = CliRunner().invoke(cli, ["indicators", "schema"])
    schema = json.loads(result.output)
    assert schema["title"] == "IndicatorMeta" and "aggregation" in schema["properties"]
