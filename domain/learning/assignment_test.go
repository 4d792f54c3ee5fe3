package learning_test

import (
	"errors"
	"testing"
	"time"

	"github.com/awareportal/portal/domain"
	"github.com/awareportal/portal/domain/learning"
)

var (
	t0  = time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	key = map[string]string{"q1": "b", "q2": "b", "q3": "b", "q4": "a"}
)

func given(events ...domain.Event) *learning.Assignment {
	a := &learning.Assignment{}
	for _, e := range events {
		a.Apply(e)
	}
	return a
}

var assigned = learning.CourseAssigned{AssignmentID: "as-1", LearnerID: "sam", ClientID: "acme", CourseID: "spotting-phishing", CourseVersion: 1,
	CourseTitle: "Spotting Phishing", Lessons: 3, PassMark: 75, AvailableFrom: t0, DueAt: t0.Add(14 * 24 * time.Hour)}

func atQuiz() *learning.Assignment {
	return given(assigned,
		learning.CourseStarted{AssignmentID: "as-1", At: t0.Add(time.Hour)},
		learning.ProgressSaved{AssignmentID: "as-1", Lesson: 3})
}

func TestAssign(t *testing.T) {
	bad := assigned
	bad.DueAt = t0
	if _, err := learning.Assign(given(), bad, t0); !errors.Is(err, learning.ErrDueBeforeStart) {
		t.Fatalf("due before available: %v", err)
	}
	if _, err := learning.Assign(given(assigned), assigned, t0); !errors.Is(err, learning.ErrAlreadyAssigned) {
		t.Fatalf("twice: %v", err)
	}
}

func TestStartOnlyWhenAvailable(t *testing.T) {
	a := given(assigned)
	if _, err := a.Start(t0.Add(-time.Minute)); !errors.Is(err, learning.ErrNotAvailable) {
		t.Fatalf("early start: %v", err)
	}
	evs, err := a.Start(t0)
	if err != nil || len(evs) != 1 {
		t.Fatalf("start: %v %v", evs, err)
	}
	a.Apply(evs[0])
	if again, _ := a.Start(t0); len(again) != 0 {
		t.Fatal("second start recorded")
	}
}

func TestQuizNeedsLessonsAndEveryAnswer(t *testing.T) {
	a := given(assigned, learning.CourseStarted{AssignmentID: "as-1", At: t0})
	if _, err := a.SubmitQuiz(key, key, "c", t0); !errors.Is(err, learning.ErrLessonsRemaining) {
		t.Fatalf("quiz before lessons: %v", err)
	}
	var unanswered learning.ErrUnanswered
	if _, err := atQuiz().SubmitQuiz(map[string]string{"q1": "b"}, key, "c", t0); !errors.As(err, &unanswered) || len(unanswered.Questions) != 3 {
		t.Fatalf("partial answers: %v", err)
	}
}

func TestFailThenPass(t *testing.T) {
	a := atQuiz()
	// Two of four right: 50%, below the pass mark of 75.
	evs, err := a.SubmitQuiz(map[string]string{"q1": "b", "q2": "b", "q3": "a", "q4": "b"}, key, "cert-1", t0.Add(2*time.Hour))
	if err != nil || len(evs) != 1 {
		t.Fatalf("failed attempt: %v %v", evs, err)
	}
	sub := evs[0].(learning.QuizSubmitted)
	if sub.Passed || sub.Score != 50 || sub.Attempt != 1 {
		t.Fatalf("failed attempt = %+v", sub)
	}
	a.Apply(sub)

	evs, err = a.SubmitQuiz(map[string]string{"q1": "b", "q2": "b", "q3": "b", "q4": "b"}, key, "cert-1", t0.Add(3*time.Hour))
	if err != nil || len(evs) != 2 {
		t.Fatalf("passing attempt: %v %v", evs, err)
	}
	done := evs[1].(learning.CourseCompleted)
	if done.Score != 75 || done.Attempts != 2 || done.TimeTakenSecs != 2*3600 || !done.OnTime || done.CertificateID != "cert-1" {
		t.Fatalf("completed = %+v", done)
	}
	for _, e := range evs {
		a.Apply(e)
	}
	if _, err := a.SubmitQuiz(key, key, "cert-2", t0); !errors.Is(err, learning.ErrAlreadyCompleted) {
		t.Fatalf("after completion: %v", err)
	}
	if evs, err := a.RequestCertificate("mail-1", t0); err != nil || evs[0].(learning.CertificateRequested).CertificateID != "cert-1" {
		t.Fatalf("certificate: %v %v", evs, err)
	}
}

