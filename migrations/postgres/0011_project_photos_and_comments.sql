-- A project's photos before and after (metadata stripped), and the public's comments on a
-- publication (公示) within its comment window (issue 13).
CREATE TABLE project_photos (
    id         bigserial PRIMARY KEY,
    project_id bigint NOT NULL REFERENCES projects (id),
    phase      TEXT NOT NULL CHECK (phase IN ('before', 'after')),
    media_type TEXT NOT NULL,
    bytes      bytea NOT NULL,
    created_at timestamptz NOT NULL,
    created_by TEXT NOT NULL
);
CREATE INDEX project_photos_project ON project_photos (project_id);

CREATE TABLE publication_comments (
    id             bigserial PRIMARY KEY,
    publication_id bigint NOT NULL REFERENCES publications (id),
    text           TEXT NOT NULL,
    at             timestamptz NOT NULL
);
CREATE INDEX publication_comments_publication ON publication_comments (publication_id);

-- The files of a meeting: signed minutes, sign-in sheets, the plans shown.
CREATE TABLE meeting_attachments (
    id         bigserial PRIMARY KEY,
    meeting_id bigint NOT NULL REFERENCES meetings (id),
    name       TEXT NOT NULL,
    media_type TEXT NOT NULL,
    bytes      bytea NOT NULL,
    created_at timestamptz NOT NULL,
    created_by TEXT NOT NULL
);
CREATE INDEX meeting_attachments_meeting ON meeting_attachments (meeting_id);
