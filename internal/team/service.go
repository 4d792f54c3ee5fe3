// Package team runs a manager's My Team: their direct reports' aggregate
// status (completion, overdue count, status in words, last reminder; never
// a quiz score or per-course detail) and the Remind button (domain/team).
//
// A reminder is decided and stored first: the event, with its mail id, is
// appended at the report's reminder stream's version (eventstore.Execute),
// so of parallel Reminds exactly one is stored and the others are decided
// again and refused by the cooldown. The email is queued after, under that
// mail id; the queue takes a mail id once. If the process dies in between,
// the sweep finds the reminder whose mail is not queued (the team read
// model) and queues it under the same id, so the email is neither lost nor
// sent twice.
package team

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/awareportal/portal/domain"
	"github.com/awareportal/portal/domain/mailing"
	dom "github.com/awareportal/portal/domain/team"
	"github.com/awareportal/portal/internal/auth"
	"github.com/awareportal/portal/internal/catalog"
	"github.com/awareportal/portal/internal/clock"
	"github.com/awareportal/portal/internal/eventstore"
	"github.com/awareportal/portal/internal/i18n"
	"github.com/awareportal/portal/internal/mail"
	"github.com/awareportal/portal/projections/directory"
	"github.com/awareportal/portal/projections/gate"
	"github.com/awareportal/portal/projections/progress"
	rmteam "github.com/awareportal/portal/projections/team"
)

// ErrNotReport is someone who is not the manager's direct report (shown as
// not found).
var ErrNotReport = dom.ErrNotReport

// Status is a report's standing, in words.
type Status string

const (
	StatusOnboarding Status = "Onboarding"
	StatusOverdue    Status = "Overdue"
	StatusNotStarted Status = "Not started"
	StatusInProgress Status = "In progress"
	StatusUpToDate   Status = "Up to date"
)

// Row is one direct report as the manager sees them: aggregates only.
type Row struct {
	LearnerID, Name string
	Percent         int // completed of the courses available so far
	Overdue         int // courses past their due date, not completed
	Due             int // courses available and not completed (overdue included)
	Status          Status
	LastReminded    time.Time // by this manager; zero: never
	NextAllowed     time.Time // when this manager may remind again; zero: now
}

// CanRemind says whether Remind would be accepted at now.
func (r Row) CanRemind(now time.Time) bool { return r.Due > 0 && !now.Before(r.NextAllowed) }

// Mailer queues an email (mail.Queue).
type Mailer interface {
	Enqueue(ctx context.Context, mailID string, kind mailing.Kind, learnerID, cause string, m mail.Message, meta eventstore.Metadata) error
}

// Mail is a reminder email to render.
type Mail struct {
	Learner directory.Learner
	Manager string // the manager's name
	Partner directory.Partner
	Courses []MailCourse
	// SignsIn: the links sign the learner in (else they lead to the
	// sign-in page: the client allows Microsoft or Google only).
	SignsIn bool
	BaseURL string
}

// MailCourse is one course in a reminder, with its 7-day training link.
type MailCourse struct {
	Title   string
	DueAt   time.Time
	Overdue bool
	Link    string
}

// Service runs My Team.
type Service struct {
	Repo      eventstore.Repository
	Dir       directory.Queries
	Progress  progress.Queries
	Catalog   *catalog.Catalog // course titles in the learner's language
	Gate      gate.Queries
	Reminders rmteam.Queries
	Mail      Mailer
	Render    func(context.Context, Mail) (mail.Message, error)
	Clock     clock.Clock
	BaseURL   *url.URL
	Log       *slog.Logger
	// Settle waits until read models reflect a write (read-your-writes).
	Settle func(context.Context, eventstore.Position) error
}

// namespace for mail ids derived from a reminder (idempotent retries).
var namespace = uuid.MustParse("c4f7a1d2-5e3b-4a8c-9d6f-2b1e0a7c8f35")

// MailID is the id of a manager's n-th reminder email to a report.
func MailID(managerID, learnerID string, n int) string {
	return uuid.NewSHA1(namespace, []byte("team-reminder/"+managerID+"/"+learnerID+"/"+strconv.Itoa(n))).String()
}

// Team lists the manager's direct reports, most overdue first (then by name).
func (s *Service) Team(ctx context.Context, manager directory.Learner) ([]Row, error) {
	reports, err := s.Dir.Reports(ctx, manager.ID)
	if err != nil {
		return nil, err
	}
	last, err := s.Reminders.LastReminders(ctx, manager.ID)
	if err != nil {
		return nil, err
	}
	rows := make([]Row, 0, len(reports))
	for _, r := range reports {
		if r.ClientID != manager.ClientID {
			continue
		}
		row, err := s.row(ctx, r, nil)
		if err != nil {
			return nil, err
		}
		if at, ok := last[r.ID]; ok {
			row.LastReminded, row.NextAllowed = at, at.Add(dom.Cooldown)
		}
		rows = append(rows, row)
	}
	slices.SortStableFunc(rows, func(a, b Row) int {
		if a.Overdue != b.Overdue {
			return b.Overdue - a.Overdue
		}
		return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name))
	})
	return rows, nil
}

