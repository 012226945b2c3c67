-- The change log: one row per write, appended in the writing transaction, in commit order.
-- A running server polls it to apply what another process (a CLI import) wrote.
CREATE TABLE changes (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    collection TEXT NOT NULL,
    key        TEXT NOT NULL,
    version    INTEGER NOT NULL,
    operation  TEXT NOT NULL CHECK (operation IN ('create', 'replace', 'update', 'delete', 'import')),
    at         TEXT NOT NULL,
    author     TEXT
);

-- The bounding-box columns were never read (every read is served from memory); the one SQL
-- text both stores share has no place for them.
DROP INDEX sites_bbox;
DROP INDEX units_bbox;
ALTER TABLE sites DROP COLUMN min_x;
ALTER TABLE sites DROP COLUMN min_y;
ALTER TABLE sites DROP COLUMN max_x;
ALTER TABLE sites DROP COLUMN max_y;
ALTER TABLE units DROP COLUMN min_x;
ALTER TABLE units DROP COLUMN min_y;
ALTER TABLE units DROP COLUMN max_x;
ALTER TABLE units DROP COLUMN max_y;
