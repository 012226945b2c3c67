-- The walking network of each OSM import, and the facilities and homes found with it.
-- A re-import of the same source replaces all three in one transaction.

CREATE TABLE networks (
    source      TEXT PRIMARY KEY,
    imported_at TEXT NOT NULL,
    node_count  INTEGER NOT NULL,
    edge_count  INTEGER NOT NULL,
    length_km   REAL NOT NULL,
    graph       BLOB NOT NULL -- CSR arrays, little-endian (src/network/codec.rs)
);

CREATE TABLE facilities (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    source      TEXT NOT NULL,
    category    TEXT NOT NULL,
    name        TEXT,
    osm         TEXT,
    geom        BLOB NOT NULL, -- WKB point, WGS84
    imported_at TEXT NOT NULL
);
CREATE INDEX facilities_source ON facilities (source);
CREATE INDEX facilities_category ON facilities (category);

CREATE TABLE homes (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    source               TEXT NOT NULL,
    name                 TEXT,
    osm                  TEXT,
    population           REAL NOT NULL CHECK (population >= 0),
    population_estimated INTEGER NOT NULL CHECK (population_estimated IN (0, 1)),
    estimate_rule        TEXT,
    geom                 BLOB NOT NULL, -- WKB polygon or point, WGS84
    imported_at          TEXT NOT NULL
);
CREATE INDEX homes_source ON homes (source);
