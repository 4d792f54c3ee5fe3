-- +goose Up
-- One row per projection: how far it has read the global log. Updated in the
-- same transaction as the projection's read-model writes.
CREATE TABLE projection_checkpoints (
    name        text PRIMARY KEY,
    commit_pos  bigint      NOT NULL DEFAULT 0,
    prepare_pos bigint      NOT NULL DEFAULT 0,
    version     integer     NOT NULL DEFAULT 0, -- the projection's schema version
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE projection_checkpoints;
