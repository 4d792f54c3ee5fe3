-- +goose Up
-- The learners a session's sign-in proved it may act as: the organisation
-- picker offers only these, and staff rights from a Microsoft or Google
-- sign-in follow only their partners (docs/security.md).
ALTER TABLE sessions ADD COLUMN learner_ids text[] NOT NULL DEFAULT '{}';
UPDATE sessions SET learner_ids = ARRAY[learner_id] WHERE learner_id IS NOT NULL;

-- +goose Down
ALTER TABLE sessions DROP COLUMN learner_ids;
