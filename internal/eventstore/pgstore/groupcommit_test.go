package pgstore_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/awareportal/portal/internal/eventstore"
	"github.com/awareportal/portal/internal/eventstore/pgstore"
	"github.com/awareportal/portal/internal/testenv"
)

// lineUp makes appends meet in one batch: it holds every free connection,
// so that the store's only flusher waits with a first append (first), lets
// the appends run one by one until all of them are queued behind it, in
// order, then gives the connections back. wait waits for all of them.
func lineUp(t *testing.T, ctx context.Context, pool *pgxpool.Pool, s *pgstore.Store, first func(), appends ...func()) (wait func()) {
	t.Helper()
	var held []*pgxpool.Conn
	for pool.Stat().AcquiredConns() < pool.Config().MaxConns {
		c, err := pool.Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); first() }()
	waitQueued(t, s, 0, 1)
	for i, a := range appends {
		wg.Add(1)
		go func() { defer wg.Done(); a() }()
		waitQueued(t, s, i+1, 1) // in this order
	}
	for _, c := range held {
		c.Release()
	}
	return wg.Wait
}

func waitQueued(t *testing.T, s *pgstore.Store, pending, inFlight int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		p, f := s.Queued()
		if p == pending && f == inFlight {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("queue at %d appends and %d flushers, want %d and %d", p, f, pending, inFlight)
		}
		time.Sleep(time.Millisecond)
	}
}

type batches struct {
	mu  sync.Mutex
	all []pgstore.BatchInfo
}

func (b *batches) observe(i pgstore.BatchInfo) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.all = append(b.all, i)
}

func (b *batches) list() []pgstore.BatchInfo {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]pgstore.BatchInfo(nil), b.all...)
}

