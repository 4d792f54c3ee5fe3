package reminders_test

import (
	"testing"
	"time"

	"github.com/awareportal/portal/domain/reminder"
	"github.com/awareportal/portal/internal/reminders"
)

// TestSubject: a reminder's subject says what it is about in words true
// where the learner is, and keeps a month's capital.
func TestSubject(t *testing.T) {
	at := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	item := func(title string, due time.Time) reminder.Item {
		return reminder.Item{AssignmentID: title, Title: title, DueAt: due}
	}
	cases := []struct {
		items []reminder.Item
		want  string
	}{
		{[]reminder.Item{item("Phishing", at.Add(3*24*time.Hour))}, "Reminder: Phishing is due in 3 days"},
		{[]reminder.Item{item("Phishing", at.Add(20*24*time.Hour))}, "Reminder: Phishing is due 13 Dec"},
		{[]reminder.Item{item("Phishing", at.Add(-time.Hour))}, "Reminder: Phishing is overdue"},
		{[]reminder.Item{item("A", at.Add(-time.Hour)), item("B", at.Add(-2*time.Hour))}, "Reminder: 2 courses overdue"},
		{[]reminder.Item{item("A", at.Add(-time.Hour)), item("B", at.Add(48*time.Hour))}, "Reminder: 2 courses due, 1 overdue"},
	}
	for _, c := range cases {
		if got := reminders.Subject(reminder.Sent{Items: c.items, At: at}, time.UTC); got != c.want {
			t.Errorf("%q, want %q", got, c.want)
		}
	}
}
