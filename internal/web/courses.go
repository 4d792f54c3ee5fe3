package web

import (
	"context"
	"slices"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/awareportal/portal/internal/i18n"
	"github.com/awareportal/portal/internal/when"
	"github.com/awareportal/portal/projections/directory"
	"github.com/awareportal/portal/projections/progress"
	"github.com/awareportal/portal/views"
)

// card turns an assignment into a course card, its dates in the learner's
// time zone and words in the context's language.
func (s *Server) card(ctx context.Context, a progress.Assignment, now time.Time, loc *time.Location) views.CourseCard {
	tr := i18n.From(ctx)
	c := views.CourseCard{
		AssignmentID: a.ID, Title: a.Title, DueLabel: when.Label(tr, a.DueAt, now, loc), Overdue: a.IsOverdue(now),
		Started: a.StartedAt != nil, Percent: a.Percent(), Lesson: a.Lesson, Lessons: a.Lessons, AvailableFrom: when.ShortIn(tr, a.AvailableFrom, now, loc), CertificateID: a.CertificateID,
	}
	if course, err := s.Catalog.Version(a.CourseID, a.CourseVersion); err == nil {
		view, lang := courseIn(ctx, course)
		c.Title, c.Summary, c.Minutes, c.Lang = view.Title, view.Summary, view.Minutes, lang
	}
	if a.CompletedAt != nil {
		c.CompletedOn = when.ShortIn(tr, *a.CompletedAt, now, loc)
	}
	if a.Score != nil {
		c.Score = *a.Score
	}
	return c
}

// showCourses is the learner's home: the one course to do next.
func (s *Server) showCourses(c *fiber.Ctx) error {
	l, _ := learnerOf(c)
	list, err := s.Progress.ForLearner(s.learnerReads(c), l.ID)
	if err != nil {
		return err
	}
	tr := i18n.From(c.UserContext())
	p, err := s.learnerPage(c, tr.T("courses.title"), "courses", list)
	if err != nil {
		return err
	}
	now := s.Clock.Now()
	home := views.CoursesHome{FirstName: l.FirstName, Organisation: l.ClientName}
	var due, upcoming []progress.Assignment
	for _, a := range list {
		switch {
		case a.IsDue(now):
			due = append(due, a)
		case a.IsUpcoming(now):
			upcoming = append(upcoming, a)
		case a.CompletedAt != nil && a.CompletedAt.Year() == now.Year():
			home.CompletedThisYear++
		}
	}
	// Overdue first, then soonest due: ForLearner is ordered by due date.
	if len(due) > 0 {
		next := s.card(c.UserContext(), due[0], now, l.Location())
		home.Next, home.MoreDue = &next, len(due)-1
	} else if len(upcoming) > 0 {
		slices.SortFunc(upcoming, func(a, b progress.Assignment) int { return a.AvailableFrom.Compare(b.AvailableFrom) })
		soon := s.card(c.UserContext(), upcoming[0], now, l.Location())
		home.Upcoming = &soon
	}
	if home.Policy, err = s.heroPolicy(c, home.Next != nil); err != nil {
		return err
	}
	return render(c, fiber.StatusOK, views.CoursesPage(p, home), views.CoursesPanel(home))
}

// showCourseTab is the full list: Due, Upcoming or Completed.
func (s *Server) showCourseTab(c *fiber.Ctx) error {
	tab := c.Params("tab")
	if tab != "due" && tab != "upcoming" && tab != "completed" {
		return fiber.ErrNotFound
	}
	l, _ := learnerOf(c)
	list, err := s.Progress.ForLearner(s.learnerReads(c), l.ID)
	if err != nil {
		return err
	}
	tr := i18n.From(c.UserContext())
	p, err := s.learnerPage(c, tr.T("courses.tabs.title"), "courses", list)
	if err != nil {
		return err
	}
	if c.Query("sent") != "" {
		p.Flash = tr.T("certificate_page.sent", "Email", l.Email)
	}
	now := s.Clock.Now()
	t := views.CourseTabs{Tab: tab}
	var completed []progress.Assignment
	for _, a := range list {
		switch {
		case a.CompletedAt != nil:
			t.Completed++
			completed = append(completed, a)
		case a.IsUpcoming(now):
			t.Upcoming++
			if tab == "upcoming" {
				t.Cards = append(t.Cards, s.card(c.UserContext(), a, now, l.Location()))
			}
		default:
			t.Due++
			if tab == "due" {
				t.Cards = append(t.Cards, s.card(c.UserContext(), a, now, l.Location()))
			}
		}
	}
	if tab == "completed" {
		slices.SortFunc(completed, func(a, b progress.Assignment) int { return b.CompletedAt.Compare(*a.CompletedAt) })
		for _, a := range completed {
			t.Cards = append(t.Cards, s.card(c.UserContext(), a, now, l.Location()))
		}
	}
	return render(c, fiber.StatusOK, views.CourseTabsPage(p, t), views.CourseTabsPanel(t))
}

// showPortalOff tells a learner their organisation switched the portal off.
func (s *Server) showPortalOff(c *fiber.Ctx, l directory.Learner) error {
	partner, err := s.Dir.Partner(c.UserContext(), l.PartnerID)
	if err != nil {
		return err
	}
	p := s.page(c, i18n.T(c.UserContext(), "courses.off.page_title"), brandOf(partner))
	p.PortalOff = true
	return render(c, fiber.StatusForbidden, views.PortalOffPage(p, l.ClientName), nil)
}
