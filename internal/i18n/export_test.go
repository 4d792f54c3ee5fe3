package i18n

import goi18n "github.com/nicksnyder/go-i18n/v2/i18n"

// CheckPlural reports go-i18n's complaint, if any, about key's message in
// l for the count n (a plural form the language's rule picks but the
// message lacks).
func CheckPlural(l Lang, key string, n int) error {
	_, err := For(l).loc.Localize(&goi18n.LocalizeConfig{MessageID: key, PluralCount: n, TemplateData: map[string]any{"Count": n}})
	return err
}

// Slow is T worded by go-i18n, without the plain messages.
func Slow(l Lang, key string, args ...any) string {
	t := *For(l)
	t.plain = nil
	return t.T(key, args...)
}

// SlowN is N worded by go-i18n.
func SlowN(l Lang, key string, n int, args ...any) string {
	t := *For(l)
	t.plain = nil
	return t.N(key, n, args...)
}

// Names are the {{.Name}}s of every form of key's message in l, if it is
// plain.
func Names(l Lang, key string) ([]string, bool) {
	p, ok := For(l).plain[key]
	if !ok {
		return nil, false
	}
	var names []string
	for _, f := range p.forms {
		for i := 1; i < len(f); i += 2 {
			names = append(names, f[i])
		}
	}
	return names, true
}
