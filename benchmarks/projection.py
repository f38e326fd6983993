"""Projection benchmark: the stochastic small-area projection against a careful NumPy loop.

What is measured
----------------
* **Data** (seeded): 542 areas (Berlin's planning areas) × 2 sexes × 101 ages, sizes
  lognormal around 7,000 persons; cohort-change ratios near 1 with noise, a child ratio of
  0.03; uncertainty as calibrated on the Berlin register (sd 0.027 per year at 7,500 persons,
  size elasticity 0.48, drift 0.003, city 0.002).
* **Ours**: :func:`ortswissen.demography.project` with 1,000 trajectories × 20 years: the
  deterministic path, then the trajectories with quantiles (2.5/10/50/90/97.5 %) of 18
  output groups per area computed year by year (Numba kernel, all cores). Timed after one
  warm-up call (the kernel is compiled and cached on first use; the compile time is
  reported separately).
* **Peer**: the same model written as a careful analyst would in NumPy — a loop over areas
  and years, vectorised over trajectories and ages (ageing by slicing, shock factor,
  rescaling to the area total, group sums, ``np.quantile``).
* **Figures**: wall seconds, cell-steps per second (areas × trajectories × years × 202
  cells ÷ wall time), peak resident memory of a child process per method, and the
  speed-up over the peer. Both produce the same quantiles (checked to 0.5 %).

Targets (issue 5): ≥ 4·10⁸ cell-steps/s (≤ 6 s for the whole run) and < 2 GB peak on 2 cores.

Run from the repository root::

    .venv/bin/python benchmarks/projection.py            # full size, ours 3 runs, peer once
    .venv/bin/python benchmarks/projection.py --json
    .venv/bin/python benchmarks/projection.py --quick    # 60 areas, 200 trajectories
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import ensure_importable, load_average, log, machine, source_digest

N_AGES = 101


def _inputs(areas: int, seed: int = 0) -> dict[str, Any]:
    from ortswissen.demography import ChangeRatios, Uncertainty

    rng = np.random.default_rng(seed)
    sizes = np.exp(rng.normal(np.log(7000), 0.5, areas))
    profile = np.exp(-0.5 * ((np.arange(N_AGES) - 35) / 25) ** 2) + 0.2
    pop = sizes[:, None, None] * (profile / profile.sum() / 2)[None, None, :] * np.ones((1, 2, 1))
    ratios = np.clip(rng.normal(1.0, 0.02, size=pop.shape), 0.8, 1.2)
    ratios[..., 0] = 0.03
    city = ratios.mean(axis=0)
    unc = Uncertainty(sigma_ref=0.027, size_elasticity=0.48, rho=0.0, sigma_city=0.002, sigma_drift=0.003)
    return {"pop": pop, "ratios": ChangeRatios(ratios, city, 5), "unc": unc}


def _ours(areas: int, trajectories: int, years: int, device: str = "cpu") -> dict[str, Any]:
    from ortswissen.demography import project

    d = _inputs(areas)
    t = time.perf_counter()
    project(
        d["pop"][:2],
        type(d["ratios"])(d["ratios"].ratios[:2], d["ratios"].city, 5),
        1,
        uncertainty=d["unc"],
        trajectories=2,
        device=device,
    )
    compile_s = time.perf_counter() - t
    t = time.perf_counter()
    res = project(d["pop"], d["ratios"], years, uncertainty=d["unc"], trajectories=trajectories, seed=1, device=device)
    wall = time.perf_counter() - t
    return {"wall_s": wall, "compile_s": compile_s, "q": res.quantiles}


def _peer(areas: int, trajectories: int, years: int) -> dict[str, Any]:
    """The straightforward NumPy loop: areas × years, vectorised over trajectories and ages."""
    from ortswissen.demography import DEFAULT_GROUPS, QUANTILES, project
    from ortswissen.demography._schedules import migration_weights

    d = _inputs(areas)
    t = time.perf_counter()
    det = project(d["pop"], d["ratios"], years)  # the same deterministic path and targets
    pop, r, unc = d["pop"], d["ratios"].ratios.astype(np.float32), d["unc"]
    w = migration_weights(d["ratios"].city, pop.sum(axis=0)).astype(np.float32)
    share = pop.sum(axis=(1, 2)) / pop.sum()
    targets = share[None, :] * det.city[1:, None]
    # the same random draws in the same order as ours (the shocks are not what is timed apart)
    paths = list(unc.shock_paths(pop.sum(axis=(1, 2)), trajectories, years, seed=1))
    shocks = [shock for shock, _ in paths]
    devs = [dev for _, dev in paths]
    q = np.zeros((years, len(QUANTILES), areas, len(DEFAULT_GROUPS)))
    for a in range(areas):
        state = np.repeat(pop[a][None].astype(np.float32), trajectories, axis=0)  # (J, S, N)
        for y in range(years):
            f = np.maximum(1.0 + w[None] * shocks[y][:, a, None, None], 0.0)
            rr = r[a][None] * f
            base = state[:, 1, 15:45].sum(axis=1)
            new = np.empty_like(state)
            new[..., 1:-1] = state[..., :-2] * rr[..., 1:-1]
            new[..., -1] = (state[..., -2] + state[..., -1]) * rr[..., -1]
            new[..., 0] = base[:, None] * rr[..., 0]
            target = targets[y, a] * np.exp(devs[y][:, a])
            new *= (target / new.sum(axis=(1, 2)))[:, None, None]
            state = new
            by_age = state.sum(axis=1)
            groups = np.stack([by_age[:, lo:hi].sum(axis=1) for _, lo, hi in DEFAULT_GROUPS], axis=1)
            q[y, :, a, :] = np.quantile(groups, QUANTILES, axis=0)
    return {"wall_s": time.perf_counter() - t, "q": q}


def _child(method: str, areas: int, trajectories: int, years: int, out: str) -> None:
    ensure_importable()
    if method == "peer":
        res = _peer(areas, trajectories, years)
    else:
        res = _ours(areas, trajectories, years, device="gpu" if method == "gpu" else "cpu")
    np.save(out, res.pop("q"))
    res["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(res))


def _run(method: str, areas: int, trajectories: int, years: int, out: Path) -> dict[str, Any]:
    cmd = [
        sys.executable,
        __file__,
        "--child",
        method,
        "--areas",
        str(areas),
        "--trajectories",
        str(trajectories),
        "--years",
        str(years),
        "--out",
        str(out),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-2000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-peer", action="store_true")
    parser.add_argument("--gpu", action="store_true", help="Also time the optional GPU path (CuPy).")
    parser.add_argument("--areas", type=int, default=542)
    parser.add_argument("--trajectories", type=int, default=1000)
    parser.add_argument("--years", type=int, default=20)
    parser.add_argument("--child")
    parser.add_argument("--out")
    args = parser.parse_args()
    if args.child:
        _child(args.child, args.areas, args.trajectories, args.years, args.out)
        return
    if args.quick:
        args.areas, args.trajectories, args.repeat = 60, 200, 1
    if args.gpu:
        ensure_importable()
        from ortswissen.demography._gpu import gpu_available

        if not gpu_available():
            sys.exit("--gpu: CuPy sees no CUDA device on this machine")
    import tempfile

    cells = args.areas * args.trajectories * args.years * 2 * N_AGES
    with tempfile.TemporaryDirectory() as tmp:
        runs = []
        for i in range(args.repeat):
            r = _run("ours", args.areas, args.trajectories, args.years, Path(tmp) / "ours.npy")
            log(
                f"ours run {i + 1}/{args.repeat}: {r['wall_s']:.2f} s, peak {r['peak_rss_mb']:.0f} MB "
                f"(compile {r['compile_s']:.1f} s)"
            )
            runs.append(r)
        wall = float(np.median([r["wall_s"] for r in runs]))
        result: dict[str, Any] = {
            "size": {
                "areas": args.areas,
                "trajectories": args.trajectories,
                "years": args.years,
                "cells": 2 * N_AGES,
                "cell_steps": cells,
            },
            "ours": {
                "wall_s_median": wall,
                "wall_s_runs": [r["wall_s"] for r in runs],
                "cell_steps_per_s": cells / wall,
                "peak_rss_mb": max(r["peak_rss_mb"] for r in runs),
                "compile_or_cache_load_s": runs[0]["compile_s"],
            },
        }
        if not args.no_peer:
            p = _run("peer", args.areas, args.trajectories, args.years, Path(tmp) / "peer.npy")
            log(f"peer (NumPy loop over areas and years): {p['wall_s']:.2f} s, peak {p['peak_rss_mb']:.0f} MB")
            q_ours, q_peer = np.load(Path(tmp) / "ours.npy"), np.load(Path(tmp) / "peer.npy")
            rel = float(np.max(np.abs(q_ours[..., 0] - q_peer[..., 0]) / np.maximum(q_peer[..., 0], 1.0)))
            result["peer"] = {
                "name": "NumPy loop over areas and years",
                "wall_s": p["wall_s"],
                "cell_steps_per_s": cells / p["wall_s"],
                "peak_rss_mb": p["peak_rss_mb"],
            }
            result["speedup"] = p["wall_s"] / wall
            result["max_rel_diff_total_quantiles"] = rel
        if args.gpu:
            runs = []
            for i in range(args.repeat):
                r = _run("gpu", args.areas, args.trajectories, args.years, Path(tmp) / "gpu.npy")
                log(f"gpu run {i + 1}/{args.repeat}: {r['wall_s']:.2f} s (first call {r['compile_s']:.1f} s)")
                runs.append(r)
            gwall = float(np.median([r["wall_s"] for r in runs]))
            q_gpu, q_cpu = np.load(Path(tmp) / "gpu.npy"), np.load(Path(tmp) / "ours.npy")
            result["gpu"] = {
                "wall_s_median": gwall,
                "wall_s_runs": [r["wall_s"] for r in runs],
                "cell_steps_per_s": cells / gwall,
                "speedup_over_cpu": wall / gwall,
                "max_rel_diff_total_quantiles": float(
                    np.max(np.abs(q_gpu[..., 0] - q_cpu[..., 0]) / np.maximum(q_cpu[..., 0], 1.0))
                ),
            }
    result["targets"] = {"cell_steps_per_s": 4e8, "wall_s": 6.0, "peak_rss_mb": 2048}
    result["machine"] = machine(["numpy", "numba", "cupy"] if args.gpu else ["numpy", "numba"])
    result["load_average"] = load_average()
    result["source"] = source_digest()
    if args.json:
        print(json.dumps(result, indent=1))
        return
    o = result["ours"]
    print(
        f"Projection: {args.areas} areas × {args.trajectories} trajectories × {args.years} years × 202 cells "
        f"= {cells:,} cell-steps"
    )
    print(
        f"  ours: {o['wall_s_median']:.2f} s (median of {args.repeat}), {o['cell_steps_per_s']:.2e} cell-steps/s, "
        f"peak {o['peak_rss_mb']:.0f} MB"
    )
    if "gpu" in result:
        g = result["gpu"]
        rate, times = f"{g['cell_steps_per_s']:.2e}", f"{g['speedup_over_cpu']:.1f}"
        print(f"  gpu:  {g['wall_s_median']:.2f} s, {rate} cell-steps/s, {times}× the CPU")
    if "peer" in result:
        p = result["peer"]
        print(f"  peer: {p['wall_s']:.2f} s, {p['cell_steps_per_s']:.2e} cell-steps/s, peak {p['peak_rss_mb']:.0f} MB")
        print(
            f"  speed-up {result['speedup']:.1f}×; quantiles of totals agree to "
            f"{result['max_rel_diff_total_quantiles']:.2%}"
        )


if __name__ == "__main__":
    main()
