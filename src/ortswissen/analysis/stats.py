"""Statistics over spatial units and time: rankings, changes, trends, scatter plots, deficits.

All functions take pandas objects indexed by ``unit_id`` (one value per unit). A missing
value (``NaN``, ``None``, ``pd.NA``) stays missing: it is never treated as 0, never takes
part in a mean, a standard deviation or a regression, and gets a missing result. Unit ids
must be unique; non-numeric or infinite values raise :class:`~ortswissen.errors.InvalidInput`.

Definitions
-----------
percentile
    The share, in percent (0–100), of the units *with a value* whose value is ``<=`` this
    unit's value. The largest value has percentile 100; ties share the higher percentile.
    :func:`ranking` and :func:`profile` use the same definition.
decimal year
    Dates become fractional years for trends: ``year + (day_of_year - 1) / days_in_year``
    (plus the time of day, if any), so 1 January is a whole number and 31 December 2020
    (a leap year) is ``2020 + 365/366``. See :func:`decimal_year`.

Examples
--------
>>> values = pd.Series({"a": 3.0, "b": 1.0, "c": None, "d": 3.0})
>>> ranking(values)
   value  rank  percentile
a    3.0   1.0  100.000000
d    3.0   1.0  100.000000
b    1.0   3.0   33.333333
c    NaN   NaN         NaN
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date, datetime
from numbers import Real
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats as scipy_stats

from ortswissen.errors import InvalidInput

__all__ = [
    "POLARITIES",
    "change",
    "decimal_year",
    "deficits",
    "percentile_of",
    "profile",
    "ranking",
    "scatter",
    "trend",
]

POLARITIES: tuple[str, ...] = ("higher_is_better", "higher_is_worse", "neutral")
"""Accepted ``polarity`` values (the values of ``ortswissen.indicators.Polarity``)."""

_MAX_LISTED = 5


# -- helpers -------------------------------------------------------------------------------------


def _listed(items: Any) -> str:
    """A short, readable list of ids for error messages."""
    items = list(items)
    shown = ", ".join(repr(item) for item in items[:_MAX_LISTED])
    return shown + (f" (and {len(items) - _MAX_LISTED} more)" if len(items) > _MAX_LISTED else "")


def as_float_series(values: Any, name: str = "values") -> pd.Series:
    """``values`` as a float Series with unique index; missing values become NaN.

    Raises :class:`InvalidInput` for something that is not a Series, duplicate unit ids,
    non-numeric or infinite values. Used by this module and by :mod:`.spatial`.

    Examples
    --------
    >>> as_float_series(pd.Series({"a": 1, "b": None})).tolist()
    [1.0, nan]
    """
    if not isinstance(values, pd.Series):
        raise InvalidInput(f"{name} must be a pandas Series indexed by unit id, got {type(values).__name__}")
    if not values.index.is_unique:
        duplicated = values.index[values.index.duplicated()].unique()
        raise InvalidInput(f"{name}: duplicate unit ids {_listed(duplicated)}")
    if values.dtype == object or isinstance(values.dtype, pd.StringDtype):
        try:
            values = pd.to_numeric(values, errors="raise")
        except (ValueError, TypeError) as exc:
            raise InvalidInput(f"{name} must be numeric: {exc}") from exc
    try:
        array = values.to_numpy(dtype="float64", na_value=np.nan)
    except (ValueError, TypeError) as exc:
        raise InvalidInput(f"{name} must be numeric: {exc}") from exc
    infinite = np.isinf(array)
    if infinite.any():
        raise InvalidInput(f"{name}: infinite value for unit(s) {_listed(values.index[infinite])}")
    return pd.Series(array, index=values.index.copy(), name=values.name)


def _percentiles(distribution: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Percentile (0–100) of each of ``values`` within the non-missing ``distribution``."""
    valid = np.sort(distribution[~np.isnan(distribution)])
    out = np.full(values.shape, np.nan)
    if valid.size == 0:
        return out
    present = ~np.isnan(values)
    out[present] = 100.0 * np.searchsorted(valid, values[present], side="right") / valid.size
    return out


def _json_float(value: float) -> float | None:
    """A plain float, or ``None`` for NaN."""
    value = float(value)
    return None if math.isnan(value) else value


# -- ranking -------------------------------------------------------------------------------------


