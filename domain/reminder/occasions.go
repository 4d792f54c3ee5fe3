package reminder

import "time"

// DueDay is the local calendar day something due at due is due on. A due
// time at local midnight is the end of the day before it: due on
// "2026-12-31" is stored as 1 January 00:00 local, and is due on the 31st.
func DueDay(due time.Time, loc *time.Location) time.Time {
	d := due.In(loc).Add(-time.Nanosecond)
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc)
}

// EndOfDay is when something due on the local date day (y-m-d) falls due:
// the next local midnight.
func EndOfDay(y int, m time.Month, d int, loc *time.Location) time.Time {
	return time.Date(y, m, d+1, 0, 0, 0, 0, loc)
}

// Occasion is one time an assignment is to be reminded of.
type Occasion struct {
	Seq  int // 1, 2, … in time order
	Rule Rule
	At   time.Time
}

// at is the local hour h on the day d days after day (DST-safe: the
// calendar day moves, not 24-hour steps).
func at(day time.Time, d, h int, loc *time.Location) time.Time {
	return time.Date(day.Year(), day.Month(), day.Day()+d, h, 0, 0, 0, loc)
}

// Occasions lists, in time order, when an assignment due at due is
// reminded of under the rules, in the client's time zone loc: the day
// DaysBefore before its due day, the due day, then every OverdueEveryDays
// days after it, OverdueLimit times; each at the rules' local hour. An
// occasion on the due day at or after the due time is left out (the
// overdue ones cover it).
func (r LearnerRules) Occasions(due time.Time, loc *time.Location) []Occasion {
	if !r.Enabled {
		return nil
	}
	day := DueDay(due, loc)
	var out []Occasion
	add := func(rule Rule, t time.Time) {
		out = append(out, Occasion{Seq: len(out) + 1, Rule: rule, At: t})
	}
	if r.DaysBefore > 0 {
		if t := at(day, -r.DaysBefore, r.Hour, loc); t.Before(due) {
			add(RuleBefore, t)
		}
	}
	if r.OnDueDate {
		if t := at(day, 0, r.Hour, loc); t.Before(due) {
			add(RuleDue, t)
		}
	}
	if r.OverdueEveryDays > 0 {
		for k := 1; k <= r.OverdueLimit; k++ {
			add(RuleOverdue, at(day, k*r.OverdueEveryDays, r.Hour, loc))
		}
	}
	return out
}

// Next is the occasion to remind of now: the latest one at or before now
// that is after from (when the course became available) and after the
// occasion already reminded (done, its Seq; 0 for none). Earlier missed
// occasions are covered by it (a late sweep catches up with one reminder,
// not a flood). ok is false when there is nothing to remind of.
func Next(occ []Occasion, done int, from, now time.Time) (Occasion, bool) {
	var best Occasion
	found := false
	for _, o := range occ {
		if o.At.After(now) {
			break
		}
		if o.Seq <= done || o.At.Before(from) {
			continue
		}
		best, found = o, true
	}
	return best, found
}

// DigestSlot is the latest digest time at or before now (the rule's
// weekday and hour, local), and its local date as the slot's name.
func (d DigestRule) Slot(now time.Time, loc *time.Location) (time.Time, string) {
	l := now.In(loc)
	back := (int(l.Weekday()) - int(d.Day()) + 7) % 7
	t := time.Date(l.Year(), l.Month(), l.Day()-back, d.Hour, 0, 0, 0, loc)
	if t.After(now) {
		t = time.Date(l.Year(), l.Month(), l.Day()-back-7, d.Hour, 0, 0, 0, loc)
	}
	return t, t.Format("2006-01-02")
}
