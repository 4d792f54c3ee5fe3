package pgrunner_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/awareportal/portal/domain"
	"github.com/awareportal/portal/domain/directory"
	"github.com/awareportal/portal/domain/registry"
	"github.com/awareportal/portal/domain/tenancy"
	"github.com/awareportal/portal/internal/eventstore"
	"github.com/awareportal/portal/internal/eventstore/pgstore"
	"github.com/awareportal/portal/internal/testenv"
	"github.com/awareportal/portal/projections/directory/pgdirectory"
	"github.com/awareportal/portal/projections/pgrunner"
)

func TestMain(m *testing.M) { testenv.Main(m) }

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// counting records every learner it sees, and fails on demand.
type counting struct {
	failOn atomic.Value // learner id whose event fails
}

func (*counting) Name() string { return "counting" }
func (*counting) Version() int { return 1 }
func (*counting) Schema() string {
	return `CREATE TABLE seen (learner_id text PRIMARY KEY, n int NOT NULL)`
}
func (c *counting) Apply(ctx context.Context, tx pgx.Tx, _ eventstore.RecordedEvent, e domain.Event) error {
	ev, ok := e.(directory.LearnerProvisioned)
	if !ok {
		return nil
	}
	if f, _ := c.failOn.Load().(string); f == ev.LearnerID {
		return errors.New("simulated crash")
	}
	// A double-applied event would make n = 2.
	_, err := tx.Exec(ctx, `INSERT INTO seen VALUES ($1, 1) ON CONFLICT (learner_id) DO UPDATE SET n = seen.n + 1`, ev.LearnerID)
	return err
}

type env struct {
	pool  *pgxpool.Pool
	store *pgstore.Store
	repo  eventstore.Repository
}

func newEnv(t *testing.T) env {
	db := testenv.DB(t)
	store := pgstore.New(db.Pool, pgstore.WithPollInterval(20*time.Millisecond))
	t.Cleanup(store.Close)
	return env{pool: db.Pool, store: store, repo: eventstore.Repository{Store: store, Codec: registry.Codec()}}
}

func (e env) provision(t *testing.T, n int, prefix string) eventstore.Position {
	t.Helper()
	var last eventstore.Position
	for i := range n {
		id := fmt.Sprintf("%s-%03d", prefix, i)
		res, err := e.repo.Append(context.Background(), directory.LearnerStream(id), eventstore.NoStream, eventstore.Metadata{},
			directory.LearnerProvisioned{LearnerID: id, ClientID: "c1", Email: id + "@acme.example", FirstName: "L", Source: directory.SourceManual})
		if err != nil {
			t.Fatal(err)
		}
		last = res.Position
	}
	return last
}

func (e env) runner(ps ...pgrunner.Projection) *pgrunner.Runner {
	r := pgrunner.New(e.pool, e.store, registry.Codec(), quiet, ps...)
	r.RetryInterval = 30 * time.Millisecond
	r.BatchSize = 4
	return r
}

