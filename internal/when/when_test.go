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
