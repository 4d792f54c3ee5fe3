package web

import (
	"net/url"

	"github.com/gofiber/fiber/v2"

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
