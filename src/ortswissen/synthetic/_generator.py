"""The synthetic register: persons at a start date and ten years of events that meet published stocks.

Inputs are :class:`Targets` (persons per area and age band at each 31 December, and women per
area) and :class:`~ortswissen.synthetic.Places` (address points). :func:`generate` then

1. builds the start population (31 Dec of ``Targets.start_year``): the band counts of each area
   are split into single years (monotone interpolation) and sexes (a plausible sex ratio by
   age), raked by iterative proportional fitting to the area × band and area × sex margins and
   rounded so that both margins hold exactly; nationality follows an area share × age profile
   fitted the same way;
2. simulates each following year: deaths by age and sex, births to women 15–49 (a city age
   schedule scaled per area so that expected births meet the published infants), voluntary
   moves out of the city and between areas by a model age profile; then the published stock
   of every area × band × sex cell at 31 December fixes the balance: cells with too many
   persons send extra persons away, the movers between areas fill cells with too few (nearer
   areas first), and the rest arrive from outside the city; finally some persons move within
   their area. The year-end stock of every cell therefore equals the published one exactly.

All randomness comes from one ``numpy.random.Generator`` seeded with ``seed``.

Example:
    >>> import numpy as np, shapely
    >>> blocks = shapely.box([0.0, 100.0], [0.0, 0.0], [100.0, 200.0], [100.0, 100.0])
    >>> places = Places.build(blocks, np.array([50.0, 50.0]), np.array([0, 1]), 2, rng=np.random.default_rng(0))
    >>> counts = np.full((3, 2, 3), 20)          # 2 years after the start, 2 areas, 3 bands
    >>> targets = Targets(np.array(["A", "B"]), np.array([0, 18, 65]), 2010, counts, np.full((3, 2), 30))
    >>> reg = generate(targets, places, seed=1)
    >>> bool((reg.stocks.sum(axis=3) == counts).all()), len(reg.birth_day) >= 120
    (True, True)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from ortswissen.demography import AgeBands, disaggregate
from ortswissen.errors import InvalidInput
from ortswissen.synthetic._fitting import ipf, round_to_totals
from ortswissen.synthetic._places import Places, hilbert_keys
from ortswissen.synthetic._schedules import (
    BRANDENBURG_AROUND_BERLIN,
    FOREIGN_NATIONALITIES,
    MAX_AGE,
    OTHER_LAENDER,
    SEX_RATIO_AT_BIRTH,
    death_probabilities,
    fertility,
    foreign_odds,
    migration_profile,
    sex_ratio,
)

__all__ = ["EVENT_CODES", "Parameters", "RawRegister", "Targets", "generate"]

#: Event kinds by code; the code order is also the order of events of one person on one day.
EVENT_CODES = ("birth", "move_in", "move_within", "move_out", "death")
_BIRTH, _MOVE_IN, _MOVE_WITHIN, _MOVE_OUT, _DEATH = range(5)
_EPOCH = dt.date(1970, 1, 1)


@dataclass(frozen=True)
class Targets:
    """Published stocks: ``counts[year, area, band]`` and ``female[year, area]`` at 31 Dec.

    Index 0 of the year axis is ``start_year`` (the start population), then one per year.
    ``band_starts`` are the first ages of the bands (from 0; the last band is open).
    """

    areas: np.ndarray
    band_starts: np.ndarray
    start_year: int
    counts: np.ndarray
    female: np.ndarray

    def __post_init__(self) -> None:
        if self.counts.ndim != 3 or self.counts.shape[1:] != (len(self.areas), len(self.band_starts)):
            raise InvalidInput("target counts must have the shape (years, areas, bands)")
        if self.female.shape != self.counts.shape[:2]:
            raise InvalidInput("female totals must have the shape (years, areas)")
        total = self.counts.sum(axis=2)
        if (self.counts < 0).any() or (self.female < 0).any() or (self.female > total).any():
            raise InvalidInput("target counts must be non-negative and women at most all residents")
        if self.band_starts[0] != 0 or (np.diff(self.band_starts) <= 0).any():
            raise InvalidInput("age bands must start at 0 and increase")

    @property
    def years(self) -> list[int]:
        """Calendar years of the target stocks (31 December)."""
        return [self.start_year + i for i in range(self.counts.shape[0])]


@dataclass(frozen=True)
class Parameters:
    """Rates and shares of the simulation (defaults: plausible Berlin 2011–2020 values, see docs)."""

    tfr: float = 1.45
    mean_age_at_birth: float = 31.0
    e0_male: float = 79.0
    e0_female: float = 84.0
    external_out_rate: float = 0.04  # voluntary; with the balancing moves ≈ 165,000 out of Berlin a year
    internal_rate: float = 0.07  # moves to another planning area; with within_rate ≈ 10 % a year
    within_rate: float = 0.03  # moves inside the planning area
    forced_internal_share: float = 0.5  # persons a cell must lose: share that stays in the city
    long_distance_share: float = 0.3  # movers between areas who ignore distance
    local_spread: float = 0.02  # spread of the distance key (share of the Hilbert curve)
    foreign_share_start: float = 0.135  # foreign nationals at the start (Berlin 31.12.2010 ≈ 13.5 %)
    foreign_in_share: float = 0.45  # foreign nationals among persons moving in from outside
    foreign_out_factor: float = 1.8  # foreigners move out of the city this much more often
    child_foreign_share: float = 0.5  # children of foreign mothers who are foreigners (ius soli)
    in_from_abroad_german: float = 0.1  # Germans moving in from abroad (else from Germany)
    suburban_share: float = 0.3  # moves to or from Germany: share with the Brandenburg Kreise around Berlin
    foreign_area_share: np.ndarray | None = field(default=None, repr=False)  # relative share per area


@dataclass
class RawRegister:
    """Generated persons and events as typed arrays (see :func:`ortswissen.synthetic.register_frames`)."""

    birth_day: np.ndarray  # days since 1970-01-01
    female: np.ndarray
    nationality: np.ndarray  # index into ``codes`` (0 = DE)
    start_point: np.ndarray  # address point at the start, -1 if not resident then
    event_person: np.ndarray
    event_kind: np.ndarray  # index into EVENT_CODES
    event_day: np.ndarray
    event_point: np.ndarray  # -1 where the event has no new address
    event_region: np.ndarray  # index into ``regions``, -1 if none
    codes: list[str]
    regions: list[str]
    start: dt.date
    end: dt.date
    stocks: np.ndarray  # [year, area, band, sex] as generated (the simulation's own count)


def _day(year: int, month: int = 1, day: int = 1) -> int:
    return (dt.date(year, month, day) - _EPOCH).days


def _random_birthdays(years: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    first = (np.asarray(years, dtype=np.int64) - 1970).astype("datetime64[Y]")
    start = first.astype("datetime64[D]").astype(np.int64)
    length = (first + np.timedelta64(1, "Y")).astype("datetime64[D]").astype(np.int64) - start
    return start + (rng.random(len(years)) * length).astype(np.int64)


def _rank_within(groups: np.ndarray, rng: np.random.Generator, n_groups: int) -> tuple[np.ndarray, np.ndarray]:
    """A random order inside each group: the order sorting by group, and each sorted element's rank in its group."""
    order = np.argsort(groups + rng.random(len(groups)))
    g = groups[order]
    starts = np.searchsorted(g, np.arange(n_groups))
    return order, np.arange(len(order)) - starts[g]


