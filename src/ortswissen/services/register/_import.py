"""Importing a register extract: validate everything, pseudonymise, write all or nothing.

Reads persons (and events, and an address table), checks every rule of the profile with
column operations, locates addresses in blocks and 100 m cells, replaces register ids by
keyed hashes and birth dates by months, and drops names, streets and coordinates before
anything is written. Any error rejects the whole extract (:class:`ImportRejected` with a
report naming file, row and column); the store is then untouched.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from ortswissen.errors import ConfigurationError, ImportRejected
from ortswissen.ports import ImportRecord, RegisterExtract, RegisterStore, Store
from ortswissen.register import (
    ADDRESS_COLUMNS,
    EVENT_COLUMNS,
    EVENT_KINDS,
    OPENING,
    PERSON_COLUMNS,
    RESIDENCE_CODES,
    SEX_CODES,
    build_history,
    check_sequences,
    key_fingerprint,
    map_codes,
    month_start,
    nationality_groups,
    person_keys,
)
from ortswissen.reports import ImportReport, Severity
from ortswissen.services._progress import NO_PROGRESS, Progress
from ortswissen.services._provenance import file_sha256, new_import_id, now
from ortswissen.services.register._inputs import Input, frame_input, read_csv_input
from ortswissen.services.register._issues import flag_rows
from ortswissen.services.register._locate import Locator
from ortswissen.services.register._parse import parse_dates, parse_text
from ortswissen.services.register._secret import MIN_SECRET_BYTES

__all__ = ["KIND", "import_register", "import_register_frames", "register_store"]

#: Import kind recorded in the store's provenance.
KIND = "register"
_REGION = r"\d{2}|\d{3}|\d{5}|\d{8}|\d{12}|[A-Za-z]{2}"


def register_store(store: Store) -> RegisterStore:
    """The store as a :class:`RegisterStore`, or a clear error for stores that keep no register."""
    if not isinstance(store, RegisterStore):
        raise ConfigurationError(f"the store {store.url} cannot keep register extracts; use a DuckDB store")
    return store


@dataclass
class _Persons:
    ids: pd.Series
    birth: pd.Series
    sex: pd.Series
    nationality: pd.Series
    residence: pd.Series
    block: np.ndarray
    cell: np.ndarray


def _as_timestamp(day: dt.date) -> pd.Timestamp:
    return pd.Timestamp(day)


def import_register(
    store: Store,
    persons_path: str | Path,
    events_path: str | Path | None = None,
    addresses_path: str | Path | None = None,
    *,
    period_start: dt.date,
    period_end: dt.date,
    secret: bytes | str,
    synthetic: bool = False,
    coordinate_crs: str = "EPSG:25833",
    progress: Progress = NO_PROGRESS,
) -> ImportReport:
    """Import a register extract from the profile's CSV files (docs/register.md); all or nothing."""
    report = ImportReport(KIND, Path(persons_path).name)
    progress.start("Registerauszug lesen / reading the extract", None)
    persons = read_csv_input(persons_path, PERSON_COLUMNS, report)
    events = read_csv_input(events_path, EVENT_COLUMNS, report) if events_path else None
    addresses = read_csv_input(addresses_path, ADDRESS_COLUMNS, report) if addresses_path else None
    progress.finish()
    if not report.ok or persons is None:
        raise ImportRejected(report)
    files = [p for p in (persons_path, events_path, addresses_path) if p]
    digest = hashlib.sha256()
    for item in (persons, events, addresses):
        if item is not None:
            digest.update((item.sha256 or "").encode())
    if not any(item is not None and item.sha256 for item in (persons, events, addresses)):
        digest.update("".join(file_sha256(p) for p in files).encode())
    return _import(
        store,
        report,
        persons,
        events,
        addresses,
        period_start=period_start,
        period_end=period_end,
        secret=secret,
        synthetic=synthetic,
        crs=coordinate_crs,
        source=", ".join(Path(p).name for p in files),
        sha=digest.hexdigest(),
        progress=progress,
    )


