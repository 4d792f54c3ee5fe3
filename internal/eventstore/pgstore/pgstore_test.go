package pgstore_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/awareportal/portal/internal/eventstore"
	"github.com/awareportal/portal/internal/eventstore/pgstore"
	"github.com/awareportal/portal/internal/eventstore/storetest"
	"github.com/awareportal/portal/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) eventstore.Store {
		db := testenv.DB(t)
		s := pgstore.New(db.Pool, pgstore.WithPollInterval(50*time.Millisecond))
		t.Cleanup(s.Close)
		return s
	})
}

// TestGapProblem commits two appends out of order while a subscriber reads:
// the event whose transaction started first but commits last must still be
// delivered, and before the other one.
func TestGapProblem(t *testing.T) {
	db := testenv.DB(t)
	s := pgstore.New(db.Pool, pgstore.WithPollInterval(20*time.Millisecond))
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	got := make(chan eventstore.RecordedEvent, 10)
	go func() {
		_ = s.Subscribe(ctx, eventstore.Start, func(_ context.Context, b []eventstore.RecordedEvent) error {
			for _, e := range b {
				got <- e
			}
			return nil
		})
	}()

	// Transaction A takes its id and sequence value first, and stays open.
	slow, err := db.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Rollback(ctx) //nolint:errcheck
	if _, err := slow.Exec(ctx, `INSERT INTO events (id, stream, version, type, data, recorded_at)
		VALUES (gen_random_uuid(), 'slow', 1, 'test.slow', '{}', now())`); err != nil {
		t.Fatal(err)
	}

	// Transaction B appends and commits while A is still open.
	if _, err := s.Append(ctx, "fast", eventstore.NoStream, eventstore.EventData{Type: "test.fast", Data: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}

	// B is committed, yet a reader must not see it while A may still commit
	// before it in the global order.
	visible, err := s.ReadAll(ctx, eventstore.Start, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(visible) != 0 {
		t.Fatalf("read %d events while an earlier transaction was open: %+v", len(visible), visible[0])
	}
	select {
	case e := <-got:
		t.Fatalf("subscriber received %s before the earlier transaction committed", e.Type)
	case <-time.After(200 * time.Millisecond):
	}

	if err := slow.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	first, second := storetest.Receive(t, ctx, got), storetest.Receive(t, ctx, got)
	if first.Type != "test.slow" || second.Type != "test.fast" {
		t.Fatalf("delivered %s then %s, want test.slow then test.fast", first.Type, second.Type)
	}
	if !first.Position.Less(second.Position) {
		t.Fatalf("positions out of order: %s, %s", first.Position, second.Position)
	}
}

// TestEventsAreImmutable checks the schema refuses UPDATE, DELETE and TRUNCATE.
func TestEventsAreImmutable(t *testing.T) {
	db := testenv.DB(t)
	s := pgstore.New(db.Pool)
	ctx := context.Background()
	if _, err := s.Append(ctx, "s", eventstore.NoStream, eventstore.EventData{Type: "t", Data: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{
		`UPDATE events SET type = 'x'`,
		`DELETE FROM events`,
		`TRUNCATE events`,
	} {
		if _, err := db.Pool.Exec(ctx, stmt); err == nil {
			t.Errorf("%s succeeded", stmt)
		}
	}
}

// TestOrderAcrossTransactionIDDigits: the global order must be numeric when
// transaction ids gain a digit (999 → 1000), not textual.
func TestOrderAcrossTransactionIDDigits(t *testing.T) {
	// A server of its own starts from the initdb cache at a few hundred
	// transactions, so the next boundary (1,000 or 10,000) is near; only a
	// shared server of someone else's (PORTAL_TEST_DATABASE_URL) may be
	// too far from one to reach.
	db := testenv.Isolated(t)
	s := pgstore.New(db.Pool)
	defer s.Close()
	ctx := context.Background()
	var xid uint64
	if err := db.Pool.QueryRow(ctx, `SELECT pg_current_xact_id()::text::bigint`).Scan(&xid); err != nil {
		t.Fatal(err)
	}
	boundary := uint64(10)
	for boundary <= xid+2 {
		boundary *= 10
	}
	t.Logf("transaction %d, the boundary %d", xid, boundary)
	if boundary-xid > 50_000 {
		t.Skipf("next digit boundary is %d transactions away", boundary-xid)
	}
	// Burn transaction ids until the next append lands just below the boundary.
	for xid+3 < boundary {
		if err := db.Pool.QueryRow(ctx, `SELECT pg_current_xact_id()::text::bigint`).Scan(&xid); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 6 {
		if _, err := s.Append(ctx, "digits", eventstore.Any, eventstore.EventData{Type: "t", Data: []byte(fmt.Sprintf(`{"i":%d}`, i))}); err != nil {
			t.Fatal(err)
		}
	}
	all, err := s.ReadAll(ctx, eventstore.Start, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 6 {
		t.Fatalf("read %d events", len(all))
	}
	crossed := false
	for i := 1; i < len(all); i++ {
		if all[i].Version != all[i-1].Version+1 {
			t.Fatalf("global order broken at %d: versions %d then %d (positions %s, %s)", i, all[i-1].Version, all[i].Version, all[i-1].Position, all[i].Position)
		}
		crossed = crossed || (all[i-1].Position.Commit < boundary && all[i].Position.Commit >= boundary)
	}
	if !crossed {
		t.Fatalf("appends did not cross the %d boundary", boundary)
	}
	// Paging from a position just below the boundary continues above it.
	page, err := s.ReadAll(ctx, all[1].Position, 100)
	if err != nil || len(page) != 4 {
		t.Fatalf("after %s: %d events (%v)", all[1].Position, len(page), err)
	}
}

// TestAppendTx: events appended inside a caller's transaction commit or
// vanish with the caller's other writes, a version conflict leaves the
// transaction usable, and an open transaction holds readers back exactly
// as Append's own does.
func TestAppendTx(t *testing.T) {
	db := testenv.DB(t)
	s := pgstore.New(db.Pool)
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ev := func(typ string) eventstore.EventData { return eventstore.EventData{Type: typ, Data: []byte(`{}`)} }
	if _, err := db.Pool.Exec(ctx, `CREATE TABLE side (v text)`); err != nil {
		t.Fatal(err)
	}
	count := func(q string) int {
		t.Helper()
		var n int
		if err := db.Pool.QueryRow(ctx, q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	// Rolled back: neither the event nor the other write exists.
	tx, err := db.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // rolled back below
	if _, err := s.AppendTx(ctx, tx, "a", eventstore.NoStream, ev("test.one")); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO side VALUES ('rolled back')`); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ReadStream(ctx, "a", 1); !errors.Is(err, eventstore.ErrStreamNotFound) {
		t.Fatalf("uncommitted event visible to another session: %v", err)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ReadStream(ctx, "a", 1); !errors.Is(err, eventstore.ErrStreamNotFound) {
		t.Fatalf("rolled-back event exists: %v", err)
	}

	// Committed: both, and the result's position is where the event is.
	if _, err := s.Append(ctx, "b", eventstore.NoStream, ev("test.b1")); err != nil {
		t.Fatal(err)
	}
	tx, err = db.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // no-op after commit
	res, err := s.AppendTx(ctx, tx, "a", eventstore.NoStream, ev("test.one"), ev("test.two"))
	if err != nil {
		t.Fatal(err)
	}
	// A conflict leaves the transaction usable.
	if _, err := s.AppendTx(ctx, tx, "b", eventstore.NoStream, ev("test.b2")); !errors.Is(err, eventstore.ErrConcurrency) {
		t.Fatalf("append at NoStream to an existing stream: %v", err)
	}
	// Any appends at the end whatever the version.
	if _, err := s.AppendTx(ctx, tx, "b", eventstore.Any, ev("test.b2")); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO side VALUES ('committed')`); err != nil {
		t.Fatal(err)
	}
	// While tx is open, a later committed append is held back from readers.
	if _, err := s.Append(ctx, "c", eventstore.NoStream, ev("test.c")); err != nil {
		t.Fatal(err)
	}
	if all, err := s.ReadAll(ctx, eventstore.Start, 10); err != nil || len(all) != 1 {
		t.Fatalf("read %d events (%v) while an earlier transaction was open, want only b/1", len(all), err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if n := count(`SELECT count(*) FROM side`); n != 1 {
		t.Fatalf("%d side rows, want 1", n)
	}
	all, err := s.ReadAll(ctx, eventstore.Start, 10)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range all {
		got = append(got, fmt.Sprintf("%s/%d:%s", e.Stream, e.Version, e.Type))
	}
	want := "[b/1:test.b1 a/1:test.one a/2:test.two b/2:test.b2 c/1:test.c]"
	if fmt.Sprint(got) != want {
		t.Fatalf("log = %v, want %s", got, want)
	}
	if all[2].Position != res.Position || res.NextVersion != 2 {
		t.Fatalf("result %+v, event at %v", res, all[2].Position)
	}
}
