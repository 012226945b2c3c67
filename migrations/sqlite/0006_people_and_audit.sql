-- People and their mandates (issue 11): accounts, the five kinds of team, appointments (聘任)
-- of a team or a person to planning units for a term, and an append-only audit log.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    login         TEXT NOT NULL UNIQUE,
    display_zh    TEXT NOT NULL,
    display_en    TEXT,
    organisation  TEXT,
    roles         TEXT NOT NULL,
    email         TEXT,
    phone         TEXT,
    password_hash TEXT,
    disabled_at   TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);

CREATE TABLE teams (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    kind         TEXT NOT NULL CHECK (kind IN ('chief', 'advisory', 'subdistrict', 'designer', 'operations')),
    name_zh      TEXT NOT NULL UNIQUE,
    name_en      TEXT,
    organisation TEXT,
    created_at   TEXT NOT NULL
);

CREATE TABLE team_members (
    team_id      INTEGER NOT NULL REFERENCES teams (id),
    user_id      INTEGER NOT NULL REFERENCES users (id),
    role         TEXT NOT NULL CHECK (role IN ('leader', 'member')),
    organisation TEXT,
    PRIMARY KEY (team_id, user_id)
);

CREATE TABLE appointments (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    kind               TEXT NOT NULL CHECK (kind IN ('chief', 'advisory', 'subdistrict', 'designer', 'operations')),
    team_id            INTEGER REFERENCES teams (id),
    user_id            INTEGER REFERENCES users (id),
    units              TEXT NOT NULL,
    starts_on          TEXT NOT NULL,
    ends_on            TEXT NOT NULL CHECK (ends_on >= starts_on),
    service            TEXT,
    onsite_hours       REAL,
    responsibilities   TEXT,
    appointed_by       TEXT NOT NULL,
    contract_signed_on TEXT,
    renews             INTEGER REFERENCES appointments (id),
    terminated_on      TEXT,
    termination_reason TEXT,
    created_at         TEXT NOT NULL,
    created_by         TEXT NOT NULL,
    CHECK ((team_id IS NULL) <> (user_id IS NULL))
);

-- A principal's appointments are read by user and through the user's teams.
CREATE INDEX appointments_user ON appointments (user_id);
CREATE INDEX appointments_team ON appointments (team_id);
CREATE INDEX team_members_user ON team_members (user_id);

ALTER TABLE tokens ADD COLUMN user_id INTEGER REFERENCES users (id);

-- Every change of every record: who, when, what (before and after), from where. The server
-- can append to it and never change it: the triggers refuse UPDATE and DELETE.
CREATE TABLE audit (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    at         TEXT NOT NULL,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    collection TEXT NOT NULL,
    key        TEXT NOT NULL,
    units      TEXT,
    before     TEXT,
    after      TEXT,
    address    TEXT,
    request_id TEXT
);
CREATE INDEX audit_record ON audit (collection, key);
CREATE INDEX audit_actor ON audit (actor);

CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: UPDATE refused'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: DELETE refused'); END;
