// Package reminders runs a client's scheduled reminders (domain/reminder):
// learners are reminded of their courses on the policy's occasions, and
// managers get a weekly digest of their reports' overdue courses. The
// minute sweep on the elected leader (River periodic work) runs Sweep.
//
// Exactly once: a learner's reminder is decided on their reminder stream
// at its version (eventstore.Execute), so a second process deciding the
// same occasions finds them covered and appends nothing; its email id is
// derived from the learner and the occasions, and the queue takes an id
// once. The event is stored before the email is queued; if the process
// dies in between, the sweep finds the reminder whose email is not queued
// (the read model) and queues it under the same id. Digests work the same
// way on the manager's digest stream, one per weekly slot.
//
// Clients whose portal is off get nothing: every email links into the
// portal.
package reminders

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
	"github.com/awareportal/portal/domain/reminder"
	"github.com/awareportal/portal/internal/auth"
	"github.com/awareportal/portal/internal/catalog"
	"github.com/awareportal/portal/internal/clock"
	"github.com/awareportal/portal/internal/eventstore"
	"github.com/awareportal/portal/internal/i18n"
	"github.com/awareportal/portal/internal/mail"
	"github.com/awareportal/portal/internal/when"
	"github.com/awareportal/portal/projections/directory"
	"github.com/awareportal/portal/projections/progress"
	"github.com/awareportal/portal/projections/reminders"
)

// DigestGrace is how late a digest may still go out: a sweep that missed
// the slot by more than this (the portal was down) leaves it to next week
// rather than sending last week's news.
const DigestGrace = 24 * time.Hour

// Mailer queues an email (mail.Queue).
type Mailer interface {
	Enqueue(ctx context.Context, mailID string, kind mailing.Kind, learnerID, cause string, m mail.Message, meta eventstore.Metadata) error
}

// Mail is a learner's scheduled reminder to render (in the learner's
// language: the subject is Subject's, the due dates are worded from
// Sent.At).
type Mail struct {
	Learner directory.Learner
	Partner directory.Partner
	Sent    reminder.Sent
	Courses []Course
	// SignsIn: the links sign the learner in (else they lead to the
	// sign-in page: the client allows Microsoft or Google only).
	SignsIn bool
	BaseURL string
}

// Course is one course in a reminder, with its link.
type Course struct {
	Title, Link string
	DueAt       time.Time
	Overdue     bool
}

// DigestMail is a manager's weekly digest to render.
type DigestMail struct {
	Manager  directory.Learner
	Partner  directory.Partner
	Reports  []reminder.DigestReport
	TeamLink string
	BaseURL  string
}

// Renderers turn reminders into messages.
type Renderers struct {
	Reminder func(context.Context, Mail) (mail.Message, error)
	Digest   func(context.Context, DigestMail) (mail.Message, error)
}

// Service runs scheduled reminders.
type Service struct {
	Repo     eventstore.Repository
	Dir      directory.Queries
	Progress progress.Queries
	Catalog  *catalog.Catalog // course titles in the learner's language
	Sent     reminders.Queries
	Mail     Mailer
	Render   Renderers
	Clock    clock.Clock
	BaseURL  *url.URL
	Log      *slog.Logger
}

// Result counts what a sweep did.
type Result struct {
	Reminded, Digests, Requeued int
}

// namespace for mail ids derived from reminders.
var namespace = uuid.MustParse("5b0e1f7c-2d4a-4c8e-9a61-7f3b2e8d4c10")

// ReminderMailID is the id of the email reminding a learner of these
// occasions (the same occasions give the same id, whoever decides them).
func ReminderMailID(learnerID string, items []reminder.Item) string {
	keys := make([]string, len(items))
	for i, it := range items {
		keys[i] = it.AssignmentID + ":" + strconv.Itoa(it.Seq)
	}
	slices.Sort(keys)
	return uuid.NewSHA1(namespace, []byte("reminder/"+learnerID+"/"+strings.Join(keys, ","))).String()
}

// DigestMailID is the id of a manager's digest for a slot.
func DigestMailID(managerID, slot string) string {
	return uuid.NewSHA1(namespace, []byte("digest/"+managerID+"/"+slot)).String()
}

