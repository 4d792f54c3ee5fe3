package web

import (
	"io"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/awareportal/portal/internal/admin"
)

// importLimit is the most a breach import's body may hold (some 50,000
// records); it is read only after the token was checked.
const importLimit = 16 << 20

// isImport says whether the request is a bulk import into a client
// (POST /api/v1/clients/:client/<what>): its body is read by its handler,
// after the token is checked, up to importLimit.
func isImport(c *fiber.Ctx, what string) bool {
	p := c.Path()
	return c.Method() == fiber.MethodPost && strings.HasPrefix(p, "/api/v1/clients/") && strings.HasSuffix(p, "/"+what) && strings.Count(p, "/") == 5
}

// decodeImport reads an import's body (streamed, up to importLimit) and
// decodes it strictly into dst. false: the answer (400, 413 or 422) is
// already written; nothing was stored.
func (s *Server) decodeImport(c *fiber.Ctx, dst any, items string) (bool, error) {
	body := c.Body()
	if c.Request().IsBodyStream() {
		b, err := io.ReadAll(io.LimitReader(c.Context().RequestBodyStream(), importLimit+1))
		if err != nil {
			c.Context().SetConnectionClose()
			return false, apiFail(c, fiber.StatusBadRequest, "bad_body", "The request body could not be read; nothing was stored.", nil)
		}
		body = b
	}
	if len(body) > importLimit {
		c.Context().SetConnectionClose()
		return false, apiFail(c, fiber.StatusRequestEntityTooLarge, "too_large", "The request body is larger than 16 MB; send the "+items+" in several requests. Nothing was stored.", nil)
	}
	if err := decodeJSON(body, dst); err != nil {
		return false, s.apiErr(c, err)
	}
	return true, nil
}

// apiIngestBreaches takes breach records ({"records": [...]}, see
// docs/api.md): all checked first, one bad record refuses them all (422
// naming records[i].field); known (source id, email) pairs are skipped,
// unknown emails counted.
func (s *Server) apiIngestBreaches(c *fiber.Ctx) error {
	var in admin.BreachImport
	if ok, err := s.decodeImport(c, &in, "records"); !ok {
		return err
	}
	partner, meta := s.apiMeta(c)
	res, err := s.Admin.IngestBreaches(c.UserContext(), partner, c.Params("client"), in, meta)
	if err != nil {
		return s.apiErr(c, err)
	}
	return c.JSON(res)
}

func (s *Server) apiBreachMonitoring(c *fiber.Ctx) error {
	out, err := s.Admin.BreachMonitoring(c.UserContext(), apiToken(c).PartnerID)
	if err != nil {
		return s.apiErr(c, err)
	}
	return c.JSON(out)
}

func (s *Server) apiSetBreachMonitoring(c *fiber.Ctx) error {
	var in admin.MonitoringInput
	if err := decode(c, &in); err != nil {
		return s.apiErr(c, err)
	}
	partner, meta := s.apiMeta(c)
	out, err := s.Admin.SetBreachMonitoring(c.UserContext(), partner, in, meta)
	if err != nil {
		return s.apiErr(c, err)
	}
	return c.JSON(out)
}

func (s *Server) apiClientBreachMonitoring(c *fiber.Ctx) error {
	out, err := s.Admin.ClientBreachMonitoring(c.UserContext(), apiToken(c).PartnerID, c.Params("client"))
	if err != nil {
		return s.apiErr(c, err)
	}
	return c.JSON(out)
}

func (s *Server) apiSetClientBreachMonitoring(c *fiber.Ctx) error {
	var in admin.MonitoringInput
	if err := decode(c, &in); err != nil {
		return s.apiErr(c, err)
	}
	partner, meta := s.apiMeta(c)
	out, err := s.Admin.SetClientBreachMonitoring(c.UserContext(), partner, c.Params("client"), in, meta)
	if err != nil {
		return s.apiErr(c, err)
	}
	return c.JSON(out)
}
