package app_test

import (
	"context"
	"fmt"
	"image/png"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/awareportal/portal/domain/signin"
	"github.com/awareportal/portal/internal/auth"
	"github.com/awareportal/portal/internal/eventstore"
	"github.com/awareportal/portal/internal/mail"
	"github.com/awareportal/portal/internal/seed"
	"github.com/awareportal/portal/projections/directory"
	"github.com/awareportal/portal/projections/progress"
)

const sam = seed.LearnerEmail

// requestLink asks for a sign-in email from the partner's page.
func requestLink(b *browser, email string) response {
	b.t.Helper()
	token := b.csrf("/p/northwind/signin")
	return b.post("/p/northwind/signin", url.Values{"email": {email}}, token)
}

// signIn signs b in as email through the link, returning the final response.
func signIn(t testing.TB, p *portal, b *browser, email string) response {
	t.Helper()
	before := p.inbox.count(email)
	if r := requestLink(b, email); r.status != 200 {
		t.Fatalf("request link: %d", r.status)
	}
	link := linkIn(t, p.inbox.waitSignInAfter(t, email, before))
	landing := b.get(link)
	u, _ := url.Parse(link)
	return b.post(u.Path, url.Values{"t": {u.Query().Get("t")}}, csrfRe.FindStringSubmatch(landing.body)[1])
}

func TestEmailLinkSignInAndLogout(t *testing.T) {
	t.Parallel()
	p := start(t)
	b := p.browser(t)

	r := requestLink(b, "  Sam.Learner@ACME.example ")
	if r.status != 200 || !strings.Contains(r.body, "Check your inbox") {
		t.Fatalf("request: %d %s", r.status, r.body)
	}
	m := p.inbox.waitFor(t, sam, 1)
	if m.Subject != "Sign in to Northwind IT Training" {
		t.Errorf("subject = %q", m.Subject)
	}
	if !strings.Contains(m.HTML, "Northwind IT") || !strings.Contains(m.HTML, "#0b7285") {
		t.Errorf("HTML part is not partner-branded")
	}
	if !codeRe.MatchString(m.Text) {
		t.Errorf("no code in text part:\n%s", m.Text)
	}
	checkEmailLogo(t, b, p.base, m.HTML)
	link := linkIn(t, m)
	if !strings.HasPrefix(link, p.base+"/signin/link/") {
		t.Fatalf("link %s not built from the base URL", link)
	}

	landing := b.get(link)
	if landing.status != 200 || !strings.Contains(landing.body, ">Sign in</button>") {
		t.Fatalf("landing: %d", landing.status)
	}
	u, _ := url.Parse(link)
	r = b.post(u.Path, url.Values{"t": {u.Query().Get("t")}}, csrfRe.FindStringSubmatch(landing.body)[1])
	if r.status != 303 || r.header.Get("Location") != "/courses" {
		t.Fatalf("redeem: %d to %q", r.status, r.header.Get("Location"))
	}
	raw := r.header.Values("Set-Cookie")
	var sessionCookie string
	for _, c := range raw {
		if strings.HasPrefix(c, "__Host-session=") {
			sessionCookie = c
		}
	}
	for _, attr := range []string{"HttpOnly", "Secure", "SameSite=Lax", "Path=/"} {
		if !strings.Contains(strings.ToLower(sessionCookie), strings.ToLower(attr)) {
			t.Errorf("session cookie lacks %s: %s", attr, sessionCookie)
		}
	}
	if strings.Contains(strings.ToLower(sessionCookie), "domain=") {
		t.Errorf("__Host- cookie has a Domain: %s", sessionCookie)
	}

	courses := b.get("/courses")
	if courses.status != 200 || !strings.Contains(courses.body, "Hi Sam") || !strings.Contains(courses.body, "Northwind IT") {
		t.Fatalf("courses: %d", courses.status)
	}
	if !strings.Contains(courses.header.Get("Vary"), "HX-Request") {
		t.Errorf("Vary = %q", courses.header.Get("Vary"))
	}
	frag := b.do("GET", "/courses", nil, map[string]string{"HX-Request": "true"})
	if strings.Contains(frag.body, "<html") || !strings.Contains(frag.body, "Hi Sam") {
		t.Errorf("htmx request did not get a fragment")
	}
	restore := b.do("GET", "/courses", nil, map[string]string{"HX-Request": "true", "HX-History-Restore-Request": "true"})
	if !strings.Contains(restore.body, "<html") {
		t.Errorf("history restore did not get the full page")
	}

	// Log out ends the session on the server: the old cookie is dead.
	stolen := b.cookies["__Host-session"]
	token := csrfRe.FindStringSubmatch(courses.body)[1]
	if r := b.post("/signout", url.Values{}, token); r.status != 303 {
		t.Fatalf("signout: %d", r.status)
	}
	replay := p.browser(t)
	replay.cookies["__Host-session"] = stolen
	if r := replay.get("/courses"); r.status != 303 || r.header.Get("Location") != "/signin" {
		t.Fatalf("old cookie after logout: %d %s", r.status, r.header.Get("Location"))
	}

	// Every step is an event on the request's stream.
	reqID := strings.TrimPrefix(u.Path, "/signin/link/")
	got := eventTypes(t, p, signin.Stream(reqID))
	want := []string{"signin.link_requested.v1", "signin.link_opened.v1", "signin.signed_in.v1", "signin.signed_out.v1"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("events = %v, want %v", got, want)
	}
}

