// Package pgteam is the My Team read model in PostgreSQL: its projection
// (schema rm_team) and the queries behind team.Queries.
package pgteam

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/awareportal/portal/domain"
	"github.com/awareportal/portal/domain/mailing"
	dom "github.com/awareportal/portal/domain/team"
	"github.com/awareportal/portal/internal/eventstore"
	"github.com/awareportal/portal/projections/team"
)

// Name is the projection's name; its tables live in schema rm_team.
const Name = "team"

// Projection builds the My Team read model.
type Projection struct{}

func (Projection) Name() string { return Name }
func (Projection) Version() int { return 1 }

func (Projection) Schema() string {
	return `
CREATE TABLE reminders (
    mail_id    text PRIMARY KEY,
    manager_id text NOT NULL,
    learner_id text NOT NULL,
    at         timestamptz NOT NULL,
    queued     boolean NOT NULL DEFAULT false
);
CREATE INDEX reminders_manager ON reminders (manager_id, learner_id, at DESC);
CREATE INDEX reminders_unqueued ON reminders (at) WHERE NOT queued;
-- Mail queued before its reminder was projected (another process's queue).
CREATE TABLE queued_mail (
    mail_id text PRIMARY KEY
);
`
}

func (Projection) Apply(ctx context.Context, tx pgx.Tx, _ eventstore.RecordedEvent, e domain.Event) error {
	var err error
	switch ev := e.(type) {
	case dom.ReminderSent:
		_, err = tx.Exec(ctx, `INSERT INTO reminders (mail_id, manager_id, learner_id, at, queued)
			VALUES ($1,$2,$3,$4, EXISTS (SELECT 1 FROM queued_mail WHERE mail_id = $1)) ON CONFLICT (mail_id) DO NOTHING`,
			ev.MailID, ev.ManagerID, ev.LearnerID, ev.At)
	case mailing.MailQueued:
		if ev.Kind != mailing.KindTeamReminder {
			return nil
		}
		// One statement (the runner may defer it, see pgrunner.Projection):
		// mark the mail queued, or remember it for the mail's own event.
		_, err = tx.Exec(ctx, `WITH u AS (UPDATE reminders SET queued = true WHERE mail_id = $1 RETURNING 1)
			INSERT INTO queued_mail (mail_id) SELECT $1 WHERE NOT EXISTS (SELECT 1 FROM u) ON CONFLICT DO NOTHING`, ev.MailID)
	}
	return err
}

// Queries reads the My Team read model.
type Queries struct {
	Pool *pgxpool.Pool
}

// LastReminders is when the manager last reminded each report.
func (q Queries) LastReminders(ctx context.Context, managerID string) (map[string]time.Time, error) {
	rows, err := q.Pool.Query(ctx, `SELECT learner_id, max(at) FROM rm_team.reminders WHERE manager_id = $1 GROUP BY learner_id`, managerID)
	if err != nil {
		return nil, fmt.Errorf("last reminders: %w", err)
	}
	defer rows.Close()
	out := map[string]time.Time{}
	for rows.Next() {
		var id string
		var at time.Time
		if err := rows.Scan(&id, &at); err != nil {
			return nil, fmt.Errorf("last reminders: %w", err)
		}
		out[id] = at
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("last reminders: %w", err)
	}
	return out, nil
}

// Unqueued lists reminders recorded in [since, before) whose email is not queued.
func (q Queries) Unqueued(ctx context.Context, since, before time.Time, limit int) ([]team.Reminder, error) {
	rows, err := q.Pool.Query(ctx, `SELECT manager_id, learner_id, mail_id, at FROM rm_team.reminders
		WHERE NOT queued AND at >= $1 AND at < $2 ORDER BY at LIMIT $3`, since, before, limit)
	if err != nil {
		return nil, fmt.Errorf("unqueued reminders: %w", err)
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[team.Reminder])
	if err != nil {
		return nil, fmt.Errorf("unqueued reminders: %w", err)
	}
	return list, nil
}

var _ team.Queries = Queries{}
