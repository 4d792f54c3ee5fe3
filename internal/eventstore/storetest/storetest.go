// Package storetest is the contract every eventstore.Store adapter must
// pass. Adapters call Run from their own tests.
package storetest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
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

	runMore(t, newStore)
	runChain(t, newStore)
	runTogether(t, newStore)
}

// runTogether: appends arriving at once (which a store may send as one
// batch, as pgstore does) keep their own version checks: the one that
// conflicts fails alone, with ErrConcurrency, and the others commit.
func runTogether(t *testing.T, newStore Factory) {
	t.Run("appends at once: a conflicting one fails alone", func(t *testing.T) {
		s := newStore(t)
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		const streams = 24
		for i := range streams {
			if _, err := s.Append(ctx, fmt.Sprintf("t-%d", i), eventstore.NoStream, ev("seed", i)); err != nil {
				t.Fatal(err)
			}
		}
		type try struct {
			stream   string
			expected eventstore.ExpectedVersion
			events   int
		}
		var tries []try
		for i := range streams {
			tr := try{fmt.Sprintf("t-%d", i), eventstore.Exactly(1), 1 + i%3}
			switch i {
			case 5:
				tr.expected = eventstore.NoStream // stale
			case 11:
				tr.expected = eventstore.Exactly(2) // ahead
			}
			tries = append(tries, tr)
		}
		// Two at version 1 on one stream: one wins; two with Any on a new
		// stream: both land; another new stream.
		tries = append(tries, try{"t-0", eventstore.Exactly(1), 1}, try{"t-any", eventstore.Any, 2}, try{"t-any", eventstore.Any, 1}, try{"t-new", eventstore.NoStream, 2})
		errs := make([]error, len(tries))
		results := make([]eventstore.AppendResult, len(tries))
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i, tr := range tries {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				evs := make([]eventstore.EventData, tr.events)
				for n := range evs {
					evs[n] = ev("together", i*10+n)
				}
				results[i], errs[i] = s.Append(ctx, tr.stream, tr.expected, evs...)
			}()
		}
		close(start)
		wg.Wait()
		want := map[string]int64{} // stream → events it must hold
		zeroWins := 0
		for i, tr := range tries {
			err := errs[i]
			switch {
			case i == 5 || i == 11:
				if !errors.Is(err, eventstore.ErrConcurrency) {
					t.Fatalf("append %d to %s at %d: err = %v, want ErrConcurrency", i, tr.stream, tr.expected, err)
				}
				continue
			case tr.stream == "t-0":
				if errors.Is(err, eventstore.ErrConcurrency) {
					continue
				}
				zeroWins++
			}
			if err != nil {
				t.Fatalf("append %d to %s at %d: %v", i, tr.stream, tr.expected, err)
			}
			want[tr.stream] += int64(tr.events)
			if tr.expected != eventstore.Any && results[i].NextVersion != int64(tr.expected)+int64(tr.events) {
				t.Fatalf("append %d to %s: next version %d", i, tr.stream, results[i].NextVersion)
			}
		}
		if zeroWins != 1 {
			t.Fatalf("%d of the two appends to t-0 at version 1 won, want 1", zeroWins)
		}
		for i := range streams {
			stream := fmt.Sprintf("t-%d", i)
			if i != 5 && i != 11 {
				want[stream]++ // the seed
			} else {
				want[stream] = 1
			}
		}
		// Every stream holds exactly the winners' events, versions 1…n, and
		// each result's position is where its last event is.
		at := map[eventstore.Position]bool{}
		for stream, n := range want {
			got, err := s.ReadStream(ctx, stream, 1)
			if err != nil || int64(len(got)) != n {
				t.Fatalf("%s: %d events (%v), want %d", stream, len(got), err, n)
			}
			for v, e := range got {
				if e.Version != int64(v+1) {
					t.Fatalf("%s: event %d has version %d", stream, v, e.Version)
				}
				if v > 0 && !got[v-1].Position.Less(e.Position) {
					t.Fatalf("%s: positions out of order at version %d", stream, e.Version)
				}
				at[e.Position] = true
			}
		}
		for i, r := range results {
			if errs[i] == nil && !at[r.Position] {
				t.Fatalf("append %d: result position %s holds none of its stream's events", i, r.Position)
			}
		}
		// The global log has them all, once, in one order.
		var total int64
		for _, n := range want {
			total += n
		}
		var all []eventstore.RecordedEvent
		for pos := eventstore.Start; ; {
			page, err := s.ReadAll(ctx, pos, 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(page) == 0 {
				break
			}
			all = append(all, page...)
			pos = page[len(page)-1].Position
		}
		if int64(len(all)) != total {
			t.Fatalf("ReadAll: %d events, want %d", len(all), total)
		}
		for i := 1; i < len(all); i++ {
			if !all[i-1].Position.Less(all[i].Position) {
				t.Fatalf("global order broken at %d", i)
			}
		}
	})
}

