package app_test

import (
	"context"
	"net/url"
	"regexp"
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

const (
	firefoxLinux  = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
	chromeWindows = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
	safariIPhone  = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1"
)

var deviceRe = regexp.MustCompile(`<li class="card device[^"]*">`)

// sessionRef is the public id of email's live session from a browser
// whose User-Agent is ua.
func sessionRef(t *testing.T, p *portal, email, ua string) string {
	t.Helper()
	var ref string
	if err := p.db.Pool.QueryRow(t.Context(), `SELECT ref::text FROM sessions WHERE email = $1 AND user_agent = $2 AND revoked_at IS NULL`, email, ua).Scan(&ref); err != nil {
		t.Fatal(err)
	}
	return ref
}

// TestSignedInDevices: Sam sees his live sessions (never Riley's), ends
// one from another at once, then every other one; a forged or another
// person's session ref is a 404 that ends nothing; each ending is an
// event in Sam's activity and support's timeline.
func TestSignedInDevices(t *testing.T) {
	t.Parallel()
	p := start(t)
	laptop, pc, phone := p.browser(t), p.browser(t), p.browser(t)
	laptop.ua, pc.ua, phone.ua = firefoxLinux, chromeWindows, safariIPhone
	signIn(t, p, laptop, sam)
	signIn(t, p, pc, sam)
	pcRef, laptopRef := sessionRef(t, p, sam, chromeWindows), sessionRef(t, p, sam, firefoxLinux)
	riley := p.browser(t)
	signIn(t, p, riley, seed.MicrosoftEmail)
	rileyRef := sessionRef(t, p, seed.MicrosoftEmail, "portal-test")

	page := laptop.get("/account/devices")
	if page.status != 200 || len(deviceRe.FindAllString(page.body, -1)) != 2 {
		t.Fatalf("Sam's devices: %d, %d listed\n%s", page.status, len(deviceRe.FindAllString(page.body, -1)), page.body)
	}
	for _, want := range []string{"Firefox on Linux", "This device", "Chrome on Windows", "Signed in with email link", "Sign out everywhere else", "/account/devices/" + pcRef + "/end"} {
		if !strings.Contains(page.body, want) {
			t.Errorf("devices page lacks %q", want)
		}
	}
	if strings.Contains(page.body, rileyRef) {
		t.Fatalf("Sam's devices list Riley's session")
	}
	token := csrfRe.FindStringSubmatch(page.body)[1]

	// Another person's session, a made-up one and this one: 404, nothing ended.
	before := p.eventCount(t)
	for _, ref := range []string{rileyRef, "00000000-0000-4000-8000-000000000000", laptopRef, "not-a-ref"} {
		if r := laptop.post("/account/devices/"+ref+"/end", url.Values{}, token); r.status != 404 {
			t.Errorf("ending %s: %d, want 404", ref, r.status)
		}
	}
	if r := riley.get("/courses"); r.status != 200 {
		t.Fatalf("Riley was signed out by Sam's forged request: %d", r.status)
	}
	if r := laptop.post("/account/devices/"+pcRef+"/end", url.Values{}, "wrong"); r.status != 403 {
		t.Fatalf("without the CSRF token: %d", r.status)
	}
	if n := p.eventCount(t) - before; n != 0 {
		logLastEvents(t, p, n)
		t.Fatalf("refused endings stored %d events", n)
	}

	// Sam ends the PC's session from the laptop: its next request is signed out.
	r := laptop.post("/account/devices/"+pcRef+"/end", url.Values{}, token)
	if r.status != 303 || r.header.Get("Location") != "/account/devices?ended=1" {
		t.Fatalf("end: %d → %s", r.status, r.header.Get("Location"))
	}
	if r := pc.get("/courses"); r.status != 303 || r.header.Get("Location") != "/p/northwind/signin" {
		t.Fatalf("the ended session still works: %d → %s", r.status, r.header.Get("Location"))
	}
	page = laptop.get(r.header.Get("Location"))
	if !strings.Contains(page.body, "Signed out 1 other device.") || len(deviceRe.FindAllString(page.body, -1)) != 1 || !strings.Contains(page.body, "not signed in anywhere else") {
		t.Fatalf("after ending: %s", page.body)
	}
	stream := ""
	if err := p.db.Pool.QueryRow(t.Context(), `SELECT 'signin-' || request_id FROM sessions WHERE ref = $1`, pcRef).Scan(&stream); err != nil {
		t.Fatal(err)
	}
	if got := eventTypes(t, p, stream); got[len(got)-1] != "signin.session_ended.v1" {
		t.Fatalf("events of the ended session: %v", got)
	}

	// Sign out everywhere else: the PC again and a phone.
	signIn(t, p, pc, sam)
	signIn(t, p, phone, sam)
	r = laptop.post("/account/devices/end-others", url.Values{}, token)
	if r.status != 303 || r.header.Get("Location") != "/account/devices?ended=2" {
		t.Fatalf("end others: %d → %s", r.status, r.header.Get("Location"))
	}
	for name, b := range map[string]*browser{"pc": pc, "phone": phone} {
		if r := b.get("/stats"); r.status != 303 {
			t.Errorf("%s still signed in: %d", name, r.status)
		}
	}
	if r := laptop.get("/courses"); r.status != 200 {
		t.Fatalf("the laptop signed itself out: %d", r.status)
	}
	if r := riley.get("/courses"); r.status != 200 {
		t.Fatalf("Riley signed out by Sam's everywhere else: %d", r.status)
	}

	// Sam's activity and support's timeline say so.
	p.waitProjections(t)
	activity := laptop.get("/activity").body
	for _, want := range []string{"Signed out Chrome on Windows from another signed-in device", "Signed out Safari on iPhone from another signed-in device"} {
		if !strings.Contains(activity, want) {
			t.Errorf("My activity lacks %q", want)
		}
	}
	support := p.browser(t)
	signIn(t, p, support, seed.SupportEmail)
	if tl := support.get("/staff/users/acme-sam").body; strings.Count(tl, "from another signed-in device") != 3 {
		t.Errorf("support's timeline shows %d endings, want 3", strings.Count(tl, "from another signed-in device"))
	}
}

// TestSwitchOrganisation: Jordan, a learner at Acme (Northwind) and at
// Globex (BluePeak), switches from the account menu; only the learners
// the sign-in proved can be chosen, and each choice is recorded as
// choosing an organisation is. Sam, at one organisation, has no switch.
func TestSwitchOrganisation(t *testing.T) {
	t.Parallel()
	p := start(t)
	b := p.browser(t)
	signIn(t, p, b, seed.MultiOrgEmail)
	token := b.csrf("/signin/organisation")
	if r := b.post("/signin/organisation", url.Values{"learner": {"acme-jordan"}}, token); r.status != 303 {
		t.Fatalf("pick Acme: %d", r.status)
	}
	courses := b.get("/courses")
	if !strings.Contains(courses.body, `<a href="/signin/organisation">Switch organisation</a>`) {
		t.Fatalf("Jordan's account menu has no Switch organisation")
	}
	picker := b.get("/signin/organisation")
	if picker.status != 200 || !strings.Contains(picker.body, "<h1>Switch organisation</h1>") || !strings.Contains(picker.body, "· current") ||
		!strings.Contains(picker.body, "Globex") {
		t.Fatalf("switch page: %d\n%s", picker.status, picker.body)
	}
	token = csrfRe.FindStringSubmatch(picker.body)[1]

	// A learner the sign-in did not prove (another person's, made up, none):
	// not found, as any forged id, and nothing changes.
	before := p.eventCount(t)
	for _, forged := range []string{"acme-sam", "globex-nobody", ""} {
		if r := b.post("/signin/organisation", url.Values{"learner": {forged}}, token); r.status != 404 {
			t.Errorf("switch to %q: %d, want 404", forged, r.status)
		}
	}
	if n := p.eventCount(t) - before; n != 0 {
		t.Fatalf("refused switches stored %d events", n)
	}
	if r := b.get("/courses"); !strings.Contains(r.body, "Acme Corporation") {
		t.Fatalf("a refused switch moved Jordan")
	}

	r := b.post("/signin/organisation", url.Values{"learner": {"globex-jordan"}}, token)
	if r.status != 303 || r.header.Get("Location") != "/courses" {
		t.Fatalf("switch: %d → %s", r.status, r.header.Get("Location"))
	}
	if r := b.get("/courses"); !strings.Contains(r.body, "Globex") || !strings.Contains(r.body, "BluePeak") {
		t.Fatalf("after switching, courses are not Globex's")
	}
	if b.cookies["__Host-partner"] != "bluepeak" {
		t.Errorf("remembered partner after switching: %q", b.cookies["__Host-partner"])
	}
	var stream string
	if err := p.db.Pool.QueryRow(t.Context(), `SELECT 'signin-' || request_id FROM sessions WHERE email = $1`, seed.MultiOrgEmail).Scan(&stream); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(eventTypes(t, p, stream), ","); strings.Count(got, "signin.organisation_chosen.v1") != 2 {
		t.Fatalf("events: %s", got)
	}

	sam := p.browser(t)
	signIn(t, p, sam, seed.LearnerEmail)
	if r := sam.get("/courses"); strings.Contains(r.body, "Switch organisation") {
		t.Fatalf("Sam, at one organisation, is offered a switch")
	}
}

// TestPartnerBrandWhenSignedOut: the partner a person signed in at keeps
// its brand after logging out, on signed-out redirects and on error
// pages; a remembered partner never brands another partner's things, and
// a cookie naming no partner falls back to the product's page.
func TestPartnerBrandWhenSignedOut(t *testing.T) {
	t.Parallel()
	p := start(t)
	const northwindTheme, bluepeakTheme = `href="/brand/northwind/theme.css"`, `href="/brand/bluepeak/theme.css"`

	// Sam signs in at the neutral page: the sign-in remembers Northwind.
	b := p.browser(t)
	token := b.csrf("/signin")
	if r := b.post("/signin", url.Values{"email": {sam}}, token); r.status != 200 {
		t.Fatalf("request: %d", r.status)
	}
	link := linkIn(t, p.inbox.waitFor(t, sam, 1))
	u, _ := url.Parse(link)
	landing := b.get(link)
	if r := b.post(u.Path, url.Values{"t": {u.Query().Get("t")}}, csrfRe.FindStringSubmatch(landing.body)[1]); r.status != 303 {
		t.Fatalf("redeem: %d", r.status)
	}
	if b.cookies["__Host-partner"] != "northwind" {
		t.Fatalf("remembered partner after signing in: %q", b.cookies["__Host-partner"])
	}
	// A 404 while signed in wears the learner's partner's brand.
	if r := b.get("/no-such-page"); r.status != 404 || !strings.Contains(r.body, northwindTheme) || !strings.Contains(r.body, "Northwind IT") {
		t.Fatalf("signed-in 404: %d", r.status)
	}
	token = csrfRe.FindStringSubmatch(b.get("/courses").body)[1]
	r := b.post("/signout", url.Values{}, token)
	if r.status != 303 || r.header.Get("Location") != "/p/northwind/signin" {
		t.Fatalf("log out: %d → %s", r.status, r.header.Get("Location"))
	}
	for _, path := range []string{"/courses", "/", "/stats", "/account/devices", "/staff"} {
		if r := b.get(path); r.status != 303 || r.header.Get("Location") != "/p/northwind/signin" {
			t.Errorf("signed out %s: %d → %s", path, r.status, r.header.Get("Location"))
		}
	}
	if r := b.get("/no-such-page"); r.status != 404 || !strings.Contains(r.body, northwindTheme) || !strings.Contains(r.body, "<title>Page not found · Northwind IT</title>") {
		t.Fatalf("signed-out 404: %d\n%s", r.status, r.body)
	}
	if r := b.get("/p/northwind/signin"); !strings.Contains(r.body, northwindTheme) {
		t.Fatalf("the partner's sign-in page is not branded")
	}

	// A cookie naming no partner, or nothing like a slug: the product's page, never a 500.
	for _, junk := range []string{"no-such-partner", "../../etc", strings.Repeat("a", 300), "Northwind"} {
		x := p.browser(t)
		x.cookies["__Host-partner"] = junk
		if r := x.get("/no-such-page"); r.status != 404 || !strings.Contains(r.body, "Page not found · Learning Portal") || strings.Contains(r.body, "/brand/") {
			t.Errorf("cookie %q: 404 page %d", junk, r.status)
		}
		if r := x.get("/courses"); r.status != 303 || r.header.Get("Location") != "/signin" {
			t.Errorf("cookie %q: signed-out redirect %d → %s", junk, r.status, r.header.Get("Location"))
		}
	}

	// Jordan, remembered at Northwind, is a learner at Northwind's Acme and
	// BluePeak's Globex: the picker wears neither brand, each row its own.
	j := p.browser(t)
	j.get("/p/northwind/signin")
	signIn(t, p, j, seed.MultiOrgEmail)
	picker := j.get("/signin/organisation")
	if strings.Contains(picker.body, northwindTheme) || strings.Contains(picker.body, bluepeakTheme) || !strings.Contains(picker.body, "Choose your organisation · Learning Portal") {
		t.Fatalf("the picker for two partners wears one's brand:\n%s", picker.body)
	}
	if !strings.Contains(picker.body, `src="/brand/northwind/logo.svg"`) || !strings.Contains(picker.body, "via BluePeak Managed Services") {
		t.Fatalf("the picker's rows lack their partners")
	}
	// As Globex's learner, a 404 is BluePeak's, whatever the cookie said.
	token = csrfRe.FindStringSubmatch(picker.body)[1]
	j.post("/signin/organisation", url.Values{"learner": {"globex-jordan"}}, token)
	j.cookies["__Host-partner"] = "northwind"
	if r := j.get("/no-such-page"); !strings.Contains(r.body, bluepeakTheme) || strings.Contains(r.body, northwindTheme) {
		t.Fatalf("Globex's learner's 404 is not BluePeak's")
	}
}
