"""A synthetic register for the Berlin demo, generated from the shipped bundle only.

The published EWR matrices (persons by age band per LOR 2006 planning area at 31 December
2010–2020, and women per area) are the targets, the blocks with their residents of 2018 give
the address points; :func:`ortswissen.synthetic.generate` does the rest. Nothing here is real
personal data: ids start with ``SYN``, every family name is ``SYNTHETISCH``, and the import
flags the extract as synthetic.

The LOR 2006 areas 09041301, 09041401 and 09041403 were redrawn on 1 January 2019 (09041403 is
new and 09041301 lost about 4,600 residents). The generator works on the 2019 boundaries; for
2010–2018 the three areas get the published total of the two old ones, split by their 2019
shares, so their sum is exact in every year and each of them from 2019.

Example:
    >>> inputs = berlin_register_inputs(areas=["01011101", "01011102"])
    >>> inputs.targets.years[0], inputs.targets.years[-1], inputs.targets.counts.shape[1:]
    (2010, 2020, (2, 32))
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import shapely

from ortswissen.errors import InvalidInput
from ortswissen.ports import Store
from ortswissen.services._progress import NO_PROGRESS, Progress
from ortswissen.synthetic import Parameters, Places, RawRegister, Targets, area_of_blocks, generate, register_frames
from ortswissen.synthetic import round_to_totals as _round

__all__ = [
    "REGISTER_SECRET",
    "BerlinInputs",
    "SyntheticRegister",
    "berlin_register_inputs",
    "load_berlin_register",
    "synthetic_berlin_register",
    "write_register_csv",
]

_START_YEAR = 2010
_REDRAWN = ("09041301", "09041401", "09041403")
_REDRAWN_YEAR = 2019
REGISTER_SECRET = "ortswissen-demo-synthetic-register-key"
"""Pseudonymisation key of the demo's synthetic extract (public on purpose: the data are synthetic)."""


def _bundle() -> Path:
    from ortswissen.demo._berlin import bundle_path

    return bundle_path()


def _band_start(indicator: str) -> int:
    return int(indicator.removeprefix("ewr_age_").split("_")[0])


def _ewr(areas: Sequence[str] | None) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    """Area ids (2019 boundaries), band starts, counts[year, area, band] and women[year, area]."""
    raw = pd.read_parquet(_bundle() / "values" / "ewr_planungsraum.parquet")
    raw["year"] = pd.to_datetime(raw["date"]).dt.year
    raw = raw[raw["year"] >= _START_YEAR]
    bands = sorted(
        {i for i in raw["indicator"].unique() if i.startswith("ewr_age_") and i.count("_") == 3},
        key=_band_start,
    )
    starts = np.array([_band_start(b) for b in bands])
    years = sorted(raw["year"].unique())
    ids = sorted(raw.loc[raw["year"] == years[-1], "unit_id"].unique())
    wide = raw[raw["indicator"].isin([*bands, "ewr_female"])].pivot_table(
        index=["year", "unit_id"], columns="indicator", values="value", aggfunc="sum"
    )
    full = pd.MultiIndex.from_product([years, ids], names=["year", "unit_id"])
    wide = wide.reindex(full)
    counts = wide[bands].to_numpy(dtype=float, copy=True).reshape(len(years), len(ids), len(bands))
    female = wide["ewr_female"].to_numpy(dtype=float, copy=True).reshape(len(years), len(ids))
    counts, female = _spread_redrawn(ids, years, counts, female)
    if areas is not None:
        unknown = sorted(set(areas) - set(ids))
        if unknown:
            raise InvalidInput(f"unknown LOR 2006 planning area(s): {', '.join(unknown[:5])}")
        keep = [ids.index(a) for a in sorted(set(areas))]
        ids, counts, female = [ids[i] for i in keep], counts[:, keep], female[:, keep]
    return ids, starts, counts.astype(np.int64), female.astype(np.int64)


