package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestAdminClientLanguage: `portal admin clients set --language` sets a
// client's default language, refuses one the portal does not speak naming
// the field, and clears it with an empty value.
func TestAdminClientLanguage(t *testing.T) {
	cfg, _ := liveAdmin(t)
	set := func(args ...string) (string, error) {
		return adminRun(t, cfg, append([]string{"clients", "set", "--partner", "northwind", "--client", "acme"}, args...)...)
	}
	if _, err := set("--language", "es"); err == nil || !strings.Contains(err.Error(), "language") || !strings.Contains(err.Error(), "en, de, fr") {
		t.Fatalf("es: %v", err)
	}
	out, err := set("--language", "de")
	if err != nil || !strings.Contains(out, "language de") {
		t.Fatalf("de: %v\n%s", err, out)
	}
	out, err = set("--language", "FR", "--json")
	var c struct {
		Language string `json:"language"`
	}
	if err != nil || json.Unmarshal([]byte(out), &c) != nil || c.Language != "fr" {
		t.Fatalf("fr --json: %v %+v\n%s", err, c, out)
	}
	if out, err = set("--language="); err != nil || !strings.Contains(out, "language (none)") {
		t.Fatalf("none: %v\n%s", err, out)
	}
}