// runChain is the hash chain (tamper evidence): every adapter returns, with
// every event, a chain that verifies the way audit.Verify checks it. No
// adapter may skip it.
func runChain(t *testing.T, newStore Factory) {
	t.Run("hash chain verifies", func(t *testing.T) {
		s := newStore(t)
		ctx := context.Background()
		meta := eventstore.Metadata{ActorID: "learner:sam", TenantID: "acme", CorrelationID: "c1", CausationID: "k1", RequestIP: "203.0.113.7", UserAgent: "UA/1 <&>"}
		appends := []struct {
			stream   string
			expected eventstore.ExpectedVersion
			events   []eventstore.EventData
		}{
			{"chain-a", eventstore.NoStream, []eventstore.EventData{
				{Type: "t.created", Data: []byte(`{"b": 2, "a": [1, 2], "name": "Zoë"}`), Metadata: meta},
				ev("t.changed", 1), ev("t.changed", 2),
			}},
			{"chain-b", eventstore.Any, []eventstore.EventData{ev("t.created", 3)}},
			{"chain-a", eventstore.Exactly(3), []eventstore.EventData{ev("t.done", 4)}},
			{"chain-b", eventstore.Any, []eventstore.EventData{{Type: "t.changed", Data: []byte(`{}`), Metadata: eventstore.Metadata{ActorID: "staff:x"}}, ev("t.changed", 5)}},
			{"chain-c", eventstore.NoStream, []eventstore.EventData{ev("t.created", 6)}},
		}
		for _, a := range appends {
			if _, err := s.Append(ctx, a.stream, a.expected, a.events...); err != nil {
				t.Fatalf("append to %s: %v", a.stream, err)
			}
		}
		check := func(t *testing.T, how string, evs []eventstore.RecordedEvent) {
			t.Helper()
			last := map[string][]byte{}
			for _, e := range evs {
				where := fmt.Sprintf("%s: %s version %d", how, e.Stream, e.Version)
				if len(e.Hash) != 32 {
					t.Fatalf("%s: hash %x is not a SHA-256", where, e.Hash)
				}
				if !bytes.Equal(e.PrevHash, last[e.Stream]) {
					t.Fatalf("%s: prev hash %x, the previous event's hash is %x", where, e.PrevHash, last[e.Stream])
				}
				if want := eventstore.Hash(e.PrevHash, e.ID, e.Stream, e.Version, e.Type, e.Data, e.HashedMetadata, e.RecordedAt); !bytes.Equal(e.Hash, want) {
					t.Fatalf("%s: hash %x, recomputed %x", where, e.Hash, want)
				}
				// The hash covers the event's own metadata, not something else.
				var m eventstore.Metadata
				if err := json.Unmarshal(e.HashedMetadata, &m); err != nil || m != e.Metadata {
					t.Fatalf("%s: hashed metadata %s (%v) is not the event's %+v", where, e.HashedMetadata, err, e.Metadata)
				}
				last[e.Stream] = e.Hash
			}
		}
		var all []eventstore.RecordedEvent
		for pos := eventstore.Start; ; {
			page, err := s.ReadAll(ctx, pos, 2)
			if err != nil {
				t.Fatal(err)
			}
			if len(page) == 0 {
				break
			}
			all = append(all, page...)
			pos = page[len(page)-1].Position
		}
		if len(all) != 8 {
			t.Fatalf("ReadAll returned %d events, want 8", len(all))
		}
		check(t, "ReadAll", all)
		byID := map[uuid.UUID][]byte{}
		for _, e := range all {
			byID[e.ID] = e.Hash
		}
		for _, stream := range []string{"chain-a", "chain-b", "chain-c"} {
			evs, err := s.ReadStream(ctx, stream, 1)
			if err != nil {
				t.Fatal(err)
			}
			check(t, "ReadStream", evs)
			for _, e := range evs {
				if !bytes.Equal(byID[e.ID], e.Hash) {
					t.Fatalf("%s version %d: ReadStream and ReadAll disagree on its hash", stream, e.Version)
				}
			}
		}
		// Two events with the same content in different places hash apart.
		if a, c := all[0], all[len(all)-1]; bytes.Equal(a.Hash, c.Hash) {
			t.Fatal("different events share a hash")
		}
	})
}

