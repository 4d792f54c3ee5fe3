package i18n_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"

	"github.com/awareportal/portal/domain/tenancy"
	"github.com/awareportal/portal/internal/i18n"
)

// sameAsEnglish are messages that are rightly the same in a language as in
// English, with the reason. Anything else identical to English is taken
// for a key someone forgot to translate.
var sameAsEnglish = map[string]string{
	"email.signin.minutes": "French writes minute(s) as English does",
	"menu.open":            "French calls the phone's Menu button Menu too",
}

// actionRe finds a message's template actions ({{.Name}}).
var actionRe = regexp.MustCompile(`\{\{[^}]*\}\}`)

// letters finds a word of three or more letters: text a reader reads.
var letters = regexp.MustCompile(`\p{L}{3,}`)

// forms are a message's plural forms, "" for a plain one.
func forms(m *goi18n.Message) map[string]string {
	f := map[string]string{"zero": m.Zero, "one": m.One, "two": m.Two, "few": m.Few, "many": m.Many, "other": m.Other}
	for k, v := range f {
		if v == "" {
			delete(f, k)
		}
	}
	return f
}

func actions(s string) []string {
	a := actionRe.FindAllString(s, -1)
	for i := range a {
		a[i] = strings.ReplaceAll(a[i], " ", "")
	}
	sort.Strings(a)
	return slices.Compact(a)
}

// TestCatalogueIsComplete: every key English has, German and French have
// too (no more, no fewer); each translation fills in the same arguments
// ({{.Name}}) as the English, has every plural form its language's CLDR
// rule asks for (French "many" too), and is not an English copy left
// untranslated.
func TestCatalogueIsComplete(t *testing.T) {
	c, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	en := c.Keys(i18n.English)
	if len(en) == 0 {
		t.Fatal("no English messages")
	}
	for _, l := range i18n.Languages()[1:] {
		keys := c.Keys(l)
		for _, k := range en {
			if !slices.Contains(keys, k) {
				t.Errorf("%s: %q is missing (English: %q)", l, k, c.Message(i18n.English, k).Other)
			}
		}
		for _, k := range keys {
			if !slices.Contains(en, k) {
				t.Errorf("%s: %q is not an English key (renamed or misspelt?)", l, k)
			}
		}
	}
	for _, k := range en {
		src := c.Message(i18n.English, k)
		srcForms := forms(src)
		want := actions(strings.Join(mapValues(srcForms), " "))
		plural := src.One != ""
		for _, l := range i18n.Languages()[1:] {
			m := c.Message(l, k)
			if m == nil {
				continue
			}
			got := forms(m)
			if len(got) == 0 {
				t.Errorf("%s: %q is empty", l, k)
				continue
			}
			for form, text := range got {
				if a := actions(text); !slices.Equal(a, want) && !(plural && slices.Equal(a, withoutCount(want)) && form == "one") {
					t.Errorf("%s: %q (%s) fills in %v, English %v: %q", l, k, form, a, want, text)
				}
				if text == srcForms[form] && letters.MatchString(actionRe.ReplaceAllString(text, "")) && sameAsEnglish[k] == "" {
					t.Errorf("%s: %q (%s) is the English text, untranslated: %q", l, k, form, text)
				}
				if l == i18n.French && regexp.MustCompile(`\p{L}[:;!?]|\p{L} [:;!?]`).MatchString(actionRe.ReplaceAllString(text, "")) {
					t.Errorf("fr: %q (%s) needs a no-break space (\\u00A0) before : ; ! ?: %q", k, form, text)
				}
			}
			if !plural && (len(got) > 1 || got["other"] == "") {
				t.Errorf("%s: %q is one plain message in English but has plural forms here: %v", l, k, got)
			}
		}
		if plural {
			// Every count picks a form the language has.
			var args []any
			for _, a := range want {
				if name := strings.TrimSuffix(strings.TrimPrefix(a, "{{."), "}}"); name != "Count" {
					args = append(args, name, "x")
				}
			}
			for _, l := range i18n.Languages() {
				tr := i18n.For(l)
				for _, n := range []int{0, 1, 2, 3, 5, 11, 21, 100, 1000000} {
					if got := tr.N(k, n, args...); strings.Contains(got, "<no value>") || got == k {
						t.Errorf("%s: %q for %d: %q", l, k, n, got)
					}
				}
			}
			if missing := pluralFormsMissing(c, k); len(missing) > 0 {
				t.Errorf("%q lacks plural forms: %v", k, missing)
			}
		}
	}
}

