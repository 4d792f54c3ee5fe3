// Package reminders is the read model of scheduled reminders: the last
// occasion reminded per assignment (so the sweep only loads learners with
// something new), the digest slots each manager was sent, and reminders
// and digests whose email is not queued yet (the sweep queues them). The
// PostgreSQL projection and queries are in pgreminders.
package reminders

import (
	"context"
	"time"
)

// Unqueued is a reminder or digest whose email is not queued.
type Unqueued struct {
	MailID, Stream, PersonID string // the learner's or the manager's id
	At                       time.Time
}

// Queries reads the read model.
type Queries interface {
	// Done is the last occasion reminded per assignment at a client.
	Done(ctx context.Context, clientID string) (map[string]int, error)
	// DigestsSent are the managers at a client who got the slot's digest.
	DigestsSent(ctx context.Context, clientID, slot string) (map[string]bool, error)
	// Unqueued lists reminders and digests recorded in [since, before)
	// whose email is not queued, oldest first.
	Unqueued(ctx context.Context, since, before time.Time, limit int) ([]Unqueued, error)
}
