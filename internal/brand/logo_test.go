package brand

import (
	"bytes"
	"errors"
	"image/color"
	"image/png"
	"testing"
)

const square = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect width="64" height="64" fill="#0b7285"/></svg>`

// A wide logo keeps its shape: centred, transparent above and below.
const wide = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 50"><rect width="200" height="50" fill="#ff0000"/></svg>`

func decode(t *testing.T, b []byte) func(x, y int) color.RGBA {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	return func(x, y int) color.RGBA {
		r, g, b, a := img.At(x, y).RGBA()
		return color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), uint8(a >> 8)}
	}
}

func TestPNGDrawsTheLogo(t *testing.T) {
	b, err := PNG(square, 56)
	if err != nil {
		t.Fatal(err)
	}
	img, _ := png.Decode(bytes.NewReader(b))
	if got := img.Bounds().Dx(); got != 56 || img.Bounds().Dy() != 56 {
		t.Fatalf("size %v, want 56×56", img.Bounds())
	}
	if got, want := decode(t, b)(28, 28), (color.RGBA{0x0b, 0x72, 0x85, 0xff}); got != want {
		t.Errorf("centre pixel %v, want the logo's teal %v", got, want)
	}
}

func TestPNGKeepsTheAspectRatio(t *testing.T) {
	b, err := PNG(wide, 100)
	if err != nil {
		t.Fatal(err)
	}
	at := decode(t, b)
	if c := at(50, 50); c.R != 0xff || c.A != 0xff {
		t.Errorf("centre %v, want opaque red", c)
	}
	// 200×50 in a 100×100 square: 100×25, rows 37.5 to 62.5.
	for _, y := range []int{2, 30, 70, 97} {
		if c := at(50, y); c.A != 0 {
			t.Errorf("row %d is %v, want transparent (the logo was stretched)", y, c)
		}
	}
}

func TestPNGRefusesWhatItCannotDraw(t *testing.T) {
	for name, svg := range map[string]string{
		"empty":     "  ",
		"not xml":   "<svg <<<",
		"truncated": `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><path d="M 1 1 L`,
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := PNG(svg, 56); err == nil {
				t.Errorf("PNG(%q) drew something; want an error", svg)
			}
		})
	}
	if _, err := PNG("", 56); !errors.Is(err, ErrNoLogo) {
		t.Errorf("empty logo: %v, want ErrNoLogo", err)
	}
	if _, err := PNG(square, MaxPNGSize+1); err == nil {
		t.Error("a logo larger than MaxPNGSize was drawn")
	}
}

func TestPNGCacheDrawsEachLogoOnce(t *testing.T) {
	c := &PNGCache{Max: 2}
	a, err := c.PNG(square, 56)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := c.PNG(square, 56)
	if &a[0] != &b[0] {
		t.Error("the same logo was drawn twice")
	}
	other, _ := c.PNG(square, 28)
	if bytes.Equal(other, a) {
		t.Error("a different size came from the cache")
	}
	_, _ = c.PNG(wide, 56) // full: starts over
	if len(c.pngs) > 2 {
		t.Errorf("cache holds %d logos, more than Max", len(c.pngs))
	}
}
