"""The synthetic Berlin register from the shipped bundle: agreement with EWR, plausibility, import."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely

from ortswissen.demo import bundle_path
from ortswissen.demo._register import (
    REGISTER_SECRET,
    SyntheticRegister,
    synthetic_berlin_register,
    write_register_csv,
)
from ortswissen.services.catalog import add_level
from ortswissen.services.register import import_register, import_register_frames, register_stocks
from ortswissen.services.units import UnitSpec, import_units
from ortswissen.storage import open_store
from ortswissen.synthetic import replay_stocks
from ortswissen.units import Level

# Mitte (dense, young), Marzahn (old estates), Spandau, and the areas redrawn in 2019
AREAS = ["01011101", "01011102", "01011103", "10010205", "05010102", "09041301", "09041401", "09041403"]


@pytest.fixture(scope="module")
def reg() -> SyntheticRegister:
    return synthetic_berlin_register(seed=11, areas=AREAS)


def _ewr(indicator: str) -> pd.DataFrame:
    raw = pd.read_parquet(bundle_path() / "values" / "ewr_planungsraum.parquet")
    raw = raw[raw["indicator"] == indicator]
    return raw.assign(year=pd.to_datetime(raw["date"]).dt.year).pivot_table(
        index="year", columns="unit_id", values="value"
    )


def _replay(reg: SyntheticRegister) -> np.ndarray:
    i = reg.inputs
    return replay_stocks(
        reg.persons, reg.events, i.targets.years, i.blocks, i.block_area, len(i.targets.areas), i.targets.band_starts
    )


def test_stocks_equal_the_published_ewr_values_every_year(reg: SyntheticRegister) -> None:
    stocks = _replay(reg)
    areas = list(reg.targets.areas)
    residents, women = _ewr("ewr_residents"), _ewr("ewr_female")
    band = _ewr("ewr_age_30_35")
    b30 = list(reg.targets.band_starts).index(30)
    redrawn = [areas.index(a) for a in ("09041301", "09041401", "09041403")]
    for t, year in enumerate(reg.targets.years):
        for a, area in enumerate(areas):
            if year >= 2019 or a not in redrawn:
                assert stocks[t, a].sum() == residents.loc[year, area], (year, area)
                assert stocks[t, a, :, 1].sum() == women.loc[year, area], (year, area)
                assert stocks[t, a, b30].sum() == band.loc[year, area], (year, area)
        if year < 2019:  # before the redrawing the three new areas hold the two old ones
            old = residents.loc[year, "09041301"] + residents.loc[year, "09041401"]
            assert stocks[t, redrawn].sum() == old
    assert (stocks.sum(axis=3) == reg.targets.counts).all()


def test_same_seed_gives_identical_frames(reg: SyntheticRegister) -> None:
    again = synthetic_berlin_register(seed=11, areas=AREAS)
    assert again.persons.equals(reg.persons) and again.events.equals(reg.events)


def test_rates_are_plausible(reg: SyntheticRegister) -> None:
    p, e = reg.persons, reg.events
    birth = pd.to_datetime(p["birth_date"].astype(str))
    female = (p["sex"] == "w").to_numpy()
    ids = pd.Index(p["register_id"].astype(str))
    who = ids.get_indexer(e["register_id"].astype(str))
    year = pd.to_datetime(e["date"].astype(str)).dt.year.to_numpy()
    age = year - birth.dt.year.to_numpy()[who]
    kind = e["event"].astype(str).to_numpy()
    stocks = _replay(reg)  # [year, area, band, sex]
    starts = reg.targets.band_starts
    mean_pop = stocks[1:].sum(axis=(0, 1, 3)) / 10  # by band, yearly mean 2011–2020
    # births per 1,000 women 15–49 (Berlin 2011–2020: roughly 35–50)
    fertile = (starts >= 15) & (starts < 50)
    women = stocks[1:, :, fertile, 1].sum() / 10
    births = (kind == "birth").sum() / 10
    assert 25 < 1000 * births / women < 70
    # deaths per person rise with age after 40
    deaths = np.bincount(np.searchsorted(starts, age[kind == "death"], side="right") - 1, minlength=len(starts))
    rate = deaths / np.maximum(mean_pop, 1)
    old = [list(starts).index(s) for s in (40, 50, 60, 70, 80, 90)]
    assert (np.diff(rate[old]) > 0).all()
    # the movers' age profile peaks in the twenties
    moves = np.isin(kind, ["move_in", "move_out", "move_within"])
    per_age = np.bincount(np.clip(age[moves], 0, 100), minlength=101)
    assert 20 <= int(np.argmax(per_age)) <= 29
    assert female.mean() == pytest.approx(0.5, abs=0.05)


def test_no_event_before_birth_or_after_death(reg: SyntheticRegister) -> None:
    p, e = reg.persons, reg.events
    birth = pd.to_datetime(p["birth_date"].astype(str)).to_numpy()
    who = pd.Index(p["register_id"].astype(str)).get_indexer(e["register_id"].astype(str))
    day = pd.to_datetime(e["date"].astype(str)).to_numpy()
    assert (day >= birth[who]).all()
    dead = (e["event"] == "death").to_numpy()
    death_day = pd.Series(day[dead], index=who[dead])
    assert death_day.index.is_unique
    last = pd.Series(day).groupby(who).max()
    assert (last.loc[death_day.index].to_numpy() == death_day.to_numpy()).all()
    assert reg.period_start == dt.date(2011, 1, 1) and day.min() >= np.datetime64("2011-01-01")
    assert day.max() <= np.datetime64("2020-12-31")


def test_every_address_lies_in_blocks_of_one_generated_area(reg: SyntheticRegister) -> None:
    i = reg.inputs
    x = np.r_[
        pd.to_numeric(reg.persons["x"]).to_numpy(float, na_value=np.nan),
        reg.events["x"].to_numpy(float, na_value=np.nan),
    ]
    y = np.r_[
        pd.to_numeric(reg.persons["y"]).to_numpy(float, na_value=np.nan),
        reg.events["y"].to_numpy(float, na_value=np.nan),
    ]
    has = ~np.isnan(x)
    xy = np.unique(np.stack([x[has], y[has]], axis=1), axis=0)
    hit, block = shapely.STRtree(i.blocks).query(shapely.points(xy), predicate="intersects")
    assert np.array_equal(np.unique(hit), np.arange(len(xy)))  # every point in a block
    area = pd.Series(i.block_area[block]).groupby(hit)
    assert (area.min() >= 0).all() and (area.nunique() == 1).all()  # of one generated area only
    opening = reg.events["event"].isin(["birth", "move_in", "move_within"]).to_numpy()
    assert (~np.isnan(reg.events["x"].to_numpy(float, na_value=np.nan)) == opening).all()


def test_files_and_ids_are_labelled_synthetic(reg: SyntheticRegister, tmp_path: Path) -> None:
    assert reg.persons["register_id"].str.startswith("SYN").all()
    assert (reg.persons["family_name"] == "SYNTHETISCH").all()
    small = SyntheticRegister(
        reg.persons.head(50),
        reg.events[reg.events["register_id"].isin(reg.persons["register_id"].head(50))],
        reg.period_start,
        reg.period_end,
        reg.inputs,
        reg.raw,
        reg.seed,
    )
    written = write_register_csv(small, tmp_path)
    assert [p.name for p in written] == ["persons.csv", "events.csv", "README_SYNTHETISCH.txt"]
    header = (tmp_path / "persons.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header == '"register_id","family_name","given_names","birth_date","sex","nationality","residence","x","y"'
    assert "SYNTHETIC" in (tmp_path / "README_SYNTHETISCH.txt").read_text(encoding="utf-8")


def _block_store(path: Path):
    store = open_store(str(path), create=True, crs="EPSG:25833")
    add_level(store, Level("block", "Block", "Statistical block", key_width=16))
    import_units(
        store,
        bundle_path() / "units" / "block.parquet",
        UnitSpec(level="block", id_column="id", name_column="name", valid_from=dt.date(2001, 1, 1)),
    )
    return store


def test_import_keeps_the_stocks_and_the_csv_reads_back(reg: SyntheticRegister, tmp_path: Path) -> None:
    store = _block_store(tmp_path / "reg.duckdb")
    try:
        report = import_register_frames(
            store,
            reg.persons,
            reg.events,
            period_start=reg.period_start,
            period_end=reg.period_end,
            secret=REGISTER_SECRET,
            source_label="synthetic",
            synthetic=True,
        )
        assert report.counts["events"] == len(reg.events)
        years = reg.targets.years[1:]
        stocks = register_stocks(store, "block", [dt.date(y, 12, 31) for y in years])
        ids = pd.read_parquet(bundle_path() / "units" / "block.parquet", columns=["id"])["id"]
        area = pd.Series(reg.inputs.block_area, index=ids)
        stocks["area"] = area.reindex(stocks["unit_id"]).to_numpy()
        total = stocks.groupby([pd.to_datetime(stocks["date"]).dt.year, "area"])["count"].sum().unstack()
        assert (total.to_numpy() == reg.targets.counts[1:].sum(axis=2)).all()
        # the CSV files say the same
        write_register_csv(reg, tmp_path / "csv")
        again = import_register(
            store,
            tmp_path / "csv" / "persons.csv",
            tmp_path / "csv" / "events.csv",
            period_start=reg.period_start,
            period_end=reg.period_end,
            secret=REGISTER_SECRET,
            synthetic=True,
        )
        assert again.counts["persons"] == report.counts["persons"]
        assert again.counts["events"] == report.counts["events"]
    finally:
        store.close()
