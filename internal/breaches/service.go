// Package breaches runs Dark Web Monitoring for learners and partners:
// ingestion of public breach records (by email, from the admin API), the
// learner's Breaches page (list, Mark resolved, reopen), the partner's and
// clients' switches, and the branded notification email.
//
// Ingestion decides per learner, on the learner's breach stream
// (domain/breach): a record is new unless its source id is already there,
// so the same records sent twice, or by two imports at once, are stored
// once. Each learner with something new gets one event per ingestion,
// whose mail id is derived from the learner and the new breach ids, and
// the notification email is queued under that id after the event is
// stored: parallel identical imports store one event (the others meet the
// stored ids and record nothing) and queue one email. If the process dies
// in between, the sweep finds the event whose mail is not queued (the
// breaches read model) and queues it under the same id.
package breaches

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/google/uuid"

	"github.com/awareportal/portal/domain"
	dom "github.com/awareportal/portal/domain/breach"
	"github.com/awareportal/portal/domain/mailing"
	"github.com/awareportal/portal/internal/auth"
	"github.com/awareportal/portal/internal/clock"
	"github.com/awareportal/portal/internal/eventstore"
	"github.com/awareportal/portal/internal/mail"
	rm "github.com/awareportal/portal/projections/breaches"
	"github.com/awareportal/portal/projections/directory"
)

// ErrNotFound is a breach the learner has none of, or a learner whose
// Breaches page does not exist (monitoring off): shown as not found.
var ErrNotFound = errors.New("not found")

// Mailer queues an email (mail.Queue).
type Mailer interface {
	Enqueue(ctx context.Context, mailID string, kind mailing.Kind, learnerID, cause string, m mail.Message, meta eventstore.Metadata) error
}

// Mail is a breach notification to render.
type Mail struct {
	Learner  directory.Learner
	Partner  directory.Partner
	Breaches []dom.Breach // the new ones, most serious first
	Link     string       // to the Breaches page (a 7-day training link, or the sign-in page)
	SignsIn  bool         // Link signs the learner in
	BaseURL  string
}

// Service runs Dark Web Monitoring.
type Service struct {
	Repo     eventstore.Repository
	Dir      directory.Queries
	Breaches rm.Queries
	Mail     Mailer
	Render   func(context.Context, Mail) (mail.Message, error)
	Clock    clock.Clock
	BaseURL  *url.URL
	Log      *slog.Logger
	// Settle waits until read models reflect a write (read-your-writes).
	Settle func(context.Context, eventstore.Position) error
	// Workers is how many learners' streams an ingestion appends to at
	// once (default 8).
	Workers int
}

// namespace for notification mail ids (idempotent retries).
var namespace = uuid.MustParse("9a2e6c41-3b7d-4f08-8e15-d2c7a9b04f63")

// MailID is the id of a learner's notification of these new breaches
// (sorted ids).
func MailID(learnerID string, breachIDs []string) string {
	return uuid.NewSHA1(namespace, []byte("breach-notification/"+learnerID+"/"+strings.Join(breachIDs, "\x00"))).String()
}

func (s *Service) settle(ctx context.Context, pos eventstore.Position) {
	if s.Settle == nil || pos == (eventstore.Position{}) {
		return
	}
	if err := s.Settle(ctx, pos); err != nil {
		s.Log.Warn("read models lagging", "err", err)
	}
}

// Enabled says whether the learner has Dark Web Monitoring (the partner's
// and the client's switch both on): the Breaches page exists, the My
// Stats callout shows, notifications are sent.
func (s *Service) Enabled(ctx context.Context, l directory.Learner) (bool, error) {
	return s.Breaches.Enabled(ctx, l.PartnerID, l.ClientID)
}

// List is the learner's breaches, active first, by tier, newest first;
// ErrNotFound when monitoring is off for them.
func (s *Service) List(ctx context.Context, l directory.Learner) ([]rm.Exposure, rm.Counts, error) {
	if err := s.enabled(ctx, l); err != nil {
		return nil, rm.Counts{}, err
	}
	list, err := s.Breaches.Exposures(ctx, l.ID)
	if err != nil {
		return nil, rm.Counts{}, err
	}
	var c rm.Counts
	for _, e := range list {
		if e.Active() {
			c.Active++
			if e.Tier == string(dom.TierPassword) {
				c.ActivePassword++
			}
		}
	}
	return list, c, nil
}

