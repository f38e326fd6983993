"""Real-data oracles on the public Berlin files (data README §12), read by our own importers.

* every LOR population table (t2, 18 half-years × 5 levels) parses with the shipped profile and
  the planning areas sum exactly to district regions, districts and the city;
* EWR totals and under-6 counts equal LOR t2 for 31.12.2015, 2017, 2019 and 2020;
* all EWR files 2001–2020 parse without hand edits (lost zeros of 2014 restored and reported,
  the totals row of 2009 recognised);
* Ortsteil and postcode totals of 31.12.2023 equal the LOR total;
* the 2021 LOR reform: re-expressed through a block-population crosswalk the old series keep
  the city totals exactly, and 30.06.2021 expressed on the old areas keeps its total;
* the raw pre-2021 planning-area file is rejected for its known duplicate id.

Boundaries come from the shipped bundle (the corrected, simplified public geometries).
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from ortswissen.demo import bundle_path, load_berlin_units
from ortswissen.errors import ImportRejected
from ortswissen.indicators import IndicatorMeta
from ortswissen.io import ValueSpec, load_profile
from ortswissen.ports import Store
from ortswissen.services.crosswalks import CrosswalkSpec, apply_crosswalk, compute_crosswalk
from ortswissen.services.indicators import compute_indicators, parse_definitions, register_definitions
from ortswissen.services.units import UnitSpec, import_units
from ortswissen.services.values import import_values, register_indicators
from ortswissen.storage import open_store

pytestmark = [pytest.mark.integration, pytest.mark.berlin, pytest.mark.slow]
D = dt.date
LEVELS = {
    "city": "stadt",
    "districts": "bezirk",
    "forecast-areas": "prognoseraum",
    "district-regions": "bezirksregion",
    "planning-areas": "planungsraum",
}


def _half_year(folder: Path) -> dt.date:
    year, half = folder.name.split("-")[-2:]
    return D(int(year), 6, 30) if half == "01" else D(int(year), 12, 31)


@pytest.fixture(scope="module")
def store(berlin: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """Bundle boundaries plus every t2 table imported from the original CSV files."""
    path = tmp_path_factory.mktemp("berlin") / "berlin.duckdb"
    store = open_store(str(path), create=True, crs="EPSG:25833")
    load_berlin_units(store)
    t2 = load_profile("lor-population-t2")
    register_indicators(store, t2.indicators + load_profile("ewr-matrix").indicators)
    for folder in sorted((berlin / "population" / "lor-2015-2024").iterdir()):
        day = _half_year(folder)
        for suffix, level in LEVELS.items():
            spec = t2.with_overrides(level=level, date=day)
            file = folder / f"{folder.name}-t2-{suffix}.csv"
            if level == "stadt":  # the city row has id 0; the store keys the city by its AGS
                frame = pd.read_csv(file, dtype=str)
                frame["id"] = "11000000"
                file = Path(path.parent) / f"city-{folder.name}.csv"
                frame.to_csv(file, index=False)
            report = import_values(store, file, spec)
            assert report.ok and report.warning_count == 0, report.summary()
    yield store
    store.close()


def test_planning_areas_sum_to_every_upper_level_on_every_date(store: Store) -> None:
    plr = store.read_values(["residents"], level_id="planungsraum")
    assert plr["date"].nunique() == 18
    for level, width in (("bezirksregion", 6), ("prognoseraum", 4), ("bezirk", 2)):
        upper = store.read_values(["residents"], level_id=level).set_index(["date", "unit_id"])["value"]
        summed = plr.assign(parent=plr["unit_id"].str[:width]).groupby(["date", "parent"])["value"].sum()
        assert summed.to_dict() == upper.to_dict(), level
    city = store.read_values(["residents"], level_id="stadt").set_index("date")["value"]
    assert plr.groupby("date")["value"].sum().to_dict() == city.to_dict()
    assert city[D(2020, 12, 31)] == 3_769_962 and city[D(2021, 6, 30)] == 3_766_082


@pytest.mark.parametrize("year", [2015, 2017, 2019, 2020])
def test_ewr_equals_lor_t2(store: Store, berlin: Path, year: int) -> None:
    ewr = load_profile("ewr-matrix").with_overrides(level="planungsraum")
    import_values(store, berlin / "ewr" / f"EWR{year}12E_Matrix.csv", ewr)
    day = [D(year, 12, 31)]
    under6 = [f"ewr_age_{a}" for a in ("00_01", "01_02", "02_03", "03_05", "05_06")]
    values = store.read_values(
        ["residents", "residents_age_under_6", "ewr_residents", *under6], level_id="planungsraum", dates=day
    )
    wide = values.pivot_table(index="unit_id", columns="indicator_id", values="value")
    assert len(wide) == (447 if year < 2019 else 448)
    assert (wide["ewr_residents"] == wide["residents"]).all()
    assert (wide[under6].sum(axis=1) == wide["residents_age_under_6"]).all()


def test_every_ewr_file_parses_without_hand_edits(berlin: Path, tmp_path: Path) -> None:
    target = open_store(str(tmp_path / "ewr.duckdb"), create=True, crs="EPSG:25833")
    load_berlin_units(target)
    ewr = load_profile("ewr-matrix").with_overrides(level="planungsraum")
    files = sorted((berlin / "ewr").glob("EWR*12E_Matrix.csv"))
    assert len(files) == 20
    for path in files:
        year = int(path.name[3:7])
        report = import_values(target, path, ewr)
        with path.open(encoding="utf-8", newline="") as fh:
            rows = [r for r in csv.DictReader(fh, delimiter=";") if r["RAUMID"]]
        assert report.ok and report.counts["written"] == len(rows) * 44, (path.name, report.summary())
        short = sum(1 for r in rows if len(r["RAUMID"]) < 8)
        assert report.issue_totals[("warning", "id-zero-padded")] == short  # 352 in 2014, none elsewhere
        if year == 2009:
            assert "totals-row" in report.codes("note")
    by_year = target.read_values(["ewr_residents"], level_id="planungsraum").groupby("date")["value"].sum()
    assert by_year[D(2001, 12, 31)] == 3_337_233 and by_year[D(2018, 12, 31)] == 3_748_148
    target.close()


def test_ortsteile_and_postcodes_sum_to_the_lor_total_of_2023(store: Store, berlin: Path) -> None:
    folder = berlin / "population" / "ortsteile-plz-2023"
    totals = []
    for name in (
        "population_age_gender_Berlin_local_districts_20231231.csv",
        "population_age_gender_Berlin_PLZ_20231231.csv",
    ):
        with (folder / name).open(encoding="utf-8", newline="") as fh:
            totals.append(sum(int(r["total"]) for r in csv.DictReader(fh)))
    lor = store.read_values(["residents"], level_id="stadt", dates=[D(2023, 12, 31)])["value"].iloc[0]
    assert totals == [lor, lor] == [3_878_100, 3_878_100]


@pytest.fixture(scope="module")
def reform(store: Store) -> Store:
    """Block residents and the two crosswalks of the 2021 LOR reform (forward ``fwd``, back ``back``)."""
    blocks = ValueSpec(
        level="block",
        layout="long",
        unit_column="unit_id",
        date_column="date",
        indicator_column="indicator",
        value_column="value",
        status_column="status",
        flag_column="flag",
    )
    catalogue = yaml.safe_load((bundle_path() / "indicators.yaml").read_text(encoding="utf-8"))["indicators"]
    register_indicators(store, [IndicatorMeta.model_validate(m) for m in catalogue])
    import_values(store, bundle_path() / "values" / "blocks_block.parquet", blocks)
    common = {
        "method": "population",
        "weights_level": "block",
        "weights_indicator": "block_residents",
        "weights_date": D(2018, 12, 31),
        "within_level": "bezirk",
    }
    compute_crosswalk(
        store,
        CrosswalkSpec(
            id="fwd",
            from_level="planungsraum",
            from_date=D(2001, 1, 1),
            from_until=D(2020, 12, 31),
            to_level="planungsraum",
            to_date=D(2021, 1, 1),
            **common,
        ),
    )
    compute_crosswalk(
        store,
        CrosswalkSpec(
            id="back",
            from_level="planungsraum",
            from_date=D(2021, 1, 1),
            to_level="planungsraum",
            to_date=D(2020, 12, 31),
            **common,
        ),
    )
    return store


def test_lor_reform_reexpression_keeps_the_totals(reform: Store) -> None:
    store = reform
    city = store.read_values(["residents"], level_id="stadt").set_index("date")["value"]
    districts = store.read_values(["residents"], level_id="bezirk")

    forward = apply_crosswalk(store, "fwd", ["residents"], integer=True, write=False)
    sums = forward.groupby("date")["value"].sum()
    assert len(sums) == 12  # 2015-01 … 2020-02
    for day, total in sums.items():
        assert total == city[day], day
    # within districts: every district total is kept too
    by_district = forward.assign(bezirk=forward["unit_id"].str[:2]).groupby(["date", "bezirk"])["value"].sum()
    observed = districts.set_index(["date", "unit_id"])["value"]
    for (day, bezirk), total in by_district.items():
        assert total == observed[(day, bezirk)], (day, bezirk)

    backward = apply_crosswalk(store, "back", ["residents"], integer=True, write=False)
    on_old = backward[backward["date"] == D(2021, 6, 30)]
    assert on_old["value"].sum() == city[D(2021, 6, 30)] == 3_766_082
    assert on_old["unit_id"].nunique() <= 448

    # plausibility: the estimate for 31.12.2020 is close to what was counted half a year later
    est = forward[forward["date"] == D(2020, 12, 31)].set_index("unit_id")["value"]
    obs = store.read_values(["residents"], level_id="planungsraum", dates=[D(2021, 6, 30)]).set_index("unit_id")
    both = pd.concat([est, obs["value"]], axis=1, keys=["est", "obs"]).dropna()
    populated = both[both["obs"] >= 1000]
    rel = (populated["est"] - populated["obs"]).abs() / populated["obs"]
    assert len(populated) > 450 and float(np.median(rel)) < 0.03


def test_a_share_on_the_new_areas_comes_from_re_expressed_counts(reform: Store) -> None:
    """Computed indicators on another Gebietsstand: the ratio of the re-expressed counts, estimated."""
    store = reform
    parts = ["residents", "residents_age_under_6"]
    moved = apply_crosswalk(store, "fwd", parts, integer=True)  # stored as estimated values
    register_definitions(
        store,
        parse_definitions(
            [
                {
                    "id": "share_under_6",
                    "title_de": "Anteil unter 6 Jahre",
                    "title_en": "Share under 6",
                    "computation": {"template": "percent", "part": "residents_age_under_6", "whole": "residents"},
                }
            ]
        ),
        compute=False,
    )
    compute_indicators(store, ["share_under_6"])
    day = D(2019, 12, 31)
    shares = store.read_values(["share_under_6"], level_id="planungsraum", dates=[day], all_versions=True)
    new_areas = shares[shares["unit_valid_from"] >= D(2021, 1, 1)].set_index("unit_id")
    counts = moved[(moved["date"] == day) & ~moved["natural"]].pivot(
        index="unit_id", columns="indicator_id", values="value"
    )
    assert 540 <= len(new_areas) == len(counts)
    numbers = new_areas[new_areas["status"] == "estimated"]
    assert len(numbers) >= 530 and set(new_areas["status"]) <= {"estimated", "missing"}
    expected = 100 * counts["residents_age_under_6"] / counts["residents"]
    assert np.allclose(numbers["value"], expected[numbers.index], rtol=1e-12)
    assert (new_areas.loc[new_areas["status"] == "missing", "flag"] == "calc:zero_denominator").all()
    # the re-expression keeps the totals, so the city share is the same on either Gebietsstand
    city = store.read_values(["share_under_6"], level_id="stadt", dates=[day])["value"].iloc[0]
    assert 100 * counts["residents_age_under_6"].sum() / counts["residents"].sum() == pytest.approx(city, rel=1e-12)


def test_raw_pre_2021_planning_areas_are_rejected_for_the_duplicate_id(berlin: Path, tmp_path: Path) -> None:
    target = open_store(str(tmp_path / "raw.duckdb"), create=True, crs="EPSG:25833")
    from ortswissen.demo._berlin import LEVELS

    for level in LEVELS:
        target.put_level(level)
    raw = berlin / "geo" / "lor-until-2020" / "berlin-lor-planning-areas-until-2020.geojson"
    with pytest.raises(ImportRejected) as info:
        import_units(
            target,
            raw,
            UnitSpec(
                level="planungsraum",
                id_column="id",
                name_column="name",
                valid_from=D(2019, 1, 1),
                valid_to=D(2020, 12, 31),
            ),
        )
    report = info.value.report
    dups = [i for i in report.errors if i.code == "duplicate-id"]
    assert [i.value for i in dups] == ["06010102"]
    assert target.info()["counts"]["unit_versions"] == 0
    target.close()
