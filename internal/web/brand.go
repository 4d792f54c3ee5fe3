package web

import (
	"errors"
	"fmt"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/awareportal/portal/domain/tenancy"
	"github.com/awareportal/portal/internal/brand"
	"github.com/awareportal/portal/projections/directory"
	"github.com/awareportal/portal/views"
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

// partnerCookie remembers, in the browser, whose portal a person uses: the
// partner's slug (public, no secret), set on the partner's sign-in page
// and at every sign-in or organisation choice. Pages a person reaches
// signed out (after logging out, a signed-out redirect, an error page)
// wear that partner's brand instead of the product's. It never decides
// anything but looks: a page that belongs to a partner (a sign-in link's
// landing, a learner's page) wears that partner's brand whatever it says.
const partnerCookie = "__Host-partner"

// rememberPartner sets the partner cookie.
func (s *Server) rememberPartner(c *fiber.Ctx, slug string) {
	if slug == "" || c.Cookies(partnerCookie) == slug {
		return
	}
	c.Cookie(&fiber.Cookie{Name: partnerCookie, Value: slug, Path: "/", MaxAge: int(365 * day / time.Second),
		Secure: true, HTTPOnly: true, SameSite: fiber.CookieSameSiteLaxMode})
}

// rememberLearnersPartner remembers the partner of a learner and returns
// its slug.
func (s *Server) rememberLearnersPartner(c *fiber.Ctx, learnerID string) (string, error) {
	l, err := s.Dir.Learner(c.UserContext(), learnerID)
	if err != nil {
		return "", err
	}
	p, err := s.Dir.Partner(c.UserContext(), l.PartnerID)
	if err != nil {
		return "", err
	}
	s.rememberPartner(c, p.Slug)
	return p.Slug, nil
}

// rememberedPartner is the partner the cookie names, when it names one
// that exists. A malformed or unknown slug is no partner (never an error:
// the cookie is the browser's to change).
func (s *Server) rememberedPartner(c *fiber.Ctx) (directory.Partner, bool) {
	slug := c.Cookies(partnerCookie)
	if !tenancy.ValidSlug(slug) {
		return directory.Partner{}, false
	}
	p, err := s.Dir.PartnerBySlug(c.UserContext(), slug)
	if err != nil {
		if !errors.Is(err, directory.ErrNotFound) {
			s.Log.Warn("remembered partner", "err", err, "request_id", requestID(c))
		}
		return directory.Partner{}, false
	}
	return p, true
}

// signInPath is where a signed-out person is sent: the remembered
// partner's sign-in page, or the neutral one.
func (s *Server) signInPath(c *fiber.Ctx) string {
	if p, ok := s.rememberedPartner(c); ok {
		return "/p/" + p.Slug + "/signin"
	}
	return "/signin"
}

// ambientBrand is the brand of a page whose content belongs to no partner
// (an error page, a refused code): the signed-in learner's partner, else
// the remembered partner, else the product's.
func (s *Server) ambientBrand(c *fiber.Ctx) views.Brand {
	partnerID := ""
	if l, ok := learnerOf(c); ok {
		partnerID = l.PartnerID
	} else if sess, ok := sessionOf(c); ok && sess.LearnerID != "" {
		if l, err := s.Dir.Learner(c.UserContext(), sess.LearnerID); err == nil {
			partnerID = l.PartnerID
		}
	}
	if partnerID != "" {
		if p, err := s.Dir.Partner(c.UserContext(), partnerID); err == nil {
			return brandOf(p)
		}
	}
	if p, ok := s.rememberedPartner(c); ok {
		return brandOf(p)
	}
	return productBrand
}
