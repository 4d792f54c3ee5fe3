package auth

import (
	"context"
	"errors"
	"fmt"

	"github.com/awareportal/portal/domain"
	"github.com/awareportal/portal/domain/signin"
	"github.com/awareportal/portal/internal/eventstore"
	"github.com/awareportal/portal/internal/useragent"
)

// ErrNoSuchDevice means a session ref names none of the sessions the
// person may see or end (someone else's, an ended one, a made-up one, or
// the session asking: that one signs out instead).
var ErrNoSuchDevice = errors.New("no such signed-in device")

// Devices lists the live sessions a learner's session may see and end:
// those of the same verified email whose sign-in proved this learner, so
// could act as them (this one among them). Sessions belong to the email
// identity, but only where it was proven: an email link proves the mailbox
// and so every learner of that email, a Microsoft or Google sign-in only
// the learners its token vouched for. A learner at two partners therefore
// sees, as each learner, the sessions that could act as that learner, and
// never a session proven only for the other partner's learner, nor anyone
// else's (docs/security.md).
func (s *Service) Devices(ctx context.Context, sess Session) ([]Device, error) {
	if sess.LearnerID == "" {
		return nil, ErrNoSuchDevice
	}
	return s.Sessions.OfLearner(ctx, sess.Email, sess.LearnerID, s.Clock.Now())
}

// EndSession ends another of the person's sessions (one Devices lists)
// at once, on the server, and records signin.session_ended.v1 on its
// sign-in stream. It returns what was ended.
func (s *Service) EndSession(ctx context.Context, sess Session, ref string, meta eventstore.Metadata) (Device, error) {
	if ref == sess.Ref {
		return Device{}, ErrNoSuchDevice
	}
	devices, err := s.Devices(ctx, sess)
	if err != nil {
		return Device{}, err
	}
	for _, d := range devices {
		if d.Ref == ref {
			return d, s.end(ctx, sess, d, meta)
		}
	}
	return Device{}, ErrNoSuchDevice
}

// EndOtherSessions ends every session Devices lists but this one ("Sign
// out everywhere else") and returns how many it ended.
func (s *Service) EndOtherSessions(ctx context.Context, sess Session, meta eventstore.Metadata) (int, error) {
	devices, err := s.Devices(ctx, sess)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, d := range devices {
		if d.Ref == sess.Ref {
			continue
		}
		if err := s.end(ctx, sess, d, meta); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// end revokes a session first (the next request with its cookie, on any
// process, is signed out), then records why, as signing out does: a
// crash between the two leaves the session ended without its event, never
// an event for a session still live.
func (s *Service) end(ctx context.Context, by Session, d Device, meta eventstore.Metadata) error {
	now := s.Clock.Now()
	if err := s.Sessions.Revoke(ctx, d.Ref, now); err != nil {
		return fmt.Errorf("end session %s: %w", d.Ref, err)
	}
	device := clip(useragent.Summary(d.UserAgent), signin.MaxDeviceLen)
	_, err := eventstore.Execute(ctx, s.Repo, signin.Stream(d.RequestID), meta, func() *signin.Request { return &signin.Request{} },
		func(r *signin.Request) ([]domain.Event, error) { return r.EndSession(d.Ref, by.Ref, device, now) })
	if err != nil {
		return fmt.Errorf("end session %s: %w", d.Ref, err)
	}
	s.Log.Info("session ended from another", "session", d.Ref, "by", by.Ref)
	return nil
}

// clip shortens s to at most n bytes, on a rune boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}
