package pgprogress

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/awareportal/portal/domain"
	"github.com/awareportal/portal/domain/breach"
	"github.com/awareportal/portal/internal/eventstore"
)

// applyBreach keeps what the risk score needs of Dark Web Monitoring
// (unresolved password breaches, and whether monitoring is on for the
// learner) and rescores the learners a change concerns.
func (p Projection) applyBreach(ctx context.Context, tx pgx.Tx, rec eventstore.RecordedEvent, e domain.Event) error {
	switch ev := e.(type) {
	case breach.ExposuresRecorded:
		password := false
		ids, pw := make([]string, len(ev.Breaches)), make([]bool, len(ev.Breaches))
		for i, b := range ev.Breaches {
			ids[i], pw[i] = b.ID, b.Tier == breach.TierPassword
			password = password || pw[i]
		}
		// One statement however many breaches (an import brings thousands).
		if _, err := tx.Exec(ctx, `INSERT INTO breach_exposures (learner_id, breach_id, password)
			SELECT $1, b.id, b.password FROM unnest($2::text[], $3::boolean[]) AS b(id, password) ON CONFLICT DO NOTHING`,
			ev.LearnerID, ids, pw); err != nil {
			return fmt.Errorf("breach exposures: %w", err)
		}
		if !password {
			return nil
		}
		return p.restat(ctx, tx, rec, ev.LearnerID, ev.At)
	case breach.ExposureResolved:
		return p.update(ctx, tx, rec, ev.LearnerID, ev.At, `UPDATE breach_exposures SET resolved = true WHERE learner_id = $1 AND breach_id = $2`, ev.LearnerID, ev.BreachID)
	case breach.ExposureReopened:
		return p.update(ctx, tx, rec, ev.LearnerID, ev.At, `UPDATE breach_exposures SET resolved = false WHERE learner_id = $1 AND breach_id = $2`, ev.LearnerID, ev.BreachID)
	case breach.PartnerMonitoringSwitched:
		if _, err := tx.Exec(ctx, `INSERT INTO breach_partners (partner_id, enabled) VALUES ($1,$2) ON CONFLICT (partner_id) DO UPDATE SET enabled = $2`, ev.PartnerID, ev.Enabled); err != nil {
			return err
		}
		return p.restatExposed(ctx, tx, rec, ev.At, `l.client_id IN (SELECT client_id FROM breach_clients WHERE partner_id = $1)`, ev.PartnerID)
	case breach.ClientMonitoringSwitched:
		if _, err := tx.Exec(ctx, `INSERT INTO breach_clients (client_id, partner_id, enabled) VALUES ($1,$2,$3) ON CONFLICT (client_id) DO UPDATE SET enabled = $3`, ev.ClientID, ev.PartnerID, ev.Enabled); err != nil {
			return err
		}
		return p.restatExposed(ctx, tx, rec, ev.At, `l.client_id = $1`, ev.ClientID)
	}
	return nil
}

// restatExposed rescores the learners matching where (on learners l) who
// have an unresolved password breach: a switch changes only their score.
func (p Projection) restatExposed(ctx context.Context, tx pgx.Tx, rec eventstore.RecordedEvent, at any, where string, arg string) error {
	rows, err := tx.Query(ctx, `SELECT DISTINCT b.learner_id FROM breach_exposures b JOIN learners l ON l.id = b.learner_id
		WHERE b.password AND NOT b.resolved AND `+where+` ORDER BY b.learner_id`, arg)
	if err != nil {
		return fmt.Errorf("learners with password breaches: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("learners with password breaches: %w", err)
	}
	for _, id := range ids {
		if err := p.restat(ctx, tx, rec, id, at); err != nil {
			return err
		}
	}
	return nil
}
