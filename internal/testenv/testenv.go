// Package testenv gives tests real dependencies: a PostgreSQL server (the one
// in PORTAL_TEST_DATABASE_URL or DATABASE_URL, else an embedded cluster
// started for the test binary) with a fresh, migrated database per test.
//
// Locally, a test whose dependency is missing is skipped; with CI=true it
// fails instead.
package testenv

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/awareportal/portal/internal/db"
	"github.com/awareportal/portal/internal/pgembed"
)

// harness is the test binary's shared PostgreSQL, set up once by Main.
type harness struct {
	admin    *pgxpool.Config // connects to a maintenance database
	template string          // migrated template database
	cluster  *pgembed.Cluster
	dir      string
	err      error // why there is no database
	counter  atomic.Int64
	mu       sync.Mutex
}

var h harness

// InCI reports whether the tests run in CI, where nothing may be skipped.
func InCI() bool { return os.Getenv("CI") == "true" }

// Unavailable skips the test (or fails it in CI) because of err.
func Unavailable(t testing.TB, what string, err error) {
	t.Helper()
	if InCI() {
		t.Fatalf("%s is required in CI: %v", what, err)
	}
	t.Skipf("%s unavailable: %v", what, err)
}

// Main runs the package's tests with PostgreSQL set up, then tears it down
// and runs cleanup (what the package's tests shared). Call it from TestMain.
func Main(m *testing.M, cleanup ...func()) {
	code := func() int {
		for _, f := range cleanup {
			defer f()
		}
		h.err = setup()
		defer teardown()
		if h.err != nil && InCI() {
			fmt.Fprintf(os.Stderr, "testenv: PostgreSQL is required in CI: %v\n", h.err)
			return 1
		}
		return m.Run()
	}()
	os.Exit(code)
}

func setup() error {
	ctx := context.Background()
	url := os.Getenv("PORTAL_TEST_DATABASE_URL")
	if url == "" {
		url = os.Getenv("DATABASE_URL")
	}
	if url == "" {
		dir, err := os.MkdirTemp("", "portaltest")
		if err != nil {
			return err
		}
		h.dir = dir
		if err := os.Chmod(dir, 0o755); err != nil {
			return err
		}
		c, err := pgembed.Start(ctx, dir, pgembed.Options{Fast: true})
		if err != nil {
			return fmt.Errorf("embedded PostgreSQL: %w", err)
		}
		h.cluster = c
		url = c.URL("postgres")
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return fmt.Errorf("parse test database URL: %w", err)
	}
	h.admin = cfg
	h.template = fmt.Sprintf("portal_tmpl_%d", os.Getpid())
	conn, err := pgx.ConnectConfig(ctx, cfg.ConnConfig)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+h.template); err != nil {
		return fmt.Errorf("create template database: %w", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, h.configFor(h.template))
	if err != nil {
		return err
	}
	defer pool.Close()
	if err := db.Migrate(ctx, pool, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		return fmt.Errorf("migrate template: %w", err)
	}
	return nil
}

func teardown() {
	ctx := context.Background()
	if h.admin != nil && h.template != "" && h.err == nil {
		if conn, err := pgx.ConnectConfig(ctx, h.admin.ConnConfig); err == nil {
			_, _ = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+h.template+" WITH (FORCE)")
			conn.Close(ctx)
		}
	}
	if h.cluster != nil {
		_ = h.cluster.Stop()
	}
	if h.dir != "" {
		_ = os.RemoveAll(h.dir)
	}
}

func (h *harness) configFor(dbname string) *pgxpool.Config {
	cfg := h.admin.Copy()
	cfg.ConnConfig.Database = dbname
	// Like the app: listener, projection locks, batches and requests at once.
	cfg.MaxConns = 16
	return cfg
}

// Database is a fresh, migrated database for one test.
type Database struct {
	Name string
	Pool *pgxpool.Pool
	cfg  *pgxpool.Config
}

// ConnString returns a connection string for the database.
func (d *Database) ConnString() string {
	c := d.cfg.ConnConfig
	return fmt.Sprintf("host=%s port=%d user=%s dbname=%s sslmode=disable", c.Host, c.Port, c.User, c.Database)
}

// DB creates a fresh database from the migrated template and drops it when
// the test ends.
func DB(t testing.TB) *Database {
	t.Helper()
	if h.admin == nil || h.err != nil {
		err := h.err
		if err == nil {
			err = errors.New("testenv.Main was not called from TestMain")
		}
		Unavailable(t, "PostgreSQL", err)
	}
	ctx := context.Background()
	name := fmt.Sprintf("t_%d_%d_%s", os.Getpid(), h.counter.Add(1), sanitize(t.Name()))
	conn, err := pgx.ConnectConfig(ctx, h.admin.ConnConfig)
	if err != nil {
		t.Fatalf("connect admin: %v", err)
	}
	// CREATE DATABASE ... TEMPLATE fails if another session is copying the
	// template at the same moment; serialise within this binary.
	h.mu.Lock()
	_, err = conn.Exec(ctx, "CREATE DATABASE "+name+" TEMPLATE "+h.template+" STRATEGY FILE_COPY")
	h.mu.Unlock()
	conn.Close(ctx)
	if err != nil {
		t.Fatalf("create test database: %v", err)
	}
	cfg := h.configFor(name)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatalf("open test database: %v", err)
	}
	t.Cleanup(func() {
		pool.Close()
		conn, err := pgx.ConnectConfig(ctx, h.admin.ConnConfig)
		if err != nil {
			return
		}
		defer conn.Close(ctx)
		_, _ = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	return &Database{Name: name, Pool: pool, cfg: cfg}
}

func sanitize(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
		if b.Len() >= 30 {
			break
		}
	}
	return b.String()
}
