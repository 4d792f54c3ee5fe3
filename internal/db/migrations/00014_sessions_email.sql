-- +goose Up
-- Signed-in devices lists a person's live sessions by their email (and
-- the learners each proved): docs/security.md.
CREATE INDEX sessions_email ON sessions (email) WHERE revoked_at IS NULL;

-- +goose Down
DROP INDEX sessions_email;
