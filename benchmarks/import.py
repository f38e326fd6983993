"""Import benchmark: validated value import against DuckDB's raw ``read_csv``, and the Berlin bundle.

What is measured
----------------
* A synthetic *register-shaped* long CSV in German format (``unit_id;date;indicator;value``,
  16-digit block ids with leading zeros in quotes, ``DD.MM.YYYY`` dates, 40 age-group × sex
  counts, thousands points and GENESIS signs) is imported with
  ``import_values(store, csv, load_profile("long").with_overrides(level="block"))`` into a
  fresh DuckDB store that already holds the block units and the indicator definitions.
  Only the ``import_values`` call is timed (unit and indicator setup is not).
* The peer, in the same run: DuckDB's raw, auto-detected
  ``CREATE TABLE raw AS SELECT * FROM read_csv(file, delim=';', header=true)`` of the same
  file into a fresh DuckDB file. Whether its auto-detection kept the ids' leading zeros is
  checked and reported.
* ``load_berlin`` of the shipped Berlin bundle into a fresh store (units, indicator
  definitions, values, georesources, crosswalks and re-expression: the whole demo build).

Every measured operation runs in a fresh subprocess, which reports its own wall time and
peak RSS (``VmHWM`` on Linux), so neither the generation of the file nor earlier runs pollute
the memory figure. Figures are medians over ``--repeat`` runs.

Run from the repository root::

    .venv/bin/python benchmarks/import.py                 # 600,000 and 4,000,000 rows, 3 runs, Berlin
    .venv/bin/python benchmarks/import.py --quick         # smoke run: 50,000 rows, 1 run, no Berlin
    .venv/bin/python benchmarks/import.py --sizes 600000 --repeat 5 --no-berlin --json
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from _harness import cpu_seconds as _cpu_seconds
from _harness import ensure_importable as _ensure_importable
from _harness import load_average as _load
from _harness import log as _log
from _harness import log_run as _log_run
from _harness import machine as _machine
from _harness import median as _median

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = Path(__file__).resolve()

#: Bump when the generated file changes, so cached files are regenerated.
GENERATOR_VERSION = 1
DEFAULT_SIZES = (600_000, 4_000_000)
QUICK_SIZE = 50_000
BLOCKS = 15_000  # about as many inhabited blocks as Berlin has
LAST_YEAR = 2024
MIN_DATES = 3
CHUNK = 1_000_000  # rows generated and written per step
CRS = "EPSG:25833"
UNIT_VALID_FROM = dt.date(2000, 1, 1)
MAX_RATIO = 2.0  # validated import ≤ 2 × raw read_csv
MAX_PEAK_RSS_MB = 1500.0  # peak RSS < 1.5 GB (MB = 10**6 bytes)

# 20 age groups × 2 sexes = 40 indicators (age_00_05_f, age_00_05_m, …, age_95_plus_m)
AGE_GROUPS = [f"age_{a:02d}_{a + 5:02d}" for a in range(0, 95, 5)] + ["age_95_plus"]
SEXES = ("f", "m")
INDICATORS = [f"{g}_{s}" for g in AGE_GROUPS for s in SEXES]


def _peak_rss_mb() -> float:
    """Peak RSS of this process in MB (10**6 bytes).

    On Linux this is ``VmHWM`` of the process's own address space: ``ru_maxrss`` would also
    count the high-water mark of the parent that forked it (the kernel carries it over
    ``exec``), so a child started by a parent holding 500 MB would report at least 500 MB.
    """
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text(encoding="ascii", errors="replace").splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024 / 1e6
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux, bytes on macOS
    return peak / 1e6 if sys.platform == "darwin" else peak * 1024 / 1e6


# -- the synthetic register-shaped file ----------------------------------------------------------------


def block_ids(seed: int) -> list[str]:
    """The 16-digit block keys: ``00`` + district (01–12) + 8-digit block number + ``0000``."""
    rng = np.random.default_rng([seed, 1])
    district = 1 + (np.arange(BLOCKS) * 12) // BLOCKS
    number = np.cumsum(rng.integers(1, 40, size=BLOCKS)) * 10  # sparse block numbers, as in real registers
    return [f"00{d:02d}{n:08d}0000" for d, n in zip(district.tolist(), number.tolist(), strict=True)]


def dates_for(rows: int) -> list[str]:
    """Reference dates (31 December), enough for ``rows`` distinct keys; at least three."""
    n = max(MIN_DATES, math.ceil(rows / (BLOCKS * len(INDICATORS))))
    return [f"31.12.{y}" for y in range(LAST_YEAR - n + 1, LAST_YEAR + 1)]


def _age_profiles() -> np.ndarray:
    """Share of each indicator in a block's population for four kinds of blocks (rows sum to 1)."""
    mid = np.arange(len(AGE_GROUPS)) * 5 + 2.5
    base = np.exp(-(((mid - 40) / 32) ** 2)) + 0.02  # a broad population pyramid
    base[-3:] *= [0.6, 0.3, 0.1]
    families = base * (1 + 0.8 * np.exp(-(((mid - 8) / 8) ** 2)) + 0.5 * np.exp(-(((mid - 38) / 8) ** 2)))
    elderly = base * (1 + 1.2 * np.exp(-(((mid - 78) / 10) ** 2)))
    students = base * (1 + 2.0 * np.exp(-(((mid - 24) / 5) ** 2)))
    out = []
    for profile in (base, families, elderly, students):
        female = 0.5 + 0.1 * np.clip((mid - 60) / 40, 0, 1)  # more women among the old
        cells = np.column_stack([profile * female, profile * (1 - female)]).ravel()
        out.append(cells / cells.sum())
    return np.array(out)


