// Package servicetest runs application services the fast way: the event
// log in memory (memstore), the demo tenant seeded into it, and the read
// models in a real PostgreSQL database (testenv) kept by the real
// projection runner. Use it from service tests; call testenv.Main from
// the test package's TestMain.
package servicetest

import (
	"context"
	"io"
	"log/slog"
	"net/url"
	"testing"
	"time"

	"github.com/awareportal/portal/projections/readmodels"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/awareportal/portal/domain/registry"
	"github.com/awareportal/portal/internal/catalog"
	"github.com/awareportal/portal/internal/clock"
	"github.com/awareportal/portal/internal/eventstore"
	"github.com/awareportal/portal/internal/eventstore/memstore"
	"github.com/awareportal/portal/internal/media/pgmedia"
	"github.com/awareportal/portal/internal/seed"
	"github.com/awareportal/portal/internal/testenv"
	"github.com/awareportal/portal/projections/pgrunner"
)

// Fixture is a seeded in-memory log with live read models.
type Fixture struct {
	Ctx     context.Context
	Store   *memstore.Store
	Repo    eventstore.Repository
	Catalog *catalog.Catalog
	Runner  *pgrunner.Runner
	Pool    *pgxpool.Pool
	Clock   *clock.Fake
	BaseURL *url.URL
	Log     *slog.Logger
}

// New seeds the demo tenant into a fresh in-memory log and waits until the
// read models show it.
func New(t *testing.T) *Fixture {
	t.Helper()
	db := testenv.DB(t)
	clk := clock.NewFake(time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC))
	store := memstore.New(clk.Now)
	repo := eventstore.Repository{Store: store, Codec: registry.Codec()}
	cat, err := catalog.Load(catalog.Builtin())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	if _, err := seed.Demo(ctx, store, repo, cat, pgmedia.Store{Pool: db.Pool}, clk.Now()); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	runner := pgrunner.New(db.Pool, store, repo.Codec, log, readmodels.All()...)
	if err := runner.Setup(ctx); err != nil {
		t.Fatal(err)
	}
	go func() { _ = runner.Run(ctx) }()
	base, _ := url.Parse("http://localhost:8080")
	f := &Fixture{Ctx: ctx, Store: store, Repo: repo, Catalog: cat, Runner: runner, Pool: db.Pool, Clock: clk, BaseURL: base, Log: log}
	last, err := store.ReadAll(ctx, eventstore.Start, 1<<20)
	if err != nil || len(last) == 0 {
		t.Fatalf("seeded log: %d events, %v", len(last), err)
	}
	f.Settle(t, last[len(last)-1].Position)
	return f
}

// Settle waits until every read model has applied pos.
func (f *Fixture) Settle(t *testing.T, pos eventstore.Position) {
	t.Helper()
	if err := f.WaitFor(f.Ctx, pos); err != nil {
		t.Fatal(err)
	}
}

// WaitFor is Settle for services that take a settle function.
func (f *Fixture) WaitFor(ctx context.Context, pos eventstore.Position) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	return f.Runner.WaitFor(ctx, pos)
}
