package training_test

import (
	"errors"
	"testing"
	"time"

	dom "github.com/awareportal/portal/domain/learning"
	"github.com/awareportal/portal/internal/eventstore"
	"github.com/awareportal/portal/internal/servicetest"
	"github.com/awareportal/portal/internal/testenv"
	"github.com/awareportal/portal/internal/training"
	"github.com/awareportal/portal/projections/directory/pgdirectory"
	"github.com/awareportal/portal/projections/progress/pgprogress"
)

func TestMain(m *testing.M) { testenv.Main(m) }

type fixture struct {
	*servicetest.Fixture
	svc *training.Service
}

func newFixture(t *testing.T) fixture {
	f := servicetest.New(t)
	return fixture{Fixture: f, svc: &training.Service{Repo: f.Repo, Catalog: f.Catalog, Progress: pgprogress.Queries{Pool: f.Pool},
		Dir: pgdirectory.Queries{Pool: f.Pool}, Clock: f.Clock, BaseURL: f.BaseURL, Log: f.Log}}
}

// TestAssignIsIdempotentPerRequest: the same request assigns once and
// answers with the same assignment; another request skips the learner who
// has the course open.
func TestAssignIsIdempotentPerRequest(t *testing.T) {
	f := newFixture(t)
	in := training.AssignInput{CourseID: "spotting-phishing", LearnerIDs: []string{"acme-riley"}, DueAt: f.Clock.Now().Add(30 * 24 * time.Hour), AssignedBy: "test"}
	first, err := f.svc.Assign(f.Ctx, "req-1", in, eventstore.Metadata{})
	if err != nil || len(first.AssignmentIDs) != 1 {
		t.Fatalf("assign: %+v %v", first, err)
	}
	f.Settle(t, first.Position)
	again, err := f.svc.Assign(f.Ctx, "req-1", in, eventstore.Metadata{})
	if err != nil || len(again.AssignmentIDs) != 1 || again.AssignmentIDs[0] != first.AssignmentIDs[0] || len(again.Skipped) != 0 {
		t.Fatalf("the same request again: %+v %v", again, err)
	}
	other, err := f.svc.Assign(f.Ctx, "req-2", in, eventstore.Metadata{})
	if err != nil || len(other.AssignmentIDs) != 0 || len(other.Skipped) != 1 {
		t.Fatalf("another request for an open course: %+v %v", other, err)
	}
}

// TestCourseThroughTheService: start, lessons one at a time, quiz; someone
// else's assignment is not found.
func TestCourseThroughTheService(t *testing.T) {
	f := newFixture(t)
	in := training.AssignInput{CourseID: "spotting-phishing", LearnerIDs: []string{"acme-riley"}, DueAt: f.Clock.Now().Add(30 * 24 * time.Hour), AssignedBy: "test"}
	out, err := f.svc.Assign(f.Ctx, "req-1", in, eventstore.Metadata{})
	if err != nil {
		t.Fatal(err)
	}
	f.Settle(t, out.Position)
	id := out.AssignmentIDs[0]
	if _, err := f.svc.Load(f.Ctx, "acme-sam", id); !errors.Is(err, training.ErrNotYours) {
		t.Fatalf("someone else's assignment: %v", err)
	}
	if _, err := f.svc.Start(f.Ctx, "acme-riley", id, eventstore.Metadata{}); err != nil {
		t.Fatal(err)
	}
	ld, err := f.svc.Load(f.Ctx, "acme-riley", id)
	if err != nil {
		t.Fatal(err)
	}
	var locked dom.ErrLessonLocked
	if _, err := f.svc.SaveProgress(f.Ctx, "acme-riley", id, len(ld.Course.Lessons), eventstore.Metadata{}); !errors.As(err, &locked) {
		t.Fatalf("jump to the quiz: %v", err)
	}
	var pos eventstore.Position
	for i := 1; i <= len(ld.Course.Lessons); i++ {
		if pos, err = f.svc.SaveProgress(f.Ctx, "acme-riley", id, i, eventstore.Metadata{}); err != nil {
			t.Fatalf("lesson %d: %v", i, err)
		}
	}
	f.Settle(t, pos)
	if ld, err = f.svc.Load(f.Ctx, "acme-riley", id); err != nil {
		t.Fatal(err)
	}
	res, err := f.svc.SubmitQuiz(f.Ctx, ld, ld.Course.Quiz.Key(), eventstore.Metadata{})
	if err != nil || res.Completed == nil || res.Completed.Score != 100 || res.Completed.Attempts != 1 {
		t.Fatalf("quiz: %+v %v", res, err)
	}
}
