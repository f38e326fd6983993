"""Official keys of spatial units and the repair of keys mangled by spreadsheets.

Unit ids are always strings. German keys carry leading zeros: the municipality key AGS
(Amtlicher Gemeindeschlüssel, 8 digits: Land 2, Regierungsbezirk 1, Kreis 2, Gemeinde 3),
the regional key ARS (12 digits), Berlin's LOR ids (``BBPPRRPP``). Spreadsheet software turns
``01011101`` into ``1011101``; :func:`restore_leading_zeros` puts them back where the result is
a known id and says which it changed.

Examples
--------
>>> ags_parts("11000000")
{'land': '11', 'regierungsbezirk': '110', 'kreis': '11000', 'gemeinde': '11000000'}
>>> restore_leading_zeros(["1011101", "01011102", "999"], {"01011101", "01011102"}, 8)
(['01011101', '01011102', '999'], [0])
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence

from ortswissen.errors import DefinitionError

__all__ = [
    "ags_parts",
    "common_key_width",
    "normalise_numeric_id",
    "restore_leading_zeros",
    "validate_ags",
    "validate_ars",
]

_AGS = re.compile(r"^\d{8}$")
_ARS = re.compile(r"^\d{12}$")
_FLOAT_ID = re.compile(r"^(\d+)\.0+$")


def validate_ags(key: str) -> str:
    """Return ``key`` if it is an 8-digit AGS, else raise :class:`DefinitionError`.

    >>> validate_ags("1001000")
    Traceback (most recent call last):
    ...
    ortswissen.errors.DefinitionError: AGS '1001000' must have 8 digits (leading zeros lost? try '01001000')
    """
    if not _AGS.fullmatch(key):
        hint = f" (leading zeros lost? try {key.zfill(8)!r})" if key.isdigit() and len(key) < 8 else ""
        raise DefinitionError(f"AGS {key!r} must have 8 digits{hint}")
    return key


def validate_ars(key: str) -> str:
    """Return ``key`` if it is a 12-digit ARS (Amtlicher Regionalschlüssel)."""
    if not _ARS.fullmatch(key):
        hint = f" (leading zeros lost? try {key.zfill(12)!r})" if key.isdigit() and len(key) < 12 else ""
        raise DefinitionError(f"ARS {key!r} must have 12 digits{hint}")
    return key


def ags_parts(key: str) -> dict[str, str]:
    """Split an AGS into the keys of its Land, Regierungsbezirk, Kreis and Gemeinde."""
    validate_ags(key)
    return {"land": key[:2], "regierungsbezirk": key[:3], "kreis": key[:5], "gemeinde": key}


def normalise_numeric_id(value: object) -> str:
    """An id read from a numeric cell as a string: ``1011101.0`` → ``'1011101'``.

    >>> normalise_numeric_id(1011101.0), normalise_numeric_id(" 0101 ")
    ('1011101', '0101')
    """
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    match = _FLOAT_ID.match(text)
    return match.group(1) if match else text


def common_key_width(ids: Iterable[str]) -> int | None:
    """The width shared by all ids if they are all digits of one length, else ``None``.

    >>> common_key_width(["01", "12"]), common_key_width(["1", "12"])
    (2, None)
    """
    widths = {len(i) if i.isdigit() else -1 for i in ids}
    if len(widths) == 1:
        (width,) = widths
        return width if width > 0 else None
    return None


def restore_leading_zeros(ids: Sequence[str], known: Collection[str], width: int | None) -> tuple[list[str], list[int]]:
    """Pad all-digit ids shorter than ``width`` where the padded id is known.

    Returns the repaired ids and the positions that were changed. Ids that are unknown
    even after padding are left as they are, so the caller can report them.
    """
    if not width:
        return list(ids), []
    out: list[str] = []
    changed: list[int] = []
    for pos, key in enumerate(ids):
        if key not in known and key.isdigit() and len(key) < width:
            padded = key.zfill(width)
            if padded in known:
                out.append(padded)
                changed.append(pos)
                continue
        out.append(key)
    return out, changed
