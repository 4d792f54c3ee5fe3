package web

import (
	"io/fs"
	"regexp"
	"testing"

	"github.com/awareportal/portal/internal/brand"
	"github.com/awareportal/portal/static"
)

// TestDefaultThemeIsThemeFor: the accent variables app.css starts with
// (pages before a partner is known wear them) are what brand.ThemeFor
// makes of the default accent, so they are as legible as a partner's.
func TestDefaultThemeIsThemeFor(t *testing.T) {
	css, err := fs.ReadFile(static.FS, "app.css")
	if err != nil {
		t.Fatal(err)
	}
	want := brand.ThemeFor(brand.Default)
	for name, value := range map[string]string{"accent": want.Accent, "accent-ink": want.AccentInk, "accent-deep": want.AccentDeep, "accent-text": want.AccentText} {
		m := regexp.MustCompile(`(?m)^\s*--` + name + `: (#[0-9a-f]{6});`).FindSubmatch(css)
		if m == nil || string(m[1]) != value {
			t.Errorf("app.css --%s: %q, want %s", name, m, value)
		}
	}
}
