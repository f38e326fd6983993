"""``ortswissen register`` end to end on a DuckDB file, the key file, and no HTTP route to person rows."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from ortswissen.cli.main import cli
from ortswissen.services.register import derive_register_values, import_register_frames
from ortswissen.storage import open_store
from ortswissen.web import create_app
from register_cases import extract, write

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def town_db(_town_template: Path, tmp_path: Path) -> Path:
    path = tmp_path / "town.duckdb"
    shutil.copy(_town_template, path)
    return path


def test_import_derive_info_with_a_key_file_made_on_first_use(town_db: Path, tmp_path: Path) -> None:
    p, e = write(tmp_path, *extract())
    env = {k: v for k, v in os.environ.items() if k != "ORTSWISSEN_REGISTER_SECRET"}
    runner = CliRunner(env={"ORTSWISSEN_REGISTER_SECRET": ""})
    args = [
        "register",
        "import",
        str(p),
        "--events",
        str(e),
        "--period-start",
        "2020-01-01",
        "--period-end",
        "2022-12-31",
        "--db",
        str(town_db),
        "--synthetic",
        "--no-derive",
    ]
    result = runner.invoke(cli, args, env=env)
    assert result.exit_code == 0, result.output
    key_file = Path(str(town_db) + ".register-key")
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600 and len(key_file.read_text().strip()) == 64
    info = json.loads(runner.invoke(cli, ["register", "info", "--db", str(town_db), "--json"]).output)
    assert info["extract"]["synthetic"] is True and info["counts"]["register_persons"] == 7
    assert info["counts"]["events_move_within"] == 2
    text = json.dumps(info)
    assert "A1" not in text and "Quastenberg" not in text and key_file.read_text().strip() not in text
    result = runner.invoke(cli, ["register", "derive", "--db", str(town_db), "--level", "bezirk", "--year", "2021"])
    assert result.exit_code == 0, result.output
    store = open_store(str(town_db), read_only=True)
    values = store.read_values(["reg_residents"], level_id="bezirk")
    store.close()
    assert values.set_index("unit_id")["value"].to_dict() == {"01": 4.0, "02": 1.0, "03": 0.0, "04": 0.0}
    # the same key gives the same pseudonyms; another key file other ones
    other = tmp_path / "other.key"
    other.write_text("another secret of enough length\n")
    result = runner.invoke(cli, [*args, "--secret-file", str(other)], env=env)
    assert result.exit_code == 0, result.output
    again = json.loads(runner.invoke(cli, ["register", "info", "--db", str(town_db), "--json"]).output)
    assert again["extract"]["key_check"] != info["extract"]["key_check"]


def test_a_rejected_import_exits_1_and_names_the_row(town_db: Path, tmp_path: Path) -> None:
    persons, events = extract()
    events.loc[0, "event"] = "umzug"
    p, e = write(tmp_path, persons, events)
    result = CliRunner().invoke(
        cli,
        [
            "register",
            "import",
            str(p),
            "--events",
            str(e),
            "--period-start",
            "2020-01-01",
            "--period-end",
            "2022-12-31",
            "--db",
            str(town_db),
            "--secret-file",
            str(tmp_path / "k"),
        ],
    )
    assert result.exit_code == 1
    assert "invalid-event" in result.output and "umzug" in result.output
    info = json.loads(CliRunner().invoke(cli, ["register", "info", "--db", str(town_db), "--json"]).output)
    assert info["extract"] is None


def test_no_http_route_reads_the_register_tables(town_db: Path, tmp_path: Path) -> None:
    store = open_store(str(town_db))
    import_register_frames(
        store, *extract(), period_start=dt.date(2020, 1, 1), period_end=dt.date(2022, 12, 31), secret=b"s" * 20
    )
    derive_register_values(store, levels=["bezirk"])
    with TestClient(create_app(store=store)) as client:
        spec = client.get("/api/v1/openapi.json").json()
        assert not [p for p in spec["paths"] if "register" in p.lower() or "person" in p.lower()]
        # aggregates are public like any indicator; person keys are nowhere
        body = client.get("/api/v1/indicators").text
        assert "reg_residents" in body
        keys = [r[0] for r in store._read().execute("SELECT person_key FROM register_persons").fetchall()]  # type: ignore[attr-defined]
        for path in ("/api/v1/indicators", "/api/v1/levels"):
            text = client.get(path).text
            assert not any(k in text for k in keys)
    store.close()
    sources = list((ROOT / "src" / "ortswissen" / "web").rglob("*.py"))
    offenders = [
        str(p)
        for p in sources
        if re.search(
            r"register_(persons|residences|events|block_units|extracts)|"
            r"register_stocks|register_flow_events",
            p.read_text(),
        )
    ]
    assert offenders == []
