"""Unit tests of import reports (``ortswissen.reports``).

Covers recording issues with ``add``/``error``/``warning``/``note``, the per-code limit and
``tally``/``room``, the counts and ``ok``, ``summary()`` for accepted and rejected imports,
``to_dict``/``to_json`` and the location formatting of :class:`Issue`.
"""

from __future__ import annotations

import json
from pathlib import PurePosixPath

import pytest

from ortswissen.reports import ImportReport, Issue, Severity


def _report(limit: int = 50) -> ImportReport:
    return ImportReport(kind="values", source="ewr.csv", per_code_limit=limit)


# -- Issue ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("issue", "text"),
    [
        (
            Issue(Severity.ERROR, "unknown-unit", "unknown unit", "ewr.csv", 7, "RAUMID", "99"),
            "ewr.csv, row 7, column 'RAUMID': unknown unit [unknown-unit]",
        ),
        (Issue(Severity.ERROR, "bad", "msg", "f.csv", 2), "f.csv, row 2: msg [bad]"),
        (Issue(Severity.ERROR, "bad", "msg", "f.csv", column="X"), "f.csv, column 'X': msg [bad]"),
        (Issue(Severity.ERROR, "bad", "msg", row=3, column="X"), "row 3, column 'X': msg [bad]"),
        (Issue(Severity.WARNING, "bad", "msg", "f.csv"), "f.csv: msg [bad]"),
        (Issue(Severity.NOTE, "bad", "msg"), "msg [bad]"),
        (Issue(Severity.ERROR, "bad", "msg", row=0), "row 0: msg [bad]"),
    ],
    ids=["all", "source-row", "source-column", "row-column", "source-only", "nowhere", "row-zero-is-shown"],
)
def test_issue_str(issue: Issue, text: str) -> None:
    assert str(issue) == text


def test_issue_location() -> None:
    assert Issue(Severity.ERROR, "c", "m", "a.gpkg", 12).location() == "a.gpkg, row 12"
    assert Issue(Severity.ERROR, "c", "m").location() == ""


def test_issue_to_dict() -> None:
    issue = Issue(Severity.WARNING, "restored-zeros", "zeros restored", "ewr.csv", 3, "RAUMID", "1011101")
    data = issue.to_dict()
    assert data == {
        "severity": "warning",
        "code": "restored-zeros",
        "message": "zeros restored",
        "source": "ewr.csv",
        "row": 3,
        "column": "RAUMID",
        "value": "1011101",
    }
    assert type(data["severity"]) is str


# -- collecting -------------------------------------------------------------------------------


def test_new_report_is_ok_and_empty() -> None:
    report = _report()
    assert report.ok
    assert (report.error_count, report.warning_count) == (0, 0)
    assert report.issues == []
    assert report.codes() == set()


def test_error_warning_note() -> None:
    report = _report()
    report.error("unknown-unit", "unknown planning area", row=7, column="RAUMID", value=99999999)
    report.warning("restored-zeros", "leading zeros restored", row=8)
    report.note("blank-row", "blank row skipped", row=9)
    assert [(i.severity, i.code, i.row) for i in report.issues] == [
        (Severity.ERROR, "unknown-unit", 7),
        (Severity.WARNING, "restored-zeros", 8),
        (Severity.NOTE, "blank-row", 9),
    ]
    first = report.issues[0]
    assert first.source == "ewr.csv"  # the report's source by default
    assert first.column == "RAUMID"
    assert first.value == "99999999"  # values are kept as text
    assert not report.ok
    assert (report.error_count, report.warning_count) == (1, 1)
    assert [i.code for i in report.errors] == ["unknown-unit"]
    assert [i.code for i in report.warnings] == ["restored-zeros"]
    assert report.codes() == {"unknown-unit", "restored-zeros", "blank-row"}
    assert report.codes(Severity.ERROR) == {"unknown-unit"}
    assert report.codes("note") == {"blank-row"}