// runMore runs the cases added for issue 10: expected-version semantics,
// the global log under concurrent appends, resuming from a checkpoint, large
// events and many streams.
func runMore(t *testing.T, newStore Factory) {
	t.Run("expected version semantics", func(t *testing.T) {
		s := newStore(t)
		ctx := context.Background()
		cases := []struct {
			name     string
			existing int // events in the stream before the append
			expected eventstore.ExpectedVersion
			conflict bool
			next     int64
		}{
			{"NoStream on a missing stream", 0, eventstore.NoStream, false, 1},
			{"Exactly(0) is NoStream", 0, eventstore.Exactly(0), false, 1},
			{"Exactly(1) on a missing stream", 0, eventstore.Exactly(1), true, 0},
			{"Any on a missing stream", 0, eventstore.Any, false, 1},
			{"NoStream on a stream at 2", 2, eventstore.NoStream, true, 0},
			{"Exactly(1) on a stream at 2 (stale)", 2, eventstore.Exactly(1), true, 0},
			{"Exactly(3) on a stream at 2 (ahead)", 2, eventstore.Exactly(3), true, 0},
			{"Exactly(2) on a stream at 2", 2, eventstore.Exactly(2), false, 3},
			{"Any on a stream at 2", 2, eventstore.Any, false, 3},
		}
		for i, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				stream := fmt.Sprintf("ev-%d", i)
				for n := range c.existing {
					if _, err := s.Append(ctx, stream, eventstore.Any, ev("seed", n)); err != nil {
						t.Fatal(err)
					}
				}
				res, err := s.Append(ctx, stream, c.expected, ev("try", 0))
				if c.conflict {
					if !errors.Is(err, eventstore.ErrConcurrency) {
						t.Fatalf("err = %v, want ErrConcurrency", err)
					}
				} else if err != nil || res.NextVersion != c.next {
					t.Fatalf("append: %v, next version %d, want %d", err, res.NextVersion, c.next)
				}
				got, err := s.ReadStream(ctx, stream, 1)
				want := c.existing
				if !c.conflict {
					want++
				}
				if want == 0 {
					if !errors.Is(err, eventstore.ErrStreamNotFound) {
						t.Fatalf("refused append left a stream behind: %v %+v", err, got)
					}
					return
				}
				if err != nil || len(got) != want {
					t.Fatalf("stream has %d events (%v), want %d", len(got), err, want)
				}
				for n, e := range got {
					if e.Version != int64(n+1) {
						t.Fatalf("event %d has version %d", n, e.Version)
					}
				}
			})
		}
	})

	t.Run("concurrent appends: one total order, nothing skipped", func(t *testing.T) {
		s := newStore(t)
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		const writers, each = 8, 25
		got := make(chan eventstore.RecordedEvent, writers*each)
		subCtx, stop := context.WithCancel(ctx)
		defer stop()
		done := make(chan error, 1)
		go func() {
			done <- s.Subscribe(subCtx, eventstore.Start, func(_ context.Context, b []eventstore.RecordedEvent) error {
				for _, e := range b {
					got <- e
				}
				return nil
			})
		}()
		var wg sync.WaitGroup
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					// Half the writers share one stream, half have their own.
					stream := fmt.Sprintf("w-%d", w)
					if w%2 == 0 {
						stream = "shared"
					}
					if _, err := s.Append(ctx, stream, eventstore.Any, ev("n", w*1000+i)); err != nil {
						t.Errorf("writer %d: %v", w, err)
						return
					}
				}
			}()
		}
		wg.Wait()
		if t.Failed() {
			return
		}
		var live []eventstore.RecordedEvent
		for range writers * each {
			live = append(live, Receive(t, ctx, got))
		}
		var paged []eventstore.RecordedEvent
		for pos := eventstore.Start; ; {
			page, err := s.ReadAll(ctx, pos, 7)
			if err != nil {
				t.Fatal(err)
			}
			if len(page) == 0 {
				break
			}
			paged = append(paged, page...)
			pos = page[len(page)-1].Position
		}
		if len(paged) != writers*each {
			t.Fatalf("ReadAll returned %d events, want %d", len(paged), writers*each)
		}
		versions := map[string]int64{}
		seen := map[uuid.UUID]bool{}
		for i := range paged {
			if live[i].ID != paged[i].ID {
				t.Fatalf("event %d: subscription delivered %s, ReadAll %s", i, live[i].ID, paged[i].ID)
			}
			if i > 0 && !paged[i-1].Position.Less(paged[i].Position) {
				t.Fatalf("positions not increasing at %d: %s, %s", i, paged[i-1].Position, paged[i].Position)
			}
			if seen[paged[i].ID] {
				t.Fatalf("event %s delivered twice", paged[i].ID)
			}
			seen[paged[i].ID] = true
			if want := versions[paged[i].Stream] + 1; paged[i].Version != want {
				t.Fatalf("stream %s: version %d follows %d in the global log", paged[i].Stream, paged[i].Version, want-1)
			}
			versions[paged[i].Stream] = paged[i].Version
		}
		select {
		case e := <-got:
			t.Fatalf("subscription delivered an extra event %+v", e)
		default:
		}
		stop()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Fatalf("subscribe ended with %v", err)
		}
	})

	t.Run("subscription resumes from a checkpoint", func(t *testing.T) {
		s := newStore(t)
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		for i := range 5 {
			if _, err := s.Append(ctx, "resume", eventstore.Any, ev("n", i)); err != nil {
				t.Fatal(err)
			}
		}
		// A first subscriber handles three events and stops: its checkpoint
		// is the third event's position.
		var checkpoint eventstore.Position
		handled := 0
		stopAt3 := errors.New("checkpoint taken")
		err := s.Subscribe(ctx, eventstore.Start, func(_ context.Context, b []eventstore.RecordedEvent) error {
			for _, e := range b {
				handled++
				checkpoint = e.Position
				if handled == 3 {
					return stopAt3
				}
			}
			return nil
		})
		if !errors.Is(err, stopAt3) {
			t.Fatalf("first subscription ended with %v", err)
		}
		got := make(chan eventstore.RecordedEvent, 10)
		subCtx, stop := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() {
			done <- s.Subscribe(subCtx, checkpoint, func(_ context.Context, b []eventstore.RecordedEvent) error {
				for _, e := range b {
					got <- e
				}
				return nil
			})
		}()
		for _, want := range []int64{4, 5} {
			if e := Receive(t, ctx, got); e.Version != want {
				t.Fatalf("resumed at version %d, want %d", e.Version, want)
			}
		}
		if _, err := s.Append(ctx, "resume", eventstore.Exactly(5), ev("n", 5)); err != nil {
			t.Fatal(err)
		}
		if e := Receive(t, ctx, got); e.Version != 6 {
			t.Fatalf("live event version %d, want 6", e.Version)
		}
		stop()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Fatalf("subscribe ended with %v", err)
		}
		// ReadAll from the same checkpoint agrees.
		page, err := s.ReadAll(ctx, checkpoint, 10)
		if err != nil || len(page) != 3 {
			t.Fatalf("ReadAll after the checkpoint: %d events (%v), want 3", len(page), err)
		}
	})

	t.Run("large event (1 MB)", func(t *testing.T) {
		s := newStore(t)
		ctx := context.Background()
		blob := strings.Repeat("x", 1_000_000-len(`{"blob":""}`))
		data := []byte(`{"blob":"` + blob + `"}`)
		meta := eventstore.Metadata{CorrelationID: "big", UserAgent: strings.Repeat("u", 200)}
		if _, err := s.Append(ctx, "big", eventstore.NoStream, eventstore.EventData{Type: "test.big", Data: data, Metadata: meta}); err != nil {
			t.Fatalf("append of a 1 MB event: %v", err)
		}
		got, err := s.ReadStream(ctx, "big", 1)
		if err != nil || len(got) != 1 {
			t.Fatalf("read: %v, %d events", err, len(got))
		}
		var back struct{ Blob string }
		if err := json.Unmarshal(got[0].Data, &back); err != nil || back.Blob != blob {
			t.Fatalf("data came back changed (%d bytes, %v)", len(got[0].Data), err)
		}
		if got[0].Metadata != meta {
			t.Fatalf("metadata = %+v", got[0].Metadata)
		}
		all, err := s.ReadAll(ctx, eventstore.Start, 10)
		if err != nil || len(all) != 1 || len(all[0].Data) < 1_000_000-10 {
			t.Fatalf("ReadAll: %v, %d events", err, len(all))
		}
	})

	t.Run("10,000 streams", func(t *testing.T) {
		s := newStore(t)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		const streams, workers = 10_000, 8
		next := make(chan int)
		var wg sync.WaitGroup
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range next {
					if _, err := s.Append(ctx, fmt.Sprintf("learner-%05d", i), eventstore.NoStream, ev("n", i)); err != nil {
						t.Errorf("stream %d: %v", i, err)
					}
				}
			}()
		}
		for i := range streams {
			next <- i
		}
		close(next)
		wg.Wait()
		if t.Failed() {
			return
		}
		seen := make(map[string]bool, streams)
		var last eventstore.Position
		for pos := eventstore.Start; ; {
			page, err := s.ReadAll(ctx, pos, 500)
			if err != nil {
				t.Fatal(err)
			}
			if len(page) == 0 {
				break
			}
			for _, e := range page {
				if seen[e.Stream] || e.Version != 1 {
					t.Fatalf("unexpected %s version %d", e.Stream, e.Version)
				}
				if last != eventstore.Start && !last.Less(e.Position) {
					t.Fatalf("order broken at %s", e.Position)
				}
				seen[e.Stream], last = true, e.Position
			}
			pos = page[len(page)-1].Position
		}
		if len(seen) != streams {
			t.Fatalf("ReadAll saw %d streams, want %d", len(seen), streams)
		}
		for _, i := range []int{0, 4_999, 9_999} {
			got, err := s.ReadStream(ctx, fmt.Sprintf("learner-%05d", i), 1)
			if err != nil || len(got) != 1 {
				t.Fatalf("stream %d: %v, %d events", i, err, len(got))
			}
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
