"""What the store holds of the register: period, flags and counts, never a person row."""

from __future__ import annotations

from typing import Any

from ortswissen.ports import Store
from ortswissen.services.register._import import register_store

__all__ = ["register_info"]


def register_info(store: Store) -> dict[str, Any]:
    """Period, synthetic flag, secret fingerprint and row counts of the stored extract (empty if none)."""
    target = register_store(store)
    extract = target.register_extract()
    if extract is None:
        return {"extract": None, "counts": {}}
    return {
        "extract": {
            "import_id": extract.import_id,
            "period_start": str(extract.period_start),
            "period_end": str(extract.period_end),
            "synthetic": extract.synthetic,
            "key_check": extract.key_check,
        },
        "counts": target.register_counts(),
    }