// Report is one direct report's row, or ErrNotReport.
func (s *Service) Report(ctx context.Context, manager directory.Learner, reportID string) (Row, error) {
	rep, err := s.report(ctx, manager, reportID)
	if err != nil {
		return Row{}, err
	}
	row, err := s.row(ctx, rep, nil)
	if err != nil {
		return Row{}, err
	}
	r := dom.NewReminders()
	if _, err := s.Repo.Load(ctx, dom.Stream(rep.ID), r); err != nil {
		return Row{}, fmt.Errorf("load reminders: %w", err)
	}
	row.LastReminded, row.NextAllowed = r.Last[manager.ID], r.NextAllowed(manager.ID)
	return row, nil
}

// report is the manager's direct report at the manager's client, or ErrNotReport.
func (s *Service) report(ctx context.Context, manager directory.Learner, reportID string) (directory.Learner, error) {
	rep, err := s.Dir.Learner(ctx, reportID)
	if errors.Is(err, directory.ErrNotFound) {
		return directory.Learner{}, ErrNotReport
	}
	if err != nil {
		return directory.Learner{}, err
	}
	if rep.ID == manager.ID || rep.ManagerID != manager.ID || rep.ClientID != manager.ClientID {
		return directory.Learner{}, ErrNotReport
	}
	return rep, nil
}

// row sums up a report's assignments (list, or loaded when nil).
func (s *Service) row(ctx context.Context, rep directory.Learner, list []progress.Assignment) (Row, error) {
	if list == nil {
		var err error
		if list, err = s.Progress.ForLearner(ctx, rep.ID); err != nil {
			return Row{}, err
		}
	}
	g, err := s.Gate.Of(ctx, rep.ID)
	if err != nil {
		return Row{}, err
	}
	now := s.Clock.Now()
	row := Row{LearnerID: rep.ID, Name: rep.FullName()}
	var available, completed, started int
	for _, a := range list {
		if a.IsUpcoming(now) {
			continue
		}
		available++
		switch {
		case a.Completed():
			completed++
		default:
			row.Due++
			if a.IsOverdue(now) {
				row.Overdue++
			}
			if a.StartedAt != nil {
				started++
			}
		}
	}
	row.Percent = 100
	if available > 0 {
		row.Percent = completed * 100 / available
	}
	switch {
	case g.Pending():
		row.Status = StatusOnboarding
	case row.Overdue > 0:
		row.Status = StatusOverdue
	case row.Due == 0:
		row.Status = StatusUpToDate
	case started > 0:
		row.Status = StatusInProgress
	default:
		row.Status = StatusNotStarted
	}
	return row, nil
}

// dueCourses are the courses a reminder lists: available, not completed.
func dueCourses(list []progress.Assignment, now time.Time) []dom.DueCourse {
	var out []dom.DueCourse
	for _, a := range list {
		if a.IsDue(now) {
			out = append(out, dom.DueCourse{AssignmentID: a.ID, Title: a.Title, DueAt: a.DueAt, Overdue: a.IsOverdue(now)})
		}
	}
	return out
}

