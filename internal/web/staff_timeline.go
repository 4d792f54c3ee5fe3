package web

import (
	"net/url"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/awareportal/portal/views"
)

// userTimeline is a user's history, for support staff and auditors. A
// first look (not paging or filtering) is recorded in the user's history.
func (s *Server) userTimeline(c *fiber.Ctx) error {
	person, err := s.personInScope(c, c.Params("id"))
	if err != nil {
		return err
	}
	zone := s.zoneOf(c, person.ClientID)
	f, filter := timelineFilter(c, zone)
	path := "/staff/users/" + url.PathEscape(person.ID)
	if f.Before != "" {
		rows, next, err := s.timelineRows(c, person.ID, zone, f, false, path)
		if err != nil {
			return err
		}
		return render(c, fiber.StatusOK, views.TimelineRows(rows, next), views.TimelineRows(rows, next))
	}
	if !isHTMX(c) {
		if err := s.recordLook(c, person, "timeline"); err != nil {
			return err
		}
	}
	rows, next, err := s.timelineRows(c, person.ID, zone, f, false, path)
	if err != nil {
		return err
	}
	p, err := s.staffPage(c, person.Name, "staff")
	if err != nil {
		return err
	}
	org := ""
	for _, cl := range staffOf(c).Clients {
		if cl.ID == person.ClientID {
			org = cl.Name
		}
	}
	v := views.TimelineView{
		Person: views.PersonRow{ID: person.ID, Name: person.Name, Email: person.Email, Organisation: org},
		Filter: filter, Rows: rows, Next: next, BaseURL: path,
		ExportURL: "/staff/export?learner=" + url.QueryEscape(person.ID), AsOfURL: "/staff/asof?learner=" + url.QueryEscape(person.ID),
	}
	return render(c, filterStatus(filter), views.TimelinePage(p, v), nil)
}

// zoneOf is a client's time zone (UTC when it cannot be read: dates are
// then shown a few hours off, not refused).
func (s *Server) zoneOf(c *fiber.Ctx, clientID string) *time.Location {
	cl, err := s.Dir.Client(c.UserContext(), clientID)
	if err != nil {
		s.Log.Warn("client time zone", "client", clientID, "err", err)
		return time.UTC
	}
	return cl.Location()
}
