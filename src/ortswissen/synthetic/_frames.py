"""The generated register as data frames with the columns of the register extract profile.

``persons``: register_id, family_name, given_names, birth_date, sex, nationality, residence,
x, y; ``events``: register_id, event, date, x, y, other_region — the x/y variant of
``docs/register.md``, so the frames can be written as the profile's CSV files or handed to
``import_register_frames``. Text columns are Arrow strings and dates Arrow dates, which keeps
millions of rows compact. Register ids are ``SYN`` and a number; every family name is
``SYNTHETISCH`` so no row can be mistaken for a real person; given names are empty.

Example:
    >>> import numpy as np, shapely
    >>> blocks = shapely.box([0.0], [0.0], [100.0], [100.0])
    >>> places = Places.build(blocks, np.array([50.0]), np.array([0]), 1, rng=np.random.default_rng(0))
    >>> targets = Targets(np.array(["A"]), np.array([0, 18, 65]), 2010, np.full((2, 1, 3), 10), np.full((2, 1), 15))
    >>> persons, events = register_frames(generate(targets, places, seed=3), places)
    >>> list(persons.columns)
    ['register_id', 'family_name', 'given_names', 'birth_date', 'sex', 'nationality', 'residence', 'x', 'y']
    >>> str(persons["register_id"].iloc[0]), str(persons["family_name"].iloc[0])
    ('SYN00000001', 'SYNTHETISCH')
    >>> list(events.columns)
    ['register_id', 'event', 'date', 'x', 'y', 'other_region']
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ortswissen.synthetic._generator import EVENT_CODES, RawRegister, Targets, generate  # noqa: F401 (doctest)
from ortswissen.synthetic._places import Places

__all__ = ["FAMILY_NAME", "ID_PREFIX", "register_frames"]

#: Prefix of every synthetic register id.
ID_PREFIX = "SYN"
#: The family name of every synthetic person: a label, not a name.
FAMILY_NAME = "SYNTHETISCH"


def _text(values: pa.Array) -> pd.Series:
    return pd.Series(pd.arrays.ArrowExtensionArray(values), copy=False)


def _coords(points: np.ndarray, places: Places) -> tuple[pd.Series, pd.Series]:
    has = points >= 0
    safe = np.where(has, points, 0)
    x = np.where(has, places.x[safe], np.nan)
    y = np.where(has, places.y[safe], np.nan)
    return _text(pa.array(x, from_pandas=True)), _text(pa.array(y, from_pandas=True))


def register_frames(raw: RawRegister, places: Places) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(persons, events)`` in the register profile's columns; events in date order."""
    n = len(raw.birth_day)
    numbers = pc.cast(pa.array(np.arange(1, n + 1, dtype=np.int64)), pa.string())
    ids = pc.binary_join_element_wise(ID_PREFIX, pc.utf8_lpad(numbers, 8, "0"), "")
    px, py = _coords(raw.start_point, places)
    persons = pd.DataFrame(
        {
            "register_id": _text(ids),
            "family_name": _text(pa.array([FAMILY_NAME]).take(pa.array(np.zeros(n, dtype=np.int64)))),
            "given_names": _text(pa.nulls(n, pa.string())),
            "birth_date": _text(pa.array(raw.birth_day.astype(np.int32), pa.date32())),
            "sex": _text(pa.array(["m", "w"]).take(pa.array(raw.female.astype(np.int64)))),
            "nationality": _text(pa.array(raw.codes).take(pa.array(raw.nationality))),
            "residence": _text(pa.array(["haupt"]).take(pa.array(np.zeros(n, dtype=np.int64)))),
            "x": px,
            "y": py,
        }
    )
    ex, ey = _coords(raw.event_point, places)
    region = pa.array(raw.regions).take(pa.array(np.where(raw.event_region >= 0, raw.event_region, 0)))
    region = pc.if_else(pa.array(raw.event_region >= 0), region, pa.scalar(None, pa.string()))
    events = pd.DataFrame(
        {
            "register_id": _text(ids.take(pa.array(raw.event_person))),
            "event": _text(pa.array(list(EVENT_CODES)).take(pa.array(raw.event_kind.astype(np.int64)))),
            "date": _text(pa.array(raw.event_day.astype(np.int32), pa.date32())),
            "x": ex,
            "y": ey,
            "other_region": _text(region),
        }
    )
    return persons, events