def import_register_frames(
    store: Store,
    persons: pd.DataFrame,
    events: pd.DataFrame | None = None,
    *,
    period_start: dt.date,
    period_end: dt.date,
    secret: bytes | str,
    source_label: str = "frames",
    synthetic: bool = False,
    addresses: pd.DataFrame | None = None,
    coordinate_crs: str = "EPSG:25833",
    progress: Progress = NO_PROGRESS,
) -> ImportReport:
    """Import persons and events given as data frames with the CSV columns (typed or text); all or nothing.

    Rows are numbered as in a CSV written from the frame (row 2 is the first record), and
    messages name ``<source_label>:persons`` / ``:events``.
    """
    report = ImportReport(KIND, f"{source_label}:persons")
    p_in = frame_input(persons, PERSON_COLUMNS, f"{source_label}:persons", report)
    e_in = frame_input(events, EVENT_COLUMNS, f"{source_label}:events", report) if events is not None else None
    a_in = (
        frame_input(addresses, ADDRESS_COLUMNS, f"{source_label}:addresses", report) if addresses is not None else None
    )
    if not report.ok:
        raise ImportRejected(report)
    return _import(
        store,
        report,
        p_in,
        e_in,
        a_in,
        period_start=period_start,
        period_end=period_end,
        secret=secret,
        synthetic=synthetic,
        crs=coordinate_crs,
        source=source_label,
        sha="",
        progress=progress,
    )


def _secret_bytes(secret: bytes | str) -> bytes:
    value = secret.encode("utf-8") if isinstance(secret, str) else bytes(secret)
    if len(value) < MIN_SECRET_BYTES:
        raise ConfigurationError(f"the register secret must have at least {MIN_SECRET_BYTES} bytes")
    return value


def _parse_persons(
    inp: Input, locator: Locator, report: ImportReport, start: pd.Timestamp, end: pd.Timestamp
) -> _Persons:
    n = inp.table.num_rows
    rows, name = inp.rows, inp.name
    ids = parse_text(inp.column("register_id"), n)
    flag_rows(
        report, "missing-id", "the register id is empty", ids.isna().to_numpy(), rows, source=name, column="register_id"
    )
    repeated = ids.notna().to_numpy() & ids.duplicated(keep=False).to_numpy()
    if repeated.any():
        first_row = pd.Series(rows[repeated]).groupby(ids[repeated].to_numpy()).transform("min").to_numpy()
        later = np.zeros(n, bool)
        later[np.flatnonzero(repeated)[first_row != rows[repeated]]] = True
        firsts = np.zeros(n, dtype=np.int64)
        firsts[np.flatnonzero(repeated)] = first_row
        flag_rows(
            report,
            "duplicate-id",
            "the register id occurs more than once (first row given as value)",
            later,
            rows,
            source=name,
            column="register_id",
            values=firsts,
        )
    birth, empty, bad = parse_dates(inp.column("birth_date"), n)
    flag_rows(report, "missing-date", "the date of birth is empty", empty, rows, source=name, column="birth_date")
    raw_birth = parse_text(inp.column("birth_date"), n).to_numpy()
    flag_rows(
        report,
        "invalid-date",
        "not a date as YYYY-MM-DD (years 1850–2200)",
        bad,
        rows,
        source=name,
        column="birth_date",
        values=raw_birth,
    )
    flag_rows(
        report,
        "born-after-period",
        "the person is born after the end of the extract period",
        (birth > end).to_numpy(),
        rows,
        source=name,
        column="birth_date",
    )
    sex_text = parse_text(inp.column("sex"), n)
    sex = map_codes(sex_text, SEX_CODES)
    flag_rows(
        report,
        "invalid-sex",
        "sex must be m, w (or f) or d",
        sex.isna().to_numpy(),
        rows,
        source=name,
        column="sex",
        values=sex_text.to_numpy(),
    )
    nat_text = parse_text(inp.column("nationality"), n)
    nationality, bad_nat = nationality_groups(nat_text)
    flag_rows(
        report,
        "invalid-nationality",
        "nationality must be an ISO 3166-1 alpha-2 code (e.g. DE, TR) or empty",
        bad_nat.to_numpy(),
        rows,
        source=name,
        column="nationality",
        values=nat_text.to_numpy(),
    )
    res_text = parse_text(inp.column("residence"), n)
    residence = map_codes(res_text, RESIDENCE_CODES).where(res_text.notna(), "main")
    flag_rows(
        report,
        "invalid-residence",
        "residence must be haupt or neben (or empty: haupt)",
        residence.isna().to_numpy(),
        rows,
        source=name,
        column="residence",
        values=res_text.to_numpy(),
    )
    located = locator.locate(inp, use=np.ones(n, bool), needed=np.zeros(n, bool), what="a resident")
    # an address at the period start is only possible for someone born by then
    flag_rows(
        report,
        "address-before-birth",
        "the person has an address at the period start but is born after it (a birth event gives the address)",
        located.given & (birth > start).to_numpy(),
        rows,
        source=name,
        column="birth_date",
    )
    block = np.where(located.given, located.block, None)
    cell = np.where(located.given, located.cell, None)
    return _Persons(ids, birth, sex, nationality, residence, block, cell)


