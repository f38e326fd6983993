"""Register extracts (Einwohnermelderegister): pseudonymisation, geocoding cells and histories.

The pure core of the register import: keyed hashes of register ids and month-reduced birth
dates (:mod:`._pseudonym`), nationality groups (:mod:`._nationality`), INSPIRE 100 m cells
(:mod:`._grid`), the file profile (:mod:`._profile`) and the residence history built from
events with its plausibility rules (:mod:`._history`). No I/O, no store: the service
``ortswissen.services.register`` reads the files and writes the pseudonymised tables.
"""

from ortswissen.register._grid import inspire_cells
from ortswissen.register._history import (
    EVENT_KINDS,
    NEED_RESIDENT,
    OPENING,
    EventProblem,
    build_history,
    check_sequences,
    completed_years,
)
from ortswissen.register._nationality import EU_MEMBERS, NATIONALITY_GROUPS, nationality_groups
from ortswissen.register._profile import (
    ADDRESS_COLUMNS,
    AGE_CAP,
    EVENT_COLUMNS,
    PERSON_COLUMNS,
    RESIDENCE_CODES,
    SEX_CODES,
    address_keys,
    map_codes,
)
from ortswissen.register._pseudonym import KEY_HEX_DIGITS, key_fingerprint, month_start, person_key, person_keys

__all__ = [
    "ADDRESS_COLUMNS",
    "AGE_CAP",
    "EU_MEMBERS",
    "EVENT_COLUMNS",
    "EVENT_KINDS",
    "KEY_HEX_DIGITS",
    "NATIONALITY_GROUPS",
    "NEED_RESIDENT",
    "OPENING",
    "PERSON_COLUMNS",
    "RESIDENCE_CODES",
    "SEX_CODES",
    "EventProblem",
    "address_keys",
    "build_history",
    "check_sequences",
    "completed_years",
    "inspire_cells",
    "key_fingerprint",
    "map_codes",
    "month_start",
    "nationality_groups",
    "person_key",
    "person_keys",
]
