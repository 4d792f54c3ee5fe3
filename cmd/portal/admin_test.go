package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/awareportal/portal/internal/config"
	"github.com/awareportal/portal/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func adminRun(t *testing.T, cfg *config.Config, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := adminCmd(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), args, &out)
	return out.String(), err
}

func TestAdminHelp(t *testing.T) {
	cfg := &config.Config{}
	out, err := adminRun(t, cfg, "--help")
	if err != nil || !strings.Contains(out, "clients create") || !strings.Contains(out, "staff grant") {
		t.Fatalf("portal admin --help: %v\n%s", err, out)
	}
	out, err = adminRun(t, cfg, "clients", "create", "--help")
	if err != nil || !strings.Contains(out, "-leaderboard") || strings.Contains(out, "-email") {
		t.Fatalf("clients create --help shows its own flags only: %v\n%s", err, out)
	}
	if _, err := adminRun(t, cfg, "clients", "create", "--email", "x@y.example"); err == nil || !strings.Contains(err.Error(), "not defined: -email") {
		t.Fatalf("a flag of another command: %v", err)
	}
	if _, err := adminRun(t, cfg, "clients", "explode"); err == nil || !strings.Contains(err.Error(), "unknown admin command") {
		t.Fatalf("unknown command: %v", err)
	}
	if _, err := adminRun(t, cfg, "clients", "list"); err == nil || !strings.Contains(err.Error(), "--partner is required") {
		t.Fatalf("missing --partner: %v", err)
	}
}

// TestAdminJSONHasTheAPIsKeys: --json prints the API's snake_case shapes.
func TestAdminJSONHasTheAPIsKeys(t *testing.T) {
	db := testenv.DB(t)
	cfg, err := config.Load(func(k string) string {
		return map[string]string{
			"DATABASE_URL": db.ConnString(), "PORTAL_SMTP_URL": "smtp://127.0.0.1:2525", "PORTAL_SEED": "true",
			"PORTAL_SECRET_KEY": "dGVzdC1zZWNyZXQtdGVzdC1zZWNyZXQtdGVzdC1zZWNyZXQtdGVzdA==",
		}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	// The seed runs when the portal starts; a partner of our own is enough here.
	if _, err := adminRun(t, cfg, "clients", "list", "--partner", "nobody"); err == nil {
		t.Fatal("an unknown partner must be an error")
	}
	out, err := adminRun(t, cfg, "courses", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var courses []map[string]any
	if err := json.Unmarshal([]byte(out), &courses); err != nil || len(courses) == 0 {
		t.Fatalf("courses --json: %v\n%s", err, out)
	}
	for _, key := range []string{"id", "version", "title", "pass_mark", "lessons"} {
		if _, ok := courses[0][key]; !ok {
			t.Errorf("courses --json lacks %q: %v", key, courses[0])
		}
	}
	if _, ok := courses[0]["PassMark"]; ok {
		t.Error("courses --json uses Go field names")
	}
}
