package tenancy

import (
	"slices"
	"strings"
	"time"

	"github.com/awareportal/portal/domain"
)

// Languages are the languages a client's default or a learner's choice
// may name, as lower-case ISO 639-1 codes (internal/i18n has a catalogue
// for each; its test checks the two lists agree).
func Languages() []string { return []string{"en", "de", "fr"} }

// Language checks a language code a person gave for field and returns it
// trimmed and in lower case: one of Languages, or "" (none: the next
// rule in the choice order decides). Anything else is a FieldError.
func Language(field, s string) (string, error) {
	if len(s) > 16 {
		return "", FieldError{field, "must be one of " + strings.Join(Languages(), ", ") + " (or empty for none)"}
	}
	l := strings.ToLower(strings.TrimSpace(s))
	if l != "" && !slices.Contains(Languages(), l) {
		return "", FieldError{field, "must be one of " + strings.Join(Languages(), ", ") + " (or empty for none)"}
	}
	return l, nil
}

// SetLanguage sets the client's default language, the one its learners
// see unless they choose their own ("": none, each learner's browser
// decides; emails are then in English). Setting the current one is a
// no-op.
func SetLanguage(c *Client, lang string, now time.Time) ([]domain.Event, error) {
	if c.ID == "" {
		return nil, ErrNotRegistered
	}
	lang, err := Language("language", lang)
	if err != nil {
		return nil, err
	}
	if c.Language == lang {
		return nil, nil
	}
	return []domain.Event{ClientLanguageSet{ClientID: c.ID, Language: lang, At: now}}, nil
}
