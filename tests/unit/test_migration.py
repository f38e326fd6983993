"""The migration core on hand-made event frames: every expected figure is counted by hand here."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ortswissen.errors import InvalidInput
from ortswissen.migration import (
    AGE_GROUPS,
    EVENT_COLUMNS,
    OUTSIDE,
    PARTITION,
    TOTAL,
    UNKNOWN,
    age_group,
    city_summary,
    dense_od,
    flow_lines,
    flow_pairs,
    moves_from_events,
    net_by_age,
    od_matrix,
    suppress_small,
    unit_summary,
)


def events(rows: list[tuple[str, int, int, str | None, str | None]]) -> pd.DataFrame:
    """Events from (kind, year, age, origin_unit, dest_unit)."""
    return pd.DataFrame(
        {
            "kind": [r[0] for r in rows],
            "date": [dt.date(r[1], 6, 1) for r in rows],
            "year": [r[1] for r in rows],
            "age": [r[2] for r in rows],
            "sex": ["f"] * len(rows),
            "nationality": ["de"] * len(rows),
            "origin_unit": [r[3] for r in rows],
            "dest_unit": [r[4] for r in rows],
            "other_region": [None] * len(rows),
        }
    )


# Units A, B, C. 2022 by hand:
#   A: in 2 (ages 20, 22), out 1 (70), internal in 1 (from B, 35), internal out 2 (to B 30, to C 5), within 1
#   B: in 0, out 1 (40), internal in 1 (from A), internal out 1 (to A), within 0
#   C: internal in 1 (from A); births and deaths ignored
# 2023: A → B once (age 31), outside → C once (age 19)
EVENTS = events(
    [
        ("move_in", 2022, 20, None, "A"),
        ("move_in", 2022, 22, None, "A"),
        ("move_out", 2022, 70, "A", None),
        ("move_within", 2022, 35, "B", "A"),
        ("move_within", 2022, 30, "A", "B"),
        ("move_within", 2022, 5, "A", "C"),
        ("move_within", 2022, 50, "A", "A"),
        ("move_out", 2022, 40, "B", None),
        ("birth", 2022, 0, None, "A"),
        ("death", 2022, 88, "C", None),
        ("move_within", 2023, 31, "A", "B"),
        ("move_in", 2023, 19, None, "C"),
    ]
)
POP = pd.DataFrame({"unit_id": ["A", "B", "C"], "year": [2022] * 3, "population": [1000.0, 250.0, 0.0]})


def test_moves_drop_births_and_deaths_and_mark_outside() -> None:
    moves = moves_from_events(EVENTS)
    assert len(moves) == 10
    assert (moves["origin"] == OUTSIDE).sum() == 3 and (moves["destination"] == OUTSIDE).sum() == 2


def test_events_missing_a_column_or_with_an_unknown_kind_are_refused() -> None:
    with pytest.raises(InvalidInput, match="lack the column"):
        moves_from_events(EVENTS.drop(columns=["dest_unit"]))
    bad = EVENTS.copy()
    bad.loc[3, "kind"] = "emigration"
    with pytest.raises(InvalidInput, match="'emigration'"):
        moves_from_events(bad)
    assert list(EVENT_COLUMNS) == list(EVENTS.columns)


def test_unit_summary_counts_by_hand() -> None:
    out = unit_summary(moves_from_events(EVENTS), POP, units=["A", "B", "C", "D"], years=[2022])
    table = out.set_index("unit_id")
    cols = ["moves_in", "moves_out", "internal_in", "internal_out", "within", "net", "turnover"]
    assert table.loc["A", cols].tolist() == [2, 1, 1, 2, 1, 0, 6]
    assert table.loc["B", cols].tolist() == [0, 1, 1, 1, 0, -1, 3]
    assert table.loc["C", cols].tolist() == [0, 0, 1, 0, 0, 1, 1]
    assert table.loc["D", cols].tolist() == [0] * 7  # a unit without moves still gets a row
    assert table.loc["A", "turnover_rate"] == pytest.approx(6.0)
    assert table.loc["B", "net_rate"] == pytest.approx(-4.0)
    assert np.isnan(table.loc["C", "net_rate"])  # no population → no rate
    assert np.isnan(table.loc["D", "population"])
    assert set(out["year"]) == {2022}


def test_unit_summary_balances_internal_moves_and_city_net() -> None:
    moves = moves_from_events(EVENTS)
    out = unit_summary(moves)
    for year, part in out.groupby("year"):
        assert part["internal_in"].sum() == part["internal_out"].sum()
        city = city_summary(moves).set_index("year").loc[year]
        assert part["net"].sum() == city["net"]


def test_city_summary() -> None:
    out = city_summary(moves_from_events(EVENTS), pd.Series({2022: 2000.0})).set_index("year")
    assert out.loc[2022, ["moves_in", "moves_out", "internal", "within", "net", "turnover"]].tolist() == [
        2,
        2,
        3,
        1,
        0,
        4,
    ]
    assert out.loc[2022, "turnover_rate"] == pytest.approx(2.0)
    assert out.loc[2023, ["moves_in", "internal", "net"]].tolist() == [1, 1, 1]
    assert np.isnan(out.loc[2023, "population"])


def test_an_address_in_no_unit_is_unknown_not_outside() -> None:
    moves = moves_from_events(events([("move_within", 2022, 30, None, "A"), ("move_within", 2022, 30, "A", None)]))
    assert moves[["origin", "destination"]].to_numpy().tolist() == [[UNKNOWN, "A"], ["A", UNKNOWN]]
    row = unit_summary(moves).set_index("unit_id").loc["A"]
    assert (row["moves_in"], row["internal_in"], row["internal_out"], row["moves_out"]) == (0, 1, 1, 0)
    assert city_summary(moves).loc[0, "net"] == 0


def test_od_matrix_filters_years_and_age_groups() -> None:
    moves = moves_from_events(EVENTS)
    od = od_matrix(moves, years=(2022, 2022))
    pairs = {(o, d): c for o, d, c in od.itertuples(index=False)}
    assert pairs == {
        (OUTSIDE, "A"): 2,
        ("A", OUTSIDE): 1,
        ("B", "A"): 1,
        ("A", "B"): 1,
        ("A", "C"): 1,
        ("A", "A"): 1,
        ("B", OUTSIDE): 1,
    }
    assert od["count"].iloc[0] == 2  # largest first
    assert od_matrix(moves)["count"].sum() == 10
    assert od_matrix(moves, include_within=False)["count"].sum() == 9
    students = od_matrix(moves, age_group="bildungswanderer")  # 20, 22 (2022), 19 (2023)
    assert {(o, d): c for o, d, c in students.itertuples(index=False)} == {(OUTSIDE, "A"): 2, (OUTSIDE, "C"): 1}
    families = od_matrix(moves, age_group="familien")  # 35, 30, 5, 40 (2022), 31 (2023)
    assert families["count"].sum() == 5
    with pytest.raises(InvalidInput, match="unknown age group 'students'"):
        od_matrix(moves, age_group="students")
    with pytest.raises(InvalidInput, match="backwards"):
        od_matrix(moves, years=(2023, 2022))


def test_dense_od_has_margins() -> None:
    moves = moves_from_events(EVENTS)
    dense = dense_od(od_matrix(moves), ["A", "B", "C"])
    assert list(dense.index) == ["A", "B", "C", OUTSIDE, TOTAL]
    assert list(dense.columns) == ["A", "B", "C", OUTSIDE, TOTAL]
    assert dense.loc["A", "B"] == 2 and dense.loc["B", "A"] == 1 and dense.loc[OUTSIDE, "C"] == 1
    assert dense.loc[TOTAL, TOTAL] == 10
    assert dense.loc["A", TOTAL] == 5  # 2 to B, 1 to C, 1 within, 1 out
    with pytest.raises(InvalidInput, match="outside the matrix: C"):
        dense_od(od_matrix(moves), ["A", "B"])


def test_net_by_age_for_a_unit_and_for_the_city() -> None:
    moves = moves_from_events(EVENTS[EVENTS["year"] == 2022])
    a = net_by_age(moves, unit="A", population=pd.Series({"bildungswanderer": 400.0})).set_index("group")
    assert a.loc["bildungswanderer", ["moves_in", "moves_out", "net"]].tolist() == [2, 0, 2]
    assert a.loc["bildungswanderer", "rate_per_1000"] == pytest.approx(5.0)
    assert a.loc["familienwanderer", ["moves_in", "moves_out", "net"]].tolist() == [1, 1, 0]
    assert a.loc["kinder", "net"] == -1 and a.loc["senioren", "net"] == -1
    assert a.loc["lebensmitte", "moves_in"] == 0  # the move within A crosses no border
    assert np.isnan(a.loc["kinder", "rate_per_1000"])
    city = net_by_age(moves).set_index("group")
    assert city["moves_in"].sum() == 2 and city["moves_out"].sum() == 2
    assert city.loc["familienwanderer", "net"] == -1  # B → outside at 40
    assert city.loc["lebensmitte", "net"] == 0  # the move at 50 stays inside A
    assert list(city.index) == [g.id for g in PARTITION]
    assert city.loc["senioren", "from"] == 65 and pd.isna(city.loc["senioren", "to"])


def test_age_groups_partition_all_ages() -> None:
    ages = pd.Series(range(101))
    hits = sum(g.contains(ages).astype(int) for g in PARTITION)
    assert (hits == 1).all()
    assert (age_group("bildungswanderer").start, age_group("bildungswanderer").end) == (18, 25)
    assert (age_group("berufseinsteiger").start, age_group("berufseinsteiger").end) == (25, 30)
    assert set(AGE_GROUPS) == {g.id for g in PARTITION} | {"familien"}


def test_flow_pairs_orient_by_net_and_filter() -> None:
    od = pd.DataFrame(
        {
            "origin": ["A", "B", "A", "C", OUTSIDE, "A", "D"],
            "destination": ["B", "A", "C", "A", "A", "A", "E"],
            "count": [3, 7, 2, 2, 50, 9, 1],
        }
    )
    pairs = flow_pairs(od)
    assert pairs.to_dict("records") == [
        {"origin": "B", "destination": "A", "count": 7, "reverse_count": 3, "net": 4, "total": 10},
        {"origin": "A", "destination": "C", "count": 2, "reverse_count": 2, "net": 0, "total": 4},
        {"origin": "D", "destination": "E", "count": 1, "reverse_count": 0, "net": 1, "total": 1},
    ]
    assert len(flow_pairs(od, min_count=4)) == 2
    assert len(flow_pairs(od, limit=1)) == 1
    with pytest.raises(InvalidInput):
        flow_pairs(od, min_count=0)
    assert flow_pairs(od[od["origin"] == OUTSIDE]).empty


def test_flow_lines_join_points() -> None:
    pairs = flow_pairs(pd.DataFrame({"origin": ["A", "B"], "destination": ["B", "C"], "count": [5, 4]}))
    lines = flow_lines(pairs, {"A": (13.0, 52.0), "B": (13.5, 52.5)})  # C has no point: dropped
    assert len(lines) == 1 and lines.crs.to_epsg() == 4326
    assert list(lines.geometry.iloc[0].coords) == [(13.0, 52.0), (13.5, 52.5)]
    assert lines["id"].iloc[0] == "A→B"


def test_suppression_hides_small_counts_and_what_reveals_them() -> None:
    rows = pd.DataFrame({"a": [0, 1, 2, 3, 5], "b": [4, 4, 4, 4, 1], "net": [-4, -3, -2, -1, 4]})
    out = suppress_small(rows, ["a", "b"], {"net": ["a", "b"]})
    assert out["a"].tolist() == [0, None, None, 3, 5]
    assert out["net"].tolist() == [-4, None, None, -1, None]
    assert out["suppressed"].tolist() == [[], ["a", "net"], ["a", "net"], [], ["b", "net"]]
    wide = suppress_small(rows, ["a"], below=5)
    assert wide["a"].tolist() == [0, None, None, None, 5]


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["move_in", "move_out", "move_within", "birth", "death"]),
            st.integers(2020, 2022),
            st.integers(0, 100),
            st.sampled_from(["A", "B", "C"]),
            st.sampled_from(["A", "B", "C"]),
        ),
        max_size=60,
    )
)
def test_invariants_hold_for_any_events(rows: list[tuple[str, int, int, str, str]]) -> None:
    fixed = [
        (k, y, a, None if k in ("move_in", "birth") else o, None if k in ("move_out", "death") else d)
        for k, y, a, o, d in rows
    ]
    moves = moves_from_events(events(fixed) if fixed else events([]).astype({"year": "int64"}))
    summary = unit_summary(moves, units=["A", "B", "C"], years=[2020, 2021, 2022])
    city = city_summary(moves).set_index("year")
    for year, part in summary.groupby("year"):
        assert part["internal_in"].sum() == part["internal_out"].sum()
        expected = city.loc[year, "net"] if year in city.index else 0
        assert part["net"].sum() == expected
    dense = dense_od(od_matrix(moves), ["A", "B", "C"])
    assert dense.loc[TOTAL, TOTAL] == len(moves)
    for unit in ("A", "B", "C"):
        by_age = net_by_age(moves, unit=unit)
        row = summary[summary["unit_id"] == unit]
        assert by_age["net"].sum() == row["net"].sum()
        assert by_age["moves_in"].sum() == row["moves_in"].sum() + row["internal_in"].sum()
    pairs = flow_pairs(od_matrix(moves))
    assert (pairs["net"] >= 0).all()
    assert pairs["total"].sum() == int(
        (
            (moves["origin"] != moves["destination"]) & ~moves["origin"].eq(OUTSIDE) & ~moves["destination"].eq(OUTSIDE)
        ).sum()
    )
