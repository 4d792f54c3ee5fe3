// Package catalog loads the course catalog: a folder per course holding a
// course.json manifest, Markdown lessons and their images. The built-in
// courses are embedded; PORTAL_COURSES_DIR adds more (or newer versions)
// without code changes.
package catalog

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"

	"github.com/awareportal/portal/internal/i18n"
)

//go:embed courses
var builtin embed.FS

// Builtin returns the courses that ship with the portal.
func Builtin() fs.FS {
	sub, err := fs.Sub(builtin, "courses")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	return sub
}

// Course is one version of a course.
type Course struct {
	ID       string   `json:"id"`
	Version  int      `json:"version"`
	Title    string   `json:"title"`
	Summary  string   `json:"summary"`
	Minutes  int      `json:"minutes"`
	Topics   []string `json:"topics"`
	Lessons  []Lesson `json:"lessons"`
	Quiz     Quiz     `json:"quiz"`
	assetsFS fs.FS
	dir      string
	// lang is the language of the text (English for the course itself);
	// translations holds the course in other languages, built at load.
	lang         i18n.Lang
	translations map[i18n.Lang]*Course
}

// Lesson is one page of a course.
type Lesson struct {
	ID    string        `json:"id"`
	Title string        `json:"title"`
	File  string        `json:"file"`
	Video string        `json:"video,omitempty"` // optional video file in the course folder
	HTML  template.HTML `json:"-"`
}

// Quiz ends a course.
type Quiz struct {
	PassMark  int        `json:"pass_mark"` // percent
	Questions []Question `json:"questions"`
}

// Question has one right choice.
type Question struct {
	ID          string   `json:"id"`
	Text        string   `json:"text"`
	Choices     []Choice `json:"choices"`
	Answer      string   `json:"answer"`
	Explanation string   `json:"explanation"`
}

// Choice is one answer to pick.
type Choice struct {
	ID   string `json:"id"`
	Text string `json:"text"`
}

// Key maps question id to the right choice id (what scoring needs).
func (q Quiz) Key() map[string]string {
	k := make(map[string]string, len(q.Questions))
	for _, qu := range q.Questions {
		k[qu.ID] = qu.Answer
	}
	return k
}

// Asset reads a file from the course's folder (images, videos).
func (c *Course) Asset(name string) ([]byte, error) {
	clean := path.Clean("/" + name)[1:]
	if clean == "" || strings.HasPrefix(clean, ".") || clean == "course.json" {
		return nil, fs.ErrNotExist
	}
	return fs.ReadFile(c.assetsFS, path.Join(c.dir, clean))
}

// Catalog is every version of every course.
type Catalog struct {
	byID map[string][]*Course // versions, ascending
}

// ErrNoCourse means the catalog has no such course (or version).
var ErrNoCourse = errors.New("no such course")

