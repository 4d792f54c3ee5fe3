package app_test

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/awareportal/portal/projections/progress"
)

// TestCoursePagesInGerman: a browser that asks for German gets Courses,
// the tabs, a lesson, the quiz (an unanswered, a wrong and a right
// submission: the result in words), the completion, the certificate's
// toast, My Stats (band, badges, tiles) and the Leaderboard (anonymised)
// in German, numbers and dates the German way, and none of those pages'
// English. The layout around them (nav, banner) is not checked here.
func TestCoursePagesInGerman(t *testing.T) {
	t.Parallel()
	p := start(t)
	now := p.clock.Now()
	b := p.browser(t)
	signIn(t, p, b, sam)
	de := map[string]string{"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"}
	check := func(what string, r response, status int, german, english []string) {
		t.Helper()
		if r.status != status {
			t.Fatalf("%s: %d, want %d\n%.1500s", what, r.status, status, r.body)
		}
		for _, w := range german {
			if !strings.Contains(r.body, w) {
				t.Errorf("%s lacks %q", what, w)
			}
		}
		for _, w := range english {
			if strings.Contains(r.body, w) {
				t.Errorf("%s still says %q", what, w)
			}
		}
		if t.Failed() {
			t.Logf("%s:\n%s", what, r.body)
			t.FailNow()
		}
	}
	get := func(path string) response { t.Helper(); return b.do("GET", path, nil, de) }

	// Courses: the hero recommends the overdue course; one more is due
	// after it ("1 weiterer Kurs", singular).
	check("Courses", get("/courses"), 200,
		[]string{"Als Nächstes empfohlen", "Hallo Sam, das ist Ihr nächster Kurs.", "Etwa ", " Minuten", "Kurs starten", "Danach ist noch 1 weiterer Kurs fällig.", "Alle Ihre Kurse ansehen", "überfällig"},
		[]string{"Recommended next", "here's your next course", "About ", "Start Course", "more course", "View all your courses", "Overdue"})
	check("Due tab", get("/courses/due"), 200,
		[]string{"<h1>Ihre Kurse</h1>", `aria-label="Kurse"`, "Fällig <span", "Geplant <span", "Erledigt <span", "Kurs starten"},
		[]string{"Your courses", ">Due <span", "Upcoming", "Completed <span", "Start Course", "About "})
	check("Completed tab", get("/courses/completed"), 200,
		[]string{"Abgeschlossen am ", "Ergebnis ", "\u00a0%", "Zertifikat anfordern", "PDF herunterladen"},
		[]string{"Completed ", "Score ", "Generate Certificate", "Download PDF"})

	// A lesson.
	a := assignmentOf(t, p, "acme-sam", func(a progress.Assignment) bool { return a.IsOverdue(now) && !a.Completed() })
	course, err := p.app.Catalog.Version(a.CourseID, a.CourseVersion)
	if err != nil {
		t.Fatal(err)
	}
	lesson := get("/learn/" + a.ID)
	check("a lesson", lesson, 200,
		[]string{"Lektion 1 von 3", `aria-label="Kursfortschritt"`, "Weiter →", "Speichern und beenden", `title="Ihren Stand speichern und zurück zu Ihren Kursen"`},
		[]string{"Lesson 1 of", "Course progress", "Next →", "Save &amp; exit", "Save your place"})
	token := csrfRe.FindStringSubmatch(lesson.body)[1]
	post := func(path string, form url.Values) response {
		t.Helper()
		form.Set("_csrf", token)
		return b.do("POST", path, form, de)
	}
	for i := 1; i < len(course.Lessons); i++ {
		if r := post("/learn/"+a.ID+"/progress", url.Values{"lesson": {itoa(i)}}); r.status != 200 {
			t.Fatalf("to lesson %d: %d", i+1, r.status)
		}
	}
	check("the last lesson", get("/learn/"+a.ID), 200,
		[]string{"Lektion " + itoa(len(course.Lessons)) + " von " + itoa(len(course.Lessons)), "← Zurück", "Zum Wissenstest →"},
		[]string{"Previous", "Go to the quiz"})
	check("a lesson too far", post("/learn/"+a.ID+"/progress", url.Values{"lesson": {"9"}}), 409,
		[]string{"Weiter als bis zum Wissenstest geht es gerade nicht."},
		[]string{"Lessons open one at a time"})

	// The quiz.
	n, steps := itoa(len(course.Quiz.Questions)), itoa(len(course.Lessons)+1)
	check("the quiz", post("/learn/"+a.ID+"/progress", url.Values{"lesson": {itoa(len(course.Lessons))}}), 200,
		[]string{"Wissenstest · Schritt " + steps + " von " + steps, "<h1>Wissenstest</h1>", "Beantworten Sie alle Fragen. Zum Bestehen brauchen Sie", "Antworten abschicken"},
		[]string{"Quiz · step", "Answer every question", "Submit answers"})
	check("an unanswered quiz", post("/learn/"+a.ID+"/quiz", url.Values{}), 422,
		[]string{"Bitte beantworten Sie alle Fragen: " + n + " fehlen noch."},
		[]string{"Please answer every question", "still to go"})
	answers := func(right bool) url.Values {
		v := url.Values{}
		for i, q := range course.Quiz.Questions {
			choice := q.Answer
			if !right && i > 0 { // the first right, the others wrong
				for _, c := range q.Choices {
					if c.ID != q.Answer {
						choice = c.ID
						break
					}
				}
			}
			v.Set("q_"+q.ID, choice)
		}
		return v
	}
	check("a failed attempt", post("/learn/"+a.ID+"/quiz", answers(false)), 200,
		[]string{"\u00a0% – knapp daneben.", "beim 1. Versuch hatten Sie 1 von " + n + " Fragen richtig", "Ihre Antwort – falsch", "Ihre Antwort – richtig"},
		[]string{"not quite", "You need", "Your answer", "incorrect"})
	htmx := map[string]string{"HX-Request": "true", "X-CSRF-Token": token, "Content-Type": "application/x-www-form-urlencoded", "Accept-Language": de["Accept-Language"]}
	check("the completion", b.do("POST", "/learn/"+a.ID+"/quiz", answers(true), htmx), 200,
		[]string{"Kurs abgeschlossen", "<p class=\"score\">100\u00a0%</p>", "Bestanden im 2. Versuch · unter einer Minute", "Zum Portal", "Zertifikat per E-Mail senden"},
		[]string{"Course completed", "Passed on attempt", "under a minute", "Go to Portal", "Email my certificate"})
	cert := b.do("POST", "/courses/"+a.ID+"/certificate", url.Values{}, htmx)
	if cert.status != 204 || !strings.Contains(cert.header.Get("HX-Trigger"), "Zertifikat an "+sam+" gesendet.") {
		t.Errorf("certificate: %d, HX-Trigger %q", cert.status, cert.header.Get("HX-Trigger"))
	}

	// My Stats: three courses completed now (plural), the band and the
	// badges in German.
	check("My Stats", get("/stats"), 200,
		[]string{"<h1>Meine Statistik</h1>", "Ihr Risikowert", "Je höher, desto besser.", "Verlauf des Werts", `aria-label="Risikowert im Verlauf, aktuell `,
			">heute</text>", "Kurse abgeschlossen", "Abschlussquote", "Ø Testergebnis", "jetzt fällig", "Abzeichen", "Erste Schritte", "Ihren ersten Kurs abgeschlossen",
			"Erhalten am ", "Gesperrt · noch nicht erhalten", "Volle Punktzahl", "Ihr Passwort ist in 1 Datenleck aufgetaucht", "offene Datenlecks"},
		[]string{"<h1>My Stats", "Your risk score", "Higher is better", "Score over time", "Risk score over time", ">today<", "courses completed", "completion rate",
			"average quiz score", "due now", ">Badges<", "First Steps", "Completed your first course", "Earned ", "Locked", "Perfect Score", "Your password was exposed", "active breach"})
	if body := get("/stats").body; !strings.Contains(body, `class="riskband">Sehr gut<`) && !strings.Contains(body, `class="riskband">Gut<`) &&
		!strings.Contains(body, `class="riskband">Hervorragend<`) && !strings.Contains(body, `class="riskband">Ausbaufähig<`) && !strings.Contains(body, `class="riskband">Schwach<`) {
		t.Errorf("My Stats: the risk band is not German:\n%s", body)
	}

	// The Leaderboard, anonymised by the organisation.
	tok := p.token(t, "northwind")
	if code, out := p.api(t, tok, "PATCH", "/api/v1/clients/acme", `{"leaderboard":"anonymised"}`); code != 200 {
		t.Fatalf("anonymise the leaderboard: %d %v", code, out)
	}
	check("the Leaderboard", get("/leaderboard?course=spotting-phishing"), 200,
		[]string{"<h1>Bestenliste</h1>", ">Kurs</label>", "Reihenfolge nach der Zeit vom ersten Öffnen des Kurses bis zum Abschluss, bei Acme Corporation.",
			"Ihre Organisation zeigt Kolleginnen und Kollegen anonym.", "Kollegin/Kollege", `<span class="you">Sie</span>`, ", Gold</span>"},
		[]string{"<h1>Leaderboard", "Ranked by time", "anonymously", "Colleague", `<span class="you">you`, ", gold</span>"})

	// The public certificate check speaks the visitor's language.
	id := strings.TrimSuffix(strings.TrimPrefix(certificateIn(t, get("/courses/completed").body), "/certificates/"), ".pdf")
	check("the certificate check", b.do("GET", "/verify/"+id, nil, de), 200,
		[]string{"Gültiges Zertifikat", "<strong>Sam Learner</strong> hat <strong>", "</strong> am ", "ausgestellt von Northwind IT"},
		[]string{"Valid certificate", "completed <strong>", "issued by"})
	check("an unknown certificate", b.do("GET", "/verify/C-NOTAREALONE", nil, de), 404,
		[]string{"Zertifikat nicht gefunden", "Es gibt kein Zertifikat mit der ID <strong>C-NOTAREALONE</strong>."},
		[]string{"Certificate not found", "No certificate has the id"})
}

