-- The named streets of each OSM import (issue 13): a basemap layer served by lantu itself, so
-- that a resident finds their street and compound on the needs page without a tile provider.
CREATE TABLE streets (
    id     INTEGER PRIMARY KEY AUTOINCREMENT,
    source TEXT NOT NULL,
    name   TEXT NOT NULL,
    class  TEXT NOT NULL,
    geom   BLOB NOT NULL
);
CREATE INDEX streets_source ON streets (source);
