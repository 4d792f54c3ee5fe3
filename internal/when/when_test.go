package when_test

import (
	"testing"
	"time"

	"github.com/awareportal/portal/domain/reminder"
	"github.com/awareportal/portal/internal/when"
)

// TestDueTomorrowIsTrueWhereTheLearnerIs: the same instant reads
// differently in Auckland and in Los Angeles, and a due date entered as a
// day is due until that day's local midnight.
func TestDueTomorrowIsTrueWhereTheLearnerIs(t *testing.T) {
	auckland, _ := time.LoadLocation("Pacific/Auckland")
	la, _ := time.LoadLocation("America/Los_Angeles")
	due := reminder.EndOfDay(2026, 12, 2, auckland) // due "2026-12-02" in Auckland: 2 Dec 11:00 UTC
	cases := []struct {
		now  time.Time
		loc  *time.Location
		want string
	}{
		{time.Date(2026, 12, 1, 10, 0, 0, 0, auckland), auckland, "Due tomorrow"},
		{time.Date(2026, 12, 2, 23, 59, 0, 0, auckland), auckland, "Due today"},
		{time.Date(2026, 12, 3, 0, 0, 1, 0, auckland), auckland, "Overdue"},
		{time.Date(2026, 12, 4, 9, 0, 0, 0, auckland), auckland, "Overdue by 1 day"},
		// The same due instant is 2 Dec 03:00 in Los Angeles: due on the 2nd there, but only until 03:00.
		{time.Date(2026, 12, 1, 10, 0, 0, 0, la), la, "Due tomorrow"},
		{time.Date(2026, 12, 2, 2, 0, 0, 0, la), la, "Due today"},
		{time.Date(2026, 12, 2, 4, 0, 0, 0, la), la, "Overdue"},
		{time.Date(2026, 11, 1, 10, 0, 0, 0, auckland), auckland, "Due 2 Dec"},
	}
	for _, c := range cases {
		if got := when.DueLabel(due, c.now, c.loc); got != c.want {
			t.Errorf("at %s in %s: %q, want %q", c.now.In(c.loc).Format(time.RFC3339), c.loc, got, c.want)
		}
	}
	if got := when.DueDate(due, auckland); got != "Wednesday 2 December" {
		t.Errorf("DueDate = %q", got)
	}
}

func TestStampNamesTheZone(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	at := time.Date(2026, 11, 23, 8, 14, 0, 0, time.UTC)
	if got := when.Stamp(at, berlin); got != "23 Nov 2026 09:14 CET" {
		t.Errorf("Stamp in Berlin = %q", got)
	}
	if got := when.Stamp(at, time.UTC); got != "23 Nov 2026 08:14 UTC" {
		t.Errorf("Stamp in UTC = %q", got)
	}
}

func TestParseDayAndInstant(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	day := time.Date(2026, 11, 23, 0, 0, 0, 0, berlin)
	for _, s := range []string{"23 Nov 2026", " 23  nov 2026 ", "23 November 2026", "23 NOV 2026", "2026-11-23"} {
		got, err := when.ParseDay(s, berlin)
		if err != nil || !got.Equal(day) {
			t.Errorf("ParseDay(%q) = %v, %v; want %v", s, got, err, day)
		}
	}
	if got, err := when.ParseDay("", berlin); err != nil || !got.IsZero() {
		t.Errorf("blank day = %v, %v; want no day", got, err)
	}
	for _, s := range []string{"11/23/2026", "23/11/2026", "03/04/2026", "31 Feb 2026", "tomorrow", "2026-13-01"} {
		if _, err := when.ParseDay(s, berlin); err == nil {
			t.Errorf("ParseDay(%q) read a day", s)
		}
	}
	instant := time.Date(2026, 11, 23, 14, 30, 0, 0, berlin)
	for _, s := range []string{"23 Nov 2026 14:30", "23 nov 2026, 14:30", "2026-11-23T14:30", "2026-11-23 14:30"} {
		got, err := when.ParseInstant(s, berlin)
		if err != nil || !got.Equal(instant) {
			t.Errorf("ParseInstant(%q) = %v, %v; want %v", s, got, err, instant)
		}
	}
	if _, err := when.ParseInstant("23 Nov 2026", berlin); err == nil {
		t.Error("an instant without a time of day was read")
	}
}
