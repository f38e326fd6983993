"""Synthetic lattices for the regions tests: rook grids of 100 m squares with a latent mosaic."""

from __future__ import annotations

import numpy as np

from ortswissen.regions import UnitGraph
from ortswissen.testing import rook_lattice


def lattice(rows: int, cols: int, *, seed: int = 0, latent: int = 6, noise: float = 0.3):
    """``(graph, features, population, latent_labels)`` of a ``rows × cols`` rook lattice.

    Features: 3 columns, a per-latent-region mean plus Gaussian noise; population lognormal
    around 100 per cell.
    """
    rng = np.random.default_rng(seed)
    n = rows * cols
    edges, centroid = rook_lattice(rows, cols)
    seeds = rng.uniform([0, 0], [cols * 100, rows * 100], (latent, 2))
    truth = np.argmin(((centroid[:, None, :] - seeds[None]) ** 2).sum(-1), axis=1)
    x = rng.normal(0, 1, (latent, 3))[truth] + rng.normal(0, noise, (n, 3))
    pop = rng.lognormal(np.log(100), 0.4, n)
    graph = UnitGraph.from_edges(
        n,
        edges,
        area=np.full(n, 1e4),
        perimeter=np.full(n, 400.0),
        shared=np.full(len(edges), 100.0),
        centroid=centroid,
        ids=[f"c{i:05d}" for i in range(n)],
    )
    return graph, x, pop, truth
