package seed

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/awareportal/portal/domain"
	dom "github.com/awareportal/portal/domain/learning"
	"github.com/awareportal/portal/internal/catalog"
	"github.com/awareportal/portal/internal/eventstore"
)

// story is one learner's history with one course, in days relative to the
// seed time (negative: in the past).
type story struct {
	learner, course string
	assigned, due   float64 // days
	available       float64 // days; defaults to assigned
	started         float64 // 0: never started
	lessonsRead     int     // lessons read so far (when not completed)
	failFirst       bool    // fail the quiz once before passing
	wrongOnPass     int     // wrong answers on the passing attempt
	completedAfter  float64 // days after start; 0: not completed
}

const never = 0

func day(d float64) time.Duration { return time.Duration(d * float64(24*time.Hour)) }

// demoStories gives Acme a year of training: Sam has done two courses,
// is part-way through a third, is overdue on a fourth and has one coming.
// Colleagues finished at different speeds, for the leaderboard.
var demoStories = []story{
	{"acme-sam", "spotting-phishing", -60, -46, 0, -59, 0, true, 0, 40.0 / 60 / 24},
	{"acme-sam", "passwords-and-mfa", -40, -20, 0, -26, 0, false, 1, 1.0 / 24},
	{"acme-sam", "social-engineering", -20, 5, 0, -2, 2, false, 0, never},
	{"acme-sam", "safe-browsing", -30, -3, 0, never, 0, false, 0, never},
	{"acme-sam", "reporting-incidents", -1, 30, 10, never, 0, false, 0, never},

	{"acme-riley", "spotting-phishing", -60, -46, 0, -60, 0, false, 0, 14.0 / 60 / 24},
	{"acme-riley", "passwords-and-mfa", -40, -20, 0, -39, 0, false, 0, 22.0 / 60 / 24},
	{"acme-riley", "social-engineering", -20, 5, 0, -19, 0, false, 0, 18.0 / 60 / 24},
	{"acme-avery", "spotting-phishing", -60, -46, 0, -50, 0, false, 1, 2.5},
	{"acme-avery", "passwords-and-mfa", -40, -20, 0, -30, 0, true, 1, 55.0 / 60 / 24},
	{"acme-avery", "safe-browsing", -30, -3, 0, -10, 1, false, 0, never},
	{"acme-jamie", "spotting-phishing", -60, -46, 0, -45, 0, false, 0, 26.0 / 60 / 24},
	{"acme-jamie", "passwords-and-mfa", -40, -20, 0, never, 0, false, 0, never},
	{"acme-morgan", "spotting-phishing", -60, -46, 0, -58, 0, false, 0, 3.0 / 24},
	{"acme-morgan", "passwords-and-mfa", -40, -20, 0, -21, 0, false, 0, 35.0 / 60 / 24},
	{"acme-jordan", "spotting-phishing", -30, 10, 0, never, 0, false, 0, never},
	{"globex-jordan", "passwords-and-mfa", -15, 15, 0, -14, 0, false, 0, 30.0 / 60 / 24},
	{"acme-new-hire", "spotting-phishing", -1.0 / 24, 30, 0, never, 0, false, 0, never},
}

// Progress plays the demo stories through the domain, with their dates.
func Progress(ctx context.Context, repo eventstore.Repository, cat *catalog.Catalog, clients map[string]string, now time.Time) error {
	meta := eventstore.Metadata{ActorID: "system:seed"}
	ns := uuid.MustParse("5b1d9f1e-2c5a-4c49-8d0f-3f7a8d1e0c21")
	for _, st := range demoStories {
		course, err := cat.Latest(st.course)
		if err != nil {
			return err
		}
		id := uuid.NewSHA1(ns, []byte(st.learner+"/"+st.course)).String()
		at := func(d float64) time.Time { return now.Add(day(d)).Truncate(time.Minute) }
		available := st.available
		if available == 0 {
			available = st.assigned
		}
		var a dom.Assignment
		step := func(t time.Time, decide func() ([]domain.Event, error)) error {
			evs, err := decide()
			if err != nil {
				return fmt.Errorf("seed %s: %w", id, err)
			}
			if len(evs) == 0 {
				return nil
			}
			for _, e := range evs {
				a.Apply(e)
			}
			_, err = repo.Append(ctx, dom.Stream(id), eventstore.Any, meta, evs...)
			return err
		}
		if err := step(at(st.assigned), func() ([]domain.Event, error) {
			return dom.Assign(&a, dom.CourseAssigned{
				AssignmentID: id, LearnerID: st.learner, ClientID: clients[st.learner], CourseID: course.ID, CourseVersion: course.Version,
				CourseTitle: course.Title, Lessons: len(course.Lessons), PassMark: course.Quiz.PassMark,
				AvailableFrom: at(available), DueAt: at(st.due), AssignedBy: "system:seed",
			}, at(st.assigned))
		}); err != nil {
			return err
		}
		if available > 0 {
			continue // upcoming
		}
		if err := step(at(available), func() ([]domain.Event, error) { return a.MarkAvailable("", at(available)), nil }); err != nil {
			return err
		}
		if st.started != never {
			start := at(st.started)
			if err := step(start, func() ([]domain.Event, error) { return a.Start(start) }); err != nil {
				return err
			}
			read := st.lessonsRead
			if st.completedAfter != never {
				read = len(course.Lessons)
			}
			for i := 1; i <= read; i++ {
				t := start.Add(time.Duration(i) * time.Minute)
				if st.completedAfter != never {
					t = start.Add(day(st.completedAfter) * time.Duration(i) / time.Duration(read+1))
				}
				if err := step(t, func() ([]domain.Event, error) { return a.SaveProgress(i, t) }); err != nil {
					return err
				}
			}
			if st.completedAfter != never {
				key := course.Quiz.Key()
				done := start.Add(day(st.completedAfter))
				if st.failFirst {
					wrong := answers(course, len(key)/2+1)
					t := done.Add(-2 * time.Minute)
					if err := step(t, func() ([]domain.Event, error) { return a.SubmitQuiz(wrong, key, "", t) }); err != nil {
						return err
					}
				}
				certID := "C-DEMO" + strings.ToUpper(uuid.NewSHA1(ns, []byte("cert/"+id)).String()[:8])
				if err := step(done, func() ([]domain.Event, error) {
					return a.SubmitQuiz(answers(course, st.wrongOnPass), key, certID, done)
				}); err != nil {
					return err
				}
			}
		}
		if due := at(st.due); due.Before(now) {
			if err := step(due, func() ([]domain.Event, error) { return a.MarkOverdue(due), nil }); err != nil {
				return err
			}
		}
	}
	return nil
}

// answers answers a course's quiz with the first wrong questions wrong.
func answers(c *catalog.Course, wrong int) map[string]string {
	out := map[string]string{}
	for i, q := range c.Quiz.Questions {
		out[q.ID] = q.Answer
		if i < wrong {
			for _, ch := range q.Choices {
				if ch.ID != q.Answer {
					out[q.ID] = ch.ID
					break
				}
			}
		}
	}
	return out
}
