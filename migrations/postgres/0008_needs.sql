-- Residents' needs (需求清单, issue 13): submitted without an account, located on the map, each
-- with a receipt code to follow it by; a contact that is never public; supports, flags, photos
-- (metadata stripped before storing); the trail of what became of it; followers told by e-mail
-- through an outbox a server delivers from.

CREATE TABLE needs (
    id           bigserial PRIMARY KEY,
    version      bigint NOT NULL,
    receipt      TEXT NOT NULL UNIQUE,
    category     TEXT NOT NULL,
    text         TEXT NOT NULL,
    geom         geometry(Geometry, 4326) NOT NULL,
    min_x        double precision NOT NULL,
    min_y        double precision NOT NULL,
    max_x        double precision NOT NULL,
    max_y        double precision NOT NULL,
    units        TEXT NOT NULL,
    contact      TEXT,
    status       TEXT NOT NULL CHECK (status IN ('received', 'accepted', 'merged', 'declined', 'answered')),
    reason       TEXT,
    merged_into  bigint REFERENCES needs (id),
    project_id   bigint,
    hidden       boolean NOT NULL DEFAULT false,
    supports     bigint NOT NULL DEFAULT 0,
    flags        bigint NOT NULL DEFAULT 0,
    submitted_at timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    answered_at  timestamptz
);
CREATE INDEX needs_geom ON needs USING gist (geom);

CREATE TABLE need_supports (
    need_id   bigint NOT NULL REFERENCES needs (id),
    supporter TEXT NOT NULL,
    at        timestamptz NOT NULL,
    PRIMARY KEY (need_id, supporter)
);

CREATE TABLE need_flags (
    need_id  bigint NOT NULL REFERENCES needs (id),
    reporter TEXT NOT NULL,
    reason   TEXT NOT NULL CHECK (reason IN ('spam', 'abuse', 'personal_data')),
    at       timestamptz NOT NULL,
    reviewed boolean NOT NULL DEFAULT false,
    PRIMARY KEY (need_id, reporter)
);

CREATE TABLE need_events (
    id      bigserial PRIMARY KEY,
    need_id bigint NOT NULL REFERENCES needs (id),
    at      timestamptz NOT NULL,
    kind    TEXT NOT NULL,
    status  TEXT NOT NULL,
    note    TEXT,
    related bigint,
    public  boolean NOT NULL,
    actor   TEXT NOT NULL
);
CREATE INDEX need_events_need ON need_events (need_id, id);

CREATE TABLE need_followers (
    need_id bigint NOT NULL REFERENCES needs (id),
    email   TEXT NOT NULL,
    since   timestamptz NOT NULL,
    PRIMARY KEY (need_id, email)
);

CREATE TABLE need_photos (
    id         bigserial PRIMARY KEY,
    need_id    bigint NOT NULL REFERENCES needs (id),
    media_type TEXT NOT NULL,
    bytes      bytea NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE INDEX need_photos_need ON need_photos (need_id);

CREATE TABLE outbox (
    id         bigserial PRIMARY KEY,
    recipient  TEXT NOT NULL,
    subject    TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_at timestamptz NOT NULL,
    sent_at    timestamptz,
    claimed_until timestamptz,
    attempts   bigint NOT NULL DEFAULT 0,
    last_error TEXT
);
CREATE INDEX outbox_unsent ON outbox (id) WHERE sent_at IS NULL;
