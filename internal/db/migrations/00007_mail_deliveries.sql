-- +goose Up
-- One row per mail the send worker has tried: the sent record it checks
-- before sending, and the attempts whose outcome was never recorded (the
-- process died between handing the mail to SMTP and writing the outcome).
-- sent_at is written in the same transaction as the mail_sent event and the
-- River job's completion.
CREATE TABLE mail_deliveries (
    mail_id             text PRIMARY KEY,
    attempts            integer NOT NULL DEFAULT 0,  -- send attempts started
    in_flight           integer,                     -- River attempt started and not yet recorded as sent or failed
    possible_duplicates integer NOT NULL DEFAULT 0,  -- attempts started after one that ended without an outcome
    sent_at             timestamptz,                 -- the SMTP server accepted it (recorded)
    updated_at          timestamptz NOT NULL
);

-- +goose Down
DROP TABLE mail_deliveries;
