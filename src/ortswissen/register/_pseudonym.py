"""Pseudonymisation: keyed hashes of register ids and birth dates reduced to the month.

A person's key is the first 32 hex digits of HMAC-SHA256(secret, register id). Without the
per-installation secret the key cannot be recomputed from a register id (a plain hash could,
by hashing every possible id); with the same secret a later extract gives the same keys, so
imports of successive years can be linked inside the store.

Examples
--------
>>> person_key("4711", b"s3cret")  # = openssl dgst -sha256 -hmac s3cret, first 32 digits
'96bd8e394ce449a1cff538403fa5572f'
>>> person_keys(["4711", "0815"], b"s3cret")[0] == person_key("4711", b"s3cret")
True
>>> import pandas as pd
>>> month_start(pd.Series(pd.to_datetime(["1987-03-29", "2001-12-01"]))).dt.strftime("%Y-%m-%d").tolist()
['1987-03-01', '2001-12-01']
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable

import pandas as pd

__all__ = ["KEY_HEX_DIGITS", "key_fingerprint", "month_start", "person_key", "person_keys"]

#: Hex digits of the HMAC kept as the person key (128 bits).
KEY_HEX_DIGITS = 32
_BLOCK = 64  # SHA-256 block size in bytes


def person_key(register_id: str, secret: bytes | str) -> str:
    """The pseudonymous key of one register id (see the module docstring)."""
    return hmac.new(_bytes(secret), register_id.encode("utf-8"), "sha256").hexdigest()[:KEY_HEX_DIGITS]


def _bytes(secret: bytes | str) -> bytes:
    return secret.encode("utf-8") if isinstance(secret, str) else bytes(secret)


def person_keys(register_ids: Iterable[str], secret: bytes | str) -> list[str]:
    """Keys of many register ids: HMAC-SHA256 with the key's pads hashed once (about 2 µs per id).

    The result equals :func:`hmac.new` per id (RFC 2104); only the two padded key blocks are
    precomputed and copied, which halves the time over millions of ids.
    """
    key = _bytes(secret)
    if len(key) > _BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(_BLOCK, b"\0")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in key))
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in key))
    inner_copy, outer_copy = inner.copy, outer.copy
    out = []
    append = out.append
    for register_id in register_ids:
        i = inner_copy()
        i.update(register_id.encode("utf-8"))
        o = outer_copy()
        o.update(i.digest())
        append(o.hexdigest()[:KEY_HEX_DIGITS])
    return out


def key_fingerprint(secret: bytes | str) -> str:
    """A short check value of a secret (HMAC of a fixed text): tells secrets apart, reveals nothing.

    >>> key_fingerprint(b"0123456789abcdef") == key_fingerprint("0123456789abcdef")
    True
    """
    return hmac.new(_bytes(secret), b"ortswissen register key check", "sha256").hexdigest()[:12]


def month_start(dates: pd.Series) -> pd.Series:
    """Dates reduced to the first day of their month (NaT stays NaT)."""
    return dates.dt.to_period("M").dt.to_timestamp()
