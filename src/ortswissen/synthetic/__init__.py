"""Synthetic register extracts: seeded persons and events that agree with published stocks.

Part of the pure core (numpy, shapely; no store, no files). Used by the Berlin demo to show
the register features without real personal data: every generated file and value is labelled
synthetic. See ``docs/demography.md`` ("Synthetic register") for the method and the rates.
"""

from ortswissen.synthetic._check import replay_stocks
from ortswissen.synthetic._fitting import ipf, round_to_totals
from ortswissen.synthetic._frames import FAMILY_NAME, ID_PREFIX, register_frames
from ortswissen.synthetic._generator import EVENT_CODES, Parameters, RawRegister, Targets, generate
from ortswissen.synthetic._places import Places, area_of_blocks, hilbert_keys

__all__ = [
    "EVENT_CODES",
    "FAMILY_NAME",
    "ID_PREFIX",
    "Parameters",
    "Places",
    "RawRegister",
    "Targets",
    "area_of_blocks",
    "generate",
    "hilbert_keys",
    "ipf",
    "register_frames",
    "replay_stocks",
    "round_to_totals",
]
