package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestAdminOnboarding: the CLI uploads a file, defines a module with it,
// sets the default sequence and a client's, and shows them; refusals name
// the field and change nothing.
func TestAdminOnboarding(t *testing.T) {
	cfg, _ := liveAdmin(t)
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
