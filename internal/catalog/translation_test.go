package catalog_test

import (
	"maps"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/awareportal/portal/internal/catalog"
	"github.com/awareportal/portal/internal/i18n"
)

// TestBuiltinTranslations: Spotting Phishing reads in German and French
// under the English's ids, version and answers; a course without a
// translation falls back to English and says so.
func TestBuiltinTranslations(t *testing.T) {
	c, err := catalog.Load(catalog.Builtin())
	if err != nil {
		t.Fatal(err)
	}
	en, err := c.Latest("spotting-phishing")
	if err != nil {
		t.Fatal(err)
	}
	for lang, want := range map[i18n.Lang]struct{ title, lesson, question, choice string }{
		i18n.German: {"Phishing erkennen", "<h1>So sieht Phishing aus</h1>", "Welche Adresse gehört wirklich zu example.com?", "Sofort die IT informieren und das Passwort ändern"},
		i18n.French: {"Repérer le phishing", "<h1>À quoi ressemble le phishing</h1>", "Quelle adresse appartient vraiment à example.com\u00a0?", "Prévenir immédiatement le service informatique et changer ce mot de passe"},
	} {
		v, fellBack := en.In(lang)
		if fellBack || v.Lang() != lang {
			t.Fatalf("%s: fell back %v, lang %s", lang, fellBack, v.Lang())
		}
		if v.Title != want.title || v.Summary == en.Summary || v.Summary == "" {
			t.Errorf("%s: title %q, summary %q", lang, v.Title, v.Summary)
		}
		if !strings.Contains(string(v.Lessons[0].HTML), want.lesson) || !strings.Contains(string(v.Lessons[0].HTML), `src="/course-assets/spotting-phishing/1/img/phish-email.svg"`) {
			t.Errorf("%s: lesson 1: %s", lang, v.Lessons[0].HTML)
		}
		if v.Quiz.Questions[1].Text != want.question || v.Quiz.Questions[2].Choices[1].Text != want.choice {
			t.Errorf("%s: quiz %q / %q", lang, v.Quiz.Questions[1].Text, v.Quiz.Questions[2].Choices[1].Text)
		}
		// Only words differ: same version, ids, answers, pass mark, minutes.
		if v.ID != en.ID || v.Version != en.Version || v.Minutes != en.Minutes || v.Quiz.PassMark != en.Quiz.PassMark || !maps.Equal(v.Quiz.Key(), en.Quiz.Key()) {
			t.Errorf("%s: not the same course: %+v", lang, v)
		}
		for i, l := range v.Lessons {
			if l.ID != en.Lessons[i].ID || l.Title == en.Lessons[i].Title {
				t.Errorf("%s: lesson %d: %q %q", lang, i, l.ID, l.Title)
			}
		}
		if got := c.Title("spotting-phishing", 1, lang, "x"); got != want.title {
			t.Errorf("%s: catalog title %q", lang, got)
		}
	}
	// The English is the English, and never "fell back".
	if v, fellBack := en.In(i18n.English); v != en || fellBack {
		t.Errorf("English: %v %v", v.Title, fellBack)
	}
	if got := en.Languages(); len(got) != 3 {
		t.Errorf("languages %v", got)
	}
	// A course with no German: the English, and fellBack says so.
	pw, err := c.Latest("passwords-and-mfa")
	if err != nil {
		t.Fatal(err)
	}
	if v, fellBack := pw.In(i18n.German); v != pw || !fellBack || v.Lang() != i18n.English {
		t.Errorf("passwords-and-mfa in German: %q fell back %v", v.Title, fellBack)
	}
	if got := c.Title("passwords-and-mfa", 1, i18n.French, "x"); got != pw.Title {
		t.Errorf("fallback title %q", got)
	}
	if got := c.Title("gone", 1, i18n.French, "Stored title"); got != "Stored title" {
		t.Errorf("unknown course title %q", got)
	}
}

const english = `{"id":"cc","version":1,"title":"Course","summary":"Sum","lessons":[{"id":"one","title":"One","file":"01.md"},{"id":"two","title":"Two","file":"02.md"}],
"quiz":{"pass_mark":50,"questions":[{"id":"q1","text":"Q?","explanation":"Why","answer":"b","choices":[{"id":"a","text":"A"},{"id":"b","text":"B"}]}]}}`

const german = `{"title":"Kurs","summary":"Zus","lessons":[{"id":"one","title":"Eins","file":"01.md"},{"id":"two","title":"Zwei","file":"02.md"}],
"quiz":{"questions":[{"id":"q1","text":"F?","explanation":"Weil","choices":[{"id":"a","text":"A-de"},{"id":"b","text":"B-de"}]}]}}`

func course(extra map[string]string) fstest.MapFS {
	fsys := fstest.MapFS{
		"cc/course.json": {Data: []byte(english)},
		"cc/01.md":       {Data: []byte("# One\n\n![x](img/x.svg)\n")},
		"cc/02.md":       {Data: []byte("# Two\n")},
		"cc/de/01.md":    {Data: []byte("# Eins\n\n![x](img/x.svg)\n")},
		"cc/de/02.md":    {Data: []byte("# Zwei\n")},
	}
	for name, data := range extra {
		fsys[name] = &fstest.MapFile{Data: []byte(data)}
	}
	return fsys
}