def test_add_with_string_severity_and_own_source() -> None:
    report = _report()
    report.add("warning", "odd", "odd value", source="other.csv")  # type: ignore[arg-type]
    issue = report.issues[0]
    assert issue.severity is Severity.WARNING
    assert issue.source == "other.csv"
    assert report.warning_count == 1
    assert report.ok


def test_only_warnings_and_notes_keep_the_report_ok() -> None:
    report = _report()
    for i in range(3):
        report.warning("w", f"warning {i}")
        report.note("n", f"note {i}")
    assert report.ok
    assert report.warning_count == 3
    assert report.error_count == 0


def test_long_values_are_clipped() -> None:
    report = _report()
    report.error("long", "long value", value="x" * 500)
    value = report.issues[0].value
    assert value is not None
    assert len(value) == 120
    assert value == "x" * 119 + "…"


def test_value_of_exactly_120_characters_is_kept() -> None:
    report = _report()
    report.error("long", "long value", value="y" * 120)
    assert report.issues[0].value == "y" * 120


def test_none_value_stays_none() -> None:
    report = _report()
    report.error("c", "m")
    assert report.issues[0].value is None


# -- per-code limit, tally, room --------------------------------------------------------------


def test_per_code_limit_keeps_counting() -> None:
    report = _report(limit=3)
    for row in range(1, 8):
        report.error("unknown-unit", "unknown", row=row)
    report.error("bad-number", "bad", row=100)
    assert [i.row for i in report.issues if i.code == "unknown-unit"] == [1, 2, 3]
    assert [i.row for i in report.issues if i.code == "bad-number"] == [100]
    assert report.error_count == 8


def test_per_code_limit_is_per_severity_and_code() -> None:
    report = _report(limit=1)
    report.error("same", "e1")
    report.error("same", "e2")
    report.warning("same", "w1")
    assert [(i.severity, i.message) for i in report.issues] == [(Severity.ERROR, "e1"), (Severity.WARNING, "w1")]
    assert (report.error_count, report.warning_count) == (2, 1)


def test_room() -> None:
    report = _report(limit=3)
    assert report.room(Severity.ERROR, "x") == 3
    report.error("x", "one")
    assert report.room(Severity.ERROR, "x") == 2
    assert report.room("error", "x") == 2
    assert report.room(Severity.WARNING, "x") == 3
    for _ in range(5):
        report.error("x", "more")
    assert report.room(Severity.ERROR, "x") == 0


def test_tally_counts_without_recording() -> None:
    report = _report(limit=2)
    report.error("unknown-unit", "first")
    report.tally(Severity.ERROR, "unknown-unit", 40)
    report.tally("warning", "restored-zeros", 5)
    report.tally(Severity.ERROR, "nothing", 0)
    report.tally(Severity.ERROR, "negative", -3)
    assert len(report.issues) == 1
    assert report.error_count == 41
    assert report.warning_count == 5
    assert report.room(Severity.ERROR, "unknown-unit") == 0
    assert "nothing" not in report.codes()
    assert "negative" not in report.codes()
    assert not report.ok


def test_room_then_tally_pattern() -> None:
    # a caller records what still fits and tallies the rest
    report = _report(limit=3)
    problems = list(range(10))
    room = report.room(Severity.ERROR, "bad")
    for p in problems[:room]:
        report.error("bad", f"problem {p}")
    report.tally(Severity.ERROR, "bad", len(problems) - room)
    assert len(report.errors) == 3
    assert report.error_count == 10


def test_extend_keeps_locations_and_respects_the_limit() -> None:
    report = _report(limit=2)
    found = [Issue(Severity.ERROR, "invalid-geometry", f"bad {i}", row=i) for i in range(1, 5)]
    found.append(Issue(Severity.WARNING, "repaired-geometry", "fixed", source="b.gpkg", row=9, column="geom"))
    report.extend(found)
    assert [(i.code, i.row, i.source) for i in report.issues] == [
        ("invalid-geometry", 1, "ewr.csv"),
        ("invalid-geometry", 2, "ewr.csv"),
        ("repaired-geometry", 9, "b.gpkg"),
    ]
    assert report.error_count == 4
    assert report.warning_count == 1