class _Book:
    """Collects persons and events in chunks."""

    def __init__(self) -> None:
        self.persons: list[tuple[np.ndarray, ...]] = []
        self.events: list[tuple[np.ndarray, ...]] = []
        self.n = 0

    def add_persons(self, birth_day: np.ndarray, female: np.ndarray, nat: np.ndarray, start: np.ndarray) -> np.ndarray:
        ids = np.arange(self.n, self.n + len(birth_day), dtype=np.int64)
        self.n += len(birth_day)
        self.persons.append((birth_day, female, nat, start))
        return ids

    def add_events(self, pid: np.ndarray, kind: int, day: np.ndarray, point: np.ndarray | None, region=None) -> None:
        n = len(pid)
        self.events.append(
            (
                pid,
                np.full(n, kind, dtype=np.int8),
                day.astype(np.int64),
                np.full(n, -1, dtype=np.int64) if point is None else point.astype(np.int64),
                np.full(n, -1, dtype=np.int64) if region is None else region.astype(np.int64),
            )
        )


def _start_population(
    targets: Targets, params: Parameters, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Persons at the start: area, age, female, foreign probability; exact area × band × sex counts."""
    n_areas, n_bands = targets.counts.shape[1:]
    bands = AgeBands(tuple(int(s) for s in targets.band_starts), (*(int(s) for s in targets.band_starts[1:]), None))
    counts = targets.counts[0].astype(float)
    single = disaggregate(counts, bands)  # [area, 0..100]
    top = single[:, -1:] * _open_tail()[None, :]  # spread 100+ over 100..MAX_AGE
    single = np.concatenate([single[:, :-1], top], axis=1)  # [area, 0..MAX_AGE]
    band_of_age = np.searchsorted(targets.band_starts, np.arange(MAX_AGE + 1), side="right") - 1
    ratio = sex_ratio()
    seed = np.stack([single * ratio / (1 + ratio), single / (1 + ratio)], axis=-1)  # [area, age, sex]
    # IPF over area × band (via an age-to-band indicator) and area × sex
    indicator = np.zeros((MAX_AGE + 1, n_bands))
    indicator[np.arange(MAX_AGE + 1), band_of_age] = 1.0
    male = targets.counts[0].sum(axis=1) - targets.female[0]
    by_sex = np.stack([male, targets.female[0]], axis=-1).astype(float)
    fit = seed
    for _ in range(100):
        band_sum = np.einsum("xas,ab->xb", fit, indicator)
        factor = np.divide(counts, band_sum, out=np.zeros_like(band_sum), where=band_sum > 0)
        fit = fit * (factor @ indicator.T)[:, :, None]
        fit = ipf(fit, [((0, 2), by_sex)], iterations=1)
        band_sum = np.einsum("xas,ab->xb", fit, indicator)
        if np.abs(band_sum - counts).max() < 1e-6:
            break
    # integers: first area × band × sex (both margins exact), then the single years inside
    fem_band = np.einsum("xa,ab->xb", fit[:, :, 1], indicator)
    area_idx = np.repeat(np.arange(n_areas), n_bands)
    female_cells = round_to_totals(fem_band.ravel(), area_idx, targets.female[0], caps=targets.counts[0].ravel())
    cell_totals = np.stack([targets.counts[0].ravel() - female_cells, female_cells], axis=-1)  # [area*band, sex]
    ages = np.arange(MAX_AGE + 1)
    # values per (area, age, sex), grouped by (area, band, sex)
    group = (np.arange(n_areas)[:, None, None] * n_bands + band_of_age[None, :, None]) * 2 + np.arange(2)[None, None, :]
    group = np.broadcast_to(group, fit.shape).ravel()
    band_fit = np.bincount(group, weights=fit.ravel(), minlength=n_areas * n_bands * 2)
    scaled = (
        fit.ravel() * np.divide(cell_totals.ravel(), band_fit, out=np.zeros_like(band_fit), where=band_fit > 0)[group]
    )
    # a cell the fit left empty (seed zero) takes its persons at the band's first age
    empty = (band_fit == 0) & (cell_totals.ravel() > 0)
    if empty.any():
        first_age = np.broadcast_to(ages[None, :, None] == targets.band_starts[band_of_age][None, :, None], fit.shape)
        scaled = np.where(empty[group] & first_age.ravel(), cell_totals.ravel()[group], scaled)
    n = round_to_totals(scaled, group, cell_totals.ravel())
    area_grid, age_grid, sex_grid = np.meshgrid(np.arange(n_areas), ages, np.arange(2), indexing="ij")
    area = np.repeat(area_grid.ravel(), n)
    age = np.repeat(age_grid.ravel(), n)
    female = np.repeat(sex_grid.ravel(), n).astype(bool)
    # nationality: area shares × age profile, fitted to both
    pop = n.reshape(fit.shape).sum(axis=2).astype(float)  # [area, age]
    rel = params.foreign_area_share if params.foreign_area_share is not None else np.ones(n_areas)
    share = np.clip(params.foreign_share_start * np.asarray(rel, dtype=float), 0.0, 0.9)
    area_foreign = share * pop.sum(axis=1)
    age_foreign = pop.sum(axis=0) * foreign_odds()
    age_foreign *= area_foreign.sum() / max(age_foreign.sum(), 1e-9)
    expected = ipf(pop * share[:, None] * foreign_odds()[None, :], [((0,), area_foreign), ((1,), age_foreign)])
    prob = np.clip(np.divide(expected, pop, out=np.zeros_like(pop), where=pop > 0), 0.0, 0.95)
    foreign = rng.random(len(area)) < prob[area, np.minimum(age, MAX_AGE)]
    return area, age, female, foreign, n.reshape(fit.shape)


def _open_tail() -> np.ndarray:
    """Shares of the persons aged 100 and over by age 100 … MAX_AGE."""
    w = 0.6 ** np.arange(MAX_AGE - 100 + 1, dtype=float)
    return w / w.sum()


def _nationality_codes() -> tuple[list[str], np.ndarray]:
    codes = ["DE", *FOREIGN_NATIONALITIES]
    weights = np.array(list(FOREIGN_NATIONALITIES.values()), dtype=float)
    return codes, weights / weights.sum()


def _female_targets(year_counts: np.ndarray, year_female: np.ndarray, present: np.ndarray) -> np.ndarray:
    """Women per area × band: the present sex mix raked to the published women per area, rounded."""
    n_areas, n_bands = year_counts.shape
    share = (present[:, :, 1] + 0.5) / (present.sum(axis=2) + 1.0)
    seed = np.stack([year_counts * (1 - share), year_counts * share], axis=-1)
    male = year_counts.sum(axis=1) - year_female
    fit = ipf(seed, [((0, 1), year_counts.astype(float)), ((0, 2), np.stack([male, year_female], axis=-1))])
    groups = np.repeat(np.arange(n_areas), n_bands)
    return round_to_totals(fit[:, :, 1].ravel(), groups, year_female, caps=year_counts.ravel()).reshape(
        n_areas, n_bands
    )


def generate(targets: Targets, places: Places, *, seed: int = 2026, params: Parameters | None = None) -> RawRegister:
    """Persons and events from 1 January after ``start_year`` to 31 December of the last target year."""
    params = params or Parameters()
    rng = np.random.default_rng(seed)
    n_areas, n_bands = targets.counts.shape[1:]
    n_cells = n_areas * n_bands * 2
    codes, nat_weights = _nationality_codes()
    regions = [*codes[1:], *BRANDENBURG_AROUND_BERLIN, *OTHER_LAENDER]
    brandenburg0 = len(codes) - 1
    laender0 = brandenburg0 + len(BRANDENBURG_AROUND_BERLIN)
    band_of_age = np.searchsorted(targets.band_starts, np.arange(MAX_AGE + 1), side="right") - 1
    asfr = fertility(params.tfr, params.mean_age_at_birth)
    q = death_probabilities(params.e0_male, params.e0_female)
    profile = migration_profile()
    book = _Book()

    # --- start population
    area, age, female, foreign, _ = _start_population(targets, params, rng)
    nat = np.where(foreign, 1 + rng.choice(len(nat_weights), size=len(area), p=nat_weights), 0)
    byear = targets.start_year - age
    point = places.sample(area, rng)
    pid = book.add_persons(_random_birthdays(byear, rng), female, nat, point)
    # rates scaled on the start population
    weight = profile[np.minimum(age, MAX_AGE)] * np.where(foreign, params.foreign_out_factor, 1.0)
    out_scale = params.external_out_rate * len(age) / max(weight.sum(), 1e-9)
    int_scale = params.internal_rate * len(age) / max(profile[np.minimum(age, MAX_AGE)].sum(), 1e-9)
    within_scale = params.within_rate * len(age) / max(profile[np.minimum(age, MAX_AGE)].sum(), 1e-9)
    area_xy = np.zeros((n_areas, 2))
    np.add.at(area_xy, places.area, np.stack([places.x, places.y], axis=1))
    area_xy /= np.maximum(np.bincount(places.area, minlength=n_areas), 1)[:, None]
    area_key = hilbert_keys(area_xy[:, 0], area_xy[:, 1])
    stocks = np.zeros((len(targets.years), n_areas, n_bands, 2), dtype=np.int64)
    stocks[0] = np.bincount(
        (area * n_bands + band_of_age[np.minimum(age, MAX_AGE)]) * 2 + female, minlength=n_cells
    ).reshape(n_areas, n_bands, 2)

    for t, year in enumerate(targets.years[1:], start=1):
        y0, y1 = _day(year), _day(year, 12, 31)
        ndays = y1 - y0 + 1
        age = year - byear
        capped = np.minimum(age, MAX_AGE)
        n = len(pid)
        # deaths
        dead = rng.random(n) < q[female.astype(int), capped]
        # births: expected births per area meet the published infants of the year
        fertile = female & ~dead & (age >= 15) & (age <= 49)
        expected = np.bincount(area[fertile], weights=asfr[capped[fertile]], minlength=n_areas)
        infants = targets.counts[t, :, 0] if targets.band_starts[1] == 1 else expected
        factor = np.clip((infants + 1.0) / (expected + 1.0), 0.4, 2.5)
        mother = fertile & (rng.random(n) < asfr[capped] * factor[area])
        m_idx = np.flatnonzero(mother)
        k = len(m_idx)
        c_bday = y0 + (rng.random(k) * ndays).astype(np.int64)
        c_female = rng.random(k) < 1.0 / (1.0 + SEX_RATIO_AT_BIRTH)
        c_nat = np.where((nat[m_idx] > 0) & (rng.random(k) < params.child_foreign_share), nat[m_idx], 0)
        c_pid = book.add_persons(c_bday, c_female, c_nat, np.full(k, -1, dtype=np.int64))
        book.add_events(c_pid, _BIRTH, c_bday, point[m_idx])
        c_dead = rng.random(k) < q[c_female.astype(int), 0]
        # one set of arrays for everybody living here during the year
        after = np.full(n + k, y0, dtype=np.int64)  # events of the year fall on or after this day
        after[m_idx] = c_bday
        after[n:] = c_bday
        pid = np.concatenate([pid, c_pid])
        area = np.concatenate([area, area[m_idx]])
        point = np.concatenate([point, point[m_idx]])
        byear = np.concatenate([byear, np.full(k, year)])
        female = np.concatenate([female, c_female])
        nat = np.concatenate([nat, c_nat])
        dead = np.concatenate([dead, c_dead])
        newborn = np.r_[np.zeros(n, bool), np.ones(k, bool)]
        mother = np.r_[mother, np.zeros(k, bool)]
        age = year - byear
        capped = np.minimum(age, MAX_AGE)
        foreign = nat > 0
        n = len(pid)

        def days(which: np.ndarray, after: np.ndarray = after, y1: int = y1) -> np.ndarray:
            """Event days, uniform from each person's first possible day to 31 December."""
            lo = after[which]
            return lo + (rng.random(len(lo)) * (y1 - lo + 1)).astype(np.int64)

        book.add_events(pid[dead], _DEATH, days(dead), None)
        # voluntary moves out of the city and to other areas
        free = ~dead & ~mother & ~newborn
        u = rng.random(n)
        p_out = out_scale * profile[capped] * np.where(foreign, params.foreign_out_factor, 1.0)
        p_int = int_scale * profile[capped]
        out = free & (u < p_out)
        mover = free & ~out & (u < p_out + p_int)
        present = ~dead & ~out & ~mover
        cell = (area * n_bands + band_of_age[capped]) * 2 + female
        have = np.bincount(cell[present], minlength=n_cells)
        fem = _female_targets(targets.counts[t], targets.female[t], have.reshape(n_areas, n_bands, 2))
        goal = np.stack([targets.counts[t] - fem, fem], axis=-1).ravel()
        need = goal - have
        # cells with too many persons: send the surplus away (part stays in the city)
        surplus = np.maximum(-need, 0)
        cand = np.flatnonzero(present & (surplus[cell] > 0))
        order, rank = _rank_within(cell[cand], rng, n_cells)
        chosen = cand[order[rank < surplus[cell[cand[order]]]]]
        stays = rng.random(len(chosen)) < params.forced_internal_share
        out[chosen[~stays]] = True
        mover[chosen[stays]] = True
        present[chosen] = False
        need = np.maximum(need, 0)
        # movers between areas fill the cells with too few, by band and sex
        group_of_cell = np.arange(n_cells) % (n_bands * 2)
        movers = np.flatnonzero(mover)
        m_group = cell[movers] % (n_bands * 2)
        slots_per_group = np.bincount(group_of_cell, weights=need, minlength=n_bands * 2).astype(np.int64)
        order, rank = _rank_within(m_group, rng, n_bands * 2)
        surplus_movers = movers[order[rank >= slots_per_group[m_group[order]]]]
        out[surplus_movers] = True
        mover[surplus_movers] = False
        movers = np.flatnonzero(mover)
        m_group = cell[movers] % (n_bands * 2)
        movers_per_group = np.bincount(m_group, minlength=n_bands * 2)
        slot_cell = np.repeat(np.arange(n_cells), need)
        slot_group = group_of_cell[slot_cell]
        order, rank = _rank_within(slot_group, rng, n_bands * 2)
        taken = order[rank < movers_per_group[slot_group[order]]]
        is_free = np.ones(len(slot_cell), bool)
        is_free[taken] = False
        free_slots = np.flatnonzero(is_free)
        # pair movers and taken slots by distance key: most moves stay near
        m_key = _distance_key(area_key[area[movers]], params, rng)
        s_key = _distance_key(area_key[slot_cell[taken] // (n_bands * 2)], params, rng)
        m_sorted = movers[np.argsort(m_group + m_key)]
        s_sorted = taken[np.argsort(slot_group[taken] + s_key)]
        dest = slot_cell[s_sorted] // (n_bands * 2)
        m_day = days(m_sorted)
        new_point = places.sample(dest, rng)
        book.add_events(pid[m_sorted], _MOVE_WITHIN, m_day, new_point)
        area[m_sorted] = dest
        point[m_sorted] = new_point
        # moves out of the city
        o_nat = foreign[out]
        book.add_events(
            pid[out], _MOVE_OUT, days(out), None, _regions(o_nat, nat[out], params, rng, laender0, out=True)
        )
        # persons moving in from outside fill the remaining slots
        i_cell = slot_cell[free_slots]
        i_area = i_cell // (n_bands * 2)
        i_band = (i_cell // 2) % n_bands
        i_female = (i_cell % 2).astype(bool)
        i_age = _ages_in_bands(i_band, targets.band_starts, profile, rng)
        i_byear = year - i_age
        i_bday = _random_birthdays(i_byear, rng)
        lo = np.maximum(i_bday, y0)
        i_day = lo + (rng.random(len(lo)) * (y1 - lo + 1)).astype(np.int64)
        p_foreign = params.foreign_in_share * np.interp(i_age, [0, 18, 25, 65, 80], [0.8, 1.0, 1.0, 0.6, 0.3])
        i_nat = np.where(
            rng.random(len(i_age)) < p_foreign, 1 + rng.choice(len(nat_weights), size=len(i_age), p=nat_weights), 0
        )
        i_point = places.sample(i_area, rng)
        i_pid = book.add_persons(i_bday, i_female, i_nat, np.full(len(i_age), -1, dtype=np.int64))
        book.add_events(i_pid, _MOVE_IN, i_day, i_point, _regions(i_nat > 0, i_nat, params, rng, laender0, out=False))
        # moves inside the area among those with no other event this year
        still = present & ~mother & ~newborn
        within = still & (rng.random(n) < within_scale * profile[capped])
        w_point = places.sample(area[within], rng)
        book.add_events(pid[within], _MOVE_WITHIN, days(within), w_point)
        point[within] = w_point
        # the year-end population
        keep = ~dead & ~out
        pid, area, point, byear, female, nat = (
            np.concatenate([a[keep], b])
            for a, b in (
                (pid, i_pid),
                (area, i_area),
                (point, i_point),
                (byear, i_byear),
                (female, i_female),
                (nat, i_nat),
            )
        )
        capped = np.minimum(year - byear, MAX_AGE)
        stocks[t] = np.bincount((area * n_bands + band_of_age[capped]) * 2 + female, minlength=n_cells).reshape(
            n_areas, n_bands, 2
        )

    persons = [np.concatenate(parts) for parts in zip(*book.persons, strict=True)]
    events = [np.concatenate(parts) for parts in zip(*book.events, strict=True)]
    order = np.lexsort((events[0], events[1], events[2]))  # by day, then kind order, then person
    events = [e[order] for e in events]
    return RawRegister(
        birth_day=persons[0],
        female=persons[1].astype(bool),
        nationality=persons[2].astype(np.int64),
        start_point=persons[3].astype(np.int64),
        event_person=events[0],
        event_kind=events[1],
        event_day=events[2],
        event_point=events[3],
        event_region=events[4],
        codes=codes,
        regions=regions,
        start=dt.date(targets.start_year + 1, 1, 1),
        end=dt.date(targets.years[-1], 12, 31),
        stocks=stocks,
    )


def _distance_key(key: np.ndarray, params: Parameters, rng: np.random.Generator) -> np.ndarray:
    """The Hilbert key of an area with local noise; a share of movers gets a random key (any distance)."""
    noisy = key + params.local_spread * rng.standard_normal(len(key))
    far = rng.random(len(key)) < params.long_distance_share
    return np.clip(np.where(far, rng.random(len(key)), noisy), 0.0, 0.999)  # stays below the next group


def _ages_in_bands(band: np.ndarray, starts: np.ndarray, profile: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A single age inside each band, drawn by the migration profile."""
    ends = np.r_[starts[1:], MAX_AGE]
    out = np.empty(len(band), dtype=np.int64)
    for b in np.unique(band):
        ages = np.arange(starts[b], max(ends[b], starts[b] + 1))
        w = profile[np.minimum(ages, MAX_AGE)]
        if b == len(starts) - 1:  # the open band: the very old are rare
            w = w * 0.7 ** (ages - starts[b])
        sel = band == b
        out[sel] = rng.choice(ages, size=int(sel.sum()), p=w / w.sum())
    return out


def _regions(
    foreign: np.ndarray, nat: np.ndarray, params: Parameters, rng: np.random.Generator, laender0: int, *, out: bool
) -> np.ndarray:
    """Origin or destination of moves across the city boundary, as an index into the region list.

    Foreigners mostly come from (go to) their country, Germans from (to) the Brandenburg Kreise
    around Berlin or another Land, a few from (to) abroad.
    """
    n = len(foreign)
    u = rng.random(n)
    abroad = np.where(foreign, u < 0.8, u < params.in_from_abroad_german)
    country = np.where(nat > 0, nat - 1, rng.integers(0, laender0 - len(BRANDENBURG_AROUND_BERLIN), n))
    suburban_share = params.suburban_share * (1.4 if out else 1.0)  # more leave for the suburbs than come
    v = rng.random(n)
    brandenburg = laender0 - len(BRANDENBURG_AROUND_BERLIN) + rng.integers(0, len(BRANDENBURG_AROUND_BERLIN), n)
    land = laender0 + rng.integers(0, len(OTHER_LAENDER), n)
    return np.where(abroad, country, np.where(v < suburban_share, brandenburg, land))
