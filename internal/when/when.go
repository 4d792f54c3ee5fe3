// Package when words dates the way the portal shows them to people: in
// the learner's organisation's time zone, one style ("23 Nov", "23 Nov
// 2027" in another year), and due dates relative to today where they are
// ("Due tomorrow" is true where the learner is).
package when

import (
	"fmt"
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
