package web

import (
	"errors"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/awareportal/portal/internal/mail"
	"github.com/awareportal/portal/views"
)

// devOnly hides the dev outbox: it holds everyone's sign-in links, so even
// a dev portal listening on all interfaces shows it only to this machine,
// and only under this machine's names. A page on another site whose name
// was made to resolve to 127.0.0.1 (DNS rebinding) arrives with its own
// name in Host and is refused.
func (s *Server) devOnly(c *fiber.Ctx) error {
	ip := net.ParseIP(s.clientIP(c))
	if ip == nil || !ip.IsLoopback() || !s.localHost(c.Hostname()) {
		return fiber.ErrNotFound
	}
	return c.Next()
}

// localHost reports whether a Host header names this portal: its base
// URL's host, or a loopback name.
func (s *Server) localHost(host string) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	switch host {
	case "localhost", "127.0.0.1", "::1", strings.ToLower(s.BaseURL.Hostname()):
		return true
	}
	return false
}

// devOutbox lists mail the built-in SMTP server received (embedded mode).
func (s *Server) devOutbox(c *fiber.Ctx) error {
	mails, err := s.DevOutbox.List(c.UserContext())
	if err != nil {
		return err
	}
	list := make([]views.DevMailRow, 0, len(mails))
	for _, m := range mails {
		list = append(list, views.DevMailRow{ID: m.ID, ReceivedAt: m.ReceivedAt, To: m.To, Subject: m.Subject})
	}
	return render(c, fiber.StatusOK, views.DevOutboxPage(s.page(c, "Dev outbox", productBrand), list), nil)
}

func (s *Server) loadDevMail(c *fiber.Ctx) (int64, time.Time, mail.Parsed, error) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil {
		return 0, time.Time{}, mail.Parsed{}, fiber.ErrNotFound
	}
	at, parsed, err := s.DevOutbox.Message(c.UserContext(), id)
	if errors.Is(err, mail.ErrNoMail) {
		return 0, time.Time{}, mail.Parsed{}, fiber.ErrNotFound
	}
	return id, at, parsed, err
}

// devMail shows one message.
func (s *Server) devMail(c *fiber.Ctx) error {
	id, at, m, err := s.loadDevMail(c)
	if err != nil {
		return err
	}
	msg := views.DevMailMessage{ID: id, From: m.From, To: m.To, Subject: m.Subject, ReceivedAt: at, Text: m.Text, HasHTML: m.HTML != ""}
	for _, a := range m.Attachments {
		msg.Attachments = append(msg.Attachments, a.Name+" ("+a.ContentType+", "+strconv.Itoa(len(a.Data))+" bytes)")
	}
	return render(c, fiber.StatusOK, views.DevMailPage(s.page(c, m.Subject, productBrand), msg), nil)
}

// devMailHTML serves a message's HTML part into the outbox page's
// sandboxed frame.
func (s *Server) devMailHTML(c *fiber.Ctx) error {
	_, _, m, err := s.loadDevMail(c)
	if err != nil {
		return err
	}
	c.Set("Content-Security-Policy", "default-src 'none'; img-src 'self' data: http: https:; style-src 'unsafe-inline'; frame-ancestors 'self'; sandbox allow-popups allow-popups-to-escape-sandbox allow-top-navigation-by-user-activation")
	c.Set("X-Frame-Options", "SAMEORIGIN")
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.SendString(strings.TrimSpace(m.HTML))
}
