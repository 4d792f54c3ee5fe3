package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/awareportal/portal/internal/admin"
)

func (s *Server) apiReminderPolicy(c *fiber.Ctx) error {
	p, err := s.Admin.ReminderPolicy(c.UserContext(), apiToken(c).PartnerID, c.Params("client"))
	if err != nil {
		return s.apiErr(c, err)
	}
	return c.JSON(p)
}

func (s *Server) apiUpdateReminderPolicy(c *fiber.Ctx) error {
	var in admin.ReminderPolicyPatch
	if err := decode(c, &in); err != nil {
		return s.apiErr(c, err)
	}
	partner, meta := s.apiMeta(c)
	p, err := s.Admin.UpdateReminderPolicy(c.UserContext(), partner, c.Params("client"), in, meta)
	if err != nil {
		return s.apiErr(c, err)
	}
	return c.JSON(p)
}
