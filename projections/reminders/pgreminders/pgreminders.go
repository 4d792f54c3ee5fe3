// Package pgreminders is the scheduled reminders' read model in
// PostgreSQL: its projection (schema rm_reminders) and the queries behind
// reminders.Queries.
package pgreminders

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/awareportal/portal/domain"
	"github.com/awareportal/portal/domain/mailing"
	"github.com/awareportal/portal/domain/reminder"
	"github.com/awareportal/portal/internal/eventstore"
	"github.com/awareportal/portal/projections/reminders"
)

// Name is the projection's name; its tables live in schema rm_reminders.
const Name = "reminders"

// Projection builds the scheduled reminders' read model.
type Projection struct{}

func (Projection) Name() string { return Name }
func (Projection) Version() int { return 1 }

func (Projection) Schema() string {
	return `
CREATE TABLE occasions (
    assignment_id text PRIMARY KEY,
    client_id     text NOT NULL,
    seq           integer NOT NULL
);
CREATE INDEX occasions_client ON occasions (client_id);
CREATE TABLE digests (
    manager_id text NOT NULL,
    client_id  text NOT NULL,
    slot       text NOT NULL,
    PRIMARY KEY (client_id, slot, manager_id)
);
CREATE TABLE mails (
    mail_id   text PRIMARY KEY,
    stream    text NOT NULL,
    person_id text NOT NULL,
    at        timestamptz NOT NULL,
    queued    boolean NOT NULL DEFAULT false
);
CREATE INDEX mails_unqueued ON mails (at) WHERE NOT queued;
-- Mail queued before its reminder was projected (another process's queue).
CREATE TABLE queued_mail (
    mail_id text PRIMARY KEY
);
`
}

func (Projection) Apply(ctx context.Context, tx pgx.Tx, _ eventstore.RecordedEvent, e domain.Event) error {
	switch ev := e.(type) {
	case reminder.Sent:
		for _, it := range ev.Items {
			if _, err := tx.Exec(ctx, `INSERT INTO occasions (assignment_id, client_id, seq) VALUES ($1,$2,$3)
				ON CONFLICT (assignment_id) DO UPDATE SET seq = greatest(occasions.seq, excluded.seq)`, it.AssignmentID, ev.ClientID, it.Seq); err != nil {
				return err
			}
		}
		return mail(ctx, tx, ev.MailID, reminder.Stream(ev.LearnerID), ev.LearnerID, ev.At)
	case reminder.DigestSent:
		if _, err := tx.Exec(ctx, `INSERT INTO digests (manager_id, client_id, slot) VALUES ($1,$2,$3) ON CONFLICT DO NOTHING`,
			ev.ManagerID, ev.ClientID, ev.Slot); err != nil {
			return err
		}
		return mail(ctx, tx, ev.MailID, reminder.DigestStream(ev.ManagerID), ev.ManagerID, ev.At)
	case mailing.MailQueued:
		if ev.Kind != mailing.KindReminder && ev.Kind != mailing.KindDigest {
			return nil
		}
		// One statement (the runner may defer it, see pgrunner.Projection):
		// mark the mail queued, or remember it for the mail's own event.
		_, err := tx.Exec(ctx, `WITH u AS (UPDATE mails SET queued = true WHERE mail_id = $1 RETURNING 1)
			INSERT INTO queued_mail (mail_id) SELECT $1 WHERE NOT EXISTS (SELECT 1 FROM u) ON CONFLICT DO NOTHING`, ev.MailID)
		return err
	}
	return nil
}

func mail(ctx context.Context, tx pgx.Tx, mailID, stream, person string, at time.Time) error {
	_, err := tx.Exec(ctx, `INSERT INTO mails (mail_id, stream, person_id, at, queued)
		VALUES ($1,$2,$3,$4, EXISTS (SELECT 1 FROM queued_mail WHERE mail_id = $1)) ON CONFLICT (mail_id) DO NOTHING`,
		mailID, stream, person, at)
	return err
}

// Queries reads the read model.
type Queries struct {
	Pool *pgxpool.Pool
}

// Done is the last occasion reminded per assignment at a client.
func (q Queries) Done(ctx context.Context, clientID string) (map[string]int, error) {
	rows, err := q.Pool.Query(ctx, `SELECT assignment_id, seq FROM rm_reminders.occasions WHERE client_id = $1`, clientID)
	if err != nil {
		return nil, fmt.Errorf("reminded occasions: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var id string
		var seq int
		if err := rows.Scan(&id, &seq); err != nil {
			return nil, fmt.Errorf("reminded occasions: %w", err)
		}
		out[id] = seq
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reminded occasions: %w", err)
	}
	return out, nil
}

// DigestsSent are the managers at a client who got the slot's digest.
func (q Queries) DigestsSent(ctx context.Context, clientID, slot string) (map[string]bool, error) {
	rows, err := q.Pool.Query(ctx, `SELECT manager_id FROM rm_reminders.digests WHERE client_id = $1 AND slot = $2`, clientID, slot)
	if err != nil {
		return nil, fmt.Errorf("digests sent: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("digests sent: %w", err)
	}
	out := make(map[string]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out, nil
}

// Unqueued lists reminders and digests recorded in [since, before) whose
// email is not queued.
func (q Queries) Unqueued(ctx context.Context, since, before time.Time, limit int) ([]reminders.Unqueued, error) {
	rows, err := q.Pool.Query(ctx, `SELECT mail_id, stream, person_id, at FROM rm_reminders.mails
		WHERE NOT queued AND at >= $1 AND at < $2 ORDER BY at LIMIT $3`, since, before, limit)
	if err != nil {
		return nil, fmt.Errorf("unqueued reminders: %w", err)
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[reminders.Unqueued])
	if err != nil {
		return nil, fmt.Errorf("unqueued reminders: %w", err)
	}
	return list, nil
}

var _ reminders.Queries = Queries{}