func eventTypes(t *testing.T, p *portal, stream string) []string {
	t.Helper()
	evs, err := p.app.Store.ReadStream(context.Background(), stream, 1)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range evs {
		out = append(out, e.Type)
	}
	return out
}

func TestScannerGETSignsNobodyIn(t *testing.T) {
	t.Parallel()
	p := start(t)
	b := p.browser(t)
	requestLink(b, sam)
	link := linkIn(t, p.inbox.waitFor(t, sam, 1))

	scanner := p.browser(t)
	for range 3 {
		r := scanner.get(link)
		if r.status != 200 {
			t.Fatalf("scanner GET: %d", r.status)
		}
	}
	if _, ok := scanner.cookies["__Host-session"]; ok {
		t.Fatal("a GET of the link set a session cookie")
	}
	if r := scanner.get("/courses"); r.status != 303 {
		t.Fatalf("scanner reached courses: %d", r.status)
	}
	var sessions int
	if err := p.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM sessions`).Scan(&sessions); err != nil {
		t.Fatal(err)
	}
	if sessions != 0 {
		t.Fatalf("%d sessions after scanner GETs", sessions)
	}
	// The person can still use the link.
	landing := b.get(link)
	u, _ := url.Parse(link)
	if r := b.post(u.Path, url.Values{"t": {u.Query().Get("t")}}, csrfRe.FindStringSubmatch(landing.body)[1]); r.status != 303 {
		t.Fatalf("person after scanner: %d", r.status)
	}
}

func TestParallelRedemptionGivesOneSession(t *testing.T) {
	t.Parallel()
	p := start(t)
	requestLink(p.browser(t), sam)
	link := linkIn(t, p.inbox.waitFor(t, sam, 1))
	u, _ := url.Parse(link)

	const n = 16
	browsers := make([]*browser, n)
	tokens := make([]string, n)
	for i := range browsers {
		browsers[i] = p.browser(t)
		tokens[i] = browsers[i].csrf("/signin")
	}
	var wg sync.WaitGroup
	statuses := make([]int, n)
	for i := range browsers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = browsers[i].post(u.Path, url.Values{"t": {u.Query().Get("t")}}, tokens[i]).status
		}()
	}
	wg.Wait()
	won, gone := 0, 0
	for _, s := range statuses {
		switch s {
		case 303:
			won++
		case 410:
			gone++
		default:
			t.Errorf("unexpected status %d", s)
		}
	}
	var sessions int
	if err := p.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM sessions`).Scan(&sessions); err != nil {
		t.Fatal(err)
	}
	if won != 1 || gone != n-1 || sessions != 1 {
		t.Fatalf("won=%d gone=%d sessions=%d, want 1, %d, 1", won, gone, sessions, n-1)
	}
}

