package i18n

import (
	"fmt"
	"regexp"
	"strings"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
)

// A page asks for a few dozen messages, and go-i18n, for each, matches the
// language and runs a text/template: a fifth of a page's CPU. Every
// message the portal has holds nothing but {{.Name}}s, so T and N fill
// them in themselves, from the same message go-i18n would pick (the
// language's own, else English's) and, for N, the same plural form (CLDR's
// integer rules for the three languages). A message of any other shape is
// left to go-i18n. TestPlainMessagesAsGoI18n compares both for every key.

// plural forms, as CLDR names them.
const (
	zero = iota
	one
	two
	few
	many
	other
)

// plain is one message in one language, each plural form split at its
// {{.Name}}s.
type plain struct {
	rule  Lang      // whose plural rule picks the form: the message's own language
	forms [6]filled // by plural form; nil when the message lacks the form
}

// filled is a text split at its {{.Name}}s: literal text at even indexes,
// names at odd ones.
type filled []string

var action = regexp.MustCompile(`\{\{\s*\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}`)

// plainMessages are l's messages that T and N may fill themselves.
func plainMessages(all map[Lang]map[string]*goi18n.Message, l Lang) map[string]*plain {
	out := map[string]*plain{}
	add := func(key string, m *goi18n.Message, rule Lang) {
		if p, ok := compileMessage(m, rule); ok {
			out[key] = p
		}
	}
	for key, m := range all[English] {
		if own, ok := all[l][key]; ok {
			add(key, own, l)
		} else {
			add(key, m, English)
		}
	}
	for key, m := range all[l] {
		if _, ok := all[English][key]; !ok {
			add(key, m, l)
		}
	}
	return out
}

func compileMessage(m *goi18n.Message, rule Lang) (*plain, bool) {
	if m.Other == "" || (m.LeftDelim != "" && m.LeftDelim != "{{") || (m.RightDelim != "" && m.RightDelim != "}}") {
		return nil, false
	}
	p := &plain{rule: rule}
	for form, text := range [6]string{m.Zero, m.One, m.Two, m.Few, m.Many, m.Other} {
		if text == "" {
			continue
		}
		f, ok := compile(text)
		if !ok {
			return nil, false
		}
		p.forms[form] = f
	}
	return p, true
}

// compile splits text at its {{.Name}}s; false when it holds any other
// template action.
func compile(text string) (filled, bool) {
	var f filled
	last := 0
	for _, m := range action.FindAllStringSubmatchIndex(text, -1) {
		f = append(f, text[last:m[0]], text[m[2]:m[3]])
		last = m[1]
	}
	f = append(f, text[last:])
	for i := 0; i < len(f); i += 2 {
		if strings.Contains(f[i], "{{") {
			return nil, false
		}
	}
	return f, true
}

// form is the message's text for the count n: the form its language's
// rule picks, or "other" when the message lacks it (as go-i18n falls back).
func (p *plain) form(n int) filled {
	if f := p.forms[pluralForm(p.rule, n)]; f != nil {
		return f
	}
	return p.forms[other]
}

// pluralForm is CLDR's plural rule for an integer in the portal's
// languages: English and German "one" for 1; French "one" for 0 and 1 and
// "many" for a non-zero multiple of a million.
func pluralForm(l Lang, n int) int {
	if n < 0 {
		n = -n
	}
	switch l {
	case French:
		switch {
		case n == 0 || n == 1:
			return one
		case n%1_000_000 == 0:
			return many
		}
	default:
		if n == 1 {
			return one
		}
	}
	return other
}

// fill is the text with args (name, value pairs) in place of its names,
// printed as text/template prints them.
func (f filled) fill(args []any) string {
	if len(f) == 1 {
		return f[0]
	}
	var b strings.Builder
	for i, part := range f {
		if i%2 == 0 {
			b.WriteString(part)
			continue
		}
		var v any
		for j := 0; j+1 < len(args); j += 2 {
			if args[j] == part {
				v = args[j+1] // the last one given, as in go-i18n's map
			}
		}
		switch v := v.(type) {
		case string:
			b.WriteString(v)
		case nil: // missing, as text/template prints a missing key
			b.WriteString("<no value>")
		default:
			fmt.Fprint(&b, v)
		}
	}
	return b.String()
}
