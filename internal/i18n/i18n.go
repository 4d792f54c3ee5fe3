// Package i18n is the portal's message catalogue: every learner-facing
// string (pages, emails, certificates, errors, dates) in English, German
// and French.
//
// Messages live in locales/<lang>.toml and locales/<part>.<lang>.toml (one
// part per area of the portal: pages.courses.de.toml), embedded in the
// binary; a key lives in one file per language. They are
// looked up by key ("email.course.subject"), loaded by nicksnyder/go-i18n;
// CLDR plural rules pick the form ("one", "many", "other") and named
// arguments ({{.Title}}) are filled in, by plain.go for every message of
// that shape (all of them), else by go-i18n's text/template. A key missing in
// German or French falls back to English; TestCatalogueIsComplete keeps
// that from happening, and TestKeysInCodeExist keeps code from asking for
// a key no language has.
//
// A request's or an email's Translator travels in its context (With,
// From); templ components call i18n.T(ctx, "key", "Name", value). The
// language is negotiated once (Negotiate): the learner's own choice, then
// their organisation's default, then the browser's Accept-Language, then
// English. See docs/languages.md.
package i18n

import (
	"context"
	"embed"
	"fmt"
	"html"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/BurntSushi/toml"
	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

// Lang is a language the portal speaks, as its lower-case ISO 639-1 code.
type Lang string

// The portal's languages. English is the source language: every message
// is written in it first, and it is what a missing translation falls back
// to.
const (
	English Lang = "en"
	German  Lang = "de"
	French  Lang = "fr"
)

// Languages lists the portal's languages in the order a language menu
// shows them.
func Languages() []Lang { return []Lang{English, German, French} }

// Parse reads a language code the portal speaks ("de"; case and
// surrounding space do not matter). Anything else, "" included, is false.
func Parse(s string) (Lang, bool) {
	l := Lang(strings.ToLower(strings.TrimSpace(s)))
	for _, known := range Languages() {
		if l == known {
			return l, true
		}
	}
	return "", false
}

// Name is the language's name in itself, as a language menu shows it
// ("Deutsch"): a reader looks for their own language's name.
func (l Lang) Name() string {
	switch l {
	case German:
		return "Deutsch"
	case French:
		return "Français"
	}
	return "English"
}

// Tag is the language's BCP 47 tag.
func (l Lang) Tag() language.Tag { return language.Make(string(l)) }

// matcher finds the portal's language closest to what a browser asks for
// (de-CH is German, en-US English); built once, never changed. Its tags
// are Languages' in order (Negotiate indexes them).
var matcher = func() language.Matcher {
	var tags []language.Tag
	for _, l := range Languages() {
		tags = append(tags, l.Tag())
	}
	return language.NewMatcher(tags)
}()

// maxAcceptLanguage bounds the header Negotiate reads: a browser sends a
// few dozen bytes.
const maxAcceptLanguage = 512

// Negotiate picks the language of a page or an email: the learner's own
// choice, else their organisation's default, else the best match for the
// browser's Accept-Language header (emails pass ""), else English. A
// choice or default the portal does not speak is skipped.
func Negotiate(choice, clientDefault, acceptLanguage string) Lang {
	if l, ok := Parse(choice); ok {
		return l
	}
	if l, ok := Parse(clientDefault); ok {
		return l
	}
	if acceptLanguage == "" || len(acceptLanguage) > maxAcceptLanguage {
		return English
	}
	tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(tags) == 0 {
		return English
	}
	_, i, confidence := matcher.Match(tags...)
	if confidence == language.No {
		return English
	}
	return Languages()[i]
}

//go:embed locales/*.toml
var locales embed.FS

// Catalogue is every message in every language, loaded from the embedded
// files. It never changes after loading.
type Catalogue struct {
	bundle   *goi18n.Bundle
	messages map[Lang]map[string]*goi18n.Message
	tr       map[Lang]*Translator
}

// catalogue is loaded from the embedded files once, on first use (like a
// compiled regular expression: a broken file fails every test).
var catalogue = sync.OnceValues(func() (*Catalogue, error) { return load(locales) })

// Load returns the catalogue; an error means an embedded file is broken
// (TestCatalogueIsComplete fails first).
func Load() (*Catalogue, error) { return catalogue() }

func mustLoad() *Catalogue {
	c, err := catalogue()
	if err != nil {
		panic(err)
	}
	return c
}

func load(fsys fs.FS) (*Catalogue, error) {
	b := goi18n.NewBundle(language.English)
	b.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	c := &Catalogue{bundle: b, messages: map[Lang]map[string]*goi18n.Message{}, tr: map[Lang]*Translator{}}
	files, err := fs.Glob(fsys, "locales/*.toml")
	if err != nil {
		return nil, fmt.Errorf("i18n: %w", err)
	}
	from := map[Lang]map[string]string{} // key → the file that holds it
	for _, l := range Languages() {
		c.messages[l] = map[string]*goi18n.Message{}
		from[l] = map[string]string{}
	}
	for _, name := range files {
		l, ok := fileLang(name)
		if !ok {
			return nil, fmt.Errorf("i18n: %s: name it <part>.<language>.toml with a language the portal speaks", name)
		}
		f, err := b.LoadMessageFileFS(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("i18n: %w", err)
		}
		for _, m := range f.Messages {
			if other, dup := from[l][m.ID]; dup {
				return nil, fmt.Errorf("i18n: %q is in both %s and %s", m.ID, other, name)
			}
			from[l][m.ID] = name
			c.messages[l][m.ID] = m
		}
	}
	for _, l := range Languages() {
		if len(from[l]) == 0 {
			return nil, fmt.Errorf("i18n: no messages in locales/*.%s.toml", l)
		}
		c.tr[l] = &Translator{lang: l, loc: goi18n.NewLocalizer(b, string(l))}
	}
	for _, l := range Languages() {
		c.tr[l].plain = plainMessages(c.messages, l)
	}
	return c, nil
}

// fileLang is the language of a message file: locales/de.toml and
// locales/courses.de.toml are German (go-i18n reads the name the same way).
func fileLang(name string) (Lang, bool) {
	base := strings.TrimSuffix(path.Base(name), ".toml")
	if i := strings.LastIndexByte(base, '.'); i >= 0 {
		base = base[i+1:]
	}
	l := Lang(base)
	for _, known := range Languages() {
		if l == known {
			return l, true
		}
	}
	return "", false
}

// Keys lists the keys a language has, sorted.
func (c *Catalogue) Keys(l Lang) []string {
	keys := make([]string, 0, len(c.messages[l]))
	for k := range c.messages[l] {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Message is a key's message in a language (nil: the language lacks it).
func (c *Catalogue) Message(l Lang, key string) *goi18n.Message { return c.messages[l][key] }

// Translator words messages, numbers and dates in one language.
type Translator struct {
	lang  Lang
	loc   *goi18n.Localizer
	plain map[string]*plain // messages T and N fill themselves, by key (plain.go)
}

// For is the translator for l (English for a language the portal does not
// speak).
func For(l Lang) *Translator {
	c := mustLoad()
	if t, ok := c.tr[l]; ok {
		return t
	}
	return c.tr[English]
}

// Lang is the translator's language.
func (t *Translator) Lang() Lang { return t.lang }

// T is the message key in the translator's language, its {{.Name}}s
// filled from args, given as name, value pairs: T("email.hi", "Name", "Sam").
// A key the language lacks comes in English; a key no language has comes
// back as itself, so it shows (TestKeysInCodeExist keeps that from
// shipping).
func (t *Translator) T(key string, args ...any) string {
	return t.localize(key, nil, args)
}

// N is T for a message that depends on a count n: the language's plural
// rule picks the form, and {{.Count}} is n written the language's way
// (1,000 / 1.000 / 1 000).
func (t *Translator) N(key string, n int, args ...any) string {
	return t.localize(key, n, append(args, "Count", t.Number(n)))
}

// HTML is T for a message that carries markup (<strong>): the message is
// trusted, each argument is escaped. Templates show it with templ.Raw.
func (t *Translator) HTML(key string, args ...any) string {
	escaped := make([]any, len(args))
	for i, a := range args {
		if i%2 == 1 {
			a = html.EscapeString(fmt.Sprint(a))
		}
		escaped[i] = a
	}
	return t.localize(key, nil, escaped)
}

func (t *Translator) localize(key string, count any, args []any) string {
	if m, ok := t.plain[key]; ok && namesOnly(args) {
		if n, ok := count.(int); ok {
			return m.form(n).fill(args)
		}
		if count == nil {
			return m.forms[other].fill(args)
		}
	}
	data := make(map[string]any, len(args)/2+1)
	for i := 0; i+1 < len(args); i += 2 {
		name, ok := args[i].(string)
		if !ok {
			return key
		}
		data[name] = args[i+1]
	}
	msg, err := t.loc.Localize(&goi18n.LocalizeConfig{MessageID: key, TemplateData: data, PluralCount: count})
	if msg == "" && err != nil {
		return key
	}
	return msg
}

// namesOnly: every other argument, from the first, is a name (go-i18n
// refuses anything else, and T then answers the key).
func namesOnly(args []any) bool {
	for i := 0; i+1 < len(args); i += 2 {
		if _, ok := args[i].(string); !ok {
			return false
		}
	}
	return true
}

// Number writes n with the language's digit grouping: 4,980 in English,
// 4.980 in German, 4 980 (a narrow no-break space) in French.
func (t *Translator) Number(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	sep := ","
	switch t.lang {
	case German:
		sep = "."
	case French:
		sep = "\u202f"
	}
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, d := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(d)
	}
	return b.String()
}

type ctxKey struct{}

// With is ctx carrying t: everything rendered in it speaks t's language.
func With(ctx context.Context, t *Translator) context.Context {
	return context.WithValue(ctx, ctxKey{}, t)
}

// From is the context's translator; English when it has none.
func From(ctx context.Context) *Translator {
	if t, ok := ctx.Value(ctxKey{}).(*Translator); ok && t != nil {
		return t
	}
	return For(English)
}

// T is From(ctx).T: what templ components call.
func T(ctx context.Context, key string, args ...any) string { return From(ctx).T(key, args...) }

// N is From(ctx).N.
func N(ctx context.Context, key string, n int, args ...any) string {
	return From(ctx).N(key, n, args...)
}

// HTML is From(ctx).HTML.
func HTML(ctx context.Context, key string, args ...any) string { return From(ctx).HTML(key, args...) }