func TestLinkExpiresAfterAnHour(t *testing.T) {
	t.Parallel()
	p := start(t)
	b := p.browser(t)
	requestLink(b, sam)
	link := linkIn(t, p.inbox.waitFor(t, sam, 1))
	p.clock.Advance(time.Hour + time.Second)

	landing := b.get(link)
	if !strings.Contains(landing.body, "This sign-in link has expired") || !strings.Contains(landing.body, `value="`+sam+`"`) {
		t.Fatalf("expired landing does not say so with the email filled in:\n%s", landing.body)
	}
	u, _ := url.Parse(link)
	r := b.post(u.Path, url.Values{"t": {u.Query().Get("t")}}, csrfRe.FindStringSubmatch(landing.body)[1])
	if r.status != 410 {
		t.Fatalf("expired redeem: %d", r.status)
	}
	types := eventTypes(t, p, signin.Stream(strings.TrimPrefix(u.Path, "/signin/link/")))
	if types[len(types)-1] != "signin.sign_in_failed.v1" {
		t.Fatalf("last event %v", types)
	}
}

func TestNewerLinkDoesNotBreakOlderOne(t *testing.T) {
	t.Parallel()
	p := start(t)
	b := p.browser(t)
	requestLink(b, sam)
	requestLink(b, sam)
	first := linkIn(t, p.inbox.waitFor(t, sam, 1))
	p.inbox.waitFor(t, sam, 2)
	landing := b.get(first)
	u, _ := url.Parse(first)
	if r := b.post(u.Path, url.Values{"t": {u.Query().Get("t")}}, csrfRe.FindStringSubmatch(landing.body)[1]); r.status != 303 {
		t.Fatalf("older link after a newer one: %d", r.status)
	}
}

func TestCodeOnAnotherDevice(t *testing.T) {
	t.Parallel()
	p := start(t)
	b := p.browser(t)
	r := requestLink(b, sam)
	reqID := regexp.MustCompile(`name="request" value="([^"]+)"`).FindStringSubmatch(r.body)[1]
	token := csrfRe.FindStringSubmatch(r.body)[1]
	code := codeRe.FindStringSubmatch(p.inbox.waitFor(t, sam, 1).Text)[1]

	wrong := b.post("/signin/code", url.Values{"request": {reqID}, "code": {"ZZZ-ZZZ"}, "email": {sam}}, token)
	if wrong.status != 422 || !strings.Contains(wrong.body, "That code isn") {
		t.Fatalf("wrong code: %d", wrong.status)
	}
	right := b.post("/signin/code", url.Values{"request": {reqID}, "code": {strings.ToLower(code)}, "email": {sam}}, token)
	if right.status != 303 || right.header.Get("Location") != "/courses" {
		t.Fatalf("right code: %d %s", right.status, right.header.Get("Location"))
	}
}

func TestWrongCodesKillTheRequest(t *testing.T) {
	t.Parallel()
	p := start(t)
	b := p.browser(t)
	r := requestLink(b, sam)
	reqID := regexp.MustCompile(`name="request" value="([^"]+)"`).FindStringSubmatch(r.body)[1]
	token := csrfRe.FindStringSubmatch(r.body)[1]
	code := codeRe.FindStringSubmatch(p.inbox.waitFor(t, sam, 1).Text)[1]
	for range signin.MaxCodeAttempts {
		b.post("/signin/code", url.Values{"request": {reqID}, "code": {"ZZZ-ZZZ"}}, token)
	}
	r = b.post("/signin/code", url.Values{"request": {reqID}, "code": {code}}, token)
	if r.status != 422 || !strings.Contains(r.body, "Too many wrong codes") {
		t.Fatalf("right code after lock-out: %d", r.status)
	}
}

// TestNoAccountEnumeration: a known and an unknown email get the same
// answer, after at least the same padded time, and only the known one mail.
func TestNoAccountEnumeration(t *testing.T) {
	t.Parallel()
	p := start(t)
	p.app.Auth.Pad = 0 // the real padding
	b := p.browser(t)
	normalize := func(s, email string) string {
		s = regexp.MustCompile(`name="request" value="[^"]+"`).ReplaceAllString(s, "")
		return strings.ReplaceAll(s, email, "EMAIL")
	}
	start1 := time.Now()
	known := requestLink(b, sam)
	tookKnown := time.Since(start1)
	start2 := time.Now()
	unknown := requestLink(b, "nobody@acme.example")
	tookUnknown := time.Since(start2)
	if known.status != unknown.status || normalize(known.body, sam) != normalize(unknown.body, "nobody@acme.example") {
		t.Fatalf("answers differ:\n%s\n---\n%s", known.body, unknown.body)
	}
	if known.header.Get("HX-Trigger") != strings.ReplaceAll(unknown.header.Get("HX-Trigger"), "nobody@acme.example", sam) {
		t.Fatalf("toasts differ")
	}
	if tookKnown < 300*time.Millisecond || tookUnknown < 300*time.Millisecond {
		t.Fatalf("responses not padded: known %s, unknown %s", tookKnown, tookUnknown)
	}
	p.inbox.waitFor(t, sam, 1)
	if n := p.inbox.count("nobody@acme.example"); n != 0 {
		t.Fatalf("%d mails to an unknown address", n)
	}
}

