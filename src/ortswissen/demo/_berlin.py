"""Building the Berlin demo store from the shipped bundle, through the ordinary importers.

Every step is a normal import (units, indicator definitions, values, georesources), so the
demo shows and exercises exactly what a municipality would do with its own data. Afterwards
crosswalks from the old to the new LOR (and back) are computed from the block residents of
2018, and the half-yearly population of 2015–2020 is re-expressed on the 2021 planning
areas, so every series can be read on one Gebietsstand.
"""

from __future__ import annotations

import datetime as dt
import importlib.resources
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from ortswissen.georesources import GeoresourceMeta
from ortswissen.indicators import IndicatorMeta
from ortswissen.io import ValueSpec
from ortswissen.ports import Store
from ortswissen.services._progress import NO_PROGRESS, Progress
from ortswissen.services.catalog import add_level
from ortswissen.services.crosswalks import CrosswalkSpec, apply_crosswalk, compute_crosswalk
from ortswissen.services.georesources import PointSpec, import_georesources
from ortswissen.services.indicators import compute_indicators, load_definitions, register_definitions
from ortswissen.services.units import UnitSpec, import_units
from ortswissen.services.values import ImportOptions, import_values, register_indicators
from ortswissen.units import Level

__all__ = [
    "BERLIN_CRS",
    "DemoSummary",
    "bundle_path",
    "bundle_version",
    "load_berlin",
    "load_berlin_crosswalks",
    "load_berlin_facilities",
    "load_berlin_projection",
    "load_berlin_standard_set",
    "load_berlin_units",
    "load_berlin_values",
]

BERLIN_CRS = "EPSG:25833"
_LOR_VINTAGES = {
    "2006": ("lor2006", "LOR 2006 (bis 2020)", "LOR 2006 (until 2020)"),
    "2021": ("lor2021", "LOR 2021", "LOR 2021"),
}
_SOURCE_GEO = "Geoportal Berlin / Amt für Statistik Berlin-Brandenburg (siehe CREDITS.md)"

LEVELS = [
    Level("stadt", "Stadt", "City", key_pattern=r"\d{8}", sort_order=0),
    Level("bezirk", "Bezirk", "District", parent_id="stadt", key_width=2, sort_order=1),
    Level("prognoseraum", "Prognoseraum", "Forecast area", parent_id="bezirk", key_width=4, sort_order=2),
    Level("bezirksregion", "Bezirksregion", "District region", parent_id="prognoseraum", key_width=6, sort_order=3),
    Level("planungsraum", "Planungsraum", "Planning area", parent_id="bezirksregion", key_width=8, sort_order=4),
    Level(
        "ortsteil",
        "Ortsteil",
        "Locality",
        parent_id="bezirk",
        key_width=4,
        sort_order=5,
        description="ALKIS-Ortsteile; not part of the LOR hierarchy",
    ),
    Level("plz", "Postleitzahlgebiet", "Postcode area", parent_id="stadt", nested=False, key_width=5, sort_order=6),
    Level(
        "block",
        "Block",
        "Statistical block",
        parent_id="planungsraum",
        nested=False,
        key_width=16,
        sort_order=7,
        description="Umweltatlas blocks with residents (2018) and building age (2015)",
    ),
]


def bundle_path() -> Path:
    """Folder of the shipped Berlin bundle."""
    return Path(str(importlib.resources.files("ortswissen.demo") / "data" / "berlin"))


DEMO_BUILD = 3
"""Raised whenever the demo build adds or changes a step, so an older demo store is rebuilt."""


def bundle_version() -> str:
    """Version label of the shipped bundle (from its manifest) and of the demo build."""
    manifest = json.loads((bundle_path() / "manifest.json").read_text(encoding="utf-8"))["bundle"]
    return f"{manifest}+build{DEMO_BUILD}"


@dataclass
class DemoSummary:
    """What the demo build did."""

    bundle: str
    imports: list[str] = field(default_factory=list)
    crosswalks: dict[str, dict[str, Any]] = field(default_factory=dict)
    reexpressed: int = 0


@contextmanager
def _step(progress: Progress, text: str) -> Iterator[None]:
    progress.start(text, None)
    yield
    progress.finish()


def _units(store: Store, summary: DemoSummary, file: str, spec: UnitSpec) -> None:
    report = import_units(store, bundle_path() / "units" / file, spec)
    summary.imports.append(f"{file}: {report.counts['written']} unit versions")


