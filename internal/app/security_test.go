package app_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/awareportal/portal/internal/admin"
	"github.com/awareportal/portal/internal/auth"
	"github.com/awareportal/portal/internal/devidp"
	"github.com/awareportal/portal/internal/eventstore"
	"github.com/awareportal/portal/internal/seed"
)

// TestStaffRightsFollowTheGrantingPartnersTrust is issue 9's first attack:
// Northwind makes Riley an Acme auditor; BluePeak binds its client Globex
// to an attacker's Microsoft tenant and adds a learner with Riley's email.
// Signing in through that tenant must give no staff right at Northwind and
// no way into Northwind's learners.
func TestStaffRightsFollowTheGrantingPartnersTrust(t *testing.T) {
	t.Parallel()
	p := start(t)
	ctx := context.Background()
	meta := eventstore.Metadata{ActorID: "test"}
	if _, err := p.app.Admin.GrantStaff(ctx, "northwind", admin.StaffInput{Email: seed.MicrosoftEmail, Name: "Riley Chen", Role: "auditor", ClientID: "acme"}, meta); err != nil {
		t.Fatal(err)
	}
	attacker := devidp.OtherTenantID
	if _, err := p.app.Admin.UpdateClient(ctx, "bluepeak", "globex", admin.ClientPatch{MicrosoftTenantID: &attacker}, meta); err != nil {
		t.Fatal(err)
	}
	if _, err := p.app.Admin.ProvisionUser(ctx, "bluepeak", "globex", admin.UserInput{ID: "globex-riley", Email: seed.MicrosoftEmail, FirstName: "Riley", Source: "microsoft365"}, meta); err != nil {
		t.Fatal(err)
	}

	mallory := p.browser(t)
	if r := ssoSignIn(t, mallory, "microsoft", "mallory"); r.status != 303 || r.header.Get("Location") != "/courses" {
		t.Fatalf("the attacker's tenant signs in as BluePeak's learner: %d → %s", r.status, r.header.Get("Location"))
	}
	if c := mallory.get("/courses"); c.status != 200 || !strings.Contains(c.body, "Globex") {
		t.Fatalf("the attacker is not Globex's learner: %d", c.status)
	}
	for _, path := range []string{"/staff", "/staff/users/acme-sam", "/staff/export?client=acme", "/staff/asof?client=acme"} {
		if r := mallory.get(path); r.status != 403 {
			t.Errorf("attacker GET %s: %d, want 403", path, r.status)
		}
	}
	if r := mallory.get("/courses"); strings.Contains(r.body, `href="/staff"`) {
		t.Error("the attacker is offered a staff link")
	}
	if r := mallory.get("/signin/organisation"); strings.Contains(r.body, "Acme") {
		t.Error("the organisation picker offers another partner's learner")
	}
	token := mallory.csrf("/courses")
	if r := mallory.post("/signin/organisation", url.Values{"learner": {"acme-riley"}}, token); r.status != 404 {
		t.Errorf("choosing Northwind's Riley: %d, want 404", r.status)
	}

	// The real Riley, vouched for by the tenant Acme is bound to, is
	// Northwind's auditor.
	riley := p.browser(t)
	ssoSignIn(t, riley, "microsoft", "riley")
	if r := riley.get("/staff"); r.status != 200 || !strings.Contains(r.body, "Auditor for Acme") {
		t.Fatalf("Riley as auditor: %d", r.status)
	}
}

