"""The register extract profile: columns, codes and how address keys are compared.

See ``docs/register.md`` for the files. Codes are matched case-insensitively after trimming.

Examples
--------
>>> import pandas as pd
>>> address_keys(pd.Series(["Karl-Marx-Str. ", "karl-marx-strasse"]), pd.Series(["12 a", "12A"]),
...              pd.Series(["12043", "12043"])).tolist()
['karl-marx-straße|12a|12043', 'karl-marx-straße|12a|12043']
>>> map_codes(pd.Series(["W", "m", "x", None]), SEX_CODES).tolist()
['f', 'm', None, None]
"""

from __future__ import annotations

import pandas as pd

__all__ = [
    "ADDRESS_COLUMNS",
    "AGE_CAP",
    "EVENT_COLUMNS",
    "PERSON_COLUMNS",
    "RESIDENCE_CODES",
    "SEX_CODES",
    "address_keys",
    "map_codes",
]

#: persons.csv: required columns first, then optional ones.
PERSON_COLUMNS = {
    "required": ("register_id", "birth_date", "sex"),
    "optional": (
        "family_name",
        "given_names",
        "nationality",
        "residence",
        "street",
        "house_number",
        "postcode",
        "x",
        "y",
    ),
}
#: events.csv
EVENT_COLUMNS = {
    "required": ("register_id", "event", "date"),
    "optional": ("street", "house_number", "postcode", "x", "y", "other_region"),
}
#: addresses.csv
ADDRESS_COLUMNS = {"required": ("street", "house_number", "postcode", "x", "y"), "optional": ()}

#: Sex in the file → stored code (``w``/``f`` female, ``m`` male, ``d`` diverse).
SEX_CODES = {"m": "m", "w": "f", "f": "f", "d": "d"}
#: Kind of residence → stored code; an empty cell means main residence.
RESIDENCE_CODES = {"haupt": "main", "neben": "secondary", "main": "main", "secondary": "secondary"}
#: Stocks count single years of age 0 … 99 and 100 for "100 and over".
AGE_CAP = 100


def map_codes(cells: pd.Series, codes: dict[str, str]) -> pd.Series:
    """Cells mapped through ``codes`` (trimmed, lower case); unknown or empty cells give ``None``."""
    text = cells.astype("string").str.strip().str.lower()
    mapped = text.map(codes)
    return mapped.astype(object).where(mapped.notna(), None)


def address_keys(street: pd.Series, house_number: pd.Series, postcode: pd.Series) -> pd.Series:
    """A comparison key per address: case folded, spaces collapsed, ``str.``/``strasse`` → ``straße``.

    Rows with an empty street, house number or postcode give ``None``.
    """
    s = street.astype("string").str.strip().str.lower().str.replace(r"\s+", " ", regex=True)
    s = s.str.replace(r"str\.$|strasse$", "straße", regex=True).str.replace(r"str\.(?=[ -])", "straße", regex=True)
    h = house_number.astype("string").str.lower().str.replace(r"\s+", "", regex=True)
    p = postcode.astype("string").str.strip()
    key = s + "|" + h + "|" + p
    empty = (s.fillna("") == "") | (h.fillna("") == "") | (p.fillna("") == "")
    return key.astype(object).where(~empty & key.notna(), None)
