// Package phishing runs phishing-simulation results: ingestion from the
// partner's simulation platform (the admin API) and the learner's phishing
// panel on My Stats.
//
// Ingestion decides per learner, on the learner's phishing stream
// (domain/phishing): the stream knows each campaign's last recorded
// outcome, so the same results sent twice record nothing, and a result
// with more outcomes records the merged outcome. Every learner's results
// are decided before any is stored, so a refusal stores nothing; each
// learner's new events are appended in one append.
package phishing

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/awareportal/portal/domain"
	dom "github.com/awareportal/portal/domain/phishing"
	"github.com/awareportal/portal/internal/clock"
	"github.com/awareportal/portal/internal/eventstore"
	rm "github.com/awareportal/portal/projections/phishing"
)

// Window is how far back the compromise rates look.
const Window = 12 // months

// Service runs phishing-simulation results.
type Service struct {
	Repo     eventstore.Repository
	Phishing rm.Queries
	Clock    clock.Clock
	Log      *slog.Logger
	// Settle waits until read models reflect a write (read-your-writes).
	Settle func(context.Context, eventstore.Position) error
	// Workers is how many learners' streams an ingestion appends to at
	// once (default 8).
	Workers int
}

// Item is one checked result: whose (a learner of the client), and what
// happened.
type Item struct {
	LearnerID string // stored id
	Outcome   dom.Outcome
}

// Result is what an ingestion did.
type Result struct {
	Results   int `json:"results"`   // results received
	Learners  int `json:"learners"`  // learners they concern
	New       int `json:"new"`       // campaign results recorded for the first time
	Updated   int `json:"updated"`   // campaign results that changed (more outcomes)
	Unchanged int `json:"unchanged"` // results that changed nothing: nothing stored
}

// RefusedError is a learner's results the domain refused (nothing of the
// ingestion was stored).
type RefusedError struct {
	LearnerID string
	Err       error
}

func (e RefusedError) Error() string { return e.LearnerID + ": " + e.Err.Error() }
func (e RefusedError) Unwrap() error { return e.Err }

type batch struct {
	learnerID string
	items     []dom.Outcome
	known     map[string]bool // campaigns recorded before
	evs       []domain.Event
	pos       eventstore.Position
}

// Ingest records a client's checked results (every learner is the
// client's: the caller checked): per learner, one append of the campaigns
// whose outcome is new or changed.
func (s *Service) Ingest(ctx context.Context, clientID, partnerID string, items []Item, meta eventstore.Metadata) (Result, error) {
	res := Result{Results: len(items)}
	var batches []*batch
	index := map[string]*batch{}
	for _, it := range items {
		b := index[it.LearnerID]
		if b == nil {
			b = &batch{learnerID: it.LearnerID}
			index[it.LearnerID] = b
			batches = append(batches, b)
		}
		b.items = append(b.items, it.Outcome)
	}
	res.Learners = len(batches)
	now := s.Clock.Now()
	// Decide first, store nothing: a refusal of any learner's results
	// refuses the ingestion.
	if err := s.each(ctx, batches, func(b *batch) error {
		r := dom.NewResults()
		if _, err := s.Repo.Load(ctx, dom.Stream(b.learnerID), r); err != nil {
			return err
		}
		if _, err := dom.Record(r, b.learnerID, clientID, b.items, now); err != nil {
			return RefusedError{LearnerID: b.learnerID, Err: err}
		}
		return nil
	}); err != nil {
		return res, err
	}
	meta.TenantID = partnerID
	var mu sync.Mutex
	err := s.each(ctx, batches, func(b *batch) error {
		var known map[string]bool
		d, err := eventstore.Execute(ctx, s.Repo, dom.Stream(b.learnerID), meta, dom.NewResults, func(r *dom.Results) ([]domain.Event, error) {
			known = make(map[string]bool, len(r.Campaigns))
			for id := range r.Campaigns {
				known[id] = true
			}
			return dom.Record(r, b.learnerID, clientID, b.items, now)
		})
		if err != nil {
			return fmt.Errorf("record phishing results of %s: %w", b.learnerID, err)
		}
		mu.Lock()
		b.known, b.evs, b.pos = known, d.Events, d.Result.Position
		mu.Unlock()
		return nil
	})
	var last eventstore.Position
	for _, b := range batches {
		for _, e := range b.evs {
			if b.known[e.(dom.ResultRecorded).CampaignID] {
				res.Updated++
			} else {
				res.New++
			}
		}
		if len(b.evs) > 0 && last.Less(b.pos) {
			last = b.pos
		}
	}
	res.Unchanged = res.Results - res.New - res.Updated
	if err != nil {
		return res, err
	}
	if s.Settle != nil && last != (eventstore.Position{}) {
		if err := s.Settle(ctx, last); err != nil {
			s.Log.Warn("read models lagging", "err", err)
		}
	}
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

// Summary is a learner's phishing panel.
type Summary struct {
	Results []rm.Result // newest first
	// Received and Compromised count delivered simulations ever;
	// Reported those the learner reported.
	Received, Compromised, Reported int
	// Own is the learner's compromise rate over the last Window months;
	// Organisation the mean of everyone's at their client over the same
	// window.
	Own, Organisation rm.Rate
	Since             time.Time
}

// Summary is the learner's phishing results and rates.
func (s *Service) Summary(ctx context.Context, learnerID, clientID string) (Summary, error) {
	list, err := s.Phishing.Results(ctx, learnerID)
	if err != nil {
		return Summary{}, err
	}
	since := s.Clock.Now().AddDate(0, -Window, 0)
	sum := Summary{Results: list, Since: since}
	for _, r := range list {
		if !r.Delivered {
			continue
		}
		sum.Received++
		if r.Compromised() {
			sum.Compromised++
		}
		if r.ReportedAt != nil {
			sum.Reported++
		}
		if !r.SentAt.Before(since) {
			sum.Own.Received++
			if r.Compromised() {
				sum.Own.Compromised++
			}
		}
	}
	if sum.Own.Received > 0 {
		sum.Own.Learners = 1
		sum.Own.Percent = float64(sum.Own.Compromised) * 100 / float64(sum.Own.Received)
	}
	if sum.Organisation, err = s.Phishing.ClientRate(ctx, clientID, since); err != nil {
		return Summary{}, err
	}
	return sum, nil
}