// TestEveryStaffRouteChecksEveryID runs every staff route with each of its
// ids set out of scope (the others in scope), for an auditor and for
// support: all 404, the same as an id that does not exist.
func TestEveryStaffRouteChecksEveryID(t *testing.T) {
	t.Parallel()
	p := start(t)
	at := url.QueryEscape(p.clock.Now().UTC().Format("2006-01-02T15:04"))
	auditor, support := p.browser(t), p.browser(t)
	signIn(t, p, auditor, seed.AuditorEmail)
	signIn(t, p, support, seed.SupportEmail)
	cases := []struct {
		who   string
		b     *browser
		paths []string
	}{
		{"Acme's auditor", auditor, []string{
			"/staff/users/globex-jordan", "/staff/users/initech-pat", "/staff/users/nobody",
			"/staff/asof?learner=globex-jordan", "/staff/asof?learner=initech-pat&at=" + at,
			"/staff/asof?client=globex&at=" + at, "/staff/asof?client=initech&at=" + at, "/staff/asof?client=umbrella&at=" + at,
			"/staff/asof?learner=acme-sam&client=globex&at=" + at, "/staff/asof?learner=acme-sam&client=initech&at=" + at,
			"/staff/asof?learner=globex-jordan&client=acme&at=" + at,
			"/staff/export?learner=globex-jordan", "/staff/export?learner=initech-pat", "/staff/export?client=globex",
			"/staff/export?client=initech", "/staff/export?learner=acme-sam&client=umbrella", "/staff/export?learner=acme-sam&client=globex",
			"/staff/export?learner=globex-jordan&client=acme", "/staff/export?learner=acme-sam&client=initech&format=csv",
		}},
		{"Northwind support", support, []string{
			"/staff/users/globex-jordan", "/staff/asof?learner=globex-jordan&at=" + at,
			"/staff/asof?client=globex&at=" + at, "/staff/asof?learner=acme-sam&client=globex&at=" + at,
			"/staff/asof?learner=acme-sam&client=initech&at=" + at, // both in scope, but Sam is not at Initech
			"/staff/export?learner=globex-jordan", "/staff/export?client=globex", "/staff/export?learner=acme-sam&client=umbrella",
			"/staff/export?learner=acme-sam&client=globex", "/staff/export?learner=globex-jordan&client=acme",
		}},
	}
	for _, tc := range cases {
		for _, path := range tc.paths {
			r := tc.b.get(path)
			if r.status != 404 {
				t.Errorf("%s GET %s: %d, want 404", tc.who, path, r.status)
			}
			if strings.Contains(r.body, "Globex") || strings.Contains(r.body, "globex-jordan") {
				t.Errorf("%s GET %s: the answer names another partner's people", tc.who, path)
			}
		}
	}
	// In scope still works.
	if r := auditor.get("/staff/asof?learner=acme-sam&at=" + at); r.status != 200 || !strings.Contains(r.body, "Sam") {
		t.Fatalf("auditor's own learner as of now: %d", r.status)
	}
	if r := support.get("/staff/export?learner=acme-sam&client=acme"); r.status != 200 || !strings.Contains(r.body, "acme-sam") {
		t.Fatalf("support export: %d", r.status)
	}
}

// TestTrainingLinkUnderParallelUseAndNoStaff: many parallel uses of one
// training link all sign in (no 500s), and a session from a training link
// holds no staff role even when its learner has one.
func TestTrainingLinkUnderParallelUseAndNoStaff(t *testing.T) {
	t.Parallel()
	p := start(t)
	tok := p.token(t, "northwind")
	if code, out := p.api(t, tok, "POST", "/api/v1/clients/acme/users", `{"id":"acme-quinn","email":"quinn@acme.example","first_name":"Quinn","source":"manual"}`); code != 201 {
		t.Fatalf("provision: %d %v", code, out)
	}
	if _, err := p.app.Admin.GrantStaff(context.Background(), "northwind", admin.StaffInput{Email: "quinn@acme.example", Name: "Quinn", Role: "support"}, eventstore.Metadata{ActorID: "test"}); err != nil {
		t.Fatal(err)
	}
	if code, out := p.api(t, tok, "POST", "/api/v1/clients/acme/assignments", `{"course_id":"spotting-phishing","due_at":"2026-12-20","learner_ids":["acme-quinn"]}`); code != 201 {
		t.Fatalf("assign: %d %v", code, out)
	}
	link := linkIn(t, p.inbox.waitFor(t, "quinn@acme.example", 1))
	u, _ := url.Parse(link)

	const n = 64
	browsers := make([]*browser, n)
	tokens := make([]string, n)
	for i := range browsers {
		browsers[i] = p.browser(t)
		tokens[i] = csrfRe.FindStringSubmatch(browsers[i].get(link).body)[1]
	}
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range browsers {
		wg.Go(func() {
			statuses[i] = browsers[i].post(u.Path, url.Values{"t": {u.Query().Get("t")}}, tokens[i]).status
		})
	}
	wg.Wait()
	for i, s := range statuses {
		if s != 303 {
			t.Errorf("use %d of the training link: %d, want 303", i, s)
		}
	}
	for _, path := range []string{"/staff", "/staff/users/acme-sam", "/staff/export?client=acme"} {
		if r := browsers[0].get(path); r.status != 403 {
			t.Errorf("training-link session GET %s: %d, want 403", path, r.status)
		}
	}
	// The same person, signed in with an email link, is support.
	b := p.browser(t)
	signIn(t, p, b, "quinn@acme.example")
	if r := b.get("/staff"); r.status != 200 {
		t.Fatalf("email-link session of support: %d", r.status)
	}
}

