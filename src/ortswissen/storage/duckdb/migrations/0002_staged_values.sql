-- Values of an import are staged straight into the value table in autocommitted chunks, so a
-- file of any size streams with bounded memory; they become visible only when the import is
-- recorded in `imports`, which happens in one short transaction with the replacement of older
-- values. A crash leaves invisible rows of a pending import, removed on the next writable open.

ALTER TABLE indicator_values RENAME TO indicator_values_all;

CREATE VIEW indicator_values AS
SELECT * FROM indicator_values_all WHERE import_id IN (SELECT import_id FROM imports);

CREATE TABLE pending_imports (
    import_id  VARCHAR PRIMARY KEY,
    started_at TIMESTAMP NOT NULL
);
