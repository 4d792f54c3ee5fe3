// Package phishing is the phishing-simulation read model: each learner's
// result per campaign (My Stats' phishing panel) and what the
// organisation's average needs. The PostgreSQL projection and queries are
// in pgphishing.
package phishing

import (
	"context"
	"time"
)

// Name is the read model's projection name (its schema is rm_phishing, its
// epoch rows in read_model_learner_epochs are this name).
const Name = "phishing"

// Result is one campaign's outcome for a learner.
type Result struct {
	LearnerID, ClientID, CampaignID  string
	CampaignName, Template           string
	SentAt                           time.Time
	Delivered                        bool
	OpenedAt, ClickedAt, SubmittedAt *time.Time
	ReportedAt                       *time.Time
}

// Compromised says the learner clicked the link or submitted data.
func (r Result) Compromised() bool { return r.ClickedAt != nil || r.SubmittedAt != nil }

// Rate is a share of simulations compromised.
type Rate struct {
	Received    int // simulations delivered
	Compromised int // of those, clicked or submitted data
	Learners    int // how many learners the figure is over (the organisation's)
	// Percent is compromised / received (for one learner), or the mean of
	// each learner's (for an organisation), 0-100; meaningless when
	// Received is 0.
	Percent float64
}

// Queries reads the read model (pgphishing.Queries, in PostgreSQL).
type Queries interface {
	// Results are a learner's results, newest sent first.
	Results(ctx context.Context, learnerID string) ([]Result, error)
	// ClientRate is the mean of the compromise rates of the client's
	// learners who received a simulation sent at or after since.
	ClientRate(ctx context.Context, clientID string, since time.Time) (Rate, error)
}
