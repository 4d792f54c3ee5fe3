package web

import (
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/gofiber/fiber/v2"

	dom "github.com/awareportal/portal/domain/team"
	"github.com/awareportal/portal/internal/team"
	"github.com/awareportal/portal/projections/directory"
	"github.com/awareportal/portal/views"
)

// requireManager lets through learners with at least one direct report;
// anyone else gets 404 (My Team does not exist for them).
func (s *Server) requireManager(c *fiber.Ctx) error {
	if l, ok := learnerOf(c); !ok || !l.IsManager {
		return fiber.ErrNotFound
	}
	return c.Next()
}

// showTeam lists the manager's direct reports, most overdue first;
// ?overdue=1 keeps the overdue ones.
func (s *Server) showTeam(c *fiber.Ctx) error {
	l, _ := learnerOf(c)
	rows, err := s.Team.Team(c.UserContext(), l)
	if err != nil {
		return err
	}
	p, err := s.learnerPage(c, "My Team", "team", nil)
	if err != nil {
		return err
	}
	if c.Query("reminded") != "" {
		p.Flash = "Reminder sent."
	}
	v := s.teamView(rows, c.Query("overdue") == "1", p.CSRF)
	return render(c, fiber.StatusOK, views.TeamPage(p, v), views.TeamPanel(v))
}

func (s *Server) teamView(rows []team.Row, overdueOnly bool, csrf string) views.TeamView {
	v := views.TeamView{OverdueOnly: overdueOnly, Reports: len(rows), CSRF: csrf}
	now := s.Clock.Now()
	for _, r := range rows {
		if overdueOnly && r.Overdue == 0 {
			continue
		}
		v.Rows = append(v.Rows, teamRow(r, now, csrf))
	}
	return v
}

var statusTone = map[team.Status]string{
	team.StatusUpToDate: "ok", team.StatusInProgress: "neutral", team.StatusOverdue: "danger",
	team.StatusNotStarted: "warn", team.StatusOnboarding: "neutral",
}

func teamRow(r team.Row, now time.Time, csrf string) views.TeamRow {
	v := views.TeamRow{
		ID: r.LearnerID, Name: r.Name, RemindURL: "/team/" + url.PathEscape(r.LearnerID) + "/remind",
		Percent: r.Percent, Overdue: r.Overdue, Status: string(r.Status), Tone: statusTone[r.Status],
		CanRemind: r.CanRemind(now), Button: "Remind", CSRF: csrf,
	}
	if !r.LastReminded.IsZero() {
		v.Reminded = "Reminded " + ago(r.LastReminded, now)
	}
	switch {
	case v.CanRemind:
	case now.Before(r.NextAllowed):
		v.Button = v.Reminded
		v.Why = fmt.Sprintf("You can remind %s again in %s.", r.Name, until(r.NextAllowed, now))
	default:
		v.Button = "Nothing due"
		v.Why = r.Name + " has no course due: nothing to remind about."
	}
	return v
}

// remind sends the report a reminder: the row swaps in place (htmx), or
// the page comes back (303). A refusal is a 422 with the row as it stands
// and the reason (a toast for htmx, the page's flash without JavaScript).
func (s *Server) remind(c *fiber.Ctx) error {
	l, _ := learnerOf(c)
	id, err := url.PathUnescape(c.Params("id"))
	if err != nil {
		return fiber.ErrNotFound
	}
	row, err := s.Team.Remind(c.UserContext(), l, id, s.meta(c))
	var msg string
	switch {
	case errors.Is(err, team.ErrNotReport):
		return fiber.ErrNotFound
	case errors.Is(err, dom.ErrCooldown):
		msg = fmt.Sprintf("You reminded %s %s. You can remind them again in %s.", row.Name, ago(row.LastReminded, s.Clock.Now()), until(row.NextAllowed, s.Clock.Now()))
	case errors.Is(err, dom.ErrNothingDue):
		msg = row.Name + " has no course due: nothing to remind about."
	case err != nil:
		return err
	}
	if msg != "" {
		return s.refuseRemind(c, l, row, msg)
	}
	if isHTMX(c) {
		toast(c, "Reminder sent to "+row.Name+".")
		return render(c, fiber.StatusOK, views.TeamRowItem(teamRow(row, s.Clock.Now(), s.csrfToken(c))), nil)
	}
	return c.Redirect("/team?reminded=1", fiber.StatusSeeOther)
}

func (s *Server) refuseRemind(c *fiber.Ctx, l directory.Learner, row team.Row, msg string) error {
	if isHTMX(c) {
		toast(c, msg)
		return render(c, fiber.StatusUnprocessableEntity, views.TeamRowItem(teamRow(row, s.Clock.Now(), s.csrfToken(c))), nil)
	}
	rows, err := s.Team.Team(c.UserContext(), l)
	if err != nil {
		return err
	}
	p, err := s.learnerPage(c, "My Team", "team", nil)
	if err != nil {
		return err
	}
	p.Flash = msg
	return render(c, fiber.StatusUnprocessableEntity, views.TeamPage(p, s.teamView(rows, false, p.CSRF)), nil)
}

// ago says how long ago t was, the way people say it.
func ago(t, now time.Time) string {
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%d min ago", int(d.Minutes()))
	case d < day:
		return fmt.Sprintf("%d h ago", int(d.Hours()))
	case d < 2*day:
		return "1 day ago"
	default:
		return fmt.Sprintf("%d days ago", int(d/day))
	}
}

// until says how long until t, rounded up.
func until(t, now time.Time) string {
	d := t.Sub(now)
	switch {
	case d <= time.Minute:
		return "a minute"
	case d < time.Hour:
		return fmt.Sprintf("%d min", int((d+time.Minute-1)/time.Minute))
	default:
		return fmt.Sprintf("%d h", int((d+time.Hour-1)/time.Hour))
	}
}
