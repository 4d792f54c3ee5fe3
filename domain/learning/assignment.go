package learning

import (
	"errors"
	"fmt"
	"time"

	"github.com/awareportal/portal/domain"
)

var (
	ErrAlreadyAssigned  = errors.New("assignment already exists")
	ErrNoAssignment     = errors.New("no such assignment")
	ErrNotAvailable     = errors.New("this course is not available yet")
	ErrNotStarted       = errors.New("the course has not been started")
	ErrLessonsRemaining = errors.New("finish the lessons before the quiz")
	ErrAlreadyCompleted = errors.New("the course is already completed")
	ErrNotCompleted     = errors.New("the course is not completed yet")
	ErrDueBeforeStart   = errors.New("the due date must be after the available-from date")
)

// ErrLessonLocked is a move past the next lesson: lessons open one at a
// time, in order.
type ErrLessonLocked struct {
	// Next is the furthest lesson the learner may open now (0-based; the
	// number of lessons means the quiz).
	Next, Lessons int
}

func (e ErrLessonLocked) Error() string {
	if e.Next >= e.Lessons {
		return "lessons open one at a time: the quiz is next"
	}
	return fmt.Sprintf("lessons open one at a time: lesson %d of %d is next", e.Next+1, e.Lessons)
}

// ErrUnanswered lists the quiz questions left unanswered.
type ErrUnanswered struct{ Questions []string }

func (e ErrUnanswered) Error() string {
	return fmt.Sprintf("answer every question (%d left)", len(e.Questions))
}

// Assignment is the assignment aggregate.
type Assignment struct {
	CourseAssigned
	Notified      bool
	Overdue       bool
	Started       bool
	StartedAt     time.Time
	Lesson        int // where the learner is (Lessons: at the quiz)
	Furthest      int // the furthest lesson reached
	Attempts      int
	Completed     bool
	Score         int
	CertificateID string
}

// Apply folds an event into the assignment.
func (a *Assignment) Apply(e domain.Event) {
	switch ev := e.(type) {
	case CourseAssigned:
		a.CourseAssigned = ev
	case CourseBecameAvailable:
		a.Notified = true
	case CourseBecameOverdue:
		a.Overdue = true
	case CourseStarted:
		a.Started, a.StartedAt = true, ev.At
	case ProgressSaved:
		a.Lesson, a.Furthest = ev.Lesson, max(a.Furthest, ev.Lesson)
	case QuizSubmitted:
		a.Attempts = ev.Attempt
	case CourseCompleted:
		a.Completed, a.Score, a.CertificateID = true, ev.Score, ev.CertificateID
	}
}

// Exists reports whether the assignment was made.
func (a *Assignment) Exists() bool { return a.AssignmentID != "" }

// Assign makes a new assignment.
func Assign(a *Assignment, in CourseAssigned, now time.Time) ([]domain.Event, error) {
	if a.Exists() {
		return nil, ErrAlreadyAssigned
	}
	if in.AvailableFrom.IsZero() {
		in.AvailableFrom = now
	}
	if !in.DueAt.After(in.AvailableFrom) {
		return nil, ErrDueBeforeStart
	}
	in.At = now
	return []domain.Event{in}, nil
}

// Start opens the course; opening it again is a no-op.
func (a *Assignment) Start(now time.Time) ([]domain.Event, error) {
	switch {
	case !a.Exists():
		return nil, ErrNoAssignment
	case now.Before(a.AvailableFrom):
		return nil, ErrNotAvailable
	case a.Started || a.Completed:
		return nil, nil
	}
	return []domain.Event{CourseStarted{AssignmentID: a.AssignmentID, LearnerID: a.LearnerID, At: now}}, nil
}

