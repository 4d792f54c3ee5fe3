// Package pgbreaches is the Dark Web Monitoring read model in PostgreSQL:
// its projection (schema rm_breaches) and the queries behind
// breaches.Queries.
package pgbreaches

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/awareportal/portal/domain"
	dom "github.com/awareportal/portal/domain/breach"
	"github.com/awareportal/portal/domain/mailing"
	"github.com/awareportal/portal/internal/eventstore"
	"github.com/awareportal/portal/projections/breaches"
)

// Name is the projection's name; its tables live in schema rm_breaches.
const Name = breaches.Name

// Projection builds the Dark Web Monitoring read model.
type Projection struct{}

func (Projection) Name() string { return Name }
func (Projection) Version() int { return 1 }

// Invalidates: pages cache whether a client has monitoring
// (internal/readcache), which only the two switches change.
func (Projection) Invalidates(eventType string) bool {
	return eventType == dom.PartnerMonitoringSwitched{}.EventName() || eventType == dom.ClientMonitoringSwitched{}.EventName()
}

// LearnersOf: pages cache a learner's breach counts (internal/readcache),
// which their exposures' events change.
func (Projection) LearnersOf(e domain.Event) []string {
	switch ev := e.(type) {
	case dom.ExposuresRecorded:
		return []string{ev.LearnerID}
	case dom.ExposureResolved:
		return []string{ev.LearnerID}
	case dom.ExposureReopened:
		return []string{ev.LearnerID}
	}
	return nil
}

func (Projection) Schema() string {
	return `
CREATE TABLE partner_switches (
    partner_id text PRIMARY KEY,
    enabled    boolean NOT NULL
);
CREATE TABLE client_switches (
    client_id  text PRIMARY KEY,
    partner_id text NOT NULL,
    enabled    boolean NOT NULL
);
CREATE TABLE exposures (
    learner_id     text NOT NULL,
    breach_id      text NOT NULL,
    client_id      text NOT NULL,
    name           text NOT NULL,
    domain         text NOT NULL,
    breach_date    date NOT NULL,
    disclosed_date date NOT NULL,
    data_classes   text[] NOT NULL,
    tier           text NOT NULL,
    tier_rank      integer NOT NULL,
    recorded_at    timestamptz NOT NULL,
    resolved_at    timestamptz,
    note           text NOT NULL DEFAULT '',
    PRIMARY KEY (learner_id, breach_id)
);
CREATE TABLE notifications (
    mail_id    text PRIMARY KEY,
    learner_id text NOT NULL,
    at         timestamptz NOT NULL,
    queued     boolean NOT NULL DEFAULT false
);
CREATE INDEX notifications_unqueued ON notifications (at) WHERE NOT queued;
-- Mail queued before its notification was projected (another process's queue).
CREATE TABLE queued_mail (
    mail_id text PRIMARY KEY
);
`
}

func (Projection) Apply(ctx context.Context, tx pgx.Tx, _ eventstore.RecordedEvent, e domain.Event) error {
	var err error
	switch ev := e.(type) {
	case dom.PartnerMonitoringSwitched:
		_, err = tx.Exec(ctx, `INSERT INTO partner_switches (partner_id, enabled) VALUES ($1,$2)
			ON CONFLICT (partner_id) DO UPDATE SET enabled = $2`, ev.PartnerID, ev.Enabled)
	case dom.ClientMonitoringSwitched:
		_, err = tx.Exec(ctx, `INSERT INTO client_switches (client_id, partner_id, enabled) VALUES ($1,$2,$3)
			ON CONFLICT (client_id) DO UPDATE SET enabled = $3`, ev.ClientID, ev.PartnerID, ev.Enabled)
	case dom.ExposuresRecorded:
		if len(ev.Breaches) > 0 {
			rows := make([][]any, len(ev.Breaches))
			for i, b := range ev.Breaches {
				classes := b.DataClasses
				if classes == nil {
					classes = []string{}
				}
				rows[i] = []any{ev.LearnerID, b.ID, ev.ClientID, b.Name, b.Domain, b.BreachDate, b.DisclosedDate, classes, string(b.Tier), b.Tier.Rank(), ev.At}
			}
			// Temporary table: a replayed event (a rebuild that parks and
			// retries) must not fail on the primary key.
			if _, err = tx.Exec(ctx, `CREATE TEMP TABLE IF NOT EXISTS exposures_in (LIKE exposures INCLUDING DEFAULTS) ON COMMIT DELETE ROWS`); err != nil {
				return err
			}
			if _, err = tx.CopyFrom(ctx, pgx.Identifier{"exposures_in"},
				[]string{"learner_id", "breach_id", "client_id", "name", "domain", "breach_date", "disclosed_date", "data_classes", "tier", "tier_rank", "recorded_at"},
				pgx.CopyFromRows(rows)); err != nil {
				return err
			}
			if _, err = tx.Exec(ctx, `INSERT INTO exposures SELECT * FROM exposures_in ON CONFLICT (learner_id, breach_id) DO NOTHING; TRUNCATE exposures_in`); err != nil {
				return err
			}
		}
		if ev.MailID != "" {
			_, err = tx.Exec(ctx, `INSERT INTO notifications (mail_id, learner_id, at, queued)
				VALUES ($1,$2,$3, EXISTS (SELECT 1 FROM queued_mail WHERE mail_id = $1)) ON CONFLICT (mail_id) DO NOTHING`,
				ev.MailID, ev.LearnerID, ev.At)
		}
	case dom.ExposureResolved:
		_, err = tx.Exec(ctx, `UPDATE exposures SET resolved_at = $3, note = $4 WHERE learner_id = $1 AND breach_id = $2`,
			ev.LearnerID, ev.BreachID, ev.At, ev.Note)
	case dom.ExposureReopened:
		_, err = tx.Exec(ctx, `UPDATE exposures SET resolved_at = NULL, note = '' WHERE learner_id = $1 AND breach_id = $2`,
			ev.LearnerID, ev.BreachID)
	case mailing.MailQueued:
		if ev.Kind != mailing.KindBreachNotification {
			return nil
		}
		// One statement (the runner may defer it, see pgrunner.Projection):
		// mark the mail queued, or remember it for the mail's own event.
		_, err = tx.Exec(ctx, `WITH u AS (UPDATE notifications SET queued = true WHERE mail_id = $1 RETURNING 1)
			INSERT INTO queued_mail (mail_id) SELECT $1 WHERE NOT EXISTS (SELECT 1 FROM u) ON CONFLICT DO NOTHING`, ev.MailID)
	}
	return err
}

