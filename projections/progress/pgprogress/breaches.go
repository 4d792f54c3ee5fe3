package pgprogress

import (
	"context"
	"time"

	"github.com/awareportal/portal/domain"
	"github.com/awareportal/portal/domain/breach"
	"github.com/awareportal/portal/internal/eventstore"
)

// applyBreach keeps what the risk score needs of Dark Web Monitoring
// (unresolved password breaches, and whether monitoring is on for the
// learner) and rescores the learners a change concerns.
func applyBreach(ctx context.Context, f facts, rec eventstore.RecordedEvent, e domain.Event) error {
	switch ev := e.(type) {
	case breach.ExposuresRecorded:
		password := false
		ids, pw := make([]string, len(ev.Breaches)), make([]bool, len(ev.Breaches))
		for i, b := range ev.Breaches {
			ids[i], pw[i] = b.ID, b.Tier == breach.TierPassword
			password = password || pw[i]
		}
		if err := f.addExposures(ctx, ev.LearnerID, ids, pw); err != nil {
			return err
		}
		if !password {
			return nil
		}
		return restat(ctx, f, rec, ev.LearnerID, ev.At)
	case breach.ExposureResolved:
		if err := f.resolveExposure(ctx, ev.LearnerID, ev.BreachID, true); err != nil {
			return err
		}
		return restat(ctx, f, rec, ev.LearnerID, ev.At)
	case breach.ExposureReopened:
		if err := f.resolveExposure(ctx, ev.LearnerID, ev.BreachID, false); err != nil {
			return err
		}
		return restat(ctx, f, rec, ev.LearnerID, ev.At)
	case breach.PartnerMonitoringSwitched:
		if err := f.switchPartner(ctx, ev.PartnerID, ev.Enabled); err != nil {
			return err
		}
		return restatExposed(ctx, f, rec, ev.At, ev.PartnerID, "")
	case breach.ClientMonitoringSwitched:
		if err := f.switchClient(ctx, ev.ClientID, ev.PartnerID, ev.Enabled); err != nil {
			return err
		}
		return restatExposed(ctx, f, rec, ev.At, "", ev.ClientID)
	}
	return nil
}

// restatExposed rescores the learners of a partner (or a client) who have
// an unresolved password breach: a switch changes only their score.
func restatExposed(ctx context.Context, f facts, rec eventstore.RecordedEvent, at time.Time, partnerID, clientID string) error {
	ids, err := f.exposed(ctx, partnerID, clientID)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := restat(ctx, f, rec, id, at); err != nil {
			return err
		}
	}
	return nil
}
