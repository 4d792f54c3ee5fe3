package i18n

import (
	"strings"
	"time"
)

// Month reads a month's name as the translator's language writes it, in
// full or abbreviated, in any case, the abbreviation's dot optional:
// "Nov.", "nov", "November" and "März" in German; "févr.", "août" in
// French. Reading dates people type (internal/when) uses it.
func (t *Translator) Month(s string) (time.Month, bool) {
	s = strings.TrimSuffix(strings.TrimSpace(s), ".")
	if s == "" {
		return 0, false
	}
	for i := range 12 {
		if strings.EqualFold(s, monthNames[t.lang][i]) || strings.EqualFold(s, strings.TrimSuffix(monthAbbr[t.lang][i], ".")) {
			return time.Month(i + 1), true
		}
	}
	return 0, false
}
