package web

import (
	"testing"

	"github.com/awareportal/portal/internal/i18n"
)

// TestDurationInEachLanguage: a time taken (the completion, the
// Leaderboard) is worded in the reader's language, days in the plural
// form the count takes (French: 1 jour, 2 jours).
func TestDurationInEachLanguage(t *testing.T) {
	const m, h, d = 60, 3600, 86400
	for _, tc := range []struct {
		lang i18n.Lang
		secs int64
		want string
	}{
		{i18n.English, 30, "under a minute"},
		{i18n.English, 12 * m, "12 min"},
		{i18n.English, 2*h + 5*m, "2 h 5 min"},
		{i18n.English, d, "1 day"},
		{i18n.English, 3 * d, "3 days"},
		{i18n.English, 2*d + 4*h, "2 d 4 h"},
		{i18n.German, 30, "unter einer Minute"},
		{i18n.German, 12 * m, "12 Min."},
		{i18n.German, 2 * h, "2 Std."},
		{i18n.German, d, "1 Tag"},
		{i18n.German, 3 * d, "3 Tage"},
		{i18n.German, 2*d + 4*h, "2 Tg. 4 Std."},
		{i18n.French, 30, "moins d’une minute"},
		{i18n.French, 2*h + 5*m, "2\u00a0h\u00a05"},
		{i18n.French, d, "1\u00a0jour"},
		{i18n.French, 3 * d, "3\u00a0jours"},
		{i18n.French, 1500 * d, "1\u202f500\u00a0jours"},
	} {
		if got := duration(i18n.For(tc.lang), tc.secs); got != tc.want {
			t.Errorf("%s, %d s: %q, want %q", tc.lang, tc.secs, got, tc.want)
		}
	}
}
