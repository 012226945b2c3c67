-- Evaluating community planners (考评, issue 14): service records logged against an appointment,
-- their files, evaluations of an appointment over a period on a sheet (catalogue/
-- evaluation_templates.json), the evaluator's scores with their reasons, and the annual summary.
-- A confirmed evaluation keeps the sheet as it was (frozen) and what it means for renewal.

CREATE TABLE service_records (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    appointment_id INTEGER NOT NULL REFERENCES appointments (id),
    kind           TEXT NOT NULL,
    held_on        TEXT NOT NULL,
    hours          REAL NOT NULL CHECK (hours > 0 AND hours <= 24),
    title          TEXT NOT NULL,
    notes          TEXT,
    lon            REAL,
    lat            REAL,
    units          TEXT NOT NULL,
    present        TEXT NOT NULL,
    attendance     INTEGER CHECK (attendance >= 0),
    project_id     INTEGER REFERENCES projects (id),
    created_at     TEXT NOT NULL,
    created_by     TEXT NOT NULL
);
CREATE INDEX service_records_appointment ON service_records (appointment_id, held_on);

CREATE TABLE evaluations (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    appointment_id INTEGER NOT NULL REFERENCES appointments (id),
    template       TEXT NOT NULL,
    period_from    TEXT NOT NULL,
    period_to      TEXT NOT NULL,
    year           INTEGER,
    status         TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'confirmed')),
    created_at     TEXT NOT NULL,
    created_by     TEXT NOT NULL,
    submitted_at   TEXT,
    submitted_by   TEXT,
    confirmed_at   TEXT,
    confirmed_by   TEXT,
    total          REAL,
    result         TEXT,
    renewal        TEXT,
    frozen         TEXT,
    UNIQUE (appointment_id, template, period_from, period_to)
);

CREATE TABLE evaluation_scores (
    evaluation_id INTEGER NOT NULL REFERENCES evaluations (id),
    item          TEXT NOT NULL,
    points        REAL NOT NULL,
    reason        TEXT,
    at            TEXT NOT NULL,
    actor         TEXT NOT NULL,
    PRIMARY KEY (evaluation_id, item)
);

CREATE TABLE evaluation_files (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    record_id     INTEGER REFERENCES service_records (id),
    evaluation_id INTEGER REFERENCES evaluations (id),
    name          TEXT NOT NULL,
    media_type    TEXT NOT NULL,
    bytes         BLOB NOT NULL,
    created_at    TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    CHECK ((record_id IS NULL) <> (evaluation_id IS NULL))
);
CREATE INDEX evaluation_files_record ON evaluation_files (record_id);
CREATE INDEX evaluation_files_evaluation ON evaluation_files (evaluation_id);
