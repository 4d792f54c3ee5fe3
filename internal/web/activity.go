package web

import (
	"slices"

	"github.com/gofiber/fiber/v2"

	"github.com/awareportal/portal/internal/i18n"
	"github.com/awareportal/portal/projections/timeline"
	"github.com/awareportal/portal/views"
)

// myActivity is a learner's own history (without staff notes).
func (s *Server) myActivity(c *fiber.Ctx) error {
	l, _ := learnerOf(c)
	f, filter := timelineFilter(c, l.Location())
	f.NoStaff = true
	filter.Categories = slices.DeleteFunc(filter.Categories, func(o views.CategoryOption) bool { return o.ID == timeline.CatStaff })
	rows, next, err := s.timelineRows(c, l.ID, l.Location(), f, true, "/activity")
	if err != nil {
		return err
	}
	if f.Before != "" {
		return render(c, fiber.StatusOK, views.TimelineRows(rows, next), views.TimelineRows(rows, next))
	}
	p, err := s.learnerPage(c, i18n.T(c.UserContext(), "activity.title"), "activity", nil)
	if err != nil {
		return err
	}
	v := views.TimelineView{Own: true, Filter: filter, Rows: rows, Next: next, BaseURL: "/activity"}
	return render(c, filterStatus(filter), views.TimelinePage(p, v), nil)
}
