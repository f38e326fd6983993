"""Tests for ``ortswissen.io._tables``: CSV headers, delimiters, exact row numbers, bad records, XLSX and Parquet."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from openpyxl import Workbook

import ortswissen.io._tables as tables_module
from ortswissen.errors import InvalidInput
from ortswissen.io._sniff import EncodingProblem
from ortswissen.io._tables import CsvDialect, RawBatch, open_table
from ortswissen.reports import ImportReport


def _write(tmp_path: Path, data: bytes | str, name: str = "t.csv") -> Path:
    path = tmp_path / name
    if isinstance(data, str):
        path.write_bytes(data.encode("utf-8"))
    else:
        path.write_bytes(data)
    return path


def _report() -> ImportReport:
    return ImportReport(kind="values", source="t.csv")


def _read_all(source: object, report: ImportReport | None = None) -> tuple[list[int], dict[str, list[object]]]:
    """All rows and cells of a source, batches concatenated."""
    rows: list[int] = []
    cells: dict[str, list[object]] = {name: [] for name in source.columns}  # type: ignore[attr-defined]
    for batch in source.batches(report):  # type: ignore[attr-defined]
        assert isinstance(batch, RawBatch)
        assert set(batch.text) == set(cells)
        rows += batch.rows.to_pylist()
        for name, column in batch.text.items():
            assert len(column) == batch.num_rows
            cells[name] += column.to_pylist()
    return rows, cells


# -- dialect ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [{"delimiter": ";;"}, {"delimiter": ""}, {"decimal": ";"}, {"decimal": ".", "thousands": "."}, {"header_row": 0}],
    ids=["two-char-delimiter", "empty-delimiter", "bad-decimal", "decimal-equals-thousands", "header-row-0"],
)
def test_invalid_dialect(kwargs: dict[str, object]) -> None:
    with pytest.raises(InvalidInput):
        CsvDialect(**kwargs)  # type: ignore[arg-type]


def test_default_dialect_is_german() -> None:
    dialect = CsvDialect()
    assert (dialect.delimiter, dialect.decimal, dialect.thousands, dialect.encoding, dialect.header_row) == (
        None,
        ",",
        ".",
        "auto",
        1,
    )


# -- CSV header ------------------------------------------------------------------------------------


def test_header_quoted_names_and_whitespace_trimmed(tmp_path: Path) -> None:
    path = _write(tmp_path, '"RAUMID";" E_E ";  Name  ;"Straße; Nr"\n"01011101";"2930,00";Mitte;"A; 1"\n')
    source = open_table(path, CsvDialect(delimiter=";"))
    assert source.columns == ["RAUMID", "E_E", "Name", "Straße; Nr"]
    assert source.kind == "csv"
    rows, cells = _read_all(source)
    assert rows == [2]
    # cells stay text: leading zeros kept, numbers unparsed, the quoted delimiter kept inside the value
    assert cells == {"RAUMID": ["01011101"], "E_E": ["2930,00"], "Name": ["Mitte"], "Straße; Nr": ["A; 1"]}


def test_docstring_example(tmp_path: Path) -> None:
    path = _write(tmp_path, '"RAUMID";"E_E"\n"01011101";"2930,00"\n')
    source = open_table(path, CsvDialect(delimiter=";"))
    batch = next(iter(source.batches()))
    assert source.columns == ["RAUMID", "E_E"]
    assert batch.text["E_E"].to_pylist() == ["2930,00"]
    assert batch.rows.to_pylist() == [2]


def test_empty_cells_are_empty_strings(tmp_path: Path) -> None:
    path = _write(tmp_path, 'a;b;c\n1;;""\n')
    _, cells = _read_all(open_table(path, CsvDialect(delimiter=";")))
    assert cells == {"a": ["1"], "b": [""], "c": [""]}


def test_doubled_quotes_inside_a_value(tmp_path: Path) -> None:
    path = _write(tmp_path, 'a;b\n1;"sagt ""Hallo"""\n')
    _, cells = _read_all(open_table(path, CsvDialect(delimiter=";")))
    assert cells["b"] == ['sagt "Hallo"']


