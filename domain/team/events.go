// Package team is a manager's nudge to their direct reports: the Remind
// button on My Team. One reminder per manager and report per 24 hours,
// only for a direct report at the manager's own client, only when the
// report has something due.
//
// A report's reminders are one stream (Stream), whoever sent them; the
// cooldown is kept per manager.
package team

import "time"

// Stream is the stream of the reminders a learner was sent by managers.
func Stream(learnerID string) string { return "teamreminders-" + learnerID }

// DueCourse is a course a reminder lists: due now, or overdue.
type DueCourse struct {
	AssignmentID string    `json:"assignment_id"`
	Title        string    `json:"title"`
	DueAt        time.Time `json:"due_at"`
	Overdue      bool      `json:"overdue,omitempty"`
}

// ReminderSent: a manager reminded a direct report of their due and
// overdue courses; the email (MailID, derived from the manager, the report
// and the reminder's number) is queued after the event is stored.
type ReminderSent struct {
	ManagerID string      `json:"manager_id"`
	LearnerID string      `json:"learner_id"`
	ClientID  string      `json:"client_id"`
	MailID    string      `json:"mail_id"`
	Courses   []DueCourse `json:"courses"`
	At        time.Time   `json:"at"`
}

func (ReminderSent) EventName() string { return "team.reminder_sent.v1" }
