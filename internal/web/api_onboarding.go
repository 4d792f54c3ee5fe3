package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/awareportal/portal/internal/admin"
)

// The onboarding part of the admin API (docs/onboarding.md).

func (s *Server) apiOnboarding(c *fiber.Ctx) error {
	out, err := s.Admin.Onboarding(c.UserContext(), apiToken(c).PartnerID)
	if err != nil {
		return s.apiErr(c, err)
	}
	return c.JSON(out)
}

// apiUploadMedia stores the request body (a PDF, MP4 or WebM, streamed,
// never held in memory whole); ?filename= names it for the partner.
func (s *Server) apiUploadMedia(c *fiber.Ctx) error {
	partner, _ := s.apiMeta(c)
	body := c.Context().RequestBodyStream()
	if body == nil {
		return apiFail(c, fiber.StatusUnprocessableEntity, "validation_failed", "Send the file as the request body.", map[string]string{"file": "is empty"})
	}
	out, err := s.Admin.UploadMedia(c.UserContext(), partner, c.Query("filename"), body)
	if err != nil {
		// The rest of a refused upload is not read: don't reuse the connection.
		c.Context().SetConnectionClose()
		return s.apiErr(c, err)
	}
	return c.Status(fiber.StatusCreated).JSON(out)
}

func (s *Server) apiDefineModule(c *fiber.Ctx) error {
	var in admin.ModuleInput
	if err := decode(c, &in); err != nil {
		return s.apiErr(c, err)
	}
	partner, meta := s.apiMeta(c)
	out, err := s.Admin.DefineModule(c.UserContext(), partner, in, meta)
	if err != nil {
		return s.apiErr(c, err)
	}
	return c.Status(fiber.StatusCreated).JSON(out)
}

func (s *Server) apiRemoveModule(c *fiber.Ctx) error {
	partner, meta := s.apiMeta(c)
	if err := s.Admin.RemoveModule(c.UserContext(), partner, c.Params("module"), meta); err != nil {
		return s.apiErr(c, err)
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Server) apiSetDefaultSequence(c *fiber.Ctx) error {
	var in admin.SequenceInput
	if err := decode(c, &in); err != nil {
		return s.apiErr(c, err)
	}
	partner, meta := s.apiMeta(c)
	out, err := s.Admin.SetDefaultSequence(c.UserContext(), partner, in, meta)
	if err != nil {
		return s.apiErr(c, err)
	}
	return c.JSON(out)
}

func (s *Server) apiClientOnboarding(c *fiber.Ctx) error {
	out, err := s.Admin.ClientOnboarding(c.UserContext(), apiToken(c).PartnerID, c.Params("client"))
	if err != nil {
		return s.apiErr(c, err)
	}
	return c.JSON(out)
}

func (s *Server) apiSetClientOnboarding(c *fiber.Ctx) error {
	var in admin.ClientOnboardingInput
	if err := decode(c, &in); err != nil {
		return s.apiErr(c, err)
	}
	partner, meta := s.apiMeta(c)
	out, err := s.Admin.SetClientOnboarding(c.UserContext(), partner, c.Params("client"), in, meta)
	if err != nil {
		return s.apiErr(c, err)
	}
	return c.JSON(out)
}
