package app_test

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"testing"

	dir "github.com/awareportal/portal/domain/directory"
	"github.com/awareportal/portal/internal/testenv"
	"github.com/awareportal/portal/projections/directory/pgdirectory"
)

// TestLanguageChoice: a learner page speaks the learner's own choice, else
// their organisation's default, else the browser's Accept-Language (seen
// on the error page, whose words come from the catalogue already). The
// choice is an event (POST /account/language: CSRF-protected, validated,
// back to a path on this site only), the default a client setting (API
// PATCH language, 422 naming it), and rebuilding the directory read model
// from the log gives what the live one holds.
func TestLanguageChoice(t *testing.T) {
	// Not parallel: it rebuilds a read model (see TestEveryReadModelRebuildIsIdentical).
	p := start(t)
	ctx := context.Background()
	b := p.browser(t)
	signIn(t, p, b, sam)
	missing := func(accept string) string { // a learner page that 404s, in the request's language
		t.Helper()
		r := b.do("GET", "/learn/no-such-assignment", nil, map[string]string{"Accept-Language": accept})
		if r.status != 404 {
			t.Fatalf("404 page: %d", r.status)
		}
		for _, title := range []string{"Page not found", "Seite nicht gefunden", "Page introuvable"} {
			if strings.Contains(r.body, title) {
				return title
			}
		}
		t.Fatalf("404 page in no language:\n%.2000s", r.body)
		return ""
	}
	// No choice, no default: the browser decides; English when it asks for nothing we speak.
	if got := missing("fr-CH, fr;q=0.9, en;q=0.8"); got != "Page introuvable" {
		t.Errorf("Accept-Language fr: %q", got)
	}
	if got := missing("nl"); got != "Page not found" {
		t.Errorf("Accept-Language nl: %q", got)
	}

	// The client's default beats the browser; a language the portal does
	// not speak is refused naming the field, and changes nothing.
	tok := p.token(t, "northwind")
	if code, out := p.api(t, tok, "PATCH", "/api/v1/clients/acme", `{"language":"es"}`); code != 422 || !strings.Contains(toString(out), "language") {
		t.Fatalf("language es: %d %v", code, out)
	}
	if code, out := p.api(t, tok, "PATCH", "/api/v1/clients/acme", `{"language":"de"}`); code != 200 || out["language"] != "de" {
		t.Fatalf("language de: %d %v", code, out)
	}
	if got := missing("fr"); got != "Seite nicht gefunden" {
		t.Errorf("client default de, Accept-Language fr: %q", got)
	}

	// The learner's own choice beats both.
	token := b.csrf("/courses")
	r := b.post("/account/language", url.Values{"language": {"fr"}, "back": {"/courses/done?sort=1"}}, token)
	if r.status != 303 || r.header.Get("Location") != "/courses/done?sort=1" {
		t.Fatalf("choose fr: %d %q", r.status, r.header.Get("Location"))
	}
	if got := missing("de"); got != "Page introuvable" {
		t.Errorf("chose fr, client de, Accept-Language de: %q", got)
	}
	events := func() int {
		evs, err := p.app.Store.ReadStream(ctx, dir.LearnerStream("acme-sam"), 1)
		if err != nil {
			t.Fatal(err)
		}
		return len(evs)
	}
	before := events()

	// Refusals record nothing: a language the portal does not speak (422,
	// in the learner's language, naming the field), a missing or wrong
	// CSRF token (403).
	if r := b.post("/account/language", url.Values{"language": {"es"}}, token); r.status != 422 || !strings.Contains(r.body, "(language)") || !strings.Contains(r.body, "Le portail ne parle pas cette langue") {
		t.Errorf("language es: %d\n%.2000s", r.status, r.body)
	}
	if r := b.do("POST", "/account/language", url.Values{"language": {"de"}}, nil); r.status != 403 {
		t.Errorf("no CSRF token: %d", r.status)
	}
	if r := b.post("/account/language", url.Values{"language": {"de"}}, "forged"); r.status != 403 {
		t.Errorf("forged CSRF token: %d", r.status)
	}
	// Choosing the language one has records nothing either.
	if r := b.post("/account/language", url.Values{"language": {"fr"}}, token); r.status != 303 {
		t.Errorf("fr again: %d", r.status)
	}
	if n := events(); n != before {
		t.Errorf("refusals and a repeat recorded %d events", n-before)
	}

	// Back goes to a path on this site only.
	for back, want := range map[string]string{
		"":                             "/",
		"//evil.example/x":             "/",
		"https://evil.example/":        "/",
		"/\\evil.example":              "/",
		"javascript:alert(1)":          "/",
		"courses":                      "/",
		"/policies?x=%0d%0aSet-Cookie": "/policies?x=%0d%0aSet-Cookie",
		"/stats":                       "/stats",
	} {
		r := b.post("/account/language", url.Values{"language": {"fr"}, "back": {back}}, token)
		if r.status != 303 || r.header.Get("Location") != want {
			t.Errorf("back %q: %d %q, want %q", back, r.status, r.header.Get("Location"), want)
		}
	}

	// "" hands the choice back: the client's default again.
	if r := b.post("/account/language", url.Values{"language": {""}, "back": {"/courses"}}, token); r.status != 303 {
		t.Fatalf("no choice: %d", r.status)
	}
	if got := missing("fr"); got != "Seite nicht gefunden" {
		t.Errorf("choice cleared, client de: %q", got)
	}
	if r := b.post("/account/language", url.Values{"language": {"fr"}}, token); r.status != 303 {
		t.Fatalf("choose fr again: %d", r.status)
	}
	// A certificate speaks the learner's language too.
	ids := regexp.MustCompile(`/certificates/(C-[A-Z0-9]+)\.pdf`).FindStringSubmatch(b.get("/courses/completed").body)
	if ids == nil {
		t.Fatal("no certificate on the Completed tab")
	}
	if txt := pdfText(t, []byte(b.get("/certificates/"+ids[1]+".pdf").body)); !strings.Contains(txt, "CERTIFICAT DE RÉUSSITE") || !strings.Contains(txt, "Sam Learner") {
		t.Errorf("certificate after choosing French:\n%s", txt)
	}

	// The directory read model comes only from events.
	p.waitProjections(t)
	tables := []string{"clients", "learners"}
	live := testenv.DumpSchema(t, ctx, p.db.Pool, "rm_directory", tables...)
	if !strings.Contains(live, `"language": "fr"`) || !strings.Contains(live, `"language": "de"`) {
		t.Fatalf("no language in the read model:\n%s", live)
	}
	proj, err := p.app.Runner.Find(pgdirectory.Name)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.app.Runner.Rebuild(ctx, proj); err != nil {
		t.Fatal(err)
	}
	if rebuilt := testenv.DumpSchema(t, ctx, p.db.Pool, "rm_directory", tables...); rebuilt != live {
		t.Fatalf("directory rebuild differs from live.\nlive:\n%s\nrebuilt:\n%s", live, rebuilt)
	}
}

