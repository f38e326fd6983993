"""Map classification: class breaks for choropleth maps (natural breaks, quantiles, …).

A classification turns indicator values into ``k`` ordered classes described by their
*upper bounds* (``breaks``, ascending) and the smallest classified value (``lower``); the
last break is the largest value that took part in computing the breaks. Class numbers are
0-based, class 0 holds the smallest values. Missing values (``None``, NaN, ``pd.NA``) get
class ``None`` and never influence the breaks.

Methods
-------
The breaks are computed by mapclassify's classifiers where those are exact; this module adds
the handling of missing values, outliers, ties and degenerate input, and fixes the few places
where mapclassify's results are off (noted below).

``jenks``
    Natural breaks: Fisher's exact optimal partition (``mapclassify.FisherJenks``),
    minimising the sum of squared deviations from the class means; deterministic, equal values
    always share a class. Without numba ``FisherJenks`` runs in pure Python, ``O(k n²)``
    (about 1 s for 542 values), and it accumulates in float32, which can give clearly
    suboptimal breaks for values far from zero or in tight, far-apart clusters. So it is
    called only for small problems (``n² (k + 2) <= 500000``, at most about 0.25 s), on
    centred values, and its breaks are kept only when their squared deviations (in float64)
    are no worse than those of this module's own exact float64 implementation of the same
    algorithm (``O(k n log n)``, vectorised numpy), which is used otherwise and for larger
    problems. Among equally good partitions mapclassify's choice then wins.
``quantiles``
    Upper bounds at the ``i/k`` quantiles, ``mapclassify.Percentiles`` with the percentiles
    of ``mapclassify.Quantiles`` (linear interpolation) but the last one exactly 100:
    ``Quantiles`` builds them with a float ``arange``, which for some ``k`` (23, 31, 36, …)
    ends a hair below the maximum or yields ``k + 1`` classes. Tied values can make
    quantiles coincide; duplicates are merged and ``k`` reduced.
``equal_interval``
    ``k`` classes of equal width between the minimum and the maximum
    (``mapclassify.EqualInterval``).
``std_mean``
    Standard deviation classes around the mean (sample standard deviation, ``ddof=1``,
    ``mapclassify.StdMean``). The cuts lie at ``mean + m * sd`` for the multiples
    ``±1, ±2, …`` when ``k`` is odd (the middle class spans mean ± 1 sd; ``k=5`` gives
    mapclassify's default ``[-2, -1, 1, 2]``) and ``0, ±1, ±2, …`` when ``k`` is even. Cuts
    outside the range of the data would only make empty outer classes; they are dropped and
    ``k_used`` says how many classes remain.
``manual``
    ``breaks`` are the upper bounds of the classes, ascending (``mapclassify.UserDefined``).
    Values above the last break are put into the last class (the last class is open to the
    top; ``UserDefined`` would add a class up to the maximum) and a note says how many.
    Values below the first break are in class 0.
``threshold``
    ``breaks`` are thresholds: ``[t1, …, tm]`` gives ``m + 1`` classes ``x < t1``,
    ``t1 <= x < t2``, …, ``x >= tm`` (intervals closed on the *left*, ``closed="left"``,
    which no mapclassify classifier offers). The stored breaks are the thresholds followed
    by the top of the last class (the maximum of the data, or ``tm`` when no value reaches
    it).

For the data-driven methods (all but ``manual`` and ``threshold``) ``k`` is reduced to the
number of distinct values when there are fewer; ``k_used`` and ``notes`` say so. ``k`` is
ignored by ``manual`` and ``threshold``, whose breaks define the classes. mapclassify only
ever sees the present (non-missing, finite) values, and ``k`` no larger than their number
of distinct values.

``FisherJenks`` warns on every call when numba is missing; that one warning is silenced, by
its message, only around the call and under a lock: the warnings filter is process-wide,
and concurrent ``catch_warnings`` blocks in threads could otherwise restore each other's
filters wrongly. Values too large in magnitude for the float computations (overflow) raise
:class:`~ortswissen.errors.InvalidInput`.

Outliers
--------
With ``exclude_outliers=True`` values outside the *fences* do not take part in computing the
breaks; they are listed in ``outliers`` as ``low_outlier`` / ``high_outlier`` and assigned to
the first / last class (they lie below ``lower`` / above the last break). The fences are
``q1 - f * IQR`` and ``q3 + f * IQR`` for ``outlier_method="iqr"`` (linear quantiles, the
fences of ``mapclassify.BoxPlot`` with ``hinge=f``), and ``mean ± f * sd`` (sample sd, as
``mapclassify.StdMean`` with multiples ``±f``) for ``"zscore"``; ``f`` is
``outlier_factor``. A value equal to a fence is not an outlier.

Examples
--------
>>> c = classify([1, 2, 3, 10, 11, 12, 30, 31, None], "jenks", k=3)
>>> c.breaks, c.classes
([3.0, 12.0, 31.0], [0, 0, 0, 1, 1, 1, 2, 2, None])
>>> c.assign([0, 12.5, 100])
[0, 2, 2]
"""

