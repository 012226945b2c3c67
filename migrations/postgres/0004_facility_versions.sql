-- Facilities are versioned like sites: who changed what and when, and compare-and-swap on the
-- version a client read (If-Match). Imported rows start at version 1 without an author.
ALTER TABLE facilities ADD COLUMN version bigint NOT NULL DEFAULT 1;
ALTER TABLE facilities ADD COLUMN updated_at timestamptz;
ALTER TABLE facilities ADD COLUMN updated_by text;

CREATE TABLE facility_versions (
    facility_id bigint NOT NULL,
    version     bigint NOT NULL,
    change      text NOT NULL CHECK (change IN ('create', 'replace', 'update', 'delete')),
    category    text NOT NULL,
    name        text,
    geom        geometry(Point, 4326) NOT NULL,
    author      text NOT NULL,
    at          timestamptz NOT NULL,
    PRIMARY KEY (facility_id, version)
);
CREATE INDEX facility_versions_geom ON facility_versions USING gist (geom);
