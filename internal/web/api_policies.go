package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/awareportal/portal/internal/admin"
)

// The policies part of the admin API (docs/policies.md).

// apiUploadPolicyDocument stores the request body (a PDF or Markdown
// file), streamed like onboarding media (streamUpload).
func (s *Server) apiUploadPolicyDocument(c *fiber.Ctx) error {
	return s.streamUpload(c, s.Admin.UploadPolicyDocument)
}

func (s *Server) apiPolicies(c *fiber.Ctx) error {
	list, err := s.Admin.PoliciesOf(c.UserContext(), apiToken(c).PartnerID)
	if err != nil {
		return s.apiErr(c, err)
	}
	return c.JSON(struct {
		List []admin.PolicyJSON `json:"policies"`
	}{list})
}

func (s *Server) apiPolicy(c *fiber.Ctx) error {
	out, err := s.Admin.Policy(c.UserContext(), apiToken(c).PartnerID, c.Params("policy"))
	if err != nil {
		return s.apiErr(c, err)
	}
	return c.JSON(out)
}

func (s *Server) apiPublishPolicy(c *fiber.Ctx) error {
	var in admin.PolicyInput
	if err := decode(c, &in); err != nil {
		return s.apiErr(c, err)
	}
	partner, meta := s.apiMeta(c)
	out, err := s.Admin.PublishPolicy(c.UserContext(), partner, in, meta)
	if err != nil {
		return s.apiErr(c, err)
	}
	return c.Status(fiber.StatusCreated).JSON(out)
}

func (s *Server) apiAssignPolicy(c *fiber.Ctx) error {
	var in admin.AssignPolicyInput
	if err := decode(c, &in); err != nil {
		return s.apiErr(c, err)
	}
	partner, meta := s.apiMeta(c)
	out, err := s.Admin.AssignPolicy(c.UserContext(), partner, c.Params("client"), c.Params("policy"), in, meta.ActorID, meta)
	if err != nil {
		return s.apiErr(c, err)
	}
	return c.Status(fiber.StatusCreated).JSON(out)
}
