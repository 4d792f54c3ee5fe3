package brand

// A partner's accent colour becomes the colours pages, emails and
// certificates use, each legible by WCAG 2.2's contrast rules (4.5:1 for
// text, 3:1 for controls and focus rings) whatever colour the partner
// chose: a colour that would fail is adjusted, never shipped as is.

import (
	"fmt"
	"math"
	"strconv"
)

// Contrast ratios WCAG 2.2 asks for (1.4.3, 1.4.11).
const (
	TextContrast = 4.5 // normal-size text
	UIContrast   = 3.0 // controls, icons, focus indicators
)

// RGB is an sRGB colour.
type RGB struct{ R, G, B uint8 }

// The fixed colours the accent meets.
var (
	White = RGB{0xff, 0xff, 0xff}
	// Ink is the near-black text on light accents (static/app.css).
	Ink = RGB{0x11, 0x18, 0x27}
	// Page is the page's background (static/app.css --bg), the darkest
	// light background accent-coloured text sits on (cards are white).
	Page = RGB{0xf5, 0xf7, 0xfa}
)

// Default is the accent before a partner is known (static/app.css).
const Default = "#2f6fde"

// Parse reads #rrggbb.
func Parse(hex string) (RGB, bool) {
	if len(hex) != 7 || hex[0] != '#' {
		return RGB{}, false
	}
	v, err := strconv.ParseUint(hex[1:], 16, 32)
	if err != nil {
		return RGB{}, false
	}
	return RGB{uint8(v >> 16), uint8(v >> 8), uint8(v)}, true
}

// Hex writes #rrggbb.
func (c RGB) Hex() string { return fmt.Sprintf("#%02x%02x%02x", c.R, c.G, c.B) }

// Luminance is WCAG's relative luminance: 0 for black, 1 for white.
func Luminance(c RGB) float64 {
	lin := func(v uint8) float64 {
		s := float64(v) / 255
		if s <= 0.04045 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(c.R) + 0.7152*lin(c.G) + 0.0722*lin(c.B)
}

// Contrast is WCAG's contrast ratio of two colours, 1 to 21.
func Contrast(a, b RGB) float64 {
	la, lb := Luminance(a), Luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

// mix moves c towards to by t (0: c, 1: to), as CSS color-mix does.
func mix(c, to RGB, t float64) RGB {
	m := func(a, b uint8) uint8 { return uint8(math.Round(float64(a) + (float64(b)-float64(a))*t)) }
	return RGB{m(c.R, to.R), m(c.G, to.G), m(c.B, to.B)}
}

// darkenUntil darkens c (towards black, keeping its hue) by the least
// amount that gives it ratio against bg.
func darkenUntil(c, bg RGB, ratio float64) RGB {
	for t := 0.0; t < 1; t += 0.01 {
		if d := mix(c, RGB{}, t); Contrast(d, bg) >= ratio {
			return d
		}
	}
	return RGB{}
}

// Theme is what a partner's accent becomes on the portal's pages (the
// CSS variables of /brand/<slug>/theme.css).
type Theme struct {
	// Accent fills buttons, the hero card and the avatar, under AccentInk
	// text: at least 4.5:1 between them. It is the partner's colour
	// unless neither white nor near-black text reaches 4.5:1 on it; then
	// it is darkened until white does.
	Accent, AccentInk string
	// AccentDeep is where the hero card's gradient ends: darker than
	// Accent by up to 30%, never so dark that AccentInk loses 4.5:1.
	AccentDeep string
	// AccentText is the accent as text, links, focus rings and control
	// fills on white and on the page's background: the partner's colour
	// darkened until it reaches 4.5:1 on both (3:1 is all controls need).
	AccentText string
}

// ThemeFor is the theme of a partner's accent colour (#rrggbb; anything
// else gets the default's).
func ThemeFor(hex string) Theme {
	c, ok := Parse(hex)
	if !ok {
		c, _ = Parse(Default)
	}
	bg, ink := c, White
	switch {
	case Contrast(c, White) >= TextContrast:
	case Contrast(c, Ink) >= TextContrast:
		ink = Ink
	default: // too light for white, too dark for ink
		bg = darkenUntil(c, White, TextContrast)
	}
	deep := bg
	for t := 0.30; t > 0; t -= 0.01 {
		if d := mix(bg, RGB{}, t); Contrast(d, ink) >= TextContrast {
			deep = d
			break
		}
	}
	return Theme{Accent: bg.Hex(), AccentInk: ink.Hex(), AccentDeep: deep.Hex(), AccentText: darkenUntil(c, Page, TextContrast).Hex()}
}

// OnWhite is the accent against white where the portal cannot choose the
// text colour: under white text (an email's button and header) or as text
// and lines on white (an email's link, a certificate). It is the partner's
// colour darkened until it reaches 4.5:1 against white.
func OnWhite(hex string) string {
	c, ok := Parse(hex)
	if !ok {
		c, _ = Parse(Default)
	}
	return darkenUntil(c, White, TextContrast).Hex()
}
