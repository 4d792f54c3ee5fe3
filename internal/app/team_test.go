package app_test

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	dom "github.com/awareportal/portal/domain/team"
	"github.com/awareportal/portal/internal/eventstore"
	"github.com/awareportal/portal/internal/seed"
	"github.com/awareportal/portal/internal/team"
)

const morgan = seed.ManagerEmail

var reportNames = []string{"Sam Learner", "Riley Chen", "Avery Patel", "Jamie Okafor", "Noor Hussain"}

// htmxPost posts a form the way htmx does (the CSRF token in its header).
func htmxPost(b *browser, path, token string) response {
	return b.do("POST", path, url.Values{}, map[string]string{"HX-Request": "true", "X-CSRF-Token": token})
}

// TestMyTeam: only managers see My Team; it shows their direct reports'
// aggregate status (never a quiz score), most overdue first, with an
// overdue-only filter.
func TestMyTeam(t *testing.T) {
	t.Parallel()
	p := start(t)
	learner := p.browser(t)
	signIn(t, p, learner, sam)
	if r := learner.get("/courses"); r.status != 200 || strings.Contains(r.body, `href="/team"`) {
		t.Fatalf("Sam's courses: %d, team link shown: %v", r.status, strings.Contains(r.body, `href="/team"`))
	}
	token := learner.csrf("/courses")
	for _, r := range []response{learner.get("/team"), learner.post("/team/acme-riley/remind", url.Values{}, token)} {
		if r.status != 404 {
			t.Errorf("a learner without reports: %d, want 404", r.status)
		}
	}

	b := p.browser(t)
	signIn(t, p, b, morgan)
	if r := b.get("/courses"); !strings.Contains(r.body, `href="/team"`) {
		t.Fatal("Morgan's nav has no My Team")
	}
	r := b.get("/team")
	if r.status != 200 {
		t.Fatalf("/team: %d", r.status)
	}
	pos := map[string]int{}
	for _, name := range reportNames {
		if pos[name] = strings.Index(r.body, name); pos[name] < 0 {
			t.Fatalf("%s missing from My Team", name)
		}
	}
	// The three overdue reports come first (one overdue course each, by name).
	if !(pos["Avery Patel"] < pos["Jamie Okafor"] && pos["Jamie Okafor"] < pos["Sam Learner"] && pos["Sam Learner"] < pos["Noor Hussain"] && pos["Noor Hussain"] < pos["Riley Chen"]) {
		t.Errorf("order: %v", pos)
	}
	for _, want := range []string{"Up to date", "Overdue", "Onboarding", "Nothing due", ">Remind<"} {
		if !strings.Contains(r.body, want) {
			t.Errorf("My Team does not say %q", want)
		}
	}
	row := rowOf(t, r.body, "acme-sam")
	if !strings.Contains(row, "50%") || !strings.Contains(row, "1 course") || !strings.Contains(row, "Never") {
		t.Errorf("Sam's row: %s", row)
	}
	if n := strings.Count(r.body, `class="teamrow" id="report-`); n != 5 || strings.Contains(r.body, "Jordan") || strings.Contains(r.body, `id="report-acme-morgan"`) {
		t.Errorf("My Team shows %d rows, or someone who is not a direct report", n)
	}
	assertNoScores(t, p, r.body)

	// Overdue only: with and without htmx.
	for _, headers := range []map[string]string{nil, {"HX-Request": "true"}} {
		r := b.do("GET", "/team?overdue=1", nil, headers)
		if r.status != 200 || strings.Contains(r.body, "Riley Chen") || strings.Contains(r.body, "Noor Hussain") || !strings.Contains(r.body, "Avery Patel") {
			t.Errorf("overdue only (%v): %d", headers, r.status)
		}
		if full := strings.Contains(r.body, "<html"); full == (headers != nil) {
			t.Errorf("overdue only (%v): full page %v", headers, full)
		}
		assertNoScores(t, p, r.body)
	}
}

// rowOf is a report's row on My Team.
func rowOf(t *testing.T, body, id string) string {
	t.Helper()
	i := strings.Index(body, `id="report-`+id+`"`)
	if i < 0 {
		t.Fatalf("no row for %s", id)
	}
	j := strings.Index(body[i:], "</li>")
	return body[i : i+j]
}

var percentRe = regexp.MustCompile(`(\d+)%`)

