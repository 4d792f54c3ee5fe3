package app_test

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	dir "github.com/awareportal/portal/domain/directory"
)

// speaks checks that a page is in a language: <html lang>, its
// Content-Language, the Vary that lets a cache keep each language apart,
// the words it must show and the English it must not.
func speaks(t *testing.T, what string, r response, lang string, want, notWant []string) {
	t.Helper()
	if !strings.Contains(r.body, `<html lang="`+lang+`">`) {
		t.Errorf("%s: not <html lang=%q>:\n%.600s", what, lang, r.body)
	}
	if got := r.header.Get("Content-Language"); got != lang {
		t.Errorf("%s: Content-Language %q, want %q", what, got, lang)
	}
	if vary := strings.Join(r.header.Values("Vary"), ", "); !strings.Contains(vary, "Accept-Language") || !strings.Contains(vary, "HX-Request") {
		t.Errorf("%s: Vary %q", what, vary)
	}
	for _, w := range want {
		if !strings.Contains(r.body, w) {
			t.Errorf("%s: lacks %q", what, w)
		}
	}
	for _, w := range notWant {
		if strings.Contains(r.body, w) {
			t.Errorf("%s: still says %q", what, w)
		}
	}
}

// TestPagesInGermanAndFrench: the sign-in page and a signed-in learner's
// page frame (navigation, account menu, language menu) speak the
// browser's language, German or French, with <html lang>,
// Content-Language and Vary: Accept-Language; Signed-in devices too,
// its dates included.
func TestPagesInGermanAndFrench(t *testing.T) {
	t.Parallel()
	p := start(t)
	b := p.browser(t)
	english := []string{"Email me a sign-in link", "Work email", "No password needed", "Skip to content"}
	de := b.do("GET", "/p/northwind/signin", nil, map[string]string{"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"})
	speaks(t, "sign-in, de", de, "de", []string{"Bei der Schulung von Northwind IT anmelden", "Geschäftliche E-Mail-Adresse",
		"Anmeldelink per E-Mail senden", "Zum Inhalt springen", "Sprache: Deutsch", `action="/language"`}, english)
	fr := b.do("GET", "/p/northwind/signin", nil, map[string]string{"Accept-Language": "fr-CA"})
	speaks(t, "sign-in, fr", fr, "fr", []string{"Connexion à la formation Northwind IT", "Adresse e-mail professionnelle",
		"Recevoir un lien de connexion par e-mail", "Langue\u00a0: Français"}, english)
	en := b.get("/p/northwind/signin")
	speaks(t, "sign-in, no Accept-Language", en, "en", []string{"Sign in to Northwind IT Training", "Email me a sign-in link", "Language: English"}, nil)

	// A wrong email is refused in the page's language (422, the field named).
	token := csrfRe.FindStringSubmatch(de.body)[1]
	if r := b.do("POST", "/p/northwind/signin", url.Values{"_csrf": {token}, "email": {"not an email"}}, map[string]string{"Accept-Language": "de"}); r.status != 422 ||
		!strings.Contains(r.body, "Geben Sie Ihre geschäftliche E-Mail-Adresse ein") {
		t.Errorf("bad email in German: %d\n%.2000s", r.status, r.body)
	}

	signIn(t, p, b, sam)
	learnerEnglish := []string{">Courses<", ">My Stats<", ">Log Out<", ">Signed-in devices<", "Skip to content", "security awareness training</span>"}
	courses := b.do("GET", "/courses", nil, map[string]string{"Accept-Language": "de"})
	speaks(t, "courses frame, de", courses, "de", []string{">Kurse</a>", ">Meine Statistik</a>", ">Meine Aktivität</a>", ">Abmelden</button>",
		">Angemeldete Geräte</a>", ", Kontomenü", "Menü", "Sprache: Deutsch", `action="/account/language"`, `name="back" value="/courses"`,
		"Security-Awareness-Schulung von Northwind IT"}, learnerEnglish)
	courses = b.do("GET", "/courses", nil, map[string]string{"Accept-Language": "fr"})
	speaks(t, "courses frame, fr", courses, "fr", []string{">Cours</a>", ">Mes statistiques</a>", ">Se déconnecter</button>",
		">Appareils connectés</a>", ", menu du compte", "Langue\u00a0: Français"}, learnerEnglish)
	devices := b.do("GET", "/account/devices", nil, map[string]string{"Accept-Language": "de"})
	speaks(t, "devices, de", devices, "de", []string{"<h1>Angemeldete Geräte</h1>", "Dieses Gerät", "Angemeldet mit E-Mail-Link am ", "zuletzt aktiv gerade eben"},
		[]string{"This device", "Signed in with", "last active"})
	if !strings.Contains(devices.body, ". Nov.") && !strings.Contains(devices.body, ". Dez.") {
		t.Errorf("devices, de: no German date:\n%.3000s", devices.body)
	}
}

