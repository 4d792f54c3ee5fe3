package when_test

import (
	"testing"
	"time"

	"github.com/awareportal/portal/domain/reminder"
	"github.com/awareportal/portal/internal/i18n"
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

// TestDueInEachLanguage: the same due dates, worded in German and French
// (the emails' and, later, the pages' words).
func TestDueInEachLanguage(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, berlin)
	due := func(y int, m time.Month, d int) time.Time { return reminder.EndOfDay(y, m, d, berlin) }
	cases := []struct {
		due      time.Time
		de, fr   string
		deDay    string
		frDayOne string
	}{
		{due(2026, 11, 23), "Heute fällig", "À faire aujourd’hui", "Montag, 23. November", "lundi 23 novembre"},
		{due(2026, 11, 24), "Morgen fällig", "À faire demain", "Dienstag, 24. November", "mardi 24 novembre"},
		{due(2026, 11, 28), "Fällig in 5 Tagen", "À faire dans 5 jours", "Samstag, 28. November", "samedi 28 novembre"},
		{due(2027, 3, 1), "Fällig am 1. März 2027", "À faire d’ici le 1er mars 2027", "Montag, 1. März", "lundi 1er mars"},
		{due(2026, 11, 20), "Seit 2 Tagen überfällig", "En retard de 2 jours", "Freitag, 20. November", "vendredi 20 novembre"},
	}
	de, fr := i18n.For(i18n.German), i18n.For(i18n.French)
	for _, c := range cases {
		if got := when.Label(de, c.due, now, berlin); got != c.de {
			t.Errorf("German label for %s: %q, want %q", c.due, got, c.de)
		}
		if got := when.Label(fr, c.due, now, berlin); got != c.fr {
			t.Errorf("French label for %s: %q, want %q", c.due, got, c.fr)
		}
		if got := when.Day(de, c.due, berlin); got != c.deDay {
			t.Errorf("German day for %s: %q, want %q", c.due, got, c.deDay)
		}
		if got := when.Day(fr, c.due, berlin); got != c.frDayOne {
			t.Errorf("French day for %s: %q, want %q", c.due, got, c.frDayOne)
		}
	}
}

// TestParseDayInEachLanguage: a German or French reader may type the day
// the way the page writes it (and the hint shows), and what the page
// writes back reads again; English reads what ParseDay reads, no more.
func TestParseDayInEachLanguage(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	de, fr, en := i18n.For(i18n.German), i18n.For(i18n.French), i18n.For(i18n.English)
	day := time.Date(2026, 11, 23, 0, 0, 0, 0, berlin)
	march := time.Date(2027, 3, 1, 0, 0, 0, 0, berlin)
	for _, c := range []struct {
		tr   *i18n.Translator
		s    string
		want time.Time
	}{
		{de, "23. Nov. 2026", day}, {de, "23. nov 2026", day}, {de, "23. November 2026", day}, {de, "23.11.2026", day},
		{de, "23 Nov 2026", day}, {de, "2026-11-23", day}, {de, "1. März 2027", march}, {de, de.Date(march), march},
		{fr, "23 nov. 2026", day}, {fr, "23 novembre 2026", day}, {fr, "1er mars 2027", march}, {fr, fr.Date(march), march},
		{fr, "2026-11-23", day}, {en, "23 Nov 2026", day},
	} {
		got, err := when.ParseDayIn(c.tr, c.s, berlin)
		if err != nil || !got.Equal(c.want) {
			t.Errorf("%s: ParseDayIn(%q) = %v, %v; want %v", c.tr.Lang(), c.s, got, err, c.want)
		}
	}
	for _, c := range []struct {
		tr *i18n.Translator
		s  string
	}{
		{de, "31. Feb. 2026"}, {de, "23/11/2026"}, {de, "23.13.2026"}, {de, "23. Foo 2026"}, {fr, "23.11.2026"},
		{fr, "31 févr. 2026"}, {en, "23. Nov. 2026"}, {en, "23 novembre 2026"}, {de, "morgen"},
	} {
		if _, err := when.ParseDayIn(c.tr, c.s, berlin); err == nil {
			t.Errorf("%s: ParseDayIn(%q) read a day", c.tr.Lang(), c.s)
		}
	}
}