def test_utf8_bom_is_not_part_of_the_first_name(tmp_path: Path) -> None:
    path = _write(tmp_path, b"\xef\xbb\xbfRAUMID;Name\n01;M\xc3\xbcller\n")
    source = open_table(path, CsvDialect(delimiter=";"))
    assert source.columns == ["RAUMID", "Name"]
    assert source.details["encoding"] == "utf-8 (with BOM)"
    assert _read_all(source) == ([2], {"RAUMID": ["01"], "Name": ["Müller"]})


@pytest.mark.parametrize(
    ("delimiter", "header"),
    [(";", "a;b;c"), (",", "a,b,c"), ("\t", "a\tb\tc"), ("|", "a|b|c")],
    ids=["semicolon", "comma", "tab", "pipe"],
)
def test_delimiter_detected_and_noted(tmp_path: Path, delimiter: str, header: str) -> None:
    path = _write(tmp_path, f"{header}\n1{delimiter}2{delimiter}3\n")
    report = _report()
    source = open_table(path, CsvDialect(delimiter=None), report=report)
    assert source.columns == ["a", "b", "c"]
    assert source.details["delimiter"] == delimiter
    notes = [i for i in report.issues if i.code == "delimiter-detected"]
    assert len(notes) == 1
    assert notes[0].severity == "note"
    assert notes[0].row == 1
    assert repr(delimiter) in notes[0].message
    assert report.ok
    assert _read_all(source, report) == ([2], {"a": ["1"], "b": ["2"], "c": ["3"]})


@pytest.mark.parametrize(
    "header",
    ['"a, b";"c, d"', '"a, b, c";"d, e, f"', '"Anteil, in %";"Einwohner, gesamt, 31.12."'],
    ids=["one-comma-each", "two-commas-each", "german-names"],
)
def test_delimiter_detection_ignores_delimiters_inside_quotes(tmp_path: Path, header: str) -> None:
    # two columns split by ";"; the commas stand inside quoted names
    path = _write(tmp_path, header + "\n1;2\n")
    source = open_table(path, report=_report())
    assert source.details["delimiter"] == ";"
    assert source.columns == [name.strip('"') for name in header.split(";")]


def test_declared_delimiter_is_not_noted(tmp_path: Path) -> None:
    report = _report()
    open_table(_write(tmp_path, "a;b\n1;2\n"), CsvDialect(delimiter=";"), report=report)
    assert "delimiter-detected" not in report.codes()


def test_detection_without_report_still_works(tmp_path: Path) -> None:
    assert open_table(_write(tmp_path, "a,b\n1,2\n")).columns == ["a", "b"]


def test_header_without_delimiter_cannot_be_detected(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="cannot find a delimiter"):
        open_table(_write(tmp_path, "einzige_spalte\n1\n"))


def test_wrong_declared_delimiter_names_the_right_one(tmp_path: Path) -> None:
    path = _write(tmp_path, "id,name,wert\n1,a,2\n")
    with pytest.raises(InvalidInput) as info:
        open_table(path, CsvDialect(delimiter=";"))
    message = str(info.value)
    assert "wrong delimiter" in message
    assert "declare ','" in message


def test_duplicate_column_names_name_both_positions(tmp_path: Path) -> None:
    path = _write(tmp_path, "RAUMID;E_E;E_EM;E_E\n1;2;3;4\n")
    with pytest.raises(InvalidInput) as info:
        open_table(path, CsvDialect(delimiter=";"))
    message = str(info.value)
    assert "'E_E'" in message
    assert "columns 2 and 4" in message


def test_duplicate_after_trimming(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="columns 1 and 2"):
        open_table(_write(tmp_path, "a; a \n1;2\n"), CsvDialect(delimiter=";"))


def test_column_without_name(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="column 2 has no name"):
        open_table(_write(tmp_path, "a;;b\n1;2;3\n"), CsvDialect(delimiter=";"))


