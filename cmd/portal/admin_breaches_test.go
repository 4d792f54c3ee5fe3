package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
)

// TestAdminBreaches: the CLI imports breach records from JSON Lines (new
// ones once, unknown emails counted), names a bad record by its line and
// stores nothing then, and shows and switches monitoring.
func TestAdminBreaches(t *testing.T) {
	cfg, db := liveAdmin(t)
	dir := t.TempDir()
	file := func(name string, lines ...string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	rec := `{"email":"sam.learner@acme.example","source_id":"Cli1","name":"CLI breach","breach_date":"2025-01-02","disclosed_date":"2025-02-03","data_classes":["Email addresses","Passwords"]}`
	good := file("good.jsonl", rec, "", `{"email":"riley.chen@acme.example","source_id":"Cli1","name":"CLI breach","breach_date":"2025-01-02","disclosed_date":"2025-02-03","data_classes":["Email addresses"]}`,
		`{"email":"nobody@acme.example","source_id":"Cli1","name":"CLI breach","breach_date":"2025-01-02","disclosed_date":"2025-02-03","data_classes":["Email addresses"]}`)
	out, err := adminRun(t, cfg, "breaches", "import", "--partner", "northwind", "--client", "acme", good)
	if err != nil || !strings.Contains(out, "3 records for 2 learners: 2 new, 0 already known, 1 for emails that are no learner") {
		t.Fatalf("import: %v\n%s", err, out)
	}
	out, err = adminRun(t, cfg, "breaches", "import", "--partner", "northwind", "--client", "acme", "--json", good)
	if err != nil || !strings.Contains(out, `"new": 0`) || !strings.Contains(out, `"known": 2`) {
		t.Fatalf("import again: %v\n%s", err, out)
	}
	before := eventCount(t, db.Pool)
	bad := file("bad.jsonl", strings.Replace(rec, "Cli1", "Cli2", 1), "", strings.Replace(rec, `"2025-01-02"`, `"yesterday"`, 1))
	if _, err := adminRun(t, cfg, "breaches", "import", "--partner", "northwind", "--client", "acme", bad); err == nil || !strings.Contains(err.Error(), "line 3: breach_date") {
		t.Fatalf("a bad date on line 3: %v", err)
	}
	notJSON := file("notjson.jsonl", rec, "{")
	if _, err := adminRun(t, cfg, "breaches", "import", "--partner", "northwind", "--client", "acme", notJSON); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Fatalf("not JSON on line 2: %v", err)
	}
	if _, err := adminRun(t, cfg, "breaches", "import", "--partner", "northwind", "--client", "acme"); err == nil {
		t.Fatal("no file: no error")
	}
	if after := eventCount(t, db.Pool); after != before {
		t.Fatalf("refused imports wrote %d events", after-before)
	}
	out, err = adminRun(t, cfg, "breaches", "monitoring", "--partner", "northwind")
	if err != nil || !strings.Contains(out, "master switch: on") || !strings.Contains(out, "acme") {
		t.Fatalf("monitoring: %v\n%s", err, out)
	}
	out, err = adminRun(t, cfg, "breaches", "monitoring", "--partner", "northwind", "--client", "initech", "--enabled=true")
	if err != nil || !strings.Contains(out, "for initech: on (partner switch on, so learners have the Breaches page)") {
		t.Fatalf("switch Initech on: %v\n%s", err, out)
	}
	if _, err := adminRun(t, cfg, "breaches", "monitoring", "--partner", "bluepeak", "--client", "acme", "--enabled=true"); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Fatalf("BluePeak switches Acme: %v", err)
	}
}

func eventCount(t *testing.T, pool *pgxpool.Pool) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(context.Background(), `SELECT count(*) FROM events`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
