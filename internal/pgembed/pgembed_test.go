package pgembed_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/awareportal/portal/internal/clock"
	"github.com/awareportal/portal/internal/pgembed"
	"github.com/awareportal/portal/internal/testenv"
)

// TestSecondProcessJoinsTheRunningCluster: what `portal migrate` does while
// `portal serve` runs on the same data dir.
func TestSecondProcessJoinsTheRunningCluster(t *testing.T) {
	dir, err := os.MkdirTemp("", "pgembedtest")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	first, err := pgembed.Start(ctx, dir, pgembed.Options{Fast: true})
	if errors.Is(err, pgembed.ErrNoBinaries) {
		testenv.Unavailable(t, "PostgreSQL server binaries", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer first.Stop() //nolint:errcheck

	second, err := pgembed.Start(ctx, dir, pgembed.Options{Fast: true})
	if err != nil {
		t.Fatalf("second start: %v", err)
	}
	if second.URL("portal") != first.URL("portal") {
		t.Fatalf("second uses %s, first %s", second.URL("portal"), first.URL("portal"))
	}
	if err := second.Stop(); err != nil {
		t.Fatal(err)
	}
	// The joiner's Stop leaves the owner's server running.
	conn, err := pgx.Connect(ctx, first.URL("portal"))
	if err != nil {
		t.Fatalf("server gone after the joiner stopped: %v", err)
	}
	conn.Close(ctx)

	if err := first.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := pgx.Connect(ctx, first.URL("portal")); err == nil {
		t.Fatal("server still running after its owner stopped it")
	}
}

// TestSupervisorRestartsAKilledServer: kill -9 of the postmaster makes
// queries fail; without anyone's help the server is back within seconds,
// and the same connection pool works again.
func TestSupervisorRestartsAKilledServer(t *testing.T) {
	dir, err := os.MkdirTemp("", "pgembedtest")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	c, err := pgembed.Start(ctx, dir, pgembed.Options{} /* durable: a kill must not lose commits */)
	if errors.Is(err, pgembed.ErrNoBinaries) {
		testenv.Unavailable(t, "PostgreSQL server binaries", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop() //nolint:errcheck
	superCtx, stopSupervising := context.WithCancel(ctx)
	supervised := make(chan struct{})
	go func() { c.Supervise(superCtx); close(supervised) }()
	defer func() { stopSupervising(); <-supervised }()

	pool, err := pgxpool.New(ctx, c.URL("portal"))
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	query := func() error {
		qctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		var one int
		return pool.QueryRow(qctx, `SELECT 1`).Scan(&one)
	}
	if err := query(); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `CREATE TABLE kept (v int); INSERT INTO kept VALUES (42)`); err != nil {
		t.Fatal(err)
	}

	pid := postmasterPID(t, dir)
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()

	// Down: queries fail (until the supervisor has it back).
	sawFailure := false
	for time.Since(killed) < 10*time.Second && !sawFailure {
		sawFailure = query() != nil
	}
	if !sawFailure {
		t.Fatal("queries kept succeeding after the postmaster was killed")
	}
	// Back, on the same pool, within a bounded time, with the data.
	var back bool
	for time.Since(killed) < 30*time.Second {
		if query() == nil {
			back = true
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !back {
		t.Fatal("the server was not back within 30 s of the kill")
	}
	t.Logf("back %s after the kill", time.Since(killed).Round(10*time.Millisecond))
	if newPID := postmasterPID(t, dir); newPID == pid {
		t.Fatalf("postmaster pid unchanged (%d)", pid)
	}
	// The supervisor marks it up once its own readiness check has passed,
	// which can be a moment after the first query got through.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if down, _, _ := c.Down(); !down {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("supervisor still reports the server down 10 s after it answered queries")
		}
	}
	var v int
	if err := pool.QueryRow(ctx, `SELECT v FROM kept`).Scan(&v); err != nil || v != 42 {
		t.Fatalf("data after restart: %d %v", v, err)
	}

	// Stop is not a death: the supervisor does not start it again.
	stopSupervising()
	<-supervised
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := pgx.Connect(ctx, c.URL("portal")); err == nil {
		t.Fatal("server running after Stop")
	}
}

func postmasterPID(t *testing.T, dir string) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "postgres", "data", "postmaster.pid"))
	if err != nil {
		t.Fatal(err)
	}
	first, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(first))
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

// TestSupervisorKeepsTryingAndReportsAnOutage: while the server cannot
// start (its data directory is gone), the supervisor keeps trying with
// backoff and Health turns bad once the outage outlasts the limit; when
// the directory is back, so is the server, and Health is good again.
func TestSupervisorKeepsTryingAndReportsAnOutage(t *testing.T) {
	dir, err := os.MkdirTemp("", "pgembedtest")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	clk := clock.NewFake(time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC))
	c, err := pgembed.Start(ctx, dir, pgembed.Options{Fast: true, Clock: clk})
	if errors.Is(err, pgembed.ErrNoBinaries) {
		testenv.Unavailable(t, "PostgreSQL server binaries", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop() //nolint:errcheck
	superCtx, stopSupervising := context.WithCancel(ctx)
	supervised := make(chan struct{})
	go func() { c.Supervise(superCtx); close(supervised) }()
	defer func() { stopSupervising(); <-supervised }()

	// Take its data away (the running server does not notice), then kill it.
	data := filepath.Join(dir, "postgres", "data")
	pid := postmasterPID(t, dir)
	if err := os.Rename(data, data+".away"); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	// It keeps trying: several attempts within a few seconds (backoff 250 ms, 500 ms, 1 s...).
	deadline := time.Now().Add(15 * time.Second)
	for {
		_, _, attempts := c.Down()
		if attempts >= 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d restart attempts", attempts)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := c.Health(2 * time.Minute); err != nil {
		t.Fatalf("a fresh outage already unhealthy: %v", err)
	}
	clk.Advance(3 * time.Minute)
	if err := c.Health(2 * time.Minute); err == nil {
		t.Fatal("healthy after a 3-minute outage")
	} else {
		t.Log(err)
	}

	if err := os.Rename(data+".away", data); err != nil {
		t.Fatal(err)
	}
	deadline = time.Now().Add(30 * time.Second)
	for {
		if down, _, _ := c.Down(); !down {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("not restarted once the data directory was back")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := c.Health(2 * time.Minute); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, c.URL("portal"))
	if err != nil {
		t.Fatal(err)
	}
	conn.Close(ctx)
}
