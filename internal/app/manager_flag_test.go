package app_test

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/awareportal/portal/domain"
	"github.com/awareportal/portal/domain/tenancy"

	dir "github.com/awareportal/portal/domain/directory"
	"github.com/awareportal/portal/internal/eventstore"
	"github.com/awareportal/portal/internal/seed"
	"github.com/awareportal/portal/internal/testenv"
	"github.com/awareportal/portal/projections/directory/pgdirectory"
	"github.com/awareportal/portal/projections/progress"
	"github.com/awareportal/portal/projections/progress/pgprogress"
)

// TestManagerFlagFromEvents: a learner is a manager when another learner
// at their client names them, whichever was provisioned first; naming
// oneself, or a manager at another client, does not count. The flag (the
// directory's managers table) comes from events alone: a rebuild gives
// the same rows.
func TestManagerFlagFromEvents(t *testing.T) {
	t.Parallel()
	p := start(t)
	ctx := context.Background()
	meta := eventstore.Metadata{ActorID: "test"}
	provision := func(id, client, manager string) {
		t.Helper()
		if _, err := p.app.Repo.Append(ctx, dir.LearnerStream(id), eventstore.NoStream, meta, dir.LearnerProvisioned{
			LearnerID: id, ClientID: client, Email: id + "@acme.example", FirstName: "M", LastName: id, ManagerID: manager,
			Source: dir.SourceManual, At: p.clock.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	provision("mf-report", "acme", "mf-boss") // before the manager exists
	provision("mf-boss", "acme", "")
	provision("mf-self", "acme", "mf-self")
	provision("mf-other", "globex", "mf-lonely") // another client's learner names an acme learner's id
	provision("mf-lonely", "acme", "")
	provision("mf-second", "acme", "mf-boss")
	p.waitProjections(t)
	q := pgdirectory.Queries{Pool: p.db.Pool}
	for id, want := range map[string]bool{"mf-boss": true, "mf-report": false, "mf-self": false, "mf-lonely": false, "mf-second": false} {
		l, err := q.Learner(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if l.IsManager != want {
			t.Errorf("%s: IsManager %v, want %v", id, l.IsManager, want)
		}
	}
	if reports, err := q.Reports(ctx, "mf-boss"); err != nil || len(reports) != 2 {
		t.Errorf("mf-boss's reports: %d, %v; want 2", len(reports), err)
	}

	tables := []string{"learners", "managers"}
	live := testenv.DumpSchema(t, ctx, p.db.Pool, "rm_directory", tables...)
	proj, err := p.app.Runner.Find(pgdirectory.Name)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.app.Runner.Rebuild(ctx, proj); err != nil {
		t.Fatal(err)
	}
	if rebuilt := testenv.DumpSchema(t, ctx, p.db.Pool, "rm_directory", tables...); rebuilt != live {
		t.Errorf("rebuilt directory differs from live:\n%s\nlive:\n%s", rebuilt, live)
	}
}

// TestCachedPageRowsFollowEvents: a signed-in page's learner, gate and
// frame rows come from the process's cache (internal/readcache) while the
// read models are unchanged, and from the read model on the first request
// after an event changed them, with no message to the process: the epoch
// comes with the session. Here the events are appended straight to the
// store, as another process (or the admin API) would.
func TestCachedPageRowsFollowEvents(t *testing.T) {
	t.Parallel()
	p := start(t)
	ctx := context.Background()
	b := p.browser(t)
	signIn(t, p, b, sam)
	for range 3 { // warm the cache
		if r := b.get("/courses"); r.status != 200 || !strings.Contains(r.body, `lang="en"`) {
			t.Fatalf("/courses: %d", r.status)
		}
	}
	change := func(e domain.Event) {
		t.Helper()
		if _, err := p.app.Repo.Append(ctx, tenancy.ClientStream("acme"), eventstore.Any, eventstore.Metadata{ActorID: "test"}, e); err != nil {
			t.Fatal(err)
		}
		p.waitProjections(t)
	}
	change(tenancy.ClientPortalSwitched{ClientID: "acme", Enabled: false, At: p.clock.Now()})
	if r := b.get("/courses"); r.status != 403 || !strings.Contains(r.body, "switched the learning portal off") {
		t.Fatalf("after the portal was switched off: %d, want the portal-off page", r.status)
	}
	change(tenancy.ClientPortalSwitched{ClientID: "acme", Enabled: true, At: p.clock.Now()})
	change(tenancy.ClientLanguageSet{ClientID: "acme", Language: "de", At: p.clock.Now()})
	if r := b.get("/courses"); r.status != 200 || !strings.Contains(r.body, `<html lang="de"`) {
		t.Fatalf("after the client chose German: %d, want a German page", r.status)
	}
	// Signing out takes effect at once: sessions are never cached.
	token := b.csrf("/courses")
	if r := b.post("/signout", url.Values{}, token); r.status != 303 {
		t.Fatalf("sign out: %d", r.status)
	}
	if r := b.get("/courses"); r.status != 303 {
		t.Fatalf("/courses after signing out: %d, want a redirect to sign in", r.status)
	}
}

// TestLeaderboardRankOutsideTheTop: a learner below the shown rows gets
// their own row and rank, the same as their place in the whole ranking;
// one who has not completed the course has none.
func TestLeaderboardRankOutsideTheTop(t *testing.T) {
	t.Parallel()
	p := start(t)
	bigClient(t, p, 40) // learner i took 5+i minutes, so big-000i is ranked i+1
	ctx := context.Background()
	q := pgprogress.Queries{Pool: p.db.Pool}
	all, err := q.Leaderboard(ctx, "bigco", "spotting-phishing", 100)
	if err != nil || len(all) != 40 {
		t.Fatalf("the whole leaderboard: %d rows, %v", len(all), err)
	}
	for _, i := range []int{0, 24, 25, 30, 39} {
		id := fmt.Sprintf("big-%05d", i)
		e, ok, err := q.LeaderboardRank(ctx, "bigco", "spotting-phishing", id)
		if err != nil || !ok {
			t.Fatalf("%s: %v, %v", id, ok, err)
		}
		if e.Rank != i+1 || all[i].LearnerID != id || all[i].Rank != e.Rank || e.TimeTakenSecs != all[i].TimeTakenSecs || e.Name != all[i].Name {
			t.Errorf("%s: rank %d (%s, %ds); in the whole ranking: %+v", id, e.Rank, e.Name, e.TimeTakenSecs, all[i])
		}
	}
	if _, ok, err := q.LeaderboardRank(ctx, "bigco", "passwords-and-mfa", "big-00003"); err != nil || ok {
		t.Errorf("a course not completed: ok %v, %v; want no row", ok, err)
	}
}

// TestCachedLeaderboardFollowsCompletions: the leaderboard is cached per
// client and course (internal/readcache) until someone completes the
// course: the first request after a colleague's completion, appended
// straight to the store as another process would, shows them.
func TestCachedLeaderboardFollowsCompletions(t *testing.T) {
	t.Parallel()
	p := start(t)
	bigClient(t, p, 3)
	b := p.browser(t)
	signIn(t, p, b, "big-00001@bigco.example")
	rows := func() int {
		t.Helper()
		r := b.get("/leaderboard?course=spotting-phishing")
		if r.status != 200 {
			t.Fatalf("/leaderboard: %d", r.status)
		}
		return strings.Count(r.body, `class="rankrow`)
	}
	for range 3 { // warm the cache
		if n := rows(); n != 3 {
			t.Fatalf("%d rows, want 3", n)
		}
	}
	bigLearner(t, p, 3)
	p.waitProjections(t)
	if n := rows(); n != 4 {
		t.Fatalf("after a colleague completed the course: %d rows, want 4", n)
	}
}

// TestCachedLearnerRowsFollowEvents: a learner's own assignments and
// policy requests are cached per learner (internal/readcache), at their
// own epochs, which the projections count up for every batch that changed
// that learner's rows. Progress saved by another process (straight to the
// store) and a policy signed in another session both show on the very
// next page of this one.
func TestCachedLearnerRowsFollowEvents(t *testing.T) {
	t.Parallel()
	p := start(t)
	ctx := context.Background()
	b := p.browser(t)
	signIn(t, p, b, sam)
	q := pgprogress.Queries{Pool: p.db.Pool}
	list, err := q.ForLearner(ctx, "acme-sam")
	if err != nil {
		t.Fatal(err)
	}
	var a progress.Assignment
	for _, x := range list {
		if x.IsDue(p.clock.Now()) && x.StartedAt == nil && x.Lessons > 1 {
			a = x
		}
	}
	if a.ID == "" {
		t.Fatal("the seed gives Sam no due course left to start")
	}
	percent := func() string {
		t.Helper()
		r := b.get("/courses/due")
		if r.status != 200 {
			t.Fatalf("/courses/due: %d", r.status)
		}
		return r.body
	}
	for range 3 { // warm the cache
		percent()
	}
	meta := eventstore.Metadata{ActorID: "another-process"}
	if _, err := p.app.Training.Start(ctx, "acme-sam", a.ID, meta); err != nil {
		t.Fatal(err)
	}
	pos, err := p.app.Training.SaveProgress(ctx, "acme-sam", a.ID, 1, meta)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.app.Runner.WaitFor(ctx, pos); err != nil {
		t.Fatal(err)
	}
	now, err := q.ForLearner(ctx, "acme-sam")
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range now {
		if x.ID == a.ID {
			a = x
		}
	}
	want := fmt.Sprintf(`aria-valuenow="%d"`, a.Percent())
	if a.Percent() == 0 || !strings.Contains(percent(), want) {
		t.Fatalf("after lesson 1 of %d was saved elsewhere, the next page does not show %s", a.Lessons, want)
	}

	signed := func() int {
		t.Helper()
		r := b.get("/policies")
		if r.status != 200 {
			t.Fatalf("/policies: %d", r.status)
		}
		return strings.Count(r.body, "Signed ")
	}
	before := signed()
	signed() // cached now
	other := p.browser(t)
	signIn(t, p, other, sam)
	token := other.csrf("/policies/" + seed.OutstandingPolicyID)
	if r := other.post("/policies/"+seed.OutstandingPolicyID+"/sign", url.Values{"version": {"1"}, "accept": {"yes"}, "name": {"Sam Learner"}}, token); r.status != 303 {
		t.Fatalf("sign in the other session: %d", r.status)
	}
	if after := signed(); after != before+1 {
		t.Fatalf("after signing in another session: %d signed policies shown, want %d", after, before+1)
	}

	// My Stats: the learner's stats, breach counts and phishing results.
	number := func(body, re string) int {
		t.Helper()
		m := regexp.MustCompile(re).FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("no %s on My Stats", re)
		}
		n, _ := strconv.Atoi(m[1])
		return n
	}
	const breachesRe, receivedRe, riskRe = `breachstat-n">(\d+)<`, `tile-num">(\d+)</span><span class="tile-label">simulations received`, `riskscore-num">(\d+)<`
	stats := func() string {
		t.Helper()
		r := b.get("/stats")
		if r.status != 200 {
			t.Fatalf("/stats: %d", r.status)
		}
		return r.body
	}
	first := stats()
	stats() // cached now
	tok := p.token(t, "northwind")
	if code, out := p.api(t, tok, "POST", "/api/v1/clients/acme/breaches", records(breachJSON(sam, "Cached1", `"Passwords"`))); code != 200 || out["new"] != 1.0 {
		t.Fatalf("ingest: %d %v", code, out)
	}
	p.waitProjections(t)
	second := stats()
	if got, was := number(second, breachesRe), number(first, breachesRe); got != was+1 {
		t.Fatalf("after a new breach: %d active breaches shown, want %d", got, was+1)
	}
	if number(second, riskRe) == number(first, riskRe) {
		t.Fatalf("after a password breach the risk score shown is still %d", number(second, riskRe))
	}
	if code, out := p.api(t, tok, "POST", phishingPath, campaign("Cached2", phishingJSON("acme-sam", `"delivered":true`))); code != 200 || out["new"] != 1.0 {
		t.Fatalf("phishing: %d %v", code, out)
	}
	p.waitProjections(t)
	if got, was := number(stats(), receivedRe), number(second, receivedRe); got != was+1 {
		t.Fatalf("after a new simulation: %d received shown, want %d", got, was+1)
	}
}
