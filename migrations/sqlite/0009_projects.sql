-- Community renewal projects (社区更新项目, issue 13): linked to sites and to the needs they
-- answer, moved through checked stages ("one blueprint, three meetings" 一图三会), with their
-- meetings, publications (公示), funding by source, satisfaction surveys, and their place in a
-- sub-district's 3-year reserve (3年项目储备库) and annual plan (年度计划).

CREATE TABLE projects (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    version            INTEGER NOT NULL,
    name               TEXT NOT NULL,
    description        TEXT,
    element_type       TEXT NOT NULL,
    subdistrict        TEXT NOT NULL,
    stage              TEXT NOT NULL,
    published          INTEGER NOT NULL DEFAULT 0 CHECK (published IN (0, 1)),
    lead_team_id       INTEGER REFERENCES teams (id),
    designer_team_id   INTEGER REFERENCES teams (id),
    operations_team_id INTEGER REFERENCES teams (id),
    reserve_from       INTEGER,
    reserve_to         INTEGER,
    plan_year          INTEGER,
    result             TEXT,
    operation_rules    TEXT,
    created_at         TEXT NOT NULL,
    created_by         TEXT NOT NULL,
    updated_at         TEXT NOT NULL,
    updated_by         TEXT NOT NULL
);

CREATE TABLE project_sites (
    project_id INTEGER NOT NULL REFERENCES projects (id),
    site_id    INTEGER NOT NULL REFERENCES sites (id),
    PRIMARY KEY (project_id, site_id)
);

CREATE TABLE project_needs (
    project_id INTEGER NOT NULL REFERENCES projects (id),
    need_id    INTEGER NOT NULL REFERENCES needs (id),
    PRIMARY KEY (project_id, need_id)
);
CREATE INDEX project_needs_need ON project_needs (need_id);

CREATE TABLE project_stages (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id INTEGER NOT NULL REFERENCES projects (id),
    stage      TEXT NOT NULL,
    at         TEXT NOT NULL,
    actor      TEXT NOT NULL,
    note       TEXT
);

CREATE TABLE meetings (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id    INTEGER NOT NULL REFERENCES projects (id),
    kind          TEXT NOT NULL,
    held_on       TEXT NOT NULL,
    place         TEXT NOT NULL,
    attendance    TEXT NOT NULL,
    motion        TEXT,
    votes_for     INTEGER,
    votes_against INTEGER,
    votes_abstain INTEGER,
    minutes       TEXT,
    created_at    TEXT NOT NULL,
    created_by    TEXT NOT NULL
);
CREATE INDEX meetings_project ON meetings (project_id);

CREATE TABLE publications (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id       INTEGER NOT NULL REFERENCES projects (id),
    subject          TEXT NOT NULL,
    text             TEXT NOT NULL,
    starts_on        TEXT NOT NULL,
    ends_on          TEXT NOT NULL,
    comments_until   TEXT,
    created_at       TEXT NOT NULL,
    created_by       TEXT NOT NULL
);

CREATE TABLE funding (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id INTEGER NOT NULL REFERENCES projects (id),
    source     TEXT NOT NULL,
    planned    REAL NOT NULL CHECK (planned >= 0),
    spent      REAL NOT NULL DEFAULT 0 CHECK (spent >= 0),
    note       TEXT,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
);

CREATE TABLE surveys (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id   INTEGER NOT NULL REFERENCES projects (id),
    held_on      TEXT NOT NULL,
    respondents  INTEGER NOT NULL CHECK (respondents > 0),
    satisfied    INTEGER NOT NULL CHECK (satisfied >= 0 AND satisfied <= respondents),
    mean_score   REAL NOT NULL,
    verdict      TEXT,
    created_at   TEXT NOT NULL,
    created_by   TEXT NOT NULL
);
