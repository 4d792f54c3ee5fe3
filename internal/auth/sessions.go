package auth

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"time"

	"github.com/google/uuid"

	"github.com/awareportal/portal/domain/signin"
)

const (
	// IdleTimeout ends a session nobody used for 30 days (sliding).
	IdleTimeout = 30 * 24 * time.Hour
	// AbsoluteTimeout ends every session 90 days after sign-in, however busy:
	// it bounds what a stolen cookie is worth and makes people prove they
	// still own the mailbox once a quarter, without nagging daily users.
	AbsoluteTimeout = 90 * 24 * time.Hour
)

// ErrNoSession means the cookie names no live session.
var ErrNoSession = errors.New("no live session")

// Session is a signed-in browser.
type Session struct {
	Ref       string // public id, safe for events and logs
	RequestID string
	Email     string
	LearnerID string // empty until an organisation is chosen
	// LearnerIDs are the learners the sign-in proved this session may act
	// as: one, or several to choose from (one email at several clients).
	LearnerIDs []string
	Method     signin.Method
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
	// ReadEpochs are the read models' epochs (by projection name) read with
	// the session, in the same statement (internal/readcache): rows cached
	// at these epochs are still what the read models hold.
	ReadEpochs map[string]int64
	// LearnerEpochs are the same for LearnerID's own rows (by projection
	// name), for read models that count them (read_model_learner_epochs).
	LearnerEpochs map[string]int64
}

// Sessions stores sessions server-side; only a hash of the secret is kept
// (pgauth.Sessions, in PostgreSQL).
type Sessions interface {
	// Create stores a new session and returns its secret for the cookie.
	Create(ctx context.Context, sess Session, ip, ua string) (string, error)
	// Get returns the live session for secret, sliding its idle expiry, or
	// ErrNoSession.
	Get(ctx context.Context, secret string, now time.Time) (Session, error)
	// SetLearner binds the session to the chosen learner, one of those its
	// sign-in proved.
	SetLearner(ctx context.Context, ref, learnerID string) error
	// Revoke ends a session.
	Revoke(ctx context.Context, ref string, now time.Time) error
	// OfLearner lists the live sessions of email that may act as
	// learnerID (their sign-in proved it), most recently used first.
	OfLearner(ctx context.Context, email, learnerID string, now time.Time) ([]Device, error)
	// Prune deletes sessions that ended (revoked or expired) before cutoff.
	Prune(ctx context.Context, cutoff time.Time) error
}

// Device is one live session as its owner sees it: how it signed in,
// when, when it was last used and from what browser. No secret, and no IP
// address (the page shows no place).
type Device struct {
	Ref        string // public id
	RequestID  string // the sign-in stream it came from
	Method     signin.Method
	CreatedAt  time.Time
	LastSeenAt time.Time
	UserAgent  string
}

// Session returns the live session for a cookie's secret, sliding its idle
// expiry, or ErrNoSession.
func (s *Service) Session(ctx context.Context, secret string, now time.Time) (Session, error) {
	return s.Sessions.Get(ctx, secret, now)
}

// NewSecret returns a 256-bit random secret (a session's, a sign-in link's).
func NewSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// newRef returns a public session id.
func newRef() string { return uuid.NewString() }
