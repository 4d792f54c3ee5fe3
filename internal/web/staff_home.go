package web

import (
	"net/url"
	"time"

	"github.com/awareportal/portal/internal/when"

	"github.com/gofiber/fiber/v2"

	"github.com/awareportal/portal/domain/staff"
	"github.com/awareportal/portal/views"
)

// staffHome searches for a user by email or name within the staff's clients.
func (s *Server) staffHome(c *fiber.Ctx) error {
	sc := staffOf(c)
	p, err := s.staffPage(c, "Find a user", "staff")
	if err != nil {
		return err
	}
	h := views.StaffHome{Scope: sc.scopeText(p.Brand.Name), Query: c.Query("q"), Reason: c.Query("reason")}
	if sc.Role == staff.RoleSupport {
		parked, total, err := s.Runner.ParkedOfTenant(c.UserContext(), sc.PartnerID, 20)
		if err != nil {
			return err
		}
		h.ParkedTotal = total
		for _, pk := range parked {
			h.Parked = append(h.Parked, views.ParkedRow{When: when.Stamp(pk.ParkedAt, time.UTC), ReadModel: pk.Projection,
				Type: pk.Type, Stream: pk.Stream, Error: trimText(pk.Error, 300)})
		}
	}
	if h.Query != "" {
		h.Searched = true
		people, err := s.Timeline.Search(c.UserContext(), sc.clientIDs(), h.Query, 50)
		if err != nil {
			return err
		}
		names := map[string]string{}
		for _, cl := range sc.Clients {
			names[cl.ID] = cl.Name
		}
		for _, person := range people {
			href := "/staff/users/" + url.PathEscape(person.ID)
			if h.Reason != "" {
				href += "?reason=" + url.QueryEscape(h.Reason)
			}
			h.Results = append(h.Results, views.PersonRow{ID: person.ID, Name: person.Name, Email: person.Email, Organisation: names[person.ClientID], Href: href})
		}
	}
	return render(c, fiber.StatusOK, views.StaffHomePage(p, h), nil)
}

// trimText cuts s to at most n characters.
func trimText(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
