// Package policies is the policies read model: each partner's policies
// with their current version, and each learner's signature requests
// (outstanding or signed). The PostgreSQL projection and queries are in
// pgpolicies.
package policies

import (
	"context"
	"errors"
	"time"
)

// Name is the read model's projection name (its schema is rm_policies, its
// epoch rows in read_model_epochs and read_model_learner_epochs are this
// name).
const Name = "policies"

// ErrNotFound is a policy or request that is not there.
var ErrNotFound = errors.New("not found")

// Policy is a policy as it now stands.
type Policy struct {
	ID, PartnerID, Title string
	ResignOnNewVersion   bool
	Version              int
	SHA256, ContentType  string
	Size                 int64
	PublishedAt          time.Time
	// MinVersion is the oldest version whose signature still counts.
	MinVersion int
}

// Request is a learner's signature request for a policy.
type Request struct {
	LearnerID, PolicyID, ClientID string
	Title                         string // the policy's current title
	Version                       int    // the current version
	ContentType                   string
	AssignedAt                    time.Time
	// DueAt is when the outstanding signature is due: the assignment's
	// due date, or the re-signing date of a version that asked for it.
	DueAt         time.Time
	SignedVersion int // the highest version signed (0: none)
	SignedAt      *time.Time
	SignedName    string
	SignedSHA256  string
	Outstanding   bool
}

// IsOverdue reports whether an outstanding signature is past its due date.
func (r Request) IsOverdue(now time.Time) bool { return r.Outstanding && now.After(r.DueAt) }

// Queries reads the read model.
type Queries interface {
	// Policy is one policy by its stored id, or ErrNotFound.
	Policy(ctx context.Context, id string) (Policy, error)
	// PoliciesOf lists a partner's policies by title.
	PoliciesOf(ctx context.Context, partnerID string) ([]Policy, error)
	// ForLearner lists a learner's requests: outstanding first, soonest
	// due first, then signed, latest first.
	ForLearner(ctx context.Context, learnerID string) ([]Request, error)
	// Request is one of a learner's requests, or ErrNotFound.
	Request(ctx context.Context, learnerID, policyID string) (Request, error)
}
