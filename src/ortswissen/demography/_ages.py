"""Age bands: validation, disaggregation to single years, and regrouping.

Public small-area tables give persons in coarse age bands (the Berlin EWR matrices have 32
bands such as 3–5, 30–35, 95+). The projection engine works by single year of age 0–100+,
so :func:`disaggregate` splits the bands. The method is documented in
``docs/demography.md``: the cumulative count is interpolated at every integer age with a
monotone cubic (PCHIP) through the band edges, so

* every band keeps exactly its count (the cumulative curve passes through every edge),
* no single year gets a negative count (a monotone curve has non-negative differences),
* neighbouring bands shape the split (a falling profile stays falling inside a band);

the open top band is spread over its first years and the ``MAX_AGE``+ group with a
geometric decline (factor :data:`OPEN_BAND_DECLINE` per year).

Example:
    >>> import numpy as np
    >>> bands = AgeBands.parse(["0-5", "5-10", "10+"])
    >>> single = disaggregate(np.array([50.0, 50.0, 100.0]), bands)
    >>> single.shape, round(float(single[:5].sum()), 6), round(float(single.sum()), 6)
    ((101,), 50.0, 200.0)
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.interpolate import PchipInterpolator

from ortswissen.errors import InvalidInput

__all__ = ["MAX_AGE", "N_AGES", "OPEN_BAND_DECLINE", "AgeBands", "disaggregate", "fit_to_bands", "group_ages"]

MAX_AGE = 100
"""The open age group: ages ``MAX_AGE`` and older share the last cell."""
N_AGES = MAX_AGE + 1
OPEN_BAND_DECLINE = 0.72
"""Ratio of persons at age x+1 to age x inside an open top band (about the survival of the
very old in German life tables); used only to split that band."""

_BAND = re.compile(r"^\s*(\d+)\s*(?:[-–_]|bis|u|U)\s*(\d+)\s*$|^\s*(\d+)\s*(?:\+|plus|und älter|and over)\s*$")


@dataclass(frozen=True)
class AgeBands:
    """Contiguous age bands from 0: ``starts[i]`` to ``ends[i]`` (exclusive); the last may be open.

    Example:
        >>> AgeBands.parse(["0-3", "3-6", "6+"]).labels()
        ['0–2', '3–5', '6+']
    """

    starts: tuple[int, ...]
    ends: tuple[int | None, ...]

    def __post_init__(self) -> None:
        if not self.starts:
            raise InvalidInput("no age bands given")
        if self.starts[0] != 0:
            raise InvalidInput(f"age bands must start at age 0, the first starts at {self.starts[0]}")
        for i, (lo, hi) in enumerate(zip(self.starts, self.ends, strict=True)):
            if hi is None and i != len(self.starts) - 1:
                raise InvalidInput(f"only the last age band may be open, band {i + 1} ({lo}+) is not last")
            if hi is not None and hi <= lo:
                raise InvalidInput(f"age band {i + 1} ends ({hi}) before it starts ({lo})")
            if i + 1 < len(self.starts) and hi is not None:
                nxt = self.starts[i + 1]
                if nxt < hi:
                    raise InvalidInput(f"age bands {i + 1} and {i + 2} overlap: {lo}–{hi - 1} and {nxt}–")
                if nxt > hi:
                    raise InvalidInput(f"age bands leave a gap: ages {hi}–{nxt - 1} are in no band")
        last = self.ends[-1]
        if last is not None and last <= MAX_AGE:
            raise InvalidInput(
                f"the last age band ends at {last}: it must be open ('{self.starts[-1]}+') or reach past {MAX_AGE}"
            )
        if self.starts[-1] > MAX_AGE:
            raise InvalidInput(f"the last age band starts above {MAX_AGE}")

    @classmethod
    def parse(cls, labels: Sequence[str]) -> AgeBands:
        """Bands from labels like ``"0-5"``, ``"5 bis 10"``, ``"95+"`` (end exclusive), in any order.

        Example:
            >>> AgeBands.parse(["5-10", "0-5", "10+"]).starts
            (0, 5, 10)
            >>> AgeBands.parse(["0-5", "4-10", "10+"])
            Traceback (most recent call last):
            ...
            ortswissen.errors.InvalidInput: age bands 1 and 2 overlap: 0–4 and 4–
        """
        parsed: list[tuple[int, int | None]] = []
        for label in labels:
            m = _BAND.match(str(label))
            if not m:
                raise InvalidInput(f"{label!r} is not an age band (write '0-5' for 0 to under 5, '95+' for open)")
            if m.group(3) is not None:
                parsed.append((int(m.group(3)), None))
            else:
                parsed.append((int(m.group(1)), int(m.group(2))))
        parsed.sort(key=lambda b: (b[0], b[1] is None, b[1] or 0))
        return cls(tuple(b[0] for b in parsed), tuple(b[1] for b in parsed))

    def __len__(self) -> int:
        return len(self.starts)

    def labels(self) -> list[str]:
        """Human labels with inclusive ends (``0–2``, ``95+``)."""
        return [f"{lo}+" if hi is None else f"{lo}–{hi - 1}" for lo, hi in zip(self.starts, self.ends, strict=True)]


def disaggregate(counts: np.ndarray, bands: AgeBands) -> np.ndarray:
    """Split counts by band (last axis) into single years 0…``MAX_AGE``+ (last axis of length 101).

    Band totals are kept exactly; negative or non-finite counts are an error (a stock table
    cannot hold them). Leading axes (units, dates, sexes) are kept.
    """
    counts = np.asarray(counts, dtype=float)
    if counts.shape[-1] != len(bands):
        raise InvalidInput(f"{counts.shape[-1]} counts for {len(bands)} age bands")
    if not np.isfinite(counts).all():
        raise InvalidInput("age band counts hold missing or infinite values")
    if (counts < 0).any():
        raise InvalidInput("age band counts must not be negative")
    starts = np.array(bands.starts, dtype=float)
    top = bands.starts[-1]
    # edges up to the start of the last band; the last band is handled below
    cum = np.concatenate([np.zeros((*counts.shape[:-1], 1)), np.cumsum(counts[..., :-1], axis=-1)], axis=-1)
    out = np.zeros((*counts.shape[:-1], N_AGES))
    if top > 0:
        curve = PchipInterpolator(starts, cum, axis=-1, extrapolate=False)
        at = curve(np.arange(top + 1, dtype=float))
        at[..., -1] = cum[..., -1]  # exact at the last edge
        inner = np.maximum(np.diff(at, axis=-1), 0.0)
        # rescale each band so float noise cannot move a band total
        for i, (lo, hi) in enumerate(zip(bands.starts[:-1], bands.ends[:-1], strict=True)):
            assert hi is not None
            part = inner[..., lo:hi]
            s = part.sum(axis=-1, keepdims=True)
            width = hi - lo
            share = np.where(s > 0, part / np.where(s > 0, s, 1.0), 1.0 / width)
            out[..., lo:hi] = share * counts[..., i : i + 1]
    out[..., top:] += counts[..., -1:] * _open_weights(top, bands.ends[-1])
    return out


def _open_weights(start: int, end: int | None) -> np.ndarray:
    """Weights of the last band over ages ``start``…``MAX_AGE``+ (sum 1)."""
    n = MAX_AGE - start + 1
    w = OPEN_BAND_DECLINE ** np.arange(n, dtype=float)
    if end is None or end > MAX_AGE + 1:
        w[-1] = w[-1] / (1.0 - OPEN_BAND_DECLINE)  # the tail beyond MAX_AGE folds into the open cell
    return w / w.sum()


def group_ages(single: np.ndarray, groups: Sequence[tuple[int, int | None]]) -> np.ndarray:
    """Sum single years (last axis, 101) into groups ``(start, end_exclusive or None)``.

    Example:
        >>> group_ages(np.ones(101), [(0, 6), (6, None)]).tolist()
        [6.0, 95.0]
    """
    return np.stack(
        [single[..., lo : (N_AGES if hi is None else min(hi, N_AGES))].sum(axis=-1) for lo, hi in groups], axis=-1
    )


def fit_to_bands(pattern: np.ndarray, counts: np.ndarray, bands: AgeBands) -> np.ndarray:
    """Single years that keep ``counts`` per band and ``pattern``'s age profile inside each band.

    Used for a jump-off that is newer than the single-year series: the latest single-year
    stocks of an area give the shape within a band, the newer band counts the level. Where the
    pattern has nobody in a band, that band is split by :func:`disaggregate` instead.
    Leading axes of ``pattern`` (..., 101) and ``counts`` (..., bands) must agree.

    Example:
        >>> bands = AgeBands.parse(["0-2", "2+"])
        >>> pattern = np.zeros(101); pattern[0], pattern[1], pattern[5] = 3.0, 1.0, 2.0
        >>> out = fit_to_bands(pattern, np.array([8.0, 10.0]), bands)
        >>> out[:2].tolist(), float(out[2:].sum()), float(out[5])
        ([6.0, 2.0], 10.0, 10.0)
    """
    pattern = np.asarray(pattern, dtype=float)
    counts = np.asarray(counts, dtype=float)
    if pattern.shape[-1] != N_AGES or counts.shape[-1] != len(bands) or pattern.shape[:-1] != counts.shape[:-1]:
        raise InvalidInput(f"pattern (..., {N_AGES}) and band counts (..., {len(bands)}) do not fit together")
    fallback = disaggregate(counts, bands)
    out = np.empty_like(pattern)
    for i, (lo, hi) in enumerate(zip(bands.starts, bands.ends, strict=True)):
        stop = N_AGES if hi is None else min(hi, N_AGES)
        part = np.maximum(pattern[..., lo:stop], 0.0)
        s = part.sum(axis=-1, keepdims=True)
        scaled = part / np.where(s > 0, s, 1.0) * counts[..., i : i + 1]
        out[..., lo:stop] = np.where(s > 0, scaled, fallback[..., lo:stop])
    return out