// Counts are the learner's active breaches; zero when monitoring is off.
func (s *Service) Counts(ctx context.Context, l directory.Learner) (rm.Counts, bool, error) {
	on, err := s.Enabled(ctx, l)
	if err != nil || !on {
		return rm.Counts{}, false, err
	}
	c, err := s.Breaches.Counts(ctx, l.ID)
	return c, true, err
}

func (s *Service) enabled(ctx context.Context, l directory.Learner) error {
	on, err := s.Enabled(ctx, l)
	if err != nil {
		return err
	}
	if !on {
		return ErrNotFound
	}
	return nil
}

// Resolve marks one of the learner's breaches resolved with an optional
// note (at most dom.MaxNote characters: a tenancy.FieldError on "note"
// otherwise) and returns it as it now stands, with the learner's counts.
func (s *Service) Resolve(ctx context.Context, l directory.Learner, breachID, note string, meta eventstore.Metadata) (rm.Exposure, rm.Counts, error) {
	return s.change(ctx, l, breachID, meta, func(x *dom.Exposures) ([]domain.Event, error) {
		return dom.Resolve(x, breachID, note, s.Clock.Now())
	})
}

// Reopen takes a resolved breach back to active.
func (s *Service) Reopen(ctx context.Context, l directory.Learner, breachID string, meta eventstore.Metadata) (rm.Exposure, rm.Counts, error) {
	return s.change(ctx, l, breachID, meta, func(x *dom.Exposures) ([]domain.Event, error) {
		return dom.Reopen(x, breachID, s.Clock.Now())
	})
}

func (s *Service) change(ctx context.Context, l directory.Learner, breachID string, meta eventstore.Metadata, decide func(*dom.Exposures) ([]domain.Event, error)) (rm.Exposure, rm.Counts, error) {
	if err := s.enabled(ctx, l); err != nil {
		return rm.Exposure{}, rm.Counts{}, err
	}
	if breachID == "" || len(breachID) > dom.MaxID {
		return rm.Exposure{}, rm.Counts{}, ErrNotFound
	}
	meta.TenantID = l.PartnerID
	d, err := eventstore.Execute(ctx, s.Repo, dom.Stream(l.ID), meta, dom.NewExposures, decide)
	if errors.Is(err, dom.ErrNotFound) {
		return rm.Exposure{}, rm.Counts{}, ErrNotFound
	}
	if err != nil {
		return rm.Exposure{}, rm.Counts{}, err
	}
	s.settle(ctx, d.Result.Position)
	e, err := s.Breaches.Exposure(ctx, l.ID, breachID)
	if errors.Is(err, rm.ErrNotFound) {
		return rm.Exposure{}, rm.Counts{}, ErrNotFound
	}
	if err != nil {
		return rm.Exposure{}, rm.Counts{}, err
	}
	c, err := s.Breaches.Counts(ctx, l.ID)
	return e, c, err
}

// Item is one checked record: whose email, and the breach.
type Item struct {
	Email  string // normalised
	Breach dom.Breach
}

// Result is what an ingestion did.
type Result struct {
	Records       int `json:"records"`        // records received
	Learners      int `json:"learners"`       // learners the records matched
	New           int `json:"new"`            // breaches recorded for the first time
	Known         int `json:"known"`          // records already known (or repeated): nothing stored
	UnknownEmails int `json:"unknown_emails"` // records whose email is no learner at the client: not stored
	Notified      int `json:"notified"`       // learners a notification email was queued for
}

// RefusedError is a learner's records the domain refused (nothing of the
// ingestion was stored).
type RefusedError struct {
	Email string
	Err   error
}

func (e RefusedError) Error() string { return e.Email + ": " + e.Err.Error() }
func (e RefusedError) Unwrap() error { return e.Err }

type batch struct {
	learner directory.Learner
	items   []dom.Breach
	// after the append
	ev  *dom.ExposuresRecorded
	pos eventstore.Position
}

