package app_test

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	cloudevents "github.com/cloudevents/sdk-go/v2"

	"github.com/awareportal/portal/internal/seed"
)

func TestLearnersCannotReachStaffPages(t *testing.T) {
	t.Parallel()
	p := start(t)
	b := p.browser(t)
	signIn(t, p, b, sam)
	for _, path := range []string{"/staff", "/staff/users/acme-riley", "/staff/asof?client=acme", "/staff/export?client=acme"} {
		if r := b.get(path); r.status != 403 {
			t.Errorf("learner GET %s: %d, want 403", path, r.status)
		}
	}
	// My activity shows only Sam's own history.
	act := b.get("/activity")
	if act.status != 200 || !strings.Contains(act.body, "Signed in with an email link") || strings.Contains(act.body, "Riley") {
		t.Fatalf("my activity: %d", act.status)
	}
	if r := b.get("/activity?learner=acme-riley"); strings.Contains(r.body, "riley") {
		t.Fatal("another learner's activity leaked")
	}
}

func TestStaffScopeAndLookIsRecorded(t *testing.T) {
	t.Parallel()
	p := start(t)
	auditor := p.browser(t)
	r := signIn(t, p, auditor, seed.AuditorEmail)
	if r.header.Get("Location") != "/staff" {
		t.Fatalf("auditor landed on %s", r.header.Get("Location"))
	}
	// Acme's auditor sees Acme, not Globex (another partner) or Initech.
	if r := auditor.get("/staff?q=jordan"); !strings.Contains(r.body, "/staff/users/acme-jordan") || strings.Contains(r.body, "globex-jordan") {
		t.Fatalf("auditor search scope wrong")
	}
	if r := auditor.get("/staff/users/globex-jordan"); r.status != 404 {
		t.Fatalf("out-of-scope timeline: %d", r.status)
	}
	if r := auditor.get("/staff/users/initech-pat"); r.status != 404 {
		t.Fatalf("other client's timeline: %d", r.status)
	}
	if r := auditor.get("/staff/users/acme-sam?reason=" + url.QueryEscape("Annual compliance review")); r.status != 200 {
		t.Fatalf("timeline: %d", r.status)
	}
	// The look is in Sam's history, with its reason, for staff...
	support := p.browser(t)
	signIn(t, p, support, seed.SupportEmail)
	tl := support.get("/staff/users/acme-sam")
	if !strings.Contains(tl.body, "Alex Auditor (auditor) viewed the timeline") || !strings.Contains(tl.body, "Annual compliance review") {
		t.Fatal("the auditor's look is not in the timeline")
	}
	// ...and in the event log.
	evs, err := p.app.Store.ReadStream(context.Background(), "access-acme-sam", 1)
	if err != nil || len(evs) < 2 {
		t.Fatalf("access stream: %v %d", err, len(evs))
	}
	// Sam doesn't see staff notes.
	b := p.browser(t)
	signIn(t, p, b, sam)
	if act := b.get("/activity"); strings.Contains(act.body, "Annual compliance review") || strings.Contains(act.body, "Alex Auditor") {
		t.Fatal("staff notes shown to the learner")
	}
}

