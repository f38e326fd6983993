"""Value imports into a real DuckDB file: German formats, and every kind of bad input.

Each bad input must give a clear error naming file, row and column, and write nothing: the
store's row counts and value checksum are compared before and after.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from ortswissen.errors import ImportRejected
from ortswissen.io import ValueSpec
from ortswissen.ports import Store
from ortswissen.reports import ImportReport
from ortswissen.services.values import ImportOptions, import_values

D = dt.date
HEADER = "Quartier;Stichtag;Einwohner;unter 6 Jahre"


def spec(**changes: Any) -> ValueSpec:
    base = ValueSpec(
        level="quartier",
        unit_column="Quartier",
        date_column="Stichtag",
        columns={"Einwohner": "residents", "unter 6 Jahre": "residents_under_6"},
        dialect={"delimiter": ";"},
    )
    return base.with_overrides(**changes)


def write(tmp_path: Path, text: str, *, encoding: str = "utf-8", name: str = "werte.csv", newline: str = "\n") -> Path:
    path = tmp_path / name
    path.write_bytes(text.replace("\n", newline).encode(encoding))
    return path


def fingerprint(store: Store) -> tuple[Any, ...]:
    values = store.read_values(all_versions=True)
    return (
        tuple(store.info()["counts"].items()),
        len(values),
        float(values["value"].fillna(-1).sum()),
        tuple(sorted(values["status"].value_counts().items())),
    )


def rejected(store: Store, path: Path, value_spec: ValueSpec, **options: Any) -> ImportReport:
    before = fingerprint(store)
    with pytest.raises(ImportRejected) as info:
        import_values(store, path, value_spec, options=ImportOptions(**options))
    assert fingerprint(store) == before, "a rejected import changed the store"
    return info.value.report


def only(report: ImportReport, code: str) -> Any:
    found = [i for i in report.errors if i.code == code]
    assert found, f"no {code!r} error in {report.summary()}"
    return found[0]


# -- good inputs ----------------------------------------------------------------------------------------


def test_german_csv_in_cp1252_is_imported(town_store: Store, tmp_path: Path) -> None:
    text = HEADER + "\n0101;31.12.2024;7.012;412\n0307;31.12.2024;1.234;–\n"
    path = write(tmp_path, text, encoding="cp1252")
    report = import_values(town_store, path, spec(encoding="cp1252"))
    assert report.ok and report.counts["written"] == 4
    got = town_store.read_values(["residents", "residents_under_6"], level_id="quartier", dates=[D(2024, 12, 31)])
    values = {(r.indicator_id, r.unit_id): (r.value, r.status, r.flag) for r in got.itertuples()}
    assert values[("residents", "0101")] == (7012.0, "ok", None)
    assert values[("residents_under_6", "0307")] == (0.0, "ok", "-")  # the en dash means "nothing", exactly 0
    mine = [r for r in town_store.list_imports() if r.id == report.details["import_id"]]  # not the derived run
    assert mine[0].sha256 == report.details["sha256"]


def test_reimport_replaces_and_reports_it(town_store: Store, tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + "\n0101;31.12.2023;1;0\n")
    report = import_values(town_store, path, spec())
    assert (report.counts["written"], report.counts["replaced"]) == (2, 2)
    assert town_store.read_values(["residents"], unit_ids=["0101"], dates=[D(2023, 12, 31)])["value"].tolist() == [1]


def test_genesis_signs_become_statuses(town_store: Store, tmp_path: Path) -> None:
    text = HEADER + "\n0101;31.12.2024;.;x\n0102;31.12.2024;/;...\n0103;31.12.2024;12s;(7)\n"
    import_values(town_store, write(tmp_path, text), spec())
    got = town_store.read_values(dates=[D(2024, 12, 31)])
    status = {(r.unit_id, r.indicator_id): (r.status, r.flag) for r in got.itertuples()}
    assert status[("0101", "residents")] == ("suppressed", ".")
    assert status[("0101", "residents_under_6")] == ("missing", "x")
    assert status[("0102", "residents")] == ("suppressed", "/")
    assert status[("0102", "residents_under_6")] == ("missing", "...")
    assert status[("0103", "residents")] == ("estimated", "s")
    assert status[("0103", "residents_under_6")] == ("ok", "()")
    assert got.loc[got["status"].isin(["missing", "suppressed"]), "value"].isna().all()


def test_trailing_blank_rows_are_skipped_and_noted(town_store: Store, tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + "\n0101;31.12.2024;5;1\n;;;\n\n;;;\n")
    report = import_values(town_store, path, spec())
    assert report.ok and report.counts["written"] == 2 and report.counts["blank_rows"] == 3
    assert [i.row for i in report.issues if i.code == "blank-row"] == [3, 4, 5]


def test_mixed_line_endings_are_read_with_exact_rows(town_store: Store, tmp_path: Path) -> None:
    raw = (HEADER + "\r\n0101;31.12.2024;5;1\r0102;31.12.2024;6;1\n0103;31.12.2024;zwölf;1\r\n").encode()
    path = tmp_path / "mixed.csv"
    path.write_bytes(raw)
    report = rejected(town_store, path, spec())
    issue = only(report, "not-a-number")
    assert (issue.row, issue.column, issue.value) == (4, "Einwohner", "zwölf")
    assert "mixed-line-endings" in report.codes()


def test_lost_leading_zeros_are_restored_with_a_warning(town_store: Store, tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + "\n101;31.12.2024;5;1\n0102;31.12.2024;6;1\n")
    report = import_values(town_store, path, spec())
    assert report.ok
    (warning,) = report.warnings
    assert (warning.code, warning.row, warning.column, warning.value) == ("id-zero-padded", 2, "Quartier", "101")
    assert "0101" in set(town_store.read_values(dates=[D(2024, 12, 31)])["unit_id"])


def test_lost_leading_zeros_are_errors_when_padding_is_off(town_store: Store, tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + "\n101;31.12.2024;5;1\n")
    issue = only(rejected(town_store, path, spec(id_padding="never")), "id-lost-zeros")
    assert (issue.row, issue.column) == (2, "Quartier") and "'0101'" in issue.message


def test_strict_mode_turns_warnings_into_rejection(town_store: Store, tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + "\n101;31.12.2024;5;1\n")
    report = rejected(town_store, path, spec(), strict=True)
    assert "strict" in report.codes("error")


def test_dry_run_validates_and_writes_nothing(town_store: Store, tmp_path: Path) -> None:
    before = fingerprint(town_store)
    report = import_values(
        town_store, write(tmp_path, HEADER + "\n0101;31.12.2024;5;1\n"), spec(), options=ImportOptions(dry_run=True)
    )
    assert report.ok and report.details["dry_run"] and report.counts["written"] == 2
    assert fingerprint(town_store) == before


def test_xlsx_with_numeric_ids_and_numbers(town_store: Store, tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Quartier", "Stichtag", "Einwohner", "unter 6 Jahre"])
    ws.append([101, dt.datetime(2024, 12, 31), 7012, "–"])  # an id that Excel turned into a number
    ws.append(["0102", "31.12.2024", "1.234", 12])
    path = tmp_path / "werte.xlsx"
    wb.save(path)
    report = import_values(town_store, path, spec())
    assert report.ok and report.counts["written"] == 4 and "id-zero-padded" in report.codes()
    got = town_store.read_values(["residents"], level_id="quartier", dates=[D(2024, 12, 31)]).set_index("unit_id")[
        "value"
    ]
    assert got.to_dict() == {"0101": 7012.0, "0102": 1234.0}


def test_long_layout_with_status_and_flag_columns(town_store: Store, tmp_path: Path) -> None:
    text = (
        "unit;date;indicator;value;status;flag\n0101;2024-12-31;residents;;suppressed;1-3\n"
        "0102;2024-12-31;residents;17;estimated;\n"
    )
    long = ValueSpec(
        level="quartier",
        layout="long",
        unit_column="unit",
        date_column="date",
        indicator_column="indicator",
        value_column="value",
        status_column="status",
        flag_column="flag",
        dialect={"delimiter": ";"},
    )
    import_values(town_store, write(tmp_path, text), long)
    imported = town_store.read_values(level_id="quartier", dates=[D(2024, 12, 31)])
    got = {r.unit_id: (r.status, r.flag) for r in imported.itertuples()}
    assert got == {"0101": ("suppressed", "1-3"), "0102": ("estimated", None)}


def test_totals_row_without_id_is_recognised(town_store: Store, tmp_path: Path) -> None:
    text = HEADER + "\n0101;31.12.2024;5;1\n0102;31.12.2024;6;2\n;;11;3\n"
    report = import_values(town_store, write(tmp_path, text), spec(rows_without_id="skip"))
    (note,) = [i for i in report.issues if i.code == "totals-row"]
    assert note.row == 4 and report.counts["written"] == 4
    text = HEADER + "\n0101;31.12.2024;5;1\n;;99;3\n"
    report = import_values(town_store, write(tmp_path, text), spec(rows_without_id="skip"))
    assert [w.code for w in report.warnings] == ["row-without-id"]


# -- bad inputs: each a clear error, nothing written -------------------------------------------------------


def test_wrong_encoding(town_store: Store, tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + "\n0101;31.12.2024;5;1\n0102;31.12.2024;6;1 Straße\n", encoding="cp1252")
    issue = only(rejected(town_store, path, spec()), "encoding")
    assert issue.row == 3 and "cp1252" in issue.message and issue.source == "werte.csv"


def test_utf8_declared_as_cp1252(town_store: Store, tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + "\n0101;31.12.2024;5;1 ä\n")
    assert "utf-8" in only(rejected(town_store, path, spec(encoding="cp1252")), "encoding").message


def test_wrong_delimiter(town_store: Store, tmp_path: Path) -> None:
    path = write(tmp_path, HEADER.replace(";", ",") + "\n0101,31.12.2024,5,1\n")
    issue = only(rejected(town_store, path, spec()), "unreadable")
    assert "','" in issue.message and "delimiter" in issue.message


def test_decimal_comma_where_points_are_expected(town_store: Store, tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + "\n0101;31.12.2024;5;1\n0102;31.12.2024;6,5;1\n")
    issue = only(rejected(town_store, path, spec(decimal=".", thousands="")), "decimal-comma-found")
    assert (issue.row, issue.column, issue.value) == (3, "Einwohner", "6,5")


def test_decimal_point_where_commas_are_expected(town_store: Store, tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + "\n0101;31.12.2024;2930.5;1\n")
    issue = only(rejected(town_store, path, spec()), "decimal-point-found")
    assert (issue.row, issue.column, issue.value) == (2, "Einwohner", "2930.5")


def test_duplicate_keys_name_both_rows(town_store: Store, tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + "\n0101;31.12.2024;5;1\n0102;31.12.2024;6;1\n0101;31.12.2024;7;1\n")
    report = rejected(town_store, path, spec())
    messages = [i.message for i in report.errors if i.code == "duplicate-key"]
    assert len(messages) == 2  # one per indicator
    assert all("rows 2, 4" in m and "'0101'" in m for m in messages)


def test_unknown_unit_ids(town_store: Store, tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + "\n0101;31.12.2024;5;1\n9999;31.12.2024;6;1\n")
    issue = only(rejected(town_store, path, spec()), "unknown-unit")
    assert (issue.row, issue.column, issue.value) == (3, "Quartier", "9999")


def test_unit_not_valid_on_the_date(town_store: Store, tmp_path: Path) -> None:
    # 0104 was split on 1 January 2021
    path = write(tmp_path, HEADER + "\n0104;31.12.2024;5;1\n")
    issue = only(rejected(town_store, path, spec()), "unit-not-valid-on-date")
    assert issue.row == 2 and "2024-12-31" in issue.message


def test_negative_counts(town_store: Store, tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + "\n0101;31.12.2024;-5;1\n")
    issue = only(rejected(town_store, path, spec()), "negative-value")
    assert (issue.row, issue.column, issue.value) == (2, "Einwohner", "-5")


def test_fractional_counts(town_store: Store, tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + "\n0101;31.12.2024;5,5;1\n")
    assert only(rejected(town_store, path, spec()), "fractional-count").value == "5,5"


def test_non_numeric_cells(town_store: Store, tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + "\n0101;31.12.2024;fünf;1\n")
    issue = only(rejected(town_store, path, spec()), "not-a-number")
    assert (issue.row, issue.column, issue.value) == (2, "Einwohner", "fünf")


def test_invalid_dates(town_store: Store, tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + "\n0101;31.02.2024;5;1\n")
    issue = only(rejected(town_store, path, spec()), "invalid-date")
    assert (issue.row, issue.column) == (2, "Stichtag")


def test_empty_file(town_store: Store, tmp_path: Path) -> None:
    assert "empty" in only(rejected(town_store, write(tmp_path, ""), spec()), "unreadable").message


def test_header_without_rows(town_store: Store, tmp_path: Path) -> None:
    only(rejected(town_store, write(tmp_path, HEADER + "\n"), spec()), "no-data")


def test_rows_with_wrong_field_counts(town_store: Store, tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + "\n0101;31.12.2024;5;1\n0102;31.12.2024;6;1;9\n0103;31.12.2024\n")
    report = rejected(town_store, path, spec())
    rows = sorted(i.row for i in report.errors if i.code == "wrong-field-count")
    assert rows == [3, 4]


def test_missing_columns_and_unknown_indicators(town_store: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "Quartier;Stichtag;Einwohner\n0101;31.12.2024;5\n")
    report = rejected(town_store, path, spec())
    assert only(report, "missing-column").column == "unter 6 Jahre"
    path = write(tmp_path, HEADER + "\n0101;31.12.2024;5;1\n")
    report = rejected(town_store, path, spec(columns={"Einwohner": "residents", "unter 6 Jahre": "no_such"}))
    assert only(report, "unknown-indicator").column == "unter 6 Jahre"


def test_all_problems_are_reported_not_just_the_first(town_store: Store, tmp_path: Path) -> None:
    lines = [HEADER] + [f"01{i % 4 + 1:02d};31.12.2024;x{i};1" for i in range(120)]
    lines += ["9999;31.12.2024;5;1", "0101;32.12.2024;5;1"]
    report = rejected(town_store, write(tmp_path, "\n".join(lines) + "\n"), spec())
    assert report.codes("error") >= {"not-a-number", "unknown-unit", "invalid-date"}
    totals = {code: n for (sev, code), n in report.issue_totals.items() if sev == "error"}
    assert totals["not-a-number"] == 120
    assert len([i for i in report.errors if i.code == "not-a-number"]) == report.per_code_limit


def test_file_larger_than_one_block_reports_exact_rows(town_store: Store, tmp_path: Path) -> None:
    # about 6 MB, several parser blocks; one bad row late in the file
    units = ["0101", "0102", "0103", "0201", "0202", "0203", "0204", "0307"]
    lines = [HEADER]
    day = D(2021, 1, 1)
    for i in range(160_000):
        lines.append(f"{units[i % 8]};{(day + dt.timedelta(days=i // 8)).strftime('%d.%m.%Y')};{i};{i % 7}")
    lines[150_001] += ";9"  # an extra field on file line 150,002
    text = "\n".join(lines) + "\n"
    report = rejected(town_store, write(tmp_path, text), spec())
    assert only(report, "wrong-field-count").row == 150_002
