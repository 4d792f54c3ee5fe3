package pgauth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/awareportal/portal/internal/auth"
)

// Limiter counts hits in fixed windows in Postgres, so every portal process
// shares one count.
type Limiter struct {
	Pool *pgxpool.Pool
}

// Hit counts one hit on bucket at now and reports whether it is within the
// limit, and if not, when the window ends.
func (l Limiter) Hit(ctx context.Context, bucket string, lim auth.Limit, now time.Time) (bool, time.Time, error) {
	start := now.Truncate(lim.Window)
	key := sha256.Sum256([]byte(bucket)) // buckets name emails and IPs: store a hash
	var hits int
	err := l.Pool.QueryRow(ctx, `INSERT INTO rate_limits (bucket, window_start, hits) VALUES ($1, $2, 1)
		ON CONFLICT (bucket, window_start) DO UPDATE SET hits = rate_limits.hits + 1 RETURNING hits`,
		hex.EncodeToString(key[:]), start).Scan(&hits)
	if err != nil {
		return false, time.Time{}, fmt.Errorf("rate limit: %w", err)
	}
	return hits <= lim.N, start.Add(lim.Window), nil
}

// Prune deletes windows that ended before cutoff.
func (l Limiter) Prune(ctx context.Context, cutoff time.Time) error {
	_, err := l.Pool.Exec(ctx, `DELETE FROM rate_limits WHERE window_start < $1`, cutoff)
	return err
}