// TestOpeningALinkWritesAtMostOneEventAMinute: anonymous GETs of a link,
// sequential and parallel, never 500 and record an opening at most once a
// minute.
func TestOpeningALinkWritesAtMostOneEventAMinute(t *testing.T) {
	t.Parallel()
	p := start(t)
	requestLink(p.browser(t), sam)
	link := linkIn(t, p.inbox.waitFor(t, sam, 1))
	u, _ := url.Parse(link)
	stream := "signin-" + strings.TrimPrefix(u.Path, "/signin/link/")
	opened := func() int {
		n := 0
		for _, typ := range eventTypes(t, p, stream) {
			if typ == "signin.link_opened.v1" {
				n++
			}
		}
		return n
	}
	statuses := make(chan int, 64)
	var wg sync.WaitGroup
	for range 32 {
		wg.Go(func() { statuses <- p.browser(t).get(link).status })
	}
	for range 32 {
		statuses <- p.browser(t).get(link).status
	}
	wg.Wait()
	close(statuses)
	for s := range statuses {
		if s != 200 {
			t.Fatalf("GET of the link: %d", s)
		}
	}
	if n := opened(); n != 1 {
		t.Fatalf("64 GETs in one minute recorded %d openings, want 1", n)
	}
	p.clock.Advance(time.Minute)
	p.browser(t).get(link)
	if n := opened(); n != 2 {
		t.Fatalf("a GET a minute later: %d openings, want 2", n)
	}
	// The link still works: GETs spend nothing.
	b := p.browser(t)
	landing := b.get(link)
	if r := b.post(u.Path, url.Values{"t": {u.Query().Get("t")}}, csrfRe.FindStringSubmatch(landing.body)[1]); r.status != 303 {
		t.Fatalf("sign in after the GETs: %d", r.status)
	}
}

// TestParallelWrongCodesAreCountedOneByOne: of many wrong codes sent at
// once, no more than the limit are weighed, and the request locks.
func TestParallelWrongCodesAreCountedOneByOne(t *testing.T) {
	t.Parallel()
	p := start(t)
	b := p.browser(t)
	r := requestLink(b, sam)
	reqID := strings.Split(strings.Split(r.body, `name="request" value="`)[1], `"`)[0]
	code := codeRe.FindStringSubmatch(p.inbox.waitFor(t, sam, 1).Text)[1]
	const n = 21
	var wg sync.WaitGroup
	statuses := make([]int, n)
	for i := range n {
		g := p.browser(t)
		token := g.csrf("/signin")
		wg.Go(func() {
			statuses[i] = g.post("/signin/code", url.Values{"request": {reqID}, "code": {fmt.Sprintf("ZZZ-ZZ%d", i%10)}}, token).status
		})
	}
	wg.Wait()
	for i, s := range statuses {
		if s != 422 {
			t.Errorf("guess %d: %d, want 422", i, s)
		}
	}
	var wrong int
	if err := p.db.Pool.QueryRow(context.Background(),
		`SELECT count(*) FROM events WHERE stream = $1 AND type = 'signin.sign_in_failed.v1' AND data->>'reason' = 'wrong_code'`,
		"signin-"+reqID).Scan(&wrong); err != nil {
		t.Fatal(err)
	}
	if wrong != 5 {
		t.Fatalf("%d parallel wrong codes: %d were weighed, want exactly 5", n, wrong)
	}
	token := b.csrf("/signin")
	if r := b.post("/signin/code", url.Values{"request": {reqID}, "code": {code}}, token); r.status != 422 || !strings.Contains(r.body, "Too many wrong codes") {
		t.Fatalf("the right code after the lock: %d", r.status)
	}
}