def _values(store: Store, summary: DemoSummary, file: str, level: str, **extra: Any) -> None:
    spec = ValueSpec(
        level=level,
        layout="long",
        unit_column="unit_id",
        date_column="date",
        indicator_column="indicator",
        value_column="value",
        **extra,
    )
    # no recomputation per file: the standard set is computed once at the end
    report = import_values(store, bundle_path() / "values" / file, spec, options=ImportOptions(recompute=False))
    summary.imports.append(f"{file}: {report.counts['written']} values")


REGISTER_DISTRICT = "01"
"""The demo's synthetic register covers Bezirk Mitte (moves to other districts leave the extract)."""
REGISTER_LEVELS = ("planungsraum", "bezirksregion", "prognoseraum", "bezirk")


def load_berlin(
    store: Store,
    *,
    progress: Progress = NO_PROGRESS,
    reexpress: bool = True,
    synthetic_register: str | None = REGISTER_DISTRICT,
) -> DemoSummary:
    """Load the whole Berlin bundle into an empty store (project CRS EPSG:25833).

    ``synthetic_register`` (a district key, ``None`` = off) adds the SYNTHETIC register
    2011–2020 of :mod:`ortswissen.demo._register` for that district's planning areas (their
    published EWR stocks met exactly), imported flagged as synthetic, with its derived
    ``reg_*`` indicators on the LOR levels. One district (Mitte: 0.57 million persons,
    0.76 million events, under a minute) keeps the demo quick; all of Berlin (5.6 million
    persons, 7.4 million events) takes many minutes (``load_berlin_register`` without areas).
    """
    summary = DemoSummary(bundle_version())
    with _step(progress, "Grenzen / boundaries"):
        load_berlin_units(store, summary)
    with _step(progress, "Indikatoren und Werte / indicators and values"):
        load_berlin_values(store, summary)
    with _step(progress, "Einrichtungen / facilities"):
        load_berlin_facilities(store, summary)
    with _step(progress, "Umschlüsselung alte → neue LOR / crosswalks"):
        load_berlin_crosswalks(store, summary, reexpress=reexpress)
    with _step(progress, "Standardindikatoren berechnen / computing the standard set"):
        load_berlin_standard_set(store, summary)
    with _step(progress, "Bevölkerungsprognose / population projection"):
        load_berlin_projection(store, summary)
    if synthetic_register is not None:
        from ortswissen.demo._register import load_berlin_register

        plr = pd.read_parquet(bundle_path() / "units" / "planungsraum_2006.parquet", columns=["id"])
        areas = sorted(str(i) for i in plr["id"] if str(i).startswith(synthetic_register))
        with _step(progress, "Synthetisches Register / synthetic register"):
            load_berlin_register(store, summary, areas=areas, levels=REGISTER_LEVELS)
    store.set_meta("credits", (bundle_path() / "CREDITS.md").read_text(encoding="utf-8"))
    store.set_meta("demo_bundle", summary.bundle)
    return summary


PROJECTION_JUMP_OFF = dt.date(2023, 12, 31)
"""The demo projection starts from the latest LOR table (31.12.2023)."""


def load_berlin_projection(
    store: Store, summary: DemoSummary | None = None, *, horizon: int = 17, trajectories: int = 1000
) -> DemoSummary:
    """Project the 542 LOR 2021 planning areas 2024–2040 (variants and quantiles) and derive upper levels.

    The single-year stocks are the EWR matrices 2001–2020 re-expressed on the LOR 2021 areas;
    the jump-off keeps the observed LOR bands of 31.12.2023 (see docs/demography.md).
    """
    from ortswissen.services.indicators import recompute_after_import
    from ortswissen.services.projection_runs import LOR_BANDS, output_groups, run_projection

    summary = summary or DemoSummary(bundle_version())
    run = run_projection(
        store,
        "planungsraum",
        horizon=horizon,
        jump_off=PROJECTION_JUMP_OFF,
        jump_off_bands=[b[0] for b in LOR_BANDS],
        crosswalk="planungsraum_2006_2021",
        trajectories=trajectories,
        seed=2026,
    )
    recompute_after_import(store, [g[0] for g in output_groups()])
    summary.imports.append(f"projection {run.run_id}: {run.written:,} projected values, {run.years[0]}–{run.years[-1]}")
    return summary


