package web

import (
	"errors"
	"net/url"
	"time"

	"github.com/gofiber/fiber/v2"

	dom "github.com/awareportal/portal/domain/team"
	"github.com/awareportal/portal/internal/i18n"
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
	tr := i18n.From(c.UserContext())
	p, err := s.learnerPage(c, tr.T("team.title"), "team", nil)
	if err != nil {
		return err
	}
	if c.Query("reminded") != "" {
		p.Flash = tr.T("team.flash_sent")
	}
	v := s.teamView(tr, rows, c.Query("overdue") == "1", p.CSRF)
	return render(c, fiber.StatusOK, views.TeamPage(p, v), views.TeamPanel(v))
}

func (s *Server) teamView(tr *i18n.Translator, rows []team.Row, overdueOnly bool, csrf string) views.TeamView {
	v := views.TeamView{OverdueOnly: overdueOnly, Reports: len(rows), CSRF: csrf}
	now := s.Clock.Now()
	for _, r := range rows {
		if overdueOnly && r.Overdue == 0 {
			continue
		}
		v.Rows = append(v.Rows, teamRow(tr, r, now, csrf))
	}
	return v
}

var statusTone = map[team.Status]string{
	team.StatusUpToDate: "ok", team.StatusInProgress: "neutral", team.StatusOverdue: "danger",
	team.StatusNotStarted: "warn", team.StatusOnboarding: "neutral",
}

// teamStatus is a report's standing in the reader's language.
func teamStatus(tr *i18n.Translator, st team.Status) string {
	switch st {
	case team.StatusUpToDate:
		return tr.T("team.status.up_to_date")
	case team.StatusInProgress:
		return tr.T("team.status.in_progress")
	case team.StatusOverdue:
		return tr.T("team.status.overdue")
	case team.StatusNotStarted:
		return tr.T("team.status.not_started")
	case team.StatusOnboarding:
		return tr.T("team.status.onboarding")
	}
	return string(st)
}

func teamRow(tr *i18n.Translator, r team.Row, now time.Time, csrf string) views.TeamRow {
	v := views.TeamRow{
		ID: r.LearnerID, Name: r.Name, RemindURL: "/team/" + url.PathEscape(r.LearnerID) + "/remind",
		Percent: r.Percent, Overdue: r.Overdue, Status: teamStatus(tr, r.Status), Tone: statusTone[r.Status],
		CanRemind: r.CanRemind(now), Button: tr.T("team.remind"), CSRF: csrf,
	}
	if !r.LastReminded.IsZero() {
		v.Reminded = tr.T("team.reminded", "Ago", ago(tr, r.LastReminded, now))
	}
	switch {
	case v.CanRemind:
	case now.Before(r.NextAllowed):
		v.Button = v.Reminded
		v.Why = tr.T("team.why_cooldown", "Name", r.Name, "Until", remindAgainIn(tr, r.NextAllowed, now))
	default:
		v.Button = tr.T("team.nothing_due")
		v.Why = tr.T("team.why_nothing_due", "Name", r.Name)
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
	tr := i18n.From(c.UserContext())
	var msg string
	switch {
	case errors.Is(err, team.ErrNotReport):
		return fiber.ErrNotFound
	case errors.Is(err, dom.ErrCooldown):
		now := s.Clock.Now()
		msg = tr.T("team.refused_cooldown", "Name", row.Name, "Ago", ago(tr, row.LastReminded, now), "Until", remindAgainIn(tr, row.NextAllowed, now))
	case errors.Is(err, dom.ErrNothingDue):
		msg = tr.T("team.why_nothing_due", "Name", row.Name)
	case err != nil:
		return err
	}
	if msg != "" {
		return s.refuseRemind(c, l, row, msg)
	}
	if isHTMX(c) {
		toast(c, tr.T("team.toast_sent", "Name", row.Name))
		return render(c, fiber.StatusOK, views.TeamRowItem(teamRow(tr, row, s.Clock.Now(), s.csrfToken(c))), nil)
	}
	return c.Redirect("/team?reminded=1", fiber.StatusSeeOther)
}

func (s *Server) refuseRemind(c *fiber.Ctx, l directory.Learner, row team.Row, msg string) error {
	tr := i18n.From(c.UserContext())
	if isHTMX(c) {
		toast(c, msg)
		return render(c, fiber.StatusUnprocessableEntity, views.TeamRowItem(teamRow(tr, row, s.Clock.Now(), s.csrfToken(c))), nil)
	}
	rows, err := s.Team.Team(c.UserContext(), l)
	if err != nil {
		return err
	}
	p, err := s.learnerPage(c, tr.T("team.title"), "team", nil)
	if err != nil {
		return err
	}
	p.Flash = msg
	return render(c, fiber.StatusUnprocessableEntity, views.TeamPage(p, s.teamView(tr, rows, false, p.CSRF)), nil)
}

// ago says how long ago t was, the way people say it ("5 min ago",
// "vor 5 Min."): a reminder on My Team, a device's last use.
func ago(tr *i18n.Translator, t, now time.Time) string {
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return tr.T("team.just_now")
	case d < time.Hour:
		return tr.N("team.minutes_ago", int(d.Minutes()))
	case d < day:
		return tr.N("team.hours_ago", int(d.Hours()))
	default:
		return tr.N("team.days_ago", int(d/day))
	}
}

// remindAgainIn says how long until t, rounded up ("a minute", "24 h").
func remindAgainIn(tr *i18n.Translator, t, now time.Time) string {
	d := t.Sub(now)
	switch {
	case d <= time.Minute:
		return tr.T("team.a_minute")
	case d < time.Hour:
		return tr.N("team.minutes", int((d+time.Minute-1)/time.Minute))
	default:
		return tr.N("team.hours", int((d+time.Hour-1)/time.Hour))
	}
}
