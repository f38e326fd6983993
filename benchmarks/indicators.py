"""Indicator benchmark: the full standard set on a synthetic city, against a pandas/GeoPandas peer.

What is measured
----------------
* A synthetic, seeded city of about 600,000 persons on about 10,000 statistical blocks,
  5 nested levels (city 1 → districts 12 → regions ~60 → planning areas ~450 → blocks
  ~10,000; rectangles in EPSG:25833 that tile their parents), 10 reference dates
  (31 December 2015–2024), 11 block-level counts (residents, age groups, foreigners,
  migration background, households; 1.1 million imported values) and three point
  georesources (about 1,100 Kitas with places, 400 schools, 500 pharmacies; some open or
  close during the decade). It is loaded into a fresh DuckDB store through the public API
  (``store.put_level``/``add_unit_versions``, ``register_definitions`` of 46 indicators with
  ``compute=False``, ``import_georesources``, ``import_values`` of a long CSV with
  ``recompute=False``), so nothing is derived yet. Loading is *not* timed.
* Timed (ours): ``compute_indicators(store)`` in a fresh subprocess on a fresh copy of the
  loaded store: the upper-level values of the 11 counts on 4 levels by their aggregation
  rule and 35 computed indicators (shares, ratios per 100/1,000, sum, subtract, changes over
  1 and 5 years, density, point counts, a feature statistic, nearest distance, trend,
  continuity, a composite index) on all 5 levels and all 10 dates, written to the store in
  one transaction.
* The peer, in the same run: the straightforward per-indicator pandas/GeoPandas program a
  user would write, on the same data already in memory (reading the files is not timed):
  per indicator and level, ``merge``/``groupby``; per date ``geopandas.sjoin`` for point
  counts and feature sums, ``geopandas.sjoin_nearest`` for distances. Its results stay in
  memory (one long DataFrame); ours are written to the store. What writing the peer's
  results to Parquet would add is reported beside it, not added to its time.
* A check compares *every* derived value of ours (read back from the store) with the
  peer's: the same (indicator, level, unit, date) rows, the same missing values, numbers
  within ``1e-9 · max(|ours|, |peer|, 1)``. A benchmark whose sides compute different
  things would be worthless, so a failed check fails the run.

Every measured operation runs in a fresh subprocess that reports its wall time, CPU time and
peak RSS (``VmHWM``). Figures are medians over ``--repeat`` runs; ours and the peer alternate.

Run from the repository root::

    .venv/bin/python benchmarks/indicators.py               # full size, 3 runs each
    .venv/bin/python benchmarks/indicators.py --json        # the same as one JSON document
    .venv/bin/python benchmarks/indicators.py --quick       # smoke run: a small city, 1 run
    .venv/bin/python benchmarks/indicators.py --profile 30  # one compute_indicators under cProfile
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from _harness import cpu_seconds as _cpu_seconds
from _harness import ensure_importable as _ensure_importable
from _harness import load_average as _load
from _harness import log as _log
from _harness import log_run as _log_run
from _harness import machine as _machine
from _harness import median as _median

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = Path(__file__).resolve()

#: Bump when the generated data change, so cached files are regenerated.
GENERATOR_VERSION = 1
CRS = "EPSG:25833"
X0, Y0 = 370_000, 5_800_000
UNIT_VALID_FROM = dt.date(2000, 1, 1)
YEARS = tuple(range(2015, 2025))  # 10 reference dates, 31 December
MAX_SECONDS = 5.0  # compute the full standard set in < 5 s (on 2 cores)
MIN_SPEEDUP = 20.0  # ≥ 20 × the pandas/GeoPandas peer
RAISED_RECURSION_LIMIT = 20_000
RTOL = 1e-9  # agreement of ours and the peer: |a − b| ≤ RTOL · max(|a|, |b|, 1)


@dataclass(frozen=True)
class Size:
    """The shape of the synthetic city."""

    name: str
    districts: int
    regions: tuple[int, int]  # per district (inclusive range)
    areas: tuple[int, int]  # planning areas per region
    blocks: tuple[int, int]  # blocks per planning area
    persons: int  # residents on the last date
    kitas: int
    schools: int
    pharmacies: int


FULL = Size("full", 12, (4, 6), (6, 9), (18, 26), 600_000, 1_100, 400, 500)
QUICK = Size("quick", 2, (2, 3), (2, 3), (5, 8), 6_000, 30, 12, 15)

# (level id, German name, English name, key width); top-down, each nested in the one above
LEVELS = (
    ("stadt", "Stadt", "City", None),
    ("bezirk", "Bezirk", "District", 2),
    ("bezirksregion", "Bezirksregion", "District region", 4),
    ("planungsraum", "Planungsraum", "Planning area", 6),
    ("block", "Block", "Statistical block", 10),
)
LEVEL_IDS = tuple(lv[0] for lv in LEVELS)
CITY_ID = "11000000"

# -- the standard set ----------------------------------------------------------------------------------
# imported block-level counts: (id, title_de, title_en)
COUNTS = (
    ("ew", "Einwohner insgesamt", "Residents, total"),
    ("ew_u6", "Einwohner unter 6 Jahre", "Residents under 6"),
    ("ew_6_15", "Einwohner 6 bis unter 15 Jahre", "Residents aged 6 to 14"),
    ("ew_15_65", "Einwohner 15 bis unter 65 Jahre", "Residents of working age (15 to 64)"),
    ("ew_65plus", "Einwohner 65 Jahre und älter", "Residents aged 65 and over"),
    ("ew_80plus", "Einwohner 80 Jahre und älter", "Residents aged 80 and over"),
    ("ew_18_27", "Einwohner 18 bis unter 27 Jahre", "Residents aged 18 to 26"),
    ("ew_weiblich", "Einwohnerinnen", "Female residents"),
    ("ew_auslaender", "Ausländerinnen und Ausländer", "Foreign nationals"),
    ("ew_mh", "Einwohner mit Migrationshintergrund", "Residents with a migration background"),
    ("haushalte", "Haushalte", "Households"),
)
COUNT_IDS = tuple(c[0] for c in COUNTS)
_AT = {"like": "ew"}


def _pct(part: str) -> dict[str, Any]:
    return {"template": "percent", "part": part, "whole": "ew"}


# computed indicators, inputs first: (id, title_de, title_en, computation)
COMPUTED: tuple[tuple[str, str, str, dict[str, Any]], ...] = (
    ("anteil_u6", "Anteil unter 6 Jahre", "Share under 6", _pct("ew_u6")),
    ("anteil_6_15", "Anteil 6 bis unter 15 Jahre", "Share aged 6 to 14", _pct("ew_6_15")),
    ("anteil_15_65", "Anteil im erwerbsfähigen Alter", "Share of working age", _pct("ew_15_65")),
    ("anteil_65plus", "Anteil 65 Jahre und älter", "Share aged 65 and over", _pct("ew_65plus")),
    ("anteil_80plus", "Anteil 80 Jahre und älter", "Share aged 80 and over", _pct("ew_80plus")),
    ("anteil_18_27", "Anteil 18 bis unter 27 Jahre", "Share aged 18 to 26", _pct("ew_18_27")),
    ("anteil_weiblich", "Frauenanteil", "Share of women", _pct("ew_weiblich")),
    ("anteil_auslaender", "Ausländeranteil", "Share of foreign nationals", _pct("ew_auslaender")),
    ("anteil_mh", "Anteil mit Migrationshintergrund", "Share with a migration background", _pct("ew_mh")),
    ("ew_u15", "Einwohner unter 15 Jahre", "Residents under 15", {"template": "sum", "terms": ["ew_u6", "ew_6_15"]}),
    (
        "ew_ohne_mh",
        "Einwohner ohne Migrationshintergrund",
        "Residents without a migration background",
        {"template": "subtract", "minuend": "ew", "subtrahends": ["ew_mh"]},
    ),
    ("anteil_ohne_mh", "Anteil ohne Migrationshintergrund", "Share without a migration background", _pct("ew_ohne_mh")),
    (
        "u6_je_100_erw",
        "Unter 6-Jährige je 100 im erwerbsfähigen Alter",
        "Under 6 per 100 of working age",
        {"template": "divide", "part": "ew_u6", "whole": "ew_15_65", "scale": 100},
    ),
    (
        "altenquotient",
        "Altenquotient",
        "Old-age dependency ratio",
        {"template": "divide", "part": "ew_65plus", "whole": "ew_15_65", "scale": 100},
    ),
    (
        "jugendquotient",
        "Jugendquotient",
        "Youth dependency ratio",
        {"template": "divide", "part": "ew_u15", "whole": "ew_15_65", "scale": 100},
    ),
    (
        "hh_groesse",
        "Durchschnittliche Haushaltsgröße",
        "Mean household size",
        {"template": "divide", "part": "ew", "whole": "haushalte"},
    ),
    (
        "ew_veraend_1j",
        "Einwohnerveränderung zum Vorjahr",
        "Change in residents over 1 year",
        {"template": "change", "input": "ew", "periods": 1},
    ),
    (
        "ew_veraend_1j_rel",
        "Einwohnerveränderung zum Vorjahr in %",
        "Change in residents over 1 year, %",
        {"template": "change", "input": "ew", "periods": 1, "relative": True},
    ),
    (
        "ew_veraend_5j",
        "Einwohnerveränderung über 5 Jahre",
        "Change in residents over 5 years",
        {"template": "change", "input": "ew", "years": 5},
    ),
    (
        "ew_veraend_5j_rel",
        "Einwohnerveränderung über 5 Jahre in %",
        "Change in residents over 5 years, %",
        {"template": "change", "input": "ew", "years": 5, "relative": True},
    ),
    (
        "u6_veraend_5j",
        "Veränderung unter 6 Jahre über 5 Jahre",
        "Change in under-6s over 5 years",
        {"template": "change", "input": "ew_u6", "years": 5},
    ),
    (
        "anteil_65plus_veraend_5j",
        "Veränderung des Anteils 65+ über 5 Stichtage",
        "Change in the share aged 65+ over 5 dates",
        {"template": "change", "input": "anteil_65plus", "periods": 5},
    ),
    ("ew_dichte", "Einwohnerdichte", "Population density", {"template": "density", "input": "ew", "per": "km2"}),
    ("kitas", "Kitas", "Day-care centres", {"template": "point_count", "georesource": "kitas", "at": _AT}),
    (
        "kitas_gross",
        "Kitas mit 100 und mehr Plätzen",
        "Day-care centres with 100 places or more",
        {
            "template": "point_count",
            "georesource": "kitas",
            "where": [{"attribute": "plaetze", "op": "ge", "value": 100}],
            "at": _AT,
        },
    ),
    (
        "kita_plaetze",
        "Kitaplätze",
        "Day-care places",
        {"template": "feature_stat", "georesource": "kitas", "attribute": "plaetze", "statistic": "sum", "at": _AT},
    ),
    (
        "kita_plaetze_je_kind",
        "Kitaplätze je Kind unter 6",
        "Day-care places per child under 6",
        {"template": "divide", "part": "kita_plaetze", "whole": "ew_u6"},
    ),
    ("schulen", "Schulen", "Schools", {"template": "point_count", "georesource": "schulen", "at": _AT}),
    (
        "schulen_je_1000",
        "Schulen je 1.000 Kinder von 6 bis unter 15",
        "Schools per 1,000 children aged 6 to 14",
        {"template": "per_mille", "part": "schulen", "whole": "ew_6_15"},
    ),
    ("apotheken", "Apotheken", "Pharmacies", {"template": "point_count", "georesource": "apotheken", "at": _AT}),
    (
        "apotheken_distanz",
        "Entfernung zur nächsten Apotheke",
        "Distance to the nearest pharmacy",
        {"template": "nearest_distance", "georesource": "apotheken", "at": _AT},
    ),
    (
        "ew_trend_5j",
        "Einwohnertrend (5 Stichtage)",
        "Trend in residents (5 dates)",
        {"template": "trend", "input": "ew"},
    ),
    (
        "ew_stetigkeit_5j",
        "Stetigkeit der Einwohnerentwicklung (5 Stichtage)",
        "Continuity of residents (5 dates)",
        {"template": "continuity", "input": "ew", "periods": 5},
    ),
    (
        "anteil_65plus_trend_5j",
        "Trend des Anteils 65+ (5 Stichtage)",
        "Trend in the share aged 65+ (5 dates)",
        {"template": "trend", "input": "anteil_65plus", "periods": 5},
    ),
    (
        "sozialindex",
        "Sozialindex",
        "Social index",
        {
            "template": "composite",
            "normalisation": "zscore",
            "components": [
                {"indicator": "anteil_auslaender", "polarity": "higher_is_worse"},
                {"indicator": "altenquotient", "polarity": "higher_is_worse"},
                {"indicator": "jugendquotient", "polarity": "higher_is_better"},
                {"indicator": "apotheken_distanz", "weight": 0.5, "polarity": "higher_is_worse"},
            ],
        },
    ),
)
COMPUTED_IDS = tuple(c[0] for c in COMPUTED)


def definitions() -> list[dict[str, Any]]:
    """The standard set as raw definitions, for ``parse_definitions``."""
    out: list[dict[str, Any]] = [
        {"id": i, "title_de": de, "title_en": en, "kind": "count", "topic": "bevoelkerung", "unit_de": "Personen"}
        for i, de, en in COUNTS
    ]
    out += [
        {"id": i, "title_de": de, "title_en": en, "topic": "standard", "decimals": 2, "computation": c}
        for i, de, en, c in COMPUTED
    ]
    return out


def _peak_rss_mb() -> float:
    """Peak RSS of this process in MB (10**6 bytes): ``VmHWM`` on Linux (see benchmarks/import.py)."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text(encoding="ascii", errors="replace").splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024 / 1e6
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux, bytes on macOS
    return peak / 1e6 if sys.platform == "darwin" else peak * 1024 / 1e6


