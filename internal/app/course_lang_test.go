package app_test

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/awareportal/portal/projections/progress"
)

// TestCourseInTheLearnersLanguage: a learner who chose German reads
// Spotting Phishing in German (its card, lessons, quiz, completion, the
// emails and the certificate that name it) and passes it answering by id,
// scored as in English; a course without German shows its English, marked
// lang="en", and says so. A browser asking for French gets the French.
func TestCourseInTheLearnersLanguage(t *testing.T) {
	t.Parallel()
	p := start(t)
	ctx := context.Background()
	b := p.browser(t)
	signIn(t, p, b, sam)
	token := b.csrf("/courses")
	if r := b.post("/account/language", url.Values{"language": {"de"}, "back": {"/courses"}}, token); r.status != 303 {
		t.Fatalf("choose German: %d", r.status)
	}
	// A second round of Spotting Phishing (Sam passed the first): its
	// course email names it in German.
	before := p.inbox.count(sam)
	tok := p.token(t, "northwind")
	// The API says which languages each course can be read in.
	code, out := p.api(t, tok, "GET", "/api/v1/courses", "")
	if code != 200 {
		t.Fatalf("courses: %d %v", code, out)
	}
	langs := map[string]string{}
	for _, c := range out["courses"].([]any) {
		c := c.(map[string]any)
		var ls []string
		for _, l := range c["languages"].([]any) {
			ls = append(ls, l.(string))
		}
		langs[c["id"].(string)] = strings.Join(ls, ",")
	}
	if langs["spotting-phishing"] != "en,de,fr" || langs["safe-browsing"] != "en" {
		t.Errorf("course languages: %v", langs)
	}
	if code, out := p.api(t, tok, "POST", "/api/v1/clients/acme/assignments", `{"course_id":"spotting-phishing","due_at":"2027-01-15","learner_ids":["acme-sam"]}`); code != 201 {
		t.Fatalf("assign: %d %v", code, out)
	}
	if m := p.inbox.waitSubjectAfter(t, sam, "Neue Schulung", before); m.Subject != "Neue Schulung: Phishing erkennen" ||
		!strings.Contains(m.Text, "Erkennen Sie die typischen Merkmale einer Phishing-E-Mail") {
		t.Errorf("course email: %q\n%s", m.Subject, m.Text)
	}
	now := p.clock.Now()
	a := assignmentOf(t, p, "acme-sam", func(a progress.Assignment) bool { return a.CourseID == "spotting-phishing" && !a.Completed() })

	// The Due tab: Spotting Phishing in German; Safe Browsing (no German)
	// in English, marked, with a word that it is English only.
	due := b.get("/courses/due")
	for _, want := range []string{"Phishing erkennen", "Erkennen Sie die typischen Merkmale", `<h2 lang="en">Safe Browsing and Downloads</h2>`, "Nur auf Englisch"} {
		if !strings.Contains(due.body, want) {
			t.Errorf("Due tab lacks %q", want)
		}
	}
	if strings.Contains(due.body, "Spotting Phishing") || strings.Contains(due.body, `lang="en">Phishing erkennen`) {
		t.Errorf("Due tab shows Spotting Phishing's English or marks its German English:\n%.3000s", due.body)
	}

	// A manager's reminder names it in German too.
	manager := p.browser(t)
	signIn(t, p, manager, morgan)
	before = p.inbox.count(sam)
	if r := htmxPost(manager, "/team/acme-sam/remind", manager.csrf("/team")); r.status != 200 {
		t.Fatalf("remind: %d", r.status)
	}
	if m := p.inbox.waitSubjectAfter(t, sam, "Erinnerung", before); !strings.Contains(m.Text, "Phishing erkennen") || strings.Contains(m.Text, "Spotting Phishing") ||
		!strings.Contains(m.Text, "Safe Browsing") {
		t.Errorf("reminder email:\n%s", m.Text)
	}

	// The player: German lessons, no notice.
	page := b.get("/learn/" + a.ID)
	for _, want := range []string{"<h1>So sieht Phishing aus</h1>", "Phishing erkennen", `src="/course-assets/spotting-phishing/1/img/phish-email.svg"`} {
		if !strings.Contains(page.body, want) {
			t.Errorf("player lacks %q:\n%.3000s", want, page.body)
		}
	}
	if strings.Contains(page.body, "noch nicht auf Deutsch") || strings.Contains(page.body, "What phishing looks like") {
		t.Errorf("German player shows the English or the fallback notice")
	}
	course, err := p.app.Catalog.Version(a.CourseID, a.CourseVersion)
	if err != nil {
		t.Fatal(err)
	}
	var quiz response
	for i := 1; i <= len(course.Lessons); i++ {
		if quiz = b.post("/learn/"+a.ID+"/progress", url.Values{"lesson": {itoa(i)}}, token); quiz.status != 200 {
			t.Fatalf("step to %d: %d", i, quiz.status)
		}
	}
	for _, want := range []string{"Welche Adresse gehört wirklich zu example.com?", "Sofort die IT informieren und das Passwort ändern", `name="q_q2" value="b"`} {
		if !strings.Contains(quiz.body, want) {
			t.Errorf("quiz lacks %q", want)
		}
	}
	// Answers are choice ids, scored against the English's key: two wrong
	// of four is 50%, with the German explanation of a wrong one.
	answers := url.Values{}
	for _, q := range course.Quiz.Questions {
		answers.Set("q_"+q.ID, q.Answer)
	}
	answers.Set("q_q1", "a")
	answers.Set("q_q2", "c")
	if r := b.post("/learn/"+a.ID+"/quiz", answers, token); r.status != 200 || !strings.Contains(r.body, "50\u00a0%") ||
		!strings.Contains(r.body, "Entscheidend ist die Domain direkt vor dem ersten Schrägstrich") {
		t.Errorf("failed attempt: %d\n%.3000s", r.status, r.body)
	}
	answers.Set("q_q1", "b")
	answers.Set("q_q2", "b")
	if r := b.post("/learn/"+a.ID+"/quiz", answers, token); r.status != 200 || !strings.Contains(r.body, "<h1>Phishing erkennen</h1>") || !strings.Contains(r.body, "100\u00a0%") {
		t.Errorf("passing attempt: %d\n%.3000s", r.status, r.body)
	}
	done, err := p.app.Training.Progress.Assignment(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if done.Score == nil || *done.Score != 100 || done.Attempts != 2 || done.CompletedAt == nil || done.Title != "Spotting Phishing" || done.CourseVersion != 1 {
		t.Errorf("completed: score %v, attempts %d, title %q, version %d", done.Score, done.Attempts, done.Title, done.CourseVersion)
	}

	// The certificate: its PDF and its email name the course in German.
	before = p.inbox.count(sam)
	if r := htmxPost(b, "/courses/"+a.ID+"/certificate", token); r.status != 200 && r.status != 204 {
		t.Fatalf("email certificate: %d", r.status)
	}
	if m := p.inbox.waitSubjectAfter(t, sam, "Ihr Zertifikat", before); m.Subject != "Ihr Zertifikat: Phishing erkennen" {
		t.Errorf("certificate email: %q", m.Subject)
	}
	done, err = p.app.Training.Progress.Assignment(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if txt := pdfText(t, []byte(b.get("/certificates/"+done.CertificateID+".pdf").body)); !strings.Contains(txt, "Phishing erkennen") || strings.Contains(txt, "Spotting Phishing") {
		t.Errorf("certificate:\n%s", txt)
	}

	// Safe Browsing has no German: the English, marked, and the notice.
	sb := assignmentOf(t, p, "acme-sam", func(a progress.Assignment) bool { return a.CourseID == "safe-browsing" && a.IsOverdue(now) })
	page = b.get("/learn/" + sb.ID)
	for _, want := range []string{"Dieser Kurs ist noch nicht auf Deutsch verfügbar: Sie sehen die englische Fassung.", `<p class="eyebrow" lang="en">Safe Browsing and Downloads</p>`, `<article class="lesson card" lang="en">`} {
		if !strings.Contains(page.body, want) {
			t.Errorf("Safe Browsing's player lacks %q:\n%.3000s", want, page.body)
		}
	}

	// Back to no choice: a browser asking for French gets the French, and
	// an English one the English with no notice and no lang="en".
	if r := b.post("/account/language", url.Values{"language": {""}, "back": {"/courses"}}, token); r.status != 303 {
		t.Fatalf("clear the choice: %d", r.status)
	}
	fr := b.do("GET", "/courses/completed", nil, map[string]string{"Accept-Language": "fr-CH, fr;q=0.9"})
	if !strings.Contains(fr.body, "Repérer le phishing") || !strings.Contains(fr.body, "En anglais uniquement") {
		t.Errorf("Completed tab in French:\n%.3000s", fr.body)
	}
	en := b.do("GET", "/learn/"+sb.ID, nil, map[string]string{"Accept-Language": "en"})
	if en.status != 200 || regexp.MustCompile(`"eyebrow" lang=|"lesson card" lang=|not available in your language`).MatchString(en.body) {
		t.Errorf("Safe Browsing in English is marked or has the notice:\n%.3000s", en.body)
	}
}

// TestScheduledReminderNamesTheCourseInGerman: a client whose default is
// German gets its scheduled reminders with the course's German title.
func TestScheduledReminderNamesTheCourseInGerman(t *testing.T) {
	t.Parallel()
	p := start(t)
	tok := remindersClient(t, p, "wien", "Europe/Vienna")
	if code, out := p.api(t, tok, "PATCH", "/api/v1/clients/wien", `{"language":"de"}`); code != 200 {
		t.Fatalf("language: %d %v", code, out)
	}
	for _, course := range []string{"spotting-phishing", "safe-browsing"} {
		if code, out := p.api(t, tok, "POST", "/api/v1/clients/wien/assignments", `{"course_id":"`+course+`","due_at":"2026-11-27","learner_ids":["ann"]}`); code != 201 {
			t.Fatalf("assign %s: %d %v", course, code, out)
		}
	}
	ann := "ann@wien.example"
	p.sweep(t)
	p.mailSettled(t)
	ts, err := time.Parse(time.RFC3339, "2026-11-24T08:00:00Z") // 3 days before, 9:00 in Vienna
	if err != nil {
		t.Fatal(err)
	}
	p.clock.Set(ts)
	p.sweep(t)
	p.mailSettled(t)
	sent := p.inbox.messagesLike(ann, "Erinnerung")
	if len(sent) != 1 {
		t.Fatalf("%d reminders", len(sent))
	}
	if m := sent[0]; !strings.Contains(m.Text, "Phishing erkennen") || strings.Contains(m.Text, "Spotting Phishing") || !strings.Contains(m.Text, "Safe Browsing and Downloads") {
		t.Errorf("reminder %q:\n%s", m.Subject, m.Text)
	}
}
