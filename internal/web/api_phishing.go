package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/awareportal/portal/internal/admin"
)

// isPhishingImport says whether the request is a phishing-results import:
// its body is read by its handler, after the token is checked, up to
// importLimit.
func isPhishingImport(c *fiber.Ctx) bool {
	p := c.Path()
	return c.Method() == fiber.MethodPost && strings.HasPrefix(p, "/api/v1/clients/") && strings.HasSuffix(p, "/phishing-results") && strings.Count(p, "/") == 5
}

// apiIngestPhishing takes one campaign's results (see docs/api.md): all
// checked first, one bad result refuses them all (422 naming
// results[i].field); a result that changes nothing stores nothing.
func (s *Server) apiIngestPhishing(c *fiber.Ctx) error {
	body := c.Body()
	if c.Request().IsBodyStream() {
		b, err := io.ReadAll(io.LimitReader(c.Context().RequestBodyStream(), importLimit+1))
		if err != nil {
			c.Context().SetConnectionClose()
			return apiFail(c, fiber.StatusBadRequest, "bad_body", "The request body could not be read; nothing was stored.", nil)
		}
		body = b
	}
	if len(body) > importLimit {
		c.Context().SetConnectionClose()
		return apiFail(c, fiber.StatusRequestEntityTooLarge, "too_large", "The request body is larger than 16 MB; send the results in several requests. Nothing was stored.", nil)
	}
	var in admin.PhishingImport
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return s.apiErr(c, badJSON{err})
	}
	if dec.More() {
		return s.apiErr(c, badJSON{errors.New("more than one JSON value")})
	}
	partner, meta := s.apiMeta(c)
	res, err := s.Admin.IngestPhishing(c.UserContext(), partner, c.Params("client"), in, meta)
	if err != nil {
		return s.apiErr(c, err)
	}
	return c.JSON(res)
}
