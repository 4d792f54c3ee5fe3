package web

import (
	"net/url"
	"slices"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/awareportal/portal/projections/timeline"
	"github.com/awareportal/portal/views"
)

// timelineFilter reads the filter form.
func timelineFilter(c *fiber.Ctx) (timeline.Filter, []views.CategoryOption, string, string) {
	var f timeline.Filter
	args := c.Context().QueryArgs()
	for _, v := range args.PeekMulti("cat") {
		f.Categories = append(f.Categories, string(v))
	}
	opts := make([]views.CategoryOption, len(timelineCategories))
	for i, cat := range timelineCategories {
		opts[i] = views.CategoryOption{ID: cat.id, Label: cat.label, Checked: len(f.Categories) == 0 || slices.Contains(f.Categories, cat.id)}
	}
	from, to := c.Query("from"), c.Query("to")
	if t, err := time.Parse("2006-01-02", from); err == nil {
		f.From = t
	} else {
		from = ""
	}
	if t, err := time.Parse("2006-01-02", to); err == nil {
		f.To = t.Add(24 * time.Hour)
	} else {
		to = ""
	}
	f.Before = c.Query("before")
	return f, opts, from, to
}

// nextURL is the same query with the cursor moved on.
func nextURL(c *fiber.Ctx, path, cursor string) string {
	if cursor == "" {
		return ""
	}
	q, _ := url.ParseQuery(string(c.Context().QueryArgs().QueryString()))
	q.Set("before", cursor)
	q.Del("reason")
	return path + "?" + q.Encode()
}

const timelinePage = 50

func (s *Server) timelineRows(c *fiber.Ctx, learnerID string, loc *time.Location, f timeline.Filter, own bool, path string) ([]views.TimelineRow, string, error) {
	entries, cursor, err := s.Timeline.Entries(c.UserContext(), learnerID, f, timelinePage)
	if err != nil {
		return nil, "", err
	}
	rows := make([]views.TimelineRow, len(entries))
	for i, e := range entries {
		rows[i] = describe(e, own, loc)
	}
	return rows, nextURL(c, path, cursor), nil
}

// userTimeline is a user's history, for support staff and auditors. A
// first look (not paging or filtering) is recorded in the user's history.
func (s *Server) userTimeline(c *fiber.Ctx) error {
	person, err := s.personInScope(c, c.Params("id"))
	if err != nil {
		return err
	}
	f, cats, from, to := timelineFilter(c)
	path := "/staff/users/" + url.PathEscape(person.ID)
	if f.Before != "" {
		rows, next, err := s.timelineRows(c, person.ID, s.zoneOf(c, person.ClientID), f, false, path)
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
	rows, next, err := s.timelineRows(c, person.ID, s.zoneOf(c, person.ClientID), f, false, path)
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
		Person:     views.PersonRow{ID: person.ID, Name: person.Name, Email: person.Email, Organisation: org},
		Categories: cats, From: from, To: to, Rows: rows, Next: next, BaseURL: path,
		ExportURL: "/staff/export?learner=" + url.QueryEscape(person.ID), AsOfURL: "/staff/asof?learner=" + url.QueryEscape(person.ID),
	}
	return render(c, fiber.StatusOK, views.TimelinePage(p, v), nil)
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