// TestLanguageMenu: the header's language menu, end to end. Choosing
// Deutsch records the learner's choice (an event on their stream), goes
// back to the page it was chosen on, and the next page is German whatever
// the browser asks for; the menu then offers the default back. A forged
// language is a 422 that says so, in the learner's language, records
// nothing and, asked by htmx, reaches the learner as a toast.
func TestLanguageMenu(t *testing.T) {
	t.Parallel()
	p := start(t)
	b := p.browser(t)
	signIn(t, p, b, sam)
	ctx := context.Background()
	chosen := func() int {
		t.Helper()
		evs, err := p.app.Store.ReadStream(ctx, dir.LearnerStream("acme-sam"), 1)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range evs {
			if e.Type == (dir.LearnerLanguageChosen{}).EventName() {
				n++
			}
		}
		return n
	}
	stats := b.get("/stats")
	speaks(t, "stats, English", stats, "en", []string{`action="/account/language"`, `name="back" value="/stats"`,
		`value="de" lang="de" class="langmenu-item"`, ">Deutsch</span>", ">Français</span>"}, []string{"default"})
	if !strings.Contains(stats.body, `value="en" lang="en" class="langmenu-item" aria-current="true"`) {
		t.Errorf("English is not marked current:\n%s", menuOf(stats.body))
	}
	token := csrfRe.FindStringSubmatch(stats.body)[1]
	r := b.post("/account/language", url.Values{"language": {"de"}, "back": {"/stats"}}, token)
	if r.status != 303 || r.header.Get("Location") != "/stats" {
		t.Fatalf("choose Deutsch: %d %q", r.status, r.header.Get("Location"))
	}
	if n := chosen(); n != 1 {
		t.Errorf("%d language choices recorded, want 1", n)
	}
	next := b.do("GET", "/stats", nil, map[string]string{"Accept-Language": "fr, en"})
	speaks(t, "stats after choosing Deutsch", next, "de", []string{">Kurse</a>", ">Abmelden</button>", "Standard Ihrer Organisation bzw. Ihres Browsers"},
		[]string{">Log Out<", ">Cours</a>"})
	if !strings.Contains(next.body, `value="de" lang="de" class="langmenu-item" aria-current="true"`) {
		t.Errorf("Deutsch is not marked current:\n%s", menuOf(next.body))
	}

	// A forged language: 422, in German, naming the field; nothing recorded.
	r = b.post("/account/language", url.Values{"language": {"xx"}, "back": {"/stats"}}, token)
	if r.status != 422 || !strings.Contains(r.body, "Diese Sprache spricht das Portal nicht (language)") || !strings.Contains(r.body, `<html lang="de">`) {
		t.Errorf("forged language: %d\n%.2000s", r.status, r.body)
	}
	r = b.do("POST", "/account/language", url.Values{"language": {"xx"}, "_csrf": {token}}, map[string]string{"HX-Request": "true"})
	// The toast's header is ASCII (browsers read header bytes as Latin-1):
	// "ä" travels as a JSON escape.
	var trigger struct{ Toast string }
	h := r.header.Get("HX-Trigger")
	if err := json.Unmarshal([]byte(h), &trigger); r.status != 422 || err != nil || trigger.Toast != "Diese Sprache spricht das Portal nicht (language): Wählen Sie English, Deutsch, Français." {
		t.Errorf("forged language from htmx: %d, HX-Trigger %q (%v)", r.status, h, err)
	}
	for _, c := range h {
		if c > 0x7e {
			t.Errorf("HX-Trigger is not ASCII: %q", h)
			break
		}
	}
	if n := chosen(); n != 1 {
		t.Errorf("a forged language recorded something: %d choices", n)
	}

	// The default back: the browser decides again.
	if r := b.post("/account/language", url.Values{"language": {""}, "back": {"/courses"}}, token); r.status != 303 || r.header.Get("Location") != "/courses" {
		t.Fatalf("default: %d %q", r.status, r.header.Get("Location"))
	}
	speaks(t, "courses after the default", b.do("GET", "/courses", nil, map[string]string{"Accept-Language": "fr"}), "fr", []string{">Cours</a>"}, nil)
}

