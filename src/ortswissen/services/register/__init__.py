"""Register extracts: pseudonymised import, stocks, flows and derived indicators (internal only).

Person-level rows stay in the store: services aggregate them, and no HTTP endpoint reads
the register tables. See ``docs/register.md``.
"""

from ortswissen.services.register._derive import (
    AGE_BANDS,
    DERIVED_KIND,
    FLOW_INDICATORS,
    STOCK_INDICATORS,
    derive_register_values,
    register_flow_events,
    register_stocks,
)
from ortswissen.services.register._import import KIND, import_register, import_register_frames, register_store
from ortswissen.services.register._info import register_info
from ortswissen.services.register._secret import ENV_SECRET, default_key_file, resolve_secret

__all__ = [
    "AGE_BANDS",
    "DERIVED_KIND",
    "ENV_SECRET",
    "FLOW_INDICATORS",
    "KIND",
    "STOCK_INDICATORS",
    "default_key_file",
    "derive_register_values",
    "import_register",
    "import_register_frames",
    "register_flow_events",
    "register_info",
    "register_stocks",
    "register_store",
    "resolve_secret",
]
