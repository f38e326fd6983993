"""The Berlin demo: a compact, attributed bundle of real public data and its loader."""

from ortswissen.demo._berlin import (
    BERLIN_CRS,
    DemoSummary,
    bundle_path,
    bundle_version,
    load_berlin,
    load_berlin_crosswalks,
    load_berlin_facilities,
    load_berlin_projection,
    load_berlin_standard_set,
    load_berlin_units,
    load_berlin_values,
)
from ortswissen.demo._register import (
    SyntheticRegister,
    load_berlin_register,
    synthetic_berlin_register,
    write_register_csv,
)

__all__ = [
    "BERLIN_CRS",
    "DemoSummary",
    "SyntheticRegister",
    "bundle_path",
    "bundle_version",
    "load_berlin",
    "load_berlin_crosswalks",
    "load_berlin_facilities",
    "load_berlin_projection",
    "load_berlin_register",
    "load_berlin_standard_set",
    "load_berlin_units",
    "load_berlin_values",
    "synthetic_berlin_register",
    "write_register_csv",
]