// TestGroupCommit: appends queued together go to PostgreSQL as one batch,
// in one transaction; each keeps its own version check (the conflicting one
// fails alone with ErrConcurrency); a second append to a stream waits for
// the next batch; an append whose stream a caller's open
// transaction holds does not hold up the batch; a batch the server refuses
// as a whole (a duplicate event id) is retried append by append.
func TestGroupCommit(t *testing.T) {
	db := testenv.DB(t)
	var seen batches
	s := pgstore.New(db.Pool, pgstore.WithGroupCommit(1, 256), pgstore.WithBatchObserver(seen.observe))
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	ev := func(n int) eventstore.EventData {
		return eventstore.EventData{Type: "test.n", Data: fmt.Appendf(nil, `{"n":%d}`, n)}
	}
	for i := range 6 {
		if _, err := s.Append(ctx, fmt.Sprintf("s-%d", i), eventstore.NoStream, ev(i)); err != nil {
			t.Fatal(err)
		}
	}

	// A caller's transaction appends to s-5 and stays open.
	tx, err := db.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // committed below
	if _, err := s.AppendTx(ctx, tx, "s-5", eventstore.Exactly(1), ev(50)); err != nil {
		t.Fatal(err)
	}

	errs := make([]error, 7)
	res := make([]eventstore.AppendResult, 7)
	appendAt := func(i int, stream string, expected eventstore.ExpectedVersion, n int) func() {
		return func() {
			evs := make([]eventstore.EventData, n)
			for k := range evs {
				evs[k] = ev(i*10 + k)
			}
			res[i], errs[i] = s.Append(ctx, stream, expected, evs...)
		}
	}
	s5 := make(chan error, 1)
	wait := lineUp(t, ctx, db.Pool, s,
		func() { _, err := s.Append(ctx, "first", eventstore.NoStream, ev(0)); errs[0] = err },
		appendAt(1, "s-0", eventstore.Exactly(1), 2),
		appendAt(2, "s-1", eventstore.NoStream, 1), // stale: conflicts
		appendAt(3, "s-2", eventstore.Exactly(1), 1),
		appendAt(4, "s-2", eventstore.Exactly(2), 1), // after 3, in the next batch
		appendAt(5, "s-3", eventstore.Any, 3),
		func() {
			// Waits for the caller's transaction, alone.
			_, err := s.Append(ctx, "s-5", eventstore.Exactly(2), ev(51))
			s5 <- err
		},
	)
	// The batch commits without waiting for s-5, whose append waits alone
	// for the caller's transaction and then lands.
	var big *pgstore.BatchInfo
	for deadline := time.Now().Add(10 * time.Second); big == nil; time.Sleep(time.Millisecond) {
		for _, b := range seen.list() {
			if b.Appends == 5 {
				big = &b
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no batch of the 5 appends lined up: %+v", seen.list())
		}
	}
	time.Sleep(50 * time.Millisecond)
	select {
	case err := <-s5:
		t.Fatalf("append to s-5 returned (%v) while the caller's transaction held it", err)
	default:
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	wait()
	if err := <-s5; err != nil {
		t.Fatalf("append to s-5 after the transaction: %v", err)
	}
	for i, err := range errs {
		if i == 2 {
			if !errors.Is(err, eventstore.ErrConcurrency) {
				t.Fatalf("stale append: %v, want ErrConcurrency", err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("append %d: %v", i, err)
		}
	}
	if res[1].NextVersion != 3 || res[3].NextVersion != 2 || res[4].NextVersion != 3 || res[5].NextVersion != 4 {
		t.Fatalf("next versions %d %d %d %d", res[1].NextVersion, res[3].NextVersion, res[4].NextVersion, res[5].NextVersion)
	}
	// One transaction for the batch's appends.
	commit := res[1].Position.Commit
	for _, i := range []int{3, 5} {
		if res[i].Position.Commit != commit {
			t.Fatalf("append %d committed in transaction %d, append 1 in %d", i, res[i].Position.Commit, commit)
		}
	}
	if big.Events != 6 || big.Conflicts != 1 || big.Retried != 1 || big.Err != nil {
		t.Fatalf("batch %+v, want 6 events, 1 conflict, 1 retried (s-5)", *big)
	}
	if res[4].Position.Commit == commit {
		t.Fatalf("the second append to s-2 went in the same batch as the first")
	}
	want := map[string]int{"first": 1, "s-0": 3, "s-1": 1, "s-2": 3, "s-3": 4, "s-4": 1, "s-5": 3}
	for stream, n := range want {
		got, err := s.ReadStream(ctx, stream, 1)
		if err != nil || len(got) != n {
			t.Fatalf("%s: %d events (%v), want %d", stream, len(got), err, n)
		}
		for v, e := range got {
			if e.Version != int64(v+1) {
				t.Fatalf("%s: event %d has version %d", stream, v, e.Version)
			}
		}
	}

	// A duplicate event id fails the batch as a whole; each append is sent
	// again alone and only the duplicate fails.
	dup := uuid.New()
	errs = make([]error, 4)
	before := len(seen.list())
	lineUp(t, ctx, db.Pool, s,
		func() { _, errs[0] = s.Append(ctx, "d-0", eventstore.NoStream, ev(0)) },
		func() {
			_, errs[1] = s.Append(ctx, "d-1", eventstore.NoStream, eventstore.EventData{ID: dup, Type: "test.n", Data: []byte(`{}`)})
		},
		func() {
			_, errs[2] = s.Append(ctx, "d-2", eventstore.NoStream, ev(2))
		},
		func() {
			_, errs[3] = s.Append(ctx, "d-3", eventstore.NoStream, eventstore.EventData{ID: dup, Type: "test.n", Data: []byte(`{}`)})
		},
	)()
	if errs[0] != nil || errs[2] != nil {
		t.Fatalf("appends beside the duplicate: %v, %v", errs[0], errs[2])
	}
	if (errs[1] == nil) == (errs[3] == nil) || errors.Is(errs[1], eventstore.ErrConcurrency) || errors.Is(errs[3], eventstore.ErrConcurrency) {
		t.Fatalf("the two appends of one event id: %v, %v; want one to fail, not as a conflict", errs[1], errs[3])
	}
	var failed []pgstore.BatchInfo
	for _, b := range seen.list()[before:] {
		if b.Err != nil {
			failed = append(failed, b)
		}
	}
	if len(failed) != 2 || failed[0].Appends != 3 || failed[0].Retried != 3 || failed[1].Appends != 1 {
		t.Fatalf("failed batches %+v, want the batch of 3 (all retried alone), then one duplicate alone", failed)
	}
}
