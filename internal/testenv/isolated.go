package testenv

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/awareportal/portal/internal/db"
	"github.com/awareportal/portal/internal/pgembed"
)

// CanIsolate reports whether Isolated gives a test a PostgreSQL server of
// its own (the embedded default), so that it may run beside others. With
// PORTAL_TEST_DATABASE_URL or DATABASE_URL set there is one server, and
// Isolated gives a database on it as DB does. It starts the shared server
// if no test has yet (false when there is none).
func CanIsolate() bool {
	if !h.main {
		return false
	}
	h.start.Do(func() { h.err = h.setup(false) })
	return h.err == nil && h.cluster != nil
}

// Isolated gives the test a fresh, migrated database on a PostgreSQL
// server of its own, started from the machine's initdb cache and stopped
// when the test ends.
//
// Why a server and not a database: transaction ids and snapshots are the
// whole server's. The event log's readers wait for every transaction that
// started before an event's to end (the visibility horizon), so a test
// holding a long transaction (a rebuild compared with the live read models,
// a process killed mid-transaction) stalls the read models of every other
// test on the same server. Tests that do that run in parallel only on
// servers of their own.
func Isolated(t testing.TB) *Database {
	t.Helper()
	available(t)
	if !CanIsolate() {
		return DB(t)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir, err := os.MkdirTemp("", "portaltest-own")
	if err != nil {
		t.Fatal(err)
	}
	// The server may run as an unprivileged user (when tests run as root).
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	cache := filepath.Join(os.TempDir(), fmt.Sprintf("portaltest-initdb-%d", os.Getuid()))
	c, err := pgembed.Start(ctx, dir, pgembed.Options{Fast: true, InitCache: cache})
	if err != nil {
		_ = os.RemoveAll(dir)
		t.Fatalf("a PostgreSQL server of the test's own: %v", err)
	}
	t.Cleanup(func() {
		_ = c.Stop()
		_ = os.RemoveAll(dir)
	})
	cfg, err := pgxpool.ParseConfig(c.URL("portal"))
	if err != nil {
		t.Fatal(err)
	}
	cfg.MaxConns = 16
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatalf("open the test's own database: %v", err)
	}
	t.Cleanup(pool.Close)
	if err := db.Migrate(ctx, pool, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatalf("migrate the test's own database: %v", err)
	}
	return &Database{Name: "portal", Pool: pool, cfg: cfg}
}
