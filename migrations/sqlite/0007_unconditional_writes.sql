-- A change made without If-Match (OGC API Features Part 4 allows it; QGIS and OWSLib send
-- none) applies to the current version and is recorded as unconditional in the audit log.
ALTER TABLE audit ADD COLUMN unconditional INTEGER NOT NULL DEFAULT 0;
