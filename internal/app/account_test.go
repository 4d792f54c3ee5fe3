package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/awareportal/portal/internal/seed"
)

// TestNewLearnerIsNotRatedYet: a learner assigned one course due in five
// weeks is "Not rated yet" in neutral styling (it read "Poor, 30/100" in
// red), on My Stats and on staff's as-of page, until the due date passes.
func TestNewLearnerIsNotRatedYet(t *testing.T) {
	t.Parallel()
	p := start(t)
	tok := p.token(t, "northwind")
	code, out := p.api(t, tok, "POST", "/api/v1/clients/acme/users", `{"email":"nia.new@acme.example","first_name":"Nia","last_name":"New"}`)
	if code != 201 {
		t.Fatalf("provision: %d %v", code, out)
	}
	learner, _ := out["id"].(string)
	code, out = p.api(t, tok, "POST", "/api/v1/clients/acme/assignments", `{"course_id":"spotting-phishing","due_at":"2026-12-27","learner_ids":["`+learner+`"]}`)
	if code != 201 {
		t.Fatalf("assign: %d %v", code, out)
	}
	b := p.browser(t)
	signIn(t, p, b, "nia.new@acme.example")
	finishOnboarding(t, p, b)

	stats := b.get("/stats")
	if stats.status != 200 || !strings.Contains(stats.body, "Not rated yet") || !strings.Contains(stats.body, "band-unrated") ||
		!strings.Contains(stats.body, "when you finish your first course") {
		t.Fatalf("a new learner's stats: %d\n%s", stats.status, stats.body)
	}
	for _, judged := range []string{"riskscore-num", "band-poor", "Poor", `class="chart"`} {
		if strings.Contains(stats.body, judged) {
			t.Errorf("a new learner's stats show %q", judged)
		}
	}
	if n := countRows(t, p, `rm_progress.risk_history WHERE learner_id = '`+learner+`'`); n != 0 {
		t.Errorf("%d history points before the learner was rated", n)
	}

	support := p.browser(t)
	signIn(t, p, support, seed.SupportEmail)
	now := p.clock.Now().UTC().Format("2006-01-02T15:04")
	if r := support.get("/staff/asof?learner=" + learner + "&at=" + now); !strings.Contains(r.body, "Risk score: <strong>Not rated yet</strong>") {
		t.Errorf("staff's as-of page rates the new learner:\n%s", r.body)
	}

	// The due date passes: now there is something to rate.
	p.clock.Advance(6 * 7 * 24 * time.Hour)
	if _, _, err := p.app.Training.Sweep(context.Background()); err != nil {
		t.Fatal(err)
	}
	p.waitProjections(t)
	signIn(t, p, b, "nia.new@acme.example") // six weeks idle ended the session
	stats = b.get("/stats")
	if !strings.Contains(stats.body, "riskscore-num") || !strings.Contains(stats.body, "band-poor") || strings.Contains(stats.body, "Not rated yet") {
		t.Fatalf("after the due date passed: %d\n%s", stats.status, stats.body)
	}
	if n := countRows(t, p, `rm_progress.risk_history WHERE learner_id = '`+learner+`'`); n != 1 {
		t.Errorf("%d history points once rated, want 1", n)
	}
}