// Sweep sends what is due now at every client whose portal is on, and
// queues the emails of reminders stored without one (a process died in
// between). One client's failure is logged and does not stop the others.
func (s *Service) Sweep(ctx context.Context) (Result, error) {
	var res Result
	clients, err := s.Dir.ClientsWithPortal(ctx)
	if err != nil {
		return res, err
	}
	var errs []error
	for _, c := range clients {
		n, err := s.remindLearners(ctx, c)
		res.Reminded += n
		if err != nil {
			errs = append(errs, fmt.Errorf("reminders at %s: %w", c.ID, err))
		}
		n, err = s.sendDigests(ctx, c)
		res.Digests += n
		if err != nil {
			errs = append(errs, fmt.Errorf("digests at %s: %w", c.ID, err))
		}
	}
	n, err := s.requeue(ctx)
	res.Requeued = n
	if err != nil {
		errs = append(errs, err)
	}
	return res, errors.Join(errs...)
}

// remindLearners reminds each learner at the client of their courses with
// a new occasion now: one email per learner, one occasion per course.
func (s *Service) remindLearners(ctx context.Context, c directory.Client) (int, error) {
	p := c.ReminderPolicy().Learners
	if !p.Enabled {
		return 0, nil
	}
	now, loc := s.Clock.Now(), c.Location()
	// Nothing due further ahead than the first occasion can have one now.
	list, err := s.Progress.OpenAnnounced(ctx, c.ID, now.AddDate(0, 0, p.DaysBefore+2))
	if err != nil {
		return 0, err
	}
	if len(list) == 0 {
		return 0, nil
	}
	done, err := s.Sent.Done(ctx, c.ID)
	if err != nil {
		return 0, err
	}
	byLearner := map[string][]reminder.Item{}
	var order []string
	for _, a := range list {
		o, ok := reminder.Next(p.Occasions(a.DueAt, loc), done[a.ID], a.AvailableFrom, now)
		if !ok {
			continue
		}
		if _, seen := byLearner[a.LearnerID]; !seen {
			order = append(order, a.LearnerID)
		}
		byLearner[a.LearnerID] = append(byLearner[a.LearnerID], reminder.Item{AssignmentID: a.ID, Title: a.Title, DueAt: a.DueAt, Rule: o.Rule, Seq: o.Seq})
	}
	n := 0
	var errs []error
	for _, id := range order {
		sent, err := s.remind(ctx, id, c.ID, byLearner[id])
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if sent {
			n++
		}
	}
	return n, errors.Join(errs...)
}

// remind stores one learner's reminder, then queues its email.
func (s *Service) remind(ctx context.Context, learnerID, clientID string, items []reminder.Item) (bool, error) {
	l, err := s.Dir.Learner(ctx, learnerID)
	if err != nil {
		return false, err
	}
	if !l.PortalEnabled || l.ClientID != clientID {
		return false, nil
	}
	meta := eventstore.Metadata{ActorID: "system:reminders", TenantID: l.PartnerID}
	d, err := eventstore.Execute(ctx, s.Repo, reminder.Stream(l.ID), meta, reminder.NewSchedule, func(sc *reminder.Schedule) ([]domain.Event, error) {
		return reminder.Remind(sc, reminder.RemindInput{LearnerID: l.ID, ClientID: l.ClientID, Items: items,
			MailID: func(its []reminder.Item) string { return ReminderMailID(l.ID, its) }}, s.Clock.Now())
	})
	if err != nil {
		return false, err
	}
	if len(d.Events) == 0 {
		return false, nil // another process reminded first
	}
	ev := d.Events[0].(reminder.Sent)
	if err := s.sendReminder(ctx, l, ev, meta); err != nil {
		// Stored; the sweep queues its email under the same id.
		s.Log.Error("queue reminder email (the sweep retries)", "mail", ev.MailID, "err", err)
	}
	return true, nil
}