// pluralFormsMissing asks the library, language by language, whether a
// count falls on a form the message lacks (go-i18n reports that).
func pluralFormsMissing(c *i18n.Catalogue, key string) []string {
	var missing []string
	for _, l := range i18n.Languages() {
		for _, n := range []int{0, 1, 2, 5, 1000000} {
			if err := i18n.CheckPlural(l, key, n); err != nil {
				missing = append(missing, string(l)+": "+err.Error())
			}
		}
	}
	return slices.Compact(missing)
}

func withoutCount(a []string) []string {
	return slices.DeleteFunc(slices.Clone(a), func(s string) bool { return s == "{{.Count}}" })
}

func mapValues(m map[string]string) []string {
	var out []string
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

// TestLanguagesAgreeWithTheDomain: the languages a client or a learner may
// choose (domain/tenancy validates them before they become events) are
// the languages with a catalogue.
func TestLanguagesAgreeWithTheDomain(t *testing.T) {
	var ours []string
	for _, l := range i18n.Languages() {
		ours = append(ours, string(l))
	}
	if domain := tenancy.Languages(); !slices.Equal(ours, domain) {
		t.Fatalf("i18n speaks %v, the domain accepts %v", ours, domain)
	}
}

// callRe finds a translator call with a literal key: i18n.T(ctx, "k"…),
// tr.N("k", n…), i18n.HTML(c.UserContext(), "k"…).
var callRe = regexp.MustCompile(`\.(T|N|HTML)\(\s*(?:[A-Za-z_][A-Za-z0-9_.]*(?:\(\))?\s*,\s*)?"([^"\\]*)"`)

// dynamicRe finds a translator call whose key is not a literal (this test
// could not check it).
var dynamicRe = regexp.MustCompile(`\bi18n\.(T|N|HTML)\(\s*[A-Za-z_][A-Za-z0-9_.]*(?:\(\))?\s*,\s*[^"\s]|\btr\.(T|N|HTML)\(\s*[^"\s]`)

// TestKeysInCodeExist: every key the code and the templates ask for
// (.go and .templ sources, tests included, this package's own aside) is in the catalogue (so in
// every language, by TestCatalogueIsComplete), plural ones asked for with
// N and the others with T or HTML; keys are literals, so this test sees
// them all.
func TestKeysInCodeExist(t *testing.T) {
	c, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root not found at %s: %v", root, err)
	}
	used := map[string]bool{}
	calls := 0
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); p != root && (strings.HasPrefix(name, ".") || name == "node_modules" || name == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(p, "_templ.go") || !(strings.HasSuffix(p, ".go") || strings.HasSuffix(p, ".templ")) {
			return nil
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if strings.HasPrefix(filepath.ToSlash(rel), "internal/i18n/") {
			return nil // the catalogue's own code and tests use example keys
		}
		for _, m := range callRe.FindAllStringSubmatch(string(src), -1) {
			calls++
			kind, key := m[1], m[2]
			used[key] = true
			msg := c.Message(i18n.English, key)
			switch {
			case msg == nil:
				t.Errorf("%s asks for %q, which the catalogue lacks", rel, key)
			case kind == "N" && msg.One == "":
				t.Errorf("%s asks for %q with N, but it has no plural forms", rel, key)
			case kind != "N" && msg.One != "":
				t.Errorf("%s asks for the plural %q with %s: use N with the count", rel, key, kind)
			}
		}
		for _, m := range dynamicRe.FindAllString(string(src), -1) {
			t.Errorf("%s: %q: keys must be literals (this test checks them)", rel, m)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if calls == 0 {
		t.Fatal("found no translator calls: is the pattern right?")
	}
	var unused []string
	for _, k := range c.Keys(i18n.English) {
		if !used[k] {
			unused = append(unused, k)
		}
	}
	if len(unused) > 0 {
		t.Logf("keys no code asks for (yet): %v", unused)
	}
}
