// Package pgauth keeps the auth package's state in PostgreSQL: sessions and
// rate-limit windows.
package pgauth

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/awareportal/portal/domain/signin"
	"github.com/awareportal/portal/internal/auth"
)

// touchEvery limits last-seen writes to one a minute per session.
const touchEvery = time.Minute

// Sessions stores sessions in PostgreSQL; only a hash of the secret is kept.
type Sessions struct {
	Pool *pgxpool.Pool
}

func hashSecret(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// Create stores a new session and returns its secret for the cookie.
func (s Sessions) Create(ctx context.Context, sess auth.Session, ip, ua string) (string, error) {
	secret, err := auth.NewSecret()
	if err != nil {
		return "", err
	}
	learners := sess.LearnerIDs
	if learners == nil {
		learners = []string{}
	}
	_, err = s.Pool.Exec(ctx, `INSERT INTO sessions (id_hash, ref, request_id, email, learner_id, learner_ids, method, created_at, last_seen_at, expires_at, ip, user_agent)
		VALUES ($1, $2, $3, $4, nullif($5, ''), $6, $7, $8, $8, $9, $10, $11)`,
		hashSecret(secret), sess.Ref, sess.RequestID, sess.Email, sess.LearnerID, learners, string(sess.Method), sess.CreatedAt, sess.ExpiresAt, ip, ua)
	if err != nil {
		return "", fmt.Errorf("create session: %w", err)
	}
	return secret, nil
}

// Get returns the live session for secret, sliding its idle expiry, or
// auth.ErrNoSession.
func (s Sessions) Get(ctx context.Context, secret string, now time.Time) (auth.Session, error) {
	var sess auth.Session
	var learner *string
	var method string
	var revoked *time.Time
	// The read models' epochs, and those of the learner's own rows, come in
	// the same round trip (see auth.Session).
	// As arrays, not a JSON object: every signed-in request decodes them.
	var readNames, learnerNames []string
	var readEpochs, learnerEpochs []int64
	err := s.Pool.QueryRow(ctx, `SELECT ref, request_id, email, learner_id, learner_ids, method, created_at, last_seen_at, expires_at, revoked_at,
		r.names, r.epochs, l.names, l.epochs
		FROM sessions,
		LATERAL (SELECT array_agg(name) AS names, array_agg(epoch) AS epochs FROM read_model_epochs) r,
		LATERAL (SELECT array_agg(name) AS names, array_agg(epoch) AS epochs FROM read_model_learner_epochs e WHERE e.learner_id = sessions.learner_id) l
		WHERE id_hash = $1`,
		hashSecret(secret)).Scan(&sess.Ref, &sess.RequestID, &sess.Email, &learner, &sess.LearnerIDs, &method, &sess.CreatedAt, &sess.LastSeenAt, &sess.ExpiresAt, &revoked,
		&readNames, &readEpochs, &learnerNames, &learnerEpochs)
	if errors.Is(err, pgx.ErrNoRows) {
		return auth.Session{}, auth.ErrNoSession
	}
	if err != nil {
		return auth.Session{}, fmt.Errorf("load session: %w", err)
	}
	if revoked != nil || !now.Before(sess.ExpiresAt) || !now.Before(sess.LastSeenAt.Add(auth.IdleTimeout)) {
		return auth.Session{}, auth.ErrNoSession
	}
	if learner != nil {
		sess.LearnerID = *learner
	}
	sess.ReadEpochs, sess.LearnerEpochs = epochs(readNames, readEpochs), epochs(learnerNames, learnerEpochs)
	sess.Method = signin.Method(method)
	if now.Sub(sess.LastSeenAt) >= touchEvery {
		if _, err := s.Pool.Exec(ctx, `UPDATE sessions SET last_seen_at = $2 WHERE id_hash = $1`, hashSecret(secret), now); err != nil {
			return auth.Session{}, fmt.Errorf("touch session: %w", err)
		}
		sess.LastSeenAt = now
	}
	return sess, nil
}

// epochs pairs the names and epochs of one array_agg each (same order).
func epochs(names []string, values []int64) map[string]int64 {
	m := make(map[string]int64, len(names))
	for i, name := range names {
		if i < len(values) {
			m[name] = values[i]
		}
	}
	return m
}

// SetLearner binds the session to the chosen learner, one of those its
// sign-in proved.
func (s Sessions) SetLearner(ctx context.Context, ref, learnerID string) error {
	_, err := s.Pool.Exec(ctx, `UPDATE sessions SET learner_id = $2 WHERE ref = $1 AND revoked_at IS NULL AND $2 = ANY(learner_ids)`, ref, learnerID)
	if err != nil {
		return fmt.Errorf("set session learner: %w", err)
	}
	return nil
}

// Revoke ends a session.
func (s Sessions) Revoke(ctx context.Context, ref string, now time.Time) error {
	_, err := s.Pool.Exec(ctx, `UPDATE sessions SET revoked_at = $2 WHERE ref = $1 AND revoked_at IS NULL`, ref, now)
	return err
}

// OfLearner lists the live sessions of email that may act as learnerID,
// most recently used first.
func (s Sessions) OfLearner(ctx context.Context, email, learnerID string, now time.Time) ([]auth.Device, error) {
	rows, err := s.Pool.Query(ctx, `SELECT ref, request_id, method, created_at, last_seen_at, user_agent FROM sessions
		WHERE email = $1 AND $2 = ANY(learner_ids) AND revoked_at IS NULL AND expires_at > $3 AND last_seen_at > $4
		ORDER BY last_seen_at DESC, created_at DESC, ref`, email, learnerID, now, now.Add(-auth.IdleTimeout))
	if err != nil {
		return nil, fmt.Errorf("sessions of %s: %w", learnerID, err)
	}
	devices, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (auth.Device, error) {
		var d auth.Device
		var method string
		err := r.Scan(&d.Ref, &d.RequestID, &method, &d.CreatedAt, &d.LastSeenAt, &d.UserAgent)
		d.Method = signin.Method(method)
		return d, err
	})
	if err != nil {
		return nil, fmt.Errorf("sessions of %s: %w", learnerID, err)
	}
	return devices, nil
}

// Prune deletes sessions that ended (revoked or expired) before cutoff.
func (s Sessions) Prune(ctx context.Context, cutoff time.Time) error {
	_, err := s.Pool.Exec(ctx, `DELETE FROM sessions WHERE coalesce(revoked_at, expires_at) < $1 OR last_seen_at < $1 - interval '30 days'`, cutoff)
	return err
}
