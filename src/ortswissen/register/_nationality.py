"""Nationality groups: German, other EU member state, outside the EU, unknown.

The register records a nationality as an ISO 3166-1 alpha-2 code; only its group is kept.
The EU list is that of the 27 member states since 1 February 2020 (the United Kingdom left);
Greece is accepted as ``GR`` (ISO) and ``EL`` (the EU's own code).

Examples
--------
>>> import pandas as pd
>>> groups, bad = nationality_groups(pd.Series(["DE", "pl", "TR", "", None, "D1"]))
>>> groups.tolist(), bad.tolist()
(['de', 'eu', 'non_eu', 'unknown', 'unknown', 'unknown'], [False, False, False, False, False, True])
"""

from __future__ import annotations

import pandas as pd

__all__ = ["EU_MEMBERS", "NATIONALITY_GROUPS", "nationality_groups"]

#: ISO 3166-1 alpha-2 codes of the EU member states other than Germany (since 1 February 2020).
EU_MEMBERS = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "CY",
        "CZ",
        "DK",
        "EE",
        "ES",
        "FI",
        "FR",
        "GR",
        "EL",
        "HR",
        "HU",
        "IE",
        "IT",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
    ]
)

#: The groups kept in the store, in display order.
NATIONALITY_GROUPS = ("de", "eu", "non_eu", "unknown")


def nationality_groups(codes: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Group of each code and a mask of codes that are not two letters (grouped as unknown).

    Blank cells mean unknown and are not an error; any two-letter code that is neither
    German nor an EU member counts as outside the EU (stateless and unclear cases are
    coded by the registers with letter codes such as ``XX``, which land there too).
    """
    text = codes.astype("string").str.strip().str.upper()
    blank = text.isna() | (text == "")
    valid = text.str.fullmatch(r"[A-Z]{2}").fillna(False).astype(bool)
    groups = pd.Series("non_eu", index=codes.index, dtype=object)
    groups[text.isin(EU_MEMBERS).fillna(False).astype(bool)] = "eu"
    groups[(text == "DE").fillna(False).astype(bool)] = "de"
    groups[blank | ~valid] = "unknown"
    return groups, (~blank & ~valid)