def _parse_events(inp: Input, persons: _Persons, locator: Locator, report: ImportReport) -> pd.DataFrame:
    n = inp.table.num_rows
    rows, name = inp.rows, inp.name
    ids = parse_text(inp.column("register_id"), n)
    index = pd.Series(np.arange(len(persons.ids)), index=persons.ids.to_numpy())
    index = index[~index.index.duplicated() & index.index.notna()]
    person = index.reindex(ids.to_numpy()).to_numpy()
    unknown = np.isnan(person)
    flag_rows(
        report,
        "unknown-person",
        "the register id is not in the persons file",
        unknown,
        rows,
        source=name,
        column="register_id",
        values=ids.to_numpy(),
    )
    kind_text = parse_text(inp.column("event"), n)
    kind = kind_text.str.lower()
    bad_kind = ~kind.isin(EVENT_KINDS).to_numpy()
    flag_rows(
        report,
        "invalid-event",
        f"the event must be one of {', '.join(EVENT_KINDS)}",
        bad_kind,
        rows,
        source=name,
        column="event",
        values=kind_text.to_numpy(),
    )
    date, empty, bad = parse_dates(inp.column("date"), n)
    flag_rows(report, "missing-date", "the date of the event is empty", empty, rows, source=name, column="date")
    flag_rows(
        report,
        "invalid-date",
        "not a date as YYYY-MM-DD (years 1850–2200)",
        bad,
        rows,
        source=name,
        column="date",
        values=parse_text(inp.column("date"), n).to_numpy(),
    )
    opening = kind.isin(OPENING).to_numpy()
    located = locator.locate(inp, use=opening, needed=opening, what="a birth or move in/within")
    report.tally(Severity.NOTE, "address-ignored", int((located.given & ~opening & ~bad_kind).sum()))
    region = parse_text(inp.column("other_region"), n)
    crossing = kind.isin(("move_in", "move_out")).to_numpy()
    bad_region = crossing & region.notna().to_numpy() & ~region.fillna("").str.fullmatch(_REGION).to_numpy()
    flag_rows(
        report,
        "invalid-region",
        "other_region must be an AGS/ARS key (2, 3, 5, 8 or 12 digits), a country code (2 letters) or empty",
        bad_region,
        rows,
        source=name,
        column="other_region",
        values=region.to_numpy(),
    )
    region = region.where(crossing, None)
    region = region.where(~region.fillna("").str.fullmatch(r"[A-Za-z]{2}"), region.str.upper())
    return pd.DataFrame(
        {
            "person": np.nan_to_num(person, nan=-1).astype(np.int64),
            "kind": kind.to_numpy(),
            "date": date,
            "order": rows,
            "block": located.block,
            "cell": located.cell,
            "other_region": region.to_numpy(),
        }
    )


