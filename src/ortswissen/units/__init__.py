"""Spatial units: levels, vintages, unit versions with validity, keys, hierarchy, crosswalks.

This package is part of the pure core: it computes and validates, it never reads files or
talks to a database.
"""

from ortswissen.units._crosswalk import (
    CROSSWALK_COLUMNS,
    CrosswalkMethod,
    area_crosswalk,
    check_crosswalk,
    largest_remainder,
    population_crosswalk,
    reexpress,
)
from ortswissen.units._frames import UNIT_COLUMNS, require_columns
from ortswissen.units._geometry import (
    GeometryKind,
    check_crs,
    check_geometries,
    check_within_extent,
    parse_crs,
)
from ortswissen.units._hierarchy import (
    DEFAULT_COVER_TOLERANCE,
    assign_by_location,
    parents_from_prefix,
    share_outside,
)
from ortswissen.units._keys import (
    ags_parts,
    common_key_width,
    normalise_numeric_id,
    restore_leading_zeros,
    validate_ags,
    validate_ars,
)
from ortswissen.units._levels import ID_PATTERN, Level, Vintage, check_level_hierarchy, validate_id
from ortswissen.units._validity import END_OF_TIME, Period, find_overlaps, parse_date

__all__ = [
    "CROSSWALK_COLUMNS",
    "DEFAULT_COVER_TOLERANCE",
    "END_OF_TIME",
    "ID_PATTERN",
    "UNIT_COLUMNS",
    "CrosswalkMethod",
    "GeometryKind",
    "Level",
    "Period",
    "Vintage",
    "ags_parts",
    "area_crosswalk",
    "assign_by_location",
    "check_crosswalk",
    "check_crs",
    "check_geometries",
    "check_level_hierarchy",
    "check_within_extent",
    "common_key_width",
    "find_overlaps",
    "largest_remainder",
    "normalise_numeric_id",
    "parents_from_prefix",
    "parse_crs",
    "parse_date",
    "population_crosswalk",
    "reexpress",
    "require_columns",
    "restore_leading_zeros",
    "share_outside",
    "validate_ags",
    "validate_ars",
    "validate_id",
]
