// Package pgphishing is the phishing-simulation read model in PostgreSQL:
// its projection (schema rm_phishing) and the queries behind
// phishing.Queries.
package pgphishing

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/awareportal/portal/domain"
	dom "github.com/awareportal/portal/domain/phishing"
	"github.com/awareportal/portal/internal/eventstore"
	"github.com/awareportal/portal/projections/phishing"
)

// Name is the projection's name; its tables live in schema rm_phishing.
const Name = phishing.Name

// Projection builds the phishing-simulation read model.
type Projection struct{}

func (Projection) Name() string { return Name }
func (Projection) Version() int { return 1 }

// LearnersOf: pages cache a learner's results (internal/readcache).
func (Projection) LearnersOf(e domain.Event) []string {
	if ev, ok := e.(dom.ResultRecorded); ok {
		return []string{ev.LearnerID}
	}
	return nil
}

func (Projection) Schema() string {
	return `
CREATE TABLE results (
    learner_id    text NOT NULL,
    campaign_id   text NOT NULL,
    client_id     text NOT NULL,
    campaign_name text NOT NULL,
    template      text NOT NULL,
    sent_at       timestamptz NOT NULL,
    delivered     boolean NOT NULL,
    opened_at     timestamptz,
    clicked_at    timestamptz,
    submitted_at  timestamptz,
    reported_at   timestamptz,
    PRIMARY KEY (learner_id, campaign_id)
);
CREATE INDEX results_client ON results (client_id, sent_at);
`
}

func (Projection) Apply(ctx context.Context, tx pgx.Tx, _ eventstore.RecordedEvent, e domain.Event) error {
	ev, ok := e.(dom.ResultRecorded)
	if !ok {
		return nil
	}
	_, err := tx.Exec(ctx, `INSERT INTO results (learner_id, campaign_id, client_id, campaign_name, template, sent_at, delivered, opened_at, clicked_at, submitted_at, reported_at)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)
		ON CONFLICT (learner_id, campaign_id) DO UPDATE SET client_id = $3, campaign_name = $4, template = $5, sent_at = $6, delivered = $7,
			opened_at = $8, clicked_at = $9, submitted_at = $10, reported_at = $11`,
		ev.LearnerID, ev.CampaignID, ev.ClientID, ev.CampaignName, ev.Template, ev.SentAt, ev.Delivered, ev.OpenedAt, ev.ClickedAt, ev.SubmittedAt, ev.ReportedAt)
	if err != nil {
		return fmt.Errorf("phishing result: %w", err)
	}
	return nil
}

// Queries reads the phishing-simulation read model.
type Queries struct {
	Pool *pgxpool.Pool
}

var _ phishing.Queries = Queries{}

// Results are a learner's results, newest sent first.
func (q Queries) Results(ctx context.Context, learnerID string) ([]phishing.Result, error) {
	rows, err := q.Pool.Query(ctx, `SELECT learner_id, client_id, campaign_id, campaign_name, template, sent_at, delivered, opened_at, clicked_at, submitted_at, reported_at
		FROM rm_phishing.results WHERE learner_id = $1 ORDER BY sent_at DESC, campaign_id`, learnerID)
	if err != nil {
		return nil, fmt.Errorf("phishing results: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (phishing.Result, error) {
		var r phishing.Result
		err := row.Scan(&r.LearnerID, &r.ClientID, &r.CampaignID, &r.CampaignName, &r.Template, &r.SentAt, &r.Delivered, &r.OpenedAt, &r.ClickedAt, &r.SubmittedAt, &r.ReportedAt)
		return r, err
	})
	if err != nil {
		return nil, fmt.Errorf("phishing results: %w", err)
	}
	return list, nil
}

// ClientRate is the mean of the compromise rates of the client's learners
// who received a simulation sent at or after since.
func (q Queries) ClientRate(ctx context.Context, clientID string, since time.Time) (phishing.Rate, error) {
	var r phishing.Rate
	err := q.Pool.QueryRow(ctx, `SELECT count(*), coalesce(sum(received), 0), coalesce(sum(compromised), 0),
			coalesce(avg(compromised::double precision / received), 0) * 100
		FROM (SELECT learner_id, count(*) AS received, count(*) FILTER (WHERE clicked_at IS NOT NULL OR submitted_at IS NOT NULL) AS compromised
			FROM rm_phishing.results WHERE client_id = $1 AND delivered AND sent_at >= $2 GROUP BY learner_id) per`,
		clientID, since).Scan(&r.Learners, &r.Received, &r.Compromised, &r.Percent)
	if err != nil {
		return r, fmt.Errorf("client phishing rate: %w", err)
	}
	return r, nil
}
