"""The small register extract of the synthetic town used by the register tests (counted by hand)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from pyproj import Transformer

_TO_25833 = Transformer.from_crs("EPSG:25832", "EPSG:25833", always_xy=True)


def centre(block: int, dx: float = 0.0) -> tuple[float, float]:
    """A point inside block ``B{block:03d}`` in EPSG:25833 (blocks are 1 km squares in EPSG:25832)."""
    x = 534_000 + (block % 8) * 1000 + 500 + dx
    y = 5_684_000 + (block // 8) * 1000 + 500
    return tuple(round(v, 2) for v in _TO_25833.transform(x, y))  # type: ignore[return-value]


def extract() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Persons and events, counted by hand.

    Blocks: B000 → bezirk 01 / quartier 0101; B018 → 01 / 0104 until 2020, 0105 from 2021;
    B007 → 02 / 0202; B063 → 04 / 0404.

    ========  ====  ===========  ====  =======================================================
    id        sex   born         nat.  history
    ========  ====  ===========  ====  =======================================================
    A1        m     1980-05-17   DE    B000; moves within to B007 on 2021-06-10
    A2        w     1990-01-02   PL    B000; moves out to TR on 2022-01-15
    A3        w     2021-03-02   –     born 2021-03-02 at B018
    A4        m     1950-07-13   TR    B063; dies 2021-11-30
    A5        d     2000-02-29   –     moves in from 09162000 on 2020-08-01 to B018
    A6        w     1975-12-31   DE    B000, secondary residence (never counted)
    A7        m     1985-03-03   DE    B000; moves within B000 on 2020-04-01
    A8        m     1970-10-10   DE    no address, no event (left out, warning)
    ========  ====  ===========  ====  =======================================================
    """
    b0, b7, b18, b63 = centre(0), centre(7), centre(18), centre(63)
    persons = pd.DataFrame(
        {
            "register_id": ["A1", "A2", "A3", "A4", "A5", "A6", "A7", "A8"],
            "family_name": [
                "Quastenberg",
                "Zwirbel",
                "Quastenberg",
                "Obermüller",
                "Nimmerlein",
                "Zwirbel",
                "Habicht",
                "Leer",
            ],
            "given_names": ["Ansgar", "Beate", "Clara", "Detlef", "Eike", "Frida", "Gustav", "Hanna"],
            "birth_date": [
                "1980-05-17",
                "1990-01-02",
                "2021-03-02",
                "1950-07-13",
                "2000-02-29",
                "1975-12-31",
                "1985-03-03",
                "1970-10-10",
            ],
            "sex": ["m", "w", "w", "m", "d", "w", "m", "m"],
            "nationality": ["DE", "PL", "", "TR", "", "DE", "DE", "DE"],
            "residence": ["haupt", "haupt", "", "haupt", "haupt", "neben", "haupt", "haupt"],
            "x": [b0[0], b0[0], None, b63[0], None, b0[0], b0[0], None],
            "y": [b0[1], b0[1], None, b63[1], None, b0[1], b0[1], None],
        }
    )
    b0_other = centre(0, dx=120.0)
    events = pd.DataFrame(
        {
            "register_id": ["A1", "A2", "A3", "A4", "A5", "A7"],
            "event": ["move_within", "move_out", "birth", "death", "move_in", "move_within"],
            "date": ["2021-06-10", "2022-01-15", "2021-03-02", "2021-11-30", "2020-08-01", "2020-04-01"],
            "x": [b7[0], None, b18[0], None, b18[0], b0_other[0]],
            "y": [b7[1], None, b18[1], None, b18[1], b0_other[1]],
            "other_region": [None, "TR", None, None, "09162000", None],
        }
    )
    return persons, events


def write(folder: Path, persons: pd.DataFrame, events: pd.DataFrame, sep: str = ";") -> tuple[Path, Path]:
    p, e = folder / "persons.csv", folder / "events.csv"
    persons.to_csv(p, sep=sep, index=False)
    events.to_csv(e, sep=sep, index=False)
    return p, e
