// Package storetest is the contract every eventstore.Store adapter must
// pass. Adapters call Run from their own tests.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/awareportal/portal/internal/eventstore"
)

// Factory returns an empty store for one test.
type Factory func(t *testing.T) eventstore.Store

func ev(typ string, n int) eventstore.EventData {
	return eventstore.EventData{Type: typ, Data: []byte(fmt.Sprintf(`{"n":%d}`, n))}
}

// Run runs the contract suite.
func Run(t *testing.T, newStore Factory) {
	t.Run("append and read a stream", func(t *testing.T) {
		s := newStore(t)
		ctx := context.Background()
		id := uuid.New()
		meta := eventstore.Metadata{ActorID: "learner-1", TenantID: "client-1", CorrelationID: "corr", CausationID: "cause", RequestIP: "203.0.113.7", UserAgent: "UA/1"}
		first := eventstore.EventData{ID: id, Type: "test.created", Data: []byte(`{"name":"a"}`), Metadata: meta}
		res, err := s.Append(ctx, "thing-1", eventstore.NoStream, first, ev("test.renamed", 2))
		if err != nil {
			t.Fatalf("append: %v", err)
		}
		if res.NextVersion != 2 {
			t.Fatalf("next version = %d, want 2", res.NextVersion)
		}
		got, err := s.ReadStream(ctx, "thing-1", 1)
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		if len(got) != 2 {
			t.Fatalf("read %d events, want 2", len(got))
		}
		if got[0].ID != id || got[0].Type != "test.created" || got[0].Version != 1 || got[0].Stream != "thing-1" {
			t.Fatalf("first event = %+v", got[0])
		}
		if got[0].Metadata != meta {
			t.Fatalf("metadata = %+v, want %+v", got[0].Metadata, meta)
		}
		if string(got[0].Data) != `{"name": "a"}` && string(got[0].Data) != `{"name":"a"}` {
			t.Fatalf("data = %s", got[0].Data)
		}
		if got[1].ID == uuid.Nil || got[1].Version != 2 {
			t.Fatalf("second event = %+v", got[1])
		}
		if got[1].Position != res.Position {
			t.Fatalf("position of last event %s, append said %s", got[1].Position, res.Position)
		}
		if !got[0].Position.Less(got[1].Position) {
			t.Fatalf("positions not increasing: %s, %s", got[0].Position, got[1].Position)
		}
		if got[0].RecordedAt.IsZero() {
			t.Fatal("recorded_at not set")
		}
		tail, err := s.ReadStream(ctx, "thing-1", 2)
		if err != nil || len(tail) != 1 || tail[0].Version != 2 {
			t.Fatalf("read from version 2: %v %+v", err, tail)
		}
	})

	t.Run("missing stream is a typed error", func(t *testing.T) {
		s := newStore(t)
		_, err := s.ReadStream(context.Background(), "nope", 1)
		if !errors.Is(err, eventstore.ErrStreamNotFound) {
			t.Fatalf("err = %v, want ErrStreamNotFound", err)
		}
	})

	t.Run("expected version is enforced", func(t *testing.T) {
		s := newStore(t)
		ctx := context.Background()
		if _, err := s.Append(ctx, "s", eventstore.NoStream, ev("a", 1)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Append(ctx, "s", eventstore.NoStream, ev("a", 2)); !errors.Is(err, eventstore.ErrConcurrency) {
			t.Fatalf("NoStream on existing stream: err = %v", err)
		}
		if _, err := s.Append(ctx, "s", eventstore.Exactly(5), ev("a", 2)); !errors.Is(err, eventstore.ErrConcurrency) {
			t.Fatalf("wrong version: err = %v", err)
		}
		if _, err := s.Append(ctx, "s", eventstore.Exactly(1), ev("a", 2)); err != nil {
			t.Fatalf("right version: %v", err)
		}
		res, err := s.Append(ctx, "s", eventstore.Any, ev("a", 3))
		if err != nil || res.NextVersion != 3 {
			t.Fatalf("any: %v %+v", err, res)
		}
		if _, err := s.Append(ctx, "s", eventstore.Any); err == nil {
			t.Fatal("append of no events succeeded")
		}
		if _, err := s.Append(ctx, "s", eventstore.Any, eventstore.EventData{Type: "x", Data: []byte("{not json")}); err == nil {
			t.Fatal("append of invalid JSON succeeded")
		}
	})

	t.Run("concurrent writers: exactly one wins each version", func(t *testing.T) {
		s := newStore(t)
		ctx := context.Background()
		if _, err := s.Append(ctx, "race", eventstore.NoStream, ev("a", 0)); err != nil {
			t.Fatal(err)
		}
		const writers = 16
		var wg sync.WaitGroup
		var mu sync.Mutex
		wins, conflicts := 0, 0
		for i := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := s.Append(ctx, "race", eventstore.Exactly(1), ev("b", i))
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					wins++
				case errors.Is(err, eventstore.ErrConcurrency):
					conflicts++
				default:
					t.Errorf("unexpected error: %v", err)
				}
			}()
		}
		wg.Wait()
		if wins != 1 || conflicts != writers-1 {
			t.Fatalf("wins=%d conflicts=%d", wins, conflicts)
		}
		got, _ := s.ReadStream(ctx, "race", 1)
		if len(got) != 2 {
			t.Fatalf("stream has %d events, want 2", len(got))
		}
	})

	t.Run("Any never conflicts, even under contention", func(t *testing.T) {
		s := newStore(t)
		ctx := context.Background()
		var wg sync.WaitGroup
		errs := make(chan error, 16)
		for i := range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := s.Append(ctx, "busy", eventstore.Any, ev("n", i)); err != nil {
					errs <- err
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("Any append failed: %v", err)
		}
		got, _ := s.ReadStream(ctx, "busy", 1)
		if len(got) != 16 {
			t.Fatalf("stream has %d events, want 16", len(got))
		}
	})

	t.Run("global log in order, paged", func(t *testing.T) {
		s := newStore(t)
		ctx := context.Background()
		for i := range 10 {
			if _, err := s.Append(ctx, fmt.Sprintf("s-%d", i%3), eventstore.Any, ev("n", i)); err != nil {
				t.Fatal(err)
			}
		}
		var all []eventstore.RecordedEvent
		pos := eventstore.Start
		for {
			page, err := s.ReadAll(ctx, pos, 3)
			if err != nil {
				t.Fatal(err)
			}
			if len(page) == 0 {
				break
			}
			if len(page) > 3 {
				t.Fatalf("page of %d, limit 3", len(page))
			}
			all = append(all, page...)
			pos = page[len(page)-1].Position
		}
		if len(all) != 10 {
			t.Fatalf("read %d events, want 10", len(all))
		}
		for i, e := range all {
			if want := fmt.Sprintf(`{"n": %d}`, i); string(e.Data) != want && string(e.Data) != fmt.Sprintf(`{"n":%d}`, i) {
				t.Fatalf("event %d data %s", i, e.Data)
			}
			if i > 0 && !all[i-1].Position.Less(e.Position) {
				t.Fatalf("order broken at %d", i)
			}
		}
	})

	t.Run("subscribe catches up then follows live", func(t *testing.T) {
		s := newStore(t)
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		for i := range 3 {
			if _, err := s.Append(ctx, "sub", eventstore.Any, ev("n", i)); err != nil {
				t.Fatal(err)
			}
		}
		got := make(chan eventstore.RecordedEvent, 100)
		done := make(chan error, 1)
		subCtx, stop := context.WithCancel(ctx)
		go func() {
			done <- s.Subscribe(subCtx, eventstore.Start, func(_ context.Context, batch []eventstore.RecordedEvent) error {
				for _, e := range batch {
					got <- e
				}
				return nil
			})
		}()
		for i := range 3 {
			e := Receive(t, ctx, got)
			if e.Version != int64(i+1) {
				t.Fatalf("catch-up event %d has version %d", i, e.Version)
			}
		}
		if _, err := s.Append(ctx, "sub", eventstore.Any, ev("n", 3)); err != nil {
			t.Fatal(err)
		}
		if e := Receive(t, ctx, got); e.Version != 4 {
			t.Fatalf("live event version %d", e.Version)
		}
		stop()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Fatalf("subscribe ended with %v", err)
		}
	})

	t.Run("subscribe stops with the handler's error", func(t *testing.T) {
		s := newStore(t)
		ctx := context.Background()
		if _, err := s.Append(ctx, "x", eventstore.Any, ev("n", 1)); err != nil {
			t.Fatal(err)
		}
		boom := errors.New("boom")
		err := s.Subscribe(ctx, eventstore.Start, func(context.Context, []eventstore.RecordedEvent) error { return boom })
		if !errors.Is(err, boom) {
			t.Fatalf("err = %v", err)
		}
	})
}

// Receive takes one event from ch, failing the test when ctx ends first.
func Receive(t *testing.T, ctx context.Context, ch <-chan eventstore.RecordedEvent) eventstore.RecordedEvent {
	t.Helper()
	select {
	case e := <-ch:
		return e
	case <-ctx.Done():
		t.Fatal("timed out waiting for an event")
		return eventstore.RecordedEvent{}
	}
}
