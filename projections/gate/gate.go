// Package gate is the onboarding read model: for each learner the gate
// (their next onboarding module, or none) that every learner page checks
// with one primary-key lookup, and whose welcome email is due. The
// PostgreSQL projection and queries are in pggate.
package gate

import (
	"context"
	"time"
)

// Name is the read model's projection name (its schema is rm_gate, its
// epoch row in read_model_epochs is this name).
const Name = "gate"

// Queries reads the gate.
type Queries interface {
	// Of is the learner's gate: one primary-key lookup. A learner the read
	// model does not know (yet) has nothing pending.
	Of(ctx context.Context, learnerID string) (Status, error)
	// WelcomeDue lists learners whose welcome email is due and not queued,
	// at clients whose portal is on, oldest first.
	WelcomeDue(ctx context.Context, limit int) ([]WelcomeDue, error)
}

// Status is where a learner stands: NextModuleID is empty when they are
// through (or their partner has no onboarding).
type Status struct {
	NextModuleID string
	Step, Total  int
}

// Pending says whether the learner must go through onboarding first.
func (g Status) Pending() bool { return g.NextModuleID != "" }

// WelcomeDue is a learner whose welcome email is not queued yet.
type WelcomeDue struct {
	LearnerID     string
	ProvisionedAt time.Time
}
