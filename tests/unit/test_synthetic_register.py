"""The synthetic register core on small hand-made inputs: fitting, rounding, places, balance."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from ortswissen.errors import InvalidInput
from ortswissen.synthetic import (
    EVENT_CODES,
    Parameters,
    Places,
    Targets,
    generate,
    ipf,
    register_frames,
    replay_stocks,
    round_to_totals,
)
from ortswissen.synthetic._schedules import death_probabilities, fertility, migration_profile

BANDS = np.array([0, 1, 6, 18, 30, 45, 65, 80])


def _town(years: int = 4, seed: int = 0) -> tuple[Targets, Places, np.ndarray]:
    """Three areas of two 100 m blocks each, with growing, shrinking and steady stocks."""
    rng = np.random.default_rng(seed)
    x0 = np.arange(6) * 100.0
    blocks = shapely.box(x0, 0.0, x0 + 100.0, 100.0)
    block_area = np.array([0, 0, 1, 1, 2, 2])
    base = rng.integers(20, 120, size=(3, len(BANDS)))
    trend = np.array([1.04, 0.97, 1.0])
    counts = np.stack([np.round(base * trend[:, None] ** t).astype(np.int64) for t in range(years + 1)])
    female = counts.sum(axis=2) // 2 + np.array([3, -2, 0])
    targets = Targets(np.array(["A", "B", "C"]), BANDS, 2010, counts, female)
    places = Places.build(blocks, np.array([50.0, 80, 60, 0, 90, 40]), block_area, 3, rng=np.random.default_rng(1))
    return targets, places, blocks


def test_ipf_meets_both_margins_and_keeps_the_odds_ratio() -> None:
    seed = np.array([[1.0, 2.0], [3.0, 1.0]])
    fit = ipf(seed, [((0,), np.array([10.0, 20.0])), ((1,), np.array([12.0, 18.0]))])
    assert np.allclose(fit.sum(axis=1), [10, 20]) and np.allclose(fit.sum(axis=0), [12, 18])
    odds = lambda a: a[0, 0] * a[1, 1] / (a[0, 1] * a[1, 0])  # noqa: E731
    assert odds(fit) == pytest.approx(odds(seed))


def test_round_to_totals_is_exact_and_respects_caps() -> None:
    values = np.array([0.4, 0.4, 0.4, 2.6, 0.2, 0.2])
    groups = np.array([0, 0, 0, 1, 1, 1])
    out = round_to_totals(values, groups, np.array([1, 3]), caps=np.array([1, 1, 1, 2, 1, 1]))
    assert np.bincount(groups, weights=out).tolist() == [1, 3]
    assert (out <= [1, 1, 1, 2, 1, 1]).all() and (np.abs(out - values) < 1).all()
    with pytest.raises(InvalidInput):
        round_to_totals(np.array([0.5, 0.5]), np.array([0, 0]), np.array([3]), caps=np.array([1, 1]))


def test_places_lie_in_their_block_and_follow_residents() -> None:
    _, places, blocks = _town()
    assert shapely.contains_xy(blocks[places.block], places.x, places.y).all()
    per_block = np.bincount(places.block, minlength=6)
    assert per_block[3] == 0  # a block without residents gets no address
    assert per_block[1] > per_block[0]  # more residents, more addresses
    draws = places.sample(np.full(2000, 1), np.random.default_rng(3))
    assert set(places.area[draws]) == {1}


def test_every_year_end_stock_equals_its_target_by_area_band_and_sex() -> None:
    targets, places, blocks = _town()
    raw = generate(targets, places, seed=5)
    persons, events = register_frames(raw, places)
    block_area = np.array([0, 0, 1, 1, 2, 2])
    stocks = replay_stocks(persons, events, targets.years, blocks, block_area, 3, BANDS)
    assert (stocks.sum(axis=3) == targets.counts).all()
    assert (stocks[..., 1].sum(axis=2) == targets.female).all()
    assert (raw.stocks == stocks).all()  # the simulation's own count agrees with the frames


def test_same_seed_same_register_other_seed_other_register() -> None:
    targets, places, _ = _town(years=2)
    a = register_frames(generate(targets, places, seed=7), places)
    b = register_frames(generate(targets, places, seed=7), places)
    c = register_frames(generate(targets, places, seed=8), places)
    for x, y in zip(a, b, strict=True):
        assert x.equals(y)
    assert not a[1].equals(c[1])


def test_events_respect_life_order() -> None:
    targets, places, _ = _town()
    raw = generate(targets, places, seed=11)
    kinds = np.array(EVENT_CODES)[raw.event_kind]
    assert (raw.event_day >= raw.birth_day[raw.event_person]).all()
    assert raw.event_day.min() >= (np.datetime64("2011-01-01") - np.datetime64("1970-01-01")).astype(int)
    died = raw.event_person[kinds == "death"]
    assert len(np.unique(died)) == len(died)
    death_day = np.full(len(raw.birth_day), np.iinfo(np.int64).max)
    death_day[died] = raw.event_day[kinds == "death"]
    assert (raw.event_day <= death_day[raw.event_person]).all()
    born = kinds == "birth"
    assert (raw.event_day[born] == raw.birth_day[raw.event_person[born]]).all()
    assert (raw.start_point[raw.event_person[born]] == -1).all()


def test_targets_are_validated() -> None:
    with pytest.raises(InvalidInput, match="women"):
        Targets(np.array(["A"]), BANDS, 2010, np.ones((1, 1, len(BANDS)), dtype=np.int64), np.array([[99]]))
    with pytest.raises(InvalidInput, match="shape"):
        Targets(np.array(["A"]), BANDS, 2010, np.ones((1, 2, len(BANDS)), dtype=np.int64), np.array([[1]]))


def test_schedules_are_plausible() -> None:
    f = fertility(1.45, 31.0)
    ages = np.arange(len(f))
    assert f.sum() == pytest.approx(1.45) and (f * ages).sum() / f.sum() == pytest.approx(31.0, abs=0.5)
    assert f[:15].sum() == 0 and f[50:].sum() == 0
    q = death_probabilities(79.0, 84.0)
    assert (np.diff(q[:, 40:100], axis=1) > 0).all() and (q[0, 30:100] > q[1, 30:100]).all()
    m = migration_profile()
    assert 20 <= int(np.argmax(m)) <= 29 and m[70] < m[25] / 5


def test_parameters_scale_the_flows() -> None:
    targets, places, _ = _town(years=3)
    calm = generate(targets, places, seed=2, params=Parameters(internal_rate=0.01, within_rate=0.0))
    busy = generate(targets, places, seed=2, params=Parameters(internal_rate=0.2, within_rate=0.1))
    moves = lambda raw: int((np.array(EVENT_CODES)[raw.event_kind] == "move_within").sum())  # noqa: E731
    assert moves(busy) > 2 * moves(calm)
