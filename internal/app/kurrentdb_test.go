package app_test

import (
	"context"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/awareportal/portal/internal/eventstore"
	"github.com/awareportal/portal/internal/eventstore/kurrentstore/kurrenttest"
	"github.com/awareportal/portal/projections/progress"
)

// startOnKurrentDB runs the portal with its events in KurrentDB at url (the
// read models, sessions and the mail queue stay in the test's PostgreSQL).
func startOnKurrentDB(t *testing.T, url string) *portal {
	t.Helper()
	return startWith(t, map[string]string{"PORTAL_EVENTSTORE": "kurrentdb", "KURRENTDB_URL": url})
}

var riskRe = regexp.MustCompile(`class="riskscore-num">(\d+)<`)

func riskOf(t *testing.T, b *browser) int {
	t.Helper()
	r := b.get("/stats")
	m := riskRe.FindStringSubmatch(r.body)
	if r.status != 200 || m == nil {
		t.Fatalf("stats: %d, no risk score", r.status)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// learnerJourney is the learner's way through the portal over HTTP: sign in
// by email link, open the overdue course, step through its lessons, fail the
// quiz, pass it, get the certificate by email, and see the stats change.
func learnerJourney(t *testing.T, p *portal) {
	b := p.browser(t)
	if r := signIn(t, p, b, sam); r.status != 303 && r.status != 200 {
		t.Fatalf("sign in: %d", r.status)
	}
	home := b.get("/courses")
	if home.status != 200 || !strings.Contains(home.body, "Safe Browsing and Downloads") || !strings.Contains(home.body, "Overdue") {
		t.Fatalf("courses page: %d", home.status)
	}
	riskBefore := riskOf(t, b)
	now := p.clock.Now()
	a := assignmentOf(t, p, "acme-sam", func(a progress.Assignment) bool { return a.IsOverdue(now) && !a.Completed() })
	course, err := p.app.Catalog.Version(a.CourseID, a.CourseVersion)
	if err != nil {
		t.Fatal(err)
	}
	page := b.get("/learn/" + a.ID)
	if page.status != 200 || !strings.Contains(page.body, "Updates close the doors") {
		t.Fatalf("player: %d", page.status)
	}
	token := csrfRe.FindStringSubmatch(page.body)[1]
	for i := 1; i <= len(course.Lessons); i++ {
		if r := b.post("/learn/"+a.ID+"/progress", url.Values{"lesson": {itoa(i)}}, token); r.status != 200 {
			t.Fatalf("lesson %d: %d", i, r.status)
		}
	}
	answers := func(right bool) url.Values {
		v := url.Values{}
		for _, q := range course.Quiz.Questions {
			choice := q.Answer
			for _, c := range q.Choices {
				if !right && c.ID != q.Answer {
					choice = c.ID
					break
				}
			}
			v.Set("q_"+q.ID, choice)
		}
		return v
	}
	if r := b.post("/learn/"+a.ID+"/quiz", answers(false), token); r.status != 200 || !strings.Contains(r.body, "0% — not quite") {
		t.Fatalf("failed attempt: %d\n%.500s", r.status, r.body)
	}
	if r := b.post("/learn/"+a.ID+"/quiz", answers(true), token); r.status != 200 || !strings.Contains(r.body, "Course completed") {
		t.Fatalf("passing attempt: %d", r.status)
	}
	if r := b.post("/courses/"+a.ID+"/certificate", url.Values{}, token); r.status >= 400 {
		t.Fatalf("certificate: %d", r.status)
	}
	m := p.inbox.waitSubject(t, sam, "Your certificate:")
	if m.Subject != "Your certificate: Safe Browsing and Downloads" || len(m.Attachments) != 1 || !strings.Contains(pdfText(t, m.Attachments[0].Data), "Sam Learner") {
		t.Fatalf("certificate mail: %q with %d attachments", m.Subject, len(m.Attachments))
	}
	if done := b.get("/courses/completed"); !strings.Contains(done.body, "Safe Browsing and Downloads") {
		t.Fatal("the course is not on the Completed tab")
	}
	if riskAfter := riskOf(t, b); riskAfter <= riskBefore {
		t.Fatalf("risk score %d → %d: completing an overdue course should raise it", riskBefore, riskAfter)
	}
}

// TestLearnerJourneyOnKurrentDB: the learner journey with the events in
// KurrentDB (the in-process test server): the app seeds it, projects from
// it, queues mail through the outbox, and PostgreSQL holds no event.
func TestLearnerJourneyOnKurrentDB(t *testing.T) {
	// Not parallel: its start rebuilds the read models from KurrentDB in
	// one long transaction, and the event log's visibility horizon is the
	// whole PostgreSQL server's, so it would hold back the read models of
	// every test running beside it.
	srv := kurrenttest.Start(t)
	p := startOnKurrentDB(t, strings.Replace(srv.URL(), "esdb://", "kurrentdb://", 1))
	learnerJourney(t, p)
	checkOnKurrentDB(t, p)
}

// TestLearnerJourneyOnRealKurrentDB is the same on a real, empty KurrentDB
// node (docs/kurrentdb.md): skipped unless PORTAL_TEST_KURRENTDB_URL is set.
func TestLearnerJourneyOnRealKurrentDB(t *testing.T) {
	t.Parallel()
	u := os.Getenv("PORTAL_TEST_KURRENTDB_URL")
	if u == "" {
		t.Skip("PORTAL_TEST_KURRENTDB_URL is not set: the real-KurrentDB check runs before a release (docs/kurrentdb.md)")
	}
	p := startOnKurrentDB(t, u)
	learnerJourney(t, p)
	checkOnKurrentDB(t, p)
}

func checkOnKurrentDB(t *testing.T, p *portal) {
	t.Helper()
	ctx := context.Background()
	var pgEvents int
	var source string
	if err := p.db.Pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM events), (SELECT store FROM event_store_source)`).Scan(&pgEvents, &source); err != nil {
		t.Fatal(err)
	}
	if pgEvents != 0 || source != "kurrentdb" {
		t.Fatalf("%d events in PostgreSQL, read models from %q", pgEvents, source)
	}
	types := map[string]int{}
	for after := eventstore.Start; ; {
		evs, err := p.app.Store.ReadAll(ctx, after, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) == 0 {
			break
		}
		for _, e := range evs {
			types[e.Type]++
		}
		after = evs[len(evs)-1].Position
	}
	if types["learning.course_completed.v1"] == 0 || types["mailing.mail_queued.v1"] < 2 {
		t.Fatalf("KurrentDB lacks the journey's events: %v", types)
	}
	// Every queued mail was sent and recorded, with nothing left held.
	deadline := time.Now().Add(10 * time.Second)
	for {
		var held int
		if err := p.db.Pool.QueryRow(ctx, `SELECT count(*) FROM mail_outbox`).Scan(&held); err != nil {
			t.Fatal(err)
		}
		if held == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d mail outbox rows left", held)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
