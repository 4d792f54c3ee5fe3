package web

import (
	"github.com/a-h/templ"
	"github.com/gofiber/fiber/v2"

	"github.com/awareportal/portal/internal/i18n"
)

// isHTMX reports whether htmx asked for a fragment. A history restore (the
// back button after the cache missed) or a direct visit gets the full page.
func isHTMX(c *fiber.Ctx) bool {
	return c.Get("HX-Request") == "true" && c.Get("HX-History-Restore-Request") != "true"
}

// render is the one place that chooses between the full page and the
// fragment, and it tells caches the answer depends on HX-Request and on
// Accept-Language (a page speaks the browser's language unless a choice
// or the organisation's default decides); Content-Language says which it
// speaks.
func render(c *fiber.Ctx, status int, full, fragment templ.Component) error {
	c.Vary("HX-Request", fiber.HeaderAcceptLanguage)
	c.Set(fiber.HeaderContentLanguage, string(i18n.From(c.UserContext()).Lang()))
	comp := full
	if fragment != nil && isHTMX(c) {
		comp = fragment
	}
	// Straight into the response's own (pooled) body, not a buffer of ours
	// copied there after.
	res := c.Response()
	res.ResetBody()
	if err := comp.Render(c.UserContext(), res.BodyWriter()); err != nil {
		res.ResetBody()
		return err // the error handler logs it and shows the error page
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	c.Status(status)
	return nil
}

// redirect sends the browser elsewhere, the htmx way for htmx requests.
func redirect(c *fiber.Ctx, to string) error {
	if c.Get("HX-Request") == "true" {
		c.Set("HX-Redirect", to)
		return c.SendStatus(fiber.StatusNoContent)
	}
	return c.Redirect(to, fiber.StatusSeeOther)
}
