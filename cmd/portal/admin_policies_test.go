package main

import (
	"strings"
	"testing"
)

// TestAdminPolicies: the CLI publishes a Markdown policy from a file,
// assigns it to a client, lists it; refusals name the field.
func TestAdminPolicies(t *testing.T) {
	cfg, _ := liveAdmin(t)
	out, err := adminRun(t, cfg, "policy", "publish", "--partner", "northwind", "--id", "aup-cli", "--title", "AUP", "--version", "2",
		"--file", "../../internal/seed/assets/acceptable-use-policy.md", "--json")
	if err != nil || !strings.Contains(out, `"content_type": "text/markdown; charset=utf-8"`) || !strings.Contains(out, `"version": 2`) {
		t.Fatalf("publish: %v\n%s", err, out)
	}
	if _, err := adminRun(t, cfg, "policy", "publish", "--partner", "northwind", "--id", "aup-cli", "--title", "AUP", "--version", "1",
		"--file", "../../internal/seed/assets/remote-working-policy.pdf"); err == nil || !strings.Contains(err.Error(), "version") {
		t.Fatalf("a lower version: %v", err)
	}
	if _, err := adminRun(t, cfg, "policy", "publish", "--partner", "northwind", "--id", "bad", "--title", "Video",
		"--version", "1", "--file", "../../internal/seed/assets/stop-look-report.webm"); err == nil || !strings.Contains(err.Error(), "file") {
		t.Fatalf("a video: %v", err)
	}
	if _, err := adminRun(t, cfg, "policy", "assign", "--partner", "northwind", "--client", "acme", "--id", "aup-cli", "--due", "yesterday"); err == nil || !strings.Contains(err.Error(), "due_at") {
		t.Fatalf("a bad due date: %v", err)
	}
	out, err = adminRun(t, cfg, "policy", "assign", "--partner", "northwind", "--client", "acme", "--id", "aup-cli", "--due", "2099-01-01", "--learners", "acme-sam")
	if err != nil || !strings.Contains(out, "Asked 1 learner(s) to sign aup-cli") {
		t.Fatalf("assign: %v\n%s", err, out)
	}
	out, err = adminRun(t, cfg, "policy", "list", "--partner", "northwind")
	if err != nil || !strings.Contains(out, "aup-cli") || !strings.Contains(out, "remote-working") {
		t.Fatalf("list: %v\n%s", err, out)
	}
}