// assertNoScores: every percentage on the page is a report's completion,
// and no report's quiz score (that differs from it) appears; the words
// "score" and "quiz" do not either.
func assertNoScores(t *testing.T, p *portal, body string) {
	t.Helper()
	ctx := t.Context()
	manager, err := p.app.Training.Dir.LearnersByEmail(ctx, morgan)
	if err != nil || len(manager) != 1 {
		t.Fatal(err)
	}
	rows, err := p.app.Team.Team(ctx, manager[0])
	if err != nil {
		t.Fatal(err)
	}
	allowed := map[string]bool{}
	for _, r := range rows {
		allowed[strconv.Itoa(r.Percent)] = true
	}
	for _, m := range percentRe.FindAllStringSubmatch(body, -1) {
		if !allowed[m[1]] {
			t.Errorf("%s%% on My Team is nobody's completion", m[1])
		}
	}
	scores := 0
	for _, r := range rows {
		list, err := p.app.Training.Progress.ForLearner(ctx, r.LearnerID)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range list {
			for _, s := range []*int{a.Score, a.LastScore} {
				if s != nil && !allowed[strconv.Itoa(*s)] {
					scores++
					if strings.Contains(body, strconv.Itoa(*s)+"%") {
						t.Errorf("%s's score %d%% is on My Team", r.Name, *s)
					}
				}
			}
		}
	}
	if scores == 0 {
		t.Error("no report has a score that differs from every completion: the check proves nothing")
	}
	if low := strings.ToLower(body); strings.Contains(low, "score") && !strings.Contains(low, "quiz scores and course-by-course detail stay private") || strings.Count(low, "quiz") > 1 {
		t.Error("My Team talks about scores or quizzes")
	}
}

// TestRemindOncePerDay: of 20 parallel Reminds exactly one is stored and
// emails the report once; within 24 hours every Remind is refused (422 with
// the row, which says why); at 24 hours it works again. Forged ids are 404.
func TestRemindOncePerDay(t *testing.T) {
	t.Parallel()
	p := start(t)
	b := p.browser(t)
	signIn(t, p, b, morgan)
	token := b.csrf("/team")
	before := p.inbox.count(sam)

	var wg sync.WaitGroup
	codes := make([]int, 20)
	bodies := make([]string, 20)
	for i := range codes {
		wg.Go(func() {
			r := htmxPost(b, "/team/acme-sam/remind", token)
			codes[i], bodies[i] = r.status, r.body
		})
	}
	wg.Wait()
	ok := 0
	for i, c := range codes {
		switch c {
		case 200:
			ok++
			if !strings.Contains(bodies[i], "Reminded just now") || !strings.Contains(bodies[i], "disabled") || strings.Contains(bodies[i], "<html") {
				t.Errorf("the row after Remind: %s", bodies[i])
			}
		case 422:
			if !strings.Contains(bodies[i], "Reminded just now") || !strings.Contains(bodies[i], "again in 24 h") {
				t.Errorf("a refused Remind's row: %s", bodies[i])
			}
		default:
			t.Errorf("parallel Remind: %d", c)
		}
	}
	if ok != 1 {
		t.Fatalf("%d Reminds accepted of 20 (%v)", ok, codes)
	}
	m := p.inbox.waitFor(t, sam, before+1)
	if m.Subject != "Reminder: your security training" || !strings.Contains(m.Text, "Morgan Manager asked us to remind you") ||
		!strings.Contains(m.Text, "Safe Browsing") || !strings.Contains(m.Text, "Social Engineering") || !strings.Contains(m.HTML, "#0b7285") {
		t.Errorf("reminder email: %s\n%s", m.Subject, m.Text)
	}
	if strings.Contains(m.Text, "Reporting Incidents") {
		t.Error("the reminder lists a course that is not available yet")
	}
	if links := linkRe.FindAllString(m.Text, -1); len(links) != 2 {
		t.Errorf("%d training links, want one per due course", len(links))
	} else if r := p.browser(t).get(links[0]); r.status != 200 || !strings.Contains(r.body, "Sign in") {
		t.Errorf("training link: %d", r.status)
	}
	p.mailSettled(t)
	if n := p.inbox.count(sam) - before; n != 1 {
		t.Fatalf("%d reminder emails, want 1", n)
	}
	if r := b.get("/team"); !strings.Contains(rowOf(t, r.body, "acme-sam"), "Reminded just now") {
		t.Error("My Team does not show the reminder")
	}

	// A forged POST within 24 hours, without JavaScript: 422, the page says why.
	p.clock.Advance(23*time.Hour + 59*time.Minute)
	r := b.post("/team/acme-sam/remind", url.Values{}, token)
	if r.status != 422 || !strings.Contains(r.body, "You can remind them again in a minute") || !strings.Contains(r.body, "Reminded 23 h ago") {
		t.Errorf("Remind after 23 h 59 min: %d", r.status)
	}
	// At 24 hours it works again: a full-page POST comes back to My Team.
	p.clock.Advance(time.Minute)
	if r := b.post("/team/acme-sam/remind", url.Values{}, token); r.status != 303 || r.header.Get("Location") != "/team?reminded=1" {
		t.Fatalf("Remind after 24 h: %d %s", r.status, r.header.Get("Location"))
	}
	p.inbox.waitFor(t, sam, before+2)

	// Nothing due: refused, and no email.
	riley := p.inbox.count(seed.MicrosoftEmail)
	if r := htmxPost(b, "/team/acme-riley/remind", token); r.status != 422 || !strings.Contains(r.header.Get("HX-Trigger"), "nothing to remind about") || !strings.Contains(r.body, "Nothing due") {
		t.Errorf("Remind Riley (nothing due): %d %s", r.status, r.header.Get("HX-Trigger"))
	}
	// Forged ids: someone else's report, another client's learner, the
	// manager themself, nobody.
	for _, id := range []string{"acme-jordan", "globex-jordan", "acme-morgan", "nobody", "acme-sam%2F..%2Facme-jordan"} {
		if r := htmxPost(b, "/team/"+id+"/remind", token); r.status != 404 {
			t.Errorf("Remind %s: %d, want 404", id, r.status)
		}
	}
	p.mailSettled(t)
	if p.inbox.count(seed.MicrosoftEmail) != riley || p.inbox.count(seed.MultiOrgEmail) != 0 {
		t.Error("a refused Remind sent mail")
	}

	// Both timelines say it.
	if r := b.get("/activity"); !strings.Contains(r.body, "Reminded Sam Learner: 2 courses due, 1 overdue") {
		t.Error("Morgan's activity does not show the reminder")
	}
	sb := p.browser(t)
	signIn(t, p, sb, sam)
	if r := sb.get("/activity"); !strings.Contains(r.body, "Reminder from Morgan Manager: 2 courses due, 1 overdue") {
		t.Error("Sam's activity does not show the reminder")
	}
}

