package web

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/awareportal/portal/projections/directory"
)

// brandTheme serves the partner's accent colour as CSS variables, so pages
// need no inline styles.
func (s *Server) brandTheme(c *fiber.Ctx) error {
	p, err := s.Dir.PartnerBySlug(c.UserContext(), c.Params("slug"))
	if errors.Is(err, directory.ErrNotFound) {
		return fiber.ErrNotFound
	}
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/css; charset=utf-8")
	c.Set(fiber.HeaderCacheControl, "public, max-age=300")
	return c.SendString(fmt.Sprintf(":root{--accent:%s;--accent-ink:%s}\n", p.AccentColor, inkFor(p.AccentColor)))
}

// brandLogo serves the partner's SVG logo, sandboxed.
func (s *Server) brandLogo(c *fiber.Ctx) error {
	p, err := s.Dir.PartnerBySlug(c.UserContext(), c.Params("slug"))
	if errors.Is(err, directory.ErrNotFound) || (err == nil && p.LogoSVG == "") {
		return fiber.ErrNotFound
	}
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "image/svg+xml")
	c.Set(fiber.HeaderCacheControl, "public, max-age=300")
	c.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; sandbox")
	return c.SendString(p.LogoSVG)
}

// EmailLogoSize is the side of the PNG logo emails show (at 28 CSS pixels,
// sharp on screens of up to 4 device pixels per CSS pixel).
const EmailLogoSize = 112

// brandLogoPNG serves the partner's logo as a PNG, for emails: Gmail and
// Outlook don't show SVG images.
func (s *Server) brandLogoPNG(c *fiber.Ctx) error {
	p, err := s.Dir.PartnerBySlug(c.UserContext(), c.Params("slug"))
	if errors.Is(err, directory.ErrNotFound) || (err == nil && p.LogoSVG == "") {
		return fiber.ErrNotFound
	}
	if err != nil {
		return err
	}
	b, err := s.logos.PNG(p.LogoSVG, EmailLogoSize)
	if err != nil {
		// A logo the rasteriser can't read shows as the partner's name
		// alone, as a partner without a logo does.
		s.Log.WarnContext(c.UserContext(), "partner logo cannot be drawn as PNG", "partner", p.ID, "err", err)
		return fiber.ErrNotFound
	}
	c.Set(fiber.HeaderContentType, "image/png")
	c.Set(fiber.HeaderCacheControl, "public, max-age=300")
	return c.Send(b)
}

// inkFor picks white or near-black text for legibility on colour hex.
func inkFor(hex string) string {
	if len(hex) != 7 {
		return "#ffffff"
	}
	r, _ := strconv.ParseUint(hex[1:3], 16, 8)
	g, _ := strconv.ParseUint(hex[3:5], 16, 8)
	b, _ := strconv.ParseUint(hex[5:7], 16, 8)
	if 0.299*float64(r)+0.587*float64(g)+0.114*float64(b) > 160 {
		return "#111827"
	}
	return "#ffffff"
}
