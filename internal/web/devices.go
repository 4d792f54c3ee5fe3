package web

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/awareportal/portal/internal/auth"
	"github.com/awareportal/portal/internal/useragent"
	"github.com/awareportal/portal/internal/when"
	"github.com/awareportal/portal/views"
)

// deviceMethods say how a session signed in, on Signed-in devices.
var deviceMethods = map[string]string{
	"email_link": "email link", "email_code": "code from the email", "training_link": "training link from an email",
	"microsoft": "Microsoft", "google": "Google",
}

// showDevices lists the learner's live sessions ("Signed-in devices").
func (s *Server) showDevices(c *fiber.Ctx) error {
	sess, _ := sessionOf(c)
	l, _ := learnerOf(c)
	devices, err := s.Auth.Devices(c.UserContext(), sess)
	if err != nil {
		return err
	}
	p, err := s.learnerPage(c, "Signed-in devices", "devices", nil)
	if err != nil {
		return err
	}
	if n, err := strconv.Atoi(c.Query("ended")); err == nil && n > 0 {
		p.Flash = fmt.Sprintf("Signed out %s.", plural(n, "other device", "other devices"))
	}
	now := s.Clock.Now()
	v := views.DevicesView{Email: l.Email, CSRF: p.CSRF}
	for _, d := range devices {
		row := views.DeviceRow{
			Ref: d.Ref, Browser: useragent.Summary(d.UserAgent), Method: orDefault(deviceMethods[string(d.Method)], string(d.Method)),
			SignedIn: when.Short(d.CreatedAt, now, l.Location()), LastSeen: ago(d.LastSeenAt, now), This: d.Ref == sess.Ref,
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
