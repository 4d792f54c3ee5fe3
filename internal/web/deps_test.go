package web_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestNoPostgres keeps the web layer HTTP only: nothing it imports, however
// indirectly, may reach PostgreSQL (pgx) or the River queue. Handlers call
// services; the Postgres code lives in the pg* packages internal/app wires.
func TestNoPostgres(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if strings.Contains(pkg, "github.com/jackc/pgx") || strings.Contains(pkg, "github.com/riverqueue") {
			t.Errorf("internal/web depends on %s", pkg)
		}
	}
}
