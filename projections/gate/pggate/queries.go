package pggate

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/awareportal/portal/projections/gate"
)

// Queries reads the onboarding read model.
type Queries struct {
	Pool *pgxpool.Pool
}

// Of is the learner's gate: one primary-key lookup. A learner the read
// model does not know (yet) has nothing pending.
func (q Queries) Of(ctx context.Context, learnerID string) (gate.Status, error) {
	var g gate.Status
	var next *string
	err := q.Pool.QueryRow(ctx, `SELECT next_module_id, step, total FROM rm_gate.gate WHERE learner_id = $1`, learnerID).Scan(&next, &g.Step, &g.Total)
	if errors.Is(err, pgx.ErrNoRows) {
		return gate.Status{}, nil
	}
	if err != nil {
		return gate.Status{}, fmt.Errorf("onboarding gate: %w", err)
	}
	if next != nil {
		g.NextModuleID = *next
	}
	return g, nil
}

// WelcomeDue lists learners whose welcome email is due and not queued, at
// clients whose portal is on, oldest first.
func (q Queries) WelcomeDue(ctx context.Context, limit int) ([]gate.WelcomeDue, error) {
	rows, err := q.Pool.Query(ctx, `
SELECT l.learner_id, l.provisioned_at FROM rm_gate.learners l
JOIN rm_gate.clients c ON c.client_id = l.client_id AND c.portal_enabled
WHERE l.welcome AND l.welcome_mail_id IS NULL
ORDER BY l.provisioned_at LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("welcome due: %w", err)
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[gate.WelcomeDue])
	if err != nil {
		return nil, fmt.Errorf("welcome due: %w", err)
	}
	return list, nil
}
