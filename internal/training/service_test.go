package training_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/url"
	"testing"
	"time"

	dom "github.com/awareportal/portal/domain/learning"
	"github.com/awareportal/portal/domain/registry"
	"github.com/awareportal/portal/internal/app"
	"github.com/awareportal/portal/internal/catalog"
	"github.com/awareportal/portal/internal/clock"
	"github.com/awareportal/portal/internal/es"
	"github.com/awareportal/portal/internal/eventstore"
	"github.com/awareportal/portal/internal/eventstore/memstore"
	"github.com/awareportal/portal/internal/seed"
	"github.com/awareportal/portal/internal/testenv"
	"github.com/awareportal/portal/internal/training"
	"github.com/awareportal/portal/projections"
	"github.com/awareportal/portal/projections/directory"
	"github.com/awareportal/portal/projections/progress"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// fixture is the training service on an in-memory event log, with its
// read models in PostgreSQL fed by the real projection runner.
type fixture struct {
	svc    *training.Service
	runner *projections.Runner
	clock  *clock.Fake
	ctx    context.Context
}

func newFixture(t *testing.T) fixture {
	t.Helper()
	db := testenv.DB(t)
	clk := clock.NewFake(time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC))
	store := memstore.New(clk.Now)
	repo := es.Repository{Store: store, Codec: registry.Codec()}
	cat, err := catalog.Load(catalog.Builtin())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	if _, err := seed.Demo(ctx, store, repo, cat, clk.Now()); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	runner := projections.NewRunner(db.Pool, store, repo.Codec, log, app.Projections()...)
	if err := runner.Setup(ctx); err != nil {
		t.Fatal(err)
	}
	go func() { _ = runner.Run(ctx) }()
	base, _ := url.Parse("http://localhost:8080")
	svc := &training.Service{Repo: repo, Catalog: cat, Progress: progress.Queries{Pool: db.Pool}, Dir: directory.Queries{Pool: db.Pool},
		Clock: clk, BaseURL: base, Log: log}
	f := fixture{svc: svc, runner: runner, clock: clk, ctx: ctx}
	last, err := store.ReadAll(ctx, eventstore.Start, 1<<20)
	if err != nil || len(last) == 0 {
		t.Fatalf("seeded log: %v", err)
	}
	f.settle(t, last[len(last)-1].Position)
	return f
}

func (f fixture) settle(t *testing.T, pos eventstore.Position) {
	t.Helper()
	ctx, cancel := context.WithTimeout(f.ctx, 30*time.Second)
	defer cancel()
	if err := f.runner.WaitFor(ctx, pos); err != nil {
		t.Fatal(err)
	}
}

// TestAssignIsIdempotentPerRequest: the same request assigns once and
// answers with the same assignment; another request skips the learner who
// has the course open.
func TestAssignIsIdempotentPerRequest(t *testing.T) {
	f := newFixture(t)
	in := training.AssignInput{CourseID: "spotting-phishing", LearnerIDs: []string{"acme-riley"}, DueAt: f.clock.Now().Add(30 * 24 * time.Hour), AssignedBy: "test"}
	first, err := f.svc.Assign(f.ctx, "req-1", in, eventstore.Metadata{})
	if err != nil || len(first.AssignmentIDs) != 1 {
		t.Fatalf("assign: %+v %v", first, err)
	}
	f.settle(t, first.Position)
	again, err := f.svc.Assign(f.ctx, "req-1", in, eventstore.Metadata{})
	if err != nil || len(again.AssignmentIDs) != 1 || again.AssignmentIDs[0] != first.AssignmentIDs[0] || len(again.Skipped) != 0 {
		t.Fatalf("the same request again: %+v %v", again, err)
	}
	other, err := f.svc.Assign(f.ctx, "req-2", in, eventstore.Metadata{})
	if err != nil || len(other.AssignmentIDs) != 0 || len(other.Skipped) != 1 {
		t.Fatalf("another request for an open course: %+v %v", other, err)
	}
}

// TestCourseThroughTheService: start, lessons one at a time, quiz; someone
// else's assignment is not found.
func TestCourseThroughTheService(t *testing.T) {
	f := newFixture(t)
	in := training.AssignInput{CourseID: "spotting-phishing", LearnerIDs: []string{"acme-riley"}, DueAt: f.clock.Now().Add(30 * 24 * time.Hour), AssignedBy: "test"}
	out, err := f.svc.Assign(f.ctx, "req-1", in, eventstore.Metadata{})
	if err != nil {
		t.Fatal(err)
	}
	f.settle(t, out.Position)
	id := out.AssignmentIDs[0]
	if _, err := f.svc.Load(f.ctx, "acme-sam", id); !errors.Is(err, training.ErrNotYours) {
		t.Fatalf("someone else's assignment: %v", err)
	}
	if _, err := f.svc.Start(f.ctx, "acme-riley", id, eventstore.Metadata{}); err != nil {
		t.Fatal(err)
	}
	ld, err := f.svc.Load(f.ctx, "acme-riley", id)
	if err != nil {
		t.Fatal(err)
	}
	var locked dom.ErrLessonLocked
	if _, err := f.svc.SaveProgress(f.ctx, "acme-riley", id, len(ld.Course.Lessons), eventstore.Metadata{}); !errors.As(err, &locked) {
		t.Fatalf("jump to the quiz: %v", err)
	}
	var pos eventstore.Position
	for i := 1; i <= len(ld.Course.Lessons); i++ {
		if pos, err = f.svc.SaveProgress(f.ctx, "acme-riley", id, i, eventstore.Metadata{}); err != nil {
			t.Fatalf("lesson %d: %v", i, err)
		}
	}
	f.settle(t, pos)
	if ld, err = f.svc.Load(f.ctx, "acme-riley", id); err != nil {
		t.Fatal(err)
	}
	res, err := f.svc.SubmitQuiz(f.ctx, ld, ld.Course.Quiz.Key(), eventstore.Metadata{})
	if err != nil || res.Completed == nil || res.Completed.Score != 100 || res.Completed.Attempts != 1 {
		t.Fatalf("quiz: %+v %v", res, err)
	}
}
