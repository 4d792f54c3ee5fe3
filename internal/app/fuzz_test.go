package app_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/awareportal/portal/internal/eventstore"
	"github.com/awareportal/portal/internal/seed"
	"github.com/awareportal/portal/projections/progress"
)

// The fuzz targets send fuzzed values through every form, query and path
// the portal decodes, and every admin API body, to a whole running portal
// (real Postgres); whatever comes in, the answer is never a 5xx (and the
// server never panics: a recovered panic is a 500). CI runs each for a few
// seconds (.ci/run); plain `go test` runs the seed corpus.

// route is one request shape with a fuzzed value v in it.
type route struct {
	who  string // learner, anon or staff
	req  func(v string) (method, path string, form url.Values)
	note string
}

func q(v string) string   { return url.QueryEscape(v) }
func seg(v string) string { return url.PathEscape(v) }
func form(kv ...string) url.Values {
	f := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		f.Set(kv[i], kv[i+1])
	}
	return f
}

func pageRoutes(started, other progress.Assignment, firstQuestion string) []route {
	get := func(path string) (string, string, url.Values) { return "GET", path, nil }
	return []route{
		{"learner", func(v string) (string, string, url.Values) {
			return "POST", "/learn/" + started.ID + "/progress", form("lesson", v)
		}, "progress"},
		{"learner", func(v string) (string, string, url.Values) {
			return "POST", "/learn/" + started.ID + "/exit", form("lesson", v)
		}, "exit"},
		{"learner", func(v string) (string, string, url.Values) {
			return "POST", "/learn/" + started.ID + "/quiz", form("q_"+firstQuestion, v)
		}, "quiz"},
		{"learner", func(v string) (string, string, url.Values) {
			return "POST", "/learn/" + seg(v) + "/progress", form("lesson", "1")
		}, "progress path"},
		{"learner", func(v string) (string, string, url.Values) {
			return "POST", "/learn/" + seg(v) + "/exit", form("lesson", "1")
		}, "exit path"},
		{"learner", func(v string) (string, string, url.Values) {
			return "POST", "/learn/" + other.ID + "/exit", form("lesson", v)
		}, "exit other's"},
		{"learner", func(v string) (string, string, url.Values) { return get("/learn/" + seg(v)) }, "open"},
		{"learner", func(v string) (string, string, url.Values) {
			return "POST", "/courses/" + seg(v) + "/certificate", form()
		}, "certificate"},
		{"learner", func(v string) (string, string, url.Values) { return get("/courses/" + seg(v) + "?sent=" + q(v)) }, "tab"},
		{"learner", func(v string) (string, string, url.Values) { return get("/activity?cat=" + q(v) + "&before=" + q(v)) }, "activity"},
		{"learner", func(v string) (string, string, url.Values) {
			return get("/leaderboard?course=" + q(v) + "&basis=" + q(v))
		}, "leaderboard"},
		{"learner", func(v string) (string, string, url.Values) { return get("/certificates/" + seg(v)) }, "certificate file"},
		{"learner", func(v string) (string, string, url.Values) { return get("/account/devices?ended=" + q(v)) }, "devices"},
		{"learner", func(v string) (string, string, url.Values) {
			return "POST", "/account/devices/" + seg(v) + "/end", form()
		}, "end device"},
		{"learner", func(v string) (string, string, url.Values) {
			return "POST", "/signin/organisation", form("learner", v)
		}, "switch organisation"},
		{"anon", func(v string) (string, string, url.Values) { return "POST", "/signin", form("email", v) }, "sign-in email"},
		{"anon", func(v string) (string, string, url.Values) {
			return "POST", "/p/" + seg(v) + "/signin", form("email", v)
		}, "partner sign-in"},
		{"anon", func(v string) (string, string, url.Values) { return "POST", "/signin/methods", form("email", v) }, "methods"},
		{"anon", func(v string) (string, string, url.Values) {
			return "POST", "/signin/code", form("email", seed.LearnerEmail, "code", v, "request", v)
		}, "code"},
		{"anon", func(v string) (string, string, url.Values) {
			return "POST", "/signin/sso/" + seg(v), form("login_hint", v)
		}, "sso start"},
		{"anon", func(v string) (string, string, url.Values) {
			return get("/signin/sso/microsoft/callback?state=" + q(v) + "&code=" + q(v) + "&error=" + q(v))
		}, "sso callback"},
		{"anon", func(v string) (string, string, url.Values) { return get("/signin/link/" + seg(v) + "?t=" + q(v)) }, "link"},
		{"anon", func(v string) (string, string, url.Values) { return "POST", "/signin/link/" + seg(v), form("t", v) }, "redeem link"},
		{"anon", func(v string) (string, string, url.Values) { return get("/signin?email=" + q(v) + "&expired=" + q(v)) }, "sign-in page"},
		{"anon", func(v string) (string, string, url.Values) { return get("/verify/" + seg(v)) }, "verify"},
		{"anon", func(v string) (string, string, url.Values) { return get("/brand/" + seg(v) + "/theme.css") }, "theme"},
		{"anon", func(v string) (string, string, url.Values) { return get("/course-assets/" + seg(v) + "/1/" + seg(v)) }, "asset"},
		{"staff", func(v string) (string, string, url.Values) { return get("/staff?q=" + q(v) + "&client=" + q(v)) }, "staff search"},
		{"staff", func(v string) (string, string, url.Values) {
			return get("/staff/users/acme-sam?cat=" + q(v) + "&before=" + q(v) + "&reason=" + q(v))
		}, "timeline"},
		{"staff", func(v string) (string, string, url.Values) { return get("/staff/users/" + seg(v)) }, "timeline path"},
		{"staff", func(v string) (string, string, url.Values) {
			return get("/staff/export?learner=" + q(v) + "&format=" + q(v) + "&from=" + q(v) + "&to=" + q(v))
		}, "export"},
		{"staff", func(v string) (string, string, url.Values) {
			return get("/staff/export?client=acme&format=csv&from=" + q(v))
		}, "export client"},
		{"staff", func(v string) (string, string, url.Values) { return get("/staff/asof?client=" + q(v) + "&at=" + q(v)) }, "as of"},
		{"staff", func(v string) (string, string, url.Values) { return get("/staff/asof?learner=acme-sam&at=" + q(v)) }, "as of learner"},
	}
}

