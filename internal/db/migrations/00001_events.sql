-- +goose Up
-- The event log. Rows are only ever inserted: triggers below refuse
-- UPDATE, DELETE and TRUNCATE.
CREATE TABLE events (
    seq          bigint GENERATED ALWAYS AS IDENTITY,
    txid         xid8        NOT NULL DEFAULT pg_current_xact_id(),
    id           uuid        NOT NULL,
    stream       text        NOT NULL,
    version      bigint      NOT NULL CHECK (version >= 1),
    type         text        NOT NULL CHECK (type <> ''),
    data         jsonb       NOT NULL,
    metadata     jsonb       NOT NULL DEFAULT '{}',
    recorded_at  timestamptz NOT NULL,
    PRIMARY KEY (seq),
    UNIQUE (id),
    UNIQUE (stream, version)
);
-- Global order is (txid, seq): readers only read below the oldest running
-- transaction, so an event whose transaction commits late is never skipped.
CREATE INDEX events_global_order ON events (txid, seq);
CREATE INDEX events_type ON events (type);

-- +goose StatementBegin
CREATE FUNCTION events_are_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'events are immutable: % refused', TG_OP;
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER events_no_update BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION events_are_immutable();
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION events_are_immutable();

-- +goose Down
DROP TABLE events;
DROP FUNCTION events_are_immutable();
