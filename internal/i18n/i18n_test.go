package i18n_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/awareportal/portal/internal/i18n"
)

// TestNegotiate: the learner's own choice, then the organisation's
// default, then the browser's Accept-Language, then English; a code the
// portal does not speak is passed over.
func TestNegotiate(t *testing.T) {
	cases := []struct {
		choice, client, accept string
		want                   i18n.Lang
	}{
		{"fr", "de", "en-GB,en;q=0.9", i18n.French},
		{"", "de", "fr-FR,fr;q=0.9", i18n.German},
		{"", "", "fr-FR,fr;q=0.9,en;q=0.5", i18n.French},
		{"", "", "de-CH", i18n.German},
		{"", "", "de-AT;q=0.4, fr-CA;q=0.8", i18n.French},
		{"", "", "en-US,en;q=0.9,de;q=0.8", i18n.English},
		{"", "", "nl-NL,nl;q=0.9", i18n.English}, // nothing close: English
		{"", "", "nl-NL, de;q=0.3", i18n.German},
		{"", "", "", i18n.English},
		{"", "", "*", i18n.English},
		{"", "", "this is ;;; not a header", i18n.English},
		{"", "", strings.Repeat("de,", 1000), i18n.English}, // too long to read
		{"es", "it", "fr", i18n.French},                     // choices the portal does not speak are skipped
		{" DE ", "", "", i18n.German},
	}
	for _, c := range cases {
		if got := i18n.Negotiate(c.choice, c.client, c.accept); got != c.want {
			t.Errorf("Negotiate(%q, %q, %.40q) = %s, want %s", c.choice, c.client, c.accept, got, c.want)
		}
	}
}

// TestDates: each language's own style, from tables (Go's time package
// knows English names only).
func TestDates(t *testing.T) {
	mon := time.Date(2026, 11, 23, 9, 14, 0, 0, time.FixedZone("CET", 3600))
	first := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC) // a Sunday in March
	cases := []struct {
		lang                                     i18n.Lang
		date, dayMonth, long, weekday, stamp     string
		firstDate, firstWeekday, firstDayOfMonth string
	}{
		{i18n.English, "23 Nov 2026", "23 Nov", "23 November 2026", "Monday 23 November", "23 Nov 2026 09:14 CET", "1 Mar 2026", "Sunday 1 March", "1 March 2026"},
		{i18n.German, "23. Nov. 2026", "23. Nov.", "23. November 2026", "Montag, 23. November", "23. Nov. 2026, 09:14 CET", "1. März 2026", "Sonntag, 1. März", "1. März 2026"},
		{i18n.French, "23 nov. 2026", "23 nov.", "23 novembre 2026", "lundi 23 novembre", "23 nov. 2026 à 09:14 CET", "1er mars 2026", "dimanche 1er mars", "1er mars 2026"},
	}
	for _, c := range cases {
		tr := i18n.For(c.lang)
		for _, got := range []struct{ name, got, want string }{
			{"Date", tr.Date(mon), c.date}, {"DayMonth", tr.DayMonth(mon), c.dayMonth}, {"LongDate", tr.LongDate(mon), c.long},
			{"Weekday", tr.Weekday(mon), c.weekday}, {"Stamp", tr.Stamp(mon), c.stamp},
			{"Date(1st)", tr.Date(first), c.firstDate}, {"Weekday(1st)", tr.Weekday(first), c.firstWeekday}, {"LongDate(1st)", tr.LongDate(first), c.firstDayOfMonth},
		} {
			if got.got != got.want {
				t.Errorf("%s %s = %q, want %q", c.lang, got.name, got.got, got.want)
			}
		}
	}
}

