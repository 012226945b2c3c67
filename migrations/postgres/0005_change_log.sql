-- The change log: one row per write, appended in the writing transaction. Writers take a
-- transaction-scoped advisory lock before appending, so sequence order is commit order and a
-- follower that has applied up to N never misses a later-committed N-1. Each row is announced
-- on channel `lantu_changes` at commit; a follower that lost its connection replays from the
-- last sequence number it applied.
CREATE TABLE changes (
    seq        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    collection text NOT NULL,
    key        text NOT NULL,
    version    bigint NOT NULL,
    operation  text NOT NULL CHECK (operation IN ('create', 'replace', 'update', 'delete', 'import')),
    at         timestamptz NOT NULL,
    author     text
);

CREATE FUNCTION lantu_announce_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('lantu_changes', NEW.seq::text);
    RETURN NULL;
END
$$;

CREATE TRIGGER changes_announce AFTER INSERT ON changes
    FOR EACH ROW EXECUTE FUNCTION lantu_announce_change();
