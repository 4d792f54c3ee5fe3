package app_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/awareportal/portal/domain/reminder"
	"github.com/awareportal/portal/internal/app"
	"github.com/awareportal/portal/internal/eventstore"
	"github.com/awareportal/portal/internal/mail"
	"github.com/awareportal/portal/internal/reminders"
)

// remindersClient makes a client of its own for a reminders test (so the
// demo's learners and other tests' mail don't count), in zone, with a
// manager and two reports; it returns the API token.
func remindersClient(t *testing.T, p *portal, client, zone string) string {
	t.Helper()
	tok := p.token(t, "northwind")
	calls := []struct{ method, path, body string }{
		{"POST", "/api/v1/clients", fmt.Sprintf(`{"id":%q,"name":"Reminder Test %s"}`, client, client)},
		{"PATCH", "/api/v1/clients/" + client, fmt.Sprintf(`{"time_zone":%q}`, zone)},
		{"PUT", "/api/v1/clients/" + client + "/onboarding", `{"modules":["welcome"]}`},
		{"POST", "/api/v1/clients/" + client + "/users", fmt.Sprintf(`{"id":"boss","email":"boss@%s.example","first_name":"Bea","last_name":"Boss"}`, client)},
		{"POST", "/api/v1/clients/" + client + "/users", fmt.Sprintf(`{"id":"ann","email":"ann@%s.example","first_name":"Ann","last_name":"Able","manager_id":"boss"}`, client)},
		{"POST", "/api/v1/clients/" + client + "/users", fmt.Sprintf(`{"id":"ben","email":"ben@%s.example","first_name":"Ben","last_name":"Baker","manager_id":"boss"}`, client)},
	}
	for _, c := range calls {
		if code, out := p.api(t, tok, c.method, c.path, c.body); code >= 300 {
			t.Fatalf("%s %s: %d %v", c.method, c.path, code, out)
		}
	}
	return tok
}

// sweep runs the scheduled reminders once (the River periodic job does it
// every minute; the tests call it at the times they choose) and waits for
// the read models.
func (p *portal) sweep(t *testing.T) reminders.Result {
	t.Helper()
	ctx := context.Background()
	if _, _, err := p.app.Training.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	p.waitProjections(t)
	res, err := p.app.Reminders.Sweep(ctx)
	if err != nil {
		t.Fatal(err)
	}
	p.waitProjections(t)
	return res
}

// mailsLike lists the subjects of the mails to addr whose subject starts
// with prefix.
func (i *inbox) mailsLike(addr, prefix string) []string {
	var out []string
	for _, m := range i.messagesLike(addr, prefix) {
		out = append(out, m.Subject)
	}
	return out
}

func (i *inbox) messagesLike(addr, prefix string) []mail.Parsed {
	i.mu.Lock()
	defer i.mu.Unlock()
	var out []mail.Parsed
	for _, m := range i.msgs {
		if strings.Contains(m.To, addr) && strings.HasPrefix(m.Subject, prefix) {
			out = append(out, m)
		}
	}
	return out
}

