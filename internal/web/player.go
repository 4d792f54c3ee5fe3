package web

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	dom "github.com/awareportal/portal/domain/learning"
	"github.com/awareportal/portal/internal/i18n"
	"github.com/awareportal/portal/internal/training"
	"github.com/awareportal/portal/views"
)

// loadCourse loads the learner's assignment named in the URL.
func (s *Server) loadCourse(c *fiber.Ctx) (training.Loaded, error) {
	l, _ := learnerOf(c)
	ld, err := s.Training.Load(c.UserContext(), l.ID, c.Params("id"))
	if errors.Is(err, training.ErrNotYours) {
		return training.Loaded{}, fiber.ErrNotFound
	}
	return ld, err
}

// player builds the player at the assignment's saved place.
// The course's words are in the request's language when it has them (ids
// are the same in every language), else in English, marked as such.
func (s *Server) player(ctx context.Context, ld training.Loaded, csrf string) views.Player {
	a := ld.Assignment
	course, lang := courseIn(ctx, ld.Course)
	steps := len(course.Lessons) + 1
	pl := views.Player{AssignmentID: a.ID, CourseTitle: course.Title, Lang: lang, Step: a.Lesson + 1, Steps: steps, Percent: a.Percent(), CSRF: csrf}
	if a.Lesson < len(course.Lessons) {
		lesson := course.Lessons[a.Lesson]
		pl.Lesson = &views.PlayerLesson{Index: a.Lesson, Title: lesson.Title, HTML: string(lesson.HTML), IsFirst: a.Lesson == 0}
		if lesson.Video != "" {
			pl.Lesson.Video = "/course-assets/" + course.ID + "/" + strconv.Itoa(course.Version) + "/" + lesson.Video
		}
		return pl
	}
	pl.Quiz = &views.PlayerQuiz{PassMark: course.Quiz.PassMark}
	for _, q := range course.Quiz.Questions {
		qq := views.QuizQuestion{ID: q.ID, Text: q.Text}
		for _, ch := range q.Choices {
			qq.Choices = append(qq.Choices, views.QuizChoice{ID: ch.ID, Text: ch.Text})
		}
		pl.Quiz.Questions = append(pl.Quiz.Questions, qq)
	}
	return pl
}

// openCourse opens the player at the learner's place (recording the
// first open), or the completion screen for a finished course.
func (s *Server) openCourse(c *fiber.Ctx) error {
	ld, err := s.loadCourse(c)
	if err != nil {
		return err
	}
	if ld.Assignment.Completed() {
		return s.renderCompletion(c, ld)
	}
	if ld.Assignment.StartedAt == nil {
		l, _ := learnerOf(c)
		pos, err := s.Training.Start(c.UserContext(), l.ID, ld.Assignment.ID, s.meta(c))
		if errors.Is(err, dom.ErrNotAvailable) {
			tr := i18n.From(c.UserContext())
			return fiber.NewError(fiber.StatusForbidden, tr.T("player.opens_on", "Date", tr.LongDate(ld.Assignment.AvailableFrom.In(l.Location()))))
		}
		if err != nil {
			return err
		}
		s.waitFor(c, pos)
		if ld, err = s.loadCourse(c); err != nil {
			return err
		}
	}
	return s.renderPlayer(c, fiber.StatusOK, s.player(c.UserContext(), ld, s.csrfToken(c)))
}

func (s *Server) renderPlayer(c *fiber.Ctx, status int, pl views.Player) error {
	p, err := s.learnerPage(c, pl.CourseTitle, "courses", nil)
	if err != nil {
		return err
	}
	return render(c, status, views.PlayerPage(p, pl), views.PlayerPanel(pl))
}

// saveProgress moves to another lesson (or the quiz) and saves the place.
func (s *Server) saveProgress(c *fiber.Ctx) error {
	lesson, err := strconv.Atoi(c.FormValue("lesson"))
	if err != nil {
		return fiber.NewError(fiber.StatusBadRequest, i18n.T(c.UserContext(), "player.which_lesson"))
	}
	l, _ := learnerOf(c)
	pos, err := s.Training.SaveProgress(c.UserContext(), l.ID, c.Params("id"), lesson, s.meta(c))
	if err != nil {
		return progressError(c, err)
	}
	s.waitFor(c, pos)
	ld, err := s.loadCourse(c)
	if err != nil {
		return err
	}
	if ld.Assignment.Completed() {
		return s.renderCompletion(c, ld)
	}
	return s.renderPlayer(c, fiber.StatusOK, s.player(c.UserContext(), ld, s.csrfToken(c)))
}

// exitCourse saves the place and goes back to the courses. A course not
// started has no place to save: it just goes back.
func (s *Server) exitCourse(c *fiber.Ctx) error {
	if lesson, err := strconv.Atoi(c.FormValue("lesson")); err == nil {
		l, _ := learnerOf(c)
		pos, err := s.Training.SaveProgress(c.UserContext(), l.ID, c.Params("id"), lesson, s.meta(c))
		if err != nil && !errors.Is(err, dom.ErrNotStarted) {
			return progressError(c, err)
		}
		s.waitFor(c, pos)
	}
	return redirect(c, "/courses")
}