func TestRateLimitPerEmail(t *testing.T) {
	t.Parallel()
	p := start(t)
	b := p.browser(t)
	for i := range 5 {
		if r := requestLink(b, sam); r.status != 200 {
			t.Fatalf("request %d: %d", i+1, r.status)
		}
	}
	r := requestLink(b, sam)
	if r.status != 429 || !strings.Contains(r.body, "Too many sign-in emails") || r.header.Get("Retry-After") == "" {
		t.Fatalf("6th request: %d %s", r.status, r.body)
	}
	// Another address from the same browser is not blocked by Sam's limit.
	if r := requestLink(b, "riley.chen@acme.example"); r.status != 200 {
		t.Fatalf("other email: %d", r.status)
	}
	p.clock.Advance(15 * time.Minute)
	if r := requestLink(b, sam); r.status != 200 {
		t.Fatalf("after the window: %d", r.status)
	}
}

func TestCSRFIsEnforced(t *testing.T) {
	t.Parallel()
	p := start(t)
	b := p.browser(t)
	b.get("/signin")
	if r := b.do("POST", "/signin", url.Values{"email": {sam}}, nil); r.status != 403 {
		t.Fatalf("no token: %d", r.status)
	}
	if r := b.do("POST", "/signin", url.Values{"email": {sam}, "_csrf": {"forged"}}, nil); r.status != 403 {
		t.Fatalf("forged token: %d", r.status)
	}
	other := p.browser(t)
	stolen := other.csrf("/signin")
	if r := b.post("/signin", url.Values{"email": {sam}}, stolen); r.status != 403 {
		t.Fatalf("another visitor's token: %d", r.status)
	}
	token := b.csrf("/signin")
	if r := b.do("POST", "/signin", url.Values{"email": {sam}, "_csrf": {token}}, map[string]string{"Sec-Fetch-Site": "cross-site"}); r.status != 403 {
		t.Fatalf("cross-site: %d", r.status)
	}
	if r := b.do("POST", "/signin", url.Values{"email": {sam}}, map[string]string{"X-CSRF-Token": token, "HX-Request": "true"}); r.status != 200 {
		t.Fatalf("htmx header token: %d", r.status)
	}
	if n := p.inbox.count(sam); n > 1 {
		t.Fatalf("%d mails sent; refused requests must send none", n)
	}
}

func TestSeveralOrganisationsPick(t *testing.T) {
	t.Parallel()
	p := start(t)
	b := p.browser(t)
	r := signIn(t, p, b, seed.MultiOrgEmail)
	if r.header.Get("Location") != "/signin/organisation" {
		t.Fatalf("went to %s", r.header.Get("Location"))
	}
	if r := b.get("/courses"); r.header.Get("Location") != "/signin/organisation" {
		t.Fatalf("courses before picking: %d %s", r.status, r.header.Get("Location"))
	}
	picker := b.get("/signin/organisation")
	if !strings.Contains(picker.body, "Acme Corporation") || !strings.Contains(picker.body, "Globex") {
		t.Fatalf("picker lacks organisations")
	}
	token := csrfRe.FindStringSubmatch(picker.body)[1]
	if r := b.post("/signin/organisation", url.Values{"learner": {"acme-sam"}}, token); r.status != 404 {
		t.Fatalf("picking someone else's learner: %d", r.status)
	}
	if r := b.post("/signin/organisation", url.Values{"learner": {"globex-jordan"}}, token); r.status != 303 {
		t.Fatalf("pick: %d", r.status)
	}
	courses := b.get("/courses")
	if !strings.Contains(courses.body, "Globex") || !strings.Contains(courses.body, "BluePeak") {
		t.Fatalf("courses are not Globex's, branded BluePeak")
	}
}

