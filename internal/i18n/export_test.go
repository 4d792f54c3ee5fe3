package i18n

import goi18n "github.com/nicksnyder/go-i18n/v2/i18n"

// CheckPlural reports go-i18n's complaint, if any, about key's message in
// l for the count n (a plural form the language's rule picks but the
// message lacks).
func CheckPlural(l Lang, key string, n int) error {
	_, err := For(l).loc.Localize(&goi18n.LocalizeConfig{MessageID: key, PluralCount: n, TemplateData: map[string]any{"Count": n}})
	return err
}