// TestPluralsAndNumbers: CLDR plural rules through the library (French
// "one" covers 0 and 1; "many" is for millions) and each language's digit
// grouping.
func TestPluralsAndNumbers(t *testing.T) {
	cases := []struct {
		lang i18n.Lang
		n    int
		want string
	}{
		{i18n.English, 1, "Due in 1 day"},
		{i18n.English, 0, "Due in 0 days"},
		{i18n.English, 1500, "Due in 1,500 days"},
		{i18n.German, 1, "Fällig in 1 Tag"},
		{i18n.German, 3, "Fällig in 3 Tagen"},
		{i18n.German, 1500, "Fällig in 1.500 Tagen"},
		{i18n.French, 0, "À faire dans 0 jour"},
		{i18n.French, 1, "À faire dans 1 jour"},
		{i18n.French, 2, "À faire dans 2 jours"},
		{i18n.French, 1500, "À faire dans 1\u202f500 jours"},
		{i18n.French, 1000000, "À faire dans 1\u202f000\u202f000 de jours"},
	}
	for _, c := range cases {
		if got := i18n.For(c.lang).N("due.in_days", c.n); got != c.want {
			t.Errorf("%s N(due.in_days, %d) = %q, want %q", c.lang, c.n, got, c.want)
		}
	}
	if got := i18n.For(i18n.English).Number(-1234567); got != "-1,234,567" {
		t.Errorf("Number(-1234567) = %q", got)
	}
}

// TestContext: a context carries its translator to templates; without
// one, English.
func TestContext(t *testing.T) {
	ctx := context.Background()
	if got := i18n.T(ctx, "due.today"); got != "Due today" {
		t.Errorf("no translator: %q", got)
	}
	ctx = i18n.With(ctx, i18n.For(i18n.German))
	if got := i18n.T(ctx, "due.today"); got != "Heute fällig" {
		t.Errorf("German: %q", got)
	}
	if got := i18n.N(ctx, "due.overdue_by", 2); got != "Seit 2 Tagen überfällig" {
		t.Errorf("German plural: %q", got)
	}
	if got := i18n.From(ctx).Lang(); got != i18n.German {
		t.Errorf("From(ctx).Lang() = %s", got)
	}
	// Arguments fill the message; in HTML they are escaped, the message's own markup is not.
	if got := i18n.T(ctx, "due.on", "Date", "<b>1. Dez.</b>"); got != "Fällig am <b>1. Dez.</b>" {
		t.Errorf("T with an argument: %q", got)
	}
	if got := i18n.HTML(ctx, "due.on", "Date", "<b>1. Dez.</b>"); got != "Fällig am &lt;b&gt;1. Dez.&lt;/b&gt;" {
		t.Errorf("HTML escapes arguments: %q", got)
	}
}

// TestPlainMessagesAsGoI18n: T and N fill every message themselves
// (plain.go); for every key of every language they answer what go-i18n
// does: with all its arguments, with none, with values that are not
// strings, with a name that is not a string, and N with counts that pick
// each plural form of each language.
func TestPlainMessagesAsGoI18n(t *testing.T) {
	c, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]bool{"no.such.key": true}
	for _, l := range i18n.Languages() {
		for _, k := range c.Keys(l) {
			keys[k] = true
		}
	}
	plain := 0
	for _, l := range i18n.Languages() {
		tr := i18n.For(l)
		for k := range keys {
			names, ok := i18n.Names(l, k)
			if ok {
				plain++
			}
			var all, numbers []any
			for i, n := range names {
				all = append(all, n, "<b>"+n+"</b> & more")
				numbers = append(numbers, n, []any{1000*i + 7, time.Duration(i+1) * time.Second, 2.5, nil}[i%4])
			}
			for _, args := range [][]any{all, nil, numbers, append([]any{42, "x"}, all...), append(all[:len(all):len(all)], "Extra")} {
				if got, want := tr.T(k, args...), i18n.Slow(l, k, args...); got != want {
					t.Errorf("%s %s %v: T = %q, go-i18n = %q", l, k, args, got, want)
				}
				for _, n := range []int{0, 1, 2, 3, 5, 11, 21, 101, 1_000, 1_000_000, 2_000_000, 1_500_000, -1, -2} {
					if got, want := tr.N(k, n, args...), i18n.SlowN(l, k, n, args...); got != want {
						t.Errorf("%s %s %d %v: N = %q, go-i18n = %q", l, k, n, args, got, want)
					}
				}
			}
		}
	}
	if plain < len(keys)*len(i18n.Languages())*9/10 {
		t.Errorf("only %d of %d messages are plain", plain, len(keys)*len(i18n.Languages()))
	}
	if got := i18n.For(i18n.German).HTML("courses.title", "X", "<i>"); got != i18n.For(i18n.German).T("courses.title") {
		t.Errorf("HTML of a message without names = %q", got)
	}
}
