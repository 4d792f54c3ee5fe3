package web

import (
	"bufio"
	"context"
	"errors"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/awareportal/portal/domain/staff"
	"github.com/awareportal/portal/domain/tenancy"
	"github.com/awareportal/portal/internal/audit"
	"github.com/awareportal/portal/internal/eventstore"
	"github.com/awareportal/portal/projections/directory"
	"github.com/awareportal/portal/projections/timeline"
	"github.com/awareportal/portal/views"
)

const keyStaff ctxKey = 200

// staffCtx is a signed-in staff member and what they may see.
type staffCtx struct {
	Name, Email string
	Role        staff.Role // support outranks auditor when both are held
	PartnerID   string
	Clients     []directory.Client // in scope
}

func (sc staffCtx) inScope(clientID string) bool {
	return slices.ContainsFunc(sc.Clients, func(c directory.Client) bool { return c.ID == clientID })
}

func (sc staffCtx) clientIDs() []string {
	ids := make([]string, len(sc.Clients))
	for i, c := range sc.Clients {
		ids[i] = c.ID
	}
	return ids
}

// requireStaff lets through staff only; a learner gets 403. What a staff
// member may see comes from the grants their session holds (see
// auth.Service.StaffRoles), each checked against the partner that made it.
func (s *Server) requireStaff(c *fiber.Ctx) error {
	sess, ok := sessionOf(c)
	if !ok {
		return redirect(c, "/signin")
	}
	roles, err := s.Auth.StaffRoles(c.UserContext(), sess)
	if err != nil {
		return err
	}
	if len(roles) == 0 {
		return fiber.NewError(fiber.StatusForbidden, "The staff area is for support staff and auditors.")
	}
	sc := staffCtx{Name: roles[0].Name, Email: sess.Email, PartnerID: roles[0].PartnerID, Role: staff.RoleAuditor}
	seen := map[string]bool{}
	for _, r := range roles {
		if r.PartnerID != sc.PartnerID {
			continue // one partner per staff session; the first grant's
		}
		if staff.Role(r.Role) == staff.RoleSupport {
			sc.Role = staff.RoleSupport
			all, err := s.Dir.Clients(c.UserContext(), r.PartnerID)
			if err != nil {
				return err
			}
			for _, cl := range all {
				if !seen[cl.ID] {
					seen[cl.ID] = true
					sc.Clients = append(sc.Clients, cl)
				}
			}
		} else if !seen[r.ClientID] {
			cl, err := s.Dir.Client(c.UserContext(), r.ClientID)
			if errors.Is(err, directory.ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			if cl.PartnerID != r.PartnerID {
				continue // a grant can only cover the granting partner's clients
			}
			seen[cl.ID] = true
			sc.Clients = append(sc.Clients, cl)
		}
	}
	c.Locals(keyStaff, sc)
	return c.Next()
}

func staffOf(c *fiber.Ctx) staffCtx {
	sc, _ := c.Locals(keyStaff).(staffCtx)
	return sc
}

func (s *Server) staffPage(c *fiber.Ctx, title, nav string) (views.Page, error) {
	sc := staffOf(c)
	partner, err := s.Dir.Partner(c.UserContext(), sc.PartnerID)
	if err != nil {
		return views.Page{}, err
	}
	p := s.page(c, title, brandOf(partner))
	p.User = &views.User{Name: sc.Name, Email: sc.Email, Organisation: partner.Name + " · " + string(sc.Role)}
	p.StaffNav, p.Nav = true, nav
	return p, nil
}

func (sc staffCtx) scopeText(partner string) string {
	if sc.Role == staff.RoleSupport {
		return "Support for every client of " + partner
	}
	names := make([]string, len(sc.Clients))
	for i, c := range sc.Clients {
		names[i] = c.Name
	}
	return "Auditor for " + strings.Join(names, ", ") + " (read-only)"
}

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

// personInScope loads the learner in the URL if the staff may see them.
func (s *Server) personInScope(c *fiber.Ctx, id string) (timeline.Person, error) {
	person, err := s.Timeline.Person(c.UserContext(), id)
	if errors.Is(err, timeline.ErrNotFound) || (err == nil && !staffOf(c).inScope(person.ClientID)) {
		return timeline.Person{}, fiber.ErrNotFound
	}
	return person, err
}

// staffSubject checks every id a staff request carries against the staff's
// scope: a learner outside it, a client outside it, or a learner who is
// not at the named client are all 404, the same as ids that do not exist.
// It returns the learner (zero when none was named).
func (s *Server) staffSubject(c *fiber.Ctx, learnerID, clientID string) (timeline.Person, error) {
	if clientID != "" && !staffOf(c).inScope(clientID) {
		return timeline.Person{}, fiber.ErrNotFound
	}
	if learnerID == "" {
		return timeline.Person{}, nil
	}
	person, err := s.personInScope(c, learnerID)
	if err != nil {
		return timeline.Person{}, err
	}
	if clientID != "" && person.ClientID != clientID {
		return timeline.Person{}, fiber.ErrNotFound
	}
	return person, nil
}

// recordLook records that staff looked at a learner's data.
func (s *Server) recordLook(c *fiber.Ctx, person timeline.Person, what string) error {
	sc := staffOf(c)
	meta := s.meta(c)
	meta.ActorID, meta.TenantID = "staff:"+sc.Email, sc.PartnerID
	res, err := s.Repo.Append(c.UserContext(), staff.AccessStream(person.ID), eventstore.Any, meta, staff.UserViewed{
		LearnerID: person.ID, ClientID: person.ClientID, StaffEmail: sc.Email, StaffName: sc.Name, Role: sc.Role,
		What: what, Reason: strings.TrimSpace(c.Query("reason")), At: s.Clock.Now(),
	})
	if err != nil {
		return err
	}
	s.waitForAll(c.UserContext(), res.Position)
	return nil
}

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

func (s *Server) timelineRows(c *fiber.Ctx, learnerID string, f timeline.Filter, own bool, path string) ([]views.TimelineRow, string, error) {
	entries, cursor, err := s.Timeline.Entries(c.UserContext(), learnerID, f, timelinePage)
	if err != nil {
		return nil, "", err
	}
	rows := make([]views.TimelineRow, len(entries))
	for i, e := range entries {
		rows[i] = describe(e, own)
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
		rows, next, err := s.timelineRows(c, person.ID, f, false, path)
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
	rows, next, err := s.timelineRows(c, person.ID, f, false, path)
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

// myActivity is a learner's own history (without staff notes).
func (s *Server) myActivity(c *fiber.Ctx) error {
	l, _ := learnerOf(c)
	f, cats, from, to := timelineFilter(c)
	f.NoStaff = true
	cats = slices.DeleteFunc(cats, func(o views.CategoryOption) bool { return o.ID == timeline.CatStaff })
	rows, next, err := s.timelineRows(c, l.ID, f, true, "/activity")
	if err != nil {
		return err
	}
	if f.Before != "" {
		return render(c, fiber.StatusOK, views.TimelineRows(rows, next), views.TimelineRows(rows, next))
	}
	p, err := s.learnerPage(c, "My activity", "activity", nil)
	if err != nil {
		return err
	}
	v := views.TimelineView{Own: true, Categories: cats, From: from, To: to, Rows: rows, Next: next, BaseURL: "/activity"}
	return render(c, fiber.StatusOK, views.TimelinePage(p, v), nil)
}

// asOf replays a learner's or client's state at an instant.
func (s *Server) asOf(c *fiber.Ctx) error {
	sc := staffOf(c)
	p, err := s.staffPage(c, "As of", "asof")
	if err != nil {
		return err
	}
	v := views.AsOfView{Scope: sc.scopeText(p.Brand.Name), LearnerID: c.Query("learner"), ClientID: c.Query("client"), At: c.Query("at"), Basis: c.Query("basis")}
	for _, cl := range sc.Clients {
		v.Clients = append(v.Clients, views.CourseOption{ID: cl.ID, Title: cl.Name, Selected: cl.ID == v.ClientID})
	}
	person, err := s.staffSubject(c, v.LearnerID, v.ClientID)
	if err != nil {
		return err
	}
	scope := audit.Scope{ClientID: v.ClientID}
	if person.ID != "" {
		// One learner's history: never the union with a whole client's.
		scope = audit.Scope{LearnerID: person.ID}
		v.Scope = "For " + person.Name + " (" + person.Email + ")"
	}
	if v.At == "" {
		v.At = s.Clock.Now().UTC().Format("2006-01-02T15:04")
		return render(c, fiber.StatusOK, views.AsOfPage(p, v), nil)
	}
	at, err := time.Parse("2006-01-02T15:04", v.At)
	if err != nil {
		v.Error = "Give the instant as a date and time."
		return render(c, fiber.StatusUnprocessableEntity, views.AsOfPage(p, v), nil)
	}
	if scope.LearnerID == "" && scope.ClientID == "" {
		v.Error = "Pick a client."
		return render(c, fiber.StatusUnprocessableEntity, views.AsOfPage(p, v), nil)
	}
	if person.ID != "" {
		if err := s.recordLook(c, person, "history as of "+at.Format("2 Jan 2006 15:04")); err != nil {
			return err
		}
	}
	basis := audit.Occurred
	if v.Basis == "recorded" {
		basis = audit.Recorded
	}
	st, err := audit.AsOf(c.UserContext(), s.Pool, s.Repo.Codec, scope, at, basis)
	if err != nil {
		return err
	}
	v.Done, v.Events = true, st.Events
	for _, l := range st.Learners {
		al := views.AsOfLearner{Name: l.Name, Email: l.Email, Risk: l.Risk, Band: l.Band, Assigned: l.Assigned, Completed: l.Completed, AvgScore: "—"}
		if l.Completed > 0 {
			al.AvgScore = strconv.Itoa(int(l.AvgScore+0.5)) + "%"
		}
		for _, cs := range l.Courses {
			ac := views.AsOfCourse{Title: cs.Title, Status: cs.Status, Due: cs.DueAt.Format("2 Jan 2006")}
			if cs.CompletedAt != nil {
				ac.Completed, ac.Score, ac.Certificate = cs.CompletedAt.Format("2 Jan 2006 15:04"), strconv.Itoa(cs.Score)+"%", cs.CertificateID
			}
			al.Courses = append(al.Courses, ac)
		}
		v.Learners = append(v.Learners, al)
	}
	return render(c, fiber.StatusOK, views.AsOfPage(p, v), nil)
}

// export streams a client's or a learner's history as CloudEvents JSON
// Lines or CSV, row by row.
func (s *Server) export(c *fiber.Ctx) error {
	format := audit.Format(c.Query("format", "jsonl"))
	if format != audit.JSONLines && format != audit.CSV {
		return fiber.NewError(fiber.StatusBadRequest, "format must be jsonl or csv")
	}
	person, err := s.staffSubject(c, c.Query("learner"), c.Query("client"))
	if err != nil {
		return err
	}
	var learners, extra []string
	var name string
	switch {
	case person.ID != "":
		if err := s.recordLook(c, person, "history export"); err != nil {
			return err
		}
		learners, name = []string{person.ID}, person.ID
	case c.Query("client") != "":
		ids, err := s.Timeline.LearnersOfClient(c.UserContext(), c.Query("client"))
		if err != nil {
			return err
		}
		learners, name, extra = ids, c.Query("client"), []string{tenancy.ClientStream(c.Query("client"))}
	default:
		return fiber.NewError(fiber.StatusBadRequest, "Say whose history: learner=… or client=… (one of yours).")
	}
	streams, err := s.Timeline.StreamsOf(c.UserContext(), learners)
	if err != nil {
		return err
	}
	streams = append(streams, extra...)
	sel := audit.Selection{Streams: streams}
	if t, err := time.Parse("2006-01-02", c.Query("from")); err == nil {
		sel.From = t
	}
	if t, err := time.Parse("2006-01-02", c.Query("to")); err == nil {
		sel.To = t.Add(24 * time.Hour)
	}
	ext, ctype := "jsonl", "application/x-ndjson"
	if format == audit.CSV {
		ext, ctype = "csv", "text/csv; charset=utf-8"
	}
	c.Set(fiber.HeaderContentType, ctype)
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="history-`+name+`.`+ext+`"`)
	c.Set(fiber.HeaderCacheControl, "no-store")
	source := s.BaseURL.String()
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		if _, err := audit.Export(ctx, s.Pool, sel, format, source, w); err != nil {
			s.Log.Error("export failed", "err", err)
		}
		_ = w.Flush()
	})
	return nil
}

// waitForAll waits briefly until every projection has applied pos.
func (s *Server) waitForAll(ctx context.Context, pos eventstore.Position) {
	if pos == (eventstore.Position{}) {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if err := s.Runner.WaitFor(ctx, pos); err != nil {
		s.Log.Warn("read models lagging", "err", err)
	}
}
