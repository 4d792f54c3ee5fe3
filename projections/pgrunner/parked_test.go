package pgrunner_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/awareportal/portal/domain"
	"github.com/awareportal/portal/domain/directory"
	"github.com/awareportal/portal/domain/tenancy"
	"github.com/awareportal/portal/internal/eventstore"
	"github.com/awareportal/portal/projections/directory/pgdirectory"
	"github.com/awareportal/portal/projections/timeline/pgtimeline"
)

// hugeEmail is the 3,000-character address, random so Postgres
// cannot compress it under the 2.7 kB an index row may hold.
func hugeEmail(t *testing.T) string {
	t.Helper()
	b := make([]byte, 1500)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b) + "@globex.example"
}

func (e env) tenants(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, p := range []string{"northwind", "bluepeak"} {
		if _, err := e.repo.Append(ctx, tenancy.PartnerStream(p), eventstore.NoStream, eventstore.Metadata{},
			tenancy.PartnerRegistered{PartnerID: p, Name: p, Slug: p, AccentColor: "#123456", At: now}); err != nil {
			t.Fatal(err)
		}
	}
	for c, p := range map[string]string{"acme": "northwind", "globex": "bluepeak"} {
		if _, err := e.repo.Append(ctx, tenancy.ClientStream(c), eventstore.NoStream, eventstore.Metadata{TenantID: p},
			tenancy.ClientRegistered{ClientID: c, PartnerID: p, Name: c, PortalEnabled: true, At: now}); err != nil {
			t.Fatal(err)
		}
	}
}

func (e env) learner(t *testing.T, id, client, email string) eventstore.Position {
	t.Helper()
	// Straight to the store: no domain validation in the way.
	res, err := e.repo.Append(context.Background(), directory.LearnerStream(id), eventstore.NoStream, eventstore.Metadata{TenantID: client},
		directory.LearnerProvisioned{LearnerID: id, ClientID: client, Email: email, FirstName: "L", Source: directory.SourceManual})
	if err != nil {
		t.Fatal(err)
	}
	return res.Position
}