def standard_set_path() -> Path:
    """The YAML file of the Berlin standard indicator set."""
    return Path(__file__).with_name("standard_set_berlin.yaml")


def load_berlin_standard_set(store: Store, summary: DemoSummary | None = None) -> DemoSummary:
    """Define the standard set (≥ 30 computed indicators) and compute it on every level and date."""
    summary = summary or DemoSummary(bundle_version())
    metas = load_definitions(standard_set_path())
    register_definitions(store, metas, compute=False)
    result = compute_indicators(store)
    summary.imports.append(
        f"standard set: {len(metas)} indicators, {result.written:,} derived values in {result.seconds:.1f} s"
    )
    return summary


def load_berlin_units(store: Store, summary: DemoSummary | None = None) -> DemoSummary:
    """Levels and boundaries: city, districts, both LOR vintages, Ortsteile, postcodes, blocks."""
    summary = summary or DemoSummary(bundle_version())
    for level in LEVELS:
        add_level(store, level)
    start = dt.date(2001, 1, 1)
    _units(
        store,
        summary,
        "stadt.parquet",
        UnitSpec(level="stadt", id_column="id", name_column="name", key_column="id", valid_from=start),
    )
    _units(
        store,
        summary,
        "bezirk.parquet",
        UnitSpec(level="bezirk", id_column="id", name_column="name", parent_column="parent_id", valid_from=start),
    )
    for level, prefix in (("prognoseraum", 2), ("bezirksregion", 4), ("planungsraum", 6)):
        for year, (vid, de, en) in _LOR_VINTAGES.items():
            _units(
                store,
                summary,
                f"{level}_{year}.parquet",
                UnitSpec(
                    level=level,
                    id_column="id",
                    name_column="name",
                    parent_prefix=prefix,
                    valid_from_column="valid_from",
                    valid_to_column="valid_to",
                    vintage=vid,
                    vintage_label_de=de,
                    vintage_label_en=en,
                    vintage_source=_SOURCE_GEO,
                ),
            )
    # ALKIS 2024 Ortsteile overhang the older district layer by up to 1.1 % (0106, 0703)
    _units(
        store,
        summary,
        "ortsteil.parquet",
        UnitSpec(
            level="ortsteil",
            id_column="id",
            name_column="name",
            parent_by_location=True,
            cover_tolerance=0.02,
            valid_from_column="valid_from",
            vintage="alkis2024",
            vintage_label_de="ALKIS-Ortsteile 2024",
            vintage_label_en="ALKIS localities 2024",
            vintage_source="Geoportal Berlin / ALKIS Ortsteile",
        ),
    )
    _units(
        store,
        summary,
        "plz.parquet",
        UnitSpec(
            level="plz",
            id_column="id",
            name_column="name",
            valid_from_column="valid_from",
            vintage="rbs2024",
            vintage_label_de="Postleitzahlen 2024",
            vintage_label_en="Postcodes 2024",
            vintage_source="Geoportal Berlin / Postleitzahlen (RBS)",
        ),
    )
    _units(
        store,
        summary,
        "block.parquet",
        UnitSpec(
            level="block",
            id_column="id",
            name_column="name",
            valid_from_column="valid_from",
            vintage="umweltatlas",
            vintage_label_de="Blöcke (Umweltatlas 2015/2018)",
            vintage_label_en="Blocks (Umweltatlas 2015/2018)",
            vintage_source="Geoportal Berlin / Umweltatlas",
        ),
    )
    return summary


def load_berlin_values(store: Store, summary: DemoSummary | None = None) -> DemoSummary:
    """Indicator definitions and values: LOR population 2015–2023, EWR 2001–2020, blocks, postcodes, dwellings."""
    summary = summary or DemoSummary(bundle_version())
    data = yaml.safe_load((bundle_path() / "indicators.yaml").read_text(encoding="utf-8"))
    register_indicators(store, [IndicatorMeta.model_validate(m) for m in data["indicators"]])
    for level in ("stadt", "bezirk", "prognoseraum", "bezirksregion", "planungsraum"):
        _values(store, summary, f"lor_population_{level}.parquet", level)
    _values(store, summary, "ewr_planungsraum.parquet", "planungsraum")
    _values(store, summary, "blocks_block.parquet", "block", status_column="status", flag_column="flag")
    _values(store, summary, "population_plz.parquet", "plz")
    _values(store, summary, "housing_planungsraum.parquet", "planungsraum")
    return summary


