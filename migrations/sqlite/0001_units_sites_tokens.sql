-- Planning units, sites and their versions, and API tokens (embedded store).
-- Geometry is WGS84 (EPSG:4326) as OGC WKB, with its bounding box beside it.

CREATE TABLE units (
    code        TEXT PRIMARY KEY,
    level       TEXT NOT NULL CHECK (level IN ('district', 'subdistrict', 'committee')),
    parent_code TEXT,
    name_zh     TEXT NOT NULL,
    name_en     TEXT,
    population  INTEGER CHECK (population >= 0),
    geom        BLOB,
    min_x REAL, min_y REAL, max_x REAL, max_y REAL,
    version     INTEGER NOT NULL,
    updated_at  TEXT NOT NULL,
    updated_by  TEXT NOT NULL
);
CREATE INDEX units_parent ON units (parent_code);
CREATE INDEX units_bbox ON units (min_x, max_x, min_y, max_y);

CREATE TABLE unit_versions (
    code        TEXT NOT NULL REFERENCES units (code),
    version     INTEGER NOT NULL,
    change      TEXT NOT NULL CHECK (change IN ('create', 'replace', 'update', 'delete')),
    level       TEXT NOT NULL,
    parent_code TEXT,
    name_zh     TEXT NOT NULL,
    name_en     TEXT,
    population  INTEGER,
    geom        BLOB,
    author      TEXT NOT NULL,
    at          TEXT NOT NULL,
    message     TEXT,
    PRIMARY KEY (code, version)
);

CREATE TABLE sites (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    version      INTEGER NOT NULL,
    deleted      INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
    name         TEXT NOT NULL,
    description  TEXT,
    element_type TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('draft', 'published')),
    geom         BLOB NOT NULL,
    min_x REAL NOT NULL, min_y REAL NOT NULL, max_x REAL NOT NULL, max_y REAL NOT NULL,
    created_at   TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    updated_by   TEXT NOT NULL
);
CREATE INDEX sites_bbox ON sites (min_x, max_x, min_y, max_y);

CREATE TABLE site_versions (
    site_id      INTEGER NOT NULL REFERENCES sites (id),
    version      INTEGER NOT NULL,
    change       TEXT NOT NULL CHECK (change IN ('create', 'replace', 'update', 'delete')),
    name         TEXT NOT NULL,
    description  TEXT,
    element_type TEXT NOT NULL,
    status       TEXT NOT NULL,
    geom         BLOB NOT NULL,
    author       TEXT NOT NULL,
    at           TEXT NOT NULL,
    message      TEXT,
    PRIMARY KEY (site_id, version)
);

CREATE TABLE tokens (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT NOT NULL,
    role       TEXT NOT NULL CHECK (role IN ('admin', 'planner', 'analyst')),
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