def ranking(values: pd.Series, *, ascending: bool = False, polarity: str | None = None) -> pd.DataFrame:
    """Rank units by their value.

    Parameters
    ----------
    values : pandas.Series
        One value per unit, indexed by unit id; missing values are allowed.
    ascending : bool
        ``False`` (default): rank 1 is the highest value; ``True``: rank 1 is the lowest.
    polarity : {"higher_is_better", "higher_is_worse", "neutral"} or None
        An indicator's polarity. When it is ``"higher_is_better"`` or ``"higher_is_worse"``
        it decides the direction (rank 1 = best value) and ``ascending`` is ignored;
        ``"neutral"`` or ``None`` leave the direction to ``ascending``.

    Returns
    -------
    pandas.DataFrame
        Indexed by unit id, sorted by rank (ties in input order, missing values last), with
        columns ``value``, ``rank`` (float; ties get the smallest rank of their group, the
        next rank skips accordingly; NaN for missing values) and ``percentile`` (share in
        percent of the units with a value that is ``<=`` this one; independent of the
        direction; NaN for missing values).

    Examples
    --------
    >>> r = ranking(pd.Series({"a": 5.0, "b": 7.0, "c": 5.0}), polarity="higher_is_worse")
    >>> r["rank"].to_dict()
    {'a': 1.0, 'c': 1.0, 'b': 3.0}
    """
    series = as_float_series(values)
    if polarity is not None and str(polarity) not in POLARITIES:
        raise InvalidInput(f"polarity must be one of {', '.join(POLARITIES)} or None, got {polarity!r}")
    if polarity == "higher_is_better":
        ascending = False
    elif polarity == "higher_is_worse":
        ascending = True
    rank = series.rank(method="min", ascending=bool(ascending), na_option="keep")
    array = series.to_numpy()
    frame = pd.DataFrame(
        {"value": array, "rank": rank.to_numpy(dtype="float64"), "percentile": _percentiles(array, array)},
        index=series.index,
    )
    return frame.sort_values("rank", kind="stable", na_position="last")


# -- change between two dates --------------------------------------------------------------------


def change(start: pd.Series, end: pd.Series) -> pd.DataFrame:
    """Absolute and relative change per unit between two dates.

    Units present in either series take part (a unit missing from one series has a
    missing value there).

    Returns
    -------
    pandas.DataFrame
        Indexed by unit id (units of ``start`` first, then those only in ``end``) with
        columns ``start``, ``end``, ``absolute`` (``end - start``), ``relative`` and
        ``status``:

        * ``"missing"``: a value is missing; ``absolute`` and ``relative`` are NaN.
        * ``"zero_base"``: ``start`` is 0; ``absolute`` is given, ``relative`` is NaN.
        * ``"ok"``: ``relative = (end - start) / |start|``, a fraction (0.1 = +10 %). The
          denominator is the absolute value of ``start`` so that the sign of ``relative``
          is always the sign of ``absolute``, also for negative values such as a
          migration balance.

    Examples
    --------
    >>> c = change(pd.Series({"a": 100.0, "b": 0.0, "c": -50.0}), pd.Series({"a": 110.0, "b": 5.0, "c": -25.0}))
    >>> c
       start    end  absolute  relative     status
    a  100.0  110.0      10.0       0.1         ok
    b    0.0    5.0       5.0       NaN  zero_base
    c  -50.0  -25.0      25.0       0.5         ok
    """
    first = as_float_series(start, "start")
    second = as_float_series(end, "end")
    index = first.index.union(second.index, sort=False)
    s = first.reindex(index).to_numpy()
    e = second.reindex(index).to_numpy()
    missing = np.isnan(s) | np.isnan(e)
    zero = ~missing & (s == 0)
    ok = ~missing & ~zero
    absolute = np.where(missing, np.nan, e - s)
    relative = np.full(len(index), np.nan)
    relative[ok] = absolute[ok] / np.abs(s[ok])
    status = np.where(missing, "missing", np.where(zero, "zero_base", "ok"))
    return pd.DataFrame(
        {"start": s, "end": e, "absolute": absolute, "relative": relative, "status": status.astype(object)},
        index=index,
    )


# -- trend over time -----------------------------------------------------------------------------


