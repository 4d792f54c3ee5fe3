package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/awareportal/portal/projections/directory"
	"github.com/awareportal/portal/views"
)

// showCourses is the learner's home.
func (s *Server) showCourses(c *fiber.Ctx) error {
	l, _ := learnerOf(c)
	partner, err := s.Dir.Partner(c.UserContext(), l.PartnerID)
	if err != nil {
		return err
	}
	p := s.page(c, "Courses", brandOf(partner))
	p.Nav = "courses"
	home := views.CoursesHome{FirstName: l.FirstName, Organisation: l.ClientName}
	return render(c, fiber.StatusOK, views.CoursesPage(p, home), views.CoursesPanel(home))
}

// showPortalOff tells a learner their organisation switched the portal off.
func (s *Server) showPortalOff(c *fiber.Ctx, l directory.Learner) error {
	partner, err := s.Dir.Partner(c.UserContext(), l.PartnerID)
	if err != nil {
		return err
	}
	return render(c, fiber.StatusForbidden, views.PortalOffPage(s.page(c, "Portal switched off", brandOf(partner)), l.ClientName), nil)
}
