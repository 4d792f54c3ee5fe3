package app_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/awareportal/portal/internal/seed"
	"github.com/awareportal/portal/projections/progress"
)

// assignmentOf finds one of a learner's assignments by a condition.
func assignmentOf(t *testing.T, p *portal, learnerID string, match func(progress.Assignment) bool) progress.Assignment {
	t.Helper()
	list, err := p.app.Training.Progress.ForLearner(context.Background(), learnerID)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range list {
		if match(a) {
			return a
		}
	}
	t.Fatalf("%s has no such assignment", learnerID)
	return progress.Assignment{}
}

// TestOrdinaryBadInputIs4xx: the list of requests that answered
// 500 answer 4xx with a message that says what is wrong.
func TestOrdinaryBadInputIs4xx(t *testing.T) {
	t.Parallel()
	p := start(t)
	now := p.clock.Now()
	learner := p.browser(t)
	signIn(t, p, learner, sam)
	token := learner.csrf("/courses")
	riley := assignmentOf(t, p, "acme-riley", func(progress.Assignment) bool { return true })
	notStarted := assignmentOf(t, p, "acme-sam", func(a progress.Assignment) bool {
		return a.StartedAt == nil && !a.IsUpcoming(now) && !a.Completed()
	})

	type check struct {
		what   string
		r      response
		status int
		says   string
	}
	checks := []check{
		{"exit another learner's course", learner.post("/learn/"+riley.ID+"/exit", url.Values{"lesson": {"1"}}, token), 404, "Page not found"},
		{"exit an unknown course", learner.post("/learn/no-such-assignment/exit", url.Values{"lesson": {"1"}}, token), 404, "Page not found"},
		{"progress in another learner's course", learner.post("/learn/"+riley.ID+"/progress", url.Values{"lesson": {"1"}}, token), 404, "Page not found"},
		{"progress in a course not started", learner.post("/learn/"+notStarted.ID+"/progress", url.Values{"lesson": {"1"}}, token), 409, "open it from your courses first"},
		{"NUL in a query", learner.get("/activity?cat=%00"), 400, "NUL byte or invalid UTF-8 in its query parameter"},
		{"invalid UTF-8 in a query", learner.get("/activity?cat=%ff"), 400, "invalid UTF-8"},
		{"NUL in a path", learner.get("/learn/a%00b"), 400, "in its address"},
		{"NUL in a form", learner.post("/learn/"+notStarted.ID+"/exit", url.Values{"lesson": {"1\x00"}}, token), 400, "form field ‘lesson’"},
	}
	// A course not started, from htmx: the message travels as a toast,
	// since htmx does not swap an error answer.
	hx := learner.do("POST", "/learn/"+notStarted.ID+"/progress", url.Values{"lesson": {"1"}, "_csrf": {token}}, map[string]string{"HX-Request": "true"})
	checks = append(checks, check{"htmx progress in a course not started", hx, 409, "open it from your courses first"})
	if !strings.Contains(hx.header.Get("HX-Trigger"), "open it from your courses first") {
		t.Errorf("htmx answer carries no toast: %q", hx.header.Get("HX-Trigger"))
	}

	anon := p.browser(t)
	anonToken := anon.csrf("/signin")
	checks = append(checks,
		check{"NUL in a sign-in code", anon.post("/signin/code", url.Values{"email": {"sam.learner@acme.example"}, "code": {"ABC\x00DEF"}}, anonToken), 400, "form field ‘code’"},
		check{"invalid UTF-8 in a sign-in code", anon.post("/signin/code", url.Values{"email": {"sam.learner@acme.example"}, "code": {"\xff\xfe"}}, anonToken), 400, "form field ‘code’"},
	)

	support := p.browser(t)
	signIn(t, p, support, seed.SupportEmail)
	for _, path := range []string{"/staff?q=%00", "/staff?q=%c3%28", "/staff/users/acme-sam?cat=%00", "/staff/users/acme-sam?cat=%ff", "/staff/export?learner=%00", "/staff/export?learner=%ff"} {
		checks = append(checks, check{"staff " + path, support.get(path), 400, "NUL byte or invalid UTF-8"})
	}

	for _, c := range checks {
		if c.r.status != c.status || !strings.Contains(c.r.body, c.says) {
			t.Errorf("%s: %d, want %d saying %q; body:\n%.600s", c.what, c.r.status, c.status, c.says, c.r.body)
		}
	}

	// The admin API: NUL in names is a 422 naming the field; in the path, a 400.
	tok := p.token(t, "northwind")
	before := p.eventCount(t)
	for _, body := range []string{
		`{"email":"nul@acme.example","first_name":"Al\u0000ice"}`,
		`{"email":"nul@acme.example","first_name":"Alice","last_name":"\u0000"}`,
		`{"email":"nul@acme.example","first_name":"Alice","department":"Fin\u0000"}`,
	} {
		code, out := p.api(t, tok, "POST", "/api/v1/clients/acme/users", body)
		if code != 422 || len(fields(out)) != 1 {
			t.Errorf("%s: %d %v, want 422 naming the field", body, code, out)
		}
	}
	if code, out := p.api(t, tok, "POST", "/api/v1/clients", `{"name":"Umbrella\u0000"}`); code != 422 || fields(out)["name"] == nil {
		t.Errorf("client name with NUL: %d %v", code, out)
	}
	if code, out := p.api(t, tok, "POST", "/api/v1/staff", `{"email":"x@acme.example","name":"X\u0000","role":"support"}`); code != 422 || fields(out)["name"] == nil {
		t.Errorf("staff name with NUL: %d %v", code, out)
	}
	if code, out := p.api(t, tok, "GET", "/api/v1/clients/acme%00/users", ``); code != 400 || out["error"] != "bad_input" {
		t.Errorf("NUL in an API path: %d %v", code, out)
	}
	if code, out := p.api(t, tok, "POST", "/api/v1/clients/acme/assignments", `{"course_id":"spotting-phishing","due_at":"2027-01-01","learner_ids":["acme-sam\u0000"]}`); code != 422 || fields(out)["learner_ids"] == nil {
		t.Errorf("NUL in a learner id: %d %v", code, out)
	}
	if after := p.eventCount(t); after != before {
		t.Fatalf("refused requests wrote %d events", after-before)
	}
}
