package pgrunner_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/awareportal/portal/domain"
	"github.com/awareportal/portal/domain/directory"
	"github.com/awareportal/portal/internal/eventstore"
)

// ordering writes with Exec and reads its own writes back, with a query
// and inside a later statement. Its table
// refuses one email, so that event's Exec fails later than it is called.
type ordering struct{}

func (ordering) Name() string { return "ordering" }
func (ordering) Version() int { return 1 }
func (ordering) Schema() string {
	return `CREATE TABLE learners (id text PRIMARY KEY, email text NOT NULL CHECK (email <> 'refused@acme.example'), seen_before int NOT NULL);
		CREATE TABLE log (id text PRIMARY KEY, n int NOT NULL)`
}
func (ordering) Apply(ctx context.Context, tx pgx.Tx, _ eventstore.RecordedEvent, e domain.Event) error {
	ev, ok := e.(directory.LearnerProvisioned)
	if !ok {
		return nil
	}
	// Several statements without arguments (the simple protocol's).
	if _, err := tx.Exec(ctx, `CREATE TEMPORARY TABLE IF NOT EXISTS scratch (x int) ON COMMIT DROP; INSERT INTO scratch VALUES (1)`); err != nil {
		return err
	}
	var before int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM learners`).Scan(&before); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO learners VALUES ($1, $2, $3)`, ev.LearnerID, ev.Email, before); err != nil {
		return err
	}
	// Queued behind the insert above: it must count it.
	_, err := tx.Exec(ctx, `INSERT INTO log SELECT $1, count(*) FROM learners`, ev.LearnerID)
	return err
}

// TestPipelinedApply: a batch's statements go to PostgreSQL together, yet a
// read inside Apply sees every earlier write in order, and an event whose
// (deferred) statement fails is parked alone while the others are applied.
func TestPipelinedApply(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	first := e.provision(t, 3, "a")
	r := e.runner(ordering{})
	r.BatchSize = 100
	if err := r.Setup(ctx); err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { _ = r.Run(runCtx); close(done) }()
	defer func() { stop(); <-done }()
	// A batch that applies whole (pipelined).
	if err := r.WaitFor(ctx, first, "ordering"); err != nil {
		t.Fatal(err)
	}
	// A batch with an event that fails: applied again event by event.
	if _, err := e.repo.Append(ctx, directory.LearnerStream("bad"), eventstore.NoStream, eventstore.Metadata{},
		directory.LearnerProvisioned{LearnerID: "bad", ClientID: "c1", Email: "refused@acme.example", FirstName: "L", Source: directory.SourceManual}); err != nil {
		t.Fatal(err)
	}
	last := e.provision(t, 3, "b")
	if err := r.WaitFor(ctx, last, "ordering"); err != nil {
		t.Fatal(err)
	}
	got := dump(t, e.pool, "rm_ordering.learners", "rm_ordering.log")
	want := dumpWant(t, e, func(tx pgx.Tx) {
		for i, id := range []string{"a-000", "a-001", "a-002", "b-000", "b-001", "b-002"} {
			if _, err := tx.Exec(ctx, `INSERT INTO learners VALUES ($1, $1 || '@acme.example', $2)`, id, i); err != nil {
				t.Fatal(err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO log VALUES ($1, $2)`, id, i+1); err != nil {
				t.Fatal(err)
			}
		}
	})
	if got != want {
		t.Fatalf("read model:\n%s\nwant:\n%s", got, want)
	}
	parked, n, err := r.Parked(ctx, 10)
	if err != nil || n != 1 || parked[0].Stream != directory.LearnerStream("bad") {
		t.Fatalf("parked %d (%v): %+v, want the refused learner alone", n, err, parked)
	}
}

// dumpWant builds the expected read model in a scratch schema with the
// projection's DDL and dumps it like dump.
func dumpWant(t *testing.T, e env, fill func(pgx.Tx)) string {
	t.Helper()
	ctx := context.Background()
	tx, err := e.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // scratch
	if _, err := tx.Exec(ctx, `CREATE SCHEMA want; SET LOCAL search_path = want`); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, ordering{}.Schema()); err != nil {
		t.Fatal(err)
	}
	fill(tx)
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	return dump(t, e.pool, "want.learners", "want.log")
}
