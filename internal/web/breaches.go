package web

import (
	"errors"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	dom "github.com/awareportal/portal/domain/breach"
	"github.com/awareportal/portal/domain/tenancy"
	"github.com/awareportal/portal/internal/breaches"
	"github.com/awareportal/portal/internal/when"
	rm "github.com/awareportal/portal/projections/breaches"
	"github.com/awareportal/portal/projections/directory"
	"github.com/awareportal/portal/views"
)

// requireBreaches lets through learners with Dark Web Monitoring (the
// partner's and the client's switch on); for anyone else the Breaches page
// does not exist (404).
func (s *Server) requireBreaches(c *fiber.Ctx) error {
	l, ok := learnerOf(c)
	if !ok || s.Breaches == nil {
		return fiber.ErrNotFound
	}
	on, err := s.Breaches.Enabled(c.UserContext(), l)
	if err != nil {
		return err
	}
	if !on {
		return fiber.ErrNotFound
	}
	return c.Next()
}

// showBreaches lists the learner's breaches: active ones by tier, most
// serious first, each tier with what to do; then the resolved ones.
func (s *Server) showBreaches(c *fiber.Ctx) error {
	l, _ := learnerOf(c)
	list, counts, err := s.Breaches.List(c.UserContext(), l)
	if errors.Is(err, breaches.ErrNotFound) {
		return fiber.ErrNotFound
	}
	if err != nil {
		return err
	}
	p, err := s.learnerPage(c, "Breaches", "breaches", nil)
	if err != nil {
		return err
	}
	v := views.BreachesView{Email: l.Email, Count: views.BreachCount{Active: counts.Active, Resolved: len(list) - counts.Active}}
	groups := map[string]*views.BreachGroup{}
	for _, t := range dom.Tiers {
		groups[string(t)] = &views.BreachGroup{Tier: string(t), Title: t.Title(), Advice: t.Advice(), Tone: tierTone(t)}
	}
	now := s.Clock.Now()
	for _, e := range list {
		r := s.breachRow(e, p.CSRF, now, l.Location())
		if !e.Active() {
			v.Resolved = append(v.Resolved, r)
			continue
		}
		if g := groups[e.Tier]; g != nil {
			g.Rows = append(g.Rows, r)
		}
	}
	for _, t := range dom.Tiers {
		if g := groups[string(t)]; len(g.Rows) > 0 {
			v.Groups = append(v.Groups, *g)
		}
	}
	return render(c, fiber.StatusOK, views.BreachesPage(p, v), nil)
}

func tierTone(t dom.Tier) string {
	switch t {
	case dom.TierPassword:
		return "danger"
	case dom.TierPersonal:
		return "warn"
	default:
		return "neutral"
	}
}

// noteChoices are the ready-made notes; the tier's likeliest is checked.
var noteChoices = []struct{ value, label string }{
	{"password", "I changed the password"},
	{"card", "I updated the card"},
	{"nothing", "Nothing to do"},
}

func (s *Server) breachRow(e rm.Exposure, csrf string, now time.Time, loc *time.Location) views.BreachRow {
	t := dom.Tier(e.Tier)
	path := "/breaches/" + url.PathEscape(e.BreachID)
	r := views.BreachRow{
		ID: e.BreachID, Name: e.Name, Domain: e.Domain, Tier: e.Tier, Title: t.Title(), Tone: tierTone(t),
		BreachDate: e.BreachDate.Format("2 Jan 2006"), Disclosed: e.DisclosedDate.Format("2 Jan 2006"),
		Exposed: strings.Join(e.DataClasses, ", "), Active: e.Active(), Note: e.Note,
		ResolveURL: path + "/resolve", ReopenURL: path + "/reopen", CSRF: csrf,
	}
	if e.ResolvedAt != nil {
		r.ResolvedOn = when.Short(*e.ResolvedAt, now, loc)
	}
	likeliest := map[dom.Tier]string{dom.TierPassword: "password", dom.TierPersonal: "card", dom.TierData: "nothing"}[t]
	for _, ch := range noteChoices {
		r.Choices = append(r.Choices, views.BreachNoteChoice{Value: ch.value, Label: ch.label, Checked: ch.value == likeliest})
	}
	return r
}

