-- +goose Up
-- The "learning" read model is now called "progress" (rm_progress): it is
-- built afresh from the events at the next start; the old one goes.
DROP SCHEMA IF EXISTS rm_learning CASCADE;
DROP SCHEMA IF EXISTS rm_learning_next CASCADE;
DELETE FROM projection_checkpoints WHERE name = 'learning';
DELETE FROM projection_parked WHERE projection = 'learning';

-- +goose Down
SELECT 1;
