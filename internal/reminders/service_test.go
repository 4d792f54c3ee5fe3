package reminders_test

import (
	"testing"
	"time"

	"github.com/awareportal/portal/domain/reminder"
	"github.com/awareportal/portal/internal/i18n"
	"github.com/awareportal/portal/internal/reminders"
)

// TestSubject: a reminder's subject says what it is about in words true
// where the learner is, in the learner's language, and keeps a month's
// capital.
func TestSubject(t *testing.T) {
	at := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	item := func(title string, due time.Time) reminder.Item {
		return reminder.Item{AssignmentID: title, Title: title, DueAt: due}
	}
	cases := []struct {
		items      []reminder.Item
		en, de, fr string
	}{
		{[]reminder.Item{item("Phishing", at.Add(3*24*time.Hour))},
			"Reminder: Phishing is due in 3 days", "Erinnerung: Phishing ist in 3 Tagen fällig", "Rappel\u00a0: Phishing est à faire dans 3 jours"},
		{[]reminder.Item{item("Phishing", at.Add(20*24*time.Hour))},
			"Reminder: Phishing is due 13 Dec", "Erinnerung: Phishing ist am 13. Dez. fällig", "Rappel\u00a0: Phishing est à faire d’ici le 13 déc."},
		{[]reminder.Item{item("Phishing", at.Add(20*time.Hour))},
			"Reminder: Phishing is due tomorrow", "Erinnerung: Phishing ist morgen fällig", "Rappel\u00a0: Phishing est à faire demain"},
		{[]reminder.Item{item("Phishing", at.Add(-time.Hour))},
			"Reminder: Phishing is overdue", "Erinnerung: Phishing ist überfällig", "Rappel\u00a0: Phishing est en retard"},
		{[]reminder.Item{item("A", at.Add(-time.Hour)), item("B", at.Add(-2*time.Hour))},
			"Reminder: 2 courses overdue", "Erinnerung: 2 Kurse überfällig", "Rappel\u00a0: 2 cours en retard"},
		{[]reminder.Item{item("A", at.Add(-time.Hour)), item("B", at.Add(48*time.Hour))},
			"Reminder: 2 courses due, 1 overdue", "Erinnerung: 2 Kurse fällig, davon 1 überfällig", "Rappel\u00a0: 2 cours à faire, dont 1 en retard"},
		{[]reminder.Item{item("A", at.Add(time.Hour)), item("B", at.Add(48*time.Hour))},
			"Reminder: 2 courses due soon", "Erinnerung: 2 Kurse bald fällig", "Rappel\u00a0: 2 cours à faire bientôt"},
	}
	for _, c := range cases {
		for lang, want := range map[i18n.Lang]string{i18n.English: c.en, i18n.German: c.de, i18n.French: c.fr} {
			if got := reminders.Subject(i18n.For(lang), reminder.Sent{Items: c.items, At: at}, time.UTC); got != want {
				t.Errorf("%s: %q, want %q", lang, got, want)
			}
		}
	}
}