// TestPerIPLimitsBehindATrustedProxy: behind a proxy every request comes
// from the proxy's address; with PORTAL_TRUSTED_PROXIES the per-IP limit
// counts each client (the address the proxy appended), and what a client
// writes into X-Forwarded-For itself is not believed.
func TestPerIPLimitsBehindATrustedProxy(t *testing.T) {
	t.Parallel()
	p := startWith(t, map[string]string{"PORTAL_TRUSTED_PROXIES": "127.0.0.0/8, ::1"})
	ask := func(client, email string) int {
		b := p.browser(t)
		token := b.csrf("/p/northwind/signin")
		// The client forged a first hop; the proxy appended the real one.
		return b.do("POST", "/p/northwind/signin", url.Values{"email": {email}, "_csrf": {token}},
			map[string]string{"X-Forwarded-For": fmt.Sprintf("198.51.100.%d, %s", len(email)%200, client)}).status
	}
	for i := range auth.PerIP.N {
		if s := ask("203.0.113.1", fmt.Sprintf("a%d@acme.example", i)); s != 200 {
			t.Fatalf("client A request %d: %d", i+1, s)
		}
	}
	if s := ask("203.0.113.1", "one.more@acme.example"); s != 429 {
		t.Fatalf("client A over its limit (forged first hops ignored): %d, want 429", s)
	}
	if s := ask("203.0.113.2", "b@acme.example"); s != 200 {
		t.Fatalf("client B is not limited by client A: %d, want 200", s)
	}
}

// TestNoProxyTrustedMeansForwardedForIsIgnored: without the setting, a
// client cannot escape the per-IP limit by sending X-Forwarded-For.
func TestNoProxyTrustedMeansForwardedForIsIgnored(t *testing.T) {
	t.Parallel()
	p := start(t)
	for i := range auth.PerIP.N + 1 {
		b := p.browser(t)
		token := b.csrf("/p/northwind/signin")
		s := b.do("POST", "/p/northwind/signin", url.Values{"email": {fmt.Sprintf("x%d@acme.example", i)}, "_csrf": {token}},
			map[string]string{"X-Forwarded-For": fmt.Sprintf("203.0.113.%d", i)}).status
		if want := map[bool]int{true: 429, false: 200}[i == auth.PerIP.N]; s != want {
			t.Fatalf("request %d with a made-up X-Forwarded-For: %d, want %d", i+1, s, want)
		}
	}
}

// TestSignedInPagesAreNeverCached: every page of a signed-in learner or
// staff member says no-store.
func TestSignedInPagesAreNeverCached(t *testing.T) {
	t.Parallel()
	p := start(t)
	learner, support := p.browser(t), p.browser(t)
	signIn(t, p, learner, sam)
	signIn(t, p, support, seed.SupportEmail)
	for _, c := range []struct {
		b     *browser
		paths []string
	}{
		{learner, []string{"/courses", "/courses/completed", "/stats", "/leaderboard", "/activity"}},
		{support, []string{"/staff", "/staff/users/acme-sam", "/staff/asof"}},
	} {
		for _, path := range c.paths {
			r := c.b.get(path)
			if r.status != 200 || r.header.Get("Cache-Control") != "no-store" {
				t.Errorf("GET %s: %d, Cache-Control %q, want no-store", path, r.status, r.header.Get("Cache-Control"))
			}
		}
	}
}