def decimal_year(value: date | datetime | pd.Timestamp) -> float:
    """A date as a fractional year: ``year + (day_of_year - 1 + time_of_day) / days_in_year``.

    Examples
    --------
    >>> decimal_year(date(2021, 1, 1))
    2021.0
    >>> decimal_year(date(2020, 12, 31)) == 2020 + 365 / 366
    True
    """
    try:
        timestamps = pd.to_datetime(pd.Series([value]), errors="raise")
    except (ValueError, TypeError) as exc:
        raise InvalidInput(f"not a date: {value!r}") from exc
    result = _decimal_years(timestamps)[0]
    if math.isnan(result):
        raise InvalidInput(f"not a date: {value!r}")
    return float(result)


def _decimal_years(timestamps: pd.Series) -> np.ndarray:
    """Vectorised :func:`decimal_year` over a datetime Series."""
    dt = timestamps.dt
    seconds = dt.hour * 3600 + dt.minute * 60 + dt.second + dt.microsecond / 1e6
    day = (dt.day_of_year - 1) + seconds / 86400.0
    days_in_year = np.where(dt.is_leap_year, 366.0, 365.0)
    return (dt.year + day / days_in_year).to_numpy(dtype="float64", na_value=np.nan)


def trend(series: pd.DataFrame) -> pd.DataFrame:
    """Linear trend per unit: ordinary least squares of value on time in years.

    Parameters
    ----------
    series : pandas.DataFrame
        Long format with columns ``unit_id``, ``date`` (``datetime.date``, datetime or
        anything :func:`pandas.to_datetime` reads) and ``value``. One row per unit and date;
        missing values are dropped, not treated as 0.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``unit_id`` (in order of first appearance) with columns

        * ``slope``: change per year; the time axis is :func:`decimal_year` of the date.
        * ``intercept``: the fitted value at decimal year 0 (``value ≈ intercept + slope * x``).
        * ``r``: Pearson correlation of value with time, the "continuity" of the trend (±1: a
          perfectly steady change; for two points it is always ±1).
        * ``n``: the number of non-missing points.
        * ``status``: ``"ok"``; ``"too_few_points"`` with fewer than 2 points (slope,
          intercept and r are NaN); ``"constant"`` when all values are equal (slope 0, r NaN
          because a correlation with a constant is undefined).

    Examples
    --------
    >>> df = pd.DataFrame({
    ...     "unit_id": ["a", "a", "a", "b", "b"],
    ...     "date": [date(2020, 1, 1), date(2021, 1, 1), date(2022, 1, 1), date(2020, 1, 1), date(2021, 1, 1)],
    ...     "value": [10.0, 12.0, 15.0, 4.0, 4.0],
    ... })
    >>> trend(df).round(4)
             slope  intercept       r  n    status
    unit_id
    a          2.5 -5040.1667  0.9934  3        ok
    b          0.0     4.0000     NaN  2  constant
    """
    if not isinstance(series, pd.DataFrame):
        raise InvalidInput(f"series must be a pandas DataFrame, got {type(series).__name__}")
    absent = [column for column in ("unit_id", "date", "value") if column not in series.columns]
    if absent:
        raise InvalidInput(f"series lacks the column(s) {', '.join(absent)} (needs unit_id, date, value)")
    frame = series[["unit_id", "date", "value"]].reset_index(drop=True)
    if frame["unit_id"].isna().any():
        raise InvalidInput("series: unit_id is missing in some rows")
    try:
        timestamps = pd.to_datetime(frame["date"], errors="raise")
    except (ValueError, TypeError) as exc:
        raise InvalidInput(f"series: the date column holds something that is not a date: {exc}") from exc
    if timestamps.isna().any():
        raise InvalidInput("series: the date is missing in some rows")
    duplicated = frame.assign(date=timestamps).duplicated(["unit_id", "date"])
    if duplicated.any():
        pairs = frame.loc[duplicated, ["unit_id", "date"]].itertuples(index=False, name=None)
        raise InvalidInput(f"series: more than one value per unit and date: {_listed(pairs)}")
    values = as_float_series(frame["value"], "value").to_numpy()
    x = _decimal_years(timestamps)

    units = pd.Index(frame["unit_id"].unique(), name="unit_id")
    columns: dict[str, list[Any]] = {"slope": [], "intercept": [], "r": [], "n": [], "status": []}
    codes = pd.Categorical(frame["unit_id"], categories=units).codes
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(units) + 1))
    for position in range(len(units)):
        rows = order[bounds[position] : bounds[position + 1]]
        xs, ys = x[rows], values[rows]
        present = ~np.isnan(ys)
        slope, intercept, r, status = _ols(xs[present], ys[present])
        columns["slope"].append(slope)
        columns["intercept"].append(intercept)
        columns["r"].append(r)
        columns["n"].append(int(present.sum()))
        columns["status"].append(status)
    result = pd.DataFrame(columns, index=units)
    return result.astype({"slope": "float64", "intercept": "float64", "r": "float64", "n": "int64"})


