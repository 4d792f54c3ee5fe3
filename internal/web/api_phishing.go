package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/awareportal/portal/internal/admin"
)

// apiIngestPhishing takes one campaign's results (see docs/api.md): all
// checked first, one bad result refuses them all (422 naming
// results[i].field); a result that changes nothing stores nothing.
func (s *Server) apiIngestPhishing(c *fiber.Ctx) error {
	var in admin.PhishingImport
	if ok, err := s.decodeImport(c, &in, "results"); !ok {
		return err
	}
	partner, meta := s.apiMeta(c)
	res, err := s.Admin.IngestPhishing(c.UserContext(), partner, c.Params("client"), in, meta)
	if err != nil {
		return s.apiErr(c, err)
	}
	return c.JSON(res)
}
