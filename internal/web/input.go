package web

import (
	"bytes"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
)

// refuseBadInput answers 400 to a request whose path, query or form carries
// a NUL byte or invalid UTF-8, or whose headers carry a NUL. No browser
// sends them, and nothing downstream can hold them: Postgres refuses both
// in text, and a handler that passed one on would fail with a 500. The API
// gets its JSON error shape; pages get the error page (and htmx a toast).
func (s *Server) refuseBadInput(c *fiber.Ctx) error {
	where := badInput(c)
	if where == "" {
		return c.Next()
	}
	msg := "The request has a NUL byte or invalid UTF-8 in its " + where + "; nothing was changed."
	if strings.HasPrefix(c.Path(), "/api/") {
		return apiFail(c, fiber.StatusBadRequest, "bad_input", msg, nil)
	}
	return userError(c, fiber.StatusBadRequest, msg)
}

// bodyLimit is the most a request body may hold, but a media upload's.
const bodyLimit = 1 << 20

// uploadPath and documentUploadPath take streamed uploads (see
// streamUpload).
const (
	uploadPath         = "/api/v1/onboarding/media"
	documentUploadPath = "/api/v1/policies/documents"
)

// uploadTimeout bounds one media upload (500 MB at about 2 Mbit/s).
const uploadTimeout = 30 * time.Minute

// isUpload says whether the request is a media upload: its body is the
// file, streamed by its handler after the token is checked, never read
// as a form or into memory before.
func isUpload(c *fiber.Ctx) bool {
	return c.Method() == fiber.MethodPost && (c.Path() == uploadPath || c.Path() == documentUploadPath)
}

// limitBody reads every request body but a media upload's into memory, at
// most bodyLimit of it; a longer one is refused with 413 and the
// connection closed. (Bodies arrive as streams: StreamRequestBody.)
func limitBody(c *fiber.Ctx) error {
	req := c.Request()
	if !req.IsBodyStream() || isUpload(c) || isImport(c, "breaches") || isImport(c, "phishing-results") {
		return c.Next()
	}
	b, err := io.ReadAll(io.LimitReader(c.Context().RequestBodyStream(), bodyLimit+1))
	if err != nil {
		c.Context().SetConnectionClose()
		return fiber.NewError(fiber.StatusBadRequest, "The request body could not be read.")
	}
	if len(b) > bodyLimit {
		c.Context().SetConnectionClose()
		if strings.HasPrefix(c.Path(), "/api/") {
			return apiFail(c, fiber.StatusRequestEntityTooLarge, "too_large", "The request body is larger than 1 MB; nothing was changed.", nil)
		}
		return fiber.ErrRequestEntityTooLarge
	}
	req.SetBody(b)
	return c.Next()
}

// badInput names the first part of the request that is not clean text.
func badInput(c *fiber.Ctx) string {
	req := c.Request()
	if !clean(req.URI().Path()) || !clean(req.URI().PathOriginal()) {
		return "address"
	}
	where := ""
	req.URI().QueryArgs().VisitAll(func(k, v []byte) {
		if where == "" && (!clean(k) || !clean(v)) {
			where = "query parameter " + printable(k)
		}
	})
	if where != "" {
		return where
	}
	req.Header.VisitAll(func(k, v []byte) {
		if where == "" && (bytes.IndexByte(k, 0) >= 0 || bytes.IndexByte(v, 0) >= 0) {
			where = "header " + printable(k)
		}
	})
	if where != "" {
		return where
	}
	if isUpload(c) {
		return "" // the body is a file, not a form
	}
	ct := string(req.Header.ContentType())
	switch {
	case strings.HasPrefix(ct, fiber.MIMEApplicationForm):
		req.PostArgs().VisitAll(func(k, v []byte) {
			if where == "" && (!clean(k) || !clean(v)) {
				where = "form field " + printable(k)
			}
		})
	case strings.HasPrefix(ct, fiber.MIMEMultipartForm):
		form, err := c.MultipartForm()
		if err != nil {
			return "form"
		}
		for k, vs := range form.Value {
			for _, v := range vs {
				if where == "" && (!clean([]byte(k)) || !clean([]byte(v))) {
					where = "form field " + printable([]byte(k))
				}
			}
		}
	}
	return where
}

// clean is valid UTF-8 without NUL.
func clean(b []byte) bool {
	return utf8.Valid(b) && bytes.IndexByte(b, 0) < 0
}

// printable is a field name fit to echo back.
func printable(b []byte) string {
	s := strings.ToValidUTF8(string(b), "?")
	s = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return '?'
		}
		return r
	}, s)
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return "‘" + strings.ToValidUTF8(s, "") + "’"
}