// Ingest records a client's checked breach records: per learner (by
// email, at this client), the breaches new to them, as one event; then
// one notification email per learner who got something new, when
// monitoring is on. Records of emails that are no learner here are
// counted, not stored. Every learner's records are decided before any is
// stored, so a refusal stores nothing.
func (s *Service) Ingest(ctx context.Context, client directory.Client, items []Item, meta eventstore.Metadata) (Result, error) {
	res := Result{Records: len(items)}
	learners, err := s.Dir.LearnersOfClient(ctx, client.ID)
	if err != nil {
		return res, err
	}
	byEmail := make(map[string]directory.Learner, len(learners))
	for _, l := range learners {
		byEmail[strings.ToLower(l.Email)] = l
	}
	var batches []*batch
	index := map[string]*batch{}
	for _, it := range items {
		l, ok := byEmail[it.Email]
		if !ok {
			res.UnknownEmails++
			continue
		}
		b := index[l.ID]
		if b == nil {
			b = &batch{learner: l}
			index[l.ID] = b
			batches = append(batches, b)
		}
		b.items = append(b.items, it.Breach)
	}
	res.Learners = len(batches)
	notify, err := s.Breaches.Enabled(ctx, client.PartnerID, client.ID)
	if err != nil {
		return res, err
	}
	input := func(b *batch) dom.RecordInput {
		in := dom.RecordInput{LearnerID: b.learner.ID, ClientID: client.ID, Breaches: b.items}
		if notify {
			in.MailID = func(ids []string) string { return MailID(b.learner.ID, ids) }
		}
		return in
	}
	now := s.Clock.Now()
	// Decide first, store nothing: a refusal of any learner's records
	// refuses the ingestion.
	if err := s.each(ctx, batches, func(b *batch) error {
		x := dom.NewExposures()
		if _, err := s.Repo.Load(ctx, dom.Stream(b.learner.ID), x); err != nil {
			return err
		}
		if _, err := dom.Record(x, input(b), now); err != nil {
			return RefusedError{Email: b.learner.Email, Err: err}
		}
		return nil
	}); err != nil {
		return res, err
	}
	meta.TenantID = client.PartnerID
	err = s.each(ctx, batches, func(b *batch) error {
		d, err := eventstore.Execute(ctx, s.Repo, dom.Stream(b.learner.ID), meta, dom.NewExposures, func(x *dom.Exposures) ([]domain.Event, error) {
			return dom.Record(x, input(b), now)
		})
		if err != nil {
			return fmt.Errorf("record breaches of %s: %w", b.learner.ID, err)
		}
		if len(d.Events) == 1 {
			ev := d.Events[0].(dom.ExposuresRecorded)
			b.ev, b.pos = &ev, d.Result.Position
		}
		return nil
	})
	var last eventstore.Position
	for _, b := range batches {
		if b.ev == nil {
			res.Known += len(b.items)
			continue
		}
		res.New += len(b.ev.Breaches)
		res.Known += len(b.items) - len(b.ev.Breaches)
		if last.Less(b.pos) {
			last = b.pos
		}
	}
	if err != nil {
		return res, err
	}
	// The events are stored: now the emails, each under its event's mail id.
	var partner directory.Partner
	if notify {
		if partner, err = s.Dir.Partner(ctx, client.PartnerID); err != nil {
			s.Log.Error("load partner for breach notifications (the sweep retries)", "partner", client.PartnerID, "err", err)
			notify = false
		}
	}
	var mailed []*batch
	for _, b := range batches {
		if notify && b.ev != nil && b.ev.MailID != "" {
			mailed = append(mailed, b)
		}
	}
	var mu sync.Mutex
	_ = s.each(ctx, mailed, func(b *batch) error {
		if err := s.send(ctx, b.learner, partner, *b.ev, meta); err != nil {
			s.Log.Error("queue breach notification (the sweep retries)", "mail", b.ev.MailID, "err", err)
			return nil
		}
		mu.Lock()
		res.Notified++
		mu.Unlock()
		return nil
	})
	s.settle(ctx, last)
	return res, nil
}