func TestExportIsValidCloudEventsAndCSV(t *testing.T) {
	t.Parallel()
	p := start(t)
	support := p.browser(t)
	signIn(t, p, support, seed.SupportEmail)
	r := support.get("/staff/export?client=acme&format=jsonl")
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "application/x-ndjson") {
		t.Fatalf("export: %d %s", r.status, r.header.Get("Content-Type"))
	}
	sc := bufio.NewScanner(strings.NewReader(r.body))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	n, learners := 0, map[string]bool{}
	types := map[string]bool{}
	for sc.Scan() {
		var e cloudevents.Event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("line %d is not a CloudEvent: %v\n%s", n+1, err, sc.Text())
		}
		if err := e.Validate(); err != nil {
			t.Fatalf("line %d invalid: %v", n+1, err)
		}
		if e.SpecVersion() != "1.0" || e.ID() == "" || e.Type() == "" || e.Subject() == "" || e.Time().IsZero() {
			t.Fatalf("line %d lacks attributes: %v", n+1, e)
		}
		if _, ok := e.Extensions()["eventhash"]; !ok {
			t.Fatalf("line %d has no eventhash", n+1)
		}
		var data map[string]any
		if err := e.DataAs(&data); err != nil {
			t.Fatalf("line %d data: %v", n+1, err)
		}
		if id, ok := data["learner_id"].(string); ok {
			learners[id] = true
		}
		types[e.Type()] = true
		n++
	}
	if n < 50 || !learners["acme-sam"] || learners["globex-jordan"] || learners["initech-pat"] {
		t.Fatalf("export has %d events, learners %v", n, learners)
	}
	if !types["learning.course_completed.v1"] || !types["directory.learner_provisioned.v1"] {
		t.Fatalf("export types %v", types)
	}
	c := support.get("/staff/export?learner=acme-sam&format=csv")
	rows, err := csv.NewReader(strings.NewReader(c.body)).ReadAll()
	if err != nil || len(rows) < 10 || rows[0][0] != "seq" || rows[0][5] != "type" {
		t.Fatalf("csv: %v, %d rows", err, len(rows))
	}
	for _, row := range rows[1:] {
		if !json.Valid([]byte(row[10])) {
			t.Fatalf("csv data column is not JSON: %s", row[10])
		}
	}
}

