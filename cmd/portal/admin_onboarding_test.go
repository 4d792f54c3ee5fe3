package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/awareportal/portal/internal/app"
	"github.com/awareportal/portal/projections/pgrunner"

	"github.com/awareportal/portal/domain/registry"
	"github.com/awareportal/portal/internal/config"
	"github.com/awareportal/portal/internal/eventstore"
)

// TestAdminOnboarding: the CLI uploads a file, defines a module with it,
// sets the default sequence and a client's, and shows them; refusals name
// the field and change nothing.
func TestAdminOnboarding(t *testing.T) {
	ctx := context.Background()
	db, store := seededDB(t)
	// The read models as a running portal keeps them.
	runner := pgrunner.New(db.Pool, store, registry.Codec(), slog.New(slog.DiscardHandler), app.Projections()...)
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
	out, err := adminRun(t, cfg, "onboarding", "module", "--partner", "northwind", "--id", "handbook", "--kind", "policy_pdf",
		"--title", "Staff handbook", "--file", "../../internal/seed/assets/acceptable-use-policy.pdf", "--json")
	if err != nil || !strings.Contains(out, `"title": "Staff handbook"`) || !strings.Contains(out, `"content_type": "application/pdf"`) {
		t.Fatalf("module with an upload: %v\n%s", err, out)
	}
	if _, err := adminRun(t, cfg, "onboarding", "module", "--partner", "northwind", "--id", "bad", "--kind", "video",
		"--file", "../../internal/seed/assets/acceptable-use-policy.pdf"); err == nil || !strings.Contains(err.Error(), "media") {
		t.Fatalf("a PDF as a video: %v", err)
	}
	if _, err := adminRun(t, cfg, "onboarding", "default", "--partner", "northwind", "--modules", ""); err == nil || !strings.Contains(err.Error(), "modules") {
		t.Fatalf("an empty default: %v", err)
	}
	if _, err := adminRun(t, cfg, "onboarding", "default", "--partner", "northwind", "--modules", "welcome,handbook"); err != nil {
		t.Fatal(err)
	}
	if _, err := adminRun(t, cfg, "onboarding", "client", "--partner", "northwind", "--client", "acme", "--modules", "handbook",
		"--report-button", "Report Message", "--help-desk", "help@acme.example"); err != nil {
		t.Fatal(err)
	}
	out, err = adminRun(t, cfg, "onboarding", "show", "--partner", "northwind", "--json")
	var o struct {
		Default []string `json:"default"`
		Modules []struct {
			ID string `json:"id"`
		} `json:"modules"`
	}
	if err != nil || json.Unmarshal([]byte(out), &o) != nil || strings.Join(o.Default, ",") != "welcome,handbook" || len(o.Modules) != 5 {
		t.Fatalf("show: %v\n%s", err, out)
	}
	out, err = adminRun(t, cfg, "onboarding", "show", "--partner", "northwind", "--client", "acme")
	if err != nil || !strings.Contains(out, "its own sequence: handbook") || !strings.Contains(out, "Report button: Report Message") {
		t.Fatalf("show --client: %v\n%s", err, out)
	}
}
