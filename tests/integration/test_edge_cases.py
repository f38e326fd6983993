"""Edge cases found by review, each pinned by a test: empty and non-finite typed cells, scenarios,
far-future dates, line breaks in cells, retiring units, dry runs, exports, CLI messages, threads."""

from __future__ import annotations

import datetime as dt
import json
import threading
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import shapely
from click.testing import CliRunner

from ortswissen.cli.main import cli
from ortswissen.errors import ImportRejected
from ortswissen.io import ValueSpec
from ortswissen.ports import Store
from ortswissen.services.exports import export_values
from ortswissen.services.units import UnitSpec, import_units
from ortswissen.services.values import ImportOptions, import_values
from ortswissen.testing import SyntheticMunicipality
from ortswissen.units import Level

D = dt.date
X0, Y0 = 534_000.0, 5_684_000.0
LONG = ValueSpec(
    level="quartier",
    layout="long",
    unit_column="unit",
    date_column="date",
    indicator_column="indicator",
    value_column="value",
    dialect={"delimiter": ";"},
)


def codes(store: Store, path: Path, spec: ValueSpec) -> set[str]:
    before = len(store.read_values(all_versions=True))
    with pytest.raises(ImportRejected) as info:
        import_values(store, path, spec)
    assert len(store.read_values(all_versions=True)) == before
    return info.value.report.codes("error")


def test_empty_cells_in_xlsx_are_reported_not_crashing(town_store: Store, tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["unit", "date", "indicator", "value"])
    ws.append([None, "2024-12-31", "residents", 5])
    ws.append(["0101", "2024-12-31", None, 5])
    wb.save(tmp_path / "w.xlsx")
    assert {"missing-id", "unknown-indicator"} <= codes(town_store, tmp_path / "w.xlsx", LONG)


