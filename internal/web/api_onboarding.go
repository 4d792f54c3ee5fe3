package web

import (
	"context"
	"errors"
	"io"
	"time"

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
// never held in memory whole, whatever its Content-Type says); ?filename=
// names it for the partner. The token was checked before any of the body
// was read (apiAuth; limitBody and refuseBadInput leave this body alone).
// A few uploads run at once per process: each holds a database connection
// while it streams.
func (s *Server) apiUploadMedia(c *fiber.Ctx) error {
	return s.streamUpload(c, s.Admin.UploadMedia)
}

// streamUpload streams the request body into store (onboarding media,
// policy documents): at most maxUploads at once, with its own timeout,
// and a body shorter than its Content-Length counts as cut off.
func (s *Server) streamUpload(c *fiber.Ctx, store func(ctx context.Context, partnerID, filename string, body io.Reader) (admin.MediaJSON, error)) error {
	partner, _ := s.apiMeta(c)
	body := c.Context().RequestBodyStream()
	if body == nil {
		return apiFail(c, fiber.StatusUnprocessableEntity, "validation_failed", "Send the file as the request body.", map[string]string{"file": "is empty"})
	}
	select {
	case s.uploads <- struct{}{}:
		defer func() { <-s.uploads }()
	default:
		c.Context().SetConnectionClose()
		c.Set(fiber.HeaderRetryAfter, "30")
		return apiFail(c, fiber.StatusTooManyRequests, "busy", "Other uploads are under way; try again in a minute. Nothing was stored.", nil)
	}
	// The server's read timeout is for ordinary requests; a video takes longer.
	if conn := c.Context().Conn(); conn != nil {
		_ = conn.SetReadDeadline(time.Now().Add(uploadTimeout))
	}
	if n := c.Request().Header.ContentLength(); n >= 0 {
		body = &exactly{r: body, left: int64(n)}
	}
	out, err := store(c.UserContext(), partner, c.Query("filename"), body)
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

// exactly reads a body that must be as long as its Content-Length: one
// that ends sooner was cut off (the client went away), not a short file.
type exactly struct {
	r    io.Reader
	left int64
}

func (e *exactly) Read(p []byte) (int, error) {
	if e.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > e.left {
		p = p[:e.left]
	}
	n, err := e.r.Read(p)
	e.left -= int64(n)
	if errors.Is(err, io.EOF) && e.left > 0 {
		return n, io.ErrUnexpectedEOF
	}
	if err == nil && e.left == 0 {
		return n, io.EOF
	}
	return n, err
}
