"""Geocoding register addresses to blocks and INSPIRE cells, then forgetting them.

An address is either coordinates (``x``, ``y`` in the coordinate CRS, EPSG:25833 by default)
or ``street``, ``house_number``, ``postcode`` looked up in the address table (compared by
:func:`ortswissen.register.address_keys`). A point lies in the block whose latest version
contains it (a point on a shared edge: the block with the smallest id). Distinct points are
located once, so millions of rows cost a spatial query per distinct address.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer

from ortswissen.errors import UnknownLevel
from ortswissen.ports import Store
from ortswissen.register import address_keys, inspire_cells
from ortswissen.reports import ImportReport, Severity
from ortswissen.services.register._inputs import Input
from ortswissen.services.register._issues import flag_rows
from ortswissen.services.register._parse import parse_floats, parse_text

__all__ = ["BLOCK_LEVEL", "Located", "Locator"]

#: The level register addresses are located in.
BLOCK_LEVEL = "block"


class _Coords:
    """Coordinates formatted for a report, only for the rows it lists."""

    def __init__(self, x: np.ndarray, y: np.ndarray) -> None:
        self.x, self.y = x, y

    def __getitem__(self, i: int) -> str:
        return f"{self.x[i]:.1f} {self.y[i]:.1f}"


class Located:
    """Blocks and cells of the rows of one input (``None`` where a row has no address)."""

    def __init__(self, block: np.ndarray, cell: np.ndarray, given: np.ndarray) -> None:
        self.block = block
        self.cell = cell
        self.given = given  # the row names an address (before checking it)


class Locator:
    """Locates points of one import; built once from the store's blocks and the address table."""

    def __init__(self, store: Store, report: ImportReport, *, crs: str = "EPSG:25833") -> None:
        self.crs = crs
        self.report = report
        self.addresses: pd.DataFrame | None = None
        try:
            store.get_level(BLOCK_LEVEL)
            blocks = store.unit_versions(BLOCK_LEVEL, geometry=True)
        except UnknownLevel:
            blocks = None
        if blocks is None or len(blocks) == 0:
            report.error(
                "no-units",
                f"the store has no units of level {BLOCK_LEVEL!r}: import the blocks before a register extract",
            )
            self.ids = np.array([], dtype=object)
            self.tree = shapely.STRtree([])
            self.to_store = None
            return
        current = blocks.assign(_open=blocks["valid_to"].isna()).sort_values(["unit_id", "_open", "valid_from"])
        current = current.drop_duplicates("unit_id", keep="last").sort_values("unit_id")
        self.ids = current["unit_id"].to_numpy(dtype=object)
        self.tree = shapely.STRtree(np.asarray(current.geometry.values))
        store_crs = store.project_crs()
        self.to_store = (
            None if CRS.from_user_input(crs) == store_crs else Transformer.from_crs(crs, store_crs, always_xy=True)
        )

    def load_addresses(self, table: Input) -> None:
        """Read the address table (street, house_number, postcode, x, y); a repeated address keeps its first row."""
        n = table.table.num_rows
        keys = address_keys(
            parse_text(table.column("street"), n),
            parse_text(table.column("house_number"), n),
            parse_text(table.column("postcode"), n),
        )
        x, ex, bx = parse_floats(table.column("x"))
        y, ey, by = parse_floats(table.column("y"))
        rows = table.rows
        flag_rows(
            self.report,
            "incomplete-address",
            "street, house number and postcode are all needed",
            keys.isna().to_numpy(),
            rows,
            source=table.name,
            column="street",
        )
        flag_rows(
            self.report,
            "invalid-coordinate",
            "x and y must both be numbers (metres)",
            ex | ey | bx | by,
            rows,
            source=table.name,
            column="x",
        )
        frame = pd.DataFrame({"key": keys, "x": x, "y": y})
        repeated = frame["key"].notna().to_numpy() & frame.duplicated("key").to_numpy()
        flag_rows(
            self.report,
            "duplicate-address",
            "the address occurs again; its first row is used",
            repeated,
            rows,
            source=table.name,
            column="street",
            severity=Severity.WARNING,
        )
        self.addresses = frame[~repeated & frame["key"].notna().to_numpy()].set_index("key")

    def locate(self, table: Input, *, use: np.ndarray, needed: np.ndarray, what: str) -> Located:
        """Blocks and cells of the rows where ``use`` holds; where ``needed`` holds an address must be given."""
        n = table.table.num_rows
        rows = table.rows
        name = table.name
        x, ex, bx = parse_floats(table.column("x"), n)
        y, ey, by = parse_floats(table.column("y"), n)
        has_xy = ~ex & ~ey & ~bx & ~by
        flag_rows(
            self.report,
            "invalid-coordinate",
            "x and y must both be numbers (metres) or both be empty",
            (bx | by | (ex != ey)),
            rows,
            source=name,
            column="x",
        )
        parts = [parse_text(table.column(c), n) for c in ("street", "house_number", "postcode")]
        some_street = np.logical_or.reduce([p.notna().to_numpy() for p in parts])
        keys = address_keys(*parts)
        use_street = ~has_xy & some_street
        flag_rows(
            self.report,
            "incomplete-address",
            "street, house number and postcode are all needed",
            use_street & keys.isna().to_numpy(),
            rows,
            source=name,
            column="street",
        )
        use_street &= keys.notna().to_numpy()
        if use_street.any():
            if self.addresses is None:
                flag_rows(
                    self.report,
                    "missing-address-table",
                    "the row has a street address but no address table was given (--addresses)",
                    use_street,
                    rows,
                    source=name,
                    column="street",
                )
            else:
                found = self.addresses.reindex(keys[use_street].to_numpy())
                sx, sy = found["x"].to_numpy(), found["y"].to_numpy()
                missing = np.isnan(sx) | np.isnan(sy)
                lost = np.zeros(n, bool)
                lost[np.flatnonzero(use_street)[missing]] = True
                flag_rows(
                    self.report,
                    "address-not-found",
                    "the address is not in the address table",
                    lost,
                    rows,
                    source=name,
                    column="street",
                    values=keys.to_numpy(),
                )
                x[use_street], y[use_street] = sx, sy
                has_xy |= use_street & ~lost
        given = has_xy | use_street | (bx | by | (ex != ey)) | (some_street & ~has_xy)
        flag_rows(
            self.report,
            "missing-address",
            f"{what} needs an address (x and y, or street, house number, postcode)",
            needed & ~given,
            rows,
            source=name,
            column="x",
        )
        block = np.full(n, None, dtype=object)
        cell = np.full(n, None, dtype=object)
        todo = has_xy & use
        if todo.any():
            block[todo], cell[todo] = self._points(x[todo], y[todo])
            outside = np.zeros(n, bool)
            outside[np.flatnonzero(todo)[block[todo] == None]] = True  # noqa: E711
            flag_rows(
                self.report,
                "outside-blocks",
                "the address lies outside every block of the store",
                outside,
                rows,
                source=name,
                column="x",
                values=_Coords(x, y),
            )
        return Located(block, cell, given)

    def _points(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Block and cell of each point, computed once per distinct point."""
        points, inverse = np.unique(np.stack([x, y], axis=1), axis=0, return_inverse=True)
        inverse = inverse.reshape(-1)
        px, py = points[:, 0], points[:, 1]
        cells = inspire_cells(px, py, crs=self.crs)
        if self.to_store is not None:
            px, py = self.to_store.transform(px, py)
        blocks = np.full(len(points), None, dtype=object)
        if len(self.ids):
            hits = self.tree.query(shapely.points(px, py), predicate="intersects")
            if hits.shape[1]:
                order = np.lexsort((hits[1], hits[0]))  # tree index follows sorted block ids
                first = np.r_[True, hits[0][order][1:] != hits[0][order][:-1]]
                chosen = order[first]
                blocks[hits[0][chosen]] = self.ids[hits[1][chosen]]
        return blocks[inverse], cells[inverse]