// FuzzPages: every form field, query parameter and path segment of the
// learner, sign-in and staff pages.
func FuzzPages(f *testing.F) {
	p := start(f)
	now := p.clock.Now()
	learner, anon, support := p.browser(f), p.browser(f), p.browser(f)
	signIn(f, p, learner, sam)
	signIn(f, p, support, seed.SupportEmail)
	list, err := p.app.Training.Progress.ForLearner(f.Context(), "acme-sam")
	if err != nil {
		f.Fatal(err)
	}
	var started progress.Assignment
	for _, a := range list {
		if !a.IsUpcoming(now) && !a.Completed() {
			started = a
		}
	}
	others, err := p.app.Training.Progress.ForLearner(f.Context(), "acme-riley")
	if err != nil || len(others) == 0 {
		f.Fatalf("riley's assignments: %v", err)
	}
	course, err := p.app.Catalog.Version(started.CourseID, started.CourseVersion)
	if err != nil {
		f.Fatal(err)
	}
	learner.get("/learn/" + started.ID) // started, if it was not
	routes := pageRoutes(started, others[0], course.Quiz.Questions[0].ID)
	tokens := map[string]string{"learner": learner.csrf("/courses"), "anon": anon.csrf("/signin"), "staff": support.csrf("/staff")}
	browsers := map[string]*browser{"learner": learner, "anon": anon, "staff": support}

	for i := range routes {
		for _, v := range []string{"1", "99", "a\x00b", "\xff\xfe", strings.Repeat("é", 300)} {
			f.Add(uint8(i), v)
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, v string) {
		r := routes[int(which)%len(routes)]
		b := browsers[r.who]
		b.t = t
		method, path, fm := r.req(v)
		headers := map[string]string{}
		if which >= 128 {
			headers["HX-Request"] = "true"
		}
		if fm != nil {
			fm.Set("_csrf", tokens[r.who])
		}
		began := time.Now()
		res := b.do(method, path, fm, headers)
		if took := time.Since(began); took > 10*time.Second {
			t.Fatalf("%s (%s %s) with %q took %s", r.note, method, path, v, took)
		}
		if res.status >= 500 {
			t.Fatalf("%s (%s %s) with %q: %d\n%.400s", r.note, method, path, v, res.status, res.body)
		}
	})
}

// FuzzAPI: every admin API body and path parameter.
func FuzzAPI(f *testing.F) {
	p := start(f)
	tok, _, err := p.app.Admin.IssueToken(f.Context(), "northwind", "fuzz", eventstore.Metadata{ActorID: "test"})
	if err != nil {
		f.Fatal(err)
	}
	type call struct{ method, path string }
	calls := []call{
		{"POST", "/api/v1/clients"},
		{"PATCH", "/api/v1/clients/acme"},
		{"POST", "/api/v1/clients/acme/users"},
		{"POST", "/api/v1/clients/acme/assignments"},
		{"POST", "/api/v1/staff"},
	}
	paths := []string{"/api/v1/clients/%s", "/api/v1/clients/%s/users", "/api/v1/clients/%s/status", "/api/v1/staff/%s"}
	for i := range calls {
		for _, body := range []string{
			`{}`, `{"name":"Umbrella Health"}`, `{"name":"\u0000"}`, `{"portal_enabled":false}`, `{"leaderboard":"hidden"}`,
			`{"email":"alice@acme.example","first_name":"Alice","last_name":"Wong","department":"Finance","manager_id":"acme-morgan"}`,
			`{"email":"` + strings.Repeat("x", 3000) + `@acme.example","first_name":"X"}`,
			`{"course_id":"spotting-phishing","due_at":"2027-01-01","learner_ids":["acme-sam"],"request_id":"r1"}`,
			`{"email":"x@acme.example","name":"X","role":"auditor","client_id":"acme"}`,
			`{"google_domain":"acme.example","microsoft_tenant_id":"6f1c3b2a-8d4e-4f5a-9b7c-1e2d3c4b5a69"}`,
			"\xff", `[`, `null`,
		} {
			f.Add(uint8(i), "acme", []byte(body))
		}
	}
	for i := range paths {
		for _, v := range []string{"acme", "", "a\x00", "\xff", strings.Repeat("a", 500), "..", "g_x"} {
			f.Add(uint8(len(calls)+i), v, []byte(nil))
		}
	}
	client := &http.Client{}
	f.Fuzz(func(t *testing.T, which uint8, v string, body []byte) {
		n := int(which) % (len(calls) + len(paths))
		method, path := "GET", ""
		if n < len(calls) {
			method, path = calls[n].method, calls[n].path
		} else {
			path = strings.Replace(paths[n-len(calls)], "%s", seg(v), 1)
			if strings.HasPrefix(path, "/api/v1/staff/") {
				method = "DELETE"
			}
		}
		req, err := http.NewRequest(method, p.base+path, strings.NewReader(string(body)))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode >= 500 {
			t.Fatalf("%s %s %q: %d", method, path, body, res.StatusCode)
		}
	})
}