// Remind sends a direct report one reminder email listing their due and
// overdue courses, once per 24 hours (domain/team). It returns the report's
// row as it now stands; a refusal (dom.ErrCooldown, dom.ErrNothingDue)
// comes with the row too, ErrNotReport without.
func (s *Service) Remind(ctx context.Context, manager directory.Learner, reportID string, meta eventstore.Metadata) (Row, error) {
	rep, err := s.report(ctx, manager, reportID)
	if err != nil {
		return Row{}, err
	}
	list, err := s.Progress.ForLearner(ctx, rep.ID)
	if err != nil {
		return Row{}, err
	}
	due := dueCourses(list, s.Clock.Now())
	meta.TenantID = manager.PartnerID
	var after *dom.Reminders
	d, err := eventstore.Execute(ctx, s.Repo, dom.Stream(rep.ID), meta, dom.NewReminders, func(r *dom.Reminders) ([]domain.Event, error) {
		after = r
		return dom.Remind(r, dom.RemindInput{
			Manager: dom.Person{ID: manager.ID, ClientID: manager.ClientID},
			Report:  dom.Person{ID: rep.ID, ClientID: rep.ClientID, ManagerID: rep.ManagerID},
			Due:     due, MailID: MailID(manager.ID, rep.ID, r.Count[manager.ID]+1),
		}, s.Clock.Now())
	})
	row, rerr := s.row(ctx, rep, list)
	if rerr != nil {
		return Row{}, rerr
	}
	if err != nil {
		if after != nil {
			row.LastReminded, row.NextAllowed = after.Last[manager.ID], after.NextAllowed(manager.ID)
		}
		return row, err
	}
	ev := d.Events[0].(dom.ReminderSent)
	row.LastReminded, row.NextAllowed = ev.At, ev.At.Add(dom.Cooldown)
	if err := s.send(ctx, rep, manager.FullName(), ev, meta); err != nil {
		// The reminder is stored; the sweep queues its email under the same id.
		s.Log.Error("queue reminder email (the sweep retries)", "mail", ev.MailID, "err", err)
	}
	if s.Settle != nil {
		if err := s.Settle(ctx, d.Result.Position); err != nil {
			s.Log.Warn("read models lagging", "err", err)
		}
	}
	return row, nil
}

// send renders the reminder with a 7-day training link per course and
// queues it under the reminder's mail id (a second time queues nothing).
func (s *Service) send(ctx context.Context, rep directory.Learner, managerName string, ev dom.ReminderSent, meta eventstore.Metadata) error {
	partner, err := s.Dir.Partner(ctx, rep.PartnerID)
	if err != nil {
		return err
	}
	m := Mail{Learner: rep, Manager: managerName, Partner: partner, BaseURL: s.BaseURL.String()}
	// The email names each course in the learner's language (the event
	// holds the titles as assigned: the English).
	lang := i18n.Negotiate(rep.ChosenLanguage, rep.ClientLanguage, "")
	for _, c := range ev.Courses {
		if c.Title, err = s.courseTitle(ctx, c.AssignmentID, lang, c.Title); err != nil {
			return err
		}
		link, signsIn, err := auth.TrainingLink(ctx, s.Repo, s.BaseURL, meta, rep, partner.Slug, c.AssignmentID, s.Clock.Now())
		if err != nil {
			return err
		}
		m.SignsIn = signsIn
		m.Courses = append(m.Courses, MailCourse{Title: c.Title, DueAt: c.DueAt, Overdue: c.Overdue, Link: link})
	}
	msg, err := s.Render(ctx, m)
	if err != nil {
		return fmt.Errorf("render reminder email: %w", err)
	}
	return s.Mail.Enqueue(ctx, ev.MailID, mailing.KindTeamReminder, rep.ID, dom.Stream(rep.ID), msg, meta)
}

// courseTitle is an assignment's course title in lang (stored, the
// English, when the course has no translation into it).
func (s *Service) courseTitle(ctx context.Context, assignmentID string, lang i18n.Lang, stored string) (string, error) {
	if s.Catalog == nil {
		return stored, nil
	}
	a, err := s.Progress.Assignment(ctx, assignmentID)
	if errors.Is(err, progress.ErrNotFound) {
		return stored, nil
	}
	if err != nil {
		return "", err
	}
	return s.Catalog.Title(a.CourseID, a.CourseVersion, lang, stored), nil
}

// Sweep queues the emails of reminders stored in the last 7 days whose
// email is not queued a minute later (a process died in between). The mail
// id is the reminder's, so a reminder whose email was queued meanwhile is
// not sent twice.
func (s *Service) Sweep(ctx context.Context) (int, error) {
	now := s.Clock.Now()
	list, err := s.Reminders.Unqueued(ctx, now.Add(-7*24*time.Hour), now.Add(-time.Minute), 200)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, u := range list {
		r := dom.NewReminders()
		if _, err := s.Repo.Load(ctx, dom.Stream(u.LearnerID), r); err != nil {
			return n, fmt.Errorf("load reminders: %w", err)
		}
		ev, ok := r.ByMail[u.MailID]
		if !ok {
			continue
		}
		rep, err := s.Dir.Learner(ctx, u.LearnerID)
		if err != nil {
			return n, err
		}
		if !rep.PortalEnabled {
			continue // nothing to link to
		}
		managerName := ""
		if m, err := s.Dir.Learner(ctx, u.ManagerID); err == nil {
			managerName = m.FullName()
		}
		meta := eventstore.Metadata{ActorID: "system:team-sweep", TenantID: rep.PartnerID}
		if err := s.send(ctx, rep, managerName, ev, meta); err != nil {
			s.Log.Error("queue reminder email", "mail", u.MailID, "err", err)
			continue
		}
		n++
	}
	return n, nil
}
