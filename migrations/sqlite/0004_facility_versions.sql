-- Facilities are versioned like sites: who changed what and when, and compare-and-swap on the
-- version a client read (If-Match). Imported rows start at version 1 without an author.
ALTER TABLE facilities ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE facilities ADD COLUMN updated_at TEXT;
ALTER TABLE facilities ADD COLUMN updated_by TEXT;

CREATE TABLE facility_versions (
    facility_id INTEGER NOT NULL,
    version     INTEGER NOT NULL,
    change      TEXT NOT NULL CHECK (change IN ('create', 'replace', 'update', 'delete')),
    category    TEXT NOT NULL,
    name        TEXT,
    geom        BLOB NOT NULL, -- WKB point, WGS84
    author      TEXT NOT NULL,
    at          TEXT NOT NULL,
    PRIMARY KEY (facility_id, version)
);
