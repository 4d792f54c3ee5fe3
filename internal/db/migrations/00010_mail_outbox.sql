-- +goose Up
-- The mail queue's outbox for event stores that cannot join a PostgreSQL
-- transaction (KurrentDB): a row per step whose event is not known to be in
-- the store yet. 'queued': the send job was inserted held (scheduled far in
-- the future) and is released once mail_queued is in the store; 'sent': the
-- sent record and the job's completion committed, mail_sent not yet
-- appended. The queue deletes a row when its step is done; the periodic
-- reconcile finishes what a dead process left. Unused with PostgreSQL as the
-- event store (one transaction does it all there).
CREATE TABLE mail_outbox (
    mail_id    text        NOT NULL,
    kind       text        NOT NULL CHECK (kind IN ('queued', 'sent')),
    job_id     bigint      NOT NULL,  -- the River send job
    attempt    integer,               -- sent: the attempt that was sent
    event_at   timestamptz,           -- sent: when (the event's time)
    created_at timestamptz NOT NULL,
    PRIMARY KEY (mail_id, kind)
);

-- +goose Down
DROP TABLE mail_outbox;
