"""Applying crosswalks never overwrites observations and never understates a target silently."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pyarrow as pa

from ortswissen.ports import VALUE_BATCH_SCHEMA, ImportRecord, Store
from ortswissen.services.crosswalks import CrosswalkSpec, apply_crosswalk, compute_crosswalk

D = dt.date
OLD_NEW = CrosswalkSpec(
    id="old_new",
    from_level="quartier",
    from_date=D(2015, 1, 1),
    from_until=D(2020, 12, 31),
    to_level="quartier",
    to_date=D(2021, 1, 1),
    method="area",
)


def _observed(store: Store) -> pd.DataFrame:
    v = store.read_values(["residents"], level_id="quartier", all_versions=True)
    return v[v["status"] == "ok"].set_index(["unit_id", "unit_valid_from", "date"])["value"].sort_index()


def test_observed_values_of_unchanged_units_stay_untouched(town_store: Store) -> None:
    before = _observed(town_store)
    compute_crosswalk(town_store, OLD_NEW)
    result = apply_crosswalk(town_store, "old_new", ["residents"], integer=True)
    after = _observed(town_store)
    pd.testing.assert_series_equal(after, before)  # not one observation replaced
    stored = town_store.read_values(["residents"], level_id="quartier", all_versions=True)
    estimates = stored[stored["status"] == "estimated"]
    assert set(estimates["unit_id"]) == {"0105", "0106", "0307"}  # only the new units get estimates
    assert result["natural"].sum() > 0  # unchanged units are computed (for totals) but not stored


def test_backward_then_forward_keeps_2022_observations(town_store: Store) -> None:
    compute_crosswalk(
        town_store,
        CrosswalkSpec(
            id="back",
            from_level="quartier",
            from_date=D(2021, 1, 1),
            to_level="quartier",
            to_date=D(2020, 12, 31),
            method="area",
        ),
    )
    apply_crosswalk(town_store, "back", ["residents"], integer=True)
    compute_crosswalk(town_store, OLD_NEW)
    apply_crosswalk(town_store, "old_new", ["residents"], integer=True)
    new = town_store.read_values(["residents"], level_id="quartier", dates=[D(2022, 12, 31)], unit_ids=["0105", "0106"])
    assert set(new["status"]) == {"ok"} and new["flag"].isna().all()


def test_dates_the_crosswalk_does_not_cover_are_skipped_not_understated(town_store: Store) -> None:
    # quarters of 2021 onwards → districts: in 2018 quarter 0104 existed, which is no source
    compute_crosswalk(
        town_store,
        CrosswalkSpec(
            id="q_to_b",
            from_level="quartier",
            from_date=D(2021, 1, 1),
            to_level="bezirk",
            to_date=D(2021, 1, 1),
            method="area",
        ),
    )
    result = apply_crosswalk(town_store, "q_to_b", ["residents"], write=False)
    assert D(2018, 12, 31) in result.attrs["skipped_dates"]
    assert set(result["date"]) == {D(2021, 12, 31), D(2022, 12, 31), D(2023, 12, 31)}
    natural = town_store.read_values(["residents"], level_id="quartier", dates=[D(2022, 12, 31)])
    assert result[result["date"] == D(2022, 12, 31)]["value"].sum() == natural["value"].sum()


def test_projections_do_not_leak_into_population_weights(town_store: Store) -> None:
    spec = CrosswalkSpec(
        id="pop",
        from_level="quartier",
        from_date=D(2015, 1, 1),
        from_until=D(2020, 12, 31),
        to_level="quartier",
        to_date=D(2021, 1, 1),
        method="population",
        weights_level="block",
        weights_indicator="block_residents",
        weights_date=D(2020, 12, 31),
    )
    before = compute_crosswalk(town_store, spec).weights
    blocks = town_store.read_values(["block_residents"], level_id="block", dates=[D(2020, 12, 31)])
    n = len(blocks)
    batch = pa.table(
        [
            pa.array(["block_residents"] * n),
            pa.array(["block"] * n),
            pa.array(blocks["unit_id"]),
            pa.array(list(blocks["unit_valid_from"]), pa.date32()),
            pa.array([D(2020, 12, 31)] * n, pa.date32()),
            pa.array(["hoch"] * n),
            pa.array([99_999.0] * n),
            pa.array(["projected"] * n),
            pa.array([None] * n, pa.string()),
            pa.array(range(2, n + 2), pa.int64()),
        ],
        schema=VALUE_BATCH_SCHEMA,
    )
    writer = town_store.value_writer("proj")
    try:
        writer.add(batch)
        writer.duplicates()
        with town_store.transaction():
            writer.finish()
            now = dt.datetime(2026, 11, 22)
            town_store.record_import(ImportRecord("proj", "values", "p.csv", "", now, now, n, n))
    finally:
        writer.discard()
    after = compute_crosswalk(town_store, spec).weights
    pd.testing.assert_frame_equal(before, after)
