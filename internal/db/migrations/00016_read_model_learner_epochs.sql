-- +goose Up
-- read_model_epochs per learner: a read model whose rows of one learner
-- pages cache (their assignments, their policy requests) counts here
-- every batch of events that changed that learner's rows, in the batch's
-- own transaction. The session lookup reads the signed-in learner's rows
-- with the read models' epochs: internal/readcache.
CREATE TABLE read_model_learner_epochs (
    learner_id text NOT NULL,
    name       text NOT NULL,
    epoch      bigint NOT NULL,
    PRIMARY KEY (learner_id, name)
);

-- +goose Down
DROP TABLE read_model_learner_epochs;
