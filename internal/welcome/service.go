// Package welcome runs a new learner's first steps: the branded welcome
// email with a 7-day training link, and the onboarding sequence that gates
// every learner page until they are through it (domain/onboarding).
package welcome

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"time"

	"github.com/google/uuid"

	"github.com/awareportal/portal/domain"
	"github.com/awareportal/portal/domain/mailing"
	ob "github.com/awareportal/portal/domain/onboarding"
	"github.com/awareportal/portal/internal/auth"
	"github.com/awareportal/portal/internal/clock"
	"github.com/awareportal/portal/internal/eventstore"
	"github.com/awareportal/portal/internal/mail"
	"github.com/awareportal/portal/internal/media"
	"github.com/awareportal/portal/projections/directory"
	"github.com/awareportal/portal/projections/gate"
)

var (
	// ErrNoStep is a step the learner's sequence does not have.
	ErrNoStep = errors.New("no such onboarding step")
	// ErrThrough means the learner has finished onboarding.
	ErrThrough = errors.New("onboarding finished")
)

// AheadError is a step past the learner's next one; Next is where they are.
type AheadError struct{ Next int }

func (e AheadError) Error() string { return fmt.Sprintf("onboarding: step %d comes first", e.Next) }

// Mailer queues an email (mail.Queue).
type Mailer interface {
	Enqueue(ctx context.Context, mailID string, kind mailing.Kind, learnerID, cause string, m mail.Message, meta eventstore.Metadata) error
}

// Mail is a welcome email to render.
type Mail struct {
	Learner directory.Learner
	Partner directory.Partner
	Link    string
	// SignsIn: Link signs the learner in for 7 days. Otherwise it is the
	// sign-in page (their organisation signs them in with Microsoft or
	// Google only).
	SignsIn bool
	BaseURL string
}

// Service runs welcome emails and onboarding.
type Service struct {
	Repo    eventstore.Repository
	Gate    gate.Queries
	Dir     directory.Queries
	Files   media.Store
	Mail    Mailer
	Render  func(context.Context, Mail) (mail.Message, error)
	Clock   clock.Clock
	BaseURL *url.URL
	Log     *slog.Logger
	// Settle waits until read models reflect a write (read-your-writes).
	Settle func(context.Context, eventstore.Position) error
}

// namespace for ids derived from learner ids (idempotent retries).
var namespace = uuid.MustParse("6a0f4c1e-2f55-4d7e-9b1a-3c8e5d7f9a20")

// Pending says whether the learner must go through onboarding before
// anything else: one primary-key lookup.
func (s *Service) Pending(ctx context.Context, learnerID string) (bool, error) {
	st, err := s.Gate.Of(ctx, learnerID)
	return st.Pending(), err
}

// Card is one step of a learner's onboarding.
type Card struct {
	Module  ob.Module
	Step    int
	Total   int
	Done    bool // completed already (the learner went back)
	Details ob.Details
	// VideoLeft is how much of a video must still pass before Next counts.
	VideoLeft time.Duration
}

// Next is the learner's next step, or ErrThrough.
func (s *Service) Next(ctx context.Context, l directory.Learner) (int, error) {
	seq, p, err := s.load(ctx, l)
	if err != nil {
		return 0, err
	}
	if _, step, pending := p.Next(seq); pending {
		return step, nil
	}
	return 0, ErrThrough
}

// Card shows a step of the learner's sequence: their next one or one they
// did (Back); a step past the next one is an AheadError. Opening a video
// starts its clock.
func (s *Service) Card(ctx context.Context, l directory.Learner, step int, meta eventstore.Metadata) (Card, error) {
	cfg, seq, p, err := s.loadAll(ctx, l)
	if err != nil {
		return Card{}, err
	}
	_, next, pending := p.Next(seq)
	switch {
	case !pending:
		return Card{}, ErrThrough
	case step < 1 || step > len(seq):
		return Card{}, ErrNoStep
	case step > next:
		return Card{}, AheadError{Next: next}
	}
	m := seq[step-1]
	c := Card{Module: m, Step: step, Total: len(seq), Done: step < next, Details: cfg.Details[l.ClientID]}
	if m.Kind == ob.KindVideo && !c.Done {
		opened, seen := p.Opened[m.ID]
		if !seen {
			opened = s.Clock.Now()
			meta.TenantID = l.PartnerID
			if _, err := s.Repo.Append(ctx, ob.ProgressStream(l.ID), eventstore.Any, meta, ob.Open(p, l.ID, m, opened)...); err != nil {
				return Card{}, err
			}
		}
		c.VideoLeft = max(m.Media.Duration-s.Clock.Now().Sub(opened)-ob.VideoSlack, 0)
	}
	return c, nil
}

