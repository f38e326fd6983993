"""Import ids and file fingerprints (the "input data version" every result records)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime
from pathlib import Path

__all__ = ["file_sha256", "new_import_id", "now"]


def now() -> datetime:
    """The current time in UTC without tzinfo (as stored)."""
    return datetime.now(UTC).replace(tzinfo=None)


def new_import_id(kind: str) -> str:
    """A sortable, unique import id such as ``values-20261122T101500-3fa2c1``."""
    return f"{kind}-{now().strftime('%Y%m%dT%H%M%S')}-{secrets.token_hex(3)}"


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file, read in blocks (a Shapefile's parts are hashed together)."""
    path = Path(path)
    digest = hashlib.sha256()
    parts = [path]
    if path.suffix.lower() == ".shp":
        parts += [p for ext in (".shx", ".dbf", ".prj", ".cpg") if (p := path.with_suffix(ext)).exists()]
    for part in parts:
        with part.open("rb") as fh:
            while block := fh.read(8 << 20):
                digest.update(block)
    return digest.hexdigest()