def test_empty_scenario_cells_are_errors(town_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text("unit;date;indicator;value;scenario\n0101;2024-12-31;residents;5;\n", encoding="utf-8")
    assert "missing-scenario" in codes(town_store, path, LONG.with_overrides(scenario_column="scenario"))


def test_non_finite_typed_numbers(town_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "v.parquet"
    pq.write_table(
        pa.table(
            {
                "unit": ["0101", "0102"],
                "date": ["2024-12-31"] * 2,
                "indicator": ["residents"] * 2,
                "value": [float("nan"), 7.0],
            }
        ),
        path,
    )
    import_values(town_store, path, LONG)
    got = {
        r.unit_id: (r.value, r.status)
        for r in town_store.read_values(["residents"], dates=[D(2024, 12, 31)]).itertuples()
    }
    assert got["0102"] == (7.0, "ok") and got["0101"][1] == "missing" and np.isnan(got["0101"][0])
    pq.write_table(
        pa.table({"unit": ["0101"], "date": ["2024-12-31"], "indicator": ["residents"], "value": [float("inf")]}), path
    )
    assert "not-a-number" in codes(town_store, path, LONG)


def test_rows_without_id_in_the_long_layout_keep_their_values_in_view(town_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "l.csv"
    path.write_text("unit;date;indicator;value\n0101;2024-12-31;residents;5\n;;residents;9\n", encoding="utf-8")
    report = import_values(town_store, path, LONG.with_overrides(rows_without_id="skip"))
    assert [w.code for w in report.warnings] == ["row-without-id"] and "value=9" in report.warnings[0].message


def test_placeholder_years_are_no_reference_dates(town_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "y.csv"
    path.write_text("unit;date;indicator;value\n0104;31.12.9999;residents;5\n", encoding="utf-8")
    assert codes(town_store, path, LONG) == {"invalid-date"}


def test_line_breaks_in_cells_are_reported_with_exact_rows(town_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "n.csv"
    path.write_text(
        'unit;date;indicator;value\n0101;2024-12-31;"resi\ndents";5\n0102;2024-12-31;residents;zwölf\n',
        encoding="utf-8",
    )
    with pytest.raises(ImportRejected) as info:
        import_values(town_store, path, LONG)
    rows = {i.code: i.row for i in info.value.report.errors}
    assert rows["newline-in-value"] == 2 and rows["not-a-number"] == 4  # the second record starts on line 4


def test_lost_zeros_are_reported_once(town_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "z.csv"
    path.write_text("unit;date;indicator;value\n101;2024-12-31;residents;5\n", encoding="utf-8")
    assert codes(town_store, path, LONG.with_overrides(id_padding="never")) == {"id-lost-zeros"}


def test_replacing_a_level_warns_about_retired_units_and_orphaned_values(town_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "q.gpkg"
    gpd.GeoDataFrame({"id": ["0101"]}, geometry=[shapely.box(X0, Y0, X0 + 2000, Y0 + 2000)], crs="EPSG:25832").to_file(
        path
    )
    report = import_units(
        town_store,
        path,
        UnitSpec(level="quartier", id_column="id", parent_prefix=2, valid_from=D(2022, 1, 1), close_previous=True),
    )
    assert {"units-retired", "values-outside-validity"} <= report.codes("warning")


def test_open_end_from_geodata_dates_and_placeholder(tmp_path: Path, town_store: Store) -> None:
    path = tmp_path / "q.gpkg"
    frame = gpd.GeoDataFrame(
        {"id": ["0298", "0299"], "ab": [dt.datetime(2024, 1, 1)] * 2, "bis": [None, dt.datetime(9999, 12, 31)]},
        geometry=[
            shapely.box(X0 + 4100, Y0 + 100, X0 + 4200, Y0 + 200),
            shapely.box(X0 + 4300, Y0 + 100, X0 + 4400, Y0 + 200),
        ],
        crs="EPSG:25832",
    )
    frame["bis"] = frame["bis"].astype("datetime64[ms]")
    frame.to_file(path)
    import_units(
        town_store,
        path,
        UnitSpec(level="quartier", id_column="id", parent_prefix=2, valid_from_column="ab", valid_to_column="bis"),
    )
    stored = town_store.unit_versions("quartier", unit_ids=["0298", "0299"], geometry=False)
    assert stored["valid_to"].tolist() == [None, None]


def test_dry_runs_of_every_import_kind_roll_back(
    town_store: Store, tmp_path: Path, town_files: dict[str, Path]
) -> None:
    before = town_store.info()["counts"]
    path = tmp_path / "q.gpkg"
    gpd.GeoDataFrame(
        {"id": ["0299"]}, geometry=[shapely.box(X0 + 4100, Y0 + 100, X0 + 4200, Y0 + 200)], crs="EPSG:25832"
    ).to_file(path)
    report = import_units(
        town_store,
        path,
        UnitSpec(level="quartier", id_column="id", parent_prefix=2, valid_from=D(2024, 1, 1)),
        options=ImportOptions(dry_run=True),
    )
    assert report.ok and "dry run" in report.summary()
    assert town_store.info()["counts"] == before


def test_wide_export_keeps_scenarios_apart(town_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("unit;date;indicator;value;scenario\n0102;2023-12-31;residents;5000;hoch\n", encoding="utf-8")
    import_values(town_store, path, LONG.with_overrides(scenario_column="scenario", status="projected"))
    export_values(town_store, tmp_path / "o.csv", level="quartier", dates=[D(2023, 12, 31)])
    row = next(r for r in (tmp_path / "o.csv").read_text(encoding="utf-8-sig").splitlines() if r.startswith("0102"))
    assert ";5000" not in row
    n = export_values(town_store, tmp_path / "all.csv", level="quartier", dates=[D(2023, 12, 31)], scenario=None)
    assert n == 17  # 16 observed rows and one projection


def test_export_headers_are_escaped(tmp_path: Path) -> None:
    import pandas as pd

    from ortswissen.io import write_table

    write_table(pd.DataFrame({"=HYPERLINK(1)": [1]}), tmp_path / "h.csv")
    assert (tmp_path / "h.csv").read_text(encoding="utf-8-sig").startswith("'=HYPERLINK(1)")


def _cli(args: list[Any], db: Path) -> Any:
    return CliRunner().invoke(cli, [str(a) for a in args], env={"ORTSWISSEN_DB": str(db), "COLUMNS": "200"})


def test_cli_shows_reports_with_markup_characters(tmp_path: Path, town_store: Store) -> None:
    db = Path(town_store.url)
    town_store.close()
    path = tmp_path / "m.csv"
    path.write_text("unit_id;date;indicator;value\n[/x];2024-12-31;residents;5\n", encoding="utf-8")
    result = _cli(["import", "values", path, "--profile", "long", "--level", "quartier"], db)
    assert result.exit_code == 1 and "[/x]" in result.output


def test_cli_reports_invalid_options_without_a_traceback(tmp_path: Path, town_files: dict[str, Path]) -> None:
    db = tmp_path / "c.duckdb"
    _cli(["db", "init"], db)
    _cli(["levels", "add", "q", "--name-de", "Q", "--name-en", "Q"], db)
    result = _cli(["import", "units", town_files["blocks"], "--level", "q", "--id-column", "id"], db)
    assert result.exit_code == 1 and "valid_from" in result.output and "Traceback" not in result.output


def test_cli_georesources_with_decimal_points(tmp_path: Path, town: SyntheticMunicipality) -> None:
    db = tmp_path / "g.duckdb"
    _cli(["db", "init"], db)
    _cli(["levels", "add", "stadt", "--name-de", "S", "--name-en", "C"], db)
    _cli(
        [
            "import",
            "units",
            Path(town.write_files(tmp_path / "f")["city"]),
            "--level",
            "stadt",
            "--id-column",
            "id",
            "--valid-from",
            "2015-01-01",
        ],
        db,
    )
    path = tmp_path / "p.csv"
    path.write_text(f"id,x,y\np1,{X0 + 100.5},{Y0 + 100.25}\n", encoding="utf-8")
    result = _cli(
        [
            "import",
            "georesources",
            path,
            "--id",
            "punkte",
            "--x-column",
            "x",
            "--y-column",
            "y",
            "--crs",
            "EPSG:25832",
            "--delimiter",
            ",",
            "--decimal",
            ".",
        ],
        db,
    )
    assert result.exit_code == 0, result.output


def test_reads_from_another_thread_do_not_see_an_open_transaction(town_store: Store) -> None:
    seen: list[list[str]] = []
    with town_store.transaction():
        town_store.put_level(Level("tmp", "T", "T"))
        worker = threading.Thread(target=lambda: seen.append([lv.id for lv in town_store.list_levels()]))
        worker.start()
        worker.join()
        assert "tmp" in [lv.id for lv in town_store.list_levels()]  # the owner sees its own write
    assert "tmp" not in seen[0]  # the other thread read committed data only
    json.dumps(seen)