func TestPortalSwitchedOff(t *testing.T) {
	t.Parallel()
	p := start(t)
	b := p.browser(t)
	signIn(t, p, b, seed.PortalOffEmail)
	r := b.get("/courses")
	if r.status != 403 || !strings.Contains(r.body, "switched the learning portal off") {
		t.Fatalf("portal off: %d", r.status)
	}
	// No nav of links that all lead here, and no promise of emails.
	if strings.Contains(r.body, `href="/stats"`) || strings.Contains(r.body, "navmenu") || strings.Contains(r.body, "emails still work") {
		t.Fatalf("portal-off page shows the learner nav or promises emails:\n%s", r.body)
	}
}

func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	p := start(t)
	r := p.browser(t).get("/signin")
	for h, want := range map[string]string{
		"Content-Security-Policy": "frame-ancestors 'none'",
		"Referrer-Policy":         "same-origin",
		"X-Content-Type-Options":  "nosniff",
	} {
		if !strings.Contains(r.header.Get(h), want) {
			t.Errorf("%s = %q", h, r.header.Get(h))
		}
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		if r := p.browser(t).get(path); r.status != 200 {
			t.Errorf("%s: %d", path, r.status)
		}
	}
}

func TestRateLimitPerIP(t *testing.T) {
	t.Parallel()
	p := start(t)
	b := p.browser(t)
	for i := range auth.PerIP.N {
		if r := requestLink(b, fmt.Sprintf("someone%d@acme.example", i)); r.status != 200 {
			t.Fatalf("request %d: %d", i+1, r.status)
		}
	}
	r := requestLink(b, "one.more@acme.example")
	if r.status != 429 || !strings.Contains(r.body, "from your network") {
		t.Fatalf("over the per-IP limit: %d", r.status)
	}
}