// certificateIn is the first certificate download link on a page.
func certificateIn(t *testing.T, body string) string {
	t.Helper()
	i := strings.Index(body, "/certificates/C-")
	if i < 0 {
		t.Fatalf("no certificate link:\n%.2000s", body)
	}
	return body[i : i+strings.Index(body[i:], `"`)]
}

// TestCoursePagesInTheLearnersFrench: the learner's own choice (French)
// beats the browser's German: Courses, the tabs, My Stats and the
// Leaderboard speak French, numbers and no-break spaces the French way.
func TestCoursePagesInTheLearnersFrench(t *testing.T) {
	t.Parallel()
	p := start(t)
	b := p.browser(t)
	signIn(t, p, b, sam)
	token := b.csrf("/courses")
	if r := b.post("/account/language", url.Values{"language": {"fr"}, "back": {"/courses"}}, token); r.status != 303 {
		t.Fatalf("choose French: %d", r.status)
	}
	de := map[string]string{"Accept-Language": "de"}
	for path, words := range map[string][2][]string{
		"/courses": {
			{"À faire ensuite", "Bonjour Sam, voici votre prochain cours.", "Commencer le cours", "Encore 1 autre cours à faire après celui-ci.", "Voir tous vos cours →"},
			{"Recommended next", "Als Nächstes", "Start Course", "Kurs starten", "View all"}},
		"/courses/upcoming": {
			{"<h1>Vos cours</h1>", "À faire <span", "À venir <span", "Terminés <span", "Disponible le "},
			{"Your courses", "Ihre Kurse", "Upcoming", "Opens "}},
		"/courses/completed": {
			{"Terminé le ", "Score\u00a0: ", "\u00a0%", "Obtenir le certificat", "Télécharger le PDF"},
			{"Generate Certificate", "Zertifikat"}},
		"/stats": {
			{"<h1>Mes statistiques</h1>", "Votre score de risque", "Évolution du score", "cours terminés", "taux d’achèvement", "Vos badges", "Premiers pas", "Verrouillé · pas encore obtenu",
				"Votre mot de passe a été exposé dans 1 fuite de données"},
			{"<h1>My Stats", "Meine Statistik", "Your risk score", "courses completed", "Badges<", "First Steps", "Locked"}},
		"/leaderboard": {
			{"<h1>Classement</h1>", "Classement selon le temps écoulé", `<span class="you">vous</span>`},
			{"<h1>Leaderboard", "Bestenliste", "Ranked by time"}},
	} {
		r := b.do("GET", path, nil, de)
		if r.status != 200 {
			t.Fatalf("%s: %d", path, r.status)
		}
		for _, w := range words[0] {
			if !strings.Contains(r.body, w) {
				t.Errorf("%s lacks %q", path, w)
			}
		}
		for _, w := range words[1] {
			if strings.Contains(r.body, w) {
				t.Errorf("%s still says %q", path, w)
			}
		}
	}

	// A toast travels in a header, which a browser reads as Latin-1:
	// "envoyé à" must arrive as JSON escapes, not as UTF-8 bytes.
	a := assignmentOf(t, p, "acme-sam", func(a progress.Assignment) bool { return a.Completed() })
	r := b.do("POST", "/courses/"+a.ID+"/certificate", url.Values{}, map[string]string{"HX-Request": "true", "X-CSRF-Token": token, "Content-Type": "application/x-www-form-urlencoded"})
	trigger := r.header.Get("HX-Trigger")
	var toast struct{ Toast string }
	if err := json.Unmarshal([]byte(trigger), &toast); r.status != 204 || err != nil || toast.Toast != "Certificat envoyé à "+sam+". Il arrivera dans votre boîte de réception d’ici une minute." {
		t.Errorf("certificate: %d, HX-Trigger %q (%v)", r.status, trigger, err)
	}
	for _, c := range trigger {
		if c > 0x7e {
			t.Errorf("HX-Trigger carries %q: not ASCII", c)
			break
		}
	}
}
