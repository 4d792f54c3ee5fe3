package pgembed_test

import (
	"context"
	"errors"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"

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
