"""reexpress: a source that did not exist on a date is not missing on that date."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ortswissen.units import reexpress

WEIGHTS = pd.DataFrame(
    {"from_unit": ["old", "split_a", "split_b"], "to_unit": ["new", "new", "new"], "weight": [1.0, 1.0, 1.0]}
)
VALUES = pd.DataFrame({"unit_id": ["old"], "date": ["2015-12-31"], "value": [10.0]})


def test_without_expected_every_source_counts_on_every_date() -> None:
    out = reexpress(VALUES, WEIGHTS)
    assert out["status"].tolist() == ["missing"] and np.isnan(out["value"].iloc[0])


def test_sources_that_did_not_exist_yet_are_not_missing() -> None:
    out = reexpress(VALUES, WEIGHTS, expected={"2015-12-31": {"old"}})
    assert out[["value", "status"]].values.tolist() == [[10.0, "estimated"]]


def test_a_source_that_existed_but_has_no_value_is_missing() -> None:
    out = reexpress(VALUES, WEIGHTS, expected={"2015-12-31": {"old", "split_a"}})
    assert out["status"].tolist() == ["missing"]
