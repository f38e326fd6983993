"""Delineation benchmark: our solver against scikit-learn, pygeoda and spopt on synthetic lattices.

What is measured
----------------
* **Data** (seeded, as in the regionalisation note §4.1): rook lattices of 1,000 (25 × 40),
  5,000 (50 × 100) and 20,000 (100 × 200) squares of 100 m. Five attributes = a latent
  mosaic of 50 Voronoi regions (a normal mean vector each) + a smooth trend + Gaussian noise,
  z-scored; lognormal population around 100 per cell. Floor = total population / 70, k = 50.
* **Configurations.** ``floor``: the floor only (what every peer with a floor supports).
  ``full`` (ours only, no peer takes all of it): the floor, a cap = total / 25, a "railway"
  barrier at 45 % of the width crossed only at two level crossings (rows at 30 % and 70 %), and
  nesting in 4 "districts" (quadrants).
* **Methods.** ``ours`` (:func:`ortswissen.regions.delineate`, defaults); ``sklearn_ward``
  (``AgglomerativeClustering`` with rook connectivity, no floor); pygeoda (GPL-3, installed
  by this script into ``.bench/regions-venv`` from ``benchmarks/requirements-regions.txt``,
  never into the project): ``schc`` (Ward), ``skater`` and ``redcap`` ("fullorder-wardlinkage")
  with the floor as ``min_bound``, ``maxp_greedy`` with the floor; spopt ``MaxPHeuristic``
  "light" (10 constructions, 1 annealing round) with the floor.
* **Runs.** One child process per run, killed beyond ``--cap-seconds`` (reported ``>cap``);
  only the solver call is timed (wall and CPU; imports and input building are not); peak RSS
  of the child. Our timings are medians over ``--repeat`` runs; the peers run once (pygeoda
  needs ~5 GB and ~1–2 min per run at 20,000).
* **Quality**, computed here for every result with the same functions
  (:func:`ortswissen.regions.evaluate`) on the same standardised matrix: number of regions p,
  WSS/TSS, WSS ÷ contiguity-constrained Ward at the same p (per graph component, clusters
  allotted by size), mean isoperimetric quotient of the dissolved regions, adjusted Rand index
  against the latent mosaic, contiguity, floor/cap violations, and regions crossing the barrier
  or a district border.

Targets (issue): at 20,000 units with floor, cap, barrier and nesting: ≤ 2 s and ≤ 0.5 GB on
2 cores; WSS ≤ 1.10 × Ward's at the same p; mean IPQ ≥ 0.35; ≥ 40 × faster than pygeoda
REDCAP with the same floor.

Run from the repository root::

    .venv/bin/python benchmarks/regions.py                 # 1k, 5k, 20k; all peers; ours 3 runs
    .venv/bin/python benchmarks/regions.py --json          # the same as one JSON document
    .venv/bin/python benchmarks/regions.py --quick         # 1,000 only, fast peers, 1 run
    .venv/bin/python benchmarks/regions.py --no-peers --sizes 20000
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import ROOT, ensure_importable, load_average, log, machine, source_digest

DIMS = {1000: (25, 40), 5000: (50, 100), 20000: (100, 200)}
PEERS = [
    "sklearn_ward",
    "pygeoda_schc_ward",
    "pygeoda_skater_floor",
    "pygeoda_redcap_ward_floor",
    "pygeoda_maxp_greedy",
    "spopt_maxp_light",
]
FAST_PEERS = ["sklearn_ward", "pygeoda_redcap_ward_floor"]
PEER_VENV = ROOT / ".bench" / "regions-venv"
TARGETS = {"seconds": 2.0, "rss_mb": 512.0, "wss_vs_ward": 1.10, "ipq_mean": 0.35, "speedup_redcap": 40.0}


# -- data ----------------------------------------------------------------------------------------------


def generate(n: int, seed: int) -> dict[str, np.ndarray]:
    """The lattice of ``n`` cells: features, population, latent mosaic, edges, geometry measures."""
    ensure_importable()
    from ortswissen.testing import rook_lattice

    rows, cols = DIMS[n]
    rng = np.random.default_rng(seed)
    edges, centroid = rook_lattice(rows, cols)
    seeds = rng.uniform([0, 0], [cols * 100, rows * 100], (50, 2))
    latent = np.argmin(((centroid[:, None, :] - seeds[None]) ** 2).sum(-1), axis=1)
    means = rng.normal(0, 1, (50, 5))
    u, v = centroid[:, 0] / (cols * 100), centroid[:, 1] / (rows * 100)
    trend = np.column_stack([np.sin(3 * u + i) + np.cos(2 * v - i) for i in range(5)]) * 0.5
    x = means[latent] + trend + rng.normal(0, 0.5, (n, 5))
    x = (x - x.mean(axis=0)) / x.std(axis=0)
    pop = rng.lognormal(np.log(100) - 0.125, 0.5, n)
    # the full configuration: barrier edges (crossing x = 0.45 W except at two rows) and districts
    width, height = cols * 100, rows * 100
    xb = 0.45 * width
    a, b = centroid[edges[:, 0]], centroid[edges[:, 1]]
    crosses = (a[:, 0] < xb) != (b[:, 0] < xb)
    at_crossing = (np.abs(a[:, 1] - 0.3 * height) < 60) | (np.abs(a[:, 1] - 0.7 * height) < 60)
    district = (centroid[:, 0] >= width / 2).astype(int) * 2 + (centroid[:, 1] >= height / 2).astype(int)
    return {
        "x": x,
        "pop": pop,
        "latent": latent,
        "edges": edges,
        "centroid": centroid,
        "rows": np.array(rows),
        "cols": np.array(cols),
        "barrier_edges": crosses & ~at_crossing,
        "district": district,
    }


def _graph(d: dict[str, np.ndarray], full: bool) -> Any:
    ensure_importable()
    from ortswissen.regions import UnitGraph

    n = len(d["pop"])
    g = UnitGraph.from_edges(
        n,
        d["edges"],
        area=np.full(n, 1e4),
        perimeter=np.full(n, 400.0),
        shared=np.full(len(d["edges"]), 100.0),
        centroid=d["centroid"],
    )
    if full:
        g = g.drop_edges(d["barrier_edges"], "barrier").cut_between(d["district"])
    return g


def _bounds(d: dict[str, np.ndarray], full: bool) -> tuple[float, float | None]:
    total = float(d["pop"].sum())
    return total / 70, (total / 25 if full else None)


# -- children (one run each) ---------------------------------------------------------------------------


def _child(method: str, npz: Path, config: str, out: Path) -> None:
    d = dict(np.load(npz))
    full = config == "full"
    floor, cap = _bounds(d, full)
    n = len(d["pop"])
    if method == "ours":
        ensure_importable()
        import sklearn.cluster  # noqa: F401 - imports are not timed

        from ortswissen.regions import delineate

        g = _graph(d, full)

        def solve() -> np.ndarray:
            return delineate(g, d["x"], d["pop"], n_regions=50, floor=floor, cap=cap, evaluate_result=False).labels
    elif method == "sklearn_ward":
        from scipy import sparse
        from sklearn.cluster import AgglomerativeClustering

        e = d["edges"]
        w = sparse.csr_matrix((np.ones(2 * len(e)), (np.r_[e[:, 0], e[:, 1]], np.r_[e[:, 1], e[:, 0]])), shape=(n, n))

        def solve() -> np.ndarray:
            return AgglomerativeClustering(n_clusters=50, linkage="ward", connectivity=w).fit_predict(d["x"])
    else:
        import geopandas as gpd
        import shapely

        r, c = np.divmod(np.arange(n), int(d["cols"]))
        frame = gpd.GeoDataFrame(
            {**{f"a{i}": d["x"][:, i] for i in range(5)}, "pop": d["pop"]},
            geometry=[
                shapely.box(cc * 100, rr * 100, cc * 100 + 100, rr * 100 + 100) for rr, cc in zip(r, c, strict=True)
            ],
        )
        names = [f"a{i}" for i in range(5)]
        if method.startswith("pygeoda"):
            import pygeoda

            gda = pygeoda.open(frame)
            w = pygeoda.rook_weights(gda)
            data = gda[names]
            bound = gda["pop"]

            def solve() -> np.ndarray:
                if method == "pygeoda_schc_ward":
                    res = pygeoda.schc(50, w, data, "ward")
                elif method == "pygeoda_skater_floor":
                    res = pygeoda.skater(50, w, data, bound_variable=bound, min_bound=floor)
                elif method == "pygeoda_redcap_ward_floor":
                    res = pygeoda.redcap(50, w, data, "fullorder-wardlinkage", bound_variable=bound, min_bound=floor)
                else:
                    res = pygeoda.maxp_greedy(w, data, bound, floor)
                return np.asarray(res["Clusters"]) - 1
        else:
            import libpysal
            from spopt.region import MaxPHeuristic

            w = libpysal.weights.Rook.from_dataframe(frame, use_index=False, silence_warnings=True)

            def solve() -> np.ndarray:
                np.random.seed(0)  # spopt uses NumPy's global generator
                model = MaxPHeuristic(
                    frame, w, names, "pop", floor, top_n=2, max_iterations_construction=10, max_iterations_sa=1
                )
                model.solve()
                return np.asarray(model.labels_)

    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu0, t0 = usage.ru_utime + usage.ru_stime, time.perf_counter()
    labels = solve()
    seconds = time.perf_counter() - t0
    usage = resource.getrusage(resource.RUSAGE_SELF)
    np.save(out.with_suffix(".npy"), np.asarray(labels, dtype=np.int64))
    out.write_text(
        json.dumps(
            {
                "seconds": seconds,
                "cpu_seconds": usage.ru_utime + usage.ru_stime - cpu0,
                "peak_rss_mb": usage.ru_maxrss / 1024,
            }
        )
    )


def run_child(method: str, npz: Path, config: str, workdir: Path, cap_seconds: float) -> dict[str, Any]:
    """One timed run in a child process (peers in their own venv); ``timed_out`` past the cap."""
    python = sys.executable if method in ("ours",) else str(PEER_VENV / "bin" / "python")
    out = workdir / f"{method}_{npz.stem}_{config}.json"
    out.unlink(missing_ok=True)
    cmd = [python, __file__, "--child", method, str(npz), config, str(out)]
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")} if method == "ours" else dict(os.environ)
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=cap_seconds, env=env, check=False)
    except subprocess.TimeoutExpired:
        return {"method": method, "timed_out": True}
    if proc.returncode != 0 or not out.exists():
        return {"method": method, "error": (proc.stderr or proc.stdout).strip().splitlines()[-1:]}
    result = json.loads(out.read_text())
    result["labels"] = np.load(out.with_suffix(".npy"))
    result["method"] = method
    return result


# -- quality -------------------------------------------------------------------------------------------


def quality(d: dict[str, np.ndarray], labels: np.ndarray, full: bool) -> dict[str, Any]:
    """The measures of the module docstring, for one result."""
    ensure_importable()
    from sklearn.metrics import adjusted_rand_score

    from ortswissen.regions import evaluate

    graph = _graph(d, full)
    floor, cap = _bounds(d, full)
    m = evaluate(graph, d["x"], d["pop"], labels, floor=floor, cap=cap)
    e = d["edges"]
    across = labels[e[:, 0]] == labels[e[:, 1]]
    crossing_barrier = len(np.unique(labels[e[d["barrier_edges"] & across, 0]]))
    districts = np.array([len(np.unique(d["district"][labels == r])) for r in range(int(labels.max()) + 1)])
    return {
        "p": m["n_regions"],
        "wss_tss": m["wss_tss"],
        "wss_vs_ward": m["wss_vs_ward"],
        "ipq_mean": m["ipq_mean"],
        "ari": float(adjusted_rand_score(d["latent"], labels)),
        "contiguous": m["contiguous"],
        "floor_violations": m["floor_violations"],
        "cap_violations": m["cap_violations"] if full else None,
        "regions_crossing_barrier": crossing_barrier,
        "regions_crossing_districts": int((districts > 1).sum()),
    }


# -- the run -------------------------------------------------------------------------------------------


def ensure_peers() -> bool:
    """Create the peers' venv if missing; False when it cannot be made."""
    if (PEER_VENV / "bin" / "python").exists():
        return True
    log(f"installing the peers into {PEER_VENV} …")
    made = subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=False).returncode == 0
    if made:
        pip = [str(PEER_VENV / "bin" / "pip"), "install", "-q", "-r", str(ROOT / "benchmarks/requirements-regions.txt")]
        made = subprocess.run(pip, check=False).returncode == 0
    return made


