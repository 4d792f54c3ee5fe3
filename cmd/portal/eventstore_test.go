package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/awareportal/portal/projections/readmodels"

	"github.com/awareportal/portal/domain/registry"
	"github.com/awareportal/portal/internal/catalog"
	"github.com/awareportal/portal/internal/config"
	"github.com/awareportal/portal/internal/eventstore"
	"github.com/awareportal/portal/internal/eventstore/kurrentstore"
	"github.com/awareportal/portal/internal/eventstore/kurrentstore/kurrenttest"
	"github.com/awareportal/portal/internal/eventstore/pgstore"
	"github.com/awareportal/portal/internal/media/pgmedia"
	"github.com/awareportal/portal/internal/seed"
	"github.com/awareportal/portal/internal/testenv"
	"github.com/awareportal/portal/projections/pgrunner"
)

// TestEventstoreCopy: the demo tenant's PostgreSQL log copied into KurrentDB
// (the in-process test server) by the command, compared and verified; run
// again, it copies nothing.
func TestEventstoreCopy(t *testing.T) {
	ctx := context.Background()
	db, _ := seededDB(t)
	var n int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM events`).Scan(&n); err != nil || n == 0 {
		t.Fatalf("%d events seeded (%v)", n, err)
	}
	cfg, err := config.Load(func(k string) string {
		return map[string]string{"DATABASE_URL": db.ConnString(), "PORTAL_SMTP_URL": "smtp://127.0.0.1:2525"}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	to := strings.Replace(kurrenttest.Start(t).URL(), "esdb://", "kurrentdb://", 1)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	for run, want := range []string{"Copied " + strconv.Itoa(n) + " events (0 were already there)", "Copied 0 events (" + strconv.Itoa(n) + " were already there)"} {
		var out bytes.Buffer
		if err := eventstoreCmd(ctx, cfg, log, []string{"copy", "--to", to}, &out); err != nil {
			t.Fatalf("run %d: %v\n%s", run+1, err, out.String())
		}
		if !strings.Contains(out.String(), want) || !strings.Contains(out.String(), "OK: the same events") {
			t.Fatalf("run %d:\n%s", run+1, out.String())
		}
	}
	// An event only the target has: the comparison names its stream.
	k, err := kurrentstore.New(to)
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close() //nolint:errcheck
	if _, err := k.Append(ctx, "mail-extra", eventstore.NoStream, eventstore.EventData{Type: "t", Data: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := eventstoreCmd(ctx, cfg, log, []string{"copy", "--to", to}, &out); err == nil || !strings.Contains(out.String(), "DIFFERENT: stream mail-extra") {
		t.Fatalf("a target with an extra event: %v\n%s", err, out.String())
	}
	if err := eventstoreCmd(ctx, cfg, log, []string{"copy"}, io.Discard); err == nil || !strings.Contains(err.Error(), "--to") {
		t.Fatalf("no target: %v", err)
	}
}

// seededDB is a test database whose PostgreSQL event log holds the demo
// tenant (no read models yet).
func seededDB(t *testing.T) (*testenv.Database, *pgstore.Store) {
	t.Helper()
	db := testenv.DB(t)
	store := pgstore.New(db.Pool)
	t.Cleanup(store.Close)
	cat, err := catalog.Load(catalog.Builtin())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := seed.Demo(t.Context(), store, eventstore.Repository{Store: store, Codec: registry.Codec()}, cat, pgmedia.Store{Pool: db.Pool}, time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	return db, store
}

// liveAdmin is a seeded database with its read models caught up, as a
// running portal keeps them, and the configuration admin commands run
// with against it.
func liveAdmin(t *testing.T) (*config.Config, *testenv.Database) {
	t.Helper()
	ctx := context.Background()
	db, store := seededDB(t)
	runner := pgrunner.New(db.Pool, store, registry.Codec(), slog.New(slog.DiscardHandler), readmodels.All()...)
	if err := runner.Setup(ctx); err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	t.Cleanup(stop)
	go func() { _ = runner.Run(runCtx) }()
	all, err := store.ReadAll(ctx, eventstore.Start, 1<<20)
	if err != nil || len(all) == 0 {
		t.Fatalf("seeded log: %v", err)
	}
	if err := runner.WaitFor(ctx, all[len(all)-1].Position); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(func(k string) string {
		return map[string]string{"DATABASE_URL": db.ConnString(), "PORTAL_SMTP_URL": "smtp://127.0.0.1:2525",
			"PORTAL_SECRET_KEY": "dGVzdC1zZWNyZXQtdGVzdC1zZWNyZXQtdGVzdC1zZWNyZXQtdGVzdA=="}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	return cfg, db
}
