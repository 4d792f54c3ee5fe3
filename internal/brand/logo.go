// Package brand turns a partner's brand into what each place can show
// legibly: a PNG of the SVG logo for emails (Gmail and Outlook don't show
// SVG) and certificates (PDF), and the accent colour adjusted to WCAG's
// contrast ratios for pages, emails and certificates (brand.go).
package brand

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"image"
	"image/png"
	"strings"
	"sync"

	"github.com/srwiley/oksvg"
	"github.com/srwiley/rasterx"
)

// ErrNoLogo means there is no logo to draw.
var ErrNoLogo = errors.New("no logo")

// MaxPNGSize bounds the side of a rendered logo, in pixels.
const MaxPNGSize = 1024

// PNG renders an SVG logo as a size×size PNG: the logo keeps its aspect
// ratio, scaled to fit and centred, transparent around it. Elements the
// rasteriser doesn't know are skipped; an SVG it can't read at all is an
// error, never a panic.
func PNG(svg string, size int) (out []byte, err error) {
	if strings.TrimSpace(svg) == "" {
		return nil, ErrNoLogo
	}
	if size < 1 || size > MaxPNGSize {
		return nil, fmt.Errorf("logo size %d: must be 1-%d pixels", size, MaxPNGSize)
	}
	defer func() {
		// oksvg panics on some malformed paths; a bad logo must not take a
		// request (or a certificate) down with it.
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("draw logo: %v", r)
		}
	}()
	icon, err := oksvg.ReadIconStream(strings.NewReader(svg), oksvg.IgnoreErrorMode)
	if err != nil {
		return nil, fmt.Errorf("read logo: %w", err)
	}
	x, y, w, h := fit(icon.ViewBox.W, icon.ViewBox.H, float64(size))
	icon.SetTarget(x, y, w, h)
	img := image.NewRGBA(image.Rect(0, 0, size, size))
	scanner := rasterx.NewScannerGV(size, size, img, img.Bounds())
	icon.Draw(rasterx.NewDasher(size, size, scanner), 1)
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("encode logo: %w", err)
	}
	return buf.Bytes(), nil
}

// fit places a w×h box inside a size×size square, keeping its aspect ratio
// and centring it. A box without a usable size fills the square.
func fit(w, h, size float64) (x, y, fw, fh float64) {
	if !(w > 0 && h > 0) {
		return 0, 0, size, size
	}
	if w >= h {
		fh = size * h / w
		return 0, (size - fh) / 2, size, fh
	}
	fw = size * w / h
	return (size - fw) / 2, 0, fw, size
}

// PNGCache remembers rendered logos by their SVG and size, so each logo
// version is drawn once per process. It holds at most Max entries and
// forgets them all when full (logos change rarely; partners are few).
type PNGCache struct {
	Max int

	mu   sync.Mutex
	pngs map[[sha256.Size]byte][]byte
}

// PNG returns the logo rendered at size, from the cache when it can.
func (c *PNGCache) PNG(svg string, size int) ([]byte, error) {
	key := sha256.Sum256(fmt.Appendf(nil, "%d\x00%s", size, svg))
	c.mu.Lock()
	b, ok := c.pngs[key]
	c.mu.Unlock()
	if ok {
		return b, nil
	}
	b, err := PNG(svg, size)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pngs == nil || len(c.pngs) >= max(c.Max, 1) {
		c.pngs = make(map[[sha256.Size]byte][]byte)
	}
	c.pngs[key] = b
	return b, nil
}
