package app_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/awareportal/portal/internal/eventstore"
)

// api calls the admin API with a bearer token.
func (p *portal) api(t *testing.T, token, method, path, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, p.base+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return res.StatusCode, out
}

func (p *portal) token(t *testing.T, partner string) string {
	t.Helper()
	tok, _, err := p.app.Admin.IssueToken(context.Background(), partner, "test", eventstore.Metadata{ActorID: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// logLastEvents logs the stream and type of the last n events (what a
// test that counts events did not expect).
func logLastEvents(t *testing.T, p *portal, n int) {
	t.Helper()
	rows, err := p.db.Pool.Query(context.Background(), `SELECT stream, type FROM events ORDER BY seq DESC LIMIT $1`, n)
	if err != nil {
		t.Log(err)
		return
	}
	defer rows.Close()
	for rows.Next() {
		var stream, typ string
		if rows.Scan(&stream, &typ) == nil {
			t.Log(stream, typ)
		}
	}
}

func (p *portal) eventCount(t *testing.T) int {
	t.Helper()
	var n int
	if err := p.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM events`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func fields(out map[string]any) map[string]any {
	f, _ := out["fields"].(map[string]any)
	return f
}

func TestAPIAuthAndIsolation(t *testing.T) {
	t.Parallel()
	p := start(t)
	if code, _ := p.api(t, "", "GET", "/api/v1/clients", ""); code != 401 {
		t.Fatalf("no token: %d", code)
	}
	if code, _ := p.api(t, "pat_forged", "GET", "/api/v1/clients", ""); code != 401 {
		t.Fatalf("forged token: %d", code)
	}
	northwind, bluepeak := p.token(t, "northwind"), p.token(t, "bluepeak")
	code, out := p.api(t, northwind, "GET", "/api/v1/clients", "")
	if code != 200 || len(out["clients"].([]any)) != 2 {
		t.Fatalf("northwind clients: %d %v", code, out)
	}
	// BluePeak can't see or touch Northwind's client.
	for _, c := range []struct{ method, path, body string }{
		{"GET", "/api/v1/clients/acme", ""},
		{"GET", "/api/v1/clients/acme/users", ""},
		{"PATCH", "/api/v1/clients/acme", `{"portal_enabled":false}`},
		{"POST", "/api/v1/clients/acme/users", `{"email":"x@acme.example","first_name":"X"}`},
		{"POST", "/api/v1/clients/acme/assignments", `{"course_id":"spotting-phishing","due_at":"2027-01-01"}`},
	} {
		if code, _ := p.api(t, bluepeak, c.method, c.path, c.body); code != 404 {
			t.Errorf("bluepeak %s %s: %d, want 404", c.method, c.path, code)
		}
	}
	// Revoked tokens stop working.
	tok, id, err := p.app.Admin.IssueToken(context.Background(), "northwind", "temp", eventstore.Metadata{})
	if err != nil {
		t.Fatal(err)
	}
	if code, _ := p.api(t, tok, "GET", "/api/v1/courses", ""); code != 200 {
		t.Fatalf("fresh token: %d", code)
	}
	if err := p.app.Admin.RevokeToken(context.Background(), "northwind", id, eventstore.Metadata{}); err != nil {
		t.Fatal(err)
	}
	if code, _ := p.api(t, tok, "GET", "/api/v1/courses", ""); code != 401 {
		t.Fatalf("revoked token: %d", code)
	}
	// Tokens are stored hashed only.
	var stored int
	if err := p.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM events WHERE data::text LIKE '%'||$1||'%'`, tok).Scan(&stored); err != nil || stored != 0 {
		t.Fatalf("token found in clear in %d events (%v)", stored, err)
	}
}

func TestAPIBadInputWritesNothing(t *testing.T) {
	t.Parallel()
	p := start(t)
	tok := p.token(t, "northwind")
	before := p.eventCount(t)
	cases := []struct {
		method, path, body string
		status             int
		fields             []string
	}{
		{"POST", "/api/v1/clients", `{"name":"","leaderboard":"sometimes"}`, 422, []string{"name", "leaderboard"}},
		{"POST", "/api/v1/clients", `{"name":"Acme Corporation","id":"acme"}`, 409, nil},
		{"POST", "/api/v1/clients", `{"name":"X","colour":"red"}`, 400, nil},
		{"POST", "/api/v1/clients", `{"name":`, 400, nil},
		{"PATCH", "/api/v1/clients/acme", `{}`, 422, []string{"portal_enabled"}},
		{"PATCH", "/api/v1/clients/acme", `{"microsoft_tenant_id":"acme.onmicrosoft.com"}`, 422, []string{"microsoft_tenant_id"}},
		{"PATCH", "/api/v1/clients/acme", `{"google_domain":"acme example"}`, 422, []string{"google_domain"}},
		{"PATCH", "/api/v1/clients/acme", `{"email_links":"no"}`, 400, nil},
		{"POST", "/api/v1/clients/acme/users", `{"email":"not-an-email","first_name":"","source":"ldap","manager_id":"nobody"}`, 422, []string{"email", "first_name", "source", "manager_id"}},
		{"POST", "/api/v1/clients/acme/users", `{"email":"sam.learner@acme.example","first_name":"Sam"}`, 422, []string{"email"}},
		{"POST", "/api/v1/clients/acme/assignments", `{"course_id":"basket-weaving","due_at":"soon","learner_ids":["acme-sam","globex-jordan"]}`, 422, []string{"course_id", "due_at", "learner_ids"}},
		{"POST", "/api/v1/clients/acme/assignments", `{"course_id":"spotting-phishing","available_from":"2027-02-01","due_at":"2027-01-01"}`, 422, []string{"due_at"}},
		{"POST", "/api/v1/clients/nope/users", `{"email":"a@b.example","first_name":"A"}`, 404, nil},
		{"GET", "/api/v1/nothing-here", ``, 404, nil},
	}
	for _, c := range cases {
		code, out := p.api(t, tok, c.method, c.path, c.body)
		if code != c.status {
			t.Errorf("%s %s %s: %d %v, want %d", c.method, c.path, c.body, code, out, c.status)
			continue
		}
		if out["error"] == nil || out["message"] == nil {
			t.Errorf("%s %s: error body lacks error/message: %v", c.method, c.path, out)
		}
		for _, f := range c.fields {
			if _, ok := fields(out)[f]; !ok {
				t.Errorf("%s %s: no error for field %s: %v", c.method, c.path, f, out)
			}
		}
	}
	if after := p.eventCount(t); after != before {
		logLastEvents(t, p, after-before)
		t.Fatalf("bad requests wrote %d events", after-before)
	}
}

// TestAPIProvisionAssignAndTrainingLink: a partner adds a client and a
// learner and assigns a course; the learner gets a "Start training" email
// whose link (scanner-safe) signs them straight into the course for 7 days.
func TestAPIProvisionAssignAndTrainingLink(t *testing.T) {
	t.Parallel()
	p := start(t)
	tok := p.token(t, "northwind")
	if code, out := p.api(t, tok, "POST", "/api/v1/clients", `{"name":"Umbrella Health","leaderboard":"anonymised"}`); code != 201 || out["id"] != "umbrella-health" {
		t.Fatalf("create client: %d %v", code, out)
	}
	code, out := p.api(t, tok, "POST", "/api/v1/clients/umbrella-health/users", `{"email":"Alice@Umbrella.example","first_name":"Alice","last_name":"Wong","source":"microsoft365"}`)
	if code != 201 || out["email"] != "alice@umbrella.example" {
		t.Fatalf("provision: %d %v", code, out)
	}
	code, out = p.api(t, tok, "POST", "/api/v1/clients/umbrella-health/assignments", `{"course_id":"spotting-phishing","due_at":"2026-12-20","request_id":"req-1"}`)
	if code != 201 || len(out["assignment_ids"].([]any)) != 1 {
		t.Fatalf("assign: %d %v", code, out)
	}
	assignment := out["assignment_ids"].([]any)[0].(string)
	// The same request again (its answer lost) assigns nothing new and
	// answers with the same assignment; another request skips the learner,
	// who has the course open.
	if code, out := p.api(t, tok, "POST", "/api/v1/clients/umbrella-health/assignments", `{"course_id":"spotting-phishing","due_at":"2026-12-20","request_id":"req-1"}`); code != 201 ||
		len(out["skipped_learner_ids"].([]any)) != 0 || len(out["assignment_ids"].([]any)) != 1 || out["assignment_ids"].([]any)[0] != assignment {
		t.Fatalf("repeat: %d %v", code, out)
	}
	if code, out := p.api(t, tok, "POST", "/api/v1/clients/umbrella-health/assignments", `{"course_id":"spotting-phishing","due_at":"2026-12-20","request_id":"req-2"}`); code != 201 || len(out["skipped_learner_ids"].([]any)) != 1 {
		t.Fatalf("another request: %d %v", code, out)
	}

	// The welcome email first (sent as the learner was created), then the course's.
	if m := p.inbox.waitFor(t, "alice@umbrella.example", 1); !strings.HasPrefix(m.Subject, "Welcome to Northwind IT") {
		t.Fatalf("first email: %q", m.Subject)
	}
	m := p.inbox.waitFor(t, "alice@umbrella.example", 2)
	if m.Subject != "New training: Spotting Phishing" || !strings.Contains(m.HTML, "Start training") {
		t.Fatalf("course email: %q", m.Subject)
	}
	link := linkIn(t, m)
	b := p.browser(t)
	landing := b.get(link)
	if landing.status != 200 || !strings.Contains(landing.body, ">Sign in</button>") {
		t.Fatalf("training link GET: %d", landing.status)
	}
	u, _ := url.Parse(link)
	r := b.post(u.Path, url.Values{"t": {u.Query().Get("t")}}, csrfRe.FindStringSubmatch(landing.body)[1])
	if r.status != 303 || r.header.Get("Location") != "/learn/"+assignment {
		t.Fatalf("training link POST: %d → %s", r.status, r.header.Get("Location"))
	}
	// A new learner goes through onboarding first, then gets the course.
	if r := b.get("/learn/" + assignment); r.status != 303 || r.header.Get("Location") != "/onboarding" {
		t.Fatalf("the course is not gated by onboarding: %d → %s", r.status, r.header.Get("Location"))
	}
	finishOnboarding(t, p, b)
	if lesson := b.get("/learn/" + assignment); !strings.Contains(lesson.body, "What phishing looks like") {
		t.Fatalf("course did not open: %d", lesson.status)
	}
	// Usable again within 7 days, from another browser.
	again := p.browser(t)
	land2 := again.get(link)
	if r := again.post(u.Path, url.Values{"t": {u.Query().Get("t")}}, csrfRe.FindStringSubmatch(land2.body)[1]); r.status != 303 {
		t.Fatalf("second use within 7 days: %d", r.status)
	}
	// After 7 days: the sign-in page with the email filled in.
	p.clock.Advance(7*24*time.Hour + time.Minute)
	late := p.browser(t).get(link)
	if late.status != 303 || !strings.HasPrefix(late.header.Get("Location"), "/p/northwind/signin?") || !strings.Contains(late.header.Get("Location"), "alice%40umbrella.example") {
		t.Fatalf("expired training link: %d → %s", late.status, late.header.Get("Location"))
	}
	page := p.browser(t).get(late.header.Get("Location"))
	if !strings.Contains(page.body, `value="alice@umbrella.example"`) || !strings.Contains(page.body, "expired") {
		t.Fatalf("sign-in page does not have the email filled in")
	}

	code, out = p.api(t, tok, "GET", "/api/v1/clients/umbrella-health/status", "")
	learners := out["learners"].([]any)
	if code != 200 || len(learners) != 1 || learners[0].(map[string]any)["assigned"].(float64) != 1 {
		t.Fatalf("status: %d %v", code, out)
	}
}

func TestLeaderboardModes(t *testing.T) {
	t.Parallel()
	p := start(t)
	tok := p.token(t, "northwind")
	b := p.browser(t)
	signIn(t, p, b, sam)
	board := b.get("/leaderboard?course=spotting-phishing")
	if !strings.Contains(board.body, "Riley Chen") || !strings.Contains(board.body, "rankrow-you") {
		t.Fatalf("ranked board lacks names")
	}
	if code, _ := p.api(t, tok, "PATCH", "/api/v1/clients/acme", `{"leaderboard":"anonymised"}`); code != 200 {
		t.Fatalf("anonymise: %d", code)
	}
	board = b.get("/leaderboard?course=spotting-phishing")
	if strings.Contains(board.body, "Riley Chen") || !strings.Contains(board.body, "Colleague") || !strings.Contains(board.body, "Sam Learner") {
		t.Fatalf("anonymised board shows names or hides yours")
	}
	if code, _ := p.api(t, tok, "PATCH", "/api/v1/clients/acme", `{"leaderboard":"hidden"}`); code != 200 {
		t.Fatalf("hide: %d", code)
	}
	if r := b.get("/leaderboard"); r.status != 404 {
		t.Fatalf("hidden board: %d", r.status)
	}
	if r := b.get("/courses"); strings.Contains(r.body, `href="/leaderboard"`) {
		t.Fatal("hidden leaderboard still in the nav")
	}
	// Another client's learner never appears: Globex has its own board.
	if strings.Contains(board.body, "globex") {
		t.Fatal("leaderboard crosses clients")
	}
}

// TestAPIIDsArePerPartner: ids a partner chooses are its own. Another
// partner using the same ids (even ones that exist elsewhere) gets exactly
// what it would get if they existed nowhere, so no answer tells a partner
// which ids another partner uses.
func TestAPIIDsArePerPartner(t *testing.T) {
	t.Parallel()
	p := start(t)
	northwind, bluepeak := p.token(t, "northwind"), p.token(t, "bluepeak")
	// Northwind has "acme" and its learner "acme-sam" (the demo).
	if code, out := p.api(t, bluepeak, "POST", "/api/v1/clients", `{"id":"acme","name":"Acme Bakery"}`); code != 201 || out["id"] != "acme" {
		t.Fatalf("BluePeak creates its own acme: %d %v", code, out)
	}
	if code, out := p.api(t, bluepeak, "POST", "/api/v1/clients/acme/users", `{"id":"acme-sam","email":"sam@acme-bakery.example","first_name":"Sam","manager_id":"acme-morgan"}`); code != 422 || out["fields"].(map[string]any)["manager_id"] == nil {
		t.Fatalf("another partner's learner as manager: %d %v", code, out)
	}
	if code, out := p.api(t, bluepeak, "POST", "/api/v1/clients/acme/users", `{"id":"acme-sam","email":"sam@acme-bakery.example","first_name":"Sam"}`); code != 201 || out["id"] != "acme-sam" {
		t.Fatalf("BluePeak's own acme-sam: %d %v", code, out)
	}
	// The same ids again are the partner's own conflicts.
	if code, _ := p.api(t, bluepeak, "POST", "/api/v1/clients", `{"id":"acme","name":"Acme Bakery"}`); code != 409 {
		t.Fatalf("BluePeak's acme twice: %d", code)
	}
	if code, _ := p.api(t, bluepeak, "POST", "/api/v1/clients/acme/users", `{"id":"acme-sam","email":"sam2@acme-bakery.example","first_name":"Sam"}`); code != 409 {
		t.Fatalf("BluePeak's acme-sam twice: %d", code)
	}
	if code, _ := p.api(t, northwind, "POST", "/api/v1/clients", `{"id":"acme","name":"Acme again"}`); code != 409 {
		t.Fatalf("Northwind's acme twice: %d", code)
	}
	// Each partner sees its own.
	if code, out := p.api(t, bluepeak, "GET", "/api/v1/clients/acme", ""); code != 200 || out["name"] != "Acme Bakery" {
		t.Fatalf("BluePeak's acme: %d %v", code, out)
	}
	if code, out := p.api(t, northwind, "GET", "/api/v1/clients/acme", ""); code != 200 || out["name"] != "Acme Corporation" {
		t.Fatalf("Northwind's acme: %d %v", code, out)
	}
	code, out := p.api(t, bluepeak, "GET", "/api/v1/clients/acme/users", "")
	if users := out["users"].([]any); code != 200 || len(users) != 1 || users[0].(map[string]any)["email"] != "sam@acme-bakery.example" || users[0].(map[string]any)["id"] != "acme-sam" {
		t.Fatalf("BluePeak's acme users: %d %v", code, out)
	}
	if code, out := p.api(t, bluepeak, "POST", "/api/v1/clients/acme/assignments", `{"course_id":"spotting-phishing","due_at":"2026-12-20","learner_ids":["acme-sam"],"request_id":"r1"}`); code != 201 || len(out["assignment_ids"].([]any)) != 1 {
		t.Fatalf("assign to BluePeak's acme-sam: %d %v", code, out)
	}
	// Northwind's Sam got nothing from BluePeak.
	var n int
	if err := p.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM events WHERE type = 'learning.course_assigned.v1' AND data->>'learner_id' = 'acme-sam' AND data->>'due_at' LIKE '2026-12-20%'`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("BluePeak's assignment reached Northwind's Sam: %d %v", n, err)
	}
}
