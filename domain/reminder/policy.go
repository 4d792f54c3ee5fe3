// Package reminder is the scheduled reminders a client's policy sends:
// to learners about their courses (days before the due date, on it, then
// every few days while overdue, up to a limit) and to managers, a weekly
// digest of their reports' overdue courses. Times are the client's local
// time (its IANA time zone).
//
// Each learner's scheduled reminders are one stream (Stream); each
// occasion of each assignment is reminded at most once, and a reminder
// covers every earlier occasion it caught up with. Each manager's digests
// are one stream (DigestStream), one per weekly slot.
package reminder

import (
	"fmt"
	"strings"
	"time"
)

// Rule is which part of the policy an occasion comes from.
type Rule string

const (
	RuleBefore  Rule = "before"  // N days before the due date
	RuleDue     Rule = "due"     // on the due date
	RuleOverdue Rule = "overdue" // every M days while overdue
)

// Limits of a policy.
const (
	MaxDaysBefore   = 30
	MaxOverdueEvery = 60
	MaxOverdueStop  = 20
)

// LearnerRules are when learners are reminded of their courses.
type LearnerRules struct {
	Enabled bool `json:"enabled"`
	// DaysBefore: one reminder this many days before the due date (0: none).
	DaysBefore int `json:"days_before"`
	// OnDueDate: one reminder on the due date.
	OnDueDate bool `json:"on_due_date"`
	// OverdueEveryDays: while overdue, one reminder every this many days
	// (0: none), at most OverdueLimit of them.
	OverdueEveryDays int `json:"overdue_every_days"`
	OverdueLimit     int `json:"overdue_limit"`
	// Hour is the local hour (0-23) reminders go out.
	Hour int `json:"hour"`
}

// DigestRule is when managers get their weekly digest.
type DigestRule struct {
	Enabled bool   `json:"enabled"`
	Weekday string `json:"weekday"` // monday … sunday
	Hour    int    `json:"hour"`    // local, 0-23
}

var weekdays = map[string]time.Weekday{
	"sunday": time.Sunday, "monday": time.Monday, "tuesday": time.Tuesday, "wednesday": time.Wednesday,
	"thursday": time.Thursday, "friday": time.Friday, "saturday": time.Saturday,
}

// Day is the digest's weekday (Monday if unknown; Validate refuses that).
func (d DigestRule) Day() time.Weekday {
	if w, ok := weekdays[d.Weekday]; ok {
		return w
	}
	return time.Monday
}

// Policy is a client's reminder policy.
type Policy struct {
	Learners LearnerRules `json:"learners"`
	Digest   DigestRule   `json:"manager_digest"`
}

// DefaultPolicy is what a client that never set a policy gets: learners
// are reminded 3 days before, on the due date, then weekly while overdue
// (3 times at most), at 9:00; managers get a digest on Mondays at 9:00.
func DefaultPolicy() Policy {
	return Policy{
		Learners: LearnerRules{Enabled: true, DaysBefore: 3, OnDueDate: true, OverdueEveryDays: 7, OverdueLimit: 3, Hour: 9},
		Digest:   DigestRule{Enabled: true, Weekday: "monday", Hour: 9},
	}
}

// FieldError is a policy field that is out of range.
type FieldError struct{ Field, Problem string }

func (e FieldError) Error() string { return e.Field + " " + e.Problem }

// Validate checks every field; the first problem is returned.
func (p Policy) Validate() error {
	l := p.Learners
	switch {
	case l.DaysBefore < 0 || l.DaysBefore > MaxDaysBefore:
		return FieldError{"learners.days_before", fmt.Sprintf("must be 0 (none) to %d", MaxDaysBefore)}
	case l.OverdueEveryDays < 0 || l.OverdueEveryDays > MaxOverdueEvery:
		return FieldError{"learners.overdue_every_days", fmt.Sprintf("must be 0 (none) to %d", MaxOverdueEvery)}
	case l.OverdueLimit < 0 || l.OverdueLimit > MaxOverdueStop:
		return FieldError{"learners.overdue_limit", fmt.Sprintf("must be 0 to %d", MaxOverdueStop)}
	case l.OverdueEveryDays > 0 && l.OverdueLimit == 0:
		return FieldError{"learners.overdue_limit", "must be at least 1 when overdue_every_days is set"}
	case l.Hour < 0 || l.Hour > 23:
		return FieldError{"learners.hour", "must be 0 to 23"}
	case weekdays[p.Digest.Weekday] == 0 && p.Digest.Weekday != "sunday":
		return FieldError{"manager_digest.weekday", "must be a day of the week in English, like monday"}
	case p.Digest.Hour < 0 || p.Digest.Hour > 23:
		return FieldError{"manager_digest.hour", "must be 0 to 23"}
	}
	return nil
}

// Normalized is the policy with its weekday in lower case and trimmed.
func (p Policy) Normalized() Policy {
	p.Digest.Weekday = strings.ToLower(strings.TrimSpace(p.Digest.Weekday))
	return p
}