def _ols(x: np.ndarray, y: np.ndarray) -> tuple[float, float, float, str]:
    """Slope, intercept, Pearson r and status of a simple regression (x values distinct)."""
    if x.size < 2:
        return math.nan, math.nan, math.nan, "too_few_points"
    if np.all(y == y[0]):
        return 0.0, float(y[0]), math.nan, "constant"
    dx = x - x.mean()
    dy = y - y.mean()
    sxx, sxy, syy = float(dx @ dx), float(dx @ dy), float(dy @ dy)
    slope = sxy / sxx
    r = max(-1.0, min(1.0, sxy / math.sqrt(sxx * syy)))
    return slope, float(y.mean() - slope * x.mean()), r, "ok"


# -- scatter plot with regression line -----------------------------------------------------------


def scatter(x: pd.Series, y: pd.Series) -> dict[str, Any]:
    """Regression of ``y`` on ``x`` over the units that have both values.

    Returns
    -------
    dict
        ``n``, ``slope``, ``intercept``, ``r`` (Pearson), ``r2``, ``p_value`` (two-sided test
        of slope 0, from :func:`scipy.stats.linregress`), ``stderr`` (of the slope) and
        ``points``: one dict per unit ``{"unit_id", "x", "y", "fitted", "residual"}`` in the
        order of ``x``. Undefined statistics are ``None``: when all ``y`` are equal the
        correlation ``r``, ``r2``, ``p_value`` and ``stderr`` are undefined (slope 0).

    Raises
    ------
    InvalidInput
        Fewer than 3 units with both values, or all ``x`` values equal.

    Examples
    --------
    >>> s = scatter(pd.Series({"a": 1.0, "b": 2.0, "c": 3.0, "d": None}), pd.Series({"a": 2.0, "b": 4.5, "c": 6.0}))
    >>> s["n"], s["slope"], round(s["intercept"], 4), round(s["r"], 4)
    (3, 2.0, 0.1667, 0.9897)
    >>> s["points"][0]
    {'unit_id': 'a', 'x': 1.0, 'y': 2.0, 'fitted': 2.1666..., 'residual': -0.1666...}
    """
    xs = as_float_series(x, "x")
    ys = as_float_series(y, "y")
    common = xs.index[xs.index.isin(ys.index)]
    xv = xs.loc[common].to_numpy()
    yv = ys.reindex(common).to_numpy()
    both = ~np.isnan(xv) & ~np.isnan(yv)
    units, xv, yv = common[both], xv[both], yv[both]
    if units.size < 3:
        raise InvalidInput(
            f"a scatter plot with regression needs at least 3 units with both values, found {units.size}"
        )
    if np.all(xv == xv[0]):
        raise InvalidInput("all x values are equal; no regression line can be computed")
    result = scipy_stats.linregress(xv, yv)
    slope, intercept = float(result.slope), float(result.intercept)
    fitted = intercept + slope * xv
    residual = yv - fitted
    r = _json_float(result.rvalue)
    return {
        "n": int(units.size),
        "slope": slope,
        "intercept": intercept,
        "r": r,
        "r2": None if r is None else r * r,
        "p_value": _json_float(result.pvalue),
        "stderr": _json_float(result.stderr),
        "points": [
            {"unit_id": unit, "x": float(a), "y": float(b), "fitted": float(f), "residual": float(e)}
            for unit, a, b, f, e in zip(units, xv, yv, fitted, residual, strict=True)
        ],
    }


# -- deficits ------------------------------------------------------------------------------------


