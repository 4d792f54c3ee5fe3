package app_test

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/awareportal/portal/internal/i18n"
	"github.com/awareportal/portal/internal/seed"
)

// pageSays fails unless a page has every one of want and none of the
// English it should have replaced.
func pageSays(t *testing.T, name string, r response, status int, want, notEnglish []string) {
	t.Helper()
	if r.status != status {
		t.Errorf("%s: %d, want %d", name, r.status, status)
	}
	// A toast travels in HX-Trigger as ASCII JSON ("\u00f6"): read it.
	var trigger struct{ Toast string }
	_ = json.Unmarshal([]byte(r.header.Get("HX-Trigger")), &trigger)
	for _, w := range want {
		if !strings.Contains(r.body, w) && !strings.Contains(trigger.Toast, w) {
			t.Errorf("%s lacks %q", name, w)
		}
	}
	for _, e := range notEnglish {
		if strings.Contains(r.body, e) {
			t.Errorf("%s still says %q", name, e)
		}
	}
	if t.Failed() {
		t.Logf("%s: %.1500s", name, r.body)
	}
}

// TestPoliciesBreachesTeamActivityInGerman: Policies (the list, a policy
// to sign and its refusal, a signed one), Breaches (active by tier, a
// resolved one, Mark resolved), My Stats' phishing panel, My Team (its
// statuses, Remind and the cooldown's refusal) and My activity (its rows,
// its date filter with a German-written day and the refusal of one it
// cannot read) speak German to a browser that asks for it.
func TestPoliciesBreachesTeamActivityInGerman(t *testing.T) {
	t.Parallel()
	p := start(t)
	b := p.browser(t)
	signIn(t, p, b, sam)
	de := map[string]string{"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"}
	get := func(path string) response { return b.do("GET", path, nil, de) }

	pageSays(t, "Policies", get("/policies"), 200,
		[]string{"Ihre Richtlinien", "Zu unterschreiben", "Lesen und unterschreiben", "Unterschrieben am", "Fällig in 5 Tagen"},
		[]string{"Your policies", "To sign", "Read and sign", "Due in", "Nothing to sign"})
	outstanding := "/policies/" + seed.OutstandingPolicyID
	page := get(outstanding)
	pageSays(t, "a policy to sign", page, 200,
		[]string{"← Ihre Richtlinien", "Diese Richtlinie unterschreiben", "Ich habe sie gelesen und akzeptiere sie", "Geben Sie Ihren vollständigen Namen ein (Sam Learner)", "PDF herunterladen"},
		[]string{"Sign this policy", "I have read and accept", "Type your full name", "Can't see it?"})
	token := csrfRe.FindStringSubmatch(page.body)[1]
	hx := map[string]string{"HX-Request": "true", "X-CSRF-Token": token, "Accept-Language": "de"}
	pageSays(t, "a Sign without the tick", b.do("POST", outstanding+"/sign", url.Values{"version": {"1"}, "name": {"Sam Learner"}}, hx), 422,
		[]string{"Setzen Sie den Haken bei „Ich habe sie gelesen und akzeptiere sie“, um zu unterschreiben."}, []string{"Tick ", "to sign"})
	pageSays(t, "a Sign with another name", b.do("POST", outstanding+"/sign", url.Values{"version": {"1"}, "accept": {"yes"}, "name": {"Riley Chen"}}, hx), 422,
		[]string{"Geben Sie Ihren vollständigen Namen so ein, wie Ihre Organisation ihn führt: Sam Learner."}, []string{"Your typed name"})
	pageSays(t, "a signed policy", get("/policies/"+seed.SignedPolicyID), 200,
		[]string{"Sie haben Version 3 am", "unterschrieben", "als „Sam Learner“", "Markdown-Datei herunterladen"},
		[]string{"You signed version", "Download the Markdown file"})

	pageSays(t, "Breaches", get("/breaches"), 200,
		[]string{"Datenlecks", "Passwort offengelegt", "Persönliche Daten offengelegt", "Ändern Sie dieses Passwort sofort", "Als erledigt markieren",
			"Was haben Sie getan? (optional)", "Ich habe das Passwort geändert", "Betroffen:", "Datenleck vom", `<strong class="breachcount-active">2</strong> offen`, "Erledigt am", "Wieder öffnen"},
		[]string{"Password Exposed", "Mark resolved", "What did you do?", "Breached ", "Exposed:", "Reopen", "> active"})
	hx["X-CSRF-Token"] = b.csrf("/breaches")
	pageSays(t, "Mark resolved", b.do("POST", "/breaches/ShopRight2024/resolve", url.Values{"note": {"password"}}, hx), 200,
		[]string{"Als erledigt markiert: ShopRight.", "Ich habe das Passwort geändert", "Wieder öffnen", `<strong class="breachcount-active">1</strong> offen`},
		[]string{"I changed the password", "Marked resolved", "Reopen"})
	pageSays(t, "a note too long", b.do("POST", "/breaches/TravelNest/resolve", url.Values{"other": {strings.Repeat("x", 501)}}, hx), 422,
		[]string{"Ihre Notiz darf höchstens 500 Zeichen lang sein; es wurde nichts geändert."}, []string{"Your note"})

	pageSays(t, "My Stats' phishing panel", get("/stats"), 200,
		[]string{"Phishing-Simulationen", "Simulationen erhalten", "Meldungen gemacht", "50\u00a0%", "Ihre Kompromittierungsrate, letzte 12 Monate",
			"2 von 4 Simulationen, die Sie seit 22. Nov. 2025 erhalten haben", "Durchschnitt der 3 Personen bei Acme Corporation",
			"E-Mail geöffnet, Link angeklickt und Daten auf der Übungsseite eingegeben", "Link nicht angeklickt und gemeldet"},
		[]string{"simulations received", "reports made", "compromise rate", "clicked the link", ">sent "})

	// My activity: rows, filter, and days written the German way.
	act := get("/activity")
	pageSays(t, "My activity", act, 200,
		[]string{"Meine Aktivität", "Angemeldet mit einem E-Mail-Link", "Anmeldung", "Schulung", "Tage und Uhrzeiten in", "z. B. 23. Nov. 2026", "Acceptable Use Policy v3 unterschrieben", "Phishing-Simulation „"},
		[]string{"<h1>My activity", "Signed in with", "Sign-in link requested", "Days and times in", "e.g. 23 Nov 2026", ">Show<"})
	de2 := i18n.For(i18n.German)
	day := de2.Date(p.clock.Now().AddDate(0, 0, -2))
	for _, typed := range []string{day, strings.ToLower(day), p.clock.Now().AddDate(0, 0, -2).Format("2.1.2006")} {
		pageSays(t, "from "+typed, get("/activity?from="+url.QueryEscape(typed)), 200,
			[]string{`value="` + day + `"`, "Angemeldet mit einem E-Mail-Link"}, []string{"write the date"})
	}
	pageSays(t, "an unreadable day", get("/activity?from="+url.QueryEscape("11/24/2026")), 422,
		[]string{"Von: Schreiben Sie das Datum so: 23. Nov. 2026.", `value="11/24/2026"`}, []string{"write the date like", "From:"})

	// My Team, for Morgan.
	m := p.browser(t)
	signIn(t, p, m, morgan)
	team := m.do("GET", "/team", nil, de)
	pageSays(t, "My Team", team, 200,
		[]string{"Mein Team", "Alle (5)", "Nur überfällige", "Fortschritt", "Zuletzt erinnert", "Alles erledigt", "Überfällig", "Im Onboarding",
			"Nichts fällig", ">Erinnern<", "Nie", "50\u00a0%", "1 Kurs"},
		[]string{"Everyone", "Overdue only", "Up to date", ">Remind<", "Nothing due", "Never", "Last reminded"})
	hx = map[string]string{"HX-Request": "true", "X-CSRF-Token": csrfRe.FindStringSubmatch(team.body)[1], "Accept-Language": "de"}
	pageSays(t, "Remind", m.do("POST", "/team/acme-sam/remind", url.Values{}, hx), 200,
		[]string{"Erinnerung an Sam Learner gesendet.", "Erinnert gerade eben", "Sie können Sam Learner in 24 Std. wieder erinnern."}, []string{"Reminded", "again in"})
	pageSays(t, "Remind again", m.do("POST", "/team/acme-sam/remind", url.Values{}, hx), 422,
		[]string{"Sie haben Sam Learner gerade eben erinnert. Sie können in 24 Std. wieder erinnern."}, []string{"You reminded", "Reminded"})
	pageSays(t, "Sam's activity after the reminder", get("/activity"), 200,
		[]string{"Erinnerung von Morgan Manager: "}, []string{"Reminder from"})
}