// SaveProgress records the learner's place; lesson == Lessons means the
// quiz. The learner moves one lesson at a time: to any lesson already
// reached, or to the one after the furthest reached, so the quiz opens
// only after the last lesson.
func (a *Assignment) SaveProgress(lesson int, now time.Time) ([]domain.Event, error) {
	switch {
	case !a.Exists():
		return nil, ErrNoAssignment
	case !a.Started:
		return nil, ErrNotStarted
	case a.Completed:
		return nil, nil
	}
	lesson = max(0, lesson)
	if next := min(a.Furthest+1, a.Lessons); lesson > next {
		return nil, ErrLessonLocked{Next: next, Lessons: a.Lessons}
	}
	if lesson == a.Lesson {
		return nil, nil
	}
	return []domain.Event{ProgressSaved{AssignmentID: a.AssignmentID, LearnerID: a.LearnerID, Lesson: lesson, Of: a.Lessons, At: now}}, nil
}

// SubmitQuiz scores answers against key (question id -> right choice id).
// Attempts can be repeated until one passes; the first passing attempt
// completes the course and its score is the one that counts.
func (a *Assignment) SubmitQuiz(answers, key map[string]string, certificateID string, now time.Time) ([]domain.Event, error) {
	switch {
	case !a.Exists():
		return nil, ErrNoAssignment
	case !a.Started:
		return nil, ErrNotStarted
	case a.Completed:
		return nil, ErrAlreadyCompleted
	case a.Lesson < a.Lessons:
		return nil, ErrLessonsRemaining
	}
	var missing []string
	correct := 0
	kept := make(map[string]string, len(key))
	for q, right := range key {
		got, ok := answers[q]
		if !ok || got == "" {
			missing = append(missing, q)
			continue
		}
		kept[q] = got
		if got == right {
			correct++
		}
	}
	if len(missing) > 0 {
		return nil, ErrUnanswered{Questions: missing}
	}
	score := (correct*100 + len(key)/2) / len(key)
	sub := QuizSubmitted{
		AssignmentID: a.AssignmentID, LearnerID: a.LearnerID, Attempt: a.Attempts + 1, Answers: kept,
		Correct: correct, Total: len(key), Score: score, PassMark: a.PassMark, Passed: score >= a.PassMark, At: now,
	}
	if !sub.Passed {
		return []domain.Event{sub}, nil
	}
	done := CourseCompleted{
		AssignmentID: a.AssignmentID, LearnerID: a.LearnerID, ClientID: a.ClientID, CourseID: a.CourseID, CourseTitle: a.CourseTitle,
		Score: score, Attempts: sub.Attempt, StartedAt: a.StartedAt, TimeTakenSecs: int64(now.Sub(a.StartedAt) / time.Second),
		OnTime: !now.After(a.DueAt), CertificateID: certificateID, At: now,
	}
	return []domain.Event{sub, done}, nil
}

// MarkAvailable records that the course became available and the learner
// was emailed; before the date, or twice, it does nothing.
func (a *Assignment) MarkAvailable(mailID string, now time.Time) []domain.Event {
	if !a.Exists() || a.Notified || now.Before(a.AvailableFrom) {
		return nil
	}
	return []domain.Event{CourseBecameAvailable{AssignmentID: a.AssignmentID, LearnerID: a.LearnerID, MailID: mailID, At: now}}
}

// MarkOverdue records that the due date passed before completion.
func (a *Assignment) MarkOverdue(now time.Time) []domain.Event {
	if !a.Exists() || a.Overdue || a.Completed || now.Before(a.DueAt) {
		return nil
	}
	return []domain.Event{CourseBecameOverdue{AssignmentID: a.AssignmentID, LearnerID: a.LearnerID, DueAt: a.DueAt, At: now}}
}

// RequestCertificate records a request for the certificate by email;
// repeating it re-sends.
func (a *Assignment) RequestCertificate(mailID string, now time.Time) ([]domain.Event, error) {
	if !a.Completed {
		return nil, ErrNotCompleted
	}
	return []domain.Event{CertificateRequested{AssignmentID: a.AssignmentID, LearnerID: a.LearnerID, CertificateID: a.CertificateID, MailID: mailID, At: now}}, nil
}
