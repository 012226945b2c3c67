-- Planning units, sites and their versions, and API tokens (PostGIS, the system of record).
-- Every geometry column is typed, SRID 4326, with a GIST index.

CREATE EXTENSION IF NOT EXISTS postgis;

CREATE TABLE units (
    code        text PRIMARY KEY,
    level       text NOT NULL CHECK (level IN ('district', 'subdistrict', 'committee')),
    parent_code text,
    name_zh     text NOT NULL,
    name_en     text,
    population  bigint CHECK (population >= 0),
    geom        geometry(MultiPolygon, 4326),
    version     bigint NOT NULL,
    updated_at  timestamptz NOT NULL,
    updated_by  text NOT NULL
);
CREATE INDEX units_parent ON units (parent_code);
CREATE INDEX units_geom ON units USING gist (geom);

CREATE TABLE unit_versions (
    code        text NOT NULL REFERENCES units (code),
    version     bigint NOT NULL,
    change      text NOT NULL CHECK (change IN ('create', 'replace', 'update', 'delete')),
    level       text NOT NULL,
    parent_code text,
    name_zh     text NOT NULL,
    name_en     text,
    population  bigint,
    geom        geometry(MultiPolygon, 4326),
    author      text NOT NULL,
    at          timestamptz NOT NULL,
    message     text,
    PRIMARY KEY (code, version)
);
CREATE INDEX unit_versions_geom ON unit_versions USING gist (geom);

CREATE TABLE sites (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    version      bigint NOT NULL,
    deleted      boolean NOT NULL DEFAULT false,
    name         text NOT NULL,
    description  text,
    element_type text NOT NULL,
    status       text NOT NULL CHECK (status IN ('draft', 'published')),
    geom         geometry(Geometry, 4326) NOT NULL,
    created_at   timestamptz NOT NULL,
    created_by   text NOT NULL,
    updated_at   timestamptz NOT NULL,
    updated_by   text NOT NULL
);
CREATE INDEX sites_geom ON sites USING gist (geom);

CREATE TABLE site_versions (
    site_id      bigint NOT NULL REFERENCES sites (id),
    version      bigint NOT NULL,
    change       text NOT NULL CHECK (change IN ('create', 'replace', 'update', 'delete')),
    name         text NOT NULL,
    description  text,
    element_type text NOT NULL,
    status       text NOT NULL,
    geom         geometry(Geometry, 4326) NOT NULL,
    author       text NOT NULL,
    at           timestamptz NOT NULL,
    message      text,
    PRIMARY KEY (site_id, version)
);
CREATE INDEX site_versions_geom ON site_versions USING gist (geom);

CREATE TABLE tokens (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       text NOT NULL,
    role       text NOT NULL CHECK (role IN ('admin', 'planner', 'analyst')),
    token_hash text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL,
    revoked_at timestamptz
);
