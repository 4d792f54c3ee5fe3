package brand

import (
	"math"
	"testing"
)

func mustParse(t *testing.T, hex string) RGB {
	t.Helper()
	c, ok := Parse(hex)
	if !ok {
		t.Fatalf("parse %q", hex)
	}
	return c
}

// TestContrast checks the WCAG formula against known ratios (the WCAG
// definition's end points and values WebAIM's contrast checker gives).
func TestContrast(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want float64
	}{
		{"#ffffff", "#000000", 21},
		{"#000000", "#ffffff", 21}, // order does not matter
		{"#777777", "#777777", 1},
		{"#777777", "#ffffff", 4.48}, // the classic "just fails"
		{"#767676", "#ffffff", 4.54}, // the classic "just passes"
		{"#0b7285", "#ffffff", 5.59}, // Northwind's teal
		{"#2f6fde", "#f5f7fa", 4.40}, // the default accent on the page: fails
		{"#ffe066", "#ffffff", 1.30}, // pale yellow under white text
		{"#ff0000", "#ffffff", 4.00},
	} {
		if got := Contrast(mustParse(t, tc.a), mustParse(t, tc.b)); math.Abs(got-tc.want) > 0.01 {
			t.Errorf("Contrast(%s, %s) = %.3f, want %.2f", tc.a, tc.b, got, tc.want)
		}
	}
	if l := Luminance(White); l != 1 {
		t.Errorf("white's luminance %v", l)
	}
	if l := Luminance(RGB{}); l != 0 {
		t.Errorf("black's luminance %v", l)
	}
}

// TestThemeIsLegible: whatever accent a partner picks (every colour of a
// 16-step grid of the RGB cube), buttons and the hero card reach 4.5:1
// between the accent and its text, at both ends of the hero's gradient,
// and accent-coloured text and focus rings reach 4.5:1 on white and on the
// page's background. A colour that already passes is kept as it is.
func TestThemeIsLegible(t *testing.T) {
	for r := 0; r < 256; r += 17 {
		for g := 0; g < 256; g += 17 {
			for b := 0; b < 256; b += 17 {
				c := RGB{uint8(r), uint8(g), uint8(b)}
				th := ThemeFor(c.Hex())
				accent, ink, deep, text := mustParse(t, th.Accent), mustParse(t, th.AccentInk), mustParse(t, th.AccentDeep), mustParse(t, th.AccentText)
				for _, check := range []struct {
					what string
					a, b RGB
				}{
					{"button text", accent, ink}, {"hero gradient's end", deep, ink},
					{"text on white", text, White}, {"text on the page", text, Page},
				} {
					if got := Contrast(check.a, check.b); got < TextContrast {
						t.Fatalf("%s: %s %s on %s is %.2f:1 (theme %+v)", c.Hex(), check.what, check.a.Hex(), check.b.Hex(), got, th)
					}
				}
				if (Contrast(c, White) >= TextContrast || Contrast(c, Ink) >= TextContrast) && th.Accent != c.Hex() {
					t.Fatalf("%s passes with one of the inks but became %s", c.Hex(), th.Accent)
				}
				if Contrast(c, Page) >= TextContrast && th.AccentText != c.Hex() {
					t.Fatalf("%s passes as text but became %s", c.Hex(), th.AccentText)
				}
				if got := Contrast(mustParse(t, OnWhite(c.Hex())), White); got < TextContrast {
					t.Fatalf("%s: OnWhite %s is %.2f:1", c.Hex(), OnWhite(c.Hex()), got)
				}
			}
		}
	}
}

// TestThemeExamples: Northwind's teal is shipped unchanged; a pale yellow
// keeps its colour on buttons (with dark text, never white) but is
// darkened for links and where white text is fixed (emails); a mid tone
// that neither white nor dark text can read on is darkened until white
// text reaches 4.5:1, by as little as that takes.
func TestThemeExamples(t *testing.T) {
	teal := ThemeFor("#0b7285")
	if teal != (Theme{Accent: "#0b7285", AccentInk: "#ffffff", AccentDeep: "#08505d", AccentText: "#0b7285"}) {
		t.Errorf("teal: %+v", teal)
	}
	yellow := ThemeFor("#ffe066")
	if yellow.Accent != "#ffe066" || yellow.AccentInk != Ink.Hex() {
		t.Errorf("pale yellow's button: %+v", yellow)
	}
	for what, c := range map[string]struct {
		hex string
		on  RGB
	}{"links on the page": {yellow.AccentText, Page}, "emails' buttons": {OnWhite("#ffe066"), White}} {
		if got := Contrast(mustParse(t, c.hex), c.on); got < TextContrast || got > TextContrast+0.3 {
			t.Errorf("pale yellow for %s: %s at %.2f:1, want 4.5:1 and little more", what, c.hex, got)
		}
	}
	grey := ThemeFor("#7f7f7f") // white 3.95:1, ink 4.38:1
	if grey.AccentInk != "#ffffff" || grey.Accent == "#7f7f7f" {
		t.Fatalf("mid grey: %+v", grey)
	}
	if got := Contrast(mustParse(t, grey.Accent), White); got < TextContrast || got > TextContrast+0.2 {
		t.Errorf("mid grey darkened to %s: %.2f:1", grey.Accent, got)
	}
	if ThemeFor("not a colour") != ThemeFor(Default) {
		t.Error("a bad colour does not get the default theme")
	}
}
