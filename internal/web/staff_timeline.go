package web

import (
	"net/url"
	"slices"
	"time"

	"github.com/awareportal/portal/internal/when"

	"github.com/gofiber/fiber/v2"

	"github.com/awareportal/portal/projections/timeline"
	"github.com/awareportal/portal/views"
)

// timelineFilter reads the filter form; its days are days in loc (the
// client's zone), written in the portal's date style. A day that can't be
// read is left out of the filter and named in the answer.
func timelineFilter(c *fiber.Ctx, loc *time.Location) (timeline.Filter, views.TimelineFilter) {
	var f timeline.Filter
	args := c.Context().QueryArgs()
	for _, v := range args.PeekMulti("cat") {
		f.Categories = append(f.Categories, string(v))
	}
	v := views.TimelineFilter{From: c.Query("from"), To: c.Query("to"), Zone: loc.String()}
	v.Categories = make([]views.CategoryOption, len(timelineCategories))
	for i, cat := range timelineCategories {
		v.Categories[i] = views.CategoryOption{ID: cat.id, Label: cat.label, Checked: len(f.Categories) == 0 || slices.Contains(f.Categories, cat.id)}
	}
	if from, err := when.ParseDay(v.From, loc); err != nil {
		v.FromError = "From: " + err.Error() + "."
	} else if !from.IsZero() {
		f.From, v.From = from, from.Format(when.DayStyle)
	}
	if to, err := when.ParseDay(v.To, loc); err != nil {
		v.ToError = "To: " + err.Error() + "."
	} else if !to.IsZero() {
		f.To, v.To = to.AddDate(0, 0, 1), to.Format(when.DayStyle)
	}
	f.Before = c.Query("before")
	return f, v
}

// filterStatus is 422 when a filter day could not be read, so the page
// says so (its form swaps refusals in).
func filterStatus(v views.TimelineFilter) int {
	if v.FromError != "" || v.ToError != "" {
		return fiber.StatusUnprocessableEntity
	}
	return fiber.StatusOK
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
