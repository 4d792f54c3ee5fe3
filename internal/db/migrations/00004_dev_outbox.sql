-- +goose Up
-- Mail received by the built-in development SMTP server (embedded mode only).
CREATE TABLE dev_outbox (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    received_at timestamptz NOT NULL DEFAULT now(),
    mail_from   text  NOT NULL,
    rcpt_to     text[] NOT NULL,
    subject     text  NOT NULL,
    raw         bytea NOT NULL
);

-- +goose Down
DROP TABLE dev_outbox;
