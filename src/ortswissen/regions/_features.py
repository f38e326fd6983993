"""The feature space of similarity: standardised, weighted attributes and flow profiles.

Attributes are z-scored (robustly: median and scaled MAD, so a few extreme blocks do not
flatten everyone else), categorical ones become one-hot columns, and each column is multiplied
by its weight. Flows (unit → facility trips, or catchment membership) become *profiles*: each
unit's destination shares, Hellinger-transformed (square roots, so that Euclidean distance is
the Hellinger distance between profiles), compressed by a truncated SVD and weighted. Ward's
criterion on the concatenation is then "similar places that use the same facilities".

Example:
    >>> import numpy as np
    >>> z = standardise(np.array([[1.0], [2.0], [3.0], [100.0]]), robust=True)
    >>> bool(abs(z[:3, 0]).max() < 2)
    True
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy import sparse

from ortswissen.errors import InvalidInput

__all__ = ["distance_decay_flows", "flow_profiles", "one_hot", "standardise"]


def standardise(values: Any, weights: Sequence[float] | None = None, *, robust: bool = True) -> np.ndarray:
    """Columns z-scored (median/MAD when ``robust``, else mean/sd) and multiplied by ``weights``.

    Missing values (NaN) become 0, the centre of the column; constant columns become 0.
    """
    x = np.asarray(values, dtype=float)
    if x.ndim == 1:
        x = x[:, None]
    if robust:
        centre = np.nanmedian(x, axis=0)
        spread = 1.4826 * np.nanmedian(np.abs(x - centre), axis=0)
        sd = np.nanstd(x, axis=0)
        spread = np.where(spread > 0, spread, sd)  # MAD is 0 for mostly-constant columns
    else:
        centre = np.nanmean(x, axis=0)
        spread = np.nanstd(x, axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (x - centre) / np.where(spread > 0, spread, np.inf)
    z = np.nan_to_num(z, nan=0.0)
    if weights is not None:
        w = np.asarray(weights, dtype=float)
        if w.shape != (x.shape[1],):
            raise InvalidInput(f"{x.shape[1]} attributes but {w.size} weights")
        if (w < 0).any() or not np.isfinite(w).all():
            raise InvalidInput("attribute weights must be finite and not negative")
        z = z * w
    return z


def one_hot(categories: Sequence[Any], weight: float = 1.0) -> tuple[np.ndarray, list[str]]:
    """One column per category (missing → all zero), scaled so the column block has total weight ``weight``.

    Ward on one-hot columns is the Gini impurity of the categories; dividing by √2 makes two
    different categories a squared distance of ``weight²`` apart.
    """
    cats = [None if c is None or (isinstance(c, float) and np.isnan(c)) else str(c) for c in categories]
    names = sorted({c for c in cats if c is not None})
    index = {c: i for i, c in enumerate(names)}
    out = np.zeros((len(cats), len(names)))
    for row, c in enumerate(cats):
        if c is not None:
            out[row, index[c]] = 1.0
    return out * (weight / np.sqrt(2.0)), names


def flow_profiles(
    flows: Any,
    *,
    dimensions: int = 6,
    weight: float = 1.0,
    seed: int = 0,
) -> tuple[np.ndarray, float]:
    """Hellinger profiles of flows (units × destinations), reduced to ``dimensions`` by truncated SVD.

    Returns ``(features, explained)``: the reduced profiles scaled so that their total variance
    per unit equals ``weight²`` times that of one standardised attribute column, and the share
    of the profiles' variance the kept dimensions explain. Units without any flow get the mean
    profile (they carry no information either way).
    """
    m = sparse.csr_matrix(flows, dtype=float)
    if m.nnz and m.data.min() < 0:
        raise InvalidInput("flows must not be negative")
    totals = np.asarray(m.sum(axis=1)).ravel()
    has = totals > 0
    shares = sparse.diags(np.where(has, 1.0 / np.where(has, totals, 1.0), 0.0)) @ m
    shares.data = np.sqrt(shares.data)
    profiles = shares.toarray() if m.shape[1] <= 2000 else shares
    dense = sparse.issparse(profiles) is False
    mean = np.asarray(profiles[has].mean(axis=0)).ravel() if has.any() else np.zeros(m.shape[1])
    k = max(1, min(dimensions, m.shape[1] - 1, int(has.sum()) - 1))
    if dense:
        centred = np.where(has[:, None], profiles - mean, 0.0)
        _, sv, vt = np.linalg.svd(centred[has], full_matrices=False)
        reduced = centred @ vt[:k].T
        total = float((sv**2).sum()) or 1.0
        explained = float((sv[:k] ** 2).sum()) / total
    else:  # pragma: no cover - very many destinations
        from sklearn.decomposition import TruncatedSVD

        svd = TruncatedSVD(n_components=k, random_state=seed)
        reduced = svd.fit_transform(profiles)
        reduced[~has] = 0.0
        reduced -= reduced[has].mean(axis=0)
        reduced[~has] = 0.0
        explained = float(svd.explained_variance_ratio_.sum())
    var = float((reduced[has] ** 2).sum(axis=1).mean()) if has.any() else 0.0
    scale = weight / np.sqrt(var) if var > 0 else 0.0
    return reduced * scale, explained


def distance_decay_flows(
    origins: Any,
    weights: Any,
    destinations: Any,
    *,
    scale: float = 500.0,
    nearest: int = 8,
) -> sparse.csr_matrix:
    """Modelled flows (origins × destinations) when no observed origin–destination data exist.

    Each origin sends its weight (e.g. children, residents) to its ``nearest`` destinations in
    proportion to ``exp(-distance / scale)`` — a gravity model with exponential distance decay.
    Results built on it must be labelled as modelled.

    Example:
        >>> f = distance_decay_flows([[0, 0], [1000, 0]], [10, 20], [[0, 0], [1000, 0]], scale=100, nearest=2)
        >>> f.toarray().round(2).tolist()
        [[10.0, 0.0], [0.0, 20.0]]
    """
    from scipy.spatial import cKDTree

    o = np.asarray(origins, dtype=float).reshape(-1, 2)
    d = np.asarray(destinations, dtype=float).reshape(-1, 2)
    w = np.asarray(weights, dtype=float)
    if len(d) == 0:
        raise InvalidInput("distance-decay flows need at least one destination")
    if scale <= 0:
        raise InvalidInput("the distance-decay scale must be positive")
    k = min(max(1, nearest), len(d))
    dist, idx = cKDTree(d).query(o, k=k)
    dist = dist.reshape(len(o), k)
    idx = idx.reshape(len(o), k)
    share = np.exp(-(dist - dist.min(axis=1, keepdims=True)) / scale)  # shifted: no underflow far away
    share /= share.sum(axis=1, keepdims=True)
    data = (share * w[:, None]).ravel()
    rows = np.repeat(np.arange(len(o)), k)
    out = sparse.csr_matrix((data, (rows, idx.ravel())), shape=(len(o), len(d)))
    out.eliminate_zeros()
    return out