func TestLateCompletionIsNotOnTime(t *testing.T) {
	evs, _ := atQuiz().SubmitQuiz(key, key, "c", assigned.DueAt.Add(time.Hour))
	if evs[1].(learning.CourseCompleted).OnTime {
		t.Fatal("late completion counted as on time")
	}
}

func TestAvailabilityAndOverdueAreRecordedOnce(t *testing.T) {
	a := given(assigned)
	if evs := a.MarkAvailable("m", t0.Add(-time.Hour)); len(evs) != 0 {
		t.Fatal("available before its date")
	}
	evs := a.MarkAvailable("m", t0)
	if len(evs) != 1 {
		t.Fatal("not marked available")
	}
	a.Apply(evs[0])
	if len(a.MarkAvailable("m", t0)) != 0 {
		t.Fatal("available twice")
	}
	if len(a.MarkOverdue(assigned.DueAt.Add(-time.Second))) != 0 {
		t.Fatal("overdue early")
	}
	evs = a.MarkOverdue(assigned.DueAt)
	if len(evs) != 1 {
		t.Fatal("not overdue at the due date")
	}
	a.Apply(evs[0])
	if len(a.MarkOverdue(assigned.DueAt.Add(time.Hour))) != 0 {
		t.Fatal("overdue twice")
	}
}

func TestCertificateNeedsCompletion(t *testing.T) {
	if _, err := atQuiz().RequestCertificate("m", t0); !errors.Is(err, learning.ErrNotCompleted) {
		t.Fatalf("err = %v", err)
	}
}

func TestLessonsOpenOneAtATime(t *testing.T) {
	// Given a started three-lesson course, when the learner jumps past the
	// next lesson (or straight to the quiz), then nothing is recorded and
	// the error names the lesson that is next.
	a := given(assigned, learning.CourseStarted{AssignmentID: "as-1", At: t0})
	for _, jump := range []int{2, 3, 99} {
		var locked learning.ErrLessonLocked
		if evs, err := a.SaveProgress(jump, t0); !errors.As(err, &locked) || locked.Next != 1 || len(evs) != 0 {
			t.Fatalf("jump to %d: %v %v", jump, evs, err)
		}
	}
	// When they move on one lesson at a time, then each step is recorded.
	for lesson := 1; lesson <= 3; lesson++ {
		evs, err := a.SaveProgress(lesson, t0)
		if err != nil || len(evs) != 1 || evs[0].(learning.ProgressSaved).Lesson != lesson {
			t.Fatalf("step to %d: %v %v", lesson, evs, err)
		}
		a.Apply(evs[0])
	}
	// Going back to a lesson already reached is fine, and so is returning
	// to the quiz from there: it was reached before.
	for _, lesson := range []int{0, 3} {
		evs, err := a.SaveProgress(lesson, t0)
		if err != nil || len(evs) != 1 {
			t.Fatalf("back to %d: %v %v", lesson, evs, err)
		}
		a.Apply(evs[0])
	}
	if _, err := a.SaveProgress(4, t0); !errors.As(err, new(learning.ErrLessonLocked)) {
		t.Fatalf("past the quiz: %v", err)
	}
}

func TestQuizOpensOnlyAfterTheLastLesson(t *testing.T) {
	// Given a learner who read the first lesson only, when they submit the
	// quiz, then it is refused.
	a := given(assigned, learning.CourseStarted{AssignmentID: "as-1", At: t0}, learning.ProgressSaved{AssignmentID: "as-1", Lesson: 1})
	if _, err := a.SaveProgress(3, t0); err == nil {
		t.Fatal("moved to the quiz from lesson 2 of 3")
	}
	if _, err := a.SubmitQuiz(key, key, "c", t0); !errors.Is(err, learning.ErrLessonsRemaining) {
		t.Fatalf("quiz after one lesson: %v", err)
	}
	// And before starting at all, progress is refused as not started.
	if _, err := given(assigned).SaveProgress(1, t0); !errors.Is(err, learning.ErrNotStarted) {
		t.Fatalf("progress before start: %v", err)
	}
}
