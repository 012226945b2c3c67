-- The walking network of each OSM import, and the facilities and homes found with it.
-- A re-import of the same source replaces all three in one transaction.

CREATE TABLE networks (
    source      text PRIMARY KEY,
    imported_at timestamptz NOT NULL,
    node_count  bigint NOT NULL,
    edge_count  bigint NOT NULL,
    length_km   double precision NOT NULL,
    graph       bytea NOT NULL -- CSR arrays, little-endian (src/network/codec.rs)
);

CREATE TABLE facilities (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source      text NOT NULL,
    category    text NOT NULL,
    name        text,
    osm         text,
    geom        geometry(Point, 4326) NOT NULL,
    imported_at timestamptz NOT NULL
);
CREATE INDEX facilities_source ON facilities (source);
CREATE INDEX facilities_category ON facilities (category);
CREATE INDEX facilities_geom ON facilities USING gist (geom);

CREATE TABLE homes (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source               text NOT NULL,
    name                 text,
    osm                  text,
    population           double precision NOT NULL CHECK (population >= 0),
    population_estimated boolean NOT NULL,
    estimate_rule        text,
    geom                 geometry(Geometry, 4326) NOT NULL,
    imported_at          timestamptz NOT NULL
);
CREATE INDEX homes_source ON homes (source);
CREATE INDEX homes_geom ON homes USING gist (geom);
