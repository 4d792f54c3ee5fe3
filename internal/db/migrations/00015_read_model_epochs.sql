-- +goose Up
-- A read model whose rows pages cache in the process (the directory, the
-- onboarding gate, breach monitoring's switches) counts here every batch
-- of events that changed it, in the batch's own transaction. The session
-- lookup every signed-in request makes reads the sum, so a cached row is
-- used only while nothing it came from has changed, on any process:
-- docs/benchmarks.md (pages) and internal/readcache.
CREATE TABLE read_model_epochs (
    name  text PRIMARY KEY,
    epoch bigint NOT NULL
);

-- +goose Down
DROP TABLE read_model_epochs;
