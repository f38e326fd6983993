"""A small register extract on the synthetic town whose migration figures are counted by hand.

Period 2022-01-01 … 2023-12-31 on the quarters 0101 (x 0–2 km), 0102 (x 2–4 km) and 0201
(x 4–6 km, all y 0–2 km, coordinates EPSG:25832 relative to the town's origin).

2022, by hand (quartier level):

======  ========  =========  ===========  ============  ======  ===
unit    moves_in  moves_out  internal_in  internal_out  within  net
======  ========  =========  ===========  ============  ======  ===
0101    6         1          2            4             2        3
0102    1         0          4            1             0        4
0201    0         3          0            1             0       -4
======  ========  =========  ===========  ============  ======  ===

City: 7 in, 4 out, net 3; 6 moves between quarters, 2 within one. Ages: the six moving in
to 0101 are 21 (Bildungswanderer), the one to 0102 is 26, the 0101 residents are 32, the
0102 residents 72, the 0201 residents 7. 2023: one move 0102 → 0201 (age 73).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ortswissen.ports import Store
from ortswissen.services.register import import_register_frames
from ortswissen.storage import open_store
from ortswissen.testing import synthetic_municipality

X0, Y0 = 534_000.0, 5_684_000.0
SECRET = "migration-test-secret-0123456789"
POINTS = {
    "0101": (X0 + 500, Y0 + 500),
    "0101b": (X0 + 1500, Y0 + 500),
    "0102": (X0 + 2500, Y0 + 500),
    "0201": (X0 + 4500, Y0 + 500),
}
EXPECTED_2022 = {  # unit: moves_in, moves_out, internal_in, internal_out, within, net
    "0101": (6, 1, 2, 4, 2, 3),
    "0102": (1, 0, 4, 1, 0, 4),
    "0201": (0, 3, 0, 1, 0, -4),
}
EXPECTED_OD_2022 = {
    ("outside", "0101"): 6,
    ("0101", "0102"): 4,
    ("0201", "outside"): 3,
    ("0101", "0101"): 2,
    ("0102", "0101"): 1,
    ("0201", "0101"): 1,
    ("0101", "outside"): 1,
    ("outside", "0102"): 1,
}


def register_frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Persons and events with x/y addresses (EPSG:25832)."""
    persons = []

    def person(pid: str, birth: str, where: str | None) -> None:
        x, y = POINTS[where] if where else (None, None)
        persons.append({"register_id": pid, "birth_date": birth, "sex": "w", "nationality": "DE", "x": x, "y": y})

    for i in range(1, 11):
        person(f"p{i}", "1990-01-15", "0101")
    for i in range(11, 16):
        person(f"p{i}", "1950-01-15", "0102")
    for i in range(16, 21):
        person(f"p{i}", "2015-01-15", "0201")
    for i in range(1, 7):
        person(f"n{i}", "2001-01-15", None)
    person("n7", "1996-01-15", None)
    person("b1", "2022-07-01", None)
    events = []

    def event(pid: str, kind: str, date: str, where: str | None = None, region: str | None = None) -> None:
        x, y = POINTS[where] if where else (None, None)
        events.append({"register_id": pid, "event": kind, "date": date, "x": x, "y": y, "other_region": region})

    for i in range(1, 7):
        event(f"n{i}", "move_in", "2022-03-01", "0101", "09162000")
    event("n7", "move_in", "2022-03-01", "0102", "DE")
    for i in range(1, 5):
        event(f"p{i}", "move_within", "2022-05-01", "0102")
    event("p11", "move_within", "2022-05-01", "0101")
    event("p5", "move_within", "2022-06-01", "0101b")
    event("p6", "move_within", "2022-06-01", "0101b")
    for i in range(16, 19):
        event(f"p{i}", "move_out", "2022-08-01", region="PL")
    event("p7", "move_out", "2022-08-01", region="11000000")
    event("p19", "move_within", "2022-09-01", "0101")
    event("p20", "death", "2022-10-01")
    event("b1", "birth", "2022-07-01", "0102")
    event("p12", "move_within", "2023-04-01", "0201")
    return pd.DataFrame(persons), pd.DataFrame(events)


def load_register(store: Store, *, synthetic: bool = True) -> Store:
    """Import the extract into a store that holds the synthetic town."""
    persons, events = register_frames()
    report = import_register_frames(
        store,
        persons,
        events,
        period_start=pd.Timestamp("2022-01-01").date(),
        period_end=pd.Timestamp("2023-12-31").date(),
        secret=SECRET,
        source_label="migration-case",
        synthetic=synthetic,
        coordinate_crs="EPSG:25832",
    )
    assert report.ok, report.summary()
    return store


def build_store_file(path: Path, *, synthetic: bool = True) -> Path:
    """A DuckDB file with the synthetic town and this extract (closed, ready to copy or open)."""
    store = open_store(str(path), create=True)
    try:
        synthetic_municipality(seed=0).load(store)
        load_register(store, synthetic=synthetic)
        store.checkpoint()  # type: ignore[attr-defined]
    finally:
        store.close()
    return path