var idRe = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,62}$`)

// Load reads every <dir>/course.json from each file system; a later file
// system may add courses or newer versions of a course.
func Load(fsyses ...fs.FS) (*Catalog, error) {
	c := &Catalog{byID: map[string][]*Course{}}
	md := markdown()
	for _, fsys := range fsyses {
		manifests, err := fs.Glob(fsys, "*/course.json")
		if err != nil {
			return nil, err
		}
		for _, m := range manifests {
			course, err := loadCourse(fsys, m, md)
			if err != nil {
				return nil, err
			}
			for _, existing := range c.byID[course.ID] {
				if existing.Version == course.Version {
					return nil, fmt.Errorf("course %s version %d is defined twice (%s)", course.ID, course.Version, m)
				}
			}
			c.byID[course.ID] = append(c.byID[course.ID], course)
			slices.SortFunc(c.byID[course.ID], func(a, b *Course) int { return a.Version - b.Version })
		}
	}
	return c, nil
}

// markdown is the one Markdown renderer: tables and strikethrough, no raw
// HTML (goldmark's default drops it) and no dangerous link schemes.
func markdown() goldmark.Markdown {
	return goldmark.New(goldmark.WithExtensions(extension.Table, extension.Strikethrough))
}

// RenderMarkdown renders Markdown that is not ours (a partner's policy)
// the way lessons are rendered: raw HTML in it is dropped, never passed on.
func RenderMarkdown(src []byte) (template.HTML, error) {
	var buf bytes.Buffer
	if err := markdown().Convert(src, &buf); err != nil {
		return "", err
	}
	return template.HTML(buf.String()), nil //nolint:gosec // goldmark without html.WithUnsafe: no raw HTML
}

func loadCourse(fsys fs.FS, manifest string, md goldmark.Markdown) (*Course, error) {
	raw, err := fs.ReadFile(fsys, manifest)
	if err != nil {
		return nil, err
	}
	var c Course
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("%s: %w", manifest, err)
	}
	c.dir, c.assetsFS = path.Dir(manifest), fsys
	if err := c.validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", manifest, err)
	}
	for i, l := range c.Lessons {
		html, err := c.lesson(md, path.Join(c.dir, l.File))
		if err != nil {
			return nil, fmt.Errorf("%s: lesson %s: %w", manifest, l.ID, err)
		}
		c.Lessons[i].HTML = html
	}
	c.lang = i18n.English
	if err := c.loadTranslations(md); err != nil {
		return nil, err
	}
	return &c, nil
}

// lesson reads and renders one lesson's Markdown. Lessons are authored
// content, rendered without raw HTML (goldmark's default drops it);
// relative images point at the course's assets (a translation's lessons
// share the course's img/ folder).
func (c *Course) lesson(md goldmark.Markdown, file string) (template.HTML, error) {
	src, err := fs.ReadFile(c.assetsFS, file)
	if err != nil {
		return "", err
	}
	if len(src) > maxLessonBytes {
		return "", fmt.Errorf("%s: %d bytes, at most %d", file, len(src), maxLessonBytes)
	}
	if !utf8.Valid(src) || strings.ContainsRune(string(src), 0) {
		return "", fmt.Errorf("%s: not UTF-8 text", file)
	}
	var buf bytes.Buffer
	if err := md.Convert(src, &buf); err != nil {
		return "", err
	}
	html := strings.ReplaceAll(buf.String(), `src="img/`, `src="/course-assets/`+c.ID+`/`+fmt.Sprint(c.Version)+`/img/`)
	return template.HTML(html), nil //nolint:gosec // rendered from our Markdown, raw HTML disabled
}

// Limits on a course's words, in characters, the same for the English and
// its translations: they end up in events (the title), emails and PDFs.
const (
	maxTitle       = 120
	maxSummary     = 300
	maxQuestion    = 500
	maxChoice      = 300
	maxExplanation = 1000
	maxLessonBytes = 256 << 10
)

// checkText refuses text that is empty (when required), too long, or holds
// control characters (a line break included: each of these is one line).
func checkText(field, s string, max int, required bool) error {
	switch {
	case s == "" && required:
		return fmt.Errorf("%s is required", field)
	case !utf8.ValidString(s):
		return fmt.Errorf("%s: not UTF-8", field)
	case utf8.RuneCountInString(s) > max:
		return fmt.Errorf("%s: %d characters, at most %d", field, utf8.RuneCountInString(s), max)
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		return fmt.Errorf("%s: control characters are not allowed", field)
	}
	return nil
}

func (c *Course) validate() error {
	switch {
	case !idRe.MatchString(c.ID):
		return fmt.Errorf("id %q: lowercase letters, digits and dashes", c.ID)
	case c.Version < 1:
		return errors.New("version must be 1 or more")
	case len(c.Lessons) == 0:
		return errors.New("a course needs at least one lesson")
	case len(c.Quiz.Questions) == 0:
		return errors.New("a course needs a quiz")
	case c.Quiz.PassMark < 1 || c.Quiz.PassMark > 100:
		return errors.New("quiz pass_mark must be 1-100")
	}
	if err := c.checkTexts(); err != nil {
		return err
	}
	lessons := map[string]bool{}
	for _, l := range c.Lessons {
		if l.ID == "" || lessons[l.ID] {
			return fmt.Errorf("lesson id %q missing or repeated", l.ID)
		}
		lessons[l.ID] = true
	}
	seen := map[string]bool{}
	for _, q := range c.Quiz.Questions {
		if q.ID == "" || seen[q.ID] {
			return fmt.Errorf("question id %q missing or repeated", q.ID)
		}
		seen[q.ID] = true
		ok := false
		choices := map[string]bool{}
		for _, ch := range q.Choices {
			if ch.ID == "" || choices[ch.ID] {
				return fmt.Errorf("question %s: choice id %q missing or repeated", q.ID, ch.ID)
			}
			choices[ch.ID] = true
			ok = ok || ch.ID == q.Answer
		}
		if !ok || len(q.Choices) < 2 {
			return fmt.Errorf("question %s: needs 2+ choices and an answer among them", q.ID)
		}
	}
	return nil
}

// checkTexts checks the words a learner reads, in the English and in each
// translation alike.
func (c *Course) checkTexts() error {
	errs := []error{
		checkText("title", c.Title, maxTitle, true),
		checkText("summary", c.Summary, maxSummary, false),
	}
	for _, l := range c.Lessons {
		errs = append(errs, checkText("lesson "+l.ID+": title", l.Title, maxTitle, true))
	}
	for _, q := range c.Quiz.Questions {
		errs = append(errs, checkText("question "+q.ID+": text", q.Text, maxQuestion, true),
			checkText("question "+q.ID+": explanation", q.Explanation, maxExplanation, false))
		for _, ch := range q.Choices {
			errs = append(errs, checkText("question "+q.ID+" choice "+ch.ID+": text", ch.Text, maxChoice, true))
		}
	}
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// Latest returns the newest version of a course.
func (c *Catalog) Latest(id string) (*Course, error) {
	vs := c.byID[id]
	if len(vs) == 0 {
		return nil, fmt.Errorf("course %q: %w", id, ErrNoCourse)
	}
	return vs[len(vs)-1], nil
}

// Version returns one version of a course: learners finish the version they
// were assigned even after a newer one ships.
func (c *Catalog) Version(id string, version int) (*Course, error) {
	for _, v := range c.byID[id] {
		if v.Version == version {
			return v, nil
		}
	}
	return nil, fmt.Errorf("course %q version %d: %w", id, version, ErrNoCourse)
}

// All returns the latest version of every course, by title.
func (c *Catalog) All() []*Course {
	out := make([]*Course, 0, len(c.byID))
	for _, vs := range c.byID {
		out = append(out, vs[len(vs)-1])
	}
	slices.SortFunc(out, func(a, b *Course) int { return strings.Compare(a.Title, b.Title) })
	return out
}
