package app_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/awareportal/portal/domain"
	dir "github.com/awareportal/portal/domain/directory"
	dom "github.com/awareportal/portal/domain/learning"
	"github.com/awareportal/portal/domain/onboarding"
	"github.com/awareportal/portal/domain/tenancy"
	"github.com/awareportal/portal/internal/eventstore"
)

// bigClient adds a client of n learners, each with three assignments: one
// completed (with a spread of completion times, for the leaderboard), one
// in progress and one due.
func bigClient(b testing.TB, p *portal, n int) string {
	b.Helper()
	ctx := context.Background()
	repo, now, meta := p.app.Repo, p.clock.Now(), eventstore.Metadata{ActorID: "bench"}
	if _, err := repo.Append(ctx, tenancy.ClientStream("bigco"), eventstore.NoStream, meta,
		tenancy.ClientRegistered{ClientID: "bigco", PartnerID: "northwind", Name: "BigCo", PortalEnabled: true, At: now}); err != nil {
		b.Fatal(err)
	}
	for i := range n {
		bigLearner(b, p, i)
	}
	p.waitProjections(b)
	return "big-00042"
}

// bigLearner adds learner i to bigClient's client: through onboarding,
// with one course completed in 5+i minutes (i < 997), one in progress and
// one due.
func bigLearner(b testing.TB, p *portal, i int) {
	b.Helper()
	ctx := context.Background()
	repo, now, meta := p.app.Repo, p.clock.Now(), eventstore.Metadata{ActorID: "bench"}
	courses := []string{"spotting-phishing", "passwords-and-mfa", "social-engineering"}
	id := fmt.Sprintf("big-%05d", i)
	if _, err := repo.Append(ctx, dir.LearnerStream(id), eventstore.NoStream, meta, dir.LearnerProvisioned{
		LearnerID: id, ClientID: "bigco", Email: id + "@bigco.example", FirstName: "Learner", LastName: fmt.Sprint(i), Source: dir.SourceManual, At: now}); err != nil {
		b.Fatal(err)
	}
	for k, cid := range courses {
		course, _ := p.app.Catalog.Latest(cid)
		aid := fmt.Sprintf("%s-%d", id, k)
		start := now.Add(-time.Duration(30-k) * 24 * time.Hour)
		var a dom.Assignment
		var evs []domain.Event
		add := func(e []domain.Event, err error) {
			if err != nil {
				b.Fatal(err)
			}
			for _, x := range e {
				a.Apply(x)
			}
			evs = append(evs, e...)
		}
		add(dom.Assign(&a, dom.CourseAssigned{AssignmentID: aid, LearnerID: id, ClientID: "bigco", CourseID: cid, CourseVersion: 1,
			CourseTitle: course.Title, Lessons: len(course.Lessons), PassMark: course.Quiz.PassMark,
			AvailableFrom: start, DueAt: start.Add(40 * 24 * time.Hour)}, start))
		add(a.MarkAvailable("", start), nil)
		if k < 2 {
			add(a.Start(start))
			for l := 1; l <= len(course.Lessons); l++ { // lessons open one at a time
				add(a.SaveProgress(l, start.Add(time.Duration(l)*time.Minute)))
			}
		}
		if k == 0 {
			done := start.Add(time.Duration(5+i%997) * time.Minute)
			add(a.SubmitQuiz(course.Quiz.Key(), course.Quiz.Key(), fmt.Sprintf("C-BENCH%05d", i), done))
		}
		if _, err := repo.Append(ctx, dom.Stream(aid), eventstore.NoStream, meta, evs...); err != nil {
			b.Fatal(err)
		}
	}
	// Through Northwind's onboarding, so the portal's pages open.
	var done []domain.Event
	for _, m := range []string{"welcome", "report-phishing", "stop-look-report", "acceptable-use"} {
		done = append(done, onboarding.ModuleCompleted{LearnerID: id, ModuleID: m, At: now})
	}
	if _, err := repo.Append(ctx, onboarding.ProgressStream(id), eventstore.NoStream, meta, done...); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkCoursesPage: a learner at a client of 5,000 learners loads the
// Courses page, full HTTP round trip (session, read models, render).
func BenchmarkCoursesPage(b *testing.B) {
	p := start(b)
	learner := bigClient(b, p, 5000)
	br := p.browser(b)
	signIn(b, p, br, learner+"@bigco.example")
	b.ResetTimer()
	for range b.N {
		if r := br.get("/courses"); r.status != 200 || !strings.Contains(r.body, "Passwords and Multi-Factor") {
			b.Fatalf("courses: %d", r.status)
		}
	}
}

// BenchmarkOnboardingGate: what every learner page pays for the
// onboarding gate, at the same client of 5,000 learners: one primary-key
// lookup of the learner's gate row.
func BenchmarkOnboardingGate(b *testing.B) {
	p := start(b)
	learner := bigClient(b, p, 5000)
	ctx := context.Background()
	b.ResetTimer()
	for range b.N {
		if pending, err := p.app.Welcome.Pending(ctx, learner); err != nil || pending {
			b.Fatalf("gate: pending %v, %v", pending, err)
		}
	}
}

// BenchmarkLeaderboard: the same learner opens a course's leaderboard, which
// ranks all 5,000 completions of the client.
func BenchmarkLeaderboard(b *testing.B) {
	p := start(b)
	learner := bigClient(b, p, 5000)
	br := p.browser(b)
	signIn(b, p, br, learner+"@bigco.example")
	b.ResetTimer()
	for range b.N {
		if r := br.get("/leaderboard?course=spotting-phishing"); r.status != 200 || !strings.Contains(r.body, "rankrow-you") {
			b.Fatalf("leaderboard: %d", r.status)
		}
	}
}