// TestBrowserSupportAndAuditor: support finds a learner and reads a timeline
// showing a scanner-opened link and a later sign-in; an auditor replays the
// state before a completion and doesn't see it.
func TestBrowserSupportAndAuditor(t *testing.T) {
	t.Parallel()
	p := start(t)
	// A mail scanner opens Sam's link; an hour later Sam uses a new one.
	b := p.browser(t)
	requestLink(b, sam)
	scanned := linkIn(t, p.inbox.waitFor(t, sam, 1))
	p.browser(t).get(scanned)
	p.clock.Advance(time.Hour)
	signIn(t, p, b, sam)
	// Sam's own history says it in words for Sam, not support's guess.
	if act := b.get("/activity"); strings.Contains(act.body, "mail scanner?") || !strings.Contains(act.body, "A sign-in link was opened without signing in") {
		t.Errorf("Sam's activity about the scanned link:\n%.2000s", act.body)
	}

	ctx := newBrowser(t)
	signInBrowser(t, p, ctx, seed.SupportEmail)
	var tl string
	err := chromedp.Run(ctx,
		chromedp.WaitVisible(`#q`, chromedp.ByID),
		chromedp.SendKeys(`#q`, "sam.learner", chromedp.ByID),
		chromedp.SendKeys(`#reason`, "Ticket 4711: no sign-in email", chromedp.ByID),
		chromedp.Click(`//button[normalize-space()="Search"]`, chromedp.BySearch),
		chromedp.WaitVisible(`//a[normalize-space()="Open timeline"]`, chromedp.BySearch),
	)
	if err != nil {
		t.Fatalf("support search: %v", err)
	}
	screenshot(t, ctx, "19-support-search")
	err = chromedp.Run(ctx,
		chromedp.Click(`//a[normalize-space()="Open timeline"]`, chromedp.BySearch),
		chromedp.WaitVisible(`.timeline`, chromedp.ByQuery),
		chromedp.Text(`.timeline`, &tl, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatalf("support: %v", err)
	}
	screenshot(t, ctx, "20-support-timeline")
	for _, want := range []string{"Link opened without signing in (mail scanner?)", "Signed in with an email link", "Sign-in link requested from", `Email "Sign in to Northwind IT Training" handed to the mail server`} {
		if !strings.Contains(tl, want) {
			t.Errorf("timeline lacks %q", want)
		}
	}
	// Filters: only email entries.
	err = chromedp.Run(ctx,
		chromedp.Click(`input[name=cat][value=signin]`, chromedp.ByQuery),
		chromedp.Click(`input[name=cat][value=training]`, chromedp.ByQuery),
		chromedp.Click(`input[name=cat][value=account]`, chromedp.ByQuery),
		chromedp.Click(`input[name=cat][value=staff]`, chromedp.ByQuery),
		chromedp.WaitNotPresent(`.tl-training`, chromedp.ByQuery),
		chromedp.WaitNotPresent(`.tl-signin`, chromedp.ByQuery),
		chromedp.WaitNotPresent(`.tl-staff`, chromedp.ByQuery),
		chromedp.WaitNotPresent(`.tl-account`, chromedp.ByQuery),
		chromedp.WaitNotPresent(`.htmx-request`, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelector('#timeline').innerText`, &tl),
	)
	if err != nil {
		t.Fatalf("filter: %v", err)
	}
	if strings.Contains(tl, "Signed in") || !strings.Contains(tl, "Email") {
		t.Fatalf("filtered timeline: %q", tl)
	}
	// A day typed the American way is named under the filters (a 422 the
	// form swaps in), not dropped in silence.
	var refusal string
	err = chromedp.Run(ctx,
		chromedp.SendKeys(`input[name=from]`, "11/23/2026\t", chromedp.ByQuery),
		chromedp.WaitVisible(`#timeline .field-error`, chromedp.ByQuery),
		chromedp.Text(`#timeline .field-error`, &refusal, chromedp.ByQuery),
	)
	if err != nil || refusal != "From: write the date like 23 Nov 2026." {
		t.Fatalf("an unreadable day: %q, %v", refusal, err)
	}
	screenshot(t, ctx, "20b-support-timeline-day-refused")
	err = chromedp.Run(ctx,
		chromedp.Evaluate(`document.querySelector('input[name=from]').value = ''`, nil),
		chromedp.SendKeys(`input[name=from]`, "1 Jan 2020\t", chromedp.ByQuery),
		chromedp.WaitNotPresent(`#timeline .field-error`, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatalf("a readable day after a refusal: %v", err)
	}

	// The auditor: Sam completed Spotting Phishing 59 days ago (seed); just
	// before that instant it is not completed.
	list, _ := p.app.Training.Progress.ForLearner(context.Background(), "acme-sam")
	var done time.Time
	for _, a := range list {
		if a.CourseID == "spotting-phishing" && a.CompletedAt != nil {
			done = *a.CompletedAt
		}
	}
	actx := newBrowser(t)
	signInBrowser(t, p, actx, seed.AuditorEmail)
	before := done.Add(-time.Minute).UTC().Format("2006-01-02T15:04")
	after := done.Add(time.Minute).UTC().Format("2006-01-02T15:04")
	var then, later string
	err = chromedp.Run(actx,
		chromedp.Navigate(p.base+"/staff/asof?learner=acme-sam&at="+before),
		chromedp.WaitVisible(`.asof`, chromedp.ByQuery),
		chromedp.Text(`.asof`, &then, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatalf("as-of before: %v", err)
	}
	screenshot(t, actx, "21-auditor-asof")
	err = chromedp.Run(actx,
		chromedp.Navigate(p.base+"/staff/asof?learner=acme-sam&at="+after),
		chromedp.WaitVisible(`.asof`, chromedp.ByQuery),
		chromedp.Text(`.asof`, &later, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatalf("as-of after: %v", err)
	}
	if strings.Contains(then, "completed\t") || !strings.Contains(then, "0 of 1 courses completed") {
		t.Fatalf("before the completion: %q", then)
	}
	if !strings.Contains(later, "1 of 1 courses completed") || !strings.Contains(later, "100%") {
		t.Fatalf("after the completion: %q", later)
	}
}