def deficits(
    values: pd.Series,
    *,
    threshold: float | None = None,
    direction: Literal["above", "below", "both"] = "above",
    k_sd: float | None = None,
    reference: float | None = None,
    weights: pd.Series | None = None,
) -> pd.DataFrame:
    """Flag units with a deficit: beyond a fixed threshold, or ``k_sd`` standard deviations out.

    Exactly one of ``threshold`` and ``k_sd`` must be given.

    Parameters
    ----------
    values : pandas.Series
        One value per unit, indexed by unit id.
    threshold : float, optional
        A unit has a deficit when its value is strictly above (``direction="above"``) or
        strictly below (``"below"``) the threshold.
    direction : {"above", "below", "both"}
        Which side is a deficit; ``"both"`` only with ``k_sd``.
    k_sd : float, optional
        A unit has a deficit when its value lies strictly more than ``k_sd`` standard
        deviations above / below / on either side of the reference.
    reference : float, optional
        The centre for ``k_sd`` and ``z``; default the mean over the units with a value, or
        the weighted mean with ``weights`` (e.g. population).
    weights : pandas.Series, optional
        Non-negative weights per unit for the mean and the standard deviation; every unit
        with a value needs a weight.

    Notes
    -----
    The standard deviation ``sd`` is the spread of the units' values around their (weighted)
    mean ``m``, also when another ``reference`` is given: ``sd² = Σ wᵢ (xᵢ - m)² / (V₁ - V₂ / V₁)``
    with ``V₁ = Σ wᵢ``, ``V₂ = Σ wᵢ²`` (reliability weights); without weights (all ``wᵢ = 1``)
    this is the sample standard deviation (``ddof=1``).

    Returns
    -------
    pandas.DataFrame
        Indexed by unit id with columns ``value``; ``deviation`` (``value - threshold``, or
        ``value - reference`` with ``k_sd``); ``z`` (``(value - reference) / sd``, NaN when
        ``sd`` is undefined); ``is_deficit`` (nullable boolean, ``<NA>`` for missing values).
        ``attrs`` holds ``reference``, ``sd`` and the ``bounds`` used.

    Examples
    --------
    >>> v = pd.Series({"a": 1.0, "b": 2.0, "c": 3.0, "d": 10.0, "e": None})
    >>> deficits(v, threshold=2.5)
       value  deviation         z  is_deficit
    a    1.0       -1.5 -0.734847       False
    b    2.0       -0.5 -0.489898       False
    c    3.0        0.5 -0.244949        True
    d   10.0        7.5  1.469694        True
    e    NaN        NaN       NaN        <NA>
    >>> deficits(v, k_sd=1)["is_deficit"].tolist()
    [False, False, False, True, <NA>]
    """
    series = as_float_series(values)
    if (threshold is None) == (k_sd is None):
        raise InvalidInput("give exactly one of threshold and k_sd")
    if direction not in ("above", "below", "both"):
        raise InvalidInput(f"direction must be 'above', 'below' or 'both', got {direction!r}")
    if threshold is not None and direction == "both":
        raise InvalidInput("direction='both' needs k_sd; a threshold has one side")
    for name, number in (("threshold", threshold), ("k_sd", k_sd), ("reference", reference)):
        if number is None:
            continue
        if isinstance(number, bool) or not isinstance(number, Real) or not math.isfinite(number):
            raise InvalidInput(f"{name} must be a finite number, got {number!r}")
    if k_sd is not None and k_sd <= 0:
        raise InvalidInput(f"k_sd must be positive, got {k_sd}")

    x = series.to_numpy()
    present = ~np.isnan(x)
    w = _deficit_weights(series, weights, present)
    mean, sd = _weighted_mean_sd(x[present], w[present])
    centre = reference if reference is not None else mean
    z = (x - centre) / sd if sd is not None and sd > 0 else np.full(x.shape, np.nan)

    flags = np.zeros(x.shape, dtype=bool)
    if threshold is not None:
        deviation = x - threshold
        bounds: dict[str, float | None] = {
            "lower": threshold if direction == "below" else None,
            "upper": threshold if direction == "above" else None,
        }
    else:
        if mean is None or sd is None or sd == 0:
            raise InvalidInput("k_sd needs at least two units with differing values (and positive weights)")
        deviation = x - centre
        bounds = {
            "lower": centre - k_sd * sd if direction in ("below", "both") else None,
            "upper": centre + k_sd * sd if direction in ("above", "both") else None,
        }
    if bounds["upper"] is not None:
        flags[present] |= x[present] > bounds["upper"]
    if bounds["lower"] is not None:
        flags[present] |= x[present] < bounds["lower"]
    is_deficit = pd.array(np.where(present, flags, False), dtype="boolean")
    is_deficit[~present] = pd.NA
    frame = pd.DataFrame(
        {"value": x, "deviation": np.where(present, deviation, np.nan), "z": z, "is_deficit": is_deficit},
        index=series.index,
    )
    frame.attrs = {"reference": centre, "mean": mean, "sd": sd, "bounds": bounds}
    return frame


