-- +goose Up
-- Dead letters of the projections: an event a projection could not apply
-- (its apply failed twice with an error about the data, not the
-- connection) is parked here and the projection goes on with the next, so
-- one bad event never stops the read models of every tenant. Staff see
-- them with `portal projections parked` and /readyz counts them; a rebuild
-- replaces a projection's rows with what it parked itself.
CREATE TABLE projection_parked (
    projection  text        NOT NULL,
    event_id    uuid        NOT NULL,
    commit_pos  bigint      NOT NULL,
    prepare_pos bigint      NOT NULL,
    event_type  text        NOT NULL,
    stream      text        NOT NULL,
    tenant_id   text        NOT NULL DEFAULT '',
    error       text        NOT NULL,
    parked_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (projection, event_id)
);

-- +goose Down
DROP TABLE projection_parked;
