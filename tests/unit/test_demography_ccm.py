"""Cohort-component step: the Preston, Heuveline & Guillot Box 6.2 golden case and conservation."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ortswissen.demography._ccm import step
from ortswissen.errors import InvalidInput

# Sweden, females 1993 -> 1998 (Preston, Heuveline & Guillot 2001, Box 6.2; numbers as in
# docs/reference demography.md §7.2)
BASE_1993 = [293395, 248369, 240012, 261346, 285209, 314388, 281290, 286923, 304108,
             324946, 247613, 211351, 215140, 221764, 223506, 183654, 254414]  # fmt: skip
ASFR = [0, 0, 0, 0.012, 0.0908, 0.1499, 0.1125, 0.0441, 0.0074, 0.0003] + [0] * 7
SURVIVAL = [0.999298474130982, 0.999523271204374, 0.999255384875458, 0.998733211018043,
            0.998519868845054, 0.998071361638878, 0.997059972117285, 0.995306031333712,
            0.992182641549444, 0.987776734283712, 0.981527675199983, 0.970465422882409,
            0.952606955959568, 0.923471809204568, 0.86986034386444, 0.774955902248557,
            0.517928194893993]  # fmt: skip
MIGRATION = [0.00466265614615109, 0.00334180191569801, 0.0028040264653434, 0.00403296778982651,
             0.00647945892310551, 0.00523556878761276, 0.00388922464360624, 0.00219919630005263,
             0.00116406013653044, 0.000686267872200304, 0.000868290437093367, 0.000799617697574178,
             0.000599609556567816, 0.000477985606320232, 0.000416096212182223, 0.000326701297004149,
             0.000334101110787928]  # fmt: skip
EXPECTED_1998 = [302392, 298682, 252007, 244150, 268267, 293515, 320624, 284767, 288031,
                 303166, 322062, 243989, 205841, 205516, 205270, 194771, 274531]  # fmt: skip


def _sweden() -> object:
    # the published test reuses the female inputs for males: only male 0-4 is meaningful
    return step(
        np.array(BASE_1993, float),
        np.array(BASE_1993, float),
        asfr=np.array(ASFR),
        survival_f=np.array(SURVIVAL),
        survival_m=np.array(SURVIVAL),
        birth_survival=0.994974,
        migration_f=np.array(MIGRATION),
        migration_m=np.array(MIGRATION),
        width=5,
        srb=1.05,
    )


def test_preston_box_6_2_females_reproduced_to_the_person() -> None:
    result = _sweden()
    assert np.rint(result.female).astype(int).tolist() == EXPECTED_1998


def test_preston_box_6_2_male_births() -> None:
    assert round(float(_sweden().male[0])) == 317340


def test_leslie_shortcut_would_miss_the_first_group() -> None:
    """The births convention matters: without end-of-period women the 0-4 group is 1,762 short."""
    res = _sweden()
    base = np.array(BASE_1993, float)
    mig = 5 * np.array(MIGRATION) * base
    shortcut = 5 * 0.5 * float((np.array(ASFR) * (base + mig / 2 + (res.female - mig / 2))).sum())
    girls_0_4 = shortcut / 2.05 * 0.994974 + mig[0] / 2
    assert round(girls_0_4) == 300630
    assert round(float(res.female[0])) - round(girls_0_4) == 1762


@settings(max_examples=60, deadline=None)
@given(
    pop=st.lists(st.floats(0, 5000), min_size=6, max_size=6),
    surv=st.lists(st.floats(0.5, 1.0), min_size=6, max_size=6),
    fert=st.lists(st.floats(0, 0.2), min_size=6, max_size=6),
    width=st.sampled_from([1, 5]),
)
def test_zero_migration_conserves_persons(pop: list[float], surv: list[float], fert: list[float], width: int) -> None:
    """Population after = before - deaths + births, when nobody moves."""
    f = np.array(pop)
    m = np.array(pop[::-1])
    res = step(f, m, asfr=np.array(fert), survival_f=np.array(surv), survival_m=np.array(surv[::-1]),
               birth_survival=(0.99, 0.98), migration_f=np.zeros(6), migration_m=np.zeros(6), width=width)  # fmt: skip
    after = res.female.sum() + res.male.sum()
    assert after == pytest.approx(f.sum() + m.sum() - res.deaths + res.births, rel=1e-9, abs=1e-6)
    assert res.migrants == 0


def test_balancing_equation_with_migration() -> None:
    res = _sweden()
    before = 2 * sum(BASE_1993)
    after = res.female.sum() + res.male.sum()
    assert after == pytest.approx(before - res.deaths + res.births + res.migrants, rel=1e-12)


def test_bad_inputs_are_clear_errors() -> None:
    ones = np.ones(3)
    with pytest.raises(InvalidInput, match="same length"):
        step(ones, ones, asfr=np.ones(2), survival_f=ones, survival_m=ones, birth_survival=1.0,
             migration_f=ones, migration_m=ones)  # fmt: skip
    with pytest.raises(InvalidInput, match="between 0 and 1"):
        step(ones, ones, asfr=ones, survival_f=ones * 2, survival_m=ones, birth_survival=1.0,
             migration_f=ones, migration_m=ones)  # fmt: skip
    with pytest.raises(InvalidInput, match="negative"):
        step(-ones, ones, asfr=ones, survival_f=ones, survival_m=ones, birth_survival=1.0,
             migration_f=ones, migration_m=ones)  # fmt: skip
