"""Typology: cluster quarters into types on chosen indicators and describe each type by its profile.

Where the delineation asks "where are the borders", the typology asks "what kind of place" — non-
spatially, on the quarters' indicator values (as MOSAIK typed its 92 quarters into 3 types). The
indicators are z-scored across quarters; the number of types is chosen by a stated criterion
over a range of k: the silhouette (k-means, Ward) or the Bayesian information criterion (Gaussian
mixture). Each type is described by its size, its mean of every indicator (raw and as z-score)
and a short label of its most distinctive indicators.

Example:
    >>> import numpy as np
    >>> x = np.array([[0.0, 1], [0.1, 1.1], [0.2, 0.9], [5, 9], [5.1, 9.2], [4.9, 8.8]])
    >>> t = typology(x, ["a", "b"], k_range=(2, 3), seed=0)
    >>> t.k, sorted(np.bincount(t.labels).tolist())
    (2, [3, 3])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ortswissen.errors import InvalidInput

__all__ = ["Typology", "typology"]

METHODS = ("kmeans", "gmm", "ward")


@dataclass
class Typology:
    """Types per quarter, the chosen number of types and why, and each type's profile."""

    labels: np.ndarray
    k: int
    method: str
    criterion: str
    #: criterion value per tried k (silhouette: higher is better; BIC: lower is better)
    scores: dict[int, float]
    profiles: list[dict[str, Any]] = field(default_factory=list)
    seed: int = 0


def typology(
    values: Any,
    indicators: Sequence[str],
    *,
    method: str = "kmeans",
    k: int | None = None,
    k_range: tuple[int, int] = (2, 8),
    weights: Any = None,
    seed: int = 0,
) -> Typology:
    """Cluster the rows of ``values`` (quarters × indicators) into types.

    ``k`` fixes the number of types; otherwise it is chosen in ``k_range`` (inclusive) by the
    silhouette (``kmeans``, ``ward``) or BIC (``gmm``). Missing values take the indicator's mean.
    ``weights`` (per quarter, e.g. population) weigh the type profiles' means.
    """
    from sklearn.cluster import AgglomerativeClustering, KMeans
    from sklearn.metrics import silhouette_score
    from sklearn.mixture import GaussianMixture

    if method not in METHODS:
        raise InvalidInput(f"typology method must be one of {', '.join(METHODS)}, not {method!r}")
    raw = np.asarray(values, dtype=float)
    if raw.ndim != 2 or raw.shape[1] != len(indicators):
        raise InvalidInput(f"values need one column per indicator ({len(indicators)})")
    n = raw.shape[0]
    if n < 3:
        raise InvalidInput("a typology needs at least 3 quarters")
    means = np.nanmean(raw, axis=0)
    filled = np.where(np.isnan(raw), means, raw)
    sd = filled.std(axis=0)
    z = (filled - filled.mean(axis=0)) / np.where(sd > 0, sd, 1.0)
    lo, hi = (k, k) if k is not None else k_range
    lo, hi = max(2, lo), min(hi, n - 1)
    if lo > hi:
        raise InvalidInput(f"cannot form {k_range if k is None else k} types from {n} quarters")

    def fit(kk: int) -> np.ndarray:
        if method == "kmeans":
            return KMeans(n_clusters=kk, n_init=10, random_state=seed).fit_predict(z)
        if method == "ward":
            return AgglomerativeClustering(n_clusters=kk, linkage="ward").fit_predict(z)
        return GaussianMixture(n_components=kk, random_state=seed, n_init=3).fit(z).predict(z)

    scores: dict[int, float] = {}
    fits: dict[int, np.ndarray] = {}
    for kk in range(lo, hi + 1):
        labels = fit(kk)
        fits[kk] = labels
        if method == "gmm":
            scores[kk] = float(GaussianMixture(n_components=kk, random_state=seed, n_init=3).fit(z).bic(z))
        else:
            scores[kk] = float(silhouette_score(z, labels)) if len(np.unique(labels)) > 1 else -1.0
    if method == "gmm":
        best = min(scores, key=lambda kk: (scores[kk], kk))
        criterion = "bic"
    else:
        best = max(scores, key=lambda kk: (scores[kk], -kk))
        criterion = "silhouette"
    labels = _relabel(fits[best], filled[:, 0] if filled.shape[1] else np.zeros(n))
    w = np.ones(n) if weights is None else np.nan_to_num(np.asarray(weights, dtype=float))
    profiles = []
    for t in range(int(labels.max()) + 1):
        member = labels == t
        ww = w[member] if w[member].sum() > 0 else np.ones(int(member.sum()))
        mean = (filled[member] * ww[:, None]).sum(axis=0) / ww.sum()
        zmean = z[member].mean(axis=0)
        order = np.argsort(-np.abs(zmean))
        label = ", ".join(
            f"{indicators[i]} {'hoch' if zmean[i] > 0 else 'niedrig'}" for i in order[:3] if abs(zmean[i]) >= 0.5
        )
        profiles.append(
            {
                "type": t,
                "n_quarters": int(member.sum()),
                "weight_share": float(w[member].sum() / w.sum()) if w.sum() > 0 else None,
                "mean": {ind: float(v) for ind, v in zip(indicators, mean, strict=True)},
                "z": {ind: float(v) for ind, v in zip(indicators, zmean, strict=True)},
                "label": label or "durchschnittlich",
            }
        )
    return Typology(labels, best, method, criterion, scores, profiles, seed)


def _relabel(labels: np.ndarray, key: np.ndarray) -> np.ndarray:
    """Number types by size (largest first), ties by the first indicator's mean: stable across runs."""
    uniq = np.unique(labels)
    stats = sorted(uniq, key=lambda u: (-(labels == u).sum(), float(key[labels == u].mean())))
    mapping = {u: i for i, u in enumerate(stats)}
    return np.array([mapping[u] for u in labels], dtype=np.int64)