def test_trailing_delimiter_column_is_ignored(tmp_path: Path) -> None:
    path = _write(tmp_path, "a;b;\n1;2;\n3;4;\n")
    source = open_table(path, CsvDialect(delimiter=";"))
    assert source.columns == ["a", "b"]
    assert _read_all(source) == ([2, 3], {"a": ["1", "3"], "b": ["2", "4"]})


def test_header_row_below_a_preamble(tmp_path: Path) -> None:
    text = (
        'Tabelle 1: "Einwohner" am 31.12.2020; vorläufig\n'
        "\n"
        "Quelle: Amt für Statistik\n"
        "RAUMID;E_E\n"
        "01011101;2930\n"
        "01011102;12\n"
    )
    path = _write(tmp_path, text)
    source = open_table(path, CsvDialect(delimiter=";", header_row=4))
    assert source.columns == ["RAUMID", "E_E"]
    assert _read_all(source) == ([5, 6], {"RAUMID": ["01011101", "01011102"], "E_E": ["2930", "12"]})


def test_header_row_with_detection_is_noted_on_that_row(tmp_path: Path) -> None:
    report = _report()
    open_table(_write(tmp_path, "Titel\nx,y\n1,2\n"), CsvDialect(header_row=2), report=report)
    assert [i.row for i in report.issues if i.code == "delimiter-detected"] == [2]


def test_empty_header_row(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="row 2 should hold the column names"):
        open_table(_write(tmp_path, "Titel\n\na;b\n"), CsvDialect(delimiter=";", header_row=2))


def test_header_row_beyond_the_file(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="row 5"):
        open_table(_write(tmp_path, "a;b\n1;2\n"), CsvDialect(delimiter=";", header_row=5))


def test_header_only_file_has_no_records(tmp_path: Path) -> None:
    rows, cells = _read_all(open_table(_write(tmp_path, "a;b\n"), CsvDialect(delimiter=";")))
    assert rows == []
    assert cells == {"a": [], "b": []}


# -- rows ------------------------------------------------------------------------------------------


def test_empty_lines_are_blank_records_with_exact_rows(tmp_path: Path) -> None:
    lines = ["a;b", "2;x", "", "4;y", "", "", "7;z"]
    path = _write(tmp_path, "\n".join(lines) + "\n")
    rows, cells = _read_all(open_table(path, CsvDialect(delimiter=";")))
    assert rows == [2, 3, 4, 5, 6, 7]
    assert cells["a"] == ["2", "", "4", "", "", "7"]
    assert cells["b"] == ["x", "", "y", "", "", "z"]
    # the row of each non-blank record is the line where it stands
    for row, a in zip(rows, cells["a"], strict=True):
        if a:
            assert int(a) == row


@pytest.mark.parametrize(
    ("data", "rows", "ids"),
    [
        (b"a;b\r2;x\r\r4;y\r", [2, 3, 4], ["2", "", "4"]),
        (b"a;b\r\n2;x\r\n\r\n4;y\r\n", [2, 3, 4], ["2", "", "4"]),
        (b"a;b\r\n2;x\r\r\n4;y\n5;z\r", [2, 3, 4, 5], ["2", "", "4", "5"]),
    ],
    ids=["cr", "crlf", "mixed"],
)
def test_line_endings_rows_are_exact(tmp_path: Path, data: bytes, rows: list[int], ids: list[str]) -> None:
    got_rows, cells = _read_all(open_table(_write(tmp_path, data), CsvDialect(delimiter=";")))
    assert got_rows == rows
    assert cells["a"] == ids


def test_mixed_line_endings_are_noted(tmp_path: Path) -> None:
    report = _report()
    source = open_table(_write(tmp_path, b"a;b\r\n1;2\r3;4\r\n"), CsvDialect(delimiter=";"), report=report)
    assert "mixed-line-endings" in report.codes("note")
    assert source.details["line_endings"] == {"crlf": 2, "cr": 1, "lf": 0}
    assert _read_all(source)[0] == [2, 3]