def bench(sizes: list[int], peers: list[str], repeat: int, cap_seconds: float, seed: int, workdir: Path) -> dict:
    workdir.mkdir(parents=True, exist_ok=True)
    rows: list[dict[str, Any]] = []
    for n in sizes:
        d = generate(n, seed)
        npz = workdir / f"regions_lattice_{n}_seed{seed}.npz"
        np.savez(npz, **d)
        jobs = [("ours", "full"), ("ours", "floor")] + [(p, "floor") for p in peers]
        for method, config in jobs:
            runs = repeat if method in ("ours", "sklearn_ward") else 1
            results = []
            for i in range(runs):
                log(f"  n={n} {method} ({config}) run {i + 1}/{runs} …")
                results.append(run_child(method, npz, config, workdir, cap_seconds))
            ok = [r for r in results if "seconds" in r]
            row: dict[str, Any] = {"n": n, "method": method, "config": config, "runs": len(ok)}
            if not ok:
                row["status"] = f">{cap_seconds:.0f} s" if results[-1].get("timed_out") else "error"
                row["error"] = results[-1].get("error")
            else:
                row.update(
                    status="ok",
                    seconds=float(np.median([r["seconds"] for r in ok])),
                    cpu_seconds=float(np.median([r["cpu_seconds"] for r in ok])),
                    peak_rss_mb=float(max(r["peak_rss_mb"] for r in ok)),
                    **quality(d, ok[0]["labels"], config == "full"),
                )
                row["identical_runs"] = all(np.array_equal(ok[0]["labels"], r["labels"]) for r in ok[1:])
            log(f"    → {row.get('status')} {row.get('seconds', float('nan')):.2f} s")
            rows.append(row)
    return {"rows": rows, "targets": _targets(rows), "seed": seed, "cap_seconds": cap_seconds}


