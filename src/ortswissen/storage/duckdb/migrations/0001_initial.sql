-- Initial schema of the embedded store. See docs/data-model.md for the meaning of every column.

CREATE TABLE meta (
    key   VARCHAR PRIMARY KEY,
    value VARCHAR NOT NULL
);

CREATE TABLE levels (
    level_id        VARCHAR PRIMARY KEY,
    name_de         VARCHAR NOT NULL,
    name_en         VARCHAR NOT NULL,
    parent_level_id VARCHAR,
    nested          BOOLEAN NOT NULL,
    key_width       INTEGER,
    key_pattern     VARCHAR,
    description     VARCHAR NOT NULL DEFAULT '',
    sort_order      INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE vintages (
    level_id   VARCHAR NOT NULL,
    vintage_id VARCHAR NOT NULL,
    label_de   VARCHAR NOT NULL,
    label_en   VARCHAR NOT NULL,
    source     VARCHAR NOT NULL DEFAULT '',
    note       VARCHAR NOT NULL DEFAULT '',
    PRIMARY KEY (level_id, vintage_id)
);

CREATE TABLE unit_versions (
    level_id     VARCHAR NOT NULL,
    unit_id      VARCHAR NOT NULL,
    valid_from   DATE NOT NULL,
    valid_to     DATE,
    vintage_id   VARCHAR,
    name         VARCHAR NOT NULL,
    official_key VARCHAR,
    parent_id    VARCHAR,
    area_m2      DOUBLE,
    attributes   JSON,
    geom         GEOMETRY,
    geom_wgs84   GEOMETRY,
    import_id    VARCHAR,
    PRIMARY KEY (level_id, unit_id, valid_from),
    CHECK (valid_to IS NULL OR valid_to >= valid_from)
);

CREATE TABLE indicators (
    indicator_id VARCHAR PRIMARY KEY,
    title_de     VARCHAR NOT NULL,
    title_en     VARCHAR NOT NULL,
    kind         VARCHAR NOT NULL,
    topic        VARCHAR NOT NULL,
    visibility   VARCHAR NOT NULL,
    owner        VARCHAR NOT NULL,
    meta         JSON NOT NULL,
    updated_at   TIMESTAMP NOT NULL
);

-- The long value table: never a column per date.
CREATE TABLE indicator_values (
    indicator_id    VARCHAR NOT NULL,
    level_id        VARCHAR NOT NULL,
    unit_id         VARCHAR NOT NULL,
    unit_valid_from DATE NOT NULL,
    date            DATE NOT NULL,
    scenario        VARCHAR NOT NULL,
    value           DOUBLE,
    status          VARCHAR NOT NULL,
    flag            VARCHAR,
    import_id       VARCHAR NOT NULL,
    source_row      BIGINT,
    CHECK (status IN ('ok', 'missing', 'suppressed', 'estimated', 'projected')),
    CHECK ((value IS NULL) = (status IN ('missing', 'suppressed')))
);

CREATE TABLE georesources (
    georesource_id VARCHAR PRIMARY KEY,
    title_de       VARCHAR NOT NULL,
    title_en       VARCHAR NOT NULL,
    kind           VARCHAR NOT NULL,
    meta           JSON NOT NULL,
    updated_at     TIMESTAMP NOT NULL
);

CREATE TABLE features (
    georesource_id VARCHAR NOT NULL,
    feature_id     VARCHAR NOT NULL,
    valid_from     DATE NOT NULL,
    valid_to       DATE,
    name           VARCHAR,
    attributes     JSON,
    geom           GEOMETRY,
    geom_wgs84     GEOMETRY,
    import_id      VARCHAR,
    PRIMARY KEY (georesource_id, feature_id, valid_from),
    CHECK (valid_to IS NULL OR valid_to >= valid_from)
);

-- Spatial preparation done once at import: which unit version each feature lies in, on which days.
-- A point counts in one unit per level on any day (ties on boundaries resolved per time segment).
CREATE TABLE feature_units (
    georesource_id     VARCHAR NOT NULL,
    feature_id         VARCHAR NOT NULL,
    feature_valid_from DATE NOT NULL,
    level_id           VARCHAR NOT NULL,
    unit_id            VARCHAR NOT NULL,
    unit_valid_from    DATE NOT NULL,
    valid_from         DATE NOT NULL,
    valid_to           DATE
);

CREATE TABLE crosswalks (
    crosswalk_id VARCHAR PRIMARY KEY,
    from_level   VARCHAR NOT NULL,
    from_date    DATE NOT NULL,
    from_until   DATE,
    to_level     VARCHAR NOT NULL,
    to_date      DATE NOT NULL,
    method       VARCHAR NOT NULL,
    description  VARCHAR NOT NULL DEFAULT '',
    params       JSON,
    created_at   TIMESTAMP NOT NULL
);

-- Weights map unit *versions* (id + valid_from), so one crosswalk can cover a whole source period.
CREATE TABLE crosswalk_weights (
    crosswalk_id    VARCHAR NOT NULL,
    from_unit       VARCHAR NOT NULL,
    from_valid_from DATE NOT NULL,
    to_unit         VARCHAR NOT NULL,
    to_valid_from   DATE NOT NULL,
    weight          DOUBLE NOT NULL,
    overlap_area    DOUBLE,
    population      DOUBLE,
    basis           VARCHAR NOT NULL,
    PRIMARY KEY (crosswalk_id, from_unit, from_valid_from, to_unit, to_valid_from),
    CHECK (weight > 0 AND weight <= 1.000000001)
);

CREATE TABLE imports (
    import_id     VARCHAR PRIMARY KEY,
    kind          VARCHAR NOT NULL,
    source        VARCHAR NOT NULL,
    sha256        VARCHAR NOT NULL,
    started_at    TIMESTAMP NOT NULL,
    finished_at   TIMESTAMP NOT NULL,
    rows_read     BIGINT NOT NULL,
    rows_written  BIGINT NOT NULL,
    rows_replaced BIGINT NOT NULL,
    options       JSON,
    summary       JSON
);