def _import(
    store: Store,
    report: ImportReport,
    persons_in: Input,
    events_in: Input | None,
    addresses_in: Input | None,
    *,
    period_start: dt.date,
    period_end: dt.date,
    secret: bytes | str,
    synthetic: bool,
    crs: str,
    source: str,
    sha: str,
    progress: Progress,
) -> ImportReport:
    target = register_store(store)
    key = _secret_bytes(secret)
    if period_end < period_start:
        raise ConfigurationError(f"the period ends ({period_end}) before it starts ({period_start})")
    started = now()
    start, end = _as_timestamp(period_start), _as_timestamp(period_end)
    progress.start("Prüfen und verorten / checking and locating", 4)
    locator = Locator(store, report, crs=crs)
    if addresses_in is not None:
        locator.load_addresses(addresses_in)
    persons = _parse_persons(persons_in, locator, report, start, end)
    progress.advance()
    events = (
        _parse_events(events_in, persons, locator, report)
        if events_in is not None
        else pd.DataFrame(
            {
                "person": pd.Series([], dtype=np.int64),
                "kind": [],
                "date": pd.Series([], dtype="datetime64[ns]"),
                "order": pd.Series([], dtype=np.int64),
                "block": [],
                "cell": [],
                "other_region": [],
            }
        )
    )
    progress.advance()
    if not report.ok:
        progress.finish()
        raise ImportRejected(report)

    frame = pd.DataFrame({"birth_date": persons.birth, "start_block": persons.block, "start_cell": persons.cell})
    for problem in check_sequences(frame, events, period_start=start, period_end=end):
        column = (
            "date" if problem.code in ("event-outside-period", "event-before-birth", "birth-date-mismatch") else "event"
        )
        flag_rows(
            report,
            problem.code,
            problem.message,
            problem.mask,
            events_in.rows if events_in else np.array([]),
            source=events_in.name if events_in else "",
            column=column,
            values=events["date"].dt.strftime("%Y-%m-%d").to_numpy() if column == "date" else events["kind"].to_numpy(),
        )
    if not report.ok:
        progress.finish()
        raise ImportRejected(report)

    # persons who never live here in the period (no address, no event) count for nothing: dropped
    with_events = np.zeros(len(frame), bool)
    with_events[events["person"].to_numpy()] = True
    idle = frame["start_block"].isna().to_numpy() & ~with_events
    flag_rows(
        report,
        "person-without-address",
        "the person has no address at the period start and no event: not resident in the period, left out",
        idle,
        persons_in.rows,
        source=persons_in.name,
        column="register_id",
        severity=Severity.WARNING,
    )
    progress.advance()

    episodes, moved = build_history(frame, events, period_start=start)
    keys = np.array(person_keys(persons.ids.tolist(), key), dtype=object)
    progress.advance()
    progress.finish()

    import_id = new_import_id(KIND)
    keep = ~idle
    birth_month = month_start(persons.birth)
    persons_table = pa.table(
        {
            "person_key": pa.array(keys[keep], type=pa.string(), from_pandas=True),
            "birth_month": pa.array(birth_month[keep].dt.date, type=pa.date32()),
            "sex": pa.array(persons.sex.to_numpy()[keep], type=pa.string(), from_pandas=True),
            "nationality": pa.array(persons.nationality.to_numpy()[keep], type=pa.string(), from_pandas=True),
            "residence": pa.array(persons.residence.to_numpy()[keep], type=pa.string(), from_pandas=True),
            "import_id": pa.array(
                np.full(int(keep.sum()), import_id, dtype=object), type=pa.string(), from_pandas=True
            ),
        }
    )
    residences_table = pa.table(
        {
            "person_key": pa.array(keys[episodes["person"].to_numpy()], type=pa.string(), from_pandas=True),
            "block_id": pa.array(episodes["block"].to_numpy(), type=pa.string(), from_pandas=True),
            "cell_id": pa.array(episodes["cell"].to_numpy(), type=pa.string(), from_pandas=True),
            "valid_from": pa.array(episodes["valid_from"].dt.date, type=pa.date32()),
            "valid_to": pa.array(episodes["valid_to"].dt.date, type=pa.date32(), from_pandas=True),
        }
    )
    who = moved["person"].to_numpy()
    events_table = pa.table(
        {
            "person_key": pa.array(keys[who], type=pa.string(), from_pandas=True),
            "kind": pa.array(moved["kind"].to_numpy(), type=pa.string(), from_pandas=True),
            "date": pa.array(month_start(moved["date"]).dt.date, type=pa.date32()),
            "age": pa.array(moved["age"].to_numpy(), type=pa.int32()),
            "sex": pa.array(persons.sex.to_numpy()[who], type=pa.string(), from_pandas=True),
            "nationality": pa.array(persons.nationality.to_numpy()[who], type=pa.string(), from_pandas=True),
            "origin_block": pa.array(moved["origin_block"].to_numpy(), type=pa.string(), from_pandas=True),
            "origin_cell": pa.array(moved["origin_cell"].to_numpy(), type=pa.string(), from_pandas=True),
            "dest_block": pa.array(moved["dest_block"].to_numpy(), type=pa.string(), from_pandas=True),
            "dest_cell": pa.array(moved["dest_cell"].to_numpy(), type=pa.string(), from_pandas=True),
            "other_region": pa.array(moved["other_region"].to_numpy(), type=pa.string(), from_pandas=True),
            "import_id": pa.array(np.full(len(moved), import_id, dtype=object), type=pa.string(), from_pandas=True),
        }
    )
    extract = RegisterExtract(import_id, period_start, period_end, synthetic, key_fingerprint(key))
    counts = {
        "persons_read": len(frame),
        "events_read": len(events),
        "persons": persons_table.num_rows,
        "persons_left_out": int(idle.sum()),
        "episodes": residences_table.num_rows,
        "events": events_table.num_rows,
        **{f"events_{k}": int((moved["kind"] == k).sum()) for k in EVENT_KINDS},
    }
    report.counts.update(counts)
    report.counts["written"] = persons_table.num_rows + residences_table.num_rows + events_table.num_rows
    report.details.update(period_start=str(period_start), period_end=str(period_end), synthetic=synthetic)
    progress.start("Speichern / writing", None)
    with store.transaction():
        target.replace_register(extract, persons_table, residences_table, events_table)
        store.record_import(
            ImportRecord(
                import_id,
                KIND,
                source,
                sha,
                started,
                now(),
                len(frame) + len(events),
                int(report.counts["written"]),
                0,
                options={
                    "period_start": str(period_start),
                    "period_end": str(period_end),
                    "synthetic": synthetic,
                    "coordinate_crs": crs,
                },
                summary=counts,
            )
        )
    progress.finish()
    return report