// progressError answers a refused move in the player: someone else's or an
// unknown course is not found; a course not started, or a lesson not yet
// open, is a conflict that says what to do.
func progressError(c *fiber.Ctx, err error) error {
	var locked dom.ErrLessonLocked
	switch {
	case errors.Is(err, training.ErrNotYours), errors.Is(err, dom.ErrNoAssignment):
		return fiber.ErrNotFound
	case errors.Is(err, dom.ErrNotStarted):
		return userError(c, fiber.StatusConflict, i18n.T(c.UserContext(), "player.not_started"))
	case errors.As(err, &locked):
		tr := i18n.From(c.UserContext())
		if locked.Next < locked.Lessons {
			return userError(c, fiber.StatusConflict, tr.T("player.locked.lesson", "Lesson", tr.Number(locked.Next+1)))
		}
		return userError(c, fiber.StatusConflict, tr.T("player.locked.quiz"))
	}
	return err
}

// userError is a 4xx with a message for the person. htmx does not swap
// error answers, so for htmx requests the message also travels as a toast
// (static/app.js shows it instead of its generic text).
func userError(c *fiber.Ctx, status int, msg string) error {
	if isHTMX(c) {
		toast(c, msg)
	}
	return fiber.NewError(status, msg)
}

// submitQuiz scores the quiz on the server: a pass completes the course,
// a fail shows what was wrong and lets the learner try again.
func (s *Server) submitQuiz(c *fiber.Ctx) error {
	ld, err := s.loadCourse(c)
	if err != nil {
		return err
	}
	answers := map[string]string{}
	for _, q := range ld.Course.Quiz.Questions {
		if v := strings.TrimSpace(c.FormValue("q_" + q.ID)); v != "" {
			answers[q.ID] = v
		}
	}
	res, err := s.Training.SubmitQuiz(c.UserContext(), ld, answers, s.meta(c))
	var unanswered dom.ErrUnanswered
	switch {
	case errors.As(err, &unanswered):
		pl := s.player(c.UserContext(), ld, s.csrfToken(c))
		if pl.Quiz == nil {
			return userError(c, fiber.StatusConflict, i18n.T(c.UserContext(), "player.lessons_first"))
		}
		pl.Quiz.Error = i18n.N(c.UserContext(), "quiz.unanswered", len(unanswered.Questions))
		keepAnswers(pl.Quiz, answers, nil)
		return s.renderPlayer(c, fiber.StatusUnprocessableEntity, pl)
	case errors.Is(err, dom.ErrAlreadyCompleted):
		return redirect(c, "/learn/"+ld.Assignment.ID)
	case errors.Is(err, dom.ErrLessonsRemaining), errors.Is(err, dom.ErrNotStarted):
		return userError(c, fiber.StatusConflict, i18n.T(c.UserContext(), "player.lessons_first"))
	case err != nil:
		return err
	}
	s.waitFor(c, res.Position)
	if done := res.Completed; done != nil {
		// The completion panel, and the due banner around it brought up to
		// date (out of band): no second round trip.
		course, lang := courseIn(c.UserContext(), ld.Course)
		v := views.Completion{AssignmentID: done.AssignmentID, CourseTitle: course.Title, Lang: lang, Attempts: done.Attempts,
			Score: done.Score, TimeTaken: duration(i18n.From(c.UserContext()), done.TimeTakenSecs), OnTime: done.OnTime}
		p, err := s.learnerPage(c, course.Title, "courses", nil)
		if err != nil {
			return err
		}
		return render(c, fiber.StatusOK, views.CompletionPage(p, v), views.CompletionFragment(v, p.Banner))
	}
	pl := s.player(c.UserContext(), ld, s.csrfToken(c))
	sub := res.Submitted
	pl.Quiz.Result = &views.QuizResult{Score: sub.Score, PassMark: sub.PassMark, Correct: sub.Correct, Total: sub.Total, Attempt: sub.Attempt}
	keepAnswers(pl.Quiz, answers, ld.Course.Quiz.Key())
	course, _ := courseIn(c.UserContext(), ld.Course)
	for i, q := range course.Quiz.Questions {
		pl.Quiz.Questions[i].Explanation = q.Explanation
	}
	return s.renderPlayer(c, fiber.StatusOK, pl)
}

// keepAnswers puts the learner's answers back on the form (nothing typed is
// lost), marking wrong ones when the key is given.
func keepAnswers(q *views.PlayerQuiz, answers, key map[string]string) {
	for i := range q.Questions {
		id := q.Questions[i].ID
		q.Questions[i].Chosen = answers[id]
		if key != nil {
			q.Questions[i].Wrong = answers[id] != key[id]
			q.Questions[i].Marked = answers[id] != ""
		}
	}
}

func (s *Server) renderCompletion(c *fiber.Ctx, ld training.Loaded) error {
	a := ld.Assignment
	course, lang := courseIn(c.UserContext(), ld.Course)
	done := views.Completion{AssignmentID: a.ID, CourseTitle: course.Title, Lang: lang, Attempts: a.Attempts}
	if a.Score != nil {
		done.Score = *a.Score
	}
	if a.TimeTakenSecs != nil {
		done.TimeTaken = duration(i18n.From(c.UserContext()), *a.TimeTakenSecs)
	}
	if a.OnTime != nil {
		done.OnTime = *a.OnTime
	}
	p, err := s.learnerPage(c, course.Title, "courses", nil)
	if err != nil {
		return err
	}
	return render(c, fiber.StatusOK, views.CompletionPage(p, done), views.CompletionPanel(done))
}