func TestTranslationLoads(t *testing.T) {
	c, err := catalog.Load(course(map[string]string{"cc/de/course.json": german}))
	if err != nil {
		t.Fatal(err)
	}
	en, _ := c.Latest("cc")
	de, fellBack := en.In(i18n.German)
	if fellBack || de.Title != "Kurs" || de.Lessons[1].Title != "Zwei" || !strings.Contains(string(de.Lessons[1].HTML), "<h1>Zwei</h1>") ||
		de.Quiz.Questions[0].Text != "F?" || de.Quiz.Questions[0].Choices[1].Text != "B-de" || de.Quiz.Questions[0].Answer != "b" {
		t.Fatalf("German: %+v", de)
	}
	if !strings.Contains(string(de.Lessons[0].HTML), `src="/course-assets/cc/1/img/x.svg"`) {
		t.Errorf("image: %s", de.Lessons[0].HTML)
	}
	// The English is untouched by its translation.
	if en.Title != "Course" || en.Quiz.Questions[0].Choices[1].Text != "B" || !strings.Contains(string(en.Lessons[1].HTML), "<h1>Two</h1>") {
		t.Errorf("English changed: %+v", en)
	}
	// French: none, so English, and fellBack.
	if fr, fellBack := en.In(i18n.French); fr != en || !fellBack {
		t.Errorf("French: %q %v", fr.Title, fellBack)
	}
}

// TestTranslationRefused: a translation that does not match its English,
// or names a language the portal does not speak, stops the load with an
// error naming the file and the id.
func TestTranslationRefused(t *testing.T) {
	swap := func(old, new string) string {
		if !strings.Contains(german, old) {
			t.Fatalf("no %q in the German", old)
		}
		return strings.Replace(german, old, new, 1)
	}
	for name, tc := range map[string]struct {
		files map[string]string
		want  []string
	}{
		"lesson id": {map[string]string{"cc/de/course.json": swap(`"id":"two"`, `"id":"zwei"`)},
			[]string{"cc/de/course.json", `"zwei"`, `"two"`}},
		"lesson missing": {map[string]string{"cc/de/course.json": swap(`,{"id":"two","title":"Zwei","file":"02.md"}`, ``)},
			[]string{"cc/de/course.json", "1 lessons, the English has 2"}},
		"question id": {map[string]string{"cc/de/course.json": swap(`"id":"q1"`, `"id":"q9"`)},
			[]string{"cc/de/course.json", `"q9"`, `"q1"`}},
		"choice id": {map[string]string{"cc/de/course.json": swap(`{"id":"b","text":"B-de"}`, `{"id":"c","text":"B-de"}`)},
			[]string{"cc/de/course.json", "question q1", `"c"`, `"b"`}},
		"choice missing": {map[string]string{"cc/de/course.json": swap(`,{"id":"b","text":"B-de"}`, ``)},
			[]string{"cc/de/course.json", "question q1: 1 choices"}},
		"an answer is the English's": {map[string]string{"cc/de/course.json": swap(`"explanation":"Weil",`, `"explanation":"Weil","answer":"a",`)},
			[]string{"cc/de/course.json", "answer"}},
		"lesson file missing": {map[string]string{"cc/de/course.json": swap(`"file":"02.md"`, `"file":"03.md"`)},
			[]string{"cc/de/course.json", "lesson two", "03.md"}},
		"lesson file outside": {map[string]string{"cc/de/course.json": swap(`"file":"02.md"`, `"file":"../02.md"`)},
			[]string{"cc/de/course.json", "lesson two", "../02.md"}},
		"empty title": {map[string]string{"cc/de/course.json": swap(`"title":"Kurs"`, `"title":""`)},
			[]string{"cc/de/course.json", "title is required"}},
		"long title": {map[string]string{"cc/de/course.json": swap(`"title":"Kurs"`, `"title":"`+strings.Repeat("ä", 121)+`"`)},
			[]string{"cc/de/course.json", "title: 121 characters, at most 120"}},
		"control character": {map[string]string{"cc/de/course.json": swap(`"text":"A-de"`, `"text":"A\u0007"`)},
			[]string{"cc/de/course.json", "choice a", "control"}},
		"no summary": {map[string]string{"cc/de/course.json": swap(`"summary":"Zus",`, ``)},
			[]string{"cc/de/course.json", "summary is required"}},
		"Spanish": {map[string]string{"cc/es/course.json": german},
			[]string{"cc/es/course.json", `"es"`, "de, fr"}},
		"English": {map[string]string{"cc/en/course.json": german},
			[]string{"cc/en/course.json", `"en"`}},
		"German, capitalised": {map[string]string{"cc/DE/course.json": german},
			[]string{"cc/DE/course.json", `"DE"`}},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := catalog.Load(course(tc.files))
			if err == nil {
				t.Fatal("loaded")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

// The English has the same limits as its translations.
func TestEnglishLimits(t *testing.T) {
	long := strings.Replace(english, `"title":"Course"`, `"title":"`+strings.Repeat("x", 121)+`"`, 1)
	if _, err := catalog.Load(course(map[string]string{"cc/course.json": long})); err == nil || !strings.Contains(err.Error(), "cc/course.json: title: 121 characters") {
		t.Errorf("long English title: %v", err)
	}
	dup := strings.Replace(english, `"id":"two"`, `"id":"one"`, 1)
	if _, err := catalog.Load(course(map[string]string{"cc/course.json": dup})); err == nil || !strings.Contains(err.Error(), `lesson id "one"`) {
		t.Errorf("repeated lesson id: %v", err)
	}
}