def test_uniform_line_endings_are_not_noted(tmp_path: Path) -> None:
    report = _report()
    open_table(_write(tmp_path, b"a;b\r1;2\r3;4\r"), CsvDialect(delimiter=";"), report=report)
    assert "mixed-line-endings" not in report.codes()


def test_cp1252_file(tmp_path: Path) -> None:
    text = "Ort;Bezeichnung\r\n1;Straße – Nord\r\n2;Müller „Ö“ 5 €\r\n"
    path = _write(tmp_path, text.encode("cp1252"))
    source = open_table(path, CsvDialect(delimiter=";", encoding="cp1252"))
    assert source.details["encoding"] == "cp1252"
    assert _read_all(source) == ([2, 3], {"Ort": ["1", "2"], "Bezeichnung": ["Straße – Nord", "Müller „Ö“ 5 €"]})


def test_cp1252_header_names(tmp_path: Path) -> None:
    path = _write(tmp_path, "Größe;Straße\n1;2\n".encode("cp1252"))
    assert open_table(path, CsvDialect(delimiter=";", encoding="cp1252")).columns == ["Größe", "Straße"]


def test_cp1252_file_without_declaration_is_an_encoding_problem(tmp_path: Path) -> None:
    path = _write(tmp_path, "a;b\n1;Straße\n".encode("cp1252"))
    with pytest.raises(EncodingProblem) as info:
        open_table(path, CsvDialect(delimiter=";"))
    assert info.value.row == 2


# -- wrong field counts ---------------------------------------------------------------------------


def test_wrong_field_count_small_file(tmp_path: Path) -> None:
    lines = ["a;b", "2;x", "3;y;extra", "4;z", "5", "6;w"]
    path = _write(tmp_path, "\n".join(lines) + "\n")
    report = _report()
    rows, cells = _read_all(open_table(path, CsvDialect(delimiter=";")), report)
    assert rows == [2, 4, 6]
    assert cells["a"] == ["2", "4", "6"]
    errors = [i for i in report.errors if i.code == "wrong-field-count"]
    assert [(e.row, e.value) for e in errors] == [(3, "3;y;extra"), (5, "5")]
    assert "expected 2 fields, found 3" in errors[0].message
    assert "expected 2 fields, found 1" in errors[1].message
    assert not report.ok


def _numbered_file(path: Path, n_lines: int, bad: dict[int, str]) -> None:
    """A file whose record on line k has id k; lines in ``bad`` get the given (malformed) text."""
    parts = ["id;name;wert"]
    for line in range(2, n_lines + 1):
        parts.append(bad.get(line, f"{line};Planungsraum Nummer {line:08d};{line},5"))
    path.write_text("\n".join(parts) + "\n", encoding="utf-8")


def _check_numbered(
    path: Path, n_lines: int, bad: dict[int, str], report: ImportReport, *, batches_expected: int = 1
) -> None:
    source = open_table(path, CsvDialect(delimiter=";"))
    rows: list[int] = []
    ids: list[int] = []
    n_batches = 0
    for batch in source.batches(report):
        n_batches += 1
        rows += batch.rows.to_pylist()
        ids += [int(v) for v in batch.text["id"].to_pylist()]
    good = [line for line in range(2, n_lines + 1) if line not in bad]
    assert len(ids) == len(set(ids)), "a record was yielded twice"
    assert ids == good  # every good record once, in file order
    assert rows == ids  # the row of each record is its line number
    assert n_batches >= batches_expected
    errors = [i for i in report.errors if i.code == "wrong-field-count"]
    assert [(e.row, e.value) for e in errors] == sorted(bad.items())
    assert report.error_count == len(bad)


