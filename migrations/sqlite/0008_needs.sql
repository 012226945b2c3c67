-- Residents' needs (需求清单, issue 13): submitted without an account, located on the map, each
-- with a receipt code to follow it by; a contact that is never public; supports, flags, photos
-- (metadata stripped before storing); the trail of what became of it; followers told by e-mail
-- through an outbox a server delivers from.

CREATE TABLE needs (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    version      INTEGER NOT NULL,
    receipt      TEXT NOT NULL UNIQUE,
    category     TEXT NOT NULL,
    text         TEXT NOT NULL,
    geom         BLOB NOT NULL,
    min_x        REAL NOT NULL,
    min_y        REAL NOT NULL,
    max_x        REAL NOT NULL,
    max_y        REAL NOT NULL,
    units        TEXT NOT NULL,
    contact      TEXT,
    status       TEXT NOT NULL CHECK (status IN ('received', 'accepted', 'merged', 'declined', 'answered')),
    reason       TEXT,
    merged_into  INTEGER REFERENCES needs (id),
    project_id   INTEGER,
    hidden       INTEGER NOT NULL DEFAULT 0 CHECK (hidden IN (0, 1)),
    supports     INTEGER NOT NULL DEFAULT 0,
    flags        INTEGER NOT NULL DEFAULT 0,
    submitted_at TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    answered_at  TEXT
);
CREATE INDEX needs_bbox ON needs (min_x, max_x, min_y, max_y);

CREATE TABLE need_supports (
    need_id   INTEGER NOT NULL REFERENCES needs (id),
    supporter TEXT NOT NULL,
    at        TEXT NOT NULL,
    PRIMARY KEY (need_id, supporter)
);

CREATE TABLE need_flags (
    need_id  INTEGER NOT NULL REFERENCES needs (id),
    reporter TEXT NOT NULL,
    reason   TEXT NOT NULL CHECK (reason IN ('spam', 'abuse', 'personal_data')),
    at       TEXT NOT NULL,
    reviewed INTEGER NOT NULL DEFAULT 0 CHECK (reviewed IN (0, 1)),
    PRIMARY KEY (need_id, reporter)
);

CREATE TABLE need_events (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    need_id INTEGER NOT NULL REFERENCES needs (id),
    at      TEXT NOT NULL,
    kind    TEXT NOT NULL,
    status  TEXT NOT NULL,
    note    TEXT,
    related INTEGER,
    public  INTEGER NOT NULL CHECK (public IN (0, 1)),
    actor   TEXT NOT NULL
);
CREATE INDEX need_events_need ON need_events (need_id, id);

CREATE TABLE need_followers (
    need_id INTEGER NOT NULL REFERENCES needs (id),
    email   TEXT NOT NULL,
    since   TEXT NOT NULL,
    PRIMARY KEY (need_id, email)
);

CREATE TABLE need_photos (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    need_id    INTEGER NOT NULL REFERENCES needs (id),
    media_type TEXT NOT NULL,
    bytes      BLOB NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX need_photos_need ON need_photos (need_id);

CREATE TABLE outbox (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    recipient  TEXT NOT NULL,
    subject    TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    sent_at    TEXT,
    claimed_until TEXT,
    attempts   INTEGER NOT NULL DEFAULT 0,
    last_error TEXT
);
CREATE INDEX outbox_unsent ON outbox (id) WHERE sent_at IS NULL;
