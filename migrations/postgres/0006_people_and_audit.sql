-- People and their mandates (issue 11): accounts, the five kinds of team, appointments (聘任)
-- of a team or a person to planning units for a term, and an append-only audit log.

CREATE TABLE users (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    login         text NOT NULL UNIQUE CHECK (login ~ '^[a-z0-9][a-z0-9._-]{1,63}$'),
    display_zh    text NOT NULL,
    display_en    text,
    organisation  text,
    roles         text NOT NULL,
    email         text,
    phone         text,
    password_hash text,
    disabled_at   timestamptz,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL
);

CREATE TABLE teams (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind         text NOT NULL CHECK (kind IN ('chief', 'advisory', 'subdistrict', 'designer', 'operations')),
    name_zh      text NOT NULL UNIQUE,
    name_en      text,
    organisation text,
    created_at   timestamptz NOT NULL
);

CREATE TABLE team_members (
    team_id      bigint NOT NULL REFERENCES teams (id),
    user_id      bigint NOT NULL REFERENCES users (id),
    role         text NOT NULL CHECK (role IN ('leader', 'member')),
    organisation text,
    PRIMARY KEY (team_id, user_id)
);

CREATE TABLE appointments (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind               text NOT NULL CHECK (kind IN ('chief', 'advisory', 'subdistrict', 'designer', 'operations')),
    team_id            bigint REFERENCES teams (id),
    user_id            bigint REFERENCES users (id),
    units              text NOT NULL,
    starts_on          date NOT NULL,
    ends_on            date NOT NULL CHECK (ends_on >= starts_on),
    service            text,
    onsite_hours       double precision,
    responsibilities   text,
    appointed_by       text NOT NULL,
    contract_signed_on date,
    renews             bigint REFERENCES appointments (id),
    terminated_on      date,
    termination_reason text,
    created_at         timestamptz NOT NULL,
    created_by         text NOT NULL,
    CHECK ((team_id IS NULL) <> (user_id IS NULL))
);

-- A principal's appointments are read by user and through the user's teams.
CREATE INDEX appointments_user ON appointments (user_id);
CREATE INDEX appointments_team ON appointments (team_id);
CREATE INDEX team_members_user ON team_members (user_id);

ALTER TABLE tokens ADD COLUMN user_id bigint REFERENCES users (id);

-- Every change of every record: who, when, what (before and after), from where. The server
-- can append to it and never change it: the trigger refuses UPDATE and DELETE.
CREATE TABLE audit (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at         timestamptz NOT NULL,
    actor      text NOT NULL,
    action     text NOT NULL,
    collection text NOT NULL,
    key        text NOT NULL,
    units      text,
    before     text,
    after      text,
    address    text,
    request_id text
);
CREATE INDEX audit_record ON audit (collection, key);
CREATE INDEX audit_actor ON audit (actor);

CREATE FUNCTION lantu_audit_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only: % refused', TG_OP
        USING ERRCODE = 'check_violation';
END
$$;

CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit
    FOR EACH STATEMENT EXECUTE FUNCTION lantu_audit_is_append_only();