def test_many_lines_without_bad_records_in_several_blocks(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    n = 200_000
    _numbered_file(path, n, {})
    assert path.stat().st_size > 2 * tables_module._BLOCK  # at least three blocks
    report = _report()
    _check_numbered(path, n, {}, report, batches_expected=3)
    assert report.ok


@pytest.mark.parametrize(
    "bad_lines",
    [[150_000], [50, 199_990], [3, 100_000, 100_001, 200_000]],
    ids=["one-late", "early-and-late", "adjacent-and-last"],
)
def test_many_lines_with_bad_records_rows_exact(tmp_path: Path, bad_lines: list[int]) -> None:
    path = tmp_path / "big.csv"
    n = 200_000
    bad = {}
    for k, line in enumerate(bad_lines):
        bad[line] = f"{line};zu;viele;Felder" if k % 2 == 0 else f"{line}"
    _numbered_file(path, n, bad)
    assert path.stat().st_size > 2 * tables_module._BLOCK
    _check_numbered(path, n, bad, _report(), batches_expected=3)


@pytest.mark.parametrize("block", [256, 1000, 4096], ids=lambda b: f"block{b}")
def test_small_blocks_with_bad_records_rows_exact(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block: int) -> None:
    monkeypatch.setattr(tables_module, "_BLOCK", block)
    path = tmp_path / "small-blocks.csv"
    n = 400
    bad = {120: "120;a;b;c", 121: "121", 377: "377;x;y;z"}
    _numbered_file(path, n, bad)
    _check_numbered(path, n, bad, _report(), batches_expected=3)


@pytest.mark.parametrize("block", [256, 4096], ids=lambda b: f"block{b}")
def test_small_blocks_with_blank_lines_rows_exact(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block: int) -> None:
    monkeypatch.setattr(tables_module, "_BLOCK", block)
    lines = ["id;v"] + [("" if k % 7 == 0 else f"{k};x") for k in range(2, 600)]
    path = _write(tmp_path, "\n".join(lines) + "\n")
    rows, cells = _read_all(open_table(path, CsvDialect(delimiter=";")))
    assert rows == list(range(2, 600))
    for row, value in zip(rows, cells["id"], strict=True):
        assert value == ("" if row % 7 == 0 else str(row))


# -- XLSX ------------------------------------------------------------------------------------------


def _workbook(path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "Daten"
    ws.append(["RAUMID", "E_E", "Anteil", "Stichtag", "Name"])
    ws.append(["01011101", 2930, 12.5, datetime(2021, 12, 31), "Mitte"])
    ws.append(["01011102", 0, 0.25, date(2020, 6, 30), None])
    ws.append([])  # an empty row keeps its place
    ws.append(["01011104", None, "k. A.", None, "Süd"])
    other = wb.create_sheet("Andere")
    other.append(["Titel"])
    other.append(["x", "y"])
    other.append([1, 2])
    wb.save(path)


def test_xlsx_first_sheet(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    _workbook(path)
    source = open_table(path)
    assert source.kind == "xlsx"
    assert source.columns == ["RAUMID", "E_E", "Anteil", "Stichtag", "Name"]
    texts: dict[str, list[object]] = {c: [] for c in source.columns}
    numbers: dict[str, list[object]] = {}
    rows: list[int] = []
    for batch in source.batches():
        rows += batch.rows.to_pylist()
        for name, column in batch.text.items():
            texts[name] += column.to_pylist()
        for name, column in batch.numbers.items():
            numbers.setdefault(name, []).extend(column.to_pylist())
    assert rows == [2, 3, 4, 5]
    assert texts["RAUMID"] == ["01011101", "01011102", None, "01011104"]  # text ids keep leading zeros
    assert texts["E_E"] == ["2930", "0", None, None]  # whole numbers without ".0"
    assert texts["Anteil"] == ["12.5", "0.25", None, "k. A."]
    assert texts["Stichtag"] == ["2021-12-31", "2020-06-30", None, None]
    assert texts["Name"] == ["Mitte", None, None, "Süd"]
    assert numbers["E_E"] == [2930.0, 0.0, None, None]
    assert numbers["Anteil"] == [12.5, 0.25, None, None]
    assert "RAUMID" not in numbers  # text cells are no numbers
    assert "Name" not in numbers


def test_xlsx_named_sheet_and_header_row(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    _workbook(path)
    source = open_table(path, CsvDialect(header_row=2), sheet="Andere")
    assert source.columns == ["x", "y"]
    batches = list(source.batches())
    assert [b.rows.to_pylist() for b in batches] == [[3]]
    assert batches[0].text["x"].to_pylist() == ["1"]
    assert batches[0].numbers["y"].to_pylist() == [2.0]


def test_xlsx_missing_sheet(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    _workbook(path)
    with pytest.raises(InvalidInput) as info:
        open_table(path, sheet="Tabelle1")
    assert "'Tabelle1'" in str(info.value)
    assert "Daten" in str(info.value)


def test_xlsx_duplicate_header(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    wb = Workbook()
    wb.active.append(["a", "b", "a"])
    wb.save(path)
    with pytest.raises(InvalidInput, match="occurs twice"):
        open_table(path)


def test_xlsx_empty_header_row(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    wb = Workbook()
    wb.active.append([])
    wb.active.append(["a"])
    wb.save(path)
    with pytest.raises(InvalidInput, match="row 1 should hold the column names"):
        open_table(path)


def test_not_an_xlsx_file(tmp_path: Path) -> None:
    path = _write(tmp_path, b"a;b\n1;2\n", "t.xlsx")
    with pytest.raises(InvalidInput, match="not a readable XLSX"):
        open_table(path)


def test_xls_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "alt.xls")
    with pytest.raises(InvalidInput, match=r"\.xls"):
        open_table(path)


# -- Parquet ---------------------------------------------------------------------------------------


def test_parquet_typed_columns(tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    table = pa.table(
        {
            "unit_id": pa.array(["01011101", "01011102", None]),
            "anzahl": pa.array([2930, 0, None], type=pa.int64()),
            "anteil": pa.array([12.5, 2930.0, None], type=pa.float64()),
            "stichtag": pa.array([date(2021, 12, 31), date(2020, 2, 29), None], type=pa.date32()),
        }
    )
    pq.write_table(table, path)
    source = open_table(path)
    assert source.kind == "parquet"
    assert source.columns == ["unit_id", "anzahl", "anteil", "stichtag"]
    batches = list(source.batches())
    assert len(batches) == 1
    batch = batches[0]
    assert batch.rows.to_pylist() == [2, 3, 4]
    assert batch.text["unit_id"].to_pylist() == ["01011101", "01011102", None]
    assert batch.text["anzahl"].to_pylist() == ["2930", "0", None]
    assert batch.text["anteil"].to_pylist() == ["12.5", "2930", None]
    assert batch.text["stichtag"].to_pylist() == ["2021-12-31", "2020-02-29", None]
    assert batch.numbers["anzahl"].to_pylist() == [2930.0, 0.0, None]
    assert batch.numbers["anteil"].to_pylist() == [12.5, 2930.0, None]
    assert set(batch.numbers) == {"anzahl", "anteil"}


def test_parquet_geometry_and_index_are_not_columns(tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    table = pa.table({"id": ["a"], "geometry": [b"\x00"], "__index_level_0__": [0]})
    pq.write_table(table, path)
    assert open_table(path).columns == ["id"]


def test_parquet_rows_continue_across_batches(tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    n = 450_000
    pq.write_table(pa.table({"k": pa.array(range(n), type=pa.int64())}), path)
    rows: list[int] = []
    first_values: list[float] = []
    for batch in open_table(path).batches():
        rows += batch.rows.to_pylist()
        first_values.append(batch.numbers["k"][0].as_py())
    assert rows == list(range(2, n + 2))
    assert first_values[0] == 0.0


def test_not_a_parquet_file(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="not a readable Parquet"):
        open_table(_write(tmp_path, b"a;b\n1;2\n", "t.parquet"))


# -- files -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["fehlt.csv", "fehlt.xlsx", "fehlt.parquet", "fehlt.xls"])
def test_missing_file(tmp_path: Path, name: str) -> None:
    with pytest.raises(InvalidInput, match="no such file"):
        open_table(tmp_path / name)