// TestAnotherManagerCannotRemind: a manager sees and reminds only their own
// reports.
func TestAnotherManagerCannotRemind(t *testing.T) {
	t.Parallel()
	p := start(t)
	tok := p.token(t, "northwind")
	// Riley gets a report of their own and becomes a manager.
	if code, out := p.api(t, tok, "POST", "/api/v1/clients/acme/users", `{"id":"acme-kim","email":"kim.new@acme.example","first_name":"Kim","last_name":"New","manager_id":"acme-riley"}`); code != 201 {
		t.Fatalf("create Kim: %d %v", code, out)
	}
	p.waitProjections(t)
	b := p.browser(t)
	signIn(t, p, b, seed.MicrosoftEmail)
	r := b.get("/team")
	if r.status != 200 || !strings.Contains(r.body, "Kim New") || strings.Contains(r.body, "Sam Learner") {
		t.Fatalf("Riley's team: %d", r.status)
	}
	token := b.csrf("/team")
	for _, id := range []string{"acme-sam", "acme-avery", "globex-jordan"} {
		if r := htmxPost(b, "/team/"+id+"/remind", token); r.status != 404 {
			t.Errorf("Riley reminds %s: %d, want 404", id, r.status)
		}
	}
}

// TestReminderSweep: a reminder stored by a process that died before
// queuing its email is emailed by the sweep, once.
func TestReminderSweep(t *testing.T) {
	t.Parallel()
	p := start(t)
	ctx := t.Context()
	before := p.inbox.count(sam)
	now := p.clock.Now()
	mailID := team.MailID("acme-morgan", "acme-sam", 1)
	ev := dom.ReminderSent{ManagerID: "acme-morgan", LearnerID: "acme-sam", ClientID: "acme", MailID: mailID,
		Courses: []dom.DueCourse{{AssignmentID: "x", Title: "Safe Browsing", DueAt: now.Add(-72 * time.Hour), Overdue: true}}, At: now}
	if _, err := p.app.Repo.Append(ctx, dom.Stream("acme-sam"), eventstore.NoStream, eventstore.Metadata{ActorID: "acme-morgan", TenantID: "northwind"}, ev); err != nil {
		t.Fatal(err)
	}
	p.waitProjections(t)
	if n, err := p.app.Team.Sweep(ctx); err != nil || n != 0 {
		t.Fatalf("sweep within the first minute: %d %v", n, err)
	}
	p.clock.Advance(2 * time.Minute)
	for range 2 {
		if _, err := p.app.Team.Sweep(ctx); err != nil {
			t.Fatal(err)
		}
	}
	p.inbox.waitFor(t, sam, before+1)
	p.waitProjections(t)
	if n, err := p.app.Team.Sweep(ctx); err != nil || n != 0 {
		t.Errorf("sweep after the email was queued: %d %v", n, err)
	}
	p.mailSettled(t)
	if n := p.inbox.count(sam) - before; n != 1 {
		t.Errorf("%d emails, want 1", n)
	}
}