# -- the synthetic city ----------------------------------------------------------------------------------


def _split(rect: tuple[int, int, int, int], k: int, rng: np.random.Generator) -> list[tuple[int, int, int, int]]:
    """Tile a rectangle with ``k`` rectangles (recursive halving of the longer side, jittered, whole metres)."""
    if k == 1:
        return [rect]
    k1 = k // 2
    x0, y0, x1, y1 = rect
    frac = k1 / k * rng.uniform(0.85, 1.15)
    if x1 - x0 >= y1 - y0:
        xm = round(x0 + (x1 - x0) * frac)
        return _split((x0, y0, xm, y1), k1, rng) + _split((xm, y0, x1, y1), k - k1, rng)
    ym = round(y0 + (y1 - y0) * frac)
    return _split((x0, y0, x1, ym), k1, rng) + _split((x0, ym, x1, y1), k - k1, rng)


def _units(size: Size, rng: np.random.Generator) -> list[dict[str, Any]]:
    """All units of the 5 levels: id, parent, level and rectangle; parents tile into their children."""

    def counts(n: int, bounds: tuple[int, int]) -> list[int]:
        return rng.integers(bounds[0], bounds[1] + 1, size=n).tolist()

    regions = counts(size.districts, size.regions)
    areas = counts(sum(regions), size.areas)
    blocks = counts(sum(areas), size.blocks)
    # the city's extent: ~9 ha per block (Berlin: 891 km² for ~15,000 blocks incl. forests and lakes)
    area = sum(blocks) * 90_000
    width = round((area * 1.44) ** 0.5)
    city = (X0, Y0, X0 + width, Y0 + round(area / width))
    out = [{"level_id": "stadt", "unit_id": CITY_ID, "parent_id": None, "rect": city}]
    it_regions, it_areas, it_blocks = iter(regions), iter(areas), iter(blocks)
    for d, d_rect in enumerate(_split(city, size.districts, rng), start=1):
        did = f"{d:02d}"
        out.append({"level_id": "bezirk", "unit_id": did, "parent_id": CITY_ID, "rect": d_rect})
        for r, r_rect in enumerate(_split(d_rect, next(it_regions), rng), start=1):
            rid = f"{did}{r:02d}"
            out.append({"level_id": "bezirksregion", "unit_id": rid, "parent_id": did, "rect": r_rect})
            for p, p_rect in enumerate(_split(r_rect, next(it_areas), rng), start=1):
                pid = f"{rid}{p:02d}"
                out.append({"level_id": "planungsraum", "unit_id": pid, "parent_id": rid, "rect": p_rect})
                for b, b_rect in enumerate(_split(p_rect, next(it_blocks), rng), start=1):
                    out.append({"level_id": "block", "unit_id": f"{pid}{b:04d}", "parent_id": pid, "rect": b_rect})
    return out


