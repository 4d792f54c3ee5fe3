package main

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/awareportal/portal/projections/readmodels"

	"github.com/awareportal/portal/domain/registry"
	"github.com/awareportal/portal/internal/config"
	"github.com/awareportal/portal/internal/eventstore"
	"github.com/awareportal/portal/projections/pgrunner"
)

// TestAdminPhishing: the CLI imports phishing results (the API's body),
// stores each (campaign, learner) once, records a later report as an
// update, and refuses a bad result by its field, storing nothing.
func TestAdminPhishing(t *testing.T) {
	ctx := context.Background()
	db, store := seededDB(t)
	runner := pgrunner.New(db.Pool, store, registry.Codec(), slog.New(slog.DiscardHandler), readmodels.All()...)
	if err := runner.Setup(ctx); err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
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
	dir := t.TempDir()
	file := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	sent := time.Now().Add(-48 * time.Hour).UTC().Truncate(time.Second)
	at := func(d time.Duration) string { return sent.Add(d).Format(time.RFC3339) }
	body := `{"campaign_id":"cli-1","campaign_name":"CLI campaign","sent_at":"` + at(0) + `","results":[` +
		`{"learner_id":"acme-sam","clicked_at":"` + at(time.Hour) + `"},{"learner_id":"acme-riley"}]}`
	good := file("good.json", body)
	out, err := adminRun(t, cfg, "phishing", "import", "--partner", "northwind", "--client", "acme", good)
	if err != nil || !strings.Contains(out, "2 results for 2 learners: 2 new, 0 updated, 0 unchanged") {
		t.Fatalf("import: %v\n%s", err, out)
	}
	out, err = adminRun(t, cfg, "phishing", "import", "--partner", "northwind", "--client", "acme", "--json", good)
	if err != nil || !strings.Contains(out, `"new": 0`) || !strings.Contains(out, `"unchanged": 2`) {
		t.Fatalf("import again: %v\n%s", err, out)
	}
	later := file("later.json", strings.Replace(body, `{"learner_id":"acme-riley"}`, `{"learner_id":"acme-riley","reported_at":"`+at(2*time.Hour)+`"}`, 1))
	out, err = adminRun(t, cfg, "phishing", "import", "--partner", "northwind", "--client", "acme", later)
	if err != nil || !strings.Contains(out, "1 updated, 1 unchanged") {
		t.Fatalf("later report: %v\n%s", err, out)
	}
	before := eventCount(t, db.Pool)
	bad := file("bad.json", strings.Replace(strings.Replace(body, "cli-1", "cli-2", 1), at(time.Hour), "soon", 1))
	if _, err := adminRun(t, cfg, "phishing", "import", "--partner", "northwind", "--client", "acme", bad); err == nil || !strings.Contains(err.Error(), "results[0].clicked_at") {
		t.Fatalf("a bad time: %v", err)
	}
	if _, err := adminRun(t, cfg, "phishing", "import", "--partner", "northwind", "--client", "acme", file("notjson.json", "{")); err == nil {
		t.Fatal("not JSON: no error")
	}
	if _, err := adminRun(t, cfg, "phishing", "import", "--partner", "bluepeak", "--client", "acme", good); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Fatalf("BluePeak imports for Acme: %v", err)
	}
	if after := eventCount(t, db.Pool); after != before {
		t.Fatalf("refused imports wrote %d events", after-before)
	}
}