def _targets(rows: list[dict[str, Any]]) -> dict[str, Any]:
    def find(method: str, config: str, n: int) -> dict[str, Any] | None:
        return next((r for r in rows if (r["method"], r["config"], r["n"]) == (method, config, n)), None)

    n = max(r["n"] for r in rows)
    full = find("ours", "full", n)
    if not full or full.get("status") != "ok":
        return {}
    out = {
        "n": n,
        "seconds": {"value": full["seconds"], "target": TARGETS["seconds"], "met": full["seconds"] <= 2.0},
        "peak_rss_mb": {"value": full["peak_rss_mb"], "target": 512, "met": full["peak_rss_mb"] <= 512},
        "wss_vs_ward": {"value": full["wss_vs_ward"], "target": 1.10, "met": full["wss_vs_ward"] <= 1.10},
        "ipq_mean": {"value": full["ipq_mean"], "target": 0.35, "met": full["ipq_mean"] >= 0.35},
    }
    redcap, ours = find("pygeoda_redcap_ward_floor", "floor", n), find("ours", "floor", n)
    if redcap and ours and redcap.get("status") == "ok":
        speedup = redcap["seconds"] / ours["seconds"]
        out["speedup_vs_redcap_floor"] = {"value": speedup, "target": 40.0, "met": speedup >= 40.0}
    return out


