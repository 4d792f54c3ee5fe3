package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestAdminReminders: the CLI shows a client's reminder policy (the
// defaults), changes the fields it is given, sets the time zone, and
// refuses bad values naming the field.
func TestAdminReminders(t *testing.T) {
	cfg, _ := liveAdmin(t)
	out, err := adminRun(t, cfg, "reminders", "show", "--partner", "northwind", "--client", "acme")
	if err != nil || !strings.Contains(out, "(the defaults)") || !strings.Contains(out, "monday at 09:00") {
		t.Fatalf("show: %v\n%s", err, out)
	}
	if _, err := adminRun(t, cfg, "clients", "set", "--partner", "northwind", "--client", "acme", "--time-zone", "Mars/Olympus"); err == nil || !strings.Contains(err.Error(), "time_zone") {
		t.Fatalf("Mars/Olympus: %v", err)
	}
	if _, err := adminRun(t, cfg, "clients", "set", "--partner", "northwind", "--client", "acme", "--time-zone", "Europe/Berlin"); err != nil {
		t.Fatal(err)
	}
	if _, err := adminRun(t, cfg, "reminders", "set", "--partner", "northwind", "--client", "acme", "--hour", "25"); err == nil || !strings.Contains(err.Error(), "learners.hour") {
		t.Fatalf("hour 25: %v", err)
	}
	out, err = adminRun(t, cfg, "reminders", "set", "--partner", "northwind", "--client", "acme", "--days-before", "5", "--digest=false", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var p struct {
		TimeZone string `json:"time_zone"`
		Default  bool   `json:"default"`
		Learners struct {
			DaysBefore int  `json:"days_before"`
			OnDueDate  bool `json:"on_due_date"`
		} `json:"learners"`
		Digest struct {
			Enabled bool `json:"enabled"`
		} `json:"manager_digest"`
	}
	if err := json.Unmarshal([]byte(out), &p); err != nil || p.TimeZone != "Europe/Berlin" || p.Default || p.Learners.DaysBefore != 5 || !p.Learners.OnDueDate || p.Digest.Enabled {
		t.Fatalf("set: %v %+v\n%s", err, p, out)
	}
}
