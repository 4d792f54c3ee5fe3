package i18n

import (
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
