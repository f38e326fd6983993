"""Write the demo's SYNTHETIC Berlin register extract as the profile's CSV files.

    PYTHONPATH=src python scripts/make_synthetic_register.py OUTDIR [--seed 2026] [--scale 1.0] [--areas ID,ID]

Writes OUTDIR/persons.csv, OUTDIR/events.csv (docs/register.md, x/y variant, EPSG:25833) and
OUTDIR/README_SYNTHETISCH.txt, and prints how far the extract agrees with the published EWR
stocks (it must agree exactly). No real persons: ids start with SYN, every family name is
SYNTHETISCH. Needs only the bundle shipped with ortswissen.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from ortswissen.demo._register import synthetic_berlin_register, write_register_csv


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--scale", type=float, default=1.0, help="share of the published counts (0 < scale <= 1)")
    parser.add_argument("--areas", default=None, help="comma-separated LOR 2006 planning areas (default: all)")
    args = parser.parse_args()
    started = time.perf_counter()
    areas = args.areas.split(",") if args.areas else None
    register = synthetic_berlin_register(seed=args.seed, scale=args.scale, areas=areas)
    generated = time.perf_counter() - started
    off = np.abs(register.raw.stocks.sum(axis=3) - register.targets.counts).sum()
    files = write_register_csv(register, args.outdir)
    kinds = register.events["event"].value_counts()
    print(f"SYNTHETIC register, seed {args.seed}: {len(register.persons):,} persons, {len(register.events):,} events")
    print("  " + ", ".join(f"{k} {int(v):,}" for k, v in kinds.items()))
    print(f"  generated in {generated:.1f} s, written in {time.perf_counter() - started - generated:.1f} s")
    print(f"  persons off the EWR stocks (area x band x year, summed): {int(off)}")
    for path in files:
        print(f"  {path} ({path.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