// Complete finishes the learner's step (the card they saw: moduleID) and
// returns their next step (0 when they are through). Only the next step can
// be completed; a card the partner has since moved or removed is not it.
func (s *Service) Complete(ctx context.Context, l directory.Learner, step int, moduleID string, acknowledged bool, meta eventstore.Metadata) (int, error) {
	seq, _, err := s.load(ctx, l)
	if err != nil {
		return 0, err
	}
	if step < 1 || step > len(seq) {
		return 0, ErrNoStep
	}
	if seq[step-1].ID != moduleID {
		return 0, fmt.Errorf("step %d is no longer %q: %w", step, moduleID, ob.ErrNotNext)
	}
	meta.TenantID = l.PartnerID
	var progress *ob.Progress // as decided on: the next step follows from it
	d, err := eventstore.Execute(ctx, s.Repo, ob.ProgressStream(l.ID), meta, ob.NewProgress, func(p *ob.Progress) ([]domain.Event, error) {
		progress = p
		return ob.Complete(p, l.ID, seq, seq[step-1].ID, acknowledged, s.Clock.Now())
	})
	if err != nil {
		return 0, err
	}
	if err := s.settle(ctx, d.Result.Position); err != nil {
		return 0, err
	}
	for _, e := range d.Events {
		progress.Apply(e)
	}
	_, next, _ := progress.Next(seq) // 0 when through
	return next, nil
}

// Media is a module's file, when the module is in the learner's sequence.
func (s *Service) Media(ctx context.Context, l directory.Learner, moduleID string) (ob.Media, error) {
	seq, _, err := s.load(ctx, l)
	if err != nil {
		return ob.Media{}, err
	}
	for _, m := range seq {
		if m.ID == moduleID && m.Media != nil {
			return *m.Media, nil
		}
	}
	return ob.Media{}, media.ErrNotFound
}

// OpenMedia reads length bytes of a file from off.
func (s *Service) OpenMedia(ctx context.Context, m ob.Media, off, length int64) io.Reader {
	return s.Files.Open(ctx, m, off, length)
}

func (s *Service) load(ctx context.Context, l directory.Learner) ([]ob.Module, *ob.Progress, error) {
	_, seq, p, err := s.loadAll(ctx, l)
	return seq, p, err
}

func (s *Service) loadAll(ctx context.Context, l directory.Learner) (*ob.Config, []ob.Module, *ob.Progress, error) {
	cfg := ob.NewConfig()
	if _, err := s.Repo.Load(ctx, ob.ConfigStream(l.PartnerID), cfg); err != nil {
		return nil, nil, nil, fmt.Errorf("load onboarding of %s: %w", l.PartnerID, err)
	}
	p := ob.NewProgress()
	if _, err := s.Repo.Load(ctx, ob.ProgressStream(l.ID), p); err != nil {
		return nil, nil, nil, fmt.Errorf("load onboarding progress: %w", err)
	}
	return cfg, cfg.SequenceOf(l.ClientID), p, nil
}

func (s *Service) settle(ctx context.Context, pos eventstore.Position) error {
	if s.Settle == nil || pos == (eventstore.Position{}) {
		return nil
	}
	return s.Settle(ctx, pos)
}

// Welcome queues the learner's one welcome email (call it for a learner
// provisioned with Welcome, whose client's portal is on) and records it. Safe to
// repeat and to run in parallel: the mail id is derived from the learner,
// so a retry after a crash queues nothing twice. It says whether it queued.
func (s *Service) Welcome(ctx context.Context, learnerID string) (bool, error) {
	p := ob.NewProgress()
	if _, err := s.Repo.Load(ctx, ob.ProgressStream(learnerID), p); err != nil {
		return false, fmt.Errorf("load onboarding progress: %w", err)
	}
	if p.WelcomeID != "" {
		return false, nil
	}
	l, err := s.Dir.Learner(ctx, learnerID)
	if err != nil {
		return false, fmt.Errorf("welcome %s: %w", learnerID, err)
	}
	if !l.PortalEnabled {
		return false, nil
	}
	partner, err := s.Dir.Partner(ctx, l.PartnerID)
	if err != nil {
		return false, err
	}
	meta := eventstore.Metadata{ActorID: "system:welcome", TenantID: l.PartnerID}
	link, signsIn, err := auth.TrainingLink(ctx, s.Repo, s.BaseURL, meta, l, partner.Slug, "", s.Clock.Now())
	if err != nil {
		return false, err
	}
	msg, err := s.Render(ctx, Mail{Learner: l, Partner: partner, Link: link, SignsIn: signsIn, BaseURL: s.BaseURL.String()})
	if err != nil {
		return false, fmt.Errorf("render welcome email: %w", err)
	}
	mailID := uuid.NewSHA1(namespace, []byte("welcome/"+l.ID)).String()
	if err := s.Mail.Enqueue(ctx, mailID, mailing.KindWelcome, l.ID, ob.ProgressStream(l.ID), msg, meta); err != nil {
		return false, err
	}
	d, err := eventstore.Execute(ctx, s.Repo, ob.ProgressStream(l.ID), meta, ob.NewProgress, func(p *ob.Progress) ([]domain.Event, error) {
		return ob.QueueWelcome(p, l.ID, mailID, s.Clock.Now()), nil
	})
	return len(d.Events) > 0, err
}

// Sweep queues the welcome emails that are due and not queued yet (a
// learner created while a process died before queuing theirs).
func (s *Service) Sweep(ctx context.Context) (int, error) {
	due, err := s.Gate.WelcomeDue(ctx, 200)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, d := range due {
		queued, err := s.Welcome(ctx, d.LearnerID)
		if err != nil {
			return n, err
		}
		if queued {
			n++
		}
	}
	return n, nil
}
