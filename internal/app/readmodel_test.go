package app_test

import (
	"context"
	"log/slog"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/awareportal/portal/domain/registry"
	"github.com/awareportal/portal/internal/seed"
	"github.com/awareportal/portal/internal/testenv"
	"github.com/awareportal/portal/projections/breaches/pgbreaches"
	"github.com/awareportal/portal/projections/directory/pgdirectory"
	"github.com/awareportal/portal/projections/pgrunner"
	"github.com/awareportal/portal/projections/phishing/pgphishing"
	"github.com/awareportal/portal/projections/policies/pgpolicies"
	"github.com/awareportal/portal/projections/progress"
	"github.com/awareportal/portal/projections/progress/pgprogress"
	"github.com/awareportal/portal/projections/readmodels"
	"github.com/awareportal/portal/projections/timeline/pgtimeline"
)

// TestEveryReadModelRebuildIsIdentical: every read model (stats, risk history,
// badges, the leaderboard, the timeline, policy signature requests,
// breaches, phishing, ...) comes only from events, so rebuilding them all
// at once (RebuildAll, page by page) gives exactly the live contents.
func TestEveryReadModelRebuildIsIdentical(t *testing.T) {
	// Not parallel: a read-model rebuild holds one long transaction, and the
	// event log's visibility horizon is the whole PostgreSQL server's, so it
	// would hold back the read models of every test running beside it.
	p := start(t)
	ctx := context.Background()
	// Some live activity on top of the seed: Sam finishes a course.
	b := p.browser(t)
	signIn(t, p, b, sam)
	list, err := p.app.Training.Progress.ForLearner(ctx, "acme-sam")
	if err != nil {
		t.Fatal(err)
	}
	var overdue progress.Assignment
	for _, a := range list {
		if a.IsOverdue(p.clock.Now()) {
			overdue = a
		}
	}
	course, _ := p.app.Catalog.Version(overdue.CourseID, overdue.CourseVersion)
	page := b.get("/learn/" + overdue.ID)
	token := csrfRe.FindStringSubmatch(page.body)[1]
	for i := 1; i <= len(course.Lessons); i++ {
		b.post("/learn/"+overdue.ID+"/progress", url.Values{"lesson": {itoa(i)}}, token)
	}
	answers := url.Values{}
	for _, q := range course.Quiz.Questions {
		answers.Set("q_"+q.ID, q.Answer)
	}
	if r := b.post("/learn/"+overdue.ID+"/quiz", answers, token); r.status != 200 || !strings.Contains(r.body, "Course completed") {
		t.Fatalf("quiz: %d", r.status)
	}
	// And signs the policy they had to sign.
	ptoken := b.csrf("/policies/" + seed.OutstandingPolicyID)
	if r := b.post("/policies/"+seed.OutstandingPolicyID+"/sign", url.Values{"version": {"1"}, "accept": {"yes"}, "name": {"Sam Learner"}}, ptoken); r.status != 303 {
		t.Fatalf("sign: %d", r.status)
	}
	// Dark Web Monitoring: new breaches (one emailed), one resolved, the
	// master switch off and on (the score follows it).
	tok := p.token(t, "northwind")
	mails := p.inbox.count(sam)
	if code, out := p.api(t, tok, "POST", "/api/v1/clients/acme/breaches", records(breachJSON(sam, "Rebuild1", `"Passwords"`), breachJSON(sam, "Rebuild2", `"Credit cards"`))); code != 200 || out["new"] != 2.0 {
		t.Fatalf("ingest: %d %v", code, out)
	}
	p.inbox.waitFor(t, sam, mails+1) // the notification, queued before the queue stops
	if r := b.post("/breaches/Rebuild1/resolve", url.Values{"note": {"password"}}, token); r.status != 303 {
		t.Fatalf("resolve: %d", r.status)
	}
	for _, on := range []string{"false", "true"} {
		if code, _ := p.api(t, tok, "PUT", "/api/v1/breach-monitoring", `{"enabled":`+on+`}`); code != 200 {
			t.Fatal("switch")
		}
	}
	// Phishing simulations: a campaign for Sam and Riley, then Sam's later
	// report (an update of the same result).
	if code, out := p.api(t, tok, "POST", phishingPath, campaign("R1", phishingJSON("acme-sam", `"clicked_at":"`+after(time.Hour)+`"`), phishingJSON("acme-riley"))); code != 200 || out["new"] != 2.0 {
		t.Fatalf("phishing: %d %v", code, out)
	}
	if code, out := p.api(t, tok, "POST", phishingPath, campaign("R1", phishingJSON("acme-sam", `"reported_at":"`+after(2*time.Hour)+`"`))); code != 200 || out["updated"] != 1.0 {
		t.Fatalf("phishing update: %d %v", code, out)
	}
	// A wrong sign-in code: the timeline ties a failure to the learners
	// with the email it names.
	g := p.browser(t)
	r := requestLink(g, "riley.chen@acme.example")
	reqID := strings.Split(strings.Split(r.body, `name="request" value="`)[1], `"`)[0]
	if r := g.post("/signin/code", url.Values{"request": {reqID}, "code": {"ZZZ-ZZZ"}}, g.csrf("/signin")); r.status != 422 {
		t.Fatalf("wrong code: %d", r.status)
	}
	// No background writers from here on (River's periodic sweep), so the
	// live snapshot below is of a quiet log.
	if err := p.app.Queue.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	p.clock.Advance(10 * 24 * time.Hour)
	if _, _, err := p.app.Training.Sweep(ctx); err != nil { // overdue and availability events
		t.Fatal(err)
	}
	p.waitProjections(t)

	live := map[string]string{}
	for _, proj := range p.app.Runner.Projections() {
		live[proj.Name()] = testenv.DumpSchema(t, ctx, p.db.Pool, pgrunner.SchemaName(proj.Name()))
	}
	// Something of everything to compare.
	for name, want := range map[string][]string{
		pgprogress.Name:  {"learner_stats", "risk_history", "badges", "Rebuild1", "R1"},
		pgbreaches.Name:  {"Rebuild2", "notifications"},
		pgphishing.Name:  {"R1", "nw-2026-04"},
		pgpolicies.Name:  {seed.OutstandingPolicyID, "signatures"},
		pgtimeline.Name:  {`"followed": true`, "mail_sent", "course_completed", "sign_in_failed", "policy_signed", "phishing_result", "breach"},
		pgdirectory.Name: {"managers", "riley"},
	} {
		for _, w := range want {
			if !strings.Contains(live[name], w) {
				t.Fatalf("nothing to compare: no %q in read model %s", w, name)
			}
		}
	}
	// Event by event (Apply alone), then the whole log in one page, then in
	// pages of one event (ApplyPage: what a page reads of the pages before
	// it must be what they wrote). The live read model came from both: the
	// seed's backlog a page at a time, the requests' events one by one.
	// A runner of its own, so the portal's keeps its settings.
	rn := pgrunner.New(p.db.Pool, p.app.Store, registry.Codec(), slog.New(slog.DiscardHandler), readmodels.All()...)
	for _, how := range []struct {
		name         string
		page         int
		eventByEvent bool
	}{{"event by event", 5000, true}, {"in one page", 5000, false}, {"in pages of one event", 1, false}} {
		rn.RebuildPage, rn.EventByEvent = how.page, how.eventByEvent
		if err := rn.RebuildAll(ctx, rn.Projections()...); err != nil {
			t.Fatal(err)
		}
		for _, proj := range rn.Projections() {
			rebuilt := testenv.DumpSchema(t, ctx, p.db.Pool, pgrunner.SchemaName(proj.Name()))
			if rebuilt != live[proj.Name()] {
				t.Errorf("read model %s: rebuilt %s, it differs from live:\n%s", proj.Name(), how.name, lineDiff(live[proj.Name()], rebuilt))
			}
		}
	}
}

