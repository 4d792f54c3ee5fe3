// Package breaches is the Dark Web Monitoring read model: whether each
// partner and client has monitoring on, each learner's breaches with their
// state, and the notification emails not queued yet (the sweep queues
// them). The PostgreSQL projection and queries are in pgbreaches.
package breaches

import (
	"context"
	"errors"
	"time"
)

// Name is the read model's projection name (its schema is rm_breaches, its
// epoch row in read_model_epochs is this name).
const Name = "breaches"

// ErrNotFound is a breach the learner has no exposure for.
var ErrNotFound = errors.New("not found")

// Exposure is one of a learner's breaches.
type Exposure struct {
	LearnerID, BreachID, ClientID string
	Name, Domain                  string
	BreachDate, DisclosedDate     time.Time
	DataClasses                   []string
	Tier                          string // domain/breach.Tier
	RecordedAt                    time.Time
	ResolvedAt                    *time.Time // nil: active
	Note                          string     // the resolution's note
}

// Active says whether the learner has not resolved it.
func (e Exposure) Active() bool { return e.ResolvedAt == nil }

// Counts are a learner's active breaches.
type Counts struct {
	Active         int // unresolved breaches
	ActivePassword int // of those, Password Exposed
}

// Notification is a learner's notification email recorded with an
// ingestion.
type Notification struct {
	LearnerID, MailID string
	At                time.Time
}

// Switches are a partner's Dark Web Monitoring switches.
type Switches struct {
	Master  bool
	Clients map[string]bool // client id -> on (absent: off)
}

// Queries reads the read model.
type Queries interface {
	// Enabled says whether a client's learners have Dark Web Monitoring:
	// the partner's master switch and the client's are both on.
	Enabled(ctx context.Context, partnerID, clientID string) (bool, error)
	// Switches are a partner's switches.
	Switches(ctx context.Context, partnerID string) (Switches, error)
	// Exposures lists a learner's breaches: active first, then by tier
	// (most serious first), newest breach first.
	Exposures(ctx context.Context, learnerID string) ([]Exposure, error)
	// Exposure is one of a learner's breaches, or ErrNotFound.
	Exposure(ctx context.Context, learnerID, breachID string) (Exposure, error)
	// Counts are a learner's active breaches.
	Counts(ctx context.Context, learnerID string) (Counts, error)
	// Unqueued lists notifications recorded in [since, before) whose email
	// is not queued, oldest first.
	Unqueued(ctx context.Context, since, before time.Time, limit int) ([]Notification, error)
}