// streamLen is how many scheduled reminders the learner with email has.
func (p *portal) streamLen(t *testing.T, email string) int {
	t.Helper()
	var n int
	if err := p.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM events e JOIN rm_directory.learners l ON e.stream = 'reminders-' || l.id WHERE l.email = $1`, email).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestScheduledReminders: a client in Berlin with the default policy; one
// course due "2026-11-27" (until midnight in Berlin). Each occasion sends
// one email at 9:00 Berlin time, once, also with two processes sweeping
// at the same moment; a late sweep sends only the latest occasion; the
// overdue ones stop after three; the learners' off switch stops them.
func TestScheduledReminders(t *testing.T) {
	t.Parallel()
	p := start(t)
	tok := remindersClient(t, p, "berlin", "Europe/Berlin")
	if code, out := p.api(t, tok, "POST", "/api/v1/clients/berlin/assignments", `{"course_id":"spotting-phishing","due_at":"2026-11-27","learner_ids":["ann"]}`); code != 201 && code != 200 {
		t.Fatalf("assign: %d %v", code, out)
	}
	ann := "ann@berlin.example"
	p.sweep(t) // announces the course
	p.mailSettled(t)
	reminded := func() []string { p.mailSettled(t); return p.inbox.mailsLike(ann, "Reminder:") }
	at := func(s string) {
		ts, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		p.clock.Set(ts)
	}

	// 3 days before: 24 Nov 09:00 in Berlin is 08:00 UTC.
	at("2026-11-24T07:59:00Z")
	p.sweep(t)
	if got := reminded(); len(got) != 0 {
		t.Fatalf("before 9:00 Berlin time: %v", got)
	}
	at("2026-11-24T08:00:00Z")
	p.sweep(t)
	p.mailSettled(t)
	sent := p.inbox.messagesLike(ann, "Reminder:")
	if len(sent) != 1 {
		t.Fatalf("at 9:00 Berlin time: %d reminders", len(sent))
	}
	m := sent[0]
	if m.Subject != "Reminder: Spotting Phishing is due in 3 days" {
		t.Errorf("subject %q", m.Subject)
	}
	if !strings.Contains(m.Text, "Friday 27 November") || !strings.Contains(m.Text, "/signin/link/") {
		t.Errorf("the reminder names the local due day and links in:\n%s", m.Text)
	}
	p.sweep(t)
	if got := reminded(); len(got) != 1 {
		t.Fatalf("a second sweep at the same time: %v", got)
	}

	// On the due date, two processes sweep at once: one email.
	at("2026-11-27T08:00:00Z")
	second, err := app.New(p.app.Cfg, p.db.Pool, p.clock, testLog())
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := p.app.Training.Sweep(context.Background()); err != nil {
		t.Fatal(err)
	}
	p.waitProjections(t)
	var wg sync.WaitGroup
	for _, a := range []*app.App{p.app, second, p.app, second} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := a.Reminders.Sweep(context.Background()); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	p.waitProjections(t)
	if got := reminded(); len(got) != 2 || got[1] != "Reminder: Spotting Phishing is due today" {
		t.Fatalf("on the due date with two processes: %v", got)
	}
	if n := p.streamLen(t, ann); n != 2 {
		t.Fatalf("%d reminder events, want 2", n)
	}

	// Late: the sweep next runs on 12 Dec, after the overdue occasions of
	// 4 and 11 Dec: one reminder, not two.
	at("2026-12-12T10:00:00Z")
	p.sweep(t)
	p.sweep(t)
	if got := reminded(); len(got) != 3 || !strings.HasSuffix(got[2], "is overdue") {
		t.Fatalf("a late sweep: %v", got)
	}
	at("2026-12-18T08:00:00Z") // the third and last overdue occasion
	p.sweep(t)
	at("2027-01-30T08:00:00Z")
	p.sweep(t)
	if got := reminded(); len(got) != 4 {
		t.Fatalf("overdue reminders stop after three occasions: %v", got)
	}

	// Timeline: the learner's history says what was sent.
	var n int
	if err := p.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM rm_timeline.entries e JOIN rm_directory.learners l ON l.id = e.learner_id
		WHERE l.email = $1 AND e.kind = 'scheduled_reminder'`, ann).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 4 {
		t.Errorf("timeline: %d scheduled reminders, want 4", n)
	}
}

// TestRemindersOffAndPortalOff: the learners' switch and a client's portal
// switch each stop scheduled reminders.
func TestRemindersOffAndPortalOff(t *testing.T) {
	t.Parallel()
	p := start(t)
	tok := remindersClient(t, p, "quiet", "UTC")
	if code, out := p.api(t, tok, "POST", "/api/v1/clients/quiet/assignments", `{"course_id":"spotting-phishing","due_at":"2026-11-27","learner_ids":["ann","ben"]}`); code >= 300 {
		t.Fatalf("assign: %d %v", code, out)
	}
	p.sweep(t)
	if code, out := p.api(t, tok, "PATCH", "/api/v1/clients/quiet/reminders", `{"learners":{"enabled":false},"manager_digest":{"enabled":false}}`); code != 200 || out["default"] != false {
		t.Fatalf("switch off: %d %v", code, out)
	}
	p.clock.Set(time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC))
	p.sweep(t)
	if n := p.streamLen(t, "ann@quiet.example") + p.streamLen(t, "ben@quiet.example"); n != 0 {
		t.Fatalf("learners off: %d reminders", n)
	}
	if code, out := p.api(t, tok, "PATCH", "/api/v1/clients/quiet/reminders", `{"learners":{"enabled":true}}`); code != 200 {
		t.Fatalf("switch on: %d %v", code, out)
	}
	if code, out := p.api(t, tok, "PATCH", "/api/v1/clients/quiet", `{"portal_enabled":false}`); code != 200 {
		t.Fatalf("portal off: %d %v", code, out)
	}
	p.sweep(t)
	if n := p.streamLen(t, "ann@quiet.example") + p.streamLen(t, "ben@quiet.example"); n != 0 {
		t.Fatalf("portal off: %d reminders", n)
	}
	if code, _ := p.api(t, tok, "PATCH", "/api/v1/clients/quiet", `{"portal_enabled":true}`); code != 200 {
		t.Fatal("portal on")
	}
	p.sweep(t)
	if n := p.streamLen(t, "ann@quiet.example") + p.streamLen(t, "ben@quiet.example"); n != 2 {
		t.Fatalf("back on: %d reminders, want 2", n)
	}
	p.mailSettled(t)
	if got := p.inbox.mailsLike("ann@quiet.example", "Reminder:"); len(got) != 1 {
		t.Fatalf("back on, Ann's mail: %v", got)
	}
}

