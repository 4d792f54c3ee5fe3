// Package when words dates the way the portal shows them to people: in
// the learner's organisation's time zone, one style ("23 Nov", "23 Nov
// 2027" in another year), and due dates relative to today where they are
// ("Due tomorrow" is true where the learner is).
package when

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/awareportal/portal/domain/reminder"
)

const day = 24 * time.Hour

// dayOf is t's local calendar day, at midnight.
func dayOf(t time.Time, loc *time.Location) time.Time {
	t = t.In(loc)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
}

// days between two local midnights, by calendar (a DST day still counts 1).
func days(from, to time.Time) int {
	a := time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, time.UTC)
	b := time.Date(to.Year(), to.Month(), to.Day(), 0, 0, 0, 0, time.UTC)
	return int(b.Sub(a) / day)
}

// DueLabel says when something due at due is due, seen at now in loc:
// "Due today", "Due tomorrow", "Due in 5 days", "Due 23 Dec", "Overdue",
// "Overdue by 3 days". The due day is reminder.DueDay (a due time at
// local midnight ends the day before).
func DueLabel(due, now time.Time, loc *time.Location) string {
	dueDay := reminder.DueDay(due, loc)
	today := dayOf(now, loc)
	if now.After(due) {
		switch n := int(now.Sub(due) / day); {
		case n <= 0:
			return "Overdue"
		case n == 1:
			return "Overdue by 1 day"
		default:
			return fmt.Sprintf("Overdue by %d days", n)
		}
	}
	switch n := days(today, dueDay); {
	case n <= 0:
		return "Due today"
	case n == 1:
		return "Due tomorrow"
	case n <= 14:
		return fmt.Sprintf("Due in %d days", n)
	default:
		return "Due " + Short(dueDay, now, loc)
	}
}

// DueDate is the local due day in long form ("Monday 7 December").
func DueDate(due time.Time, loc *time.Location) string {
	return reminder.DueDay(due, loc).Format("Monday 2 January")
}

// Short is t's local date, "23 Nov", with the year when it is not now's.
func Short(t, now time.Time, loc *time.Location) string {
	t = t.In(loc)
	if t.Year() == now.In(loc).Year() {
		return t.Format("2 Jan")
	}
	return t.Format("2 Jan 2006")
}

// Stamp is an instant as pages show it: in loc (the client's zone), in the
// portal's one date style, naming the zone ("23 Nov 2026 09:14 CET").
func Stamp(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("2 Jan 2006 15:04 MST")
}

// DayStyle and InstantStyle are how pages write a day and an instant, and
// the form fields' examples.
const (
	DayStyle     = "2 Jan 2006"
	InstantStyle = "2 Jan 2006 15:04"
)

// dayLayouts are the ways a person may type a day: the portal's own style
// first, then ISO (what date pickers send and older links carry).
var dayLayouts = []string{"2 Jan 2006", "2 January 2006", "2 Jan. 2006", "2006-01-02"}

// instantLayouts add a time of day to each.
var instantLayouts = []string{
	"2 Jan 2006 15:04", "2 January 2006 15:04", "2 Jan 2006, 15:04", "2 January 2006, 15:04",
	"2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02T15:04:05",
}

// ErrDate means a date or instant could not be read.
var ErrDate = errors.New("write the date like 23 Nov 2026")

// ErrInstant means an instant could not be read.
var ErrInstant = errors.New("write the date and time like 23 Nov 2026 14:30")

// ParseDay reads a day ("23 Nov 2026" or "2026-11-23") and returns its
// start in loc; a blank s is the zero time. Numeric day/month orders
// ("03/04/2026") are refused: they mean different days in different
// countries.
func ParseDay(s string, loc *time.Location) (time.Time, error) {
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range dayLayouts {
		if t, err := time.ParseInLocation(layout, titleMonth(s), loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, ErrDate
}

// ParseInstant reads a day and a time of day in loc ("23 Nov 2026 14:30",
// "2026-11-23T14:30").
func ParseInstant(s string, loc *time.Location) (time.Time, error) {
	s = strings.Join(strings.Fields(s), " ")
	for _, layout := range instantLayouts {
		if t, err := time.ParseInLocation(layout, titleMonth(s), loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, ErrInstant
}

// titleMonth lets "23 nov 2026" and "23 NOV 2026" read as "23 Nov 2026"
// (Go's month names match case-sensitively).
func titleMonth(s string) string {
	f := strings.Fields(s)
	for i, w := range f {
		if len(w) >= 3 && w[0] >= 'A' && w[0] <= 'z' {
			f[i] = strings.ToUpper(w[:1]) + strings.ToLower(w[1:])
		}
	}
	return strings.Join(f, " ")
}
