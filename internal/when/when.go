// Package when words dates the way the portal shows them to people: in
// the learner's organisation's time zone, one style per language ("23
// Nov", "23 Nov 2027" in another year; i18n has the others), and due dates
// relative to today where they are ("Due tomorrow" is true where the
// learner is). The plain functions speak English; those taking an
// i18n.Translator speak its language.
package when

import (
	"errors"
	"strings"
	"time"

	"github.com/awareportal/portal/domain/reminder"
	"github.com/awareportal/portal/internal/i18n"
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
// local midnight ends the day before). It is Label in English.
func DueLabel(due, now time.Time, loc *time.Location) string {
	return Label(i18n.For(i18n.English), due, now, loc)
}

// Label is DueLabel in tr's language ("Morgen fällig", "En retard de 3 jours").
func Label(tr *i18n.Translator, due, now time.Time, loc *time.Location) string {
	switch st := Stand(due, now, loc); st.Kind {
	case Overdue:
		if st.Days > 0 {
			return tr.N("due.overdue_by", st.Days)
		}
		return tr.T("due.overdue")
	case Today:
		return tr.T("due.today")
	case Tomorrow:
		return tr.T("due.tomorrow")
	case InDays:
		return tr.N("due.in_days", st.Days)
	default:
		return tr.T("due.on", "Date", ShortIn(tr, st.Day, now, loc))
	}
}

// Kind is how a due date stands.
type Kind int

// How a due date stands, seen at a moment where the learner is.
const (
	Overdue  Kind = iota // past its due time (Days: whole days past)
	Today                // due later today
	Tomorrow             // due tomorrow
	InDays               // due in Days days, 2 to 14
	OnDay                // due on Day, further off
)

// Standing is where a due date stands at a moment, in a zone: what
// Label words, for callers that word it in a sentence of their own (a
// reminder's subject).
type Standing struct {
	Kind Kind
	Days int
	Day  time.Time // the local due day (reminder.DueDay)
}

// Stand says where due stands at now in loc.
func Stand(due, now time.Time, loc *time.Location) Standing {
	dueDay := reminder.DueDay(due, loc)
	if now.After(due) {
		return Standing{Kind: Overdue, Days: int(now.Sub(due) / day), Day: dueDay}
	}
	switch n := days(dayOf(now, loc), dueDay); {
	case n <= 0:
		return Standing{Kind: Today, Day: dueDay}
	case n == 1:
		return Standing{Kind: Tomorrow, Days: 1, Day: dueDay}
	case n <= 14:
		return Standing{Kind: InDays, Days: n, Day: dueDay}
	default:
		return Standing{Kind: OnDay, Days: n, Day: dueDay}
	}
}

// DueDate is the local due day in long form ("Monday 7 December").
func DueDate(due time.Time, loc *time.Location) string {
	return Day(i18n.For(i18n.English), due, loc)
}

// Day is DueDate in tr's language ("Montag, 7. Dezember", "lundi 7 décembre").
func Day(tr *i18n.Translator, due time.Time, loc *time.Location) string {
	return tr.Weekday(reminder.DueDay(due, loc))
}

// Short is t's local date, "23 Nov", with the year when it is not now's.
func Short(t, now time.Time, loc *time.Location) string {
	return ShortIn(i18n.For(i18n.English), t, now, loc)
}

// ShortIn is Short in tr's language ("23. Nov.", "23 nov. 2027").
func ShortIn(tr *i18n.Translator, t, now time.Time, loc *time.Location) string {
	t = t.In(loc)
	if t.Year() == now.In(loc).Year() {
		return tr.DayMonth(t)
	}
	return tr.Date(t)
}

// Stamp is an instant as pages show it: in loc (the client's zone), in the
// portal's one date style, naming the zone ("23 Nov 2026 09:14 CET").
func Stamp(t time.Time, loc *time.Location) string {
	return t.In(loc).Format(InstantStyle + " MST")
}

// DayStyle and InstantStyle are how pages write a day and an instant.
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

// ErrDate means a day could not be read.
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