// TestSignedOutLanguage: nobody is signed in to record a choice for, so
// the sign-in page's language menu keeps it on this browser (a cookie),
// before Accept-Language; a value the portal does not speak, posted or
// in the cookie, is refused or ignored; the default forgets it.
func TestSignedOutLanguage(t *testing.T) {
	t.Parallel()
	p := start(t)
	b := p.browser(t)
	page := b.get("/p/northwind/signin")
	token := csrfRe.FindStringSubmatch(page.body)[1]
	r := b.post("/language", url.Values{"language": {"fr"}, "back": {"/p/northwind/signin?email=x%40y.example"}}, token)
	if r.status != 303 || r.header.Get("Location") != "/p/northwind/signin?email=x%40y.example" {
		t.Fatalf("choose Français: %d %q", r.status, r.header.Get("Location"))
	}
	if b.cookies["__Host-lang"] != "fr" {
		t.Fatalf("cookie: %v", b.cookies)
	}
	fr := b.do("GET", "/p/northwind/signin", nil, map[string]string{"Accept-Language": "de"})
	speaks(t, "sign-in after choosing Français", fr, "fr", []string{"Connexion à la formation Northwind IT", "Langue de votre navigateur"}, []string{"Anmelden"})

	if r := b.post("/language", url.Values{"language": {"klingon"}, "back": {"/signin"}}, token); r.status != 422 || !strings.Contains(r.body, "Le portail ne parle pas cette langue (language)") {
		t.Errorf("forged language: %d\n%.2000s", r.status, r.body)
	}
	if b.cookies["__Host-lang"] != "fr" {
		t.Errorf("a refused language changed the cookie: %v", b.cookies)
	}

	// A cookie the portal does not understand is ignored.
	b.cookies["__Host-lang"] = "xx"
	speaks(t, "sign-in with a forged cookie", b.do("GET", "/p/northwind/signin", nil, map[string]string{"Accept-Language": "de"}), "de",
		[]string{"Bei der Schulung von Northwind IT anmelden"}, nil)

	// The learner's sign-in follows this browser's choice until they make
	// one of their own.
	b.cookies["__Host-lang"] = "fr"
	signIn(t, p, b, sam)
	speaks(t, "courses, signed in with the cookie", b.do("GET", "/courses", nil, map[string]string{"Accept-Language": "de"}), "fr", []string{">Cours</a>"}, nil)

	// The default forgets it.
	if r := b.post("/language", url.Values{"language": {""}, "back": {"/signin"}}, b.csrf("/courses")); r.status != 303 {
		t.Fatalf("default: %d", r.status)
	}
	if _, ok := b.cookies["__Host-lang"]; ok {
		t.Errorf("the default kept the cookie: %v", b.cookies)
	}
}

// menuOf is the language menu's HTML, for a failure message.
func menuOf(body string) string {
	i := strings.Index(body, `<details class="langmenu`)
	if i < 0 {
		return "(no language menu)"
	}
	j := strings.Index(body[i:], "</details>")
	if j < 0 {
		return body[i:]
	}
	return body[i : i+j]
}