def _deficit_weights(series: pd.Series, weights: pd.Series | None, present: np.ndarray) -> np.ndarray:
    """Weights aligned to ``series`` (1 without weights), validated for the units with a value."""
    if weights is None:
        return np.ones(len(series))
    w = as_float_series(weights, "weights").reindex(series.index).to_numpy()
    lacking = present & np.isnan(w)
    if lacking.any():
        raise InvalidInput(f"weights: no weight for unit(s) {_listed(series.index[lacking])}")
    if (w[present] < 0).any():
        raise InvalidInput(f"weights must not be negative: {_listed(series.index[present & (w < 0)])}")
    return w


def _weighted_mean_sd(x: np.ndarray, w: np.ndarray) -> tuple[float | None, float | None]:
    """Weighted mean and reliability-weighted standard deviation (None where undefined)."""
    v1 = float(w.sum())
    if x.size == 0 or v1 <= 0:
        return None, None
    mean = float(w @ x / v1)
    denominator = v1 - float(w @ w) / v1
    if x.size < 2 or denominator <= 0:
        return mean, None
    return mean, math.sqrt(float(w @ (x - mean) ** 2) / denominator)


# -- area profile --------------------------------------------------------------------------------


def percentile_of(value: float | None, distribution: pd.Series) -> float | None:
    """Percentile (0–100) of ``value`` within ``distribution`` (share of values ``<=`` it).

    Missing values in the distribution are ignored; a missing ``value`` or an empty
    distribution gives ``None``.

    Examples
    --------
    >>> percentile_of(3.0, pd.Series([1.0, 3.0, 5.0, None]))
    66.66...
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    distribution = as_float_series(pd.Series(distribution).reset_index(drop=True), "distribution")
    return _json_float(_percentiles(distribution.to_numpy(), np.array([float(value)]))[0])


def profile(
    unit_values: Mapping[str, float | None],
    parent_values: Mapping[str, float | None] | None,
    city_values: Mapping[str, float | None] | None,
    distributions: Mapping[str, pd.Series],
) -> list[dict[str, Any]]:
    """An area profile: per indicator the unit's value compared with its parent and the city.

    Parameters
    ----------
    unit_values : mapping
        Indicator id → the unit's value (``None``/NaN when missing); its order is kept.
    parent_values, city_values : mapping or None
        Indicator id → the parent unit's / the whole city's value; ``None`` when there is none.
    distributions : mapping
        Indicator id → the values of all units of the unit's level on the same date.

    Returns
    -------
    list of dict
        One dict per indicator of ``unit_values`` with ``indicator``, ``value``,
        ``parent_value``, ``city_value``, ``diff_parent`` (``value - parent_value``),
        ``diff_city`` and ``percentile`` (see :func:`percentile_of`). Anything missing or
        not computable is ``None``.

    Examples
    --------
    >>> rows = profile({"pop": 120.0, "age": None}, {"pop": 100.0}, {"pop": 1000.0},
    ...                {"pop": pd.Series([80.0, 120.0, 200.0, 250.0])})
    >>> rows[0]
    {'indicator': 'pop', 'value': 120.0, 'parent_value': 100.0, 'city_value': 1000.0,
     'diff_parent': 20.0, 'diff_city': -880.0, 'percentile': 50.0}
    >>> rows[1]["value"], rows[1]["percentile"]
    (None, None)
    """
    parents = parent_values or {}
    city = city_values or {}
    rows: list[dict[str, Any]] = []
    for indicator, raw in unit_values.items():
        value = _optional_float(raw, indicator)
        parent = _optional_float(parents.get(indicator), indicator)
        whole = _optional_float(city.get(indicator), indicator)
        distribution = distributions.get(indicator)
        rows.append(
            {
                "indicator": indicator,
                "value": value,
                "parent_value": parent,
                "city_value": whole,
                "diff_parent": None if value is None or parent is None else value - parent,
                "diff_city": None if value is None or whole is None else value - whole,
                "percentile": None if distribution is None else percentile_of(value, distribution),
            }
        )
    return rows


def _optional_float(value: Any, indicator: str) -> float | None:
    """A finite float or ``None`` for a missing value."""
    if value is None or value is pd.NA:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError) as exc:
        raise InvalidInput(f"indicator {indicator!r}: not a number: {value!r}") from exc
    if math.isnan(number):
        return None
    if math.isinf(number):
        raise InvalidInput(f"indicator {indicator!r}: infinite value")
    return number