func toString(m map[string]any) string {
	var b strings.Builder
	for k, v := range m {
		b.WriteString(k + "=")
		if s, ok := v.(string); ok {
			b.WriteString(s)
		} else if mm, ok := v.(map[string]any); ok {
			b.WriteString("{" + toString(mm) + "}")
		}
		b.WriteString(" ")
	}
	return b.String()
}

// TestEmailsInTheLearnersLanguage: a client whose default is German gets
// its welcome and course emails in German, through the real queue and
// SMTP; once the learner chooses French (during onboarding, before any
// course page), their next email, a sign-in link, is French.
func TestEmailsInTheLearnersLanguage(t *testing.T) {
	t.Parallel()
	p := start(t)
	tok := p.token(t, "northwind")
	if code, out := p.api(t, tok, "POST", "/api/v1/clients", `{"name":"Umbrella Health"}`); code != 201 {
		t.Fatalf("create client: %d %v", code, out)
	}
	if code, out := p.api(t, tok, "PATCH", "/api/v1/clients/umbrella-health", `{"language":"de"}`); code != 200 || out["language"] != "de" {
		t.Fatalf("language: %d %v", code, out)
	}
	const alice = "alice@umbrella.example"
	if code, out := p.api(t, tok, "POST", "/api/v1/clients/umbrella-health/users", `{"email":"`+alice+`","first_name":"Alice","last_name":"Wong"}`); code != 201 {
		t.Fatalf("provision: %d %v", code, out)
	}
	if code, out := p.api(t, tok, "POST", "/api/v1/clients/umbrella-health/assignments", `{"course_id":"spotting-phishing","due_at":"2026-12-20"}`); code != 201 {
		t.Fatalf("assign: %d %v", code, out)
	}
	if m := p.inbox.waitFor(t, alice, 1); m.Subject != "Willkommen zur Security-Schulung von Northwind IT" {
		t.Errorf("welcome email: %q", m.Subject)
	}
	m := p.inbox.waitFor(t, alice, 2)
	// Spotting Phishing has a German translation: the email names it so.
	if m.Subject != "Neue Schulung: Phishing erkennen" || !strings.Contains(m.From, "Northwind IT Schulungen") {
		t.Fatalf("course email: %q from %q", m.Subject, m.From)
	}
	for _, want := range []string{"Hallo Alice,", "Ein neuer Kurs wartet auf Sie: Phishing erkennen", "Erkennen Sie die typischen Merkmale einer Phishing-E-Mail", "fällig am Sonntag, 20. Dezember", "Schulung starten (meldet Sie 7 Tage lang direkt an):"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("course email's text lacks %q:\n%s", want, m.Text)
		}
	}
	if !strings.Contains(m.HTML, `<html lang="de">`) || !strings.Contains(m.HTML, ">Schulung starten</a>") {
		t.Errorf("course email's HTML is not German:\n%.3000s", m.HTML)
	}

	// Alice signs in with the course's link and, still in onboarding,
	// chooses French.
	link := linkIn(t, m)
	b := p.browser(t)
	landing := b.get(link)
	u, _ := url.Parse(link)
	if r := b.post(u.Path, url.Values{"t": {u.Query().Get("t")}}, csrfRe.FindStringSubmatch(landing.body)[1]); r.status != 303 {
		t.Fatalf("training link: %d", r.status)
	}
	token := b.csrf("/onboarding/1")
	if r := b.post("/account/language", url.Values{"language": {"fr"}, "back": {"/onboarding/1"}}, token); r.status != 303 || r.header.Get("Location") != "/onboarding/1" {
		t.Fatalf("choose fr during onboarding: %d %q", r.status, r.header.Get("Location"))
	}
	if r := requestLink(p.browser(t), alice); r.status != 200 {
		t.Fatalf("request link: %d", r.status)
	}
	fr := p.inbox.waitFor(t, alice, 3)
	if fr.Subject != "Connexion à la formation Northwind IT" || !strings.Contains(fr.Text, "Bonjour Alice,") || !strings.Contains(fr.Text, "expirent dans 1\u00a0heure") && !strings.Contains(fr.Text, "expirent dans 1 heure") {
		t.Errorf("sign-in email after choosing French: %q\n%s", fr.Subject, fr.Text)
	}
	linkIn(t, fr)
}
