package auth

import (
	"context"
	"time"
)

// Limit is at most N hits per Window for one bucket.
type Limit struct {
	N      int
	Window time.Duration
}

// Limiter counts hits in fixed windows shared by every portal process
// (pgauth.Limiter, in PostgreSQL).
type Limiter interface {
	// Hit counts one hit on bucket at now and reports whether it is within
	// the limit, and if not, when the window ends.
	Hit(ctx context.Context, bucket string, lim Limit, now time.Time) (bool, time.Time, error)
	// Prune deletes windows that ended before cutoff.
	Prune(ctx context.Context, cutoff time.Time) error
}
