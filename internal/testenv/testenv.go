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
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/awareportal/portal/internal/db"
	"github.com/awareportal/portal/internal/pgembed"
)

// harness is the test binary's shared PostgreSQL, set up by the first test
// that asks for a database (a package whose tests -run leaves none of, or
// whose tests need none, starts no server) and torn down by Main.
type harness struct {
	main  bool            // Main runs the tests
	start sync.Once       // setup, once
	admin *pgxpool.Config // connects to a maintenance database
	// adminPool runs CREATE and DROP DATABASE: a connection costs the
	// server a process, two per test otherwise.
	adminPool *pgxpool.Pool
	template  string // migrated template database
	cluster   *pgembed.Cluster
	dir       string
	err       error // why there is no database
	counter   atomic.Int64
	mu        sync.Mutex

	tmplMu    sync.Mutex
	templates map[string]*derived // by name, see Template
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

// Option changes how Main runs a package's tests.
type Option func(*mainOptions)

type mainOptions struct {
	parallel int
	after    []func()
}

// Parallel runs up to n tests that call t.Parallel at once, unless -parallel
// is given (go test's default is GOMAXPROCS, 2 on CI: too few for tests that
// mostly wait on PostgreSQL, SMTP, HTTP and chromium). When fuzzing, where
// -parallel counts worker processes, go test's default stays.
func Parallel(n int) Option { return func(o *mainOptions) { o.parallel = n } }

// After runs f when the package's tests are done, before PostgreSQL stops
// (for fixtures the tests share, such as a browser).
func After(f func()) Option { return func(o *mainOptions) { o.after = append(o.after, f) } }

// Main runs the package's tests, then stops the PostgreSQL the first test
// that needed one started. Call it from TestMain.
func Main(m *testing.M, opts ...Option) {
	var o mainOptions
	for _, opt := range opts {
		opt(&o)
	}
	if o.parallel > 0 {
		flag.Parse()
		given := false
		flag.Visit(func(f *flag.Flag) {
			given = given || f.Name == "test.parallel" || (f.Name == "test.fuzz" && f.Value.String() != "")
		})
		if !given {
			_ = flag.Set("test.parallel", strconv.Itoa(o.parallel))
		}
	}
	h.main = true
	code := func() int {
		defer h.teardown()
		defer durable.h.teardown()
		defer func() {
			for _, f := range o.after {
				f()
			}
		}()
		return m.Run()
	}()
	os.Exit(code)
}

// setup starts (or connects to) the server and makes the migrated
// template. durable: PostgreSQL's own commit settings, not the tests'
// fsync=off and synchronous_commit=off.
func (h *harness) setup(durable bool) error {
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
		// initdb once per machine (per user and installation), not per
		// test binary: each copies the fresh cluster.
		cache := filepath.Join(os.TempDir(), fmt.Sprintf("portaltest-initdb-%d", os.Getuid()))
		c, err := pgembed.Start(ctx, dir, pgembed.Options{Fast: !durable, InitCache: cache})
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
	if durable && h.cluster == nil {
		// A server of someone else's: ask for durable commits at least.
		cfg.ConnConfig.RuntimeParams["synchronous_commit"] = "on"
	}
	h.admin = cfg
	h.template = fmt.Sprintf("portal_tmpl_%d", os.Getpid())
	if durable {
		h.template += "_durable"
	}
	adminCfg := cfg.Copy()
	adminCfg.MaxConns = 4
	if h.adminPool, err = pgxpool.NewWithConfig(ctx, adminCfg); err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	if _, err := h.adminPool.Exec(ctx, "CREATE DATABASE "+h.template); err != nil {
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

func (h *harness) teardown() {
	ctx := context.Background()
	if h.adminPool != nil {
		if h.template != "" && h.err == nil {
			for _, d := range h.templates {
				_, _ = h.adminPool.Exec(ctx, "DROP DATABASE IF EXISTS "+d.db+" WITH (FORCE)")
			}
			_, _ = h.adminPool.Exec(ctx, "DROP DATABASE IF EXISTS "+h.template+" WITH (FORCE)")
		}
		h.adminPool.Close()
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
	available(t)
	return h.create(t, h.template)
}

// derived is a template database built once from the migrated one.
type derived struct {
	once sync.Once
	db   string
	err  error
}

// Template builds, once per test binary, a template database named after
// name: a copy of the migrated template that build fills in (build gets a
// connection string and a pool that is closed afterwards). DBFrom copies it
// for each test, so that an expensive common start (a seed, caught-up read
// models) is paid once, not per test. A failed build fails every test that
// asks for it.
func Template(t testing.TB, name string, build func(ctx context.Context, d *Database) error) string {
	t.Helper()
	available(t)
	h.tmplMu.Lock()
	if h.templates == nil {
		h.templates = map[string]*derived{}
	}
	d := h.templates[name]
	if d == nil {
		d = &derived{db: fmt.Sprintf("portal_tmpl_%d_%s", os.Getpid(), sanitize(name))}
		h.templates[name] = d
	}
	h.tmplMu.Unlock()
	d.once.Do(func() { d.err = d.build(build) })
	if d.err != nil {
		t.Fatalf("template database %s: %v", name, d.err)
	}
	return d.db
}

func (d *derived) build(build func(ctx context.Context, d *Database) error) error {
	ctx := context.Background()
	h.mu.Lock()
	_, err := h.adminPool.Exec(ctx, "CREATE DATABASE "+d.db+" TEMPLATE "+h.template+" STRATEGY FILE_COPY")
	h.mu.Unlock()
	if err != nil {
		return err
	}
	cfg := h.configFor(d.db)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return err
	}
	err = build(ctx, &Database{Name: d.db, Pool: pool, cfg: cfg})
	pool.Close()
	return err
}

// DBFrom is DB copying template (made by Template) instead of the migrated
// template.
func DBFrom(t testing.TB, template string) *Database {
	t.Helper()
	available(t)
	return h.create(t, template)
}

// available starts the shared PostgreSQL on first use and skips the test
// (fails it in CI) when there is none.
func available(t testing.TB) {
	t.Helper()
	if !h.main {
		Unavailable(t, "PostgreSQL", errors.New("testenv.Main was not called from TestMain"))
	}
	h.start.Do(func() { h.err = h.setup(false) })
	if h.err != nil {
		Unavailable(t, "PostgreSQL", h.err)
	}
}

func (h *harness) create(t testing.TB, template string) *Database {
	t.Helper()
	ctx := context.Background()
	name := fmt.Sprintf("t_%d_%d_%s", os.Getpid(), h.counter.Add(1), sanitize(t.Name()))
	// CREATE DATABASE ... TEMPLATE fails if another session is copying the
	// template at the same moment; serialise within this binary.
	h.mu.Lock()
	_, err := h.adminPool.Exec(ctx, "CREATE DATABASE "+name+" TEMPLATE "+template+" STRATEGY FILE_COPY")
	h.mu.Unlock()
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
		_, _ = h.adminPool.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
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