// TestPoliciesBreachesActivityInFrench: the learner's own choice of French
// (POST /account/language) beats an English browser on the same pages.
func TestPoliciesBreachesActivityInFrench(t *testing.T) {
	t.Parallel()
	p := start(t)
	b := p.browser(t)
	signIn(t, p, b, sam)
	if r := b.post("/account/language", url.Values{"language": {"fr"}, "back": {"/policies"}}, b.csrf("/courses")); r.status != 303 {
		t.Fatalf("choose French: %d", r.status)
	}
	en := map[string]string{"Accept-Language": "en"}
	get := func(path string) response { return b.do("GET", path, nil, en) }
	pageSays(t, "Politiques", get("/policies"), 200,
		[]string{"Vos politiques", "À signer", "Lire et signer", "Signée le"}, []string{"Your policies", "Read and sign"})
	pageSays(t, "Fuites de données", get("/breaches"), 200,
		[]string{"Fuites de données", "Mot de passe exposé", "Marquer comme résolue", "Données exposées\u00a0:", "Résolue le"},
		[]string{"Password Exposed", "Mark resolved", "Exposed:"})
	pageSays(t, "Mes statistiques", get("/stats"), 200,
		[]string{"Simulations d’hameçonnage", "simulations reçues", "50\u202f%", "-mail ouvert, lien cliqué et informations saisies sur la page d’exercice"},
		[]string{"simulations received", "compromise rate"})
	pageSays(t, "Mon activité", get("/activity"), 200,
		[]string{"Mon activité", "Connexion avec un lien reçu par e-mail", "Jours et heures en", "p. ex. 23 nov. 2026"},
		[]string{"<h1>My activity", "Signed in with", "e.g. 23 Nov 2026"})
	pageSays(t, "an unreadable day", get("/activity?to="+url.QueryEscape("24/11/2026")), 422,
		[]string{"Au\u00a0: écrivez la date comme ceci\u00a0: 23 nov. 2026."}, []string{"write the date like"})
	pageSays(t, "a French-written day", get("/activity?to="+url.QueryEscape("1er déc. 2026")), 200,
		[]string{`value="1er déc. 2026"`, "Connexion avec un lien reçu par e-mail"}, []string{"write the date"})
}
