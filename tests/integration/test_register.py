"""Register extract import on a real DuckDB file of the synthetic town: stocks, flows, indicators, bad input.

The town's blocks are 1 km squares (EPSG:25832); the extract gives coordinates in EPSG:25833
as the profile says, so every point is transformed on the way in. Expected counts are worked
out by hand in the docstring of :func:`extract` below.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from ortswissen.errors import ImportRejected
from ortswissen.ports import Store
from ortswissen.services.register import (
    derive_register_values,
    import_register,
    import_register_frames,
    register_flow_events,
    register_info,
    register_stocks,
)
from register_cases import centre, extract, write

SECRET = b"a test secret of 32 bytes, hm..."
START, END = dt.date(2020, 1, 1), dt.date(2022, 12, 31)


def do_import(store: Store, folder: Path, persons: pd.DataFrame, events: pd.DataFrame, **kw: object) -> object:
    p, e = write(folder, persons, events)
    return import_register(store, p, e, period_start=START, period_end=END, secret=SECRET, **kw)  # type: ignore[arg-type]


def stock(store: Store, level: str, day: dt.date) -> dict[str, int]:
    frame = register_stocks(store, level, [day])
    return {u: int(n) for u, n in frame.groupby("unit_id")["count"].sum().items()}


def test_stocks_by_unit_age_sex_and_nationality(town_store: Store, tmp_path: Path) -> None:
    report = do_import(town_store, tmp_path, *extract())
    assert report.ok and report.counts["persons"] == 7 and report.counts["persons_left_out"] == 1  # type: ignore[attr-defined]
    assert "person-without-address" in report.codes("warning")  # type: ignore[attr-defined]
    assert stock(town_store, "bezirk", dt.date(2020, 12, 31)) == {"01": 4, "04": 1}
    assert stock(town_store, "bezirk", dt.date(2021, 12, 31)) == {"01": 4, "02": 1}
    assert stock(town_store, "bezirk", dt.date(2022, 12, 31)) == {"01": 3, "02": 1}
    # the quarter change of 2021 is honoured: B018 lies in 0104 until 2020, in 0105 afterwards
    assert stock(town_store, "quartier", dt.date(2020, 12, 31)) == {"0101": 3, "0104": 1, "0404": 1}
    assert stock(town_store, "quartier", dt.date(2021, 12, 31)) == {"0101": 2, "0105": 2, "0202": 1}
    rows = register_stocks(town_store, "bezirk", [dt.date(2021, 12, 31)])
    cells = {(r.unit_id, r.age, r.sex, r.nationality): r.count for r in rows.itertuples()}
    assert cells == {
        ("01", 31, "f", "eu"): 1,  # A2, PL
        ("01", 0, "f", "unknown"): 1,  # A3, born in March
        ("01", 21, "d", "unknown"): 1,  # A5, born 29 Feb 2000
        ("01", 36, "m", "de"): 1,  # A7
        ("02", 41, "m", "de"): 1,  # A1 after his move
    }
    # end of month counts are exact: A4 died on 30 Nov 2021 and is not counted on that day
    assert stock(town_store, "bezirk", dt.date(2021, 10, 31)).get("04") == 1
    assert stock(town_store, "bezirk", dt.date(2021, 11, 30)).get("04") is None
    with pytest.raises(ValueError, match="stocks exist from"):
        register_stocks(town_store, "bezirk", [dt.date(2023, 12, 31)])


def test_flows_with_origin_and_destination(town_store: Store, tmp_path: Path) -> None:
    do_import(town_store, tmp_path, *extract())
    flows = register_flow_events(town_store, "bezirk", START, END)
    got = sorted(
        (r.kind, str(r.date), r.year, r.age, r.origin_unit, r.dest_unit, r.other_region) for r in flows.itertuples()
    )
    assert got == [
        ("birth", "2021-03-01", 2021, 0, None, "01", None),
        ("death", "2021-11-01", 2021, 71, "04", None, None),
        ("move_in", "2020-08-01", 2020, 20, None, "01", "09162000"),
        ("move_out", "2022-01-01", 2022, 32, "01", None, "TR"),
        ("move_within", "2020-04-01", 2020, 35, "01", "01", None),
        ("move_within", "2021-06-01", 2021, 41, "01", "02", None),
    ]
    quarters = register_flow_events(town_store, "quartier", dt.date(2021, 1, 1), dt.date(2021, 12, 31))
    assert sorted(
        zip(quarters["kind"], quarters["origin_unit"], quarters["dest_unit"], strict=True), key=str
    ) == sorted([("birth", None, "0105"), ("death", "0404", None), ("move_within", "0101", "0202")], key=str)


def test_episodes_are_stored_by_month_and_without_identifiers(town_store: Store, tmp_path: Path) -> None:
    do_import(town_store, tmp_path, *extract())
    con = town_store._read()  # type: ignore[attr-defined]
    keys = dict(con.execute("SELECT sex || nationality || birth_month, person_key FROM register_persons").fetchall())
    a1 = keys["mde1980-05-01"]
    episodes = con.execute(
        "SELECT block_id, cell_id, valid_from, valid_to FROM register_residences "
        "WHERE person_key = ? ORDER BY valid_from",
        [a1],
    ).fetchall()
    assert [(b, str(f), None if t is None else str(t)) for b, _, f, t in episodes] == [
        ("B000", "2020-01-01", "2021-05-31"),
        ("B007", "2021-06-01", None),
    ]
    assert all(c.startswith("CRS3035RES100mN") for _, c, _, _ in episodes)


def test_derived_indicators_on_two_levels(town_store: Store, tmp_path: Path) -> None:
    do_import(town_store, tmp_path, *extract(), synthetic=True)
    summary = derive_register_values(town_store, levels=["bezirk", "quartier"])
    assert summary["stock_years"] == [2020, 2021, 2022] and summary["flow_years"] == [2020, 2021, 2022]
    values = town_store.read_values(level_id="bezirk")
    v = {(r.indicator_id, r.unit_id, r.date.year): r.value for r in values.itertuples()}
    expected_bezirk = {
        ("reg_residents", "01", 2021): 4,
        ("reg_residents_male", "01", 2021): 1,
        ("reg_residents_female", "01", 2021): 2,
        ("reg_foreigners", "01", 2021): 1,
        ("reg_f_age_30_35", "01", 2021): 1,
        ("reg_f_age_00_05", "01", 2021): 1,
        ("reg_m_age_40_45", "02", 2021): 1,
        ("reg_births", "01", 2021): 1,
        ("reg_deaths", "04", 2021): 1,
        ("reg_moves_in", "01", 2020): 1,
        ("reg_moves_out", "01", 2022): 1,
        ("reg_moves_out_internal", "01", 2021): 1,
        ("reg_moves_in_internal", "02", 2021): 1,
        ("reg_moves_within_unit", "01", 2020): 1,
        ("reg_net_migration", "01", 2021): -1,
        ("reg_net_migration", "02", 2021): 1,
        ("reg_net_migration", "01", 2020): 1,
        ("reg_residents", "03", 2021): 0,  # nobody lives there: a real zero, not a gap
    }
    assert {k: v[k] for k in expected_bezirk} == expected_bezirk
    q = town_store.read_values(["reg_residents", "reg_births", "reg_moves_in_internal"], level_id="quartier")
    qv = {(r.indicator_id, r.unit_id, r.date.year): r.value for r in q.itertuples()}
    assert qv[("reg_residents", "0104", 2020)] == 1 and qv[("reg_residents", "0105", 2021)] == 2
    assert ("reg_residents", "0104", 2021) not in qv  # 0104 ended in 2020
    assert qv[("reg_births", "0105", 2021)] == 1 and qv[("reg_moves_in_internal", "0202", 2021)] == 1
    meta = town_store.get_indicator("reg_residents")
    assert meta.topic == "Demografie" and "synthetic" in meta.tags and "synthetisch" in meta.title_de
    assert set(values.loc[values["indicator_id"].str.startswith("reg_"), "flag"]) == {"synthetic"}


def _set(frame: str, row: int, column: str, value: object) -> Callable[[pd.DataFrame, pd.DataFrame], None]:
    def apply(p: pd.DataFrame, e: pd.DataFrame) -> None:
        target = p if frame == "persons" else e
        target[column] = target[column].astype(object)
        target.loc[row, column] = value

    return apply


def _add_event(
    register_id: str, kind: str, date: str, block: int | None = None, region: str | None = None
) -> Callable[[pd.DataFrame, pd.DataFrame], None]:
    def apply(p: pd.DataFrame, e: pd.DataFrame) -> None:
        x, y = centre(block) if block is not None else (None, None)
        e.loc[len(e)] = [register_id, kind, date, x, y, region]

    return apply


FAR_AWAY = (800_000.0, 5_800_000.0)

BAD_INPUT = [
    # (id, change, code, file, row, column)
    (
        "event-before-birth",
        _add_event("A3", "move_within", "2021-02-01", 7),
        "event-before-birth",
        "events.csv",
        8,
        "date",
    ),
    (
        "event-after-death",
        _add_event("A4", "move_within", "2022-02-01", 7),
        "event-after-death",
        "events.csv",
        8,
        "event",
    ),
    (
        "move-out-not-resident",
        _add_event("A8", "move_out", "2021-02-01", region="TR"),
        "not-resident",
        "events.csv",
        8,
        "event",
    ),
    ("death-not-resident", _add_event("A8", "death", "2021-02-01"), "not-resident", "events.csv", 8, "event"),
    (
        "move-in-without-address",
        _add_event("A8", "move_in", "2021-02-01", region="TR"),
        "missing-address",
        "events.csv",
        8,
        "x",
    ),
    (
        "move-in-while-resident",
        _add_event("A7", "move_in", "2021-02-01", 7),
        "already-resident",
        "events.csv",
        8,
        "event",
    ),
    (
        "unknown-region-key",
        _set("events", 4, "other_region", "Hinterland"),
        "invalid-region",
        "events.csv",
        6,
        "other_region",
    ),
    ("coordinates-outside-blocks", _set("persons", 0, "x", FAR_AWAY[0]), "outside-blocks", "persons.csv", 2, "x"),
    ("birth-in-other-month", _set("events", 2, "date", "2021-04-02"), "birth-date-mismatch", "events.csv", 4, "date"),
    ("duplicate-register-id", _set("persons", 6, "register_id", "A1"), "duplicate-id", "persons.csv", 8, "register_id"),
    (
        "unparsable-birth-date",
        _set("persons", 1, "birth_date", "02.01.1990"),
        "invalid-date",
        "persons.csv",
        3,
        "birth_date",
    ),
    ("impossible-event-date", _set("events", 0, "date", "2021-02-30"), "invalid-date", "events.csv", 2, "date"),
    ("unknown-event-kind", _set("events", 0, "event", "umzug"), "invalid-event", "events.csv", 2, "event"),
    ("unknown-person", _set("events", 0, "register_id", "Z9"), "unknown-person", "events.csv", 2, "register_id"),
    ("bad-sex", _set("persons", 0, "sex", "x"), "invalid-sex", "persons.csv", 2, "sex"),
    (
        "bad-nationality",
        _set("persons", 0, "nationality", "Deutsch"),
        "invalid-nationality",
        "persons.csv",
        2,
        "nationality",
    ),
    ("event-outside-period", _set("events", 0, "date", "2023-02-01"), "event-outside-period", "events.csv", 2, "date"),
    (
        "address-before-birth",
        _set("persons", 2, "x", centre(0)[0]),
        "address-before-birth",
        "persons.csv",
        4,
        "birth_date",
    ),
    (
        "born-after-period",
        _set("persons", 7, "birth_date", "2024-01-01"),
        "born-after-period",
        "persons.csv",
        9,
        "birth_date",
    ),
]


@pytest.mark.parametrize(
    ("change", "code", "file", "row", "column"), [c[1:] for c in BAD_INPUT], ids=[c[0] for c in BAD_INPUT]
)
def test_bad_input_is_rejected_with_file_row_and_column_and_the_store_is_unchanged(
    town_store: Store,
    tmp_path: Path,
    change: Callable[[pd.DataFrame, pd.DataFrame], None],
    code: str,
    file: str,
    row: int,
    column: str,
) -> None:
    good = tmp_path / "good"
    good.mkdir()
    do_import(town_store, good, *extract())
    before = register_info(town_store)
    persons, events = extract()
    if code == "address-before-birth":
        persons.loc[2, "y"] = centre(0)[1]
    change(persons, events)
    with pytest.raises(ImportRejected) as caught:
        do_import(town_store, tmp_path, persons, events)
    report = caught.value.report
    hits = [i for i in report.errors if i.code == code]
    assert hits, report.summary()
    assert (hits[0].source, hits[0].row, hits[0].column) == (file, row, column), report.summary()
    assert register_info(town_store) == before  # all or nothing


def test_street_addresses_through_the_address_table(town_store: Store, tmp_path: Path) -> None:
    persons, events = extract()
    persons["street"] = ["Karl-Marx-Str.", None, None, None, None, None, None, None]
    persons["house_number"] = ["12 a", None, None, None, None, None, None, None]
    persons["postcode"] = ["12043", None, None, None, None, None, None, None]
    persons.loc[0, ["x", "y"]] = None
    addresses = tmp_path / "addresses.csv"
    x, y = centre(0)
    addresses.write_text(f"street,house_number,postcode,x,y\nKarl-Marx-Straße,12A,12043,{x},{y}\n", encoding="utf-8")
    p, e = write(tmp_path, persons, events, sep=",")
    report = import_register(town_store, p, e, addresses, period_start=START, period_end=END, secret=SECRET)
    assert report.ok
    assert stock(town_store, "bezirk", dt.date(2020, 12, 31)) == {"01": 4, "04": 1}
    persons.loc[0, "house_number"] = "13"
    p, e = write(tmp_path, persons, events, sep=",")
    with pytest.raises(ImportRejected) as caught:
        import_register(town_store, p, e, addresses, period_start=START, period_end=END, secret=SECRET)
    issue = next(i for i in caught.value.report.errors if i.code == "address-not-found")
    assert (issue.source, issue.row, issue.column) == ("persons.csv", 2, "street")


def test_frames_give_the_same_tables_as_files(town_store: Store, tmp_path: Path, _town_template: Path) -> None:
    persons, events = extract()
    report = import_register_frames(
        town_store, persons, events, period_start=START, period_end=END, secret=SECRET, source_label="demo"
    )
    assert report.ok
    from_frames = register_stocks(town_store, "quartier", [dt.date(2021, 12, 31)])
    do_import(town_store, tmp_path, persons, events)
    from_files = register_stocks(town_store, "quartier", [dt.date(2021, 12, 31)])
    pd.testing.assert_frame_equal(from_frames, from_files)
    bad = persons.copy()
    bad.loc[3, "sex"] = "?"
    with pytest.raises(ImportRejected) as caught:
        import_register_frames(
            town_store, bad, events, period_start=START, period_end=END, secret=SECRET, source_label="demo"
        )
    issue = caught.value.report.errors[0]
    assert (issue.source, issue.row, issue.column) == ("demo:persons", 5, "sex")


def _all_text(path: Path) -> list[tuple[str, str, str]]:
    """Every value of every column of every table, as text (table, column, value)."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        out = []
        tables = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()]
        for table in tables:
            columns = con.execute(
                "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ?", [table]
            ).fetchall()
            for column, kind in columns:
                if kind in ("GEOMETRY", "BLOB") or kind.startswith("GEOMETRY"):
                    continue
                for (value,) in con.execute(f'SELECT DISTINCT "{column}"::VARCHAR FROM "{table}"').fetchall():
                    if value is not None:
                        out.append((table, column, value))
        return out
    finally:
        con.close()