def _format_counts(values: np.ndarray, suppressed: np.ndarray) -> pa.Array:
    """German count cells: ``1.234`` with a thousands point, ``-`` for zero, ``.`` where suppressed."""
    v = pa.array(values)
    plain = pc.cast(v, pa.string())
    grouped = pc.binary_join_element_wise(
        pc.cast(pa.array(values // 1000), pa.string()),
        pc.utf8_lpad(pc.cast(pa.array(values % 1000), pa.string()), 3, "0"),
        ".",
    )
    text = pc.if_else(pa.array(values >= 1000), grouped, plain)
    text = pc.if_else(pa.array(values == 0), pa.scalar("-"), text)
    return pc.if_else(pa.array(suppressed), pa.scalar("."), text)


def _write_lines(handle: Any, lines: pa.Array) -> None:
    """Write the concatenated cells of a string array (each ending in a newline) without a Python loop."""
    if isinstance(lines, pa.ChunkedArray):
        lines = lines.combine_chunks()
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32, count=len(lines) + 1, offset=lines.offset * 4)
    data = lines.buffers()[2]
    handle.write(data.slice(int(offsets[0]), int(offsets[-1] - offsets[0])))


def generate_csv(path: Path, rows: int, seed: int) -> dict[str, Any]:
    """Write ``rows`` records of block × date × indicator counts; every key occurs once."""
    rng = np.random.default_rng(seed)
    ids = block_ids(seed)
    dates = dates_for(rows)
    n_ind = len(INDICATORS)
    # blocks: size (lognormal, a few large estates), kind of age profile, growth over the dates
    size = np.clip(rng.lognormal(6.3, 1.25, size=BLOCKS), 3, 400_000)
    kind = rng.choice(4, size=BLOCKS, p=[0.55, 0.2, 0.15, 0.1])
    growth = np.cumprod(rng.normal(1.005, 0.03, size=(len(dates), BLOCKS)), axis=0)
    population = size[None, :] * growth  # (date, block)
    profiles = _age_profiles()
    # (date, block) groups present in the file: a seeded choice when the grid holds more than needed
    n_groups = math.ceil(rows / n_ind)
    grid = len(dates) * BLOCKS
    groups = np.sort(rng.choice(grid, size=n_groups, replace=False)) if n_groups < grid else np.arange(grid)
    quoted_ids = pa.array([f'"{i}"' for i in ids])
    date_cells = pa.array(dates)
    indicator_cells = pa.array(INDICATORS)
    tmp = path.with_suffix(".tmp")
    counts = {"thousands": 0, "dash": 0, "dot": 0}
    with tmp.open("wb") as handle:
        handle.write(b"unit_id;date;indicator;value\n")
        for start in range(0, rows, CHUNK):
            r = np.arange(start, min(rows, start + CHUNK), dtype=np.int64)
            group = groups[r // n_ind]
            ind = r % n_ind
            d, b = group // BLOCKS, group % BLOCKS
            expected = population[d, b] * profiles[kind[b], ind]
            values = np.minimum(rng.poisson(expected), 999_999)
            suppressed = (values > 0) & (values < 3) & (rng.random(len(r)) < 0.05)
            counts["thousands"] += int((values >= 1000).sum())
            counts["dash"] += int((values == 0).sum())
            counts["dot"] += int(suppressed.sum())
            value_cells = pc.binary_join_element_wise(_format_counts(values, suppressed), pa.scalar(""), "\n")
            lines = pc.binary_join_element_wise(
                quoted_ids.take(pa.array(b)),
                date_cells.take(pa.array(d)),
                indicator_cells.take(pa.array(ind)),
                value_cells,
                ";",
            )
            _write_lines(handle, lines)
    tmp.replace(path)
    return {"dates": dates, "blocks": BLOCKS, "indicators": n_ind, "cells": counts}


def ensure_csv(workdir: Path, rows: int, seed: int) -> tuple[Path, dict[str, Any]]:
    """The CSV for ``rows`` and ``seed`` in ``workdir``, generated unless a matching one is there."""
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / f"register_{rows}_seed{seed}.csv"
    sidecar = path.with_suffix(".json")
    wanted = {"rows": rows, "seed": seed, "generator": GENERATOR_VERSION}
    if path.exists() and sidecar.exists():
        meta = json.loads(sidecar.read_text(encoding="utf-8"))
        if {k: meta.get(k) for k in wanted} == wanted and meta.get("bytes") == path.stat().st_size:
            _log(f"  reusing {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
            return path, {**meta, "generate_seconds": None, "reused": True}
    _log(f"  generating {rows:,} rows → {path}")
    t0 = time.perf_counter()
    info = generate_csv(path, rows, seed)
    seconds = time.perf_counter() - t0
    meta = {**wanted, **info, "bytes": path.stat().st_size, "generate_seconds": round(seconds, 3)}
    sidecar.write_text(json.dumps(meta, indent=2), encoding="utf-8")
    return path, {**meta, "reused": False}


# -- the measured operations (each in its own subprocess) ------------------------------------------------


def child_ours(csv: Path, db: Path, seed: int, profile: int = 0) -> dict[str, Any]:
    """Set up a fresh store with the blocks and indicators, then time ``import_values``.

    With ``profile`` > 0 the import runs under cProfile and the top ``profile`` functions are
    written to stderr (the timing then includes the profiler's overhead).
    """
    _ensure_importable()
    import geopandas as gpd
    import shapely

    from ortswissen.errors import ImportRejected
    from ortswissen.indicators import IndicatorMeta
    from ortswissen.io import load_profile
    from ortswissen.services.values import import_values
    from ortswissen.storage import open_store
    from ortswissen.units import Level

    t0 = time.perf_counter()
    store = open_store(str(db), create=True, crs=CRS)
    store.put_level(Level("block", "Block", "Statistical block", key_width=16))
    ids = block_ids(seed)
    x = 370_000.0 + (np.arange(len(ids)) % 150) * 200.0
    y = 5_800_000.0 + (np.arange(len(ids)) // 150) * 200.0
    units = gpd.GeoDataFrame(
        {
            "level_id": "block",
            "unit_id": ids,
            "valid_from": UNIT_VALID_FROM,
            "valid_to": None,
            "vintage_id": None,
            "name": ids,
            "official_key": None,
            "parent_id": None,
            "attributes": [{} for _ in ids],
        },
        geometry=shapely.box(x, y, x + 150.0, y + 150.0),
        crs=CRS,
    )
    with store.transaction():
        store.add_unit_versions(units)
        for name in INDICATORS:
            group, sex = name.rsplit("_", 1)
            ages = group.removeprefix("age_").replace("_plus", "+").replace("_", "–")
            store.put_indicator(
                IndicatorMeta(
                    id=name,
                    title_de=f"Einwohner {ages} Jahre, {'weiblich' if sex == 'f' else 'männlich'}",
                    title_en=f"Residents aged {ages}, {'female' if sex == 'f' else 'male'}",
                    kind="count",
                    topic="bevoelkerung",
                )
            )
    spec = load_profile("long").with_overrides(level="block")
    setup_seconds = time.perf_counter() - t0
    rss_before = _peak_rss_mb()

    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    c0, t0 = _cpu_seconds(), time.perf_counter()
    try:
        report = import_values(store, csv, spec)
    except ImportRejected as exc:
        store.close()
        return {"ok": False, "error": exc.report.summary(), "peak_rss_mb": _peak_rss_mb()}
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
        "rows_read": int(report.counts["rows_read"]),
        "written": int(report.counts["written"]),
        "warnings": report.warning_count,
        "setup_seconds": setup_seconds,
        "rss_before_import_mb": rss_before,
        "peak_rss_mb": peak,
    }


def child_peer(csv: Path, db: Path) -> dict[str, Any]:
    """Time DuckDB's auto-detected ``read_csv`` of the file into a table of a fresh DuckDB file."""
    import duckdb

    con = duckdb.connect(str(db))
    literal = "'" + str(csv).replace("'", "''") + "'"
    rss_before = _peak_rss_mb()
    c0, t0 = _cpu_seconds(), time.perf_counter()
    con.execute(f"CREATE TABLE raw AS SELECT * FROM read_csv({literal}, delim=';', header=true)")
    seconds, cpu = time.perf_counter() - t0, _cpu_seconds() - c0
    peak = _peak_rss_mb()
    types = {name: str(kind) for name, kind, *_ in con.execute("DESCRIBE raw").fetchall()}
    row = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE length(CAST(unit_id AS VARCHAR)) < 16) FROM raw"
    ).fetchone()
    con.close()
    assert row is not None
    return {
        "ok": True,
        "seconds": seconds,
        "cpu_seconds": cpu,
        "rows": int(row[0]),
        "column_types": types,
        "rows_with_short_ids": int(row[1]),
        "lost_leading_zeros": int(row[1]) > 0,
        "rss_before_read_mb": rss_before,
        "peak_rss_mb": peak,
    }


def child_berlin(db: Path) -> dict[str, Any]:
    """Time ``load_berlin`` into a fresh store."""
    _ensure_importable()
    from ortswissen.demo import load_berlin
    from ortswissen.storage import open_store

    store = open_store(str(db), create=True, crs=CRS)
    rss_before = _peak_rss_mb()
    c0, t0 = _cpu_seconds(), time.perf_counter()
    summary = load_berlin(store)
    seconds, cpu = time.perf_counter() - t0, _cpu_seconds() - c0
    peak = _peak_rss_mb()
    counts = store.info()["counts"]
    store.close()
    imported = sum(int(line.split(": ")[1].split()[0]) for line in summary.imports if line.endswith(" values"))
    return {
        "ok": True,
        "seconds": seconds,
        "cpu_seconds": cpu,
        "bundle": summary.bundle,
        "values_imported": imported,
        "values_reexpressed": summary.reexpressed,
        "values_in_store": int(counts["indicator_values"]),
        "unit_versions": int(counts["unit_versions"]),
        "features": int(counts["features"]),
        "rss_before_load_mb": rss_before,
        "peak_rss_mb": peak,
    }


def _run_child(args: list[str], *, show_stderr: bool = False) -> dict[str, Any]:
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
    if not result.get("ok"):
        raise RuntimeError(f"benchmark child {args[0]} failed: {result.get('error')}")
    return result


def _child_main(argv: list[str]) -> int:
    what, *rest = argv
    if what == "ours":
        result = child_ours(Path(rest[0]), Path(rest[1]), int(rest[2]), int(rest[3]) if len(rest) > 3 else 0)
    elif what == "peer":
        result = child_peer(Path(rest[0]), Path(rest[1]))
    elif what == "berlin":
        result = child_berlin(Path(rest[0]))
    else:
        raise SystemExit(f"unknown child {what!r}")
    print(json.dumps(result))
    return 0


# -- the parent: repeat, take medians, report ---------------------------------------------------------------


def _fresh(tmp: Path, name: str) -> Path:
    path = tmp / name
    for p in (path, path.with_name(path.name + ".wal")):
        p.unlink(missing_ok=True)
    return path


def bench_size(rows: int, repeat: int, seed: int, workdir: Path, tmp: Path) -> dict[str, Any]:
    """Generate (or reuse) the file, then time ours and the peer ``repeat`` times each, alternating."""
    csv, file_meta = ensure_csv(workdir, rows, seed)
    ours: list[dict[str, Any]] = []
    peer: list[dict[str, Any]] = []
    for i in range(repeat):
        order = ("ours", "peer") if i % 2 == 0 else ("peer", "ours")
        for what in order:
            if what == "ours":
                db = _fresh(tmp, "ours.duckdb")
                result = _run_child(["ours", str(csv), str(db), str(seed)])
                if result["written"] != rows:
                    raise RuntimeError(f"ortswissen wrote {result['written']:,} values, expected {rows:,}")
                ours.append(result)
                _log_run(i, repeat, "ortswissen", result)
            else:
                db = _fresh(tmp, "peer.duckdb")
                result = _run_child(["peer", str(csv), str(db)])
                peer.append(result)
                _log_run(i, repeat, "DuckDB read_csv", result)
            _fresh(tmp, db.name)
    ours_s = _median(ours, "seconds")
    peer_s = _median(peer, "seconds")
    ours_rss = _median(ours, "peak_rss_mb")
    ratio = ours_s / peer_s
    return {
        "rows": rows,
        "file": {
            "path": str(csv),
            "bytes": file_meta["bytes"],
            "dates": file_meta["dates"],
            "blocks": file_meta["blocks"],
            "indicators": file_meta["indicators"],
            "cells": file_meta["cells"],
            "generate_seconds": file_meta["generate_seconds"],
            "reused": file_meta["reused"],
        },
        "ortswissen": {
            "seconds": ours_s,
            "rows_per_s": rows / ours_s,
            "peak_rss_mb": ours_rss,
            "rss_before_import_mb": _median(ours, "rss_before_import_mb"),
            "cpu_seconds": _median(ours, "cpu_seconds"),
            "setup_seconds": _median(ours, "setup_seconds"),
            "warnings": ours[0]["warnings"],
            "runs_seconds": [r["seconds"] for r in ours],
            "runs_cpu_seconds": [r["cpu_seconds"] for r in ours],
            "runs_peak_rss_mb": [r["peak_rss_mb"] for r in ours],
        },
        "peer": {
            "what": "CREATE TABLE raw AS SELECT * FROM read_csv(file, delim=';', header=true)",
            "seconds": peer_s,
            "rows_per_s": rows / peer_s,
            "cpu_seconds": _median(peer, "cpu_seconds"),
            "peak_rss_mb": _median(peer, "peak_rss_mb"),
            "rows": peer[0]["rows"],
            "column_types": peer[0]["column_types"],
            "rows_with_short_ids": peer[0]["rows_with_short_ids"],
            "runs_seconds": [r["seconds"] for r in peer],
            "runs_cpu_seconds": [r["cpu_seconds"] for r in peer],
            "runs_peak_rss_mb": [r["peak_rss_mb"] for r in peer],
        },
        "peer_lost_leading_zeros": any(r["lost_leading_zeros"] for r in peer),
        "ratio": ratio,
        "cpu_ratio": _median(ours, "cpu_seconds") / _median(peer, "cpu_seconds"),
        "ratio_met": ratio <= MAX_RATIO,
        "rss_met": ours_rss < MAX_PEAK_RSS_MB,
        "target_met": ratio <= MAX_RATIO and ours_rss < MAX_PEAK_RSS_MB,
    }


def bench_berlin(repeat: int, tmp: Path) -> dict[str, Any]:
    """Time ``load_berlin`` ``repeat`` times."""
    runs = []
    for i in range(repeat):
        db = _fresh(tmp, "berlin.duckdb")
        result = _run_child(["berlin", str(db)])
        _fresh(tmp, db.name)
        runs.append(result)
        _log_run(i, repeat, "load_berlin", result)
    seconds = _median(runs, "seconds")
    first = runs[0]
    return {
        "bundle": first["bundle"],
        "seconds": seconds,
        "cpu_seconds": _median(runs, "cpu_seconds"),
        "values_imported": first["values_imported"],
        "values_reexpressed": first["values_reexpressed"],
        "values_in_store": first["values_in_store"],
        "unit_versions": first["unit_versions"],
        "features": first["features"],
        "rows_per_s": first["values_in_store"] / seconds,
        "peak_rss_mb": _median(runs, "peak_rss_mb"),
        "rss_met": _median(runs, "peak_rss_mb") < MAX_PEAK_RSS_MB,
        "runs_seconds": [r["seconds"] for r in runs],
        "runs_cpu_seconds": [r["cpu_seconds"] for r in runs],
        "runs_peak_rss_mb": [r["peak_rss_mb"] for r in runs],
    }


def profile_import(rows: int, seed: int, workdir: Path, top: int) -> int:
    """Import ``rows`` once under cProfile; the statistics go to stderr, the run's figures to stdout."""
    csv, _ = ensure_csv(workdir, rows, seed)
    tmp = Path(tempfile.mkdtemp(prefix="profile-", dir=workdir))
    try:
        result = _run_child(["ours", str(csv), str(tmp / "ours.duckdb"), str(seed), str(top)], show_stderr=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(
        f"profiled import of {rows:,} rows: {result['seconds']:.2f} s with the profiler's overhead, "
        f"peak RSS {result['peak_rss_mb']:.0f} MB"
    )
    return 0


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    return _machine(["duckdb", "pyarrow", "numpy"])


def _short(rows: int) -> str:
    if rows % 1_000_000 == 0:
        return f"{rows // 1_000_000}M"
    if rows % 1_000 == 0:
        return f"{rows // 1_000}k"
    return str(rows)


def render(result: dict[str, Any]) -> str:
    """The human-readable report."""
    m, load = result["machine"], result["load_average"]
    lines = [
        f"ortswissen import benchmark — {result['date']}",
        f"machine: {m['cpu_count']} CPUs ({m['cpus_usable']} usable), {m['memory_gb']} GB RAM, {m['platform']}",
        f"versions: Python {m['python']}, DuckDB {m['duckdb']}, pyarrow {m['pyarrow']}, "
        f"ortswissen {m['ortswissen']} (sources {m['ortswissen_source_digest']})",
        f"load average (1/5/15 min): {load['start']} at start, {load['end']} at end",
        f"medians of {result['settings']['repeat']} run(s); each run in a fresh subprocess and a fresh DuckDB file; "
        f"targets: ratio ≤ {MAX_RATIO:g}, peak RSS < {MAX_PEAK_RSS_MB:,.0f} MB (MB = 10^6 bytes)",
        "",
    ]
    header = (
        f"{'size':>5} {'rows':>10} {'file MB':>8} │ {'ours s':>7} {'CPU s':>7} {'rows/s':>9} {'RSS MB':>7} "
        f"{'(base)':>6} │ {'peer s':>7} {'CPU s':>7} {'rows/s':>9} {'RSS MB':>7} │ {'ratio':>6} {'(CPU)':>6}  target"
    )
    lines += [header, "─" * len(header)]
    for s in result["sizes"]:
        o, p = s["ortswissen"], s["peer"]
        verdict = (
            "yes"
            if s["target_met"]
            else "no (" + ", ".join(w for w, ok in (("time", s["ratio_met"]), ("RSS", s["rss_met"])) if not ok) + ")"
        )
        lines.append(
            f"{_short(s['rows']):>5} {s['rows']:>10,} {s['file']['bytes'] / 1e6:>8.1f} │ "
            f"{o['seconds']:>7.2f} {o['cpu_seconds']:>7.2f} {o['rows_per_s']:>9,.0f} {o['peak_rss_mb']:>7.0f} "
            f"{o['rss_before_import_mb']:>6.0f} │ "
            f"{p['seconds']:>7.2f} {p['cpu_seconds']:>7.2f} {p['rows_per_s']:>9,.0f} {p['peak_rss_mb']:>7.0f} │ "
            f"{s['ratio']:>5.2f}× {s['cpu_ratio']:>5.2f}×  {verdict}"
        )
    lines += [
        "",
        "ours  = import_values(store, csv, load_profile('long').with_overrides(level='block')): full validation in",
        "        one transaction; unit/indicator setup not timed. (base) = RSS of the process before the import.",
        "peer  = DuckDB CREATE TABLE raw AS SELECT * FROM read_csv(file, delim=';', header=true), auto-detected",
        "        types, into a fresh DuckDB file. ratio = ours s / peer s (wall time; the target is judged on it).",
        "CPU s = user + system CPU time of the measuring process (all threads), less sensitive to other load;",
        "        (CPU) = ours CPU s / peer CPU s. rows/s = rows / wall seconds.",
    ]
    for s in result["sizes"]:
        p = s["peer"]
        types = ", ".join(f"{k} {v}" for k, v in p["column_types"].items())
        zeros = (
            f"LOST leading zeros in {p['rows_with_short_ids']:,} of {p['rows']:,} ids"
            if s["peer_lost_leading_zeros"]
            else "kept the ids' leading zeros"
        )
        lines.append(f"peer {_short(s['rows'])}: detected {types}; {zeros} (ours keeps them)")
    b = result.get("berlin")
    if b:
        lines += [
            "",
            f"Berlin bundle {b['bundle']}: load_berlin {b['seconds']:.2f} s, {b['values_in_store']:,} values "
            f"({b['values_imported']:,} imported + {b['values_reexpressed']:,} re-expressed), "
            f"{b['unit_versions']:,} unit versions, {b['features']:,} features; "
            f"CPU {b['cpu_seconds']:.2f} s, {b['rows_per_s']:,.0f} values/s, peak RSS {b['peak_rss_mb']:.0f} MB "
            f"({'<' if b['rss_met'] else '≥'} {MAX_PEAK_RSS_MB:,.0f} MB)",
        ]
    return "\n".join(lines)


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", help="comma-separated row counts (default 600000,4000000; --quick: 50000)")
    parser.add_argument("--repeat", type=int, help="runs per measurement; figures are medians (default 3)")
    parser.add_argument("--quick", action="store_true", help="smoke run: 50,000 rows, 1 run, no Berlin")
    parser.add_argument("--no-berlin", action="store_true", help="skip the Berlin bundle")
    parser.add_argument("--json", action="store_true", help="print one JSON document with all figures")
    parser.add_argument("--seed", type=int, default=20261122, help="seed of the synthetic file")
    parser.add_argument(
        "--profile",
        type=int,
        metavar="N",
        default=0,
        help="instead of the benchmark, import the first size once under cProfile and print the top N functions",
    )
    parser.add_argument(
        "--workdir", type=Path, default=ROOT / ".bench", help="where files are generated and kept (default .bench/)"
    )
    args = parser.parse_args(argv)
    if args.sizes:
        try:
            args.sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
        except ValueError:
            parser.error("--sizes takes comma-separated whole numbers")
        if not args.sizes or min(args.sizes) < len(INDICATORS):
            parser.error(f"each size must be at least {len(INDICATORS)} rows")
    else:
        args.sizes = [QUICK_SIZE] if args.quick else list(DEFAULT_SIZES)
    if args.repeat is None:
        args.repeat = 1 if args.quick else 3
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    args.berlin = not (args.no_berlin or args.quick)
    return args


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        return _child_main(argv[1:])
    args = parse_args(argv)
    workdir = args.workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    started = dt.datetime.now().astimezone()
    result: dict[str, Any] = {
        "benchmark": "import",
        "date": started.isoformat(timespec="seconds"),
        "machine": machine(),
        "settings": {
            "sizes": args.sizes,
            "repeat": args.repeat,
            "seed": args.seed,
            "berlin": args.berlin,
            "workdir": str(workdir),
        },
        "targets": {"max_ratio": MAX_RATIO, "max_peak_rss_mb": MAX_PEAK_RSS_MB},
        "load_average": {"start": _load(), "end": None},
        "sizes": [],
        "berlin": None,
    }
    if args.profile:
        return profile_import(args.sizes[0], args.seed, workdir, args.profile)
    tmp = Path(tempfile.mkdtemp(prefix="run-", dir=workdir))
    try:
        for rows in args.sizes:
            _log(f"{rows:,} rows")
            result["sizes"].append(bench_size(rows, args.repeat, args.seed, workdir, tmp))
        if args.berlin:
            _log("Berlin bundle")
            result["berlin"] = bench_berlin(args.repeat, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    result["load_average"]["end"] = _load()
    result["total_seconds"] = round((dt.datetime.now().astimezone() - started).total_seconds(), 1)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(render(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