// resolutionNote is the note a Mark resolved form sends: a choice, or
// the learner's own words ("other"), which win when given.
func resolutionNote(c *fiber.Ctx) (string, error) {
	if other := strings.TrimSpace(c.FormValue("other")); other != "" {
		return other, nil
	}
	choice := c.FormValue("note")
	if choice == "" {
		return "", nil
	}
	for _, ch := range noteChoices {
		if ch.value == choice {
			return ch.label, nil
		}
	}
	return "", tenancy.FieldError{Field: "note", Problem: "is not one of the choices"}
}

// resolveBreach marks one of the learner's breaches resolved: the row and
// the active count swap in place (htmx), or the page comes back (303). A
// refused note (over 500 characters) is a 422 with the row as it was, the
// text kept and the reason shown.
func (s *Server) resolveBreach(c *fiber.Ctx) error {
	l, _ := learnerOf(c)
	id, err := url.PathUnescape(c.Params("id"))
	if err != nil {
		return fiber.ErrNotFound
	}
	note, err := resolutionNote(c)
	if err == nil {
		var e rm.Exposure
		e, _, err = s.Breaches.Resolve(c.UserContext(), l, id, note, s.meta(c))
		if err == nil {
			return s.breachChanged(c, e, "Marked resolved: "+e.Name+".")
		}
	}
	var fe tenancy.FieldError
	switch {
	case errors.Is(err, breaches.ErrNotFound):
		return fiber.ErrNotFound
	case errors.As(err, &fe):
		return s.refuseResolve(c, l, id, "Your note "+fe.Problem+"; nothing was changed.")
	}
	return err
}

// reopenBreach takes a resolved breach back to active.
func (s *Server) reopenBreach(c *fiber.Ctx) error {
	l, _ := learnerOf(c)
	id, err := url.PathUnescape(c.Params("id"))
	if err != nil {
		return fiber.ErrNotFound
	}
	e, _, err := s.Breaches.Reopen(c.UserContext(), l, id, s.meta(c))
	if errors.Is(err, breaches.ErrNotFound) {
		return fiber.ErrNotFound
	}
	if err != nil {
		return err
	}
	return s.breachChanged(c, e, "Reopened: "+e.Name+".")
}

func (s *Server) breachChanged(c *fiber.Ctx, e rm.Exposure, msg string) error {
	if !isHTMX(c) {
		return c.Redirect("/breaches", fiber.StatusSeeOther)
	}
	l, _ := learnerOf(c)
	list, counts, err := s.Breaches.List(c.UserContext(), l)
	if err != nil {
		return err
	}
	toast(c, msg)
	row := s.breachRow(e, s.csrfToken(c), s.Clock.Now(), l.Location())
	return render(c, fiber.StatusOK, views.BreachRowSwap(row, views.BreachCount{Active: counts.Active, Resolved: len(list) - counts.Active}), nil)
}

func (s *Server) refuseResolve(c *fiber.Ctx, l directory.Learner, id, msg string) error {
	list, counts, err := s.Breaches.List(c.UserContext(), l)
	if err != nil {
		return err
	}
	for _, e := range list {
		if e.BreachID != id {
			continue
		}
		if isHTMX(c) {
			toast(c, msg)
			row := s.breachRow(e, s.csrfToken(c), s.Clock.Now(), l.Location())
			row.Error, row.Other = msg, c.FormValue("other")
			return render(c, fiber.StatusUnprocessableEntity, views.BreachRowSwap(row, views.BreachCount{Active: counts.Active, Resolved: len(list) - counts.Active}), nil)
		}
		return userError(c, fiber.StatusUnprocessableEntity, msg)
	}
	return fiber.ErrNotFound
}