def test_no_identifier_leaves_a_trace_in_the_store(town_store: Store, tmp_path: Path) -> None:
    persons, events = extract()
    report = do_import(town_store, tmp_path, persons, events)
    assert report.ok  # type: ignore[attr-defined]
    derive_register_values(town_store)
    path = Path(town_store.url)
    town_store.close()
    values = _all_text(path)
    assert any(t == "register_persons" for t, _, _ in values)
    secret = SECRET.decode()
    names = set(persons["family_name"]) | set(persons["given_names"])
    birth_dates = {d for d in persons["birth_date"] if not d.endswith("-01")}
    coords = {f"{v:.2f}"[:7] for v in pd.concat([persons["x"], persons["y"], events["x"], events["y"]]).dropna()}
    register_ids = set(persons["register_id"])
    for table, column, value in values:
        assert secret not in value, (table, column)
        assert not any(n in value for n in names), (table, column, value)
        if table.startswith("register_"):
            assert value not in register_ids, (table, column, value)
            assert not any(d in value for d in birth_dates), (table, column, value)
            assert not any(c in value for c in coords), (table, column, value)
    con = duckdb.connect(str(path), read_only=True)
    types = con.execute(
        "SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_name LIKE 'register_%'"
    ).fetchall()
    con.close()
    assert not [t for t in types if t[2] in ("DOUBLE", "FLOAT", "GEOMETRY")]  # no coordinates at all
    assert not [t for t in types if t[1] in ("register_id", "family_name", "given_names", "street", "birth_date")]
