-- Community renewal projects (社区更新项目, issue 13): linked to sites and to the needs they
-- answer, moved through checked stages ("one blueprint, three meetings" 一图三会), with their
-- meetings, publications (公示), funding by source, satisfaction surveys, and their place in a
-- sub-district's 3-year reserve (3年项目储备库) and annual plan (年度计划).

CREATE TABLE projects (
    id                 bigserial PRIMARY KEY,
    version            bigint NOT NULL,
    name               TEXT NOT NULL,
    description        TEXT,
    element_type       TEXT NOT NULL,
    subdistrict        TEXT NOT NULL,
    stage              TEXT NOT NULL,
    published          boolean NOT NULL DEFAULT false,
    lead_team_id       bigint REFERENCES teams (id),
    designer_team_id   bigint REFERENCES teams (id),
    operations_team_id bigint REFERENCES teams (id),
    reserve_from       bigint,
    reserve_to         bigint,
    plan_year          bigint,
    result             TEXT,
    operation_rules    TEXT,
    created_at         timestamptz NOT NULL,
    created_by         TEXT NOT NULL,
    updated_at         timestamptz NOT NULL,
    updated_by         TEXT NOT NULL
);

CREATE TABLE project_sites (
    project_id bigint NOT NULL REFERENCES projects (id),
    site_id    bigint NOT NULL REFERENCES sites (id),
    PRIMARY KEY (project_id, site_id)
);

CREATE TABLE project_needs (
    project_id bigint NOT NULL REFERENCES projects (id),
    need_id    bigint NOT NULL REFERENCES needs (id),
    PRIMARY KEY (project_id, need_id)
);
CREATE INDEX project_needs_need ON project_needs (need_id);

CREATE TABLE project_stages (
    id         bigserial PRIMARY KEY,
    project_id bigint NOT NULL REFERENCES projects (id),
    stage      TEXT NOT NULL,
    at         timestamptz NOT NULL,
    actor      TEXT NOT NULL,
    note       TEXT
);

CREATE TABLE meetings (
    id            bigserial PRIMARY KEY,
    project_id    bigint NOT NULL REFERENCES projects (id),
    kind          TEXT NOT NULL,
    held_on       date NOT NULL,
    place         TEXT NOT NULL,
    attendance    TEXT NOT NULL,
    motion        TEXT,
    votes_for     bigint,
    votes_against bigint,
    votes_abstain bigint,
    minutes       TEXT,
    created_at    timestamptz NOT NULL,
    created_by    TEXT NOT NULL
);
CREATE INDEX meetings_project ON meetings (project_id);

CREATE TABLE publications (
    id               bigserial PRIMARY KEY,
    project_id       bigint NOT NULL REFERENCES projects (id),
    subject          TEXT NOT NULL,
    text             TEXT NOT NULL,
    starts_on        date NOT NULL,
    ends_on          date NOT NULL,
    comments_until   date,
    created_at       timestamptz NOT NULL,
    created_by       TEXT NOT NULL
);

CREATE TABLE funding (
    id         bigserial PRIMARY KEY,
    project_id bigint NOT NULL REFERENCES projects (id),
    source     TEXT NOT NULL,
    planned    double precision NOT NULL CHECK (planned >= 0),
    spent      double precision NOT NULL DEFAULT 0 CHECK (spent >= 0),
    note       TEXT,
    created_at timestamptz NOT NULL,
    created_by TEXT NOT NULL
);

CREATE TABLE surveys (
    id           bigserial PRIMARY KEY,
    project_id   bigint NOT NULL REFERENCES projects (id),
    held_on      date NOT NULL,
    respondents  bigint NOT NULL CHECK (respondents > 0),
    satisfied    bigint NOT NULL CHECK (satisfied >= 0 AND satisfied <= respondents),
    mean_score   double precision NOT NULL,
    verdict      TEXT,
    created_at   timestamptz NOT NULL,
    created_by   TEXT NOT NULL
);
