-- The named streets of each OSM import (issue 13): a basemap layer served by lantu itself, so
-- that a resident finds their street and compound on the needs page without a tile provider.
CREATE TABLE streets (
    id     bigserial PRIMARY KEY,
    source text NOT NULL,
    name   text NOT NULL,
    class  text NOT NULL,
    geom   geometry(LineString, 4326) NOT NULL
);
CREATE INDEX streets_source ON streets (source);
CREATE INDEX streets_geom ON streets USING gist (geom);
