-- Pseudonymised register extracts (see docs/register.md). No names, street addresses,
-- coordinates, exact birth dates or raw register ids are stored: persons are known by the
-- keyed hash of their register id, born in a month, living in a block and a 100 m cell.
-- These tables are read by services only; no HTTP endpoint exposes them.

CREATE TABLE register_extracts (
    import_id    VARCHAR PRIMARY KEY,
    period_start DATE NOT NULL,
    period_end   DATE NOT NULL,
    synthetic    BOOLEAN NOT NULL,
    key_check    VARCHAR NOT NULL,  -- HMAC of a fixed text: tells secrets apart, reveals nothing
    CHECK (period_end >= period_start)
);

CREATE TABLE register_persons (
    person_key  VARCHAR PRIMARY KEY,  -- first 32 hex digits of HMAC-SHA256(secret, register id)
    birth_month DATE NOT NULL,        -- first day of the month of birth
    sex         VARCHAR NOT NULL,
    nationality VARCHAR NOT NULL,
    residence   VARCHAR NOT NULL,
    import_id   VARCHAR NOT NULL,
    CHECK (sex IN ('m', 'f', 'd')),
    CHECK (nationality IN ('de', 'eu', 'non_eu', 'unknown')),
    CHECK (residence IN ('main', 'secondary')),
    CHECK (day(birth_month) = 1)
);

-- Residence episodes: valid_to inclusive, NULL while still resident at the period end.
CREATE TABLE register_residences (
    person_key VARCHAR NOT NULL,
    block_id   VARCHAR NOT NULL,
    cell_id    VARCHAR NOT NULL,
    valid_from DATE NOT NULL,
    valid_to   DATE,
    CHECK (valid_to IS NULL OR valid_to >= valid_from)
);

CREATE TABLE register_events (
    person_key   VARCHAR NOT NULL,
    kind         VARCHAR NOT NULL,
    date         DATE NOT NULL,  -- first day of the month of the event
    age          INTEGER NOT NULL,
    sex          VARCHAR NOT NULL,
    nationality  VARCHAR NOT NULL,
    origin_block VARCHAR,
    origin_cell  VARCHAR,
    dest_block   VARCHAR,
    dest_cell    VARCHAR,
    other_region VARCHAR,
    import_id    VARCHAR NOT NULL,
    CHECK (kind IN ('birth', 'death', 'move_in', 'move_out', 'move_within')),
    CHECK (day(date) = 1),
    CHECK (age >= 0)
);

-- Which unit of every level a block's representative point lies in, on which days.
CREATE TABLE register_block_units (
    block_id        VARCHAR NOT NULL,
    level_id        VARCHAR NOT NULL,
    unit_id         VARCHAR NOT NULL,
    unit_valid_from DATE NOT NULL,
    valid_from      DATE NOT NULL,
    valid_to        DATE
);