def load_berlin_facilities(store: Store, summary: DemoSummary | None = None) -> DemoSummary:
    """Kitas (CSV with coordinates) and schools, pharmacies, care homes, youth centres (GeoParquet)."""
    summary = summary or DemoSummary(bundle_version())
    geo = bundle_path() / "georesources"
    kitas = GeoresourceMeta(
        id="kitas",
        title_de="Kindertagesstätten",
        title_en="Day-care centres (Kitas)",
        source="SenBJF Berlin – Kitas in Berlin (10/2025), CC BY 3.0 DE; Open Data Product",
        licence="CC BY 3.0 DE",
        topic="bildung/kita",
    )
    report = import_georesources(
        store,
        geo / "kitas.csv",
        PointSpec(
            georesource=kitas,
            id_column="id",
            name_column="name",
            x_column="lon",
            y_column="lat",
            crs="EPSG:4326",
            valid_from=dt.date(2025, 10, 1),
            numeric_columns=["places"],
            dialect={"delimiter": ";"},
        ),
    )
    summary.imports.append(f"kitas.csv: {report.counts['written']} Kitas")
    facilities = {
        "schulen": ("Schulen", "Schools", "bsn", "name", dt.date(2023, 10, 1), []),
        "apothekenstandorte": ("Apotheken", "Pharmacies", "gc_id", "aponame", dt.date(2023, 7, 1), []),
        "pflegeeinrichtungen": (
            "Pflegeeinrichtungen",
            "Care homes",
            "ik_nummer",
            "einrichtung_name",
            dt.date(2023, 7, 1),
            ["platzzahl"],
        ),
        "jugendfreizeiteinrichtungen": (
            "Jugendfreizeiteinrichtungen",
            "Youth centres",
            "e_nr",
            "e_name",
            dt.date(2022, 12, 1),
            ["e_platz"],
        ),
    }
    for name, (de, en, id_col, name_col, since, numeric) in facilities.items():
        meta = GeoresourceMeta(
            id=name,
            title_de=de,
            title_en=en,
            source=f"Geoportal Berlin / {de}",
            licence="dl-de/by-2-0",
            topic="infrastruktur",
        )
        report = import_georesources(
            store,
            geo / f"{name}.parquet",
            PointSpec(
                georesource=meta, id_column=id_col, name_column=name_col, valid_from=since, numeric_columns=numeric
            ),
        )
        summary.imports.append(f"{name}.parquet: {report.counts['written']} features")
    return summary


def load_berlin_crosswalks(store: Store, summary: DemoSummary | None = None, *, reexpress: bool = True) -> DemoSummary:
    """Crosswalks LOR 2006 ↔ LOR 2021 (block residents 2018, within districts) and re-expressed population."""
    summary = summary or DemoSummary(bundle_version())
    weights = {
        "method": "population",
        "weights_level": "block",
        "weights_indicator": "block_residents",
        "weights_date": dt.date(2018, 12, 31),
        "within_level": "bezirk",
    }
    for level in ("planungsraum", "bezirksregion", "prognoseraum"):
        forward = compute_crosswalk(
            store,
            CrosswalkSpec(
                id=f"{level}_2006_2021",
                from_level=level,
                from_date=dt.date(2001, 1, 1),
                from_until=dt.date(2020, 12, 31),
                to_level=level,
                to_date=dt.date(2021, 1, 1),
                description=f"{level}: LOR 2006 → LOR 2021, block residents 2018",
                **weights,
            ),
        )
        backward = compute_crosswalk(
            store,
            CrosswalkSpec(
                id=f"{level}_2021_2006",
                from_level=level,
                from_date=dt.date(2021, 1, 1),
                to_level=level,
                to_date=dt.date(2020, 12, 31),
                description=f"{level}: LOR 2021 → LOR 2006, block residents 2018",
                **weights,
            ),
        )
        summary.crosswalks[forward.info.id] = forward.diagnostics
        summary.crosswalks[backward.info.id] = backward.diagnostics
    if reexpress:
        counts = [m.id for m in store.list_indicators() if m.topic == "bevoelkerung" and m.kind.value == "count"]
        for level in ("planungsraum", "bezirksregion", "prognoseraum"):
            result = apply_crosswalk(store, f"{level}_2006_2021", counts, integer=True)
            summary.reexpressed += len(result)
    return summary
