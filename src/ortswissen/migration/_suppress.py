"""The minimum-count rule for published aggregates of register data.

Counts from 1 to ``below − 1`` (by default 1 and 2) are replaced by ``None`` and named
in the row's ``suppressed`` list; so is every derived value (net, rates) computed from a
suppressed count, which would otherwise give it away. Zeros stay: an empty cell reveals
nobody. The full confidentiality machinery (secondary suppression across tables, rounding)
is a later issue's; see ``docs/migration.md``.

Examples
--------
>>> rows = pd.DataFrame({"unit_id": ["A", "B"], "moves_in": [2, 10], "moves_out": [0, 4], "net": [2, 6]})
>>> suppress_small(rows, ["moves_in", "moves_out"], {"net": ["moves_in", "moves_out"]}).to_dict("records")
... # doctest: +NORMALIZE_WHITESPACE
[{'unit_id': 'A', 'moves_in': None, 'moves_out': 0, 'net': None, 'suppressed': ['moves_in', 'net']},
 {'unit_id': 'B', 'moves_in': 10, 'moves_out': 4, 'net': 6, 'suppressed': []}]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

__all__ = ["SUPPRESS_BELOW", "suppress_small"]

#: Smallest count shown by default.
SUPPRESS_BELOW = 3


def suppress_small(
    frame: pd.DataFrame,
    counts: Sequence[str],
    derived: Mapping[str, Sequence[str]] | None = None,
    *,
    below: int = SUPPRESS_BELOW,
) -> pd.DataFrame:
    """A copy with small counts and the values derived from them set to ``None``, plus ``suppressed``."""
    out = frame.copy()
    hidden: dict[str, np.ndarray] = {}
    for column in counts:
        values = pd.to_numeric(out[column], errors="coerce").to_numpy(dtype=float)
        hidden[column] = (values > 0) & (values < below)
    for column, sources in (derived or {}).items():
        mask = np.zeros(len(out), dtype=bool)
        for source in sources:
            mask |= hidden[source]
        hidden[column] = mask
    for column, mask in hidden.items():
        values = out[column].astype(object)
        out[column] = values.where(~mask, None)
    names = list(hidden)
    flags = np.column_stack([hidden[n] for n in names]) if names else np.zeros((len(out), 0), dtype=bool)
    out["suppressed"] = [[n for n, f in zip(names, row, strict=True) if f] for row in flags]
    return out