def _population(n_blocks: int, size: Size, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Block counts per date, shape (dates, blocks), for the 11 count indicators."""
    n_years = len(YEARS)
    weight = rng.lognormal(0.0, 0.9, size=n_blocks)
    weight[rng.random(n_blocks) < 0.06] = 0.0  # parks, industry, allotments: nobody lives there
    base = size.persons * weight / weight.sum()
    growth = np.cumprod(rng.normal(1.008, 0.025, size=(n_years, n_blocks)), axis=0)
    ew = np.rint(base[None, :] * growth / growth[-1][None, :]).astype(np.int64)
    # new housing estates: empty until a year in the decade (zero bases for relative changes)
    new = np.flatnonzero((rng.random(n_blocks) < 0.01) & (weight > 0))
    first = rng.integers(1, n_years, size=len(new))
    for b, year in zip(new.tolist(), first.tolist(), strict=True):
        ew[:year, b] = 0
    # age structure: a block profile, ageing a little every year
    profile = rng.dirichlet(np.array([0.06, 0.085, 0.66, 0.195]) * 60.0, size=n_blocks)
    foreign_rate = rng.beta(2.0, 7.0, size=n_blocks)
    other_mh_rate = rng.beta(2.0, 12.0, size=n_blocks)
    hh_size = rng.uniform(1.5, 2.4, size=n_blocks)
    out: dict[str, list[np.ndarray]] = {c: [] for c in COUNT_IDS}
    for t in range(n_years):
        p = profile * np.array([1.0, 1.0, 1.0, 1.0 + 0.01 * t])[None, :]
        p /= p.sum(axis=1, keepdims=True)
        n = ew[t]
        groups = rng.multinomial(n, p)
        foreign = rng.binomial(n, foreign_rate)
        hh = np.where(n > 0, np.maximum(1, np.rint(n / hh_size)), 0).astype(np.int64)
        rows = {
            "ew": n,
            "ew_u6": groups[:, 0],
            "ew_6_15": groups[:, 1],
            "ew_15_65": groups[:, 2],
            "ew_65plus": groups[:, 3],
            "ew_80plus": rng.binomial(groups[:, 3], 0.3),
            "ew_18_27": rng.binomial(groups[:, 2], 0.18),
            "ew_weiblich": rng.binomial(n, 0.51),
            "ew_auslaender": foreign,
            "ew_mh": foreign + rng.binomial(n - foreign, other_mh_rate),
            "haushalte": hh,
        }
        for key, value in rows.items():
            out[key].append(np.asarray(value, dtype=np.int64))
    return {k: np.stack(v) for k, v in out.items()}


def _facilities(
    kind: str, n: int, blocks: list[dict[str, Any]], pop: np.ndarray, rng: np.random.Generator
) -> list[dict[str, Any]]:
    """``n`` points inside blocks (drawn by residents, integer metres, 5 m off the edges), with validity."""
    p = pop + 0.05 * pop.mean()
    chosen = rng.choice(len(blocks), size=n, p=p / p.sum())
    prefix = {"kitas": "K", "schulen": "S", "apotheken": "A"}[kind]
    out = []
    for i, b in enumerate(chosen.tolist(), start=1):
        x0, y0, x1, y1 = blocks[b]["rect"]
        row: dict[str, Any] = {
            "nr": f"{prefix}{i:05d}",
            "name": f"{kind.title()} {i}",
            "rechtswert": int(rng.integers(x0 + 5, x1 - 4)),
            "hochwert": int(rng.integers(y0 + 5, y1 - 4)),
            "geoeffnet": "01.01.2000",
            "geschlossen": "",
        }
        if rng.random() < 0.2:  # opened during the decade
            row["geoeffnet"] = f"01.08.{int(rng.integers(YEARS[0], YEARS[-1] + 1))}"
        if rng.random() < 0.08:  # closed during the decade, after it opened
            opened = int(row["geoeffnet"][-4:])
            row["geschlossen"] = f"31.07.{int(rng.integers(max(opened + 1, YEARS[1]), YEARS[-1] + 2))}"
        if kind == "kitas":
            row["plaetze"] = int(rng.integers(20, 161))
        elif kind == "schulen":
            row["typ"] = str(
                rng.choice(["Grundschule", "Integrierte Sekundarschule", "Gymnasium"], p=[0.6, 0.25, 0.15])
            )
        out.append(row)
    return out


def generate(folder: Path, size: Size, seed: int) -> dict[str, Any]:
    """Write the city into ``folder``: units.parquet, values.csv, kitas/schulen/apotheken.csv."""
    import geopandas as gpd
    import pandas as pd
    import shapely

    rng = np.random.default_rng(seed)
    units = _units(size, rng)
    blocks = [u for u in units if u["level_id"] == "block"]
    pop = _population(len(blocks), size, rng)
    rects = np.array([u["rect"] for u in units], dtype=float)
    frame = gpd.GeoDataFrame(
        {k: [u[k] for u in units] for k in ("level_id", "unit_id", "parent_id")},
        geometry=shapely.box(rects[:, 0], rects[:, 1], rects[:, 2], rects[:, 3]),
        crs=CRS,
    )
    frame.to_parquet(folder / "units.parquet")
    # the long value file: unit_id;date;indicator;value (every block, date and count)
    n_years, n_blocks = len(YEARS), len(blocks)
    block_ids = np.array([f'"{u["unit_id"]}"' for u in blocks], dtype=object)
    parts = []
    for key in COUNT_IDS:
        parts.append(
            pd.DataFrame(
                {
                    "unit_id": np.tile(block_ids, n_years),
                    "date": np.repeat([f"31.12.{y}" for y in YEARS], n_blocks),
                    "indicator": key,
                    "value": pop[key].ravel(),
                }
            )
        )
    values = pd.concat(parts, ignore_index=True)
    with (folder / "values.csv").open("w", encoding="utf-8", newline="") as handle:
        handle.write("unit_id;date;indicator;value\n")
        handle.write(
            "\n".join(
                values["unit_id"] + ";" + values["date"] + ";" + values["indicator"] + ";" + values["value"].astype(str)
            )
        )
        handle.write("\n")
    counts = {"kitas": size.kitas, "schulen": size.schools, "apotheken": size.pharmacies}
    for kind, n in counts.items():
        rows = _facilities(kind, n, blocks, pop["ew"][-1].astype(float), rng)
        pd.DataFrame(rows).to_csv(folder / f"{kind}.csv", sep=";", index=False)
    levels = {lv: sum(1 for u in units if u["level_id"] == lv) for lv in LEVEL_IDS}
    return {
        "units": levels,
        "dates": [f"{y}-12-31" for y in YEARS],
        "persons_last_date": int(pop["ew"][-1].sum()),
        "persons_first_date": int(pop["ew"][0].sum()),
        "empty_blocks_last_date": int((pop["ew"][-1] == 0).sum()),
        "imported_values": len(values),
        "facilities": counts,
        "city_km2": round(float(frame.geometry.iloc[0].area) / 1e6, 1),
    }


def ensure_data(workdir: Path, size: Size, seed: int) -> tuple[Path, dict[str, Any]]:
    """The generated files for ``size`` and ``seed``, reused while the generator version matches."""
    folder = workdir / f"city_{size.name}_seed{seed}"
    sidecar = folder / "meta.json"
    wanted = {"size": asdict(size), "seed": seed, "generator": GENERATOR_VERSION}
    if sidecar.exists():
        meta = json.loads(sidecar.read_text(encoding="utf-8"))
        if {k: meta.get(k) for k in wanted} == json.loads(json.dumps(wanted)):
            _log(f"  reusing {folder}")
            return folder, {**meta, "generate_seconds": None, "reused": True}
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    _log(f"  generating the {size.name} city → {folder}")
    t0 = time.perf_counter()
    info = generate(folder, size, seed)
    meta = {**wanted, **info, "generate_seconds": round(time.perf_counter() - t0, 3)}
    sidecar.write_text(json.dumps(meta, indent=2), encoding="utf-8")
    return folder, {**meta, "reused": False}


# -- children: load, ours, peer, check ------------------------------------------------------------------


def child_load(data: Path, db: Path) -> dict[str, Any]:
    """Build the store through the public API: levels, units, definitions, values, georesources."""
    _ensure_importable()
    import geopandas as gpd

    from ortswissen.georesources import GeoresourceMeta
    from ortswissen.io import load_profile
    from ortswissen.services.georesources import PointSpec, import_georesources
    from ortswissen.services.indicators import parse_definitions, register_definitions
    from ortswissen.services.values import ImportOptions, import_values
    from ortswissen.storage import open_store
    from ortswissen.units import Level

    t0 = time.perf_counter()
    _remove_store(db)
    store = open_store(str(db), create=True, crs=CRS)
    parent = None
    for order, (level_id, de, en, width) in enumerate(LEVELS):
        store.put_level(Level(level_id, de, en, parent_id=parent, key_width=width, sort_order=order))
        parent = level_id
    units = gpd.read_parquet(data / "units.parquet")
    units = units.assign(
        valid_from=UNIT_VALID_FROM,
        valid_to=None,
        vintage_id=None,
        name=units["unit_id"],
        official_key=None,
        attributes=[{} for _ in range(len(units))],
    )
    with store.transaction():
        store.add_unit_versions(units)
    register_definitions(store, parse_definitions(definitions(), source="benchmark"), compute=False)
    specs = {
        "kitas": ("Kindertagesstätten", "Day-care centres", ["plaetze"]),
        "schulen": ("Schulen", "Schools", []),
        "apotheken": ("Apotheken", "Pharmacies", []),
    }
    assignments = {}
    for kind, (de, en, numeric) in specs.items():
        geo = import_georesources(
            store,
            data / f"{kind}.csv",
            PointSpec(
                georesource=GeoresourceMeta(id=kind, title_de=de, title_en=en),
                id_column="nr",
                name_column="name",
                x_column="rechtswert",
                y_column="hochwert",
                crs=CRS,
                valid_from_column="geoeffnet",
                valid_to_column="geschlossen",
                numeric_columns=numeric,
                dialect={"delimiter": ";"},
            ),
        )
        assignments[kind] = int(geo.counts["assignments"])
    # recompute=False: nothing is derived while loading; the timed run derives everything
    report = import_values(
        store,
        data / "values.csv",
        load_profile("long").with_overrides(level="block"),
        options=ImportOptions(recompute=False),
    )
    counts = store.info()["counts"]
    store.close()
    return {
        "ok": True,
        "seconds": time.perf_counter() - t0,
        "values_imported": int(report.counts["written"]),
        "unit_versions": int(counts["unit_versions"]),
        "features": int(counts["features"]),
        "feature_assignments": assignments,
        "indicators": len(COUNTS) + len(COMPUTED),
        "peak_rss_mb": _peak_rss_mb(),
    }


_ENGINE_RUN = "engine: wide table and computed indicators (one query per dependency layer)"


def _instrument_ours() -> dict[str, float]:
    """Seconds per phase of ``compute_indicators``, by wrapping private functions of the service and engine.

    Approximate and tolerant: a function that no longer exists is simply not timed. The
    wrappers cost microseconds per call (a few hundred calls per run).
    """
    from ortswissen.indicators import _engine as engine
    from ortswissen.services import indicators as service

    phases: dict[str, float] = {}

    def wrap(owner: Any, name: str, label: Any) -> None:
        func = getattr(owner, name, None)
        if func is None:
            return

        @functools.wraps(func)
        def timed(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                key = label(*args) if callable(label) else label
                phases[key] = phases.get(key, 0.0) + time.perf_counter() - t0

        setattr(owner, name, timed)

    wrap(service, "_prepare_spatial", "service: spatial preparation (features, nearest distances)")
    wrap(engine.Engine, "_aggregate", "engine: aggregation of the counts up the levels")
    wrap(engine.Engine, "run", _ENGINE_RUN)
    wrap(engine.Engine, "to_pyarrow", "engine: execute the result parts to Arrow")
    wrap(service, "_write_queries", "service: write to the store (via Arrow into the value table, replace, commit)")
    wrap(service, "_write", "service: write to the store (staging, replace, commit)")
    return phases


def _exclusive(phases: dict[str, float], seconds: float) -> dict[str, float]:
    """Phases without overlap: the engine's run contains its aggregation; the rest is "other"."""
    out = dict(phases)
    if _ENGINE_RUN in out:
        out[_ENGINE_RUN] -= out.get("engine: aggregation of the counts up the levels", 0.0)
    out["other (reading definitions, inputs, bookkeeping)"] = seconds - sum(out.values())
    return out


def child_ours(db: Path, profile: int = 0, recursion_limit: int = 0) -> dict[str, Any]:
    """Time ``compute_indicators(store)`` on ``db`` (a fresh copy of the loaded store).

    ``recursion_limit`` > 0 raises Python's recursion limit first: the engine unions the
    results of all indicators into one left-deep Ibis expression, whose SQL generation
    (sqlglot) needs more than the default 1,000 frames for a set this large. A run with the
    default limit that fails so reports ``recursion_error`` and the parent retries.
    """
    _ensure_importable()
    if recursion_limit:
        sys.setrecursionlimit(recursion_limit)
    from ortswissen.services.indicators import compute_indicators
    from ortswissen.storage import open_store

    store = open_store(str(db))
    phases = _instrument_ours()
    rss_before = _peak_rss_mb()
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    c0, t0 = _cpu_seconds(), time.perf_counter()
    try:
        result = compute_indicators(store)
    except RecursionError:
        store.close()
        return {
            "ok": False,
            "recursion_error": True,
            "error": f"RecursionError after {time.perf_counter() - t0:.2f} s (limit {sys.getrecursionlimit()})",
        }
    seconds, cpu = time.perf_counter() - t0, _cpu_seconds() - c0
    if profiler is not None:
        import pstats

        profiler.disable()
        for order in ("cumulative", "tottime"):
            pstats.Stats(profiler, stream=sys.stderr).strip_dirs().sort_stats(order).print_stats(profile)
    peak = _peak_rss_mb()
    store.close()
    return {
        "ok": True,
        "seconds": seconds,
        "cpu_seconds": cpu,
        "written": int(result.written),
        "replaced": int(result.replaced),
        "computed": len(result.indicators),
        "aggregated": len(result.aggregated),
        "per_indicator": result.per_indicator,
        "phases": _exclusive(phases, seconds),
        "rss_before_mb": rss_before,
        "peak_rss_mb": peak,
        "recursion_limit": sys.getrecursionlimit(),
    }


# -- the peer: what a user would write with pandas and GeoPandas -------------------------------------------


def peer_inputs(data: Path) -> dict[str, Any]:
    """Read the generated files into pandas/GeoPandas (not timed)."""
    import geopandas as gpd
    import pandas as pd

    units = gpd.read_parquet(data / "units.parquet")
    values = pd.read_csv(
        data / "values.csv", sep=";", dtype={"unit_id": str, "date": str, "indicator": str}, thousands="."
    )
    values["date"] = pd.to_datetime(values["date"], format="%d.%m.%Y")
    values["value"] = values["value"].astype(float)
    facilities = {}
    for kind in ("kitas", "schulen", "apotheken"):
        f = pd.read_csv(data / f"{kind}.csv", sep=";", dtype={"nr": str, "geoeffnet": str, "geschlossen": str})
        f["geoeffnet"] = pd.to_datetime(f["geoeffnet"], format="%d.%m.%Y")
        f["geschlossen"] = pd.to_datetime(f["geschlossen"], format="%d.%m.%Y")
        facilities[kind] = gpd.GeoDataFrame(f, geometry=gpd.points_from_xy(f["rechtswert"], f["hochwert"]), crs=CRS)
    return {"units": units, "values": values, "facilities": facilities}


def peer_compute(units: Any, values: Any, facilities: dict[str, Any], phases: dict[str, float]) -> Any:
    """The standard set, per indicator and level (and date where GeoPandas needs it), with pandas/GeoPandas.

    Returns one long DataFrame ``indicator_id, level_id, unit_id, date, value`` of the derived
    values: the counts on the 4 upper levels and every computed indicator on all 5 levels.
    """
    import geopandas as gpd
    import pandas as pd

    started = time.perf_counter()
    key = ["unit_id", "date"]
    by_level = {lv: units[units["level_id"] == lv].reset_index(drop=True) for lv in LEVEL_IDS}
    data: dict[str, dict[str, pd.DataFrame]] = {}  # indicator → level → unit_id, date, value

    # counts: sum up the nested levels, child → parent
    for indicator in COUNT_IDS:
        lower = values.loc[values["indicator"] == indicator, ["unit_id", "date", "value"]]
        data[indicator] = {"block": lower}
        for child, level in zip(LEVEL_IDS[:0:-1], LEVEL_IDS[-2::-1], strict=True):
            parents = by_level[child][["unit_id", "parent_id"]]
            merged = lower.merge(parents, on="unit_id")
            lower = (
                merged.groupby(["parent_id", "date"], as_index=False)["value"]
                .sum()
                .rename(columns={"parent_id": "unit_id"})
            )
            data[indicator][level] = lower

    dates = sorted(values.loc[values["indicator"] == "ew", "date"].unique())

    def combine(frames: list[pd.DataFrame]) -> pd.DataFrame:
        out = frames[0].rename(columns={"value": "v0"})
        for i, f in enumerate(frames[1:], start=1):
            out = out.merge(f.rename(columns={"value": f"v{i}"}), on=key, how="outer")
        return out

    def valid_on(f: gpd.GeoDataFrame, day: Any) -> gpd.GeoDataFrame:
        return f[(f["geoeffnet"] <= day) & (f["geschlossen"].isna() | (f["geschlossen"] >= day))]

    phases["aggregation of the counts up the levels"] = time.perf_counter() - started
    for indicator, _, _, c in COMPUTED:
        t = c["template"]
        t0 = time.perf_counter()
        data[indicator] = {}
        for level in LEVEL_IDS:
            polys = by_level[level]
            if t in ("percent", "divide", "per_mille"):
                m = combine([data[c["part"]][level], data[c["whole"]][level]])
                scale = {"percent": 100.0, "per_mille": 1000.0}.get(t, float(c.get("scale", 1.0)))
                m["value"] = (m["v0"] / m["v1"] * scale).where(m["v1"] != 0)
            elif t == "sum":
                m = combine([data[i][level] for i in c["terms"]])
                m["value"] = sum((m[f"v{i}"] for i in range(1, len(c["terms"]))), m["v0"])
            elif t == "subtract":
                m = combine([data[c["minuend"]][level], *[data[i][level] for i in c["subtrahends"]]])
                m["value"] = m["v0"] - sum((m[f"v{i}"] for i in range(2, len(c["subtrahends"]) + 1)), m["v1"])
            elif t == "change":
                x = data[c["input"]][level]
                if "years" in c:
                    x = x.assign(base_date=x["date"] - pd.DateOffset(years=c["years"]))
                    then = x[["unit_id", "date", "value"]].rename(columns={"date": "base_date", "value": "then"})
                    m = x.merge(then, on=["unit_id", "base_date"], how="left")
                else:
                    rank = {d: i for i, d in enumerate(sorted(x["date"].unique()))}
                    x = x.assign(idx=x["date"].map(rank))
                    then = x[["unit_id", "idx", "value"]].rename(columns={"value": "then"})
                    then["idx"] += c["periods"]
                    m = x.merge(then, on=["unit_id", "idx"], how="left")
                if c.get("relative"):
                    m["value"] = ((m["value"] - m["then"]) / m["then"] * 100.0).where(m["then"] != 0)
                else:
                    m["value"] = m["value"] - m["then"]
            elif t in ("trend", "continuity"):
                periods = int(c.get("periods", 5))
                wide = data[c["input"]][level].pivot(index="unit_id", columns="date", values="value")
                frames = []
                for i, day in enumerate(wide.columns):
                    result = np.full(len(wide), np.nan)
                    if i + 1 >= periods:  # the last `periods` dates up to this one
                        window = wide.iloc[:, i + 1 - periods : i + 1]
                        tt = np.array([(d - day).days for d in window.columns], dtype=float) / 365.25
                        y = window.to_numpy()
                        tc, yc = tt - tt.mean(), y - y.mean(axis=1, keepdims=True)
                        sxx, syy, sxy = (tc * tc).sum(), (yc * yc).sum(axis=1), (yc * tc).sum(axis=1)
                        with np.errstate(divide="ignore", invalid="ignore"):
                            if t == "trend":
                                result = sxy / sxx
                            else:
                                n = float(periods)
                                flat = n * n * sxx * syy <= 1e-12 * np.maximum(n * (y * y).sum(axis=1), 1.0)
                                result = np.where(flat, np.nan, sxy / np.sqrt(sxx * syy))
                    frames.append(pd.DataFrame({"unit_id": wide.index, "date": day, "value": result}))
                m = pd.concat(frames, ignore_index=True)
            elif t == "composite":
                weights = [float(p.get("weight", 1.0)) for p in c["components"]]
                zs = []
                for p in c["components"]:
                    x = data[p["indicator"]][level]
                    g = x.groupby("date")["value"]
                    std = g.transform("std", ddof=0)
                    z = (x["value"] - g.transform("mean")) / std.where(std != 0)
                    zs.append(x[key].assign(value=-z if p["polarity"] == "higher_is_worse" else z))
                m = combine(zs)
                m["value"] = sum((m[f"v{i}"] * weights[i] for i in range(1, len(zs))), m["v0"] * weights[0]) / sum(
                    weights
                )
            elif t == "density":
                x = data[c["input"]][level]
                area = pd.DataFrame({"unit_id": polys["unit_id"], "area": polys.geometry.area})
                m = x.merge(area, on="unit_id", how="left")
                m["value"] = (m["value"] / (m["area"] / 1e6)).where(m["area"] > 0)
            elif t in ("point_count", "feature_stat"):
                points = facilities[c["georesource"]]
                for f in c.get("where", []):  # only the filters used above: numeric "ge"
                    points = points[points[f["attribute"]] >= f["value"]]
                frames = []
                for day in dates:
                    hits = gpd.sjoin(valid_on(points, day), polys[["unit_id", "geometry"]], predicate="within")
                    if t == "point_count":
                        per_unit = hits.groupby("unit_id").size().reindex(polys["unit_id"], fill_value=0)
                    else:  # the sum of places; no Kita in the unit: no value
                        per_unit = hits.groupby("unit_id")[c["attribute"]].sum().reindex(polys["unit_id"])
                    frames.append(
                        pd.DataFrame({"unit_id": polys["unit_id"], "date": day, "value": per_unit.to_numpy(float)})
                    )
                m = pd.concat(frames, ignore_index=True)
            elif t == "nearest_distance":
                origins = gpd.GeoDataFrame(
                    {"unit_id": polys["unit_id"]}, geometry=polys.representative_point(), crs=CRS
                )
                frames = []
                for day in dates:
                    near = gpd.sjoin_nearest(origins, valid_on(facilities[c["georesource"]], day), distance_col="d")
                    d = near.groupby(level=0)["d"].first().reindex(origins.index)
                    frames.append(pd.DataFrame({"unit_id": polys["unit_id"], "date": day, "value": d.to_numpy()}))
                m = pd.concat(frames, ignore_index=True)
            else:  # pragma: no cover - every template of the set is handled above
                raise ValueError(t)
            data[indicator][level] = m[["unit_id", "date", "value"]]
        label = f"compute {t}"
        phases[label] = phases.get(label, 0.0) + time.perf_counter() - t0

    t0 = time.perf_counter()
    out = [
        frame.assign(indicator_id=indicator, level_id=level)
        for indicator, levels in data.items()
        for level, frame in levels.items()
        if not (indicator in COUNT_IDS and level == "block")  # imported, not derived
    ]
    result = pd.concat(out, ignore_index=True)[["indicator_id", "level_id", "unit_id", "date", "value"]]
    phases["one long result table"] = time.perf_counter() - t0
    return result


def child_peer(data: Path, out: Path | None) -> dict[str, Any]:
    """Time the peer; with ``out``, write its results there afterwards (for the check)."""
    inputs = peer_inputs(data)
    rss_before = _peak_rss_mb()
    c0, t0 = _cpu_seconds(), time.perf_counter()
    phases: dict[str, float] = {}
    result = peer_compute(inputs["units"], inputs["values"], inputs["facilities"], phases)
    seconds, cpu = time.perf_counter() - t0, _cpu_seconds() - c0
    peak = _peak_rss_mb()
    # what persisting its results would add (reported, not part of `seconds`)
    target = out if out is not None else Path(tempfile.mkstemp(suffix=".parquet")[1])
    t0 = time.perf_counter()
    result.to_parquet(target, index=False)
    write_seconds = time.perf_counter() - t0
    if out is None:
        target.unlink()
    return {
        "ok": True,
        "seconds": seconds,
        "cpu_seconds": cpu,
        "write_parquet_seconds": write_seconds,
        "phases": phases,
        "rows": len(result),
        "rss_before_mb": rss_before,
        "peak_rss_mb": peak,
    }


def child_check(db: Path, peer_file: Path) -> dict[str, Any]:
    """Compare every derived value of ours (read back from the store) with the peer's."""
    _ensure_importable()
    import pandas as pd

    from ortswissen.storage import open_store

    store = open_store(str(db), read_only=True)
    ours = store.read_values()
    store.close()
    derived = ours["flag"].fillna("").str.startswith(("calc:", "agg:"))
    ours = ours.loc[derived, ["indicator_id", "level_id", "unit_id", "date", "value"]]
    ours["date"] = pd.to_datetime(ours["date"])
    peer = pd.read_parquet(peer_file)
    peer["date"] = pd.to_datetime(peer["date"])
    both = ours.merge(
        peer,
        on=["indicator_id", "level_id", "unit_id", "date"],
        how="outer",
        suffixes=("_ours", "_peer"),
        indicator=True,
    )
    a, b = both["value_ours"].to_numpy(float), both["value_peer"].to_numpy(float)
    paired = (both["_merge"] == "both").to_numpy()
    na_a, na_b = np.isnan(a), np.isnan(b)
    diff = np.abs(a - b)
    scale = np.maximum(np.maximum(np.abs(a), np.abs(b)), 1.0)
    with np.errstate(invalid="ignore"):
        close = (na_a & na_b) | (~na_a & ~na_b & (diff <= RTOL * scale))
    bad = paired & ~close
    numbers = paired & ~na_a & ~na_b
    rel = np.where(numbers, diff / scale, 0.0)
    per_indicator: dict[str, dict[str, int]] = {}
    for indicator, group in both.assign(bad=bad, number=numbers).groupby("indicator_id"):
        per_indicator[str(indicator)] = {
            "rows": len(group),
            "numbers": int(group["number"].sum()),
            "mismatches": int(group["bad"].sum()),
            "only_ours": int((group["_merge"] == "left_only").sum()),
            "only_peer": int((group["_merge"] == "right_only").sum()),
        }
    examples = (
        both.loc[bad | ~paired, ["indicator_id", "level_id", "unit_id", "date", "value_ours", "value_peer", "_merge"]]
        .head(10)
        .astype(str)
        .to_dict("records")
    )
    expected = set(COMPUTED_IDS) | set(COUNT_IDS)
    ok = bool(paired.all() and not bad.any() and set(per_indicator) == expected)
    return {
        "ok": True,
        "agree": ok,
        "rows_compared": int(paired.sum()),
        "numbers_compared": int(numbers.sum()),
        "missing_in_both": int((paired & na_a & na_b).sum()),
        "mismatches": int(bad.sum()),
        "only_ours": int((both["_merge"] == "left_only").sum()),
        "only_peer": int((both["_merge"] == "right_only").sum()),
        "max_relative_difference": float(rel.max()) if len(rel) else 0.0,
        "indicators": len(per_indicator),
        "per_indicator": per_indicator,
        "examples": examples,
        "tolerance": f"|ours - peer| <= {RTOL:g} * max(|ours|, |peer|, 1); missing = missing",
    }


def _run_child(args: list[str], *, show_stderr: bool = False, allow_failure: bool = False) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--child", *args],
        stdout=subprocess.PIPE,
        stderr=None if show_stderr else subprocess.PIPE,
        text=True,
        check=False,
        cwd=ROOT,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark child {args[0]} failed ({proc.returncode}):\n{(proc.stderr or '')[-4000:]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    if not result.get("ok") and not allow_failure:
        raise RuntimeError(f"benchmark child {args[0]} failed: {result.get('error')}")
    return result


def _child_main(argv: list[str]) -> int:
    what, *rest = argv
    if what == "load":
        result = child_load(Path(rest[0]), Path(rest[1]))
    elif what == "ours":
        result = child_ours(Path(rest[0]), *(int(x) for x in rest[1:3]))
    elif what == "peer":
        result = child_peer(Path(rest[0]), Path(rest[1]) if len(rest) > 1 else None)
    elif what == "check":
        result = child_check(Path(rest[0]), Path(rest[1]))
    else:
        raise SystemExit(f"unknown child {what!r}")
    print(json.dumps(result))
    return 0


# -- the parent: load once, repeat, take medians, check, report ------------------------------------------


def _copy_store(template: Path, target: Path) -> Path:
    _remove_store(target)
    for suffix in ("", ".wal"):
        src = Path(str(template) + suffix)
        if src.exists():
            shutil.copyfile(src, Path(str(target) + suffix))
    return target


def _remove_store(path: Path) -> None:
    for suffix in ("", ".wal"):
        Path(str(path) + suffix).unlink(missing_ok=True)


def _median_phases(runs: list[dict[str, Any]]) -> dict[str, float]:
    names = dict.fromkeys(k for r in runs for k in r["phases"])
    medians = {k: float(statistics.median(r["phases"].get(k, 0.0) for r in runs)) for k in names}
    return dict(sorted(medians.items(), key=lambda kv: -kv[1]))


def bench(size: Size, repeat: int, seed: int, workdir: Path, tmp: Path) -> dict[str, Any]:
    """Generate (or reuse) the city, load it once, then time ours and the peer; check they agree."""
    data, meta = ensure_data(workdir, size, seed)
    template = tmp / "loaded.duckdb"
    _log("  loading the store (not timed)")
    load = _run_child(["load", str(data), str(template)])
    _log(f"  loaded in {load['seconds']:.1f} s: {load['values_imported']:,} values, {load['features']:,} features")
    ours: list[dict[str, Any]] = []
    peer: list[dict[str, Any]] = []
    checked_db, peer_file = tmp / "checked.duckdb", tmp / "peer.parquet"
    recursion_limit = 0  # Python's default, unless the engine needs more (see child_ours)
    for i in range(repeat):
        for what in ("ours", "peer") if i % 2 == 0 else ("peer", "ours"):
            if what == "ours":
                db = _copy_store(template, checked_db if i == 0 else tmp / "run.duckdb")
                result = _run_child(["ours", str(db), "0", str(recursion_limit)], allow_failure=True)
                if result.get("recursion_error") and not recursion_limit:
                    recursion_limit = RAISED_RECURSION_LIMIT
                    _log(f"  ours: {result['error']}; retrying with sys.setrecursionlimit({recursion_limit})")
                    db = _copy_store(template, db)
                    result = _run_child(["ours", str(db), "0", str(recursion_limit)])
                elif not result.get("ok"):
                    raise RuntimeError(f"benchmark child ours failed: {result.get('error')}")
                ours.append(result)
                _log_run(i, repeat, "ortswissen compute_indicators", result)
                if i > 0:
                    _remove_store(db)
            else:
                result = _run_child(["peer", str(data), *([str(peer_file)] if i == 0 else [])])
                peer.append(result)
                _log_run(i, repeat, "pandas/GeoPandas peer", result)
    _log("  checking that ours and the peer agree")
    check = _run_child(["check", str(checked_db), str(peer_file)])
    if not check["agree"]:
        _log(f"  DISAGREEMENT: {json.dumps({k: v for k, v in check.items() if k != 'per_indicator'}, indent=2)}")
    ours_s, peer_s = _median(ours, "seconds"), _median(peer, "seconds")
    speedup = peer_s / ours_s
    return {
        "size": size.name,
        "city": {
            k: meta[k]
            for k in (
                "units",
                "dates",
                "persons_last_date",
                "persons_first_date",
                "empty_blocks_last_date",
                "imported_values",
                "facilities",
                "city_km2",
            )
        },
        "generate_seconds": meta["generate_seconds"],
        "load": load,
        "indicators": {"imported": len(COUNTS), "computed": len(COMPUTED), "ids": [*COUNT_IDS, *COMPUTED_IDS]},
        "ortswissen": {
            "what": "compute_indicators(store): aggregation of the counts up 4 levels + 35 computed indicators "
            "on 5 levels and 10 dates, written to the store in one transaction",
            "seconds": ours_s,
            "cpu_seconds": _median(ours, "cpu_seconds"),
            "rows_written": ours[0]["written"],
            "rows_per_s": ours[0]["written"] / ours_s,
            "computed": ours[0]["computed"],
            "aggregated": ours[0]["aggregated"],
            "peak_rss_mb": _median(ours, "peak_rss_mb"),
            "rss_before_mb": _median(ours, "rss_before_mb"),
            "per_indicator": ours[0]["per_indicator"],
            "phases_seconds": _median_phases(ours),
            "runs_seconds": [r["seconds"] for r in ours],
            "runs_cpu_seconds": [r["cpu_seconds"] for r in ours],
            "runs_peak_rss_mb": [r["peak_rss_mb"] for r in ours],
        },
        "peer": {
            "what": "per-indicator pandas merge/groupby per level; geopandas.sjoin / sjoin_nearest per level and "
            "date; results kept in memory",
            "seconds": peer_s,
            "cpu_seconds": _median(peer, "cpu_seconds"),
            "rows": peer[0]["rows"],
            "write_parquet_seconds": _median(peer, "write_parquet_seconds"),
            "phases_seconds": _median_phases(peer),
            "peak_rss_mb": _median(peer, "peak_rss_mb"),
            "rss_before_mb": _median(peer, "rss_before_mb"),
            "runs_seconds": [r["seconds"] for r in peer],
            "runs_cpu_seconds": [r["cpu_seconds"] for r in peer],
            "runs_peak_rss_mb": [r["peak_rss_mb"] for r in peer],
        },
        "check": check,
        "ours_needed_recursion_limit": recursion_limit or None,
        "speedup": speedup,
        "cpu_speedup": _median(peer, "cpu_seconds") / _median(ours, "cpu_seconds"),
        "speedup_vs_peer_with_parquet_write": (peer_s + _median(peer, "write_parquet_seconds")) / ours_s,
        "seconds_met": ours_s < MAX_SECONDS,
        "speedup_met": speedup >= MIN_SPEEDUP,
        "target_met": ours_s < MAX_SECONDS and speedup >= MIN_SPEEDUP,
    }


def profile_compute(size: Size, seed: int, workdir: Path, top: int) -> int:
    """Run ``compute_indicators`` once under cProfile; statistics to stderr, the run's figures to stdout."""
    data, _ = ensure_data(workdir, size, seed)
    tmp = Path(tempfile.mkdtemp(prefix="profile-", dir=workdir))
    try:
        _run_child(["load", str(data), str(tmp / "loaded.duckdb")])
        # the raised limit (see child_ours) so that the profile shows a completed run
        result = _run_child(
            ["ours", str(tmp / "loaded.duckdb"), str(top), str(RAISED_RECURSION_LIMIT)], show_stderr=True
        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(
        f"profiled compute_indicators ({size.name}): {result['seconds']:.2f} s with the profiler's overhead, "
        f"{result['written']:,} rows, peak RSS {result['peak_rss_mb']:.0f} MB"
    )
    return 0


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    return _machine(["duckdb", "ibis", "pandas", "geopandas", "shapely", "numpy"])


def render(result: dict[str, Any]) -> str:
    """The human-readable report."""
    m, load, r = result["machine"], result["load_average"], result["result"]
    city, o, p, c = r["city"], r["ortswissen"], r["peer"], r["check"]
    units = ", ".join(f"{n:,} {lv}" for lv, n in city["units"].items())
    lines = [
        f"ortswissen indicator benchmark — {result['date']}",
        f"machine: {m['cpu_count']} CPUs ({m['cpus_usable']} usable), {m['memory_gb']} GB RAM, {m['platform']}",
        f"versions: Python {m['python']}, DuckDB {m['duckdb']}, Ibis {m['ibis']}, pandas {m['pandas']}, "
        f"GeoPandas {m['geopandas']}, ortswissen {m['ortswissen']} (sources {m['ortswissen_source_digest']})",
        f"load average (1/5/15 min): {load['start']} at start, {load['end']} at end",
        f"city ({r['size']}): {city['persons_last_date']:,} persons on {city['units']['block']:,} blocks; "
        f"levels: {units}; {len(city['dates'])} dates; {city['imported_values']:,} imported values; "
        f"facilities: {', '.join(f'{n:,} {k}' for k, n in city['facilities'].items())}",
        f"standard set: {r['indicators']['imported']} counts aggregated up the levels + "
        f"{r['indicators']['computed']} computed indicators on all levels and dates",
        f"medians of {result['settings']['repeat']} run(s), each in a fresh subprocess (ours on a fresh copy of the "
        f"loaded store); targets: ours < {MAX_SECONDS:g} s and ≥ {MIN_SPEEDUP:g}× the peer",
        "",
    ]
    header = (
        f"{'':<12} │ {'seconds':>8} {'CPU s':>7} {'rows':>10} {'rows/s':>10} {'RSS MB':>7} {'(base)':>6} │ runs (s)"
    )
    lines += [header, "─" * (len(header) + 12)]
    for name, x, rows in (("ortswissen", o, o["rows_written"]), ("peer", p, p["rows"])):
        runs = ", ".join(f"{s:.2f}" for s in x["runs_seconds"])
        lines.append(
            f"{name:<12} │ {x['seconds']:>8.2f} {x['cpu_seconds']:>7.2f} {rows:>10,} {rows / x['seconds']:>10,.0f} "
            f"{x['peak_rss_mb']:>7.0f} {x['rss_before_mb']:>6.0f} │ {runs}"
        )
    verdict = lambda ok: "met" if ok else "NOT met"  # noqa: E731
    lines += [
        "",
        f"speedup (peer s / ours s): {r['speedup']:.2f}× wall, {r['cpu_speedup']:.2f}× CPU; "
        f"{r['speedup_vs_peer_with_parquet_write']:.2f}× if the peer also wrote its results to Parquet "
        f"(+{p['write_parquet_seconds']:.2f} s)",
        f"targets: ours < {MAX_SECONDS:g} s: {verdict(r['seconds_met'])} ({o['seconds']:.2f} s); "
        f"≥ {MIN_SPEEDUP:g}× the peer: {verdict(r['speedup_met'])} ({r['speedup']:.2f}×)",
        f"check: {'AGREE' if c['agree'] else 'DISAGREE'} — {c['rows_compared']:,} derived values of "
        f"{c['indicators']} indicators compared ({c['numbers_compared']:,} numbers, {c['missing_in_both']:,} missing "
        f"in both), {c['mismatches']:,} mismatches, {c['only_ours']:,} only in ours, {c['only_peer']:,} only in the "
        f"peer, max relative difference {c['max_relative_difference']:.2e}",
        "",
        "ours  = compute_indicators(store) on a DuckDB store: reads the values, derives everything, writes it in",
        "        one transaction (status, flags, provenance). (base) = RSS of the process before the call.",
        "peer  = the per-indicator pandas/GeoPandas program (merge/groupby per level, sjoin/sjoin_nearest per",
        "        level and date) on inputs already in memory; results kept in memory, not written.",
    ]
    for name, x in (("ours", o), ("peer", p)):
        lines += ["", f"where the time goes, {name} (medians, s):"]
        lines += [f"  {v:7.2f}  {k}" for k, v in x["phases_seconds"].items()]
    if not c["agree"]:
        lines += ["", "first disagreements:", *(json.dumps(e) for e in c["examples"])]
    return "\n".join(lines)


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, help="runs per side; figures are medians (default 3, --quick: 1)")
    parser.add_argument("--quick", action="store_true", help="smoke run: a small city (~80 blocks), 1 run")
    parser.add_argument("--json", action="store_true", help="print one JSON document with all figures")
    parser.add_argument("--seed", type=int, default=20261123, help="seed of the synthetic city")
    parser.add_argument(
        "--profile",
        type=int,
        metavar="N",
        default=0,
        help="instead of the benchmark, run compute_indicators once under cProfile and print the top N functions",
    )
    parser.add_argument(
        "--workdir", type=Path, default=ROOT / ".bench", help="where files are generated and kept (default .bench/)"
    )
    args = parser.parse_args(argv)
    if args.repeat is None:
        args.repeat = 1 if args.quick else 3
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        return _child_main(argv[1:])
    args = parse_args(argv)
    size = QUICK if args.quick else FULL
    workdir = args.workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    if args.profile:
        return profile_compute(size, args.seed, workdir, args.profile)
    started = dt.datetime.now().astimezone()
    result: dict[str, Any] = {
        "benchmark": "indicators",
        "date": started.isoformat(timespec="seconds"),
        "machine": machine(),
        "settings": {"size": asdict(size), "repeat": args.repeat, "seed": args.seed, "workdir": str(workdir)},
        "targets": {"max_seconds": MAX_SECONDS, "min_speedup": MIN_SPEEDUP, "rtol": RTOL},
        "load_average": {"start": _load(), "end": None},
        "result": None,
    }
    tmp = Path(tempfile.mkdtemp(prefix="indicators-", dir=workdir))
    try:
        _log(f"{size.name} city")
        result["result"] = bench(size, args.repeat, args.seed, workdir, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    result["load_average"]["end"] = _load()
    result["total_seconds"] = round((dt.datetime.now().astimezone() - started).total_seconds(), 1)
    if args.json:
        print(json.dumps(result, indent=2, default=str))
    else:
        print(render(result))
    return 0 if result["result"]["check"]["agree"] else 1


if __name__ == "__main__":
    sys.exit(main())
