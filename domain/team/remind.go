package team

import (
	"errors"
	"fmt"
	"time"

	"github.com/awareportal/portal/domain"
)

// Cooldown is how long after a reminder the same manager cannot remind
// the same report again.
const Cooldown = 24 * time.Hour

var (
	// ErrNotReport is someone who is not the manager's direct report at
	// the manager's client (shown as not found).
	ErrNotReport = errors.New("not a direct report")
	// ErrNothingDue is a report with no course due or overdue.
	ErrNothingDue = errors.New("nothing due")
	// ErrCooldown is a reminder within Cooldown of the manager's last one.
	ErrCooldown = errors.New("reminded less than 24 hours ago")
)

// CooldownError says when the manager may remind the report again.
type CooldownError struct{ Until time.Time }

func (e CooldownError) Error() string {
	return fmt.Sprintf("%s: again from %s", ErrCooldown, e.Until.UTC().Format(time.RFC3339))
}

func (CooldownError) Is(target error) bool { return target == ErrCooldown }

// Reminders are the reminders one learner was sent.
type Reminders struct {
	LearnerID string
	Last      map[string]time.Time // manager id -> their last reminder
	Count     map[string]int       // manager id -> how many they sent
	ByMail    map[string]ReminderSent
}

// NewReminders is a learner nobody has reminded.
func NewReminders() *Reminders {
	return &Reminders{Last: map[string]time.Time{}, Count: map[string]int{}, ByMail: map[string]ReminderSent{}}
}

// Apply folds an event into the reminders (made by NewReminders).
func (r *Reminders) Apply(e domain.Event) {
	if ev, ok := e.(ReminderSent); ok {
		r.LearnerID = ev.LearnerID
		r.Last[ev.ManagerID] = ev.At
		r.Count[ev.ManagerID]++
		r.ByMail[ev.MailID] = ev
	}
}

// NextAllowed is when the manager may remind this learner (zero: now).
func (r *Reminders) NextAllowed(managerID string) time.Time {
	last, ok := r.Last[managerID]
	if !ok {
		return time.Time{}
	}
	return last.Add(Cooldown)
}

// Person is someone in the directory, as the rule needs them.
type Person struct {
	ID, ClientID, ManagerID string
}

// RemindInput is a manager's Remind.
type RemindInput struct {
	Manager Person
	Report  Person
	Due     []DueCourse // the report's courses due now or overdue
	MailID  string
}

// Remind records a manager's reminder to a direct report. Refused: someone
// who is not the manager's direct report at the same client, a report with
// nothing due, and a second reminder by the same manager within Cooldown
// (at exactly Cooldown it is allowed). Refusals record nothing.
func Remind(r *Reminders, in RemindInput, now time.Time) ([]domain.Event, error) {
	m, rep := in.Manager, in.Report
	if m.ID == "" || rep.ID == "" || rep.ID == m.ID || rep.ManagerID != m.ID || rep.ClientID != m.ClientID {
		return nil, ErrNotReport
	}
	if next := r.NextAllowed(m.ID); now.Before(next) {
		return nil, CooldownError{Until: next}
	}
	if len(in.Due) == 0 {
		return nil, ErrNothingDue
	}
	return []domain.Event{ReminderSent{ManagerID: m.ID, LearnerID: rep.ID, ClientID: rep.ClientID, MailID: in.MailID, Courses: in.Due, At: now}}, nil
}