from __future__ import annotations

import itertools
import math
import threading
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from numbers import Real
from typing import Any, Literal, NamedTuple, get_args

import numpy as np
import pandas as pd

from ortswissen.errors import InvalidInput

__all__ = [
    "MAX_CLASSES",
    "METHODS",
    "ClassMethod",
    "Classification",
    "FixedBreaks",
    "Outlier",
    "OutlierMethod",
    "check_breaks",
    "classify",
    "fixed_breaks",
    "regional_default",
]

ClassMethod = Literal["jenks", "quantiles", "equal_interval", "std_mean", "manual", "threshold"]
OutlierMethod = Literal["iqr", "zscore"]
METHODS: tuple[str, ...] = get_args(ClassMethod)
_COMPUTED = ("jenks", "quantiles", "equal_interval", "std_mean")
MAX_CLASSES = 100
"""Upper limit for ``k`` and for the number of given breaks."""
_FISHER_JENKS_BUDGET = 150_000
"""``mapclassify.FisherJenks`` is tried when ``n² (k + 2)`` is at most this (0 turns it off).

Its pure-Python run time is about ``0.5 µs * n² (k + 1)`` (measured: 0.04 s for 100 values,
0.15 s for 200 and 1 s for 542 with ``k = 5``; 0.45 s for 95 values with ``k = 100``), so
the budget keeps it under about 0.08 s (a map must stay interactive): up to 146 values for
``k = 5``, 129 for ``k = 7``; larger problems use our exact float64 version.
"""
_WARNINGS_LOCK = threading.Lock()


class Outlier(NamedTuple):
    """A value kept out of the break computation."""

    index: int
    kind: Literal["low_outlier", "high_outlier"]
    value: float


