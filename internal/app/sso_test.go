package app_test

import (
	"context"
	"encoding/json"
	"html"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/awareportal/portal/domain/signin"
	"github.com/awareportal/portal/internal/admin"
	"github.com/awareportal/portal/internal/auth"
	"github.com/awareportal/portal/internal/devidp"
	"github.com/awareportal/portal/internal/eventstore"
	"github.com/awareportal/portal/internal/seed"
)

// ssoFlight is a sign-in with a provider on its way back to the portal.
type ssoFlight struct {
	callback string // the URL the provider sends the browser back to
	cookie   string // the sealed state cookie the browser holds
}

// ssoPick presses "Sign in with <provider>" in b, goes through the local
// provider and picks who; it stops before the browser returns to the
// portal. tamper may change the provider's authorize URL.
func ssoPick(t *testing.T, b *browser, provider, who string, tamper func(string) string) ssoFlight {
	t.Helper()
	token := b.csrf("/p/northwind/signin")
	r := b.post("/signin/sso/"+provider, url.Values{"partner": {"northwind"}, "login_hint": {""}}, token)
	if r.status != 303 {
		t.Fatalf("start %s: %d %s", provider, r.status, r.body)
	}
	next := r.header.Get("Location")
	if tamper != nil {
		next = tamper(next)
	}
	back, err := devidp.Pick(context.Background(), next, who, b.p.base)
	if err != nil {
		t.Fatal(err)
	}
	return ssoFlight{callback: back.String(), cookie: b.cookies["__Host-sso"]}
}

// ssoSignIn goes all the way and returns the portal's answer.
func ssoSignIn(t *testing.T, b *browser, provider, who string) response {
	t.Helper()
	r := ssoBack(b, ssoPick(t, b, provider, who, nil).callback)
	r.body = html.UnescapeString(r.body)
	return r
}

// ssoBack is the browser arriving at the callback from the provider: a
// refusal redirects to the page that explains it (ssoBack follows), a
// sign-in to the portal (ssoBack stops).
func ssoBack(b *browser, callback string) response {
	b.t.Helper()
	r := b.get(callback)
	if r.status == 303 && r.header.Get("Location") == "/signin/sso/refused" {
		return b.get("/signin/sso/refused")
	}
	return r
}

