-- +goose Up
-- Tamper evidence: every event carries a SHA-256 over its content and its
-- predecessor's hash in the same stream. A trigger computes it on insert
-- (callers cannot supply their own); `portal audit verify` recomputes the
-- chains independently, in Go, and names any row that was edited, inserted
-- or deleted behind the store's back.
ALTER TABLE events ADD COLUMN prev_hash bytea, ADD COLUMN hash bytea;

-- +goose StatementBegin
CREATE FUNCTION event_hash(prev bytea, id uuid, stream text, version bigint, type text, data jsonb, metadata jsonb, recorded_at timestamptz)
RETURNS bytea LANGUAGE sql IMMUTABLE AS $$
    SELECT sha256(coalesce(prev, ''::bytea) || convert_to(concat_ws(E'\x1f',
        id::text, stream, version::text, type, data::text, metadata::text,
        (extract(epoch FROM recorded_at) * 1000000)::bigint::text), 'UTF8'))
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION events_chain() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT hash INTO NEW.prev_hash FROM events WHERE stream = NEW.stream AND version = NEW.version - 1;
    NEW.hash := event_hash(NEW.prev_hash, NEW.id, NEW.stream, NEW.version, NEW.type, NEW.data, NEW.metadata, NEW.recorded_at);
    RETURN NEW;
END;
$$;
-- +goose StatementEnd

-- Chain the events written before this migration, stream by stream.
ALTER TABLE events DISABLE TRIGGER events_no_update;
-- +goose StatementBegin
DO $$
DECLARE
    r record;
    prev bytea;
    cur text;
BEGIN
    FOR r IN SELECT seq, id, stream, version, type, data, metadata, recorded_at FROM events ORDER BY stream, version LOOP
        IF r.stream IS DISTINCT FROM cur THEN
            prev := NULL;
            cur := r.stream;
        END IF;
        UPDATE events SET prev_hash = prev,
            hash = event_hash(prev, r.id, r.stream, r.version, r.type, r.data, r.metadata, r.recorded_at)
        WHERE seq = r.seq RETURNING hash INTO prev;
    END LOOP;
END;
$$;
-- +goose StatementEnd
ALTER TABLE events ENABLE TRIGGER events_no_update;
ALTER TABLE events ALTER COLUMN hash SET NOT NULL;

CREATE TRIGGER events_hash_chain BEFORE INSERT ON events
    FOR EACH ROW EXECUTE FUNCTION events_chain();

-- +goose Down
DROP TRIGGER events_hash_chain ON events;
DROP FUNCTION events_chain();
DROP FUNCTION event_hash(bytea, uuid, text, bigint, text, jsonb, jsonb, timestamptz);
ALTER TABLE events DROP COLUMN prev_hash, DROP COLUMN hash;
