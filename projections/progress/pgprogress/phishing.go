package pgprogress

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/awareportal/portal/domain/phishing"
	"github.com/awareportal/portal/internal/eventstore"
)

// applyPhishing keeps what the risk score needs of a phishing-simulation
// result (when it was sent, compromised or not, reported or not) and
// rescores the learner as of the result's recording: the score counts
// simulations sent in the 12 months before the moment it is computed.
func (p Projection) applyPhishing(ctx context.Context, tx pgx.Tx, rec eventstore.RecordedEvent, ev phishing.ResultRecorded) error {
	if _, err := tx.Exec(ctx, `INSERT INTO phishing_results (learner_id, campaign_id, sent_at, compromised, reported) VALUES ($1,$2,$3,$4,$5)
		ON CONFLICT (learner_id, campaign_id) DO UPDATE SET sent_at = $3, compromised = $4, reported = $5`,
		ev.LearnerID, ev.CampaignID, ev.SentAt, ev.Compromised(), ev.Reported()); err != nil {
		return fmt.Errorf("phishing result: %w", err)
	}
	return p.restat(ctx, tx, rec, ev.LearnerID, ev.At)
}
