package web

import (
	"errors"
	"fmt"

	"github.com/gofiber/fiber/v2"

	"github.com/awareportal/portal/internal/brand"
	"github.com/awareportal/portal/projections/directory"
)

// brandTheme serves the partner's accent colour as CSS variables, so pages
// need no inline styles: the accent and its text colour, the hero card's
// gradient end, and the accent for text, links and focus rings, each
// adjusted where the partner's colour would be illegible (brand.ThemeFor).
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
	th := brand.ThemeFor(p.AccentColor)
	return c.SendString(fmt.Sprintf(":root{--accent:%s;--accent-ink:%s;--accent-deep:%s;--accent-text:%s}\n", th.Accent, th.AccentInk, th.AccentDeep, th.AccentText))
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