// TestUnapplicableEventIsParkedAndOthersGoOn: an event the directory and
// timeline read models cannot hold (a 3,000-character email overflows
// their email indexes) is parked, and every other tenant's events before
// and after it are applied, live and in a rebuild.
func TestUnapplicableEventIsParkedAndOthersGoOn(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	e.tenants(t)
	e.learner(t, "acme-1", "acme", "one@acme.example")
	e.learner(t, "globex-1", "globex", "one@globex.example")
	bad := e.learner(t, "globex-huge", "globex", hugeEmail(t))
	var last eventstore.Position
	for _, id := range []string{"acme-2", "acme-3", "acme-4", "acme-5", "acme-6"} {
		last = e.learner(t, id, "acme", id+"@acme.example")
	}

	r := e.runner(pgdirectory.Projection{}, pgtimeline.Projection{})
	if err := r.Setup(ctx); err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	go func() { _ = r.Run(runCtx) }()
	wctx, wcancel := context.WithTimeout(ctx, 15*time.Second)
	defer wcancel()
	if err := r.WaitFor(wctx, last); err != nil {
		t.Fatalf("the read models stopped at the bad event: %v", err)
	}
	check := func(when string, learners int) {
		t.Helper()
		for _, schema := range []string{"rm_directory", "rm_timeline"} {
			if n := count(t, e.pool, `SELECT count(*) FROM `+schema+`.learners`); n != learners {
				t.Errorf("%s: %s has %d learners, want the %d good ones", when, schema, n, learners)
			}
			if n := count(t, e.pool, `SELECT count(*) FROM `+schema+`.learners WHERE id = 'globex-huge'`); n != 0 {
				t.Errorf("%s: %s holds the bad learner", when, schema)
			}
		}
		parked, total, err := r.Parked(ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		if total != 2 || len(parked) != 2 {
			t.Fatalf("%s: parked = %d %+v, want the bad event once per projection", when, total, parked)
		}
		for _, pk := range parked {
			if pk.Position != bad || pk.Stream != "learner-globex-huge" || pk.Type != "directory.learner_provisioned.v1" ||
				pk.TenantID != "globex" || !strings.Contains(pk.Error, "index row size") || pk.ParkedAt.IsZero() {
				t.Errorf("%s: parked %+v", when, pk)
			}
		}
	}
	check("live", 7)

	// A later event of another tenant still goes through.
	later := e.learner(t, "acme-7", "acme", "seven@acme.example")
	if err := r.WaitFor(wctx, later); err != nil {
		t.Fatal(err)
	}
	if _, err := (pgdirectory.Queries{Pool: e.pool}).Learner(ctx, "acme-7"); err != nil {
		t.Fatalf("learner after the bad event: %v", err)
	}
	check("after another event", 8)

	// A rebuild parks it the same way and completes.
	for _, p := range r.Projections() {
		if err := r.Rebuild(ctx, p); err != nil {
			t.Fatalf("rebuild %s: %v", p.Name(), err)
		}
	}
	check("rebuilt", 8)
}

// raising fails with a chosen SQLSTATE on one learner's event.
type raising struct {
	failOn atomic.Value // "learner-id sqlstate"
	raised atomic.Int64 // how often it failed
	// retried is closed when it has failed three times: the runner tried
	// the event again after failing, twice.
	retried chan struct{}
}

func (*raising) Name() string   { return "raising" }
func (*raising) Version() int   { return 1 }
func (*raising) Schema() string { return `CREATE TABLE seen (learner_id text PRIMARY KEY)` }
func (r *raising) Apply(ctx context.Context, tx pgx.Tx, _ eventstore.RecordedEvent, e domain.Event) error {
	ev, ok := e.(directory.LearnerProvisioned)
	if !ok {
		return nil
	}
	if id, code, _ := strings.Cut(r.failOn.Load().(string), " "); id == ev.LearnerID {
		// DO cannot take parameters; the code is the test's own. A query
		// (not Exec, which the runner may defer) fails right here, so the
		// failures can be counted.
		if err := tx.QueryRow(ctx, `DO $$ BEGIN RAISE EXCEPTION 'simulated' USING ERRCODE = '`+code+`'; END $$`).Scan(); err != nil {
			if r.raised.Add(1) == 3 {
				close(r.retried)
			}
			return err
		}
	}
	_, err := tx.Exec(ctx, `INSERT INTO seen VALUES ($1)`, ev.LearnerID)
	return err
}

// TestOnlyErrorsAboutTheEventAreParked: a serialization failure, a deadlock
// or a lost connection says nothing about the event; the projection waits
// and retries it, it does not skip it. A data error is parked.
func TestOnlyErrorsAboutTheEventAreParked(t *testing.T) {
	for _, c := range []struct {
		code   string
		parked bool
	}{
		{"40001", false}, // serialization_failure
		{"40P01", false}, // deadlock_detected
		{"57P01", false}, // admin_shutdown
		{"08006", false}, // connection_failure
		{"53100", false}, // disk_full
		{"42P01", false}, // undefined_table: the projection's bug, the same for every event
		{"22001", true},  // string_data_right_truncation
		{"23505", true},  // unique_violation
		{"54000", true},  // program_limit_exceeded (index row too big)
	} {
		t.Run(c.code, func(t *testing.T) {
			// Not in parallel: another database's open transaction holds
			// back this one's read horizon (xids are the cluster's), which
			// can split the first batch before the failing event.
			e := newEnv(t)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			p := &raising{retried: make(chan struct{})}
			p.failOn.Store("l-002 " + c.code)
			last := e.provision(t, 6, "l")
			r := e.runner(p)
			if err := r.Setup(ctx); err != nil {
				t.Fatal(err)
			}
			runCtx, stop := context.WithCancel(ctx)
			done := make(chan struct{})
			go func() { _ = r.Run(runCtx); close(done) }()
			defer func() { stop(); <-done }()
			// Parked, the rest is applied and the wait ends. Not parked,
			// the runner must keep failing on the event, trying it again
			// (after RetryInterval) rather than parking it or going past
			// it: the wait ends once it has failed three times.
			wctx, wcancel := context.WithTimeout(ctx, 10*time.Second)
			defer wcancel()
			if !c.parked {
				go func() {
					select {
					case <-p.retried:
						wcancel()
					case <-wctx.Done():
					}
				}()
			}
			err := r.WaitFor(wctx, last, "raising")
			if !c.parked && p.raised.Load() < 3 {
				t.Fatalf("the event failed %d times before the wait ended (%v), want it tried again", p.raised.Load(), err)
			}
			_, parked, perr := r.Parked(ctx, 10)
			if perr != nil {
				t.Fatal(perr)
			}
			seen := count(t, e.pool, `SELECT count(*) FROM rm_raising.seen`)
			if c.parked {
				if err != nil || parked != 1 || seen != 5 {
					t.Fatalf("want parked and the rest applied: wait %v, parked %d, seen %d", err, parked, seen)
				}
				return
			}
			if err == nil || parked != 0 || seen != 0 {
				t.Fatalf("want stopped before the batch (the event kept for a retry): wait %v, parked %d, seen %d", err, parked, seen)
			}
			// The cause goes away: the same event is applied, nothing was lost.
			p.failOn.Store("")
			wctx2, wcancel2 := context.WithTimeout(ctx, 10*time.Second)
			defer wcancel2()
			if err := r.WaitFor(wctx2, last, "raising"); err != nil {
				t.Fatal(err)
			}
			if n := count(t, e.pool, `SELECT count(*) FROM rm_raising.seen`); n != 6 {
				t.Fatalf("after the retry: %d of 6 applied", n)
			}
		})
	}
}
