package views_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/a-h/templ"

	"github.com/awareportal/portal/internal/i18n"
	"github.com/awareportal/portal/views"
)

func renderIn(t *testing.T, l i18n.Lang, c templ.Component) string {
	t.Helper()
	var b bytes.Buffer
	if err := c.Render(i18n.With(context.Background(), i18n.For(l)), &b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestCoursePagesCountInEachLanguage: the words that follow a count take
// the language's plural form: one course and two in English and German,
// and in French 0 and 1 take the singular ("0 cours terminé"); numbers are
// grouped the language's way.
func TestCoursePagesCountInEachLanguage(t *testing.T) {
	next := &views.CourseCard{AssignmentID: "a", Title: "Spotting Phishing", DueLabel: "x", Minutes: 1}
	for _, tc := range []struct {
		lang i18n.Lang
		c    templ.Component
		want string
	}{
		{i18n.English, hero(next, 1, 0), "1 more course due after this one."},
		{i18n.English, hero(next, 2, 0), "2 more courses due after this one."},
		{i18n.English, hero(next, 0, 0), "About 1 minute<"},
		{i18n.German, hero(next, 1, 0), "Danach ist noch 1 weiterer Kurs fällig."},
		{i18n.German, hero(next, 2, 0), "Danach sind noch 2 weitere Kurse fällig."},
		{i18n.German, hero(next, 0, 0), "Etwa 1 Minute<"},
		{i18n.French, hero(next, 1, 0), "Encore 1 autre cours à faire après celui-ci."},
		{i18n.French, hero(next, 1500, 0), "Encore 1\u202f500 autres cours à faire après celui-ci."},
		{i18n.French, hero(next, 0, 0), "Environ 1\u00a0minute<"},
		{i18n.English, hero(nil, 0, 1), "All caught up — 1 course completed this year."},
		{i18n.German, hero(nil, 0, 0), "Alles erledigt – 0 Kurse in diesem Jahr abgeschlossen."},
		{i18n.German, hero(nil, 0, 1), "Alles erledigt – 1 Kurs in diesem Jahr abgeschlossen."},
		{i18n.German, hero(nil, 0, 2), "Alles erledigt – 2 Kurse in diesem Jahr abgeschlossen."},
		{i18n.French, hero(nil, 0, 0), "Vous êtes à jour — 0 cours terminé cette année."},
		{i18n.French, hero(nil, 0, 1), "Vous êtes à jour — 1 cours terminé cette année."},
		{i18n.French, hero(nil, 0, 2), "Vous êtes à jour — 2 cours terminés cette année."},
		{i18n.English, stats(1, 0), `<span class="tile-num">1</span><span class="tile-label">course completed</span>`},
		{i18n.English, stats(2, 0), `<span class="tile-num">2</span><span class="tile-label">courses completed</span>`},
		{i18n.German, stats(1, 0), `<span class="tile-label">Kurs abgeschlossen</span>`},
		{i18n.German, stats(2, 3), `<span class="tile-label">Kurse abgeschlossen</span>`},
		{i18n.German, stats(2, 3), `jetzt fällig (3 überfällig)`},
		{i18n.German, stats(1234, 0), `<span class="tile-num">1.234</span>`},
		{i18n.French, stats(0, 0), `<span class="tile-label">cours terminé</span>`},
		{i18n.French, stats(1, 1), `<span class="tile-label">cours terminé</span>`},
		{i18n.French, stats(2, 1), `<span class="tile-label">cours terminés</span>`},
		{i18n.French, stats(2, 1), `à faire maintenant (1 en retard)`},
	} {
		if got := renderIn(t, tc.lang, tc.c); !strings.Contains(got, tc.want) {
			t.Errorf("%s: want %q in:\n%s", tc.lang, tc.want, got)
		}
	}
}

func hero(next *views.CourseCard, more, completed int) templ.Component {
	return views.CoursesPanel(views.CoursesHome{FirstName: "Sam", Organisation: "Acme", Next: next, MoreDue: more, CompletedThisYear: completed})
}

func stats(completed, overdue int) templ.Component {
	return views.StatsPage(views.Page{Title: "x"}, views.StatsView{Completions: completed, Due: overdue, Overdue: overdue})
}