@dataclass(frozen=True)
class Classification:
    """The result of :func:`classify`: breaks, per-value classes, counts and notes.

    Attributes
    ----------
    method : str
        The classification method.
    k_requested : int
        ``k`` as asked for (for ``manual``/``threshold``: the number of classes the breaks define).
    k_used : int
        The number of classes actually formed (0 when there was nothing to classify).
    breaks : list of float
        Upper bounds of the classes, ascending, ``k_used`` of them.
    lower : float or None
        The smallest value that took part in computing the breaks (``None`` without values).
    closed : {"right", "left"}
        ``"right"``: a value equal to a break belongs to the class below it (all methods but
        ``threshold``); ``"left"``: it belongs to the class above (``threshold``).
    classes : list of int or None
        The 0-based class of every input value, ``None`` for missing values.
    counts : list of int
        The number of values in each class (outliers included), ``k_used`` of them.
    outliers : list of Outlier
        Values kept out of the break computation, with their input position.
    notes : list of str
        Human-readable remarks: reduced ``k``, empty classes, values beyond the breaks.
    fences : tuple of float or None
        ``(low, high)`` outlier fences when outliers were excluded, else ``None``.
    """

    method: str
    k_requested: int
    k_used: int
    breaks: list[float]
    lower: float | None
    closed: Literal["right", "left"]
    classes: list[int | None]
    counts: list[int]
    outliers: list[Outlier] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    fences: tuple[float, float] | None = None

    @property
    def flags(self) -> list[str | None]:
        """Per input value: ``"low_outlier"``, ``"high_outlier"`` or ``None``.

        Examples
        --------
        >>> classify([1, 2, 3, 4, 100], "quantiles", k=2, exclude_outliers=True).flags
        [None, None, None, None, 'high_outlier']
        """
        flags: list[str | None] = [None] * len(self.classes)
        for outlier in self.outliers:
            flags[outlier.index] = outlier.kind
        return flags

    def assign(self, values: Sequence[float | None] | np.ndarray | pd.Series) -> list[int | None]:
        """Classify new values with these breaks (missing values get ``None``).

        Values below ``lower`` go to class 0 and values above the last break to the last class.

        Examples
        --------
        >>> c = classify([0, 10, 20, 30, 40], "equal_interval", k=2)
        >>> c.breaks
        [20.0, 40.0]
        >>> c.assign([20, 20.5, -5, 99, None])
        [0, 1, 0, 1, None]
        """
        return _assign(_as_values(values, "values"), self.breaks, self.closed)

    def apply(self, values: Sequence[float | None] | np.ndarray | pd.Series) -> Classification:
        """A full :class:`Classification` of new values with these (fixed) breaks.

        Outliers are flagged with the stored fences, if any; notes count values beyond the
        break range.

        Examples
        --------
        >>> c = classify([1, 2, 3, 4], "quantiles", k=2)
        >>> applied = c.apply([0, 5, None])
        >>> applied.breaks, applied.classes, applied.counts
        ([2.5, 4.0], [0, 1, None], [1, 1])
        >>> applied.notes
        ['1 value(s) above the last break 4 were put into the last class',
         '1 value(s) below the lower bound 1 were put into the first class']
        """
        x = _as_values(values, "values")
        classes = _assign(x, self.breaks, self.closed)
        outliers = _flag(x, self.fences) if self.fences is not None else []
        notes = _range_notes(x, self.breaks, self.lower, self.closed)
        return Classification(
            method=self.method,
            k_requested=self.k_requested,
            k_used=self.k_used,
            breaks=list(self.breaks),
            lower=self.lower,
            closed=self.closed,
            classes=classes,
            counts=_counts(classes, self.k_used),
            outliers=outliers,
            notes=notes,
            fences=self.fences,
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict (NaN and infinities become ``None``).

        Examples
        --------
        >>> d = classify([1.0, None, 3.0], "manual", breaks=[2, 3]).to_dict()
        >>> d["breaks"], d["classes"], d["counts"], d["lower"]
        ([2.0, 3.0], [0, None, 1], [1, 1], 1.0)
        """
        return {
            "method": self.method,
            "k_requested": self.k_requested,
            "k_used": self.k_used,
            "breaks": [_json_float(b) for b in self.breaks],
            "lower": _json_float(self.lower),
            "closed": self.closed,
            "classes": list(self.classes),
            "counts": list(self.counts),
            "outliers": [{"index": o.index, "kind": o.kind, "value": _json_float(o.value)} for o in self.outliers],
            "flags": self.flags,
            "notes": list(self.notes),
            "fences": None
            if self.fences is None
            else {"low": _json_float(self.fences[0]), "high": _json_float(self.fences[1])},
        }


@dataclass(frozen=True)
class FixedBreaks:
    """Breaks computed once over a pooled time series, applied to every date.

    Attributes
    ----------
    pooled : Classification
        The classification of all values of all dates together (in mapping order).
    by_date : dict
        For every date key: the :class:`Classification` of that date's values with the
        pooled breaks.
    """

    pooled: Classification
    by_date: dict[date | str, Classification]

    @property
    def breaks(self) -> list[float]:
        """The common breaks."""
        return self.pooled.breaks

    def assign(self, values: Sequence[float | None] | np.ndarray | pd.Series) -> list[int | None]:
        """Classify the values of any date with the common breaks."""
        return self.pooled.assign(values)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict; date keys become ISO strings."""
        return {
            "pooled": self.pooled.to_dict(),
            "by_date": {
                (key.isoformat() if isinstance(key, date) else str(key)): c.to_dict() for key, c in self.by_date.items()
            },
        }


def classify(
    values: Sequence[float | None] | np.ndarray | pd.Series,
    method: ClassMethod | str,
    k: int = 5,
    *,
    breaks: Sequence[float] | None = None,
    exclude_outliers: bool = False,
    outlier_method: OutlierMethod | str = "iqr",
    outlier_factor: float = 1.5,
) -> Classification:
    """Classify values for a choropleth map.

    Parameters
    ----------
    values : sequence of float or None
        The values, one per unit; ``None``/NaN are missing.
    method : str
        One of ``jenks``, ``quantiles``, ``equal_interval``, ``std_mean``, ``manual``,
        ``threshold`` (see the module docstring).
    k : int
        Number of classes for the data-driven methods (1 to :data:`MAX_CLASSES`).
    breaks : sequence of float, optional
        Strictly ascending upper bounds (``manual``) or thresholds (``threshold``); required by
        those two methods and refused by the others.
    exclude_outliers : bool
        Keep outliers out of the break computation (they still get the first/last class).
    outlier_method : {"iqr", "zscore"}
        How outliers are found.
    outlier_factor : float
        The IQR multiple (``iqr``) or the ``|z|`` limit (``zscore``); positive.

    Returns
    -------
    Classification

    Raises
    ------
    InvalidInput
        For an unknown method, a bad ``k``, bad ``breaks``, non-numeric or infinite values.

    Examples
    --------
    >>> c = classify(range(1, 11), "quantiles", k=5)
    >>> [round(b, 6) for b in c.breaks], c.counts
    ([2.8, 4.6, 6.4, 8.2, 10.0], [2, 2, 2, 2, 2])
    >>> classify([0.05, 0.1, 0.2], "threshold", breaks=[0.1]).classes
    [0, 1, 1]
    >>> c = classify([4, 4, 4], "jenks", k=3)
    >>> c.k_used, c.breaks, c.notes
    (1, [4.0], ['only 1 distinct value(s): k reduced from 3 to 1'])
    """
    if method not in METHODS:
        raise InvalidInput(f"method: unknown classification method {method!r}; expected one of {', '.join(METHODS)}")
    k_checked = _check_k(k)
    if outlier_method not in ("iqr", "zscore"):
        raise InvalidInput(f"outlier_method: expected 'iqr' or 'zscore', got {outlier_method!r}")
    if (
        isinstance(outlier_factor, bool)
        or not isinstance(outlier_factor, Real)
        or not math.isfinite(outlier_factor)
        or outlier_factor <= 0
    ):
        raise InvalidInput(f"outlier_factor: must be a positive finite number, got {outlier_factor!r}")
    given = None
    if method in ("manual", "threshold"):
        if breaks is None:
            raise InvalidInput(f"breaks: method {method!r} needs breaks")
        given = check_breaks(breaks, "breaks")
    elif breaks is not None:
        raise InvalidInput(f"breaks: method {method!r} computes its own breaks; use method 'manual' for given breaks")

    x = _as_values(values, "values")
    present = ~np.isnan(x)
    notes: list[str] = []
    outliers: list[Outlier] = []
    fences: tuple[float, float] | None = None
    basis = x[present]
    if exclude_outliers and basis.size:
        fences = _fences(basis, str(outlier_method), float(outlier_factor))
        outliers = _flag(x, fences)
        inliers = basis[(basis >= fences[0]) & (basis <= fences[1])]
        if not inliers.size:
            notes.append("every value lies outside the outlier fences: outliers were not excluded")
            outliers, fences = [], None
        elif outliers:
            if method in _COMPUTED:
                notes.append(f"{len(outliers)} outlier(s) kept out of the break computation")
            basis = inliers

    if given is not None:
        if method == "manual":
            cuts = list(given)
            closed: Literal["right", "left"] = "right"
            k_requested = len(cuts)
        else:
            data_max = float(x[present].max()) if present.any() else -math.inf
            cuts = [*given, max(data_max, given[-1])]
            closed = "left"
            k_requested = len(cuts)
        lower = float(x[present].min()) if present.any() else None
        notes.extend(_range_notes(x, cuts, None, closed))
        if lower is None:
            notes.append("no non-missing values: nothing to classify")
    else:
        closed = "right"
        k_requested = k_checked
        if basis.size == 0:
            notes.append("no non-missing values: nothing to classify")
            classes: list[int | None] = [None] * x.size
            return Classification(str(method), k_requested, 0, [], None, closed, classes, [], [], notes, None)
        cuts, reduction_note = _compute_breaks(basis, str(method), k_checked)
        if reduction_note:
            notes.append(reduction_note)
        lower = float(basis.min())

    classes = _user_defined(x, cuts) if method == "manual" else _assign(x, cuts, closed)
    counts = _counts(classes, len(cuts))
    empty = [str(i) for i, n in enumerate(counts) if n == 0]
    if empty and present.any():
        notes.append(f"empty class(es): {', '.join(empty)}")
    return Classification(
        method=str(method),
        k_requested=k_requested,
        k_used=len(cuts),
        breaks=[float(c) for c in cuts],
        lower=lower,
        closed=closed,
        classes=classes,
        counts=counts,
        outliers=outliers,
        notes=notes,
        fences=fences,
    )


def fixed_breaks(
    series_by_date: Mapping[date | str, Sequence[float | None] | np.ndarray | pd.Series],
    method: ClassMethod | str,
    k: int = 5,
    **options: Any,
) -> FixedBreaks:
    """Breaks computed once over all values of a time series, so every date shares them.

    Parameters
    ----------
    series_by_date : mapping of date or str to sequence of float
        The values of each date.
    method, k, **options
        As for :func:`classify` (``breaks``, ``exclude_outliers``, ``outlier_method``,
        ``outlier_factor``).

    Returns
    -------
    FixedBreaks
        The pooled classification and one classification per date with its breaks.

    Examples
    --------
    >>> fb = fixed_breaks({"2020": [1, 2, 3], "2024": [10, 11, 12]}, "jenks", k=2)
    >>> fb.breaks
    [3.0, 12.0]
    >>> fb.by_date["2020"].classes, fb.by_date["2024"].classes
    ([0, 0, 0], [1, 1, 1])
    >>> fb.assign([2.5, 7])
    [0, 1]
    """
    if not series_by_date:
        raise InvalidInput("series_by_date: no dates given")
    arrays = {key: _as_values(vals, f"series_by_date[{key!r}]") for key, vals in series_by_date.items()}
    pooled = classify(np.concatenate(list(arrays.values())), method, k, **options)
    return FixedBreaks(pooled=pooled, by_date={key: pooled.apply(arr) for key, arr in arrays.items()})


def regional_default(
    level_values: Mapping[str, Sequence[float | None] | np.ndarray | pd.Series],
    method: ClassMethod | str,
    k: int = 5,
    **options: Any,
) -> dict[str, Classification]:
    """Default breaks per spatial level: one :class:`Classification` per level id.

    Examples
    --------
    >>> defaults = regional_default({"bezirk": [1, 2, 3, 4], "planungsraum": [0, 10]}, "equal_interval", k=2)
    >>> defaults["bezirk"].breaks, defaults["planungsraum"].breaks
    ([2.5, 4.0], [5.0, 10.0])
    """
    return {level: classify(vals, method, k, **options) for level, vals in level_values.items()}


def check_breaks(breaks: Sequence[float], name: str = "breaks") -> list[float]:
    """Validate given breaks: 1 to :data:`MAX_CLASSES` finite numbers, strictly ascending.

    Examples
    --------
    >>> check_breaks([1, 2.5])
    [1.0, 2.5]
    >>> check_breaks([2, 1])
    Traceback (most recent call last):
    ...
    ortswissen.errors.InvalidInput: breaks: must be strictly ascending, got [2, 1]
    """
    if isinstance(breaks, str | bytes) or not isinstance(breaks, Sequence | np.ndarray | pd.Series):
        raise InvalidInput(f"{name}: expected a list of numbers, got {breaks!r}")
    items = list(breaks)
    if not 1 <= len(items) <= MAX_CLASSES:
        raise InvalidInput(f"{name}: expected 1 to {MAX_CLASSES} numbers, got {len(items)}")
    out: list[float] = []
    for item in items:
        if isinstance(item, bool) or not isinstance(item, Real) or not math.isfinite(float(item)):
            raise InvalidInput(f"{name}: every break must be a finite number, got {item!r}")
        out.append(float(item))
    if any(b <= a for a, b in itertools.pairwise(out)):
        raise InvalidInput(f"{name}: must be strictly ascending, got {items!r}")
    return out


# -- internals -----------------------------------------------------------------------------------


def _check_k(k: object) -> int:
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or not 1 <= int(k) <= MAX_CLASSES:
        raise InvalidInput(f"k: must be an integer from 1 to {MAX_CLASSES}, got {k!r}")
    return int(k)


def _as_values(values: object, name: str) -> np.ndarray:
    """A float array with NaN for missing values; refuses text, booleans and infinities."""
    if isinstance(values, str | bytes) or values is None or np.ndim(values) != 1:  # type: ignore[arg-type]
        raise InvalidInput(f"{name}: expected a one-dimensional sequence of numbers")
    if isinstance(values, np.ndarray) and values.dtype.kind in "iuf":
        x = values.astype(float)
    elif isinstance(values, pd.Series) and pd.api.types.is_numeric_dtype(values) and values.dtype.kind != "b":
        x = values.to_numpy(dtype=float, na_value=math.nan)
    else:
        items = values.tolist() if isinstance(values, np.ndarray | pd.Series | pd.Index) else list(values)  # type: ignore[call-overload]
        x = np.empty(len(items), dtype=float)
        for i, item in enumerate(items):
            if item is None or item is pd.NA or item is pd.NaT:
                x[i] = math.nan
            elif isinstance(item, Real) and not isinstance(item, bool):
                x[i] = float(item)
            else:
                raise InvalidInput(f"{name}: value at position {i} is not a number: {item!r}")
    if np.isinf(x).any():
        raise InvalidInput(f"{name}: infinite value at position {int(np.flatnonzero(np.isinf(x))[0])}")
    return x


def _assign(x: np.ndarray, breaks: Sequence[float], closed: str) -> list[int | None]:
    if not len(breaks):
        return [None] * x.size
    inner = np.asarray(breaks[:-1], dtype=float)
    side: Literal["left", "right"] = "left" if closed == "right" else "right"
    idx = np.searchsorted(inner, x, side=side)
    return [None if math.isnan(v) else int(i) for v, i in zip(x.tolist(), idx.tolist(), strict=True)]


def _counts(classes: list[int | None], k: int) -> list[int]:
    counts = [0] * k
    for c in classes:
        if c is not None:
            counts[c] += 1
    return counts


def _fences(x: np.ndarray, method: str, factor: float) -> tuple[float, float]:
    """Outlier fences of finite, non-empty ``x``: ``mapclassify.BoxPlot`` or ``StdMean``."""
    import mapclassify

    if method == "iqr":
        bins = _finite_bins(lambda: mapclassify.BoxPlot(x, hinge=factor).bins, "outlier fences")
        return float(bins[0]), float(bins[4])  # q1 - f * IQR, q3 + f * IQR
    if x.size < 2:
        return float(x[0]), float(x[0])
    bins = _finite_bins(lambda: mapclassify.StdMean(x, multiples=[-factor, factor]).bins, "outlier fences")
    return float(bins[0]), float(bins[1])


def _flag(x: np.ndarray, fences: tuple[float, float]) -> list[Outlier]:
    out: list[Outlier] = []
    for i, v in enumerate(x.tolist()):
        if v < fences[0]:
            out.append(Outlier(i, "low_outlier", v))
        elif v > fences[1]:
            out.append(Outlier(i, "high_outlier", v))
    return out


def _range_notes(x: np.ndarray, breaks: Sequence[float], lower: float | None, closed: str) -> list[str]:
    """Notes about values beyond the break range (only meaningful for given or fixed breaks)."""
    if not len(breaks):
        return []
    present = x[~np.isnan(x)]
    notes = []
    above = int((present > breaks[-1]).sum()) if closed == "right" else 0
    if above:
        notes.append(f"{above} value(s) above the last break {breaks[-1]:g} were put into the last class")
    below = int((present < lower).sum()) if lower is not None else 0
    if below:
        notes.append(f"{below} value(s) below the lower bound {lower:g} were put into the first class")
    return notes


def _compute_breaks(y: np.ndarray, method: str, k: int) -> tuple[list[float], str | None]:
    """Upper bounds for a data-driven method over non-empty finite ``y``; a note if k shrank."""
    import mapclassify

    unique, counts = np.unique(y, return_counts=True)
    k_eff = min(k, unique.size)
    note = f"only {unique.size} distinct value(s): k reduced from {k} to {k_eff}" if k_eff < k else None
    low, top = float(unique[0]), float(unique[-1])
    if k_eff == 1:
        return [top], note
    compute: dict[str, Callable[[], Sequence[float]]] = {
        "quantiles": lambda: mapclassify.Percentiles(y, pct=_quantile_percents(k_eff)).bins,
        "equal_interval": lambda: mapclassify.EqualInterval(y, k=k_eff).bins,
        "std_mean": lambda: mapclassify.StdMean(y, multiples=_std_multiples(k_eff)).bins,
    }
    if method == "jenks":
        bins = _jenks(y, unique, counts.astype(float), k_eff)
    else:
        bins = _finite_bins(compute[method], f"method {method!r}")
    cuts = _tidy(bins, low, top)
    if len(cuts) < k_eff:
        reasons = {"quantiles": "tied values make quantiles coincide", "std_mean": "outer classes would be empty"}
        note = f"k reduced from {k} to {len(cuts)}: {reasons.get(method, 'breaks coincide')}"
    return cuts, note


def _tidy(bins: Sequence[float], low: float, top: float) -> list[float]:
    """Distinct ascending breaks within ``[low, top)``, then ``top``: no empty outer class."""
    inner = {float(b) for b in bins if low <= b < top}
    return [*sorted(inner), top]


def _quantile_percents(k: int) -> list[float]:
    """``mapclassify.Quantiles``' percentiles for ``k`` classes, made to end at exactly 100.

    ``Quantiles`` uses ``np.arange(w, 100 + w, w)`` with ``w = 100 / k``: for some ``k`` the
    last step lands a hair below 100 (then the maximum is not in any class) or one step too
    far (``k + 1`` classes).
    """
    w = 100.0 / k
    pct = np.arange(w, 100 + w, w)[:k]
    pct[-1] = 100.0
    return pct.tolist()


def _std_multiples(k: int) -> list[int]:
    half = k // 2
    return [*range(-half, 0), *range(1, half + 1)] if k % 2 else list(range(-(half - 1), half))


def _user_defined(x: np.ndarray, cuts: Sequence[float]) -> list[int | None]:
    """Classes of ``x`` for manual upper bounds, by ``mapclassify.UserDefined``.

    ``UserDefined`` adds a class up to the maximum when values lie above the last bound; such
    values go into the last given class instead.
    """
    import mapclassify

    present = ~np.isnan(x)
    classes: list[int | None] = [None] * x.size
    if present.any():
        yb = mapclassify.UserDefined(x[present], np.asarray(cuts, dtype=float)).yb
        for i, c in zip(np.flatnonzero(present).tolist(), np.minimum(yb, len(cuts) - 1).tolist(), strict=True):
            classes[i] = c
    return classes


def _jenks(y: np.ndarray, unique: np.ndarray, weights: np.ndarray, k: int) -> list[float]:
    """Natural breaks: ``mapclassify.FisherJenks`` for small problems if optimal, else our own.

    ``2 <= k <= unique.size``. ``FisherJenks`` gets the sorted values minus their mean (its
    float32 sums lose everything but the offset for values like 100000 ± 10); its breaks are
    mapped back to the original values.
    """
    try:
        with np.errstate(over="raise", invalid="raise"):
            exact = _fisher_jenks(unique, weights, k)
    except FloatingPointError as exc:
        raise InvalidInput("values: too large in magnitude for method 'jenks'") from exc
    if y.size * y.size * (k + 2) > _FISHER_JENKS_BUDGET:
        return exact
    import mapclassify

    ordered = np.sort(y)
    try:
        with np.errstate(all="raise"):  # float32 overflow for huge values
            centred = ordered - ordered.mean()
            with _quiet_warnings():
                bins = mapclassify.FisherJenks(centred, k=k).bins
    except (ValueError, FloatingPointError):  # ValueError: centring merged distinct values
        return exact
    theirs = ordered[np.searchsorted(centred, bins, side="right") - 1].tolist()
    if len(set(theirs)) != k:
        return exact
    ss_theirs, ss_exact = _sse(unique, weights, theirs), _sse(unique, weights, exact)
    total = _sse(unique, weights, [float(unique[-1])])
    return theirs if ss_theirs <= ss_exact * (1 + 1e-9) + total * 1e-12 else exact


def _finite_bins(compute: Callable[[], Sequence[float]], what: str) -> np.ndarray:
    """Bins from a mapclassify classifier; overflow (huge values) is an :class:`InvalidInput`.

    The classifiers also compute fit statistics (sums of squares) that may overflow where the
    bins do not; only the bins count.
    """
    with np.errstate(all="ignore"):
        bins = np.asarray(compute(), dtype=float)
    if not np.isfinite(bins).all():
        raise InvalidInput(f"values: too large in magnitude for {what}")
    return bins


def _sse(unique: np.ndarray, weights: np.ndarray, breaks: Sequence[float]) -> float:
    """Sum of squared deviations from the class means of (weighted) sorted distinct values."""
    starts = np.concatenate(([0], np.searchsorted(unique, breaks[:-1], side="right")))
    w = np.add.reduceat(weights, starts)
    s1 = np.add.reduceat(weights * unique, starts)
    means = np.repeat(s1 / w, np.diff(np.append(starts, unique.size)))
    return float((weights * (unique - means) ** 2).sum())


@contextmanager
def _quiet_warnings() -> Iterator[None]:
    """Silence ``FisherJenks``' warning that numba is missing (see the module docstring)."""
    with _WARNINGS_LOCK, warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Numba not installed\. Using slow pure python", category=UserWarning)
        yield


def _fisher_jenks(unique: np.ndarray, weights: np.ndarray, k: int) -> list[float]:
    """Fisher's exact natural breaks over sorted distinct values with multiplicities.

    Dynamic programming over "the best split of the first ``j`` values into ``c`` classes",
    with the divide-and-conquer speed-up that the optimal start of the last class grows with
    ``j`` (1-D k-means is totally monotone); each recursion level is one vectorised step,
    so the cost is ``O(k n log n)``. Ties in the objective go to the leftmost split.
    """
    m = unique.size
    centred = unique - np.average(unique, weights=weights)  # prefix sums of centred values lose less precision
    w_sum = np.concatenate(([0.0], np.cumsum(weights)))
    s1 = np.concatenate(([0.0], np.cumsum(weights * centred)))
    s2 = np.concatenate(([0.0], np.cumsum(weights * centred * centred)))

    def cost(i: np.ndarray, j: np.ndarray) -> np.ndarray:  # squared deviations of values i..j (inclusive)
        s = s1[j + 1] - s1[i]
        return np.maximum(s2[j + 1] - s2[i] - s * s / (w_sum[j + 1] - w_sum[i]), 0.0)

    prev = cost(np.zeros(m, dtype=np.int64), np.arange(m))
    start_of_last = np.zeros((k + 1, m), dtype=np.int64)
    for c in range(2, k + 1):
        cur = np.full(m, np.inf)
        lo, hi = np.array([c - 1]), np.array([m - 1])  # positions j to solve
        opt_lo, opt_hi = np.array([c - 1]), np.array([m - 1])  # range of the optimal start
        while lo.size:
            mid = (lo + hi) // 2
            length = np.minimum(mid, opt_hi) - opt_lo + 1
            offsets = np.concatenate(([0], np.cumsum(length)[:-1]))
            seg = np.repeat(np.arange(lo.size), length)
            i = opt_lo[seg] + np.arange(seg.size) - offsets[seg]
            total = prev[i - 1] + cost(i, mid[seg])
            best_total = np.minimum.reduceat(total, offsets)
            hits = np.flatnonzero(total <= best_total[seg])
            _, first = np.unique(seg[hits], return_index=True)
            best = i[hits[first]]
            cur[mid] = best_total
            start_of_last[c, mid] = best
            left, right = lo <= mid - 1, mid + 1 <= hi
            lo, hi, opt_lo, opt_hi = (
                np.concatenate((lo[left], mid[right] + 1)),
                np.concatenate((mid[left] - 1, hi[right])),
                np.concatenate((opt_lo[left], best[right])),
                np.concatenate((best[left], opt_hi[right])),
            )
        prev = cur
    ends = [m - 1]
    for c in range(k, 1, -1):
        ends.append(int(start_of_last[c, ends[-1]]) - 1)
    return [float(unique[e]) for e in reversed(ends)]


def _json_float(value: float | None) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return float(value)
