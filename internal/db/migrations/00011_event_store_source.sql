-- +goose Up
-- Which event store the read models (projection checkpoints) were built
-- from: positions of one store mean nothing in another, so the app rebuilds
-- every read model when PORTAL_EVENTSTORE names a different store than the
-- one recorded here. Every database before this migration used PostgreSQL.
CREATE TABLE event_store_source (
    only_row   boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    store      text        NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO event_store_source (store) VALUES ('postgres');

-- +goose Down
DROP TABLE event_store_source;