// TestManagerDigest: a client in Tokyo with the digest on Mondays 9:00;
// the manager gets one digest per week listing the reports with overdue
// courses (counts only), also with two processes, and a digest missed by
// more than a day waits for next week.
func TestManagerDigest(t *testing.T) {
	t.Parallel()
	p := start(t)
	tok := remindersClient(t, p, "tokyo", "Asia/Tokyo")
	if code, out := p.api(t, tok, "POST", "/api/v1/clients/tokyo/assignments", `{"course_id":"spotting-phishing","available_from":"2026-11-01","due_at":"2026-11-10","learner_ids":["ann"]}`); code >= 300 {
		t.Fatalf("assign: %d %v", code, out)
	}
	if code, out := p.api(t, tok, "PATCH", "/api/v1/clients/tokyo/reminders", `{"learners":{"enabled":false}}`); code != 200 {
		t.Fatalf("learners off: %d %v", code, out)
	}
	boss := "boss@tokyo.example"
	digests := func() []string { p.mailSettled(t); return p.inbox.mailsLike(boss, "Your team:") }
	// Monday 23 Nov 09:00 in Tokyo is Sunday 22 Nov 24:00 UTC.
	p.clock.Set(time.Date(2026, 11, 22, 23, 59, 0, 0, time.UTC))
	p.sweep(t)
	if got := digests(); len(got) != 0 {
		t.Fatalf("before Monday 9:00 in Tokyo: %v", got)
	}
	p.clock.Set(time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC))
	second, err := app.New(p.app.Cfg, p.db.Pool, p.clock, testLog())
	if err != nil {
		t.Fatal(err)
	}
	p.sweep(t)
	if _, err := second.Reminders.Sweep(context.Background()); err != nil {
		t.Fatal(err)
	}
	p.sweep(t)
	got := digests()
	if len(got) != 1 || got[0] != "Your team: 1 overdue training course" {
		t.Fatalf("Monday 9:00 in Tokyo, two processes: %v", got)
	}
	m := p.inbox.messagesLike(boss, "Your team:")[0]
	if !strings.Contains(m.Text, "Ann Able: 1 overdue") || strings.Contains(m.Text, "Ben Baker") || strings.Contains(m.Text, "%") {
		t.Errorf("the digest lists the overdue report only, with a count:\n%s", m.Text)
	}
	// Next Monday the portal was down until Tuesday 10:00 Tokyo time: more
	// than a day late, the digest waits for the Monday after.
	p.clock.Set(time.Date(2026, 12, 1, 1, 0, 0, 0, time.UTC))
	p.sweep(t)
	if got := digests(); len(got) != 1 {
		t.Fatalf("a digest more than a day late: %v", got)
	}
	p.clock.Set(time.Date(2026, 12, 7, 0, 30, 0, 0, time.UTC))
	p.sweep(t)
	if got := digests(); len(got) != 2 {
		t.Fatalf("the Monday after: %v", got)
	}
	var n int
	if err := p.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM rm_timeline.entries e JOIN rm_directory.learners l ON l.id = e.learner_id
		WHERE l.email = $1 AND e.kind = 'digest_sent'`, boss).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("manager's timeline: %d digests, want 2", n)
	}
}

// TestReminderSentBeforeACrashIsMailedOnce: a reminder stored by a
// process that died before queuing its email is mailed by the sweep, once.
func TestReminderSentBeforeACrashIsMailedOnce(t *testing.T) {
	t.Parallel()
	p := start(t)
	tok := remindersClient(t, p, "crash", "UTC")
	code, out := p.api(t, tok, "POST", "/api/v1/clients/crash/assignments", `{"course_id":"spotting-phishing","due_at":"2026-11-27","learner_ids":["ann"]}`)
	if code >= 300 {
		t.Fatalf("assign: %d %v", code, out)
	}
	p.sweep(t)
	ann := "ann@crash.example"
	var learnerID, assignmentID, title string
	var due time.Time
	if err := p.db.Pool.QueryRow(context.Background(), `SELECT a.learner_id, a.id, a.title, a.due_at FROM rm_progress.assignments a JOIN rm_directory.learners l ON l.id = a.learner_id WHERE l.email = $1`, ann).
		Scan(&learnerID, &assignmentID, &title, &due); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	p.clock.Set(now)
	items := []reminder.Item{{AssignmentID: assignmentID, Title: title, DueAt: due, Rule: reminder.RuleBefore, Seq: 1}}
	ev := reminder.Sent{LearnerID: learnerID, ClientID: "northwind.crash", MailID: reminders.ReminderMailID(learnerID, items), Items: items, At: now}
	if _, err := p.app.Repo.Append(context.Background(), reminder.Stream(learnerID), eventstore.NoStream, eventstore.Metadata{ActorID: "test"}, ev); err != nil {
		t.Fatal(err)
	}
	p.waitProjections(t)
	p.clock.Advance(2 * time.Minute)
	for range 3 {
		p.sweep(t)
	}
	p.mailSettled(t)
	if got := p.inbox.mailsLike(ann, "Reminder:"); len(got) != 1 {
		t.Fatalf("after the crash: %v", got)
	}
}

// TestReminderSettingsAPI: time zones and reminder policies are checked
// field by field, stored as events, and another partner's client is not
// found.
func TestReminderSettingsAPI(t *testing.T) {
	t.Parallel()
	p := start(t)
	tok := p.token(t, "northwind")
	code, out := p.api(t, tok, "GET", "/api/v1/clients/acme/reminders", "")
	if code != 200 || out["default"] != true || out["time_zone"] != "UTC" {
		t.Fatalf("defaults: %d %v", code, out)
	}
	before := p.eventCount(t)
	bad := []struct{ method, path, body, field string }{
		{"PATCH", "/api/v1/clients/acme", `{"time_zone":"Mars/Olympus"}`, "time_zone"},
		{"PATCH", "/api/v1/clients/acme", `{"time_zone":"Local"}`, "time_zone"},
		{"PATCH", "/api/v1/clients/acme", `{"time_zone":"` + strings.Repeat("A", 200) + `"}`, "time_zone"},
		{"PATCH", "/api/v1/clients/acme/reminders", `{"learners":{"hour":24}}`, "learners.hour"},
		{"PATCH", "/api/v1/clients/acme/reminders", `{"learners":{"days_before":-1}}`, "learners.days_before"},
		{"PATCH", "/api/v1/clients/acme/reminders", `{"learners":{"overdue_every_days":3,"overdue_limit":0}}`, "learners.overdue_limit"},
		{"PATCH", "/api/v1/clients/acme/reminders", `{"manager_digest":{"weekday":"someday"}}`, "manager_digest.weekday"},
	}
	for _, b := range bad {
		code, out := p.api(t, tok, b.method, b.path, b.body)
		fields, _ := out["fields"].(map[string]any)
		if code != 422 || fields[b.field] == nil {
			t.Errorf("%s %s: %d %v, want 422 naming %s", b.path, b.body[:min(len(b.body), 60)], code, out, b.field)
		}
	}
	if code, out := p.api(t, tok, "PATCH", "/api/v1/clients/acme/reminders", `{"learners":{"nope":1}}`); code != 400 && code != 422 {
		t.Errorf("an unknown field: %d %v", code, out)
	}
	if n := p.eventCount(t); n != before {
		t.Fatalf("refused input stored %d events", n-before)
	}
	code, out = p.api(t, tok, "PATCH", "/api/v1/clients/acme", `{"time_zone":"America/New_York"}`)
	if code != 200 || out["time_zone"] != "America/New_York" {
		t.Fatalf("time zone: %d %v", code, out)
	}
	code, out = p.api(t, tok, "PATCH", "/api/v1/clients/acme/reminders", `{"learners":{"days_before":5},"manager_digest":{"weekday":"Friday","hour":16}}`)
	learners, _ := out["learners"].(map[string]any)
	digest, _ := out["manager_digest"].(map[string]any)
	if code != 200 || out["default"] != false || learners["days_before"] != 5.0 || learners["on_due_date"] != true || digest["weekday"] != "friday" || digest["hour"] != 16.0 || out["time_zone"] != "America/New_York" {
		t.Fatalf("patch: %d %v", code, out)
	}
	other := p.token(t, "bluepeak")
	for _, r := range []struct{ method, path, body string }{
		{"GET", "/api/v1/clients/acme/reminders", ""},
		{"PATCH", "/api/v1/clients/acme/reminders", `{"learners":{"enabled":false}}`},
		{"PATCH", "/api/v1/clients/acme", `{"time_zone":"UTC"}`},
	} {
		if code, _ := p.api(t, other, r.method, r.path, r.body); code != 404 {
			t.Errorf("another partner %s %s: %d, want 404", r.method, r.path, code)
		}
	}
}

// TestDueWordingIsLocal: a course due "2026-11-23" at a client in
// Auckland is due until midnight there (11:00 UTC). At 01:00 on the 23rd
// in Auckland (still the 22nd in UTC) the page says "Due today", not "Due
// tomorrow".
func TestDueWordingIsLocal(t *testing.T) {
	t.Parallel()
	p := start(t)
	tok := remindersClient(t, p, "kiwi", "Pacific/Auckland")
	if code, out := p.api(t, tok, "POST", "/api/v1/clients/kiwi/assignments", `{"course_id":"spotting-phishing","due_at":"2026-11-23","learner_ids":["ann"]}`); code >= 300 {
		t.Fatalf("assign: %d %v", code, out)
	}
	p.sweep(t)
	p.clock.Set(time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC))
	b := p.browser(t)
	signIn(t, p, b, "ann@kiwi.example")
	token := b.csrf("/onboarding/1")
	if r := b.post("/onboarding/1", url.Values{"module": {"welcome"}}, token); r.status != 303 && r.status != 200 {
		t.Fatalf("onboarding: %d", r.status)
	}
	r := b.get("/courses/due")
	if r.status != 200 || !strings.Contains(r.body, "Due today") || strings.Contains(r.body, "Due tomorrow") {
		t.Fatalf("courses in Auckland: %d, due today: %v", r.status, strings.Contains(r.body, "Due today"))
	}
	p.clock.Set(time.Date(2026, 11, 23, 11, 0, 1, 0, time.UTC))
	if r := b.get("/courses/due"); !strings.Contains(r.body, "Overdue") {
		t.Fatal("a second after midnight in Auckland the course is not overdue")
	}
}

// TestEmailsRespectEmailLinksOff: where a client signs its synced learners
// in with Microsoft or Google only, course emails and scheduled reminders
// lead to the sign-in page and issue no training link.
func TestEmailsRespectEmailLinksOff(t *testing.T) {
	t.Parallel()
	p := start(t)
	tok := p.token(t, "northwind")
	if code, out := p.api(t, tok, "PATCH", "/api/v1/clients/acme", `{"email_links":false}`); code != 200 {
		t.Fatalf("email links off: %d %v", code, out)
	}
	if code, out := p.api(t, tok, "POST", "/api/v1/clients/acme/assignments", `{"course_id":"spotting-phishing","due_at":"2026-11-27","learner_ids":["acme-riley"]}`); code >= 300 {
		t.Fatalf("assign: %d %v", code, out)
	}
	riley := "riley.chen@acme.example"
	p.sweep(t)
	p.clock.Set(time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC))
	p.sweep(t)
	p.mailSettled(t)
	for _, prefix := range []string{"New training:", "Reminder:"} {
		got := p.inbox.messagesLike(riley, prefix)
		if len(got) == 0 {
			t.Fatalf("no %q email to Riley", prefix)
		}
		m := got[len(got)-1]
		if strings.Contains(m.Text, "/signin/link/") || !strings.Contains(m.Text, "/p/northwind/signin?email=") || strings.Contains(m.HTML, "signs you straight in") {
			t.Errorf("%s with email links off:\n%s", m.Subject, m.Text)
		}
	}
}