// Queries reads the Dark Web Monitoring read model.
type Queries struct {
	Pool *pgxpool.Pool
}

var _ breaches.Queries = Queries{}

// Enabled says whether both the partner's and the client's switch are on.
func (q Queries) Enabled(ctx context.Context, partnerID, clientID string) (bool, error) {
	var on bool
	err := q.Pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM rm_breaches.partner_switches p JOIN rm_breaches.client_switches c ON c.partner_id = p.partner_id
		WHERE p.partner_id = $1 AND p.enabled AND c.client_id = $2 AND c.enabled)`, partnerID, clientID).Scan(&on)
	if err != nil {
		return false, fmt.Errorf("breach monitoring: %w", err)
	}
	return on, nil
}

// Switches are a partner's switches.
func (q Queries) Switches(ctx context.Context, partnerID string) (breaches.Switches, error) {
	s := breaches.Switches{Clients: map[string]bool{}}
	err := q.Pool.QueryRow(ctx, `SELECT coalesce((SELECT enabled FROM rm_breaches.partner_switches WHERE partner_id = $1), false)`, partnerID).Scan(&s.Master)
	if err != nil {
		return s, fmt.Errorf("breach monitoring: %w", err)
	}
	rows, err := q.Pool.Query(ctx, `SELECT client_id, enabled FROM rm_breaches.client_switches WHERE partner_id = $1`, partnerID)
	if err != nil {
		return s, fmt.Errorf("breach monitoring: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var on bool
		if err := rows.Scan(&id, &on); err != nil {
			return s, fmt.Errorf("breach monitoring: %w", err)
		}
		s.Clients[id] = on
	}
	return s, rows.Err()
}

const exposureCols = `learner_id, breach_id, client_id, name, domain, breach_date, disclosed_date, data_classes, tier, recorded_at, resolved_at, note`

func scanExposure(row pgx.Row) (breaches.Exposure, error) {
	var e breaches.Exposure
	err := row.Scan(&e.LearnerID, &e.BreachID, &e.ClientID, &e.Name, &e.Domain, &e.BreachDate, &e.DisclosedDate, &e.DataClasses, &e.Tier, &e.RecordedAt, &e.ResolvedAt, &e.Note)
	return e, err
}

// Exposures lists a learner's breaches: active first, by tier, newest first.
func (q Queries) Exposures(ctx context.Context, learnerID string) ([]breaches.Exposure, error) {
	rows, err := q.Pool.Query(ctx, `SELECT `+exposureCols+` FROM rm_breaches.exposures WHERE learner_id = $1
		ORDER BY resolved_at IS NOT NULL, tier_rank, breach_date DESC, breach_id`, learnerID)
	if err != nil {
		return nil, fmt.Errorf("breaches: %w", err)
	}
	defer rows.Close()
	var out []breaches.Exposure
	for rows.Next() {
		e, err := scanExposure(rows)
		if err != nil {
			return nil, fmt.Errorf("breaches: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("breaches: %w", err)
	}
	return out, nil
}

// Exposure is one of a learner's breaches, or ErrNotFound.
func (q Queries) Exposure(ctx context.Context, learnerID, breachID string) (breaches.Exposure, error) {
	e, err := scanExposure(q.Pool.QueryRow(ctx, `SELECT `+exposureCols+` FROM rm_breaches.exposures WHERE learner_id = $1 AND breach_id = $2`, learnerID, breachID))
	if errors.Is(err, pgx.ErrNoRows) {
		return e, breaches.ErrNotFound
	}
	if err != nil {
		return e, fmt.Errorf("breach: %w", err)
	}
	return e, nil
}

// Counts are a learner's active breaches.
func (q Queries) Counts(ctx context.Context, learnerID string) (breaches.Counts, error) {
	var c breaches.Counts
	err := q.Pool.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE tier = $2) FROM rm_breaches.exposures WHERE learner_id = $1 AND resolved_at IS NULL`,
		learnerID, string(dom.TierPassword)).Scan(&c.Active, &c.ActivePassword)
	if err != nil {
		return c, fmt.Errorf("breach counts: %w", err)
	}
	return c, nil
}

// Unqueued lists notifications recorded in [since, before) whose email is not queued.
func (q Queries) Unqueued(ctx context.Context, since, before time.Time, limit int) ([]breaches.Notification, error) {
	rows, err := q.Pool.Query(ctx, `SELECT learner_id, mail_id, at FROM rm_breaches.notifications
		WHERE NOT queued AND at >= $1 AND at < $2 ORDER BY at LIMIT $3`, since, before, limit)
	if err != nil {
		return nil, fmt.Errorf("unqueued breach notifications: %w", err)
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[breaches.Notification])
	if err != nil {
		return nil, fmt.Errorf("unqueued breach notifications: %w", err)
	}
	return list, nil
}
