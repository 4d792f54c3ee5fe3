// Package domaintest runs domain rules as Given/When/Then scenarios, the way
// go-eventually's scenario package does: given the events already in a
// stream, when a command runs on the aggregate they fold into, then exactly
// these events are decided (the whole slice is compared), or this error.
//
//	domaintest.For(t, &staff.Grants{}).
//		Given(granted).
//		When(func(g *staff.Grants) ([]domain.Event, error) { return staff.Revoke(g, "g1", now) }).
//		Then(staff.RoleRevoked{GrantID: "g1", PartnerID: "northwind", At: now})
package domaintest

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"github.com/awareportal/portal/domain"
)

// Aggregate folds events into state.
type Aggregate interface {
	Apply(domain.Event)
}

// Scenario is one Given/When/Then case.
type Scenario[A Aggregate] struct {
	t      testing.TB
	agg    A
	when   func(A) ([]domain.Event, error)
	called bool
}

// For starts a scenario on a fresh aggregate.
func For[A Aggregate](t testing.TB, fresh A) *Scenario[A] {
	t.Helper()
	return &Scenario[A]{t: t, agg: fresh}
}

// Given folds the stream's past events into the aggregate.
func (s *Scenario[A]) Given(events ...domain.Event) *Scenario[A] {
	for _, e := range events {
		s.agg.Apply(e)
	}
	return s
}

// When is the command under test.
func (s *Scenario[A]) When(cmd func(A) ([]domain.Event, error)) *Scenario[A] {
	s.when = cmd
	return s
}

func (s *Scenario[A]) run() ([]domain.Event, error) {
	s.t.Helper()
	if s.when == nil {
		s.t.Fatal("domaintest: Then without When")
	}
	s.called = true
	return s.when(s.agg)
}

// Then expects success with exactly these events (none: nothing decided).
// It returns the aggregate with them applied, for a follow-up scenario.
func (s *Scenario[A]) Then(want ...domain.Event) A {
	s.t.Helper()
	got, err := s.run()
	if err != nil {
		s.t.Fatalf("want events %s, got error %v", show(want), err)
	}
	s.compare(got, want)
	for _, e := range got {
		s.agg.Apply(e)
	}
	return s.agg
}

// ThenError expects an error matching target (errors.Is), with exactly the
// events a recorded refusal carries (none for a plain refusal).
func (s *Scenario[A]) ThenError(target error, want ...domain.Event) A {
	s.t.Helper()
	got, err := s.run()
	if !errors.Is(err, target) {
		s.t.Fatalf("want error %v, got %v (events %s)", target, err, show(got))
	}
	s.compare(got, want)
	for _, e := range got {
		s.agg.Apply(e)
	}
	return s.agg
}

// ThenErrorAs expects an error of target's type (errors.As) and no events;
// check sees it.
func ThenErrorAs[E error, A Aggregate](s *Scenario[A], check func(E)) {
	s.t.Helper()
	got, err := s.run()
	var target E
	if !errors.As(err, &target) {
		s.t.Fatalf("want a %T, got %v (events %s)", target, err, show(got))
	}
	s.compare(got, nil)
	if check != nil {
		check(target)
	}
}

func (s *Scenario[A]) compare(got, want []domain.Event) {
	s.t.Helper()
	if len(got) == 0 && len(want) == 0 {
		return
	}
	if !reflect.DeepEqual(got, want) {
		s.t.Fatalf("events differ\n got: %s\nwant: %s", show(got), show(want))
	}
}

// show writes events as name + JSON, which is what gets stored.
func show(events []domain.Event) string {
	if len(events) == 0 {
		return "(none)"
	}
	out := ""
	for _, e := range events {
		b, _ := json.Marshal(e)
		out += "\n  " + e.EventName() + " " + string(b)
	}
	return out
}