// lineDiff lists the lines only one side has.
func lineDiff(live, rebuilt string) string {
	count := map[string]int{}
	for _, l := range strings.Split(live, "\n") {
		count[l]++
	}
	for _, l := range strings.Split(rebuilt, "\n") {
		count[l]--
	}
	var out []string
	for l, n := range count {
		switch {
		case n > 0:
			out = append(out, "live only:    "+l)
		case n < 0:
			out = append(out, "rebuild only: "+l)
		}
	}
	slices.Sort(out)
	return strings.Join(out, "\n")
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestCertificateDownloadAndVerification(t *testing.T) {
	t.Parallel()
	p := start(t)
	sam1 := p.browser(t)
	signIn(t, p, sam1, sam)
	done := sam1.get("/courses/completed")
	ids := regexp.MustCompile(`/certificates/(C-[A-Z0-9]+)\.pdf`).FindStringSubmatch(done.body)
	if ids == nil {
		t.Fatal("no certificate download link on the Completed tab")
	}
	pdf := sam1.get("/certificates/" + ids[1] + ".pdf")
	if pdf.status != 200 || pdf.header.Get("Content-Type") != "application/pdf" || !strings.Contains(pdfText(t, []byte(pdf.body)), "Sam Learner") {
		t.Fatalf("download: %d %s", pdf.status, pdf.header.Get("Content-Type"))
	}
	riley := p.browser(t)
	signIn(t, p, riley, "riley.chen@acme.example")
	if r := riley.get("/certificates/" + ids[1] + ".pdf"); r.status != 404 {
		t.Fatalf("someone else's certificate: %d", r.status)
	}
	// Public verification: name, course, date; not the score.
	v := p.browser(t).get("/verify/" + ids[1])
	if v.status != 200 || !strings.Contains(v.body, "Valid certificate") || !strings.Contains(v.body, "Sam Learner") || strings.Contains(v.body, "100%") {
		t.Fatalf("verify: %d", v.status)
	}
	if r := p.browser(t).get("/verify/C-NOTAREALONE"); r.status != 404 || !strings.Contains(r.body, "Certificate not found") {
		t.Fatalf("unknown certificate: %d", r.status)
	}
}