def _spread_redrawn(
    ids: list[str], years: list[int], counts: np.ndarray, female: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Before the 2019 redrawing: the old areas' total split over the new ones by their 2019 shares."""
    members = [ids.index(a) for a in _REDRAWN if a in ids]
    if len(members) != len(_REDRAWN):
        return counts, female
    ref = years.index(_REDRAWN_YEAR)
    share = counts[ref, members] / np.maximum(counts[ref, members].sum(axis=0), 1)  # [member, band]
    f_share = female[ref, members] / max(female[ref, members].sum(), 1)
    n_bands = counts.shape[2]
    for t in range(ref):
        total = np.nan_to_num(counts[t, members]).sum(axis=0)  # the new area has no value before 2019
        split = _round((share * total).T.ravel(), np.repeat(np.arange(n_bands), len(members)), total.astype(np.int64))
        counts[t, members] = split.reshape(n_bands, len(members)).T
        women = int(np.nan_to_num(female[t, members]).sum())
        caps = counts[t, members].sum(axis=1)
        female[t, members] = _round(f_share * women, np.zeros(len(members), dtype=np.int64), np.array([women]), caps)
    return counts, female


def _foreign_shares(ids: list[str]) -> np.ndarray:
    """Each area's share of foreign nationals at its earliest LOR table (2015, else 2019), relative to Berlin."""
    lor = pd.read_parquet(_bundle() / "values" / "lor_population_planungsraum.parquet")
    lor = lor[lor["indicator"].isin(["residents", "residents_foreigners"]) & lor["unit_id"].isin(ids)]
    wide = lor.pivot_table(index=["unit_id", "date"], columns="indicator", values="value", aggfunc="sum")
    first = wide.reset_index().sort_values("date").drop_duplicates("unit_id").set_index("unit_id").reindex(ids)
    share = (first["residents_foreigners"] / first["residents"]).to_numpy(dtype=float)
    city = float(np.nansum(first["residents_foreigners"]) / max(np.nansum(first["residents"]), 1.0))
    return np.nan_to_num(share / city, nan=1.0)


@dataclass(frozen=True)
class BerlinInputs:
    """What the generator needs from the bundle, plus the blocks to check its output against."""

    targets: Targets
    places: Places
    foreign_share: np.ndarray  # per area, relative to Berlin
    blocks: np.ndarray  # block polygons (EPSG:25833)
    block_area: np.ndarray  # area index of each block (-1: not one of the areas)


def berlin_register_inputs(*, areas: Sequence[str] | None = None, scale: float = 1.0, seed: int = 2026) -> BerlinInputs:
    """Targets, address points and the per-area foreign share (relative) from the bundle.

    ``areas`` restricts everything to some LOR 2006 planning areas; ``scale`` (0 < scale ≤ 1)
    shrinks every published count (rounded) for a smaller demo.
    """
    if not 0 < scale <= 1:
        raise InvalidInput(f"scale must be in (0, 1], got {scale}")
    ids, starts, counts, female = _ewr(areas)
    if scale < 1:
        total = counts.sum(axis=2)
        counts = np.floor(counts * scale + 0.5).astype(np.int64)
        share = np.divide(female, total, out=np.zeros(female.shape), where=total > 0)
        female = np.minimum(np.floor(share * counts.sum(axis=2) + 0.5).astype(np.int64), counts.sum(axis=2))
    targets = Targets(np.array(ids, dtype=object), starts, _START_YEAR, counts, female)
    units = pd.read_parquet(_bundle() / "units" / "planungsraum_2006.parquet")
    units = units[units["valid_to"] == units["valid_to"].max()].set_index("id").reindex(ids)
    polygons = shapely.from_wkb(units["geometry"].to_numpy())
    blocks = pd.read_parquet(_bundle() / "units" / "block.parquet", columns=["id", "geometry"])
    geoms = shapely.from_wkb(blocks["geometry"].to_numpy())
    block_area = area_of_blocks(geoms, polygons)
    values = pd.read_parquet(_bundle() / "values" / "blocks_block.parquet")
    values = values[(values["indicator"] == "block_residents") & (pd.to_datetime(values["date"]).dt.year == 2018)]
    residents = blocks["id"].map(values.set_index("unit_id")["value"]).fillna(0.0).to_numpy()
    places = Places.build(geoms, residents, block_area, len(ids), rng=np.random.default_rng([seed, 1]))
    return BerlinInputs(targets, places, _foreign_shares(ids), geoms, block_area)


@dataclass
class SyntheticRegister:
    """A generated extract: the profile's two frames, its period, and what it was generated from."""

    persons: pd.DataFrame
    events: pd.DataFrame
    period_start: dt.date
    period_end: dt.date
    inputs: BerlinInputs
    raw: RawRegister
    seed: int

    @property
    def targets(self) -> Targets:
        """The published stocks the register meets."""
        return self.inputs.targets


def synthetic_berlin_register(
    *, seed: int = 2026, scale: float = 1.0, areas: Sequence[str] | None = None, params: Parameters | None = None
) -> SyntheticRegister:
    """Generate the demo's synthetic register 2011–2020 (see the module docs); same seed, same frames."""
    inputs = berlin_register_inputs(areas=areas, scale=scale, seed=seed)
    params = params or Parameters(foreign_area_share=inputs.foreign_share)
    raw = generate(inputs.targets, inputs.places, seed=seed, params=params)
    persons, events = register_frames(raw, inputs.places)
    return SyntheticRegister(persons, events, raw.start, raw.end, inputs, raw, seed)


_README = """SYNTHETISCHES REGISTER / SYNTHETIC REGISTER — keine echten Personen / no real persons.

Erzeugt von ortswissen (Seed {seed}) aus den veröffentlichten EWR-Matrizen Berlin 2010-2020
(Amt für Statistik Berlin-Brandenburg, CC BY 3.0 DE) und den Blockeinwohnern 2018 (Geoportal
Berlin / Umweltatlas, dl-de/by-2-0). Bestände je LOR-2006-Planungsraum und Altersgruppe am
31.12. stimmen mit den EWR-Werten überein; Personen, Namen, Adressen und Ereignisse sind erfunden.

Format: docs/register.md (x/y-Variante, EPSG:25833). Zeitraum {start} bis {end}.
Import: ortswissen register import persons.csv events.csv --period-start {start} --period-end {end} --synthetic
"""


def write_register_csv(register: SyntheticRegister, folder: str | Path) -> list[Path]:
    """Write ``persons.csv``, ``events.csv`` (the profile's CSV, comma separated) and a README."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, frame in (("persons.csv", register.persons), ("events.csv", register.events)):
        path = out / name
        table = pa.Table.from_pandas(frame, preserve_index=False)
        pacsv.write_csv(table, path, pacsv.WriteOptions(quoting_style="needed"))
        written.append(path)
    readme = out / "README_SYNTHETISCH.txt"
    readme.write_text(
        _README.format(seed=register.seed, start=register.period_start, end=register.period_end), encoding="utf-8"
    )
    written.append(readme)
    return written


def load_berlin_register(
    store: Store,
    summary: object | None = None,
    *,
    seed: int = 2026,
    scale: float = 1.0,
    areas: Sequence[str] | None = None,
    levels: Sequence[str] | None = None,
    progress: Progress = NO_PROGRESS,
) -> SyntheticRegister:
    """Generate the synthetic register, import it (flagged synthetic) and derive its indicators.

    ``areas``: LOR 2006 planning areas to generate (default all); ``levels``: the levels to
    derive the ``reg_*`` indicators on (default all).
    """
    from ortswissen.services.register import derive_register_values, import_register_frames

    register = synthetic_berlin_register(seed=seed, scale=scale, areas=areas)
    report = import_register_frames(
        store,
        register.persons,
        register.events,
        period_start=register.period_start,
        period_end=register.period_end,
        secret=REGISTER_SECRET,
        source_label=f"synthetic-berlin-seed{seed}",
        synthetic=True,
        progress=progress,
    )
    derive_register_values(store, levels=levels, progress=progress)
    imports = getattr(summary, "imports", None)
    if imports is not None:
        imports.append(
            f"synthetic register: {report.counts['persons']:,} persons, {report.counts['events']:,} events "
            f"{register.period_start}–{register.period_end} (seed {seed})"
        )
    return register
