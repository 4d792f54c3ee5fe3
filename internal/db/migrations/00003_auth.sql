-- +goose Up
-- Server-side sessions. Only a SHA-256 of the session id is stored.
CREATE TABLE sessions (
    id_hash      bytea PRIMARY KEY,
    ref          uuid        NOT NULL UNIQUE, -- public id, used in events
    request_id   text        NOT NULL,        -- the sign-in stream it came from
    email        text        NOT NULL,
    learner_id   text,                 -- null until an organisation is picked
    method       text        NOT NULL,
    created_at   timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL, -- absolute cap
    revoked_at   timestamptz,
    ip           text        NOT NULL DEFAULT '',
    user_agent   text        NOT NULL DEFAULT ''
);
CREATE INDEX sessions_learner ON sessions (learner_id);

-- Fixed-window counters for rate limits, keyed by a hash of what is limited.
CREATE TABLE rate_limits (
    bucket       text        NOT NULL,
    window_start timestamptz NOT NULL,
    hits         integer     NOT NULL,
    PRIMARY KEY (bucket, window_start)
);

-- +goose Down
DROP TABLE rate_limits;
DROP TABLE sessions;