// column is the one text column a query returns, in order.
func column(t *testing.T, p *portal, query string) []string {
	t.Helper()
	rows, err := p.db.Pool.Query(context.Background(), query)
	if err != nil {
		t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// rejections are the sso_rejected events recorded so far.
func rejections(t *testing.T, p *portal) []signin.SSORejected {
	t.Helper()
	rows, err := p.db.Pool.Query(context.Background(), `SELECT data FROM events WHERE type = 'signin.sso_rejected.v1' ORDER BY txid, seq`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []signin.SSORejected
	for rows.Next() {
		var raw []byte
		var r signin.SSORejected
		if err := rows.Scan(&raw); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(raw, &r); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

func lastRejection(t *testing.T, p *portal) signin.SSORejected {
	t.Helper()
	all := rejections(t, p)
	if len(all) == 0 {
		t.Fatal("no rejection recorded")
	}
	return all[len(all)-1]
}

func countType(t *testing.T, p *portal, typ string) int {
	t.Helper()
	var n int
	if err := p.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM events WHERE type = $1`, typ).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestSignInWithMicrosoftLinksTheIdentity(t *testing.T) {
	t.Parallel()
	p := start(t)
	b := p.browser(t)
	r := ssoSignIn(t, b, "microsoft", "riley")
	if r.status != 303 || r.header.Get("Location") != "/courses" {
		t.Fatalf("callback: %d → %s\n%s", r.status, r.header.Get("Location"), r.body)
	}
	courses := b.get("/courses")
	if courses.status != 200 || !strings.Contains(courses.body, "Riley") {
		t.Fatalf("courses: %d", courses.status)
	}
	if n := countType(t, p, "identity.linked.v1"); n != 1 {
		t.Fatalf("identity linked %d times", n)
	}
	var method string
	if err := p.db.Pool.QueryRow(context.Background(), `SELECT data->>'method' FROM events WHERE type = 'signin.signed_in.v1' ORDER BY txid DESC, seq DESC LIMIT 1`).Scan(&method); err != nil || method != "microsoft" {
		t.Fatalf("signed in with %q (%v)", method, err)
	}

	// Later sign-ins use the link; nothing is linked again.
	b2 := p.browser(t)
	if r := ssoSignIn(t, b2, "microsoft", "riley"); r.header.Get("Location") != "/courses" {
		t.Fatalf("second sign-in: %d → %s", r.status, r.header.Get("Location"))
	}
	if n := countType(t, p, "identity.linked.v1"); n != 1 {
		t.Fatalf("identity linked %d times after a second sign-in", n)
	}
	// The same email through the email link is the same learner.
	b3 := p.browser(t)
	signIn(t, p, b3, seed.MicrosoftEmail)
	learners := column(t, p, `SELECT method || ':' || learner_id FROM sessions ORDER BY created_at, method`)
	if strings.Join(learners, ",") != "email_link:acme-riley,microsoft:acme-riley,microsoft:acme-riley" {
		t.Fatalf("sessions: %v", learners)
	}
	if len(rejections(t, p)) != 0 {
		t.Fatalf("rejections: %+v", rejections(t, p))
	}
}

func TestSignInWithGoogle(t *testing.T) {
	t.Parallel()
	p := start(t)
	b := p.browser(t)
	r := ssoSignIn(t, b, "google", "avery")
	if r.header.Get("Location") != "/courses" {
		t.Fatalf("callback: %d → %s\n%s", r.status, r.header.Get("Location"), r.body)
	}
	if c := b.get("/courses"); !strings.Contains(c.body, "Avery") {
		t.Fatal("courses are not Avery's")
	}
}

func TestSSORefusals(t *testing.T) {
	t.Parallel()
	p := start(t)
	for _, tc := range []struct {
		name, provider, who string
		reason              signin.Reason
		right               signin.Method
		says                string
	}{
		{"Microsoft for a Google Workspace user", "microsoft", "avery-ms", signin.ReasonWrongMethod, signin.MethodGoogle, "signs you in with Google, not Microsoft"},
		{"Google for a Microsoft 365 user", "google", "riley-google", signin.ReasonWrongMethod, signin.MethodMicrosoft, "signs you in with Microsoft, not Google"},
		{"Microsoft for a learner added by hand", "microsoft", "sam-ms", signin.ReasonWrongMethod, signin.MethodEmailLink, "send you a sign-in link"},
		{"a token from another Microsoft tenant claiming a learner's email", "microsoft", "mallory", signin.ReasonWrongTenant, signin.MethodMicrosoft, "belongs to a different organisation"},
		{"Microsoft says the email is not verified", "microsoft", "riley-unverified", signin.ReasonEmailUnverified, "", "didn't confirm the email address"},
		{"Google email_verified false", "google", "avery-unverified", signin.ReasonEmailUnverified, "", "didn't confirm the email address"},
		{"Google hd is not the client's Workspace domain", "google", "avery-personal", signin.ReasonHostedDomain, signin.MethodGoogle, "isn't part of your organisation's Google Workspace"},
		{"cancelled at the provider", "microsoft", "", signin.ReasonProviderError, "", "cancelled"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := p.browser(t)
			r := ssoSignIn(t, b, tc.provider, tc.who)
			if r.status != 403 || !strings.Contains(r.body, tc.says) {
				t.Fatalf("answer: %d, want 403 saying %q\n%s", r.status, tc.says, r.body)
			}
			if !strings.Contains(r.body, `id="send-link"`) {
				t.Error("no email-link fallback offered")
			}
			if b.get("/courses").status != 303 {
				t.Fatal("signed in after a refusal")
			}
			rej := lastRejection(t, p)
			if rej.Reason != tc.reason || rej.RightMethod != tc.right || string(rej.Provider) != tc.provider {
				t.Fatalf("recorded %+v, want %s (right method %q)", rej, tc.reason, tc.right)
			}
		})
	}
	if n := countType(t, p, "identity.linked.v1"); n != 0 {
		t.Fatalf("a refused identity was linked (%d)", n)
	}
	var kept string
	_ = p.db.Pool.QueryRow(context.Background(), `SELECT data->>'tenant_id' FROM events WHERE type = 'signin.sso_rejected.v1' AND data->>'reason' = 'wrong_tenant'`).Scan(&kept)
	if kept != devidp.OtherTenantID {
		t.Fatalf("the other tenant's id was not recorded: %q", kept)
	}
	// Support sees the attempts on Riley's timeline.
	p.waitProjections(t)
	reasons := column(t, p, `SELECT details->>'reason' FROM rm_timeline.entries WHERE learner_id = 'acme-riley' AND kind = 'sso_refused' ORDER BY seq`)
	if strings.Join(reasons, ",") != "wrong_method,wrong_tenant,email_unverified" {
		t.Fatalf("Riley's timeline shows refusals %v", reasons)
	}
}

func TestNotEnrolledPage(t *testing.T) {
	t.Parallel()
	p := start(t)
	for _, who := range []struct{ provider, key string }{{"microsoft", "drew"}, {"google", "kim"}} {
		r := ssoSignIn(t, p.browser(t), who.provider, who.key)
		if r.status != 403 || !strings.Contains(r.body, "Your organisation hasn't enrolled you") {
			t.Fatalf("%s: %d\n%s", who.key, r.status, r.body)
		}
		if rej := lastRejection(t, p); rej.Reason != signin.ReasonNotEnrolled {
			t.Fatalf("recorded %+v", rej)
		}
	}
}

func TestSSOStateAndCode(t *testing.T) {
	t.Parallel()
	p := start(t)

	t.Run("forged state", func(t *testing.T) {
		b := p.browser(t)
		f := ssoPick(t, b, "microsoft", "riley", nil)
		u, _ := url.Parse(f.callback)
		q := u.Query()
		q.Set("state", "forged")
		u.RawQuery = q.Encode()
		if r := ssoBack(b, u.String()); r.status != 403 || !strings.Contains(html.UnescapeString(r.body), "didn't finish in this browser") {
			t.Fatalf("forged state: %d", r.status)
		}
		if rej := lastRejection(t, p); rej.Reason != signin.ReasonBadState {
			t.Fatalf("recorded %+v", rej)
		}
		// The genuine answer is spent too: whoever forged must not get a
		// second try at this sign-in.
		b.cookies["__Host-sso"] = f.cookie
		if r := ssoBack(b, f.callback); r.status != 403 {
			t.Fatalf("genuine answer after a forged one: %d", r.status)
		}
	})
	t.Run("an answer arriving in a browser that started nothing", func(t *testing.T) {
		f := ssoPick(t, p.browser(t), "google", "avery", nil)
		other := p.browser(t)
		if r := ssoBack(other, f.callback); r.status != 403 || other.get("/courses").status != 303 {
			t.Fatalf("login CSRF: %d", r.status)
		}
		if rej := lastRejection(t, p); rej.Reason != signin.ReasonBadState {
			t.Fatalf("recorded %+v", rej)
		}
	})
	t.Run("replayed answer", func(t *testing.T) {
		b := p.browser(t)
		f := ssoPick(t, b, "google", "avery", nil)
		if r := b.get(f.callback); r.status != 303 {
			t.Fatalf("first: %d", r.status)
		}
		again := p.browser(t)
		again.cookies["__Host-sso"] = f.cookie
		if r := ssoBack(again, f.callback); r.status != 403 || again.get("/courses").status != 303 {
			t.Fatalf("replay: %d", r.status)
		}
		if rej := lastRejection(t, p); rej.Reason != signin.ReasonReplayed {
			t.Fatalf("recorded %+v", rej)
		}
	})
	t.Run("ID token minted for another nonce", func(t *testing.T) {
		b := p.browser(t)
		f := ssoPick(t, b, "microsoft", "riley", func(u string) string {
			parsed, _ := url.Parse(u)
			q := parsed.Query()
			q.Set("nonce", "attackers-nonce")
			parsed.RawQuery = q.Encode()
			return parsed.String()
		})
		if r := ssoBack(b, f.callback); r.status != 403 {
			t.Fatalf("wrong nonce: %d", r.status)
		}
		if rej := lastRejection(t, p); rej.Reason != signin.ReasonBadNonce {
			t.Fatalf("recorded %+v", rej)
		}
	})
	t.Run("expired authorization code", func(t *testing.T) {
		b := p.browser(t)
		f := ssoPick(t, b, "google", "avery", nil)
		p.clock.Advance(devidp.CodeTTL + time.Second)
		if r := ssoBack(b, f.callback); r.status != 403 {
			t.Fatalf("expired code: %d", r.status)
		}
		if rej := lastRejection(t, p); rej.Reason != signin.ReasonCodeRejected {
			t.Fatalf("recorded %+v", rej)
		}
	})
	t.Run("too slow at the provider", func(t *testing.T) {
		b := p.browser(t)
		f := ssoPick(t, b, "google", "avery", nil)
		p.clock.Advance(signin.SSOTTL)
		if r := ssoBack(b, f.callback); r.status != 403 {
			t.Fatalf("late: %d", r.status)
		}
		if rej := lastRejection(t, p); rej.Reason != signin.ReasonExpired {
			t.Fatalf("recorded %+v", rej)
		}
	})
}

func TestSSOOrganisationPicker(t *testing.T) {
	t.Parallel()
	p := start(t)
	ctx := context.Background()
	meta := eventstore.Metadata{ActorID: "test"}
	if _, err := p.app.Admin.CreateClient(ctx, "northwind", admin.ClientInput{ID: "acme-labs", Name: "Acme Labs"}, meta); err != nil {
		t.Fatal(err)
	}
	tenant := seed.AcmeTenantID
	if _, err := p.app.Admin.UpdateClient(ctx, "northwind", "acme-labs", admin.ClientPatch{MicrosoftTenantID: &tenant}, meta); err != nil {
		t.Fatal(err)
	}
	if _, err := p.app.Admin.ProvisionUser(ctx, "northwind", "acme-labs", admin.UserInput{ID: "labs-riley", Email: seed.MicrosoftEmail, FirstName: "Riley", Source: "microsoft365"}, meta); err != nil {
		t.Fatal(err)
	}
	b := p.browser(t)
	if r := ssoSignIn(t, b, "microsoft", "riley"); r.header.Get("Location") != "/signin/organisation" {
		t.Fatalf("went to %s", r.header.Get("Location"))
	}
	picker := b.get("/signin/organisation")
	if !strings.Contains(picker.body, "Acme Labs") || !strings.Contains(picker.body, "Acme Corporation") {
		t.Fatal("picker lacks an organisation")
	}
	token := csrfRe.FindStringSubmatch(picker.body)[1]
	if r := b.post("/signin/organisation", url.Values{"learner": {"acme-sam"}}, token); r.status != 404 {
		t.Fatalf("picking someone else: %d", r.status)
	}
	if r := b.post("/signin/organisation", url.Values{"learner": {"northwind.labs-riley"}}, token); r.status != 303 {
		t.Fatalf("pick: %d", r.status)
	}
	finishOnboarding(t, p, b) // Acme Labs is new to Northwind's onboarding
	if c := b.get("/courses"); !strings.Contains(c.body, "Acme Labs") {
		t.Fatal("courses are not Acme Labs'")
	}
	if n := countType(t, p, "identity.linked.v1"); n != 2 {
		t.Fatalf("linked %d learners, want both", n)
	}
}

func TestMethodsForTypedEmail(t *testing.T) {
	t.Parallel()
	p := start(t)
	b := p.browser(t)
	token := b.csrf("/signin")
	methods := func(email string) string {
		t.Helper()
		r := b.do("POST", "/signin/methods", url.Values{"email": {email}, "_csrf": {token}}, map[string]string{"HX-Request": "true"})
		if r.status != 200 {
			t.Fatalf("methods for %s: %d", email, r.status)
		}
		return r.body
	}
	has := func(body string, want ...string) {
		t.Helper()
		for _, w := range want {
			if !strings.Contains(body, w) {
				t.Errorf("missing %q in\n%s", w, body)
			}
		}
	}
	lacks := func(body string, not ...string) {
		t.Helper()
		for _, w := range not {
			if strings.Contains(body, w) {
				t.Errorf("unexpected %q in\n%s", w, body)
			}
		}
	}
	riley := methods(seed.MicrosoftEmail)
	has(riley, "signs you in with Microsoft.", "Continue with Microsoft", `value="`+seed.MicrosoftEmail+`"`, "Email me a sign-in link instead")
	lacks(riley, "Continue with Google")
	has(methods(seed.GoogleEmail), "Continue with Google")
	for _, email := range []string{sam, "nobody@nowhere.example", "riley.ch"} {
		body := methods(email)
		has(body, "Email me a sign-in link")
		lacks(body, "Continue with")
	}
	if r := b.do("POST", "/signin/methods", url.Values{"email": {sam}}, map[string]string{"HX-Request": "true"}); r.status != 403 {
		t.Fatalf("without CSRF: %d", r.status)
	}
	// What the page already shows (posted back as "shown") is not sent
	// again: a swap would replace the button a person is pressing.
	for _, c := range []struct {
		email, shown string
		status       int
	}{
		{sam, "link", 204},
		{"nobody@nowhere.example", "link", 204},
		{seed.MicrosoftEmail, "microsoft+link:" + seed.MicrosoftEmail, 204},
		{seed.MicrosoftEmail, "link", 200},
		{seed.MicrosoftEmail, "microsoft+link:riley@acme.example", 200}, // the buttons hint another email
		{sam, "microsoft+link:" + seed.MicrosoftEmail, 200},
	} {
		r := b.do("POST", "/signin/methods", url.Values{"email": {c.email}, "shown": {c.shown}, "_csrf": {token}}, map[string]string{"HX-Request": "true"})
		if r.status != c.status || (c.status == 204) != (r.body == "") {
			t.Errorf("%s with %q shown: %d %q, want %d", c.email, c.shown, r.status, r.body, c.status)
		}
	}

	// Acme turns email links off: synced learners lose them, hand-added
	// learners keep theirs (their only way in).
	off := false
	if _, err := p.app.Admin.UpdateClient(context.Background(), "northwind", "acme", admin.ClientPatch{EmailLinks: &off}, eventstore.Metadata{ActorID: "test"}); err != nil {
		t.Fatal(err)
	}
	riley = methods(seed.MicrosoftEmail)
	has(riley, "Continue with Microsoft", "turned sign-in links off")
	lacks(riley, "send-link")
	// Asking for a link anyway gets the answer anyone gets (nothing tells
	// a stranger how Riley signs in); Riley's mailbox gets the button to
	// use, and no link or code.
	before := p.inbox.count(seed.MicrosoftEmail)
	r := requestLink(b, seed.MicrosoftEmail)
	unknown := requestLink(p.browser(t), "nobody.here@acme.example")
	if r.status != 200 || unknown.status != 200 || strings.Contains(r.body, "Microsoft") {
		t.Fatalf("email link for Riley with links off: %d (unknown email: %d)\n%s", r.status, unknown.status, r.body)
	}
	hint := p.inbox.waitFor(t, seed.MicrosoftEmail, before+1)
	if !strings.Contains(hint.Subject, "with Microsoft") || !strings.Contains(hint.Text, `press "Sign in with Microsoft"`) ||
		linkRe.MatchString(hint.Text) || codeRe.MatchString(hint.Text) || !strings.Contains(hint.Text, "/p/northwind/signin?email=riley.chen%40acme.example") {
		t.Fatalf("Riley's email with links off: %q\n%s", hint.Subject, hint.Text)
	}
	if r := requestLink(p.browser(t), sam); r.status != 200 {
		t.Fatalf("Sam's email link: %d", r.status)
	}
	p.inbox.waitFor(t, sam, 1)
}

func TestSSOStartsPerNetworkAreLimited(t *testing.T) {
	t.Parallel()
	p := start(t)
	b := p.browser(t)
	token := b.csrf("/signin")
	for i := 0; i < auth.PerIPSSO.N; i++ {
		if r := b.post("/signin/sso/google", url.Values{}, token); r.status != 303 {
			t.Fatalf("start %d: %d", i+1, r.status)
		}
	}
	r := b.post("/signin/sso/microsoft", url.Values{}, token)
	if r.status != 429 || r.header.Get("Retry-After") == "" || !strings.Contains(html.UnescapeString(r.body), "Too many sign-ins were started from your network") {
		t.Fatalf("start %d: %d", auth.PerIPSSO.N+1, r.status)
	}
	p.clock.Advance(auth.PerIPSSO.Window)
	if r := b.post("/signin/sso/microsoft", url.Values{}, token); r.status != 303 {
		t.Fatalf("after the window: %d", r.status)
	}
}

func TestProviderNotAnswering(t *testing.T) {
	t.Parallel()
	p := start(t)
	if err := p.idp.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	b := p.browser(t)
	token := b.csrf("/p/northwind/signin")
	r := b.post("/signin/sso/microsoft", url.Values{"partner": {"northwind"}, "login_hint": {seed.MicrosoftEmail}}, token)
	body := html.UnescapeString(r.body)
	if r.status != 503 || !strings.Contains(body, "Microsoft sign-in isn't answering right now") || !strings.Contains(body, `value="`+seed.MicrosoftEmail+`"`) || !strings.Contains(body, "Northwind IT") {
		t.Fatalf("provider down: %d\n%s", r.status, body)
	}
}

// TestSSORefusalLeavesACleanURL: a refused sign-in no longer answers at
// the callback's URL, which holds the authorization code and state (they
// stayed in the address bar and the history): the callback redirects to
// /signin/sso/refused, which explains the refusal from a sealed cookie,
// again on a reload. Without the cookie, or with a forged one, that URL
// is the plain sign-in page.
func TestSSORefusalLeavesACleanURL(t *testing.T) {
	t.Parallel()
	p := start(t)
	b := p.browser(t)
	f := ssoPick(t, b, "microsoft", "avery-ms", nil)
	if !strings.Contains(f.callback, "code=") {
		t.Fatalf("the provider's answer carries no code: %s", f.callback)
	}
	r := b.get(f.callback)
	if r.status != 303 || r.header.Get("Location") != "/signin/sso/refused" || strings.Contains(r.body, "signs you in with") {
		t.Fatalf("the callback answers %d → %q", r.status, r.header.Get("Location"))
	}
	for range 2 { // and a reload
		page := b.get("/signin/sso/refused")
		body := html.UnescapeString(page.body)
		if page.status != 403 || !strings.Contains(body, "signs you in with Google, not Microsoft") || !strings.Contains(body, seed.GoogleEmail) || !strings.Contains(body, "Northwind IT") {
			t.Fatalf("the refusal page: %d\n%.600s", page.status, body)
		}
	}
	other := p.browser(t)
	if r := other.get("/signin/sso/refused"); r.status != 303 || r.header.Get("Location") != "/signin" {
		t.Fatalf("without the cookie: %d → %q", r.status, r.header.Get("Location"))
	}
	other.cookies["__Host-sso-refused"] = "forged"
	if r := other.get("/signin/sso/refused"); r.status != 303 || r.header.Get("Location") != "/signin" {
		t.Fatalf("with a forged cookie: %d → %q", r.status, r.header.Get("Location"))
	}
}
