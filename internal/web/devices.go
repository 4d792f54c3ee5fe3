package web

import (
	"context"
	"errors"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/awareportal/portal/internal/auth"
	"github.com/awareportal/portal/internal/i18n"
	"github.com/awareportal/portal/internal/useragent"
	"github.com/awareportal/portal/internal/when"
	"github.com/awareportal/portal/views"
)

// deviceMethod says how a session signed in, on Signed-in devices.
func deviceMethod(ctx context.Context, m string) string {
	switch m {
	case "email_link":
		return i18n.T(ctx, "devices.method.email_link")
	case "email_code":
		return i18n.T(ctx, "devices.method.email_code")
	case "training_link":
		return i18n.T(ctx, "devices.method.training_link")
	case "microsoft":
		return "Microsoft"
	case "google":
		return "Google"
	}
	return m
}

// showDevices lists the learner's live sessions ("Signed-in devices").
func (s *Server) showDevices(c *fiber.Ctx) error {
	sess, _ := sessionOf(c)
	l, _ := learnerOf(c)
	devices, err := s.Auth.Devices(c.UserContext(), sess)
	if err != nil {
		return err
	}
	p, err := s.learnerPage(c, i18n.T(c.UserContext(), "menu.devices"), "devices", nil)
	if err != nil {
		return err
	}
	if n, err := strconv.Atoi(c.Query("ended")); err == nil && n > 0 {
		p.Flash = i18n.N(c.UserContext(), "devices.ended", n)
	}
	now := s.Clock.Now()
	v := views.DevicesView{Email: l.Email, CSRF: p.CSRF}
	for _, d := range devices {
		row := views.DeviceRow{
			Ref: d.Ref, Browser: agentName(i18n.From(c.UserContext()), d.UserAgent), Method: deviceMethod(c.UserContext(), string(d.Method)),
			SignedIn: when.ShortIn(i18n.From(c.UserContext()), d.CreatedAt, now, l.Location()), LastSeen: ago(i18n.From(c.UserContext()), d.LastSeenAt, now), This: d.Ref == sess.Ref,
		}
		if row.This {
			v.Devices = append([]views.DeviceRow{row}, v.Devices...) // this one first
			continue
		}
		v.Devices = append(v.Devices, row)
		v.Others++
	}
	return render(c, fiber.StatusOK, views.DevicesPage(p, v), views.DevicesPanel(v))
}

// endDevice signs out one of the learner's other sessions, at once.
func (s *Server) endDevice(c *fiber.Ctx) error {
	sess, _ := sessionOf(c)
	_, err := s.Auth.EndSession(c.UserContext(), sess, c.Params("ref"), s.meta(c))
	if errors.Is(err, auth.ErrNoSuchDevice) {
		return fiber.ErrNotFound
	}
	if err != nil {
		return err
	}
	return redirect(c, "/account/devices?ended=1")
}

// endOtherDevices signs out every other session of the learner's.
func (s *Server) endOtherDevices(c *fiber.Ctx) error {
	sess, _ := sessionOf(c)
	n, err := s.Auth.EndOtherSessions(c.UserContext(), sess, s.meta(c))
	if err != nil {
		return err
	}
	return redirect(c, "/account/devices?ended="+strconv.Itoa(n))
}

// agentName is useragent.Summary in tr's language: "Chrome unter Linux".
func agentName(tr *i18n.Translator, ua string) string {
	b, sys := useragent.Browser(ua), useragent.System(ua)
	switch {
	case b == "" && sys == "":
		return tr.T("devices.agent.unknown")
	case b == "":
		return tr.T("devices.agent.some_browser_on", "System", sys)
	case sys == "":
		return b
	}
	return tr.T("devices.agent.browser_on", "Browser", b, "System", sys)
}