def render(result: dict[str, Any]) -> str:
    lines = [
        f"{'n':>6} {'method':<26} {'config':<6} {'s':>8} {'CPU s':>7} {'RSS MB':>7} {'p':>4} {'WSS/TSS':>8} "
        f"{'÷Ward':>6} {'IPQ':>5} {'ARI':>5} {'viol.':>5} {'x-bar':>5} {'x-dist':>6}"
    ]
    for r in result["rows"]:
        if r["status"] != "ok":
            lines.append(f"{r['n']:>6} {r['method']:<26} {r['config']:<6} {r['status']:>8}  {r.get('error') or ''}")
            continue
        viol = r["floor_violations"] + (r["cap_violations"] or 0) + (0 if r["contiguous"] else 1)
        lines.append(
            f"{r['n']:>6} {r['method']:<26} {r['config']:<6} {r['seconds']:>8.2f} {r['cpu_seconds']:>7.2f} "
            f"{r['peak_rss_mb']:>7.0f} {r['p']:>4} {r['wss_tss']:>8.3f} {r['wss_vs_ward']:>6.3f} "
            f"{r['ipq_mean']:>5.2f} {r['ari']:>5.2f} {viol:>5} {r['regions_crossing_barrier']:>5} "
            f"{r['regions_crossing_districts']:>6}"
        )
    lines.append(
        "viol.: floor + cap violations + 1 if not contiguous; x-bar: regions spanning the barrier (in `full` only"
        " through a level crossing); x-dist: regions spanning a district border"
    )
    lines.append("")
    for name, t in result["targets"].items():
        if isinstance(t, dict):
            lines.append(f"target {name}: {t['value']:.3f} (target {t['target']}) → {'met' if t['met'] else 'NOT met'}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        _child(argv[1], Path(argv[2]), argv[3], Path(argv[4]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,5000,20000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cap-seconds", type=float, default=300.0)
    parser.add_argument("--seed", type=int, default=20261122)
    parser.add_argument("--workdir", type=Path, default=ROOT / ".bench")
    parser.add_argument("--quick", action="store_true", help="1,000 only, fast peers, 1 run")
    parser.add_argument("--no-peers", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    sizes = [1000] if args.quick else [int(s) for s in args.sizes.split(",")]
    repeat = 1 if args.quick else args.repeat
    peers = [] if args.no_peers else (FAST_PEERS if args.quick else PEERS)
    if peers and not ensure_peers():
        log("the peers could not be installed; running ours only")
        peers = []
    result = bench(sizes, peers, repeat, args.cap_seconds, args.seed, args.workdir)
    result["machine"] = machine(["numpy", "scipy", "sklearn"])
    result["source"] = source_digest()
    result["load_average"] = load_average()
    if args.json:
        print(json.dumps(result, indent=1, default=float))
    else:
        print(render(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