// each runs f for every batch on up to Workers goroutines (8 when unset)
// and returns the first error; after one, no further batch starts.
func (s *Service) each(ctx context.Context, batches []*batch, f func(*batch) error) error {
	workers := s.Workers
	if workers <= 0 {
		workers = 8
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(workers)
	for _, b := range batches {
		if gctx.Err() != nil {
			break
		}
		g.Go(func() error { return f(b) })
	}
	return g.Wait()
}

// send renders the notification (new breaches, most serious first, and a
// link to the Breaches page) and queues it under the event's mail id (a
// second time queues nothing).
func (s *Service) send(ctx context.Context, l directory.Learner, partner directory.Partner, ev dom.ExposuresRecorded, meta eventstore.Metadata) error {
	link, signsIn, err := auth.IssueBreachesLink(ctx, s.Repo, s.BaseURL, meta, l, partner.Slug, s.Clock.Now())
	if err != nil {
		return err
	}
	list := append([]dom.Breach(nil), ev.Breaches...)
	sortBreaches(list)
	msg, err := s.Render(ctx, Mail{Learner: l, Partner: partner, Breaches: list, Link: link, SignsIn: signsIn, BaseURL: s.BaseURL.String()})
	if err != nil {
		return fmt.Errorf("render breach notification: %w", err)
	}
	return s.Mail.Enqueue(ctx, ev.MailID, mailing.KindBreachNotification, l.ID, dom.Stream(l.ID), msg, meta)
}

// sortBreaches orders breaches most serious first, then newest first.
func sortBreaches(list []dom.Breach) {
	slices.SortStableFunc(list, func(a, b dom.Breach) int {
		if a.Tier.Rank() != b.Tier.Rank() {
			return a.Tier.Rank() - b.Tier.Rank()
		}
		return b.BreachDate.Compare(a.BreachDate)
	})
}

// Sweep queues the notification emails of ingestions in the last 7 days
// whose email is not queued a minute later (a process died in between),
// while monitoring is still on for the learner. The mail id is the
// event's, so one queued meanwhile is not sent twice.
func (s *Service) Sweep(ctx context.Context) (int, error) {
	now := s.Clock.Now()
	list, err := s.Breaches.Unqueued(ctx, now.Add(-7*24*time.Hour), now.Add(-time.Minute), 200)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, u := range list {
		x := dom.NewExposures()
		if _, err := s.Repo.Load(ctx, dom.Stream(u.LearnerID), x); err != nil {
			return n, fmt.Errorf("load breaches: %w", err)
		}
		ev, ok := x.Mailed[u.MailID]
		if !ok {
			continue
		}
		l, err := s.Dir.Learner(ctx, u.LearnerID)
		if err != nil {
			return n, err
		}
		if on, err := s.Enabled(ctx, l); err != nil || !on || !l.PortalEnabled {
			continue // monitoring (or the portal) is off: no email
		}
		partner, err := s.Dir.Partner(ctx, l.PartnerID)
		if err != nil {
			return n, err
		}
		meta := eventstore.Metadata{ActorID: "system:breach-sweep", TenantID: l.PartnerID}
		if err := s.send(ctx, l, partner, ev, meta); err != nil {
			s.Log.Error("queue breach notification", "mail", u.MailID, "err", err)
			continue
		}
		n++
	}
	return n, nil
}

// Switches are a partner's switches.
func (s *Service) Switches(ctx context.Context, partnerID string) (rm.Switches, error) {
	return s.Breaches.Switches(ctx, partnerID)
}

// SwitchPartner sets the partner's master switch.
func (s *Service) SwitchPartner(ctx context.Context, partnerID string, enabled bool, meta eventstore.Metadata) error {
	return s.switchOn(ctx, partnerID, meta, func(m *dom.Monitoring) ([]domain.Event, error) {
		return dom.SwitchPartner(m, partnerID, enabled, s.Clock.Now())
	})
}

// SwitchClient sets a client's switch (client: its stored id).
func (s *Service) SwitchClient(ctx context.Context, partnerID, clientID string, enabled bool, meta eventstore.Metadata) error {
	return s.switchOn(ctx, partnerID, meta, func(m *dom.Monitoring) ([]domain.Event, error) {
		return dom.SwitchClient(m, partnerID, clientID, enabled, s.Clock.Now())
	})
}

func (s *Service) switchOn(ctx context.Context, partnerID string, meta eventstore.Metadata, decide func(*dom.Monitoring) ([]domain.Event, error)) error {
	meta.TenantID = partnerID
	d, err := eventstore.Execute(ctx, s.Repo, dom.MonitoringStream(partnerID), meta, func() *dom.Monitoring { return &dom.Monitoring{} }, decide)
	if err != nil {
		return err
	}
	s.settle(ctx, d.Result.Position)
	return nil
}
