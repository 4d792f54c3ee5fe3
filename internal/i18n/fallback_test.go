package i18n

import (
	"strings"
	"testing"
	"testing/fstest"
)

// TestFallback: a key a language lacks comes in English (and says so by
// being English); a key no language has comes back as itself, visible.
func TestFallback(t *testing.T) {
	c, err := load(fstest.MapFS{
		"locales/en.toml": {Data: []byte("only_english = \"Only in English\"\nboth = \"Both\"\n")},
		"locales/de.toml": {Data: []byte("both = \"Beide\"\n")},
		"locales/fr.toml": {Data: []byte("both = \"Les deux\"\n")},
	})
	if err != nil {
		t.Fatal(err)
	}
	de := c.tr[German]
	for key, want := range map[string]string{"both": "Beide", "only_english": "Only in English", "nowhere": "nowhere"} {
		if got := de.T(key); got != want {
			t.Errorf("German T(%q) = %q, want %q", key, got, want)
		}
	}
	if got := de.T("both", "odd"); got != "Beide" {
		t.Errorf("an odd argument list: %q", got)
	}
	if got := de.T("both", 1, "x"); got != "both" {
		t.Errorf("an argument name that is not a string: %q", got)
	}
	if _, err := load(fstest.MapFS{"locales/en.toml": {Data: []byte("broken = ")}}); err == nil {
		t.Error("a broken file loads")
	}
}

// TestSeveralFilesPerLanguage: a language's messages may sit in several
// files (pages.courses.de.toml beside de.toml); a key in two of a
// language's files, or a file in a language the portal does not speak,
// is refused rather than one silently winning.
func TestSeveralFilesPerLanguage(t *testing.T) {
	base := fstest.MapFS{
		"locales/en.toml":               {Data: []byte("a = \"A\"\n")},
		"locales/pages.courses.en.toml": {Data: []byte("[courses]\ntitle = \"Courses\"\n")},
		"locales/de.toml":               {Data: []byte("a = \"Ä\"\n")},
		"locales/pages.courses.de.toml": {Data: []byte("[courses]\ntitle = \"Kurse\"\n")},
		"locales/fr.toml":               {Data: []byte("a = \"À\"\n")},
	}
	c, err := load(base)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.tr[German].T("courses.title"); got != "Kurse" {
		t.Errorf("German courses.title = %q", got)
	}
	if got := c.tr[French].T("courses.title"); got != "Courses" {
		t.Errorf("French falls back to English: %q", got)
	}

	dup := fstest.MapFS{}
	for k, v := range base {
		dup[k] = v
	}
	dup["locales/pages.other.de.toml"] = &fstest.MapFile{Data: []byte("a = \"Doppelt\"\n")}
	if _, err := load(dup); err == nil || !strings.Contains(err.Error(), `"a" is in both`) {
		t.Errorf("a key in two German files: %v", err)
	}

	odd := fstest.MapFS{}
	for k, v := range base {
		odd[k] = v
	}
	odd["locales/pages.courses.es.toml"] = &fstest.MapFile{Data: []byte("a = \"Á\"\n")}
	if _, err := load(odd); err == nil || !strings.Contains(err.Error(), "pages.courses.es.toml") {
		t.Errorf("a Spanish file: %v", err)
	}
}
