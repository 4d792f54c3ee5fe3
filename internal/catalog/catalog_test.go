package catalog_test

import (
	"errors"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/awareportal/portal/internal/catalog"
)

func TestBuiltinCatalog(t *testing.T) {
	c, err := catalog.Load(catalog.Builtin())
	if err != nil {
		t.Fatal(err)
	}
	all := c.All()
	if len(all) < 5 {
		t.Fatalf("%d courses, want at least 5", len(all))
	}
	for _, course := range all {
		if len(course.Lessons) < 2 || len(course.Quiz.Questions) < 3 {
			t.Errorf("%s: %d lessons, %d questions", course.ID, len(course.Lessons), len(course.Quiz.Questions))
		}
		for _, l := range course.Lessons {
			if !strings.Contains(string(l.HTML), "<h1>") {
				t.Errorf("%s/%s: lesson not rendered", course.ID, l.ID)
			}
		}
	}
	phishing, err := c.Latest("spotting-phishing")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(phishing.Lessons[0].HTML), `src="/course-assets/spotting-phishing/1/img/phish-email.svg"`) {
		t.Errorf("image path not rewritten: %s", phishing.Lessons[0].HTML)
	}
	if _, err := phishing.Asset("img/phish-email.svg"); err != nil {
		t.Errorf("asset: %v", err)
	}
	if _, err := phishing.Asset("../passwords-and-mfa/course.json"); err == nil {
		t.Error("asset path escaped the course folder")
	}
}

// A new course or version is just files: no code changes.
func TestCoursesFromADirectory(t *testing.T) {
	extra := fstest.MapFS{
		"spotting-phishing/course.json": {Data: []byte(`{"id":"spotting-phishing","version":2,"title":"Spotting Phishing (2027)","lessons":[{"id":"l","title":"L","file":"l.md"}],"quiz":{"pass_mark":50,"questions":[{"id":"q","text":"?","choices":[{"id":"a","text":"A"},{"id":"b","text":"B"}],"answer":"a"}]}}`)},
		"spotting-phishing/l.md":        {Data: []byte("# New\n")},
	}
	c, err := catalog.Load(catalog.Builtin(), extra)
	if err != nil {
		t.Fatal(err)
	}
	latest, _ := c.Latest("spotting-phishing")
	if latest.Version != 2 {
		t.Fatalf("latest version %d", latest.Version)
	}
	if v1, err := c.Version("spotting-phishing", 1); err != nil || v1.Version != 1 {
		t.Fatalf("version 1 still available: %v", err)
	}
	if _, err := c.Latest("nope"); !errors.Is(err, catalog.ErrNoCourse) {
		t.Fatalf("err = %v", err)
	}
	bad := fstest.MapFS{"x/course.json": {Data: []byte(`{"id":"x","version":1,"title":"X","lessons":[],"quiz":{"pass_mark":50,"questions":[]}}`)}}
	if _, err := catalog.Load(bad); err == nil {
		t.Fatal("invalid course loaded")
	}
}

func TestRenderMarkdownDropsRawHTML(t *testing.T) {
	out, err := catalog.RenderMarkdown([]byte("# Policy\n\n<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n[click](javascript:alert(1)) **bold**"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	for _, bad := range []string{"<script", "onerror", "javascript:"} {
		if strings.Contains(s, bad) {
			t.Errorf("rendered %q: %s", bad, s)
		}
	}
	if !strings.Contains(s, "<h1>Policy</h1>") || !strings.Contains(s, "<strong>bold</strong>") {
		t.Errorf("not rendered: %s", s)
	}
}
