package catalog

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/yuin/goldmark"

	"github.com/awareportal/portal/internal/i18n"
)

// A translation sits beside the English, one folder per language:
//
//	spotting-phishing/de/course.json   title, summary, lesson titles, quiz texts
//	spotting-phishing/de/01-what-is-phishing.md
//
// It carries words only, under the English's ids: the course's version,
// minutes, images, videos, pass mark and answers are the English's, so a
// translation is not a new version and progress, attempts and scores (an
// answer is a choice id) are the same whichever language a learner reads.

// translationManifest is <course>/<lang>/course.json. Every lesson,
// question and choice of the English is there, in the same order, with its
// id; nothing else is.
type translationManifest struct {
	Title   string `json:"title"`
	Summary string `json:"summary"`
	Lessons []struct {
		ID    string `json:"id"`
		Title string `json:"title"`
		File  string `json:"file"`
	} `json:"lessons"`
	Quiz struct {
		Questions []struct {
			ID          string   `json:"id"`
			Text        string   `json:"text"`
			Explanation string   `json:"explanation"`
			Choices     []Choice `json:"choices"`
		} `json:"questions"`
	} `json:"quiz"`
}

// loadTranslations reads every <course>/<lang>/course.json and its lessons
// into c.translations.
func (c *Course) loadTranslations(md goldmark.Markdown) error {
	manifests, err := fs.Glob(c.assetsFS, path.Join(c.dir, "*", "course.json"))
	if err != nil {
		return err
	}
	for _, m := range manifests {
		name := path.Base(path.Dir(m))
		lang := i18n.Lang(name)
		if lang == i18n.English || !slices.Contains(i18n.Languages(), lang) {
			return fmt.Errorf("%s: %q is not a language to translate the course into (the portal speaks %s; the course itself is English)", m, name, others())
		}
		t, err := c.translate(m, lang, md)
		if err != nil {
			return fmt.Errorf("%s: %w", m, err)
		}
		if c.translations == nil {
			c.translations = map[i18n.Lang]*Course{}
		}
		c.translations[lang] = t
	}
	return nil
}

// others lists the languages a course may be translated into.
func others() string {
	var out []string
	for _, l := range i18n.Languages() {
		if l != i18n.English {
			out = append(out, string(l))
		}
	}
	return strings.Join(out, ", ")
}

// translate builds the course in lang from its manifest: a copy of the
// English with the translated words.
func (c *Course) translate(manifest string, lang i18n.Lang, md goldmark.Markdown) (*Course, error) {
	raw, err := fs.ReadFile(c.assetsFS, manifest)
	if err != nil {
		return nil, err
	}
	var tm translationManifest
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&tm); err != nil {
		return nil, err
	}
	t := *c
	t.lang, t.translations = lang, nil
	t.Title, t.Summary = tm.Title, tm.Summary
	if c.Summary != "" && t.Summary == "" {
		return nil, fmt.Errorf("summary is required (the English has one)")
	}

	if got, want := len(tm.Lessons), len(c.Lessons); got != want {
		return nil, fmt.Errorf("%d lessons, the English has %d (%s)", got, want, lessonIDs(c.Lessons))
	}
	t.Lessons = slices.Clone(c.Lessons)
	for i, l := range tm.Lessons {
		if l.ID != c.Lessons[i].ID {
			return nil, fmt.Errorf("lesson %d is %q, the English's is %q: a translation keeps the English's ids, in its order", i+1, l.ID, c.Lessons[i].ID)
		}
		if l.File == "" || !fs.ValidPath(l.File) || strings.Contains(l.File, "/") {
			return nil, fmt.Errorf("lesson %s: file %q: a Markdown file in the %s folder", l.ID, l.File, lang)
		}
		html, err := c.lesson(md, path.Join(path.Dir(manifest), l.File))
		if err != nil {
			return nil, fmt.Errorf("lesson %s: %w", l.ID, err)
		}
		t.Lessons[i].Title, t.Lessons[i].File, t.Lessons[i].HTML = l.Title, path.Join(string(lang), l.File), html
	}

	qs := tm.Quiz.Questions
	if got, want := len(qs), len(c.Quiz.Questions); got != want {
		return nil, fmt.Errorf("%d quiz questions, the English has %d", got, want)
	}
	t.Quiz.Questions = slices.Clone(c.Quiz.Questions)
	for i, q := range qs {
		en := c.Quiz.Questions[i]
		if q.ID != en.ID {
			return nil, fmt.Errorf("question %d is %q, the English's is %q: a translation keeps the English's ids, in its order", i+1, q.ID, en.ID)
		}
		if en.Explanation != "" && q.Explanation == "" {
			return nil, fmt.Errorf("question %s: explanation is required (the English has one)", q.ID)
		}
		if len(q.Choices) != len(en.Choices) {
			return nil, fmt.Errorf("question %s: %d choices, the English has %d", q.ID, len(q.Choices), len(en.Choices))
		}
		for j, ch := range q.Choices {
			if ch.ID != en.Choices[j].ID {
				return nil, fmt.Errorf("question %s: choice %d is %q, the English's is %q", q.ID, j+1, ch.ID, en.Choices[j].ID)
			}
		}
		t.Quiz.Questions[i].Text, t.Quiz.Questions[i].Explanation = q.Text, q.Explanation
		t.Quiz.Questions[i].Choices = slices.Clone(q.Choices)
	}
	if err := t.checkTexts(); err != nil {
		return nil, err
	}
	return &t, nil
}

func lessonIDs(ls []Lesson) string {
	ids := make([]string, len(ls))
	for i, l := range ls {
		ids[i] = l.ID
	}
	return strings.Join(ids, ", ")
}

// In is the course in language l, and whether it fell back: English (the
// course itself) when l is English or the course has no translation into
// l; fellBack is true in the second case, for the page to say so. The
// view has the English's ids, version and answers: only words differ.
func (c *Course) In(l i18n.Lang) (view *Course, fellBack bool) {
	if c.lang != i18n.English && c.lang != "" {
		return c, false // already a view
	}
	if t, ok := c.translations[l]; ok {
		return t, false
	}
	return c, l != i18n.English && l != ""
}

// Lang is the language of the course's words: English, or a translation's.
func (c *Course) Lang() i18n.Lang {
	if c.lang == "" {
		return i18n.English
	}
	return c.lang
}

// Languages lists the languages the course can be read in, English first,
// then its translations in the portal's order.
func (c *Course) Languages() []i18n.Lang {
	out := []i18n.Lang{i18n.English}
	for _, l := range i18n.Languages() {
		if _, ok := c.translations[l]; ok {
			out = append(out, l)
		}
	}
	return out
}

// Title is the title of a course version in language l (the English when
// it has no translation into l), or fallback when the catalog lacks the
// version: for pages and emails that hold an assignment's stored title.
func (c *Catalog) Title(courseID string, version int, l i18n.Lang, fallback string) string {
	course, err := c.Version(courseID, version)
	if err != nil {
		return fallback
	}
	view, _ := course.In(l)
	return view.Title
}