// TestTrainingLinkNamesTheCourse: the page a course email's link opens
// (signed out) names the course, "Sign in to start Safe Browsing and
// Downloads" (it said "Sign in to Northwind IT Training"), or "continue"
// for one begun; a breach notification's says where it leads. A link whose
// token is wrong names nothing, and a link recorded for one learner with
// another's assignment (here another tenant's) names no course: titles do
// not cross tenants.
func TestTrainingLinkNamesTheCourse(t *testing.T) {
	t.Parallel()
	p := start(t)
	ctx := context.Background()
	now := p.clock.Now()
	base, _ := url.Parse(p.base)
	meta := eventstore.Metadata{ActorID: "test"}
	learner := func(id string) directory.Learner {
		t.Helper()
		l, err := p.app.Auth.Dir.Learner(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	samL := learner("acme-sam")
	notStarted := assignmentOf(t, p, "acme-sam", func(a progress.Assignment) bool { return a.IsOverdue(now) && !a.Completed() })
	started := assignmentOf(t, p, "acme-sam", func(a progress.Assignment) bool { return a.StartedAt != nil && !a.Completed() })
	heading := func(link string) string {
		t.Helper()
		r := p.browser(t).get(link)
		m := regexp.MustCompile(`<h1>([^<]*)</h1>`).FindStringSubmatch(r.body)
		if r.status != 200 || m == nil {
			t.Fatalf("%s: %d\n%.400s", link, r.status, r.body)
		}
		if strings.Contains(r.body, notStarted.Title) && !strings.Contains(m[1], notStarted.Title) {
			t.Errorf("%s shows %q outside its heading", link, notStarted.Title)
		}
		return m[1]
	}
	issue := func(l directory.Learner, assignmentID string) string {
		t.Helper()
		link, err := auth.IssueTrainingLink(ctx, p.app.Repo, base, meta, l, assignmentID, now)
		if err != nil {
			t.Fatal(err)
		}
		return link
	}

	link := issue(samL, notStarted.ID)
	if h := heading(link); h != "Sign in to start "+notStarted.Title {
		t.Errorf("a course not started: %q", h)
	}
	if h := heading(issue(samL, started.ID)); h != "Sign in to continue "+started.Title {
		t.Errorf("a course begun: %q", h)
	}
	breaches, _, err := auth.IssueBreachesLink(ctx, p.app.Repo, base, meta, samL, "northwind", now)
	if err != nil {
		t.Fatal(err)
	}
	if h := heading(breaches); h != "Sign in to review your breaches" {
		t.Errorf("a breach notification's link: %q", h)
	}
	// A forged token: the request exists, the token does not match.
	u, _ := url.Parse(link)
	if h := heading(p.base + u.Path + "?t=forged"); h != "This sign-in link isn&#39;t valid" {
		t.Errorf("a forged token: %q", h)
	}
	// Sam's assignment in links for other learners: Jordan at Acme (same
	// partner) and at Globex (another partner).
	for id, want := range map[string]string{"acme-jordan": "Sign in to Northwind IT Training", "globex-jordan": "Sign in to BluePeak Managed Services Training"} {
		if h := heading(issue(learner(id), notStarted.ID)); h != want {
			t.Errorf("%s's link with Sam's assignment: %q, want %q", id, h, want)
		}
	}
}

var emailLogoRe = regexp.MustCompile(`<img src="([^"]+)"`)

// checkEmailLogo: an email's logo is a PNG (Gmail and Outlook don't show
// SVG images), served from the portal and drawn from the partner's SVG.
func checkEmailLogo(t *testing.T, b *browser, base, html string) {
	t.Helper()
	m := emailLogoRe.FindStringSubmatch(html)
	if m == nil {
		t.Fatalf("no logo in the email:\n%.2000s", html)
	}
	if !strings.HasPrefix(m[1], base+"/brand/") || !strings.HasSuffix(m[1], "/logo.png") {
		t.Fatalf("email logo %s: want the portal's /brand/<slug>/logo.png", m[1])
	}
	r := b.get(strings.TrimPrefix(m[1], base))
	if r.status != 200 || r.header.Get("Content-Type") != "image/png" {
		t.Fatalf("email logo: %d %s", r.status, r.header.Get("Content-Type"))
	}
	img, err := png.Decode(strings.NewReader(r.body))
	if err != nil {
		t.Fatalf("email logo is not a PNG: %v", err)
	}
	if _, _, _, a := img.At(img.Bounds().Dx()/2, img.Bounds().Dy()/2).RGBA(); a == 0 {
		t.Error("email logo is blank in the middle")
	}
}

// TestSignInEmailInThePagesLanguage: someone who asks for a sign-in link on
// a page in German (their browser's language), and has chosen no language
// nor has their organisation set one, gets the email in German; a language
// they chose comes first.
func TestSignInEmailInThePagesLanguage(t *testing.T) {
	t.Parallel()
	p := start(t)
	b := p.browser(t)
	ask := func(acceptLanguage string) mail.Parsed {
		t.Helper()
		b := p.browser(t) // signed out
		before := p.inbox.count(sam)
		form := url.Values{"email": {sam}, "_csrf": {b.csrf("/p/northwind/signin")}}
		if r := b.do("POST", "/p/northwind/signin", form, map[string]string{"Accept-Language": acceptLanguage}); r.status != 200 {
			t.Fatalf("request link: %d", r.status)
		}
		return p.inbox.waitSubjectAfter(t, sam, "", before)
	}
	if m := ask("de-DE,de;q=0.9"); m.Subject != "Anmeldung zur Schulung von Northwind IT" {
		t.Errorf("asked on a German page: %q", m.Subject)
	}
	if m := ask("en-GB"); m.Subject != "Sign in to Northwind IT Training" {
		t.Errorf("asked on an English page: %q", m.Subject)
	}

	// Sam chooses French: that wins over the browser.
	r := signIn(t, p, b, sam)
	if r.status != 303 {
		t.Fatalf("sign in: %d", r.status)
	}
	home := b.get("/courses")
	if r := b.post("/account/language", url.Values{"language": {"fr"}, "back": {"/courses"}}, csrfRe.FindStringSubmatch(home.body)[1]); r.status != 303 {
		t.Fatalf("choose French: %d", r.status)
	}
	p.waitProjections(t)
	if m := ask("de-DE"); !strings.HasPrefix(m.Subject, "Connexion à la formation") {
		t.Errorf("Sam chose French, asked on a German page: %q", m.Subject)
	}
}