func count(t *testing.T, pool *pgxpool.Pool, q string) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(context.Background(), q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestCrashMidBatchLosesAndDuplicatesNothing(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	p := &counting{}
	p.failOn.Store("l-006") // third event of the second batch of four
	last := e.provision(t, 10, "l")

	r := e.runner(p)
	if err := r.Setup(ctx); err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { _ = r.Run(runCtx); close(done) }()

	// The first batch (l-000..l-003) commits; the second fails whole.
	deadline := time.Now().Add(10 * time.Second)
	for count(t, e.pool, `SELECT count(*) FROM rm_counting.seen`) < 4 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(150 * time.Millisecond) // let it retry and fail a few times
	if n := count(t, e.pool, `SELECT count(*) FROM rm_counting.seen`); n != 4 {
		t.Fatalf("after the failing batch: %d rows, want 4 (nothing from the failed batch)", n)
	}
	if n := count(t, e.pool, `SELECT count(*) FROM rm_counting.seen WHERE learner_id IN ('l-004','l-005')`); n != 0 {
		t.Fatalf("events before the failure in the same batch were kept: %d", n)
	}
	stop()
	<-done

	// "Restart" with the bug fixed: everything applied exactly once.
	p.failOn.Store("")
	runCtx, stop = context.WithCancel(ctx)
	defer stop()
	go func() { _ = r.Run(runCtx) }()
	wctx, wcancel := context.WithTimeout(ctx, 10*time.Second)
	defer wcancel()
	if err := r.WaitFor(wctx, last, "counting"); err != nil {
		t.Fatal(err)
	}
	if n := count(t, e.pool, `SELECT count(*) FROM rm_counting.seen`); n != 10 {
		t.Fatalf("rows = %d, want 10", n)
	}
	if n := count(t, e.pool, `SELECT count(*) FROM rm_counting.seen WHERE n <> 1`); n != 0 {
		t.Fatalf("%d events applied more than once", n)
	}
}

func dump(t *testing.T, pool *pgxpool.Pool, tables ...string) string {
	t.Helper()
	var b strings.Builder
	for _, tbl := range tables {
		rows, err := pool.Query(context.Background(), `SELECT to_jsonb(x)::text FROM `+tbl+` x ORDER BY 1`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			b.WriteString(s + "\n")
		}
		rows.Close()
	}
	return b.String()
}

func TestRebuildMatchesLiveWhileRunning(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	if _, err := e.repo.Append(ctx, tenancy.PartnerStream("p1"), eventstore.NoStream, eventstore.Metadata{},
		tenancy.PartnerRegistered{PartnerID: "p1", Name: "Northwind", Slug: "northwind", AccentColor: "#123456", At: now}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.repo.Append(ctx, tenancy.ClientStream("c1"), eventstore.NoStream, eventstore.Metadata{},
		tenancy.ClientRegistered{ClientID: "c1", PartnerID: "p1", Name: "Acme", PortalEnabled: true, At: now},
		tenancy.ClientPortalSwitched{ClientID: "c1", Enabled: false, At: now}); err != nil {
		t.Fatal(err)
	}
	e.provision(t, 20, "a")

	r := e.runner(pgdirectory.Projection{})
	if err := r.Setup(ctx); err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	go func() { _ = r.Run(runCtx) }()

	// Keep writing while the rebuild runs: the site stays up.
	writing := make(chan eventstore.Position)
	go func() { writing <- e.provision(t, 20, "b") }()
	if err := r.Rebuild(ctx, pgdirectory.Projection{}); err != nil {
		t.Fatal(err)
	}
	last := <-writing
	wctx, wcancel := context.WithTimeout(ctx, 10*time.Second)
	defer wcancel()
	if err := r.WaitFor(wctx, last, pgdirectory.Name); err != nil {
		t.Fatal(err)
	}
	tables := []string{"rm_directory.partners", "rm_directory.clients", "rm_directory.learners"}
	afterRebuild := dump(t, e.pool, tables...)
	if n := strings.Count(afterRebuild, "\n"); n != 42 {
		t.Fatalf("read model has %d rows, want 42", n)
	}

	// A second, quiet rebuild gives exactly the same contents.
	if err := r.Rebuild(ctx, pgdirectory.Projection{}); err != nil {
		t.Fatal(err)
	}
	if again := dump(t, e.pool, tables...); again != afterRebuild {
		t.Fatalf("rebuild differs from live:\nlive:\n%s\nrebuilt:\n%s", afterRebuild, again)
	}
	q := pgdirectory.Queries{Pool: e.pool}
	l, err := q.Learner(ctx, "b-019")
	if err != nil || l.PortalEnabled || l.ClientName != "Acme" {
		t.Fatalf("learner after rebuild: %+v %v", l, err)
	}
}

func TestOnlyOneRunnerAtATimeAndTakeover(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	p := &counting{}
	first, second := e.runner(p), e.runner(p)
	if err := first.Setup(ctx); err != nil {
		t.Fatal(err)
	}
	ctx1, stop1 := context.WithCancel(ctx)
	go func() { _ = first.Run(ctx1) }()
	time.Sleep(100 * time.Millisecond) // let the first take the lock
	ctx2, stop2 := context.WithCancel(ctx)
	defer stop2()
	go func() { _ = second.Run(ctx2) }()

	last := e.provision(t, 8, "x")
	if err := first.WaitFor(ctx, last, "counting"); err != nil {
		t.Fatal(err)
	}
	var holders int
	if err := e.pool.QueryRow(ctx, `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = 7420 AND granted`).Scan(&holders); err != nil {
		t.Fatal(err)
	}
	if holders != 1 {
		t.Fatalf("%d sessions hold the projection lock, want 1", holders)
	}

	stop1() // the first process dies; the second must take over
	last = e.provision(t, 8, "y")
	wctx, wcancel := context.WithTimeout(ctx, 10*time.Second)
	defer wcancel()
	if err := second.WaitFor(wctx, last, "counting"); err != nil {
		t.Fatal(err)
	}
	if n := count(t, e.pool, `SELECT count(*) FROM rm_counting.seen WHERE n = 1`); n != 16 {
		t.Fatalf("rows applied once = %d, want 16", n)
	}
}