// sendReminder renders the reminder with a 7-day link per course and
// queues it under the reminder's mail id (a second time queues nothing).
func (s *Service) sendReminder(ctx context.Context, l directory.Learner, ev reminder.Sent, meta eventstore.Metadata) error {
	partner, err := s.Dir.Partner(ctx, l.PartnerID)
	if err != nil {
		return err
	}
	// The email names each course in the learner's language (the event
	// holds the titles as assigned: the English).
	lang := i18n.Negotiate(l.ChosenLanguage, l.ClientLanguage, "")
	ev.Items = slices.Clone(ev.Items)
	for i, it := range ev.Items {
		if ev.Items[i].Title, err = s.courseTitle(ctx, it.AssignmentID, lang, it.Title); err != nil {
			return err
		}
	}
	m := Mail{Learner: l, Partner: partner, BaseURL: s.BaseURL.String(), Sent: ev}
	for _, it := range ev.Items {
		link, signsIn, err := auth.TrainingLink(ctx, s.Repo, s.BaseURL, meta, l, partner.Slug, it.AssignmentID, s.Clock.Now())
		if err != nil {
			return err
		}
		m.SignsIn = signsIn
		m.Courses = append(m.Courses, Course{Title: it.Title, Link: link, DueAt: it.DueAt, Overdue: it.Overdue(ev.At)})
	}
	msg, err := s.Render.Reminder(ctx, m)
	if err != nil {
		return fmt.Errorf("render reminder email: %w", err)
	}
	return s.Mail.Enqueue(ctx, ev.MailID, mailing.KindReminder, l.ID, reminder.Stream(l.ID), msg, meta)
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

// Subject is a reminder's subject line in tr's language: what it is
// about, in words true where the learner is ("Reminder: Phishing basics
// is due tomorrow", "Reminder: 2 courses overdue").
func Subject(tr *i18n.Translator, ev reminder.Sent, loc *time.Location) string {
	overdue := ev.Overdue()
	if len(ev.Items) == 1 {
		it := ev.Items[0]
		st := when.Stand(it.DueAt, ev.At, loc)
		switch {
		case overdue == 1 || st.Kind == when.Overdue:
			return tr.T("email.scheduled.overdue", "Title", it.Title)
		case st.Kind == when.Today:
			return tr.T("email.scheduled.due_today", "Title", it.Title)
		case st.Kind == when.Tomorrow:
			return tr.T("email.scheduled.due_tomorrow", "Title", it.Title)
		case st.Kind == when.InDays:
			return tr.N("email.scheduled.due_in", st.Days, "Title", it.Title)
		default:
			return tr.T("email.scheduled.due_on", "Title", it.Title, "Date", when.ShortIn(tr, st.Day, ev.At, loc))
		}
	}
	if overdue == len(ev.Items) {
		return tr.N("email.scheduled.all_overdue", overdue)
	}
	if overdue > 0 {
		return tr.T("email.scheduled.some_overdue", "Total", tr.Number(len(ev.Items)), "Overdue", tr.Number(overdue))
	}
	return tr.N("email.scheduled.due_soon", len(ev.Items))
}

// sendDigests sends each manager at the client their digest for the
// current weekly slot, once, if a report has an overdue course.
func (s *Service) sendDigests(ctx context.Context, c directory.Client) (int, error) {
	rule := c.ReminderPolicy().Digest
	if !rule.Enabled {
		return 0, nil
	}
	now := s.Clock.Now()
	at, slot := rule.Slot(now, c.Location())
	if now.Sub(at) > DigestGrace {
		return 0, nil
	}
	sent, err := s.Sent.DigestsSent(ctx, c.ID, slot)
	if err != nil {
		return 0, err
	}
	learners, err := s.Dir.LearnersOfClient(ctx, c.ID)
	if err != nil {
		return 0, err
	}
	status, err := s.Progress.ClientStatus(ctx, c.ID, now)
	if err != nil {
		return 0, err
	}
	byID := map[string]directory.Learner{}
	reports := map[string][]reminder.DigestReport{}
	var managers []string
	for _, l := range learners {
		byID[l.ID] = l
	}
	for _, l := range learners {
		m, ok := byID[l.ManagerID]
		if !ok || m.ID == l.ID || sent[m.ID] || status[l.ID].Overdue == 0 {
			continue
		}
		if _, seen := reports[m.ID]; !seen {
			managers = append(managers, m.ID)
		}
		reports[m.ID] = append(reports[m.ID], reminder.DigestReport{LearnerID: l.ID, Name: l.FullName(), Overdue: status[l.ID].Overdue})
	}
	n := 0
	var errs []error
	for _, id := range managers {
		ok, err := s.digest(ctx, byID[id], slot, reports[id])
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if ok {
			n++
		}
	}
	return n, errors.Join(errs...)
}

func (s *Service) digest(ctx context.Context, m directory.Learner, slot string, reports []reminder.DigestReport) (bool, error) {
	slices.SortFunc(reports, func(a, b reminder.DigestReport) int {
		if a.Overdue != b.Overdue {
			return b.Overdue - a.Overdue
		}
		return strings.Compare(a.Name, b.Name)
	})
	meta := eventstore.Metadata{ActorID: "system:reminders", TenantID: m.PartnerID}
	in := reminder.DigestSent{ManagerID: m.ID, ClientID: m.ClientID, MailID: DigestMailID(m.ID, slot), Slot: slot, Reports: reports}
	d, err := eventstore.Execute(ctx, s.Repo, reminder.DigestStream(m.ID), meta, reminder.NewDigests, func(ds *reminder.Digests) ([]domain.Event, error) {
		return reminder.SendDigest(ds, in, s.Clock.Now())
	})
	if err != nil {
		return false, err
	}
	if len(d.Events) == 0 {
		return false, nil
	}
	ev := d.Events[0].(reminder.DigestSent)
	if err := s.sendDigest(ctx, m, ev, meta); err != nil {
		s.Log.Error("queue digest email (the sweep retries)", "mail", ev.MailID, "err", err)
	}
	return true, nil
}

func (s *Service) sendDigest(ctx context.Context, m directory.Learner, ev reminder.DigestSent, meta eventstore.Metadata) error {
	partner, err := s.Dir.Partner(ctx, m.PartnerID)
	if err != nil {
		return err
	}
	team := *s.BaseURL
	team.Path = "/team"
	msg, err := s.Render.Digest(ctx, DigestMail{Manager: m, Partner: partner, Reports: ev.Reports, TeamLink: team.String(), BaseURL: s.BaseURL.String()})
	if err != nil {
		return fmt.Errorf("render digest email: %w", err)
	}
	return s.Mail.Enqueue(ctx, ev.MailID, mailing.KindDigest, m.ID, reminder.DigestStream(m.ID), msg, meta)
}

// requeue queues the emails of reminders and digests stored in the last 7
// days whose email is not queued a minute later.
func (s *Service) requeue(ctx context.Context) (int, error) {
	now := s.Clock.Now()
	list, err := s.Sent.Unqueued(ctx, now.Add(-7*24*time.Hour), now.Add(-time.Minute), 200)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, u := range list {
		person, err := s.Dir.Learner(ctx, u.PersonID)
		if err != nil {
			return n, err
		}
		if !person.PortalEnabled {
			continue
		}
		meta := eventstore.Metadata{ActorID: "system:reminders", TenantID: person.PartnerID}
		switch u.Stream {
		case reminder.Stream(u.PersonID):
			sc := reminder.NewSchedule()
			if _, err := s.Repo.Load(ctx, u.Stream, sc); err != nil {
				return n, fmt.Errorf("load reminders: %w", err)
			}
			if ev, ok := sc.ByMail[u.MailID]; ok {
				err = s.sendReminder(ctx, person, ev, meta)
			}
		case reminder.DigestStream(u.PersonID):
			ds := reminder.NewDigests()
			if _, err := s.Repo.Load(ctx, u.Stream, ds); err != nil {
				return n, fmt.Errorf("load digests: %w", err)
			}
			if ev, ok := ds.ByMail[u.MailID]; ok {
				err = s.sendDigest(ctx, person, ev, meta)
			}
		}
		if err != nil {
			s.Log.Error("queue reminder email", "mail", u.MailID, "err", err)
			continue
		}
		n++
	}
	return n, nil
}