# -- summary ----------------------------------------------------------------------------------


def test_summary_ok() -> None:
    report = _report()
    report.counts["written"] = 1234
    assert report.summary() == "values import of ewr.csv: ok, 1234 written"


def test_summary_ok_with_warnings() -> None:
    report = _report(limit=1)
    report.counts["written"] = 5
    report.warning("w", "one")
    report.warning("w", "two")  # counted beyond the limit
    assert report.summary() == "values import of ewr.csv: ok, 5 written, 2 warning(s)"


def test_summary_ok_without_written_count() -> None:
    assert _report().summary() == "values import of ewr.csv: ok, 0 written"


def test_summary_rejected_lists_first_errors() -> None:
    report = _report()
    report.error("unknown-unit", "unknown planning area '99'", row=7, column="RAUMID")
    report.warning("w", "not listed")
    lines = report.summary().splitlines()
    assert lines == [
        "values import of ewr.csv: rejected, 1 error(s); nothing was written",
        "  ewr.csv, row 7, column 'RAUMID': unknown planning area '99' [unknown-unit]",
    ]


def test_summary_rejected_with_more_errors_than_lines() -> None:
    report = _report()
    for row in range(1, 16):
        report.error("bad", f"bad {row}", row=row)
    lines = report.summary(max_lines=4).splitlines()
    assert lines[0] == "values import of ewr.csv: rejected, 15 error(s); nothing was written"
    assert lines[1:5] == [f"  ewr.csv, row {r}: bad {r} [bad]" for r in range(1, 5)]
    assert lines[5] == "  … and 11 more error(s)"
    assert len(lines) == 6


def test_summary_counts_errors_beyond_the_per_code_limit() -> None:
    report = _report(limit=2)
    for row in range(1, 6):
        report.error("bad", "bad", row=row)
    report.tally(Severity.ERROR, "bad", 100)
    lines = report.summary().splitlines()
    assert lines[0].endswith("rejected, 105 error(s); nothing was written")
    assert len(lines) == 4  # header, two recorded errors, the rest
    assert lines[-1] == "  … and 103 more error(s)"


def test_summary_has_no_more_line_when_all_errors_are_listed() -> None:
    report = _report()
    for row in range(1, 4):
        report.error("bad", "bad", row=row)
    assert "more" not in report.summary(max_lines=3)


# -- to_dict / to_json ------------------------------------------------------------------------


def _filled() -> ImportReport:
    report = _report(limit=1)
    report.counts["read"] = 10
    report.counts["written"] = 0
    report.details["level"] = "planungsraum"
    report.error("unknown-unit", "Straße unbekannt", row=3, value="Müllerstraße")
    report.error("unknown-unit", "again", row=4)
    report.warning("restored-zeros", "restored", row=5)
    return report


def test_to_dict() -> None:
    data = _filled().to_dict()
    assert data["kind"] == "values"
    assert data["source"] == "ewr.csv"
    assert data["ok"] is False
    assert data["counts"] == {"read": 10, "written": 0}
    assert data["totals"] == [
        {"severity": "error", "code": "unknown-unit", "count": 2},
        {"severity": "warning", "code": "restored-zeros", "count": 1},
    ]
    assert [i["row"] for i in data["issues"]] == [3, 5]
    assert data["issues"][0]["severity"] == "error"
    assert data["details"] == {"level": "planungsraum"}


def test_to_json_round_trips_and_keeps_umlauts() -> None:
    report = _filled()
    text = report.to_json()
    assert "Müllerstraße" in text  # not escaped as \u00fc
    assert json.loads(text) == json.loads(json.dumps(report.to_dict()))


def test_to_json_handles_non_json_details() -> None:
    report = _report()
    report.details["path"] = PurePosixPath("data/ewr.csv")
    assert json.loads(report.to_json())["details"]["path"] == "data/ewr.csv"
