package reminder

import "time"

// Stream is the stream of the scheduled reminders a learner was sent.
func Stream(learnerID string) string { return "reminders-" + learnerID }

// DigestStream is the stream of a manager's weekly digests.
func DigestStream(managerID string) string { return "digests-" + managerID }

// Item is one course a scheduled reminder is about, and the occasion it is
// for (the rule and its place in the assignment's schedule).
type Item struct {
	AssignmentID string    `json:"assignment_id"`
	Title        string    `json:"title"`
	DueAt        time.Time `json:"due_at"`
	Rule         Rule      `json:"rule"`
	// Seq orders an assignment's occasions (see Occasions); a reminder
	// covers every occasion up to it.
	Seq int `json:"seq"`
}

// Overdue says whether the item was overdue when reminded at at.
func (i Item) Overdue(at time.Time) bool { return at.After(i.DueAt) }

// Sent: a scheduled reminder went to a learner about one or more courses,
// one occasion each; the email (MailID, derived from the learner and the
// occasions) is queued after the event is stored.
type Sent struct {
	LearnerID string    `json:"learner_id"`
	ClientID  string    `json:"client_id"`
	MailID    string    `json:"mail_id"`
	Items     []Item    `json:"items"`
	At        time.Time `json:"at"`
}

func (Sent) EventName() string { return "reminder.sent.v1" }

// Overdue is how many of the reminder's courses were overdue.
func (s Sent) Overdue() int {
	n := 0
	for _, it := range s.Items {
		if it.Overdue(s.At) {
			n++
		}
	}
	return n
}

// DigestReport is one direct report in a manager's digest: a count, never
// a score or a course's detail.
type DigestReport struct {
	LearnerID string `json:"learner_id"`
	Name      string `json:"name"`
	Overdue   int    `json:"overdue"`
}

// DigestSent: a manager's weekly digest of their reports' overdue courses
// went out, for the slot (the local date of the scheduled weekday).
type DigestSent struct {
	ManagerID string         `json:"manager_id"`
	ClientID  string         `json:"client_id"`
	MailID    string         `json:"mail_id"`
	Slot      string         `json:"slot"` // 2026-11-23
	Reports   []DigestReport `json:"reports"`
	At        time.Time      `json:"at"`
}

func (DigestSent) EventName() string { return "reminder.digest_sent.v1" }
