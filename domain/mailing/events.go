// Package mailing records the life of every email the portal sends, so
// support can answer "where is my sign-in email?".
package mailing

import "time"

// Stream is the stream of mail id.
func Stream(mailID string) string { return "mail-" + mailID }

// Kind says what an email is for.
type Kind string

const (
	KindSignInLink Kind = "sign_in_link"
	// KindSignInMethod tells someone whose organisation turned email links
	// off which button to use; it signs nobody in.
	KindSignInMethod    Kind = "sign_in_method"
	KindCourseAvailable Kind = "course_available"
	KindCertificate     Kind = "certificate"
	// KindWelcome greets a new learner with a 7-day training link.
	KindWelcome Kind = "welcome"
	// KindTeamReminder is a manager's reminder (My Team) listing the
	// learner's due and overdue courses, each with a 7-day training link.
	KindTeamReminder Kind = "team_reminder"
	// KindReminder is a scheduled reminder (the client's reminder policy)
	// of the learner's due and overdue courses, with 7-day training links.
	KindReminder Kind = "reminder"
	// KindDigest is a manager's weekly digest of their reports' overdue
	// courses.
	KindDigest Kind = "manager_digest"
	// KindBreachNotification tells a learner of breaches newly found for
	// their email (Dark Web Monitoring), with a 7-day link to Breaches.
	KindBreachNotification Kind = "breach_notification"
)

// MailQueued: an email was put on the durable send queue.
type MailQueued struct {
	MailID    string    `json:"mail_id"`
	Kind      Kind      `json:"kind"`
	To        string    `json:"to"`
	Subject   string    `json:"subject"`
	LearnerID string    `json:"learner_id,omitempty"`
	Cause     string    `json:"cause,omitempty"` // the stream that asked for it
	At        time.Time `json:"at"`
}

func (MailQueued) EventName() string { return "mailing.mail_queued.v1" }

// MailSent: the SMTP server accepted the email.
type MailSent struct {
	MailID  string    `json:"mail_id"`
	Attempt int       `json:"attempt"`
	At      time.Time `json:"at"`
}

func (MailSent) EventName() string { return "mailing.mail_sent.v1" }

// MailFailed: a send attempt failed; Final when no retry will follow.
type MailFailed struct {
	MailID  string    `json:"mail_id"`
	Attempt int       `json:"attempt"`
	Reply   string    `json:"reply"` // the SMTP server's answer or the network error
	Final   bool      `json:"final"`
	At      time.Time `json:"at"`
}

func (MailFailed) EventName() string { return "mailing.mail_failed.v1" }
