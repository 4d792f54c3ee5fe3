package app_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/awareportal/portal/internal/seed"
	"github.com/awareportal/portal/internal/when"
)

// TestTimelinesAreInTheClientsZone: timestamps on My activity, support's
// timeline and the as-of page are the client's local time and say which
// zone; the date filters read and write the portal's one date style
// ("23 Nov 2026") in that zone, and a date they can't read is named on the
// page, not silently dropped.
func TestTimelinesAreInTheClientsZone(t *testing.T) {
	t.Parallel()
	p := start(t)
	tok := p.token(t, "northwind")
	if code, out := p.api(t, tok, "PATCH", "/api/v1/clients/acme", `{"time_zone":"Europe/Berlin"}`); code != 200 {
		t.Fatalf("time zone: %d %v", code, out)
	}
	berlin, _ := time.LoadLocation("Europe/Berlin")
	// 23:30 UTC is already the next day in Berlin.
	now := time.Date(2026, 11, 23, 23, 30, 0, 0, time.UTC)
	p.clock.Set(now)
	b := p.browser(t)
	signIn(t, p, b, sam)

	stamp := when.Stamp(now, berlin) // "24 Nov 2026 00:30 CET"
	if stamp != "24 Nov 2026 00:30 CET" {
		t.Fatalf("stamp %q", stamp)
	}
	r := b.get("/activity")
	if r.status != 200 || !strings.Contains(r.body, stamp) || strings.Contains(r.body, "23 Nov 2026 23:30") {
		t.Fatalf("My activity does not show the sign-in at %s: %d", stamp, r.status)
	}
	if !strings.Contains(r.body, "Days and times in Europe/Berlin") {
		t.Error("My activity does not say which zone its times are in")
	}
	// The sign-in happened on 24 Nov in Berlin: a filter on that day keeps
	// it, one ending the day before drops it (in UTC it was the 23rd).
	if r := b.get("/activity?from=" + url.QueryEscape("24 Nov 2026")); r.status != 200 || !strings.Contains(r.body, stamp) {
		t.Errorf("from 24 Nov: %d, sign-in shown: %v", r.status, strings.Contains(r.body, stamp))
	}
	r = b.get("/activity?to=" + url.QueryEscape("23 nov 2026"))
	if r.status != 200 || strings.Contains(r.body, stamp) || !strings.Contains(r.body, `value="23 Nov 2026"`) {
		t.Errorf("to 23 Nov: %d, sign-in shown: %v (want it filtered out, the day rewritten in the house style)", r.status, strings.Contains(r.body, stamp))
	}
	if r := b.get("/activity?from=2026-11-24"); r.status != 200 || !strings.Contains(r.body, `value="24 Nov 2026"`) {
		t.Errorf("an ISO day (older links): %d", r.status)
	}
	r = b.get("/activity?from=" + url.QueryEscape("11/24/2026"))
	if r.status != 422 || !strings.Contains(r.body, "From: write the date like 23 Nov 2026.") || !strings.Contains(r.body, `value="11/24/2026"`) {
		t.Errorf("an ambiguous day: %d; want 422 naming the field and keeping what was typed", r.status)
	}

	support := p.browser(t)
	signIn(t, p, support, seed.SupportEmail)
	if r := support.get("/staff/users/acme-sam"); r.status != 200 || !strings.Contains(r.body, stamp) || !strings.Contains(r.body, "Days and times in Europe/Berlin") {
		t.Errorf("support's timeline: %d, shows %s: %v", r.status, stamp, strings.Contains(r.body, stamp))
	}
	r = support.get("/staff/asof?learner=acme-sam")
	if !strings.Contains(r.body, "Instant, in Europe/Berlin") || !strings.Contains(r.body, `value="24 Nov 2026 00:30"`) {
		t.Errorf("as-of form: not in Berlin time:\n%.3000s", r.body)
	}
	if r := support.get("/staff/asof?learner=acme-sam&at=" + url.QueryEscape("24 Nov 2026 00:30")); r.status != 200 || !strings.Contains(r.body, "events replayed") {
		t.Errorf("as of 24 Nov 2026 00:30 Berlin: %d", r.status)
	}
	if r := support.get("/staff/asof?learner=acme-sam&at=" + url.QueryEscape("24/11/2026 00:30")); r.status != 422 || !strings.Contains(r.body, "Instant: write the date and time like 23 Nov 2026 14:30.") {
		t.Errorf("as of an unreadable instant: %d", r.status)
	}
	if r := support.get("/staff/export?learner=acme-sam&format=csv&from=" + url.QueryEscape("11/23/2026")); r.status != 400 || !strings.Contains(r.body, "from: write the date like 23 Nov 2026") {
		t.Errorf("export from an unreadable day: %d %.200s; want 400, not the whole history", r.status, r.body)
	}
	if r := support.get("/staff/export?learner=acme-sam&format=csv&from=" + url.QueryEscape("23 Nov 2026")); r.status != 200 || !strings.Contains(r.body, "signed_in") {
		t.Errorf("export from 23 Nov 2026 (UTC) lacks the sign-in: %d %.500s", r.status, r.body)
	}
}
