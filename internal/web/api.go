package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/awareportal/portal/internal/admin"
	"github.com/awareportal/portal/internal/eventstore"
	"github.com/awareportal/portal/projections/directory"
)

// The admin API: JSON over HTTPS for partners, authenticated with a bearer
// token (see docs/api.md). It carries no cookies, so it needs no CSRF token.

const keyAPIToken ctxKey = 100

// apiError is every error the API returns.
type apiError struct {
	Error   string            `json:"error"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

func apiFail(c *fiber.Ctx, status int, code, msg string, fields map[string]string) error {
	return c.Status(status).JSON(apiError{Error: code, Message: msg, Fields: fields})
}

// apiErr maps service errors to HTTP answers.
func (s *Server) apiErr(c *fiber.Ctx, err error) error {
	var v *admin.ValidationError
	var bad badJSON
	switch {
	case errors.As(err, &bad):
		return apiFail(c, fiber.StatusBadRequest, "bad_json", bad.Error(), nil)
	case errors.As(err, &v):
		return apiFail(c, fiber.StatusUnprocessableEntity, "validation_failed", "Some fields are not right; nothing was changed.", v.Fields)
	case errors.Is(err, admin.ErrNotFound):
		return apiFail(c, fiber.StatusNotFound, "not_found", err.Error(), nil)
	case errors.Is(err, admin.ErrConflict):
		return apiFail(c, fiber.StatusConflict, "conflict", err.Error(), nil)
	}
	s.Log.Error("api request failed", "method", c.Method(), "path", c.Path(), "request_id", requestID(c), "err", err)
	return apiFail(c, fiber.StatusInternalServerError, "internal", "Something went wrong; nothing may have been changed. Try again.", nil)
}

// apiAuth checks the bearer token.
func (s *Server) apiAuth(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	auth := c.Get(fiber.HeaderAuthorization)
	token, ok := strings.CutPrefix(auth, "Bearer ")
	if !ok {
		c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="portal admin API"`)
		return apiFail(c, fiber.StatusUnauthorized, "unauthorized", "Send an API token: Authorization: Bearer <token>.", nil)
	}
	t, err := s.Admin.Authenticate(c.UserContext(), strings.TrimSpace(token))
	if errors.Is(err, admin.ErrUnauthorized) {
		c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="portal admin API", error="invalid_token"`)
		return apiFail(c, fiber.StatusUnauthorized, "unauthorized", err.Error(), nil)
	}
	if err != nil {
		return s.apiErr(c, err)
	}
	c.Locals(keyAPIToken, t)
	return c.Next()
}

func apiToken(c *fiber.Ctx) directory.APIToken {
	t, _ := c.Locals(keyAPIToken).(directory.APIToken)
	return t
}

func (s *Server) apiMeta(c *fiber.Ctx) (string, eventstore.Metadata) {
	t := apiToken(c)
	m := s.meta(c)
	m.ActorID = "api:" + t.TokenID
	m.TenantID = t.PartnerID
	return t.PartnerID, m
}

// badJSON is a request body that is not the JSON an endpoint takes.
type badJSON struct{ err error }

func (b badJSON) Error() string {
	return "The body is not the JSON this endpoint takes: " + b.err.Error()
}

// decode reads a JSON body strictly: unknown fields and trailing data are errors.
func decode(c *fiber.Ctx, dst any) error { return decodeJSON(c.Body(), dst) }

// decodeJSON is decode on bytes already read.
func decodeJSON(body []byte, dst any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return badJSON{err}
	}
	if dec.More() {
		return badJSON{errors.New("more than one JSON value")}
	}
	return nil
}

func (s *Server) apiCourses(c *fiber.Ctx) error {
	return c.JSON(struct {
		List []admin.CourseJSON `json:"courses"`
	}{admin.CoursesJSON(s.Catalog.All())})
}

func (s *Server) apiClients(c *fiber.Ctx) error {
	list, err := s.Admin.Clients(c.UserContext(), apiToken(c).PartnerID)
	if err != nil {
		return s.apiErr(c, err)
	}
	return c.JSON(struct {
		List []admin.ClientJSON `json:"clients"`
	}{admin.ClientsJSON(list)})
}

func (s *Server) apiCreateClient(c *fiber.Ctx) error {
	var in admin.ClientInput
	if err := decode(c, &in); err != nil {
		return s.apiErr(c, err)
	}
	partner, meta := s.apiMeta(c)
	cl, err := s.Admin.CreateClient(c.UserContext(), partner, in, meta)
	if err != nil {
		return s.apiErr(c, err)
	}
	c.Location("/api/v1/clients/" + cl.ID)
	return c.Status(fiber.StatusCreated).JSON(admin.ToClientJSON(cl))
}

func (s *Server) apiClient(c *fiber.Ctx) error {
	cl, err := s.Admin.Client(c.UserContext(), apiToken(c).PartnerID, c.Params("client"))
	if err != nil {
		return s.apiErr(c, err)
	}
	return c.JSON(admin.ToClientJSON(cl))
}

func (s *Server) apiUpdateClient(c *fiber.Ctx) error {
	var in admin.ClientPatch
	if err := decode(c, &in); err != nil {
		return s.apiErr(c, err)
	}
	partner, meta := s.apiMeta(c)
	cl, err := s.Admin.UpdateClient(c.UserContext(), partner, c.Params("client"), in, meta)
	if err != nil {
		return s.apiErr(c, err)
	}
	return c.JSON(admin.ToClientJSON(cl))
}

func (s *Server) apiUsers(c *fiber.Ctx) error {
	list, err := s.Admin.Users(c.UserContext(), apiToken(c).PartnerID, c.Params("client"))
	if err != nil {
		return s.apiErr(c, err)
	}
	return c.JSON(struct {
		List []admin.UserJSON `json:"users"`
	}{admin.UsersJSON(list)})
}

func (s *Server) apiCreateUser(c *fiber.Ctx) error {
	var in admin.UserInput
	if err := decode(c, &in); err != nil {
		return s.apiErr(c, err)
	}
	partner, meta := s.apiMeta(c)
	l, err := s.Admin.ProvisionUser(c.UserContext(), partner, c.Params("client"), in, meta)
	if err != nil {
		return s.apiErr(c, err)
	}
	return c.Status(fiber.StatusCreated).JSON(admin.ToUserJSON(l))
}

func (s *Server) apiAssign(c *fiber.Ctx) error {
	var in admin.AssignInput
	if err := decode(c, &in); err != nil {
		return s.apiErr(c, err)
	}
	partner, meta := s.apiMeta(c)
	out, err := s.Admin.Assign(c.UserContext(), partner, c.Params("client"), in, meta.ActorID, meta)
	if err != nil {
		return s.apiErr(c, err)
	}
	if out.AssignmentIDs == nil {
		out.AssignmentIDs = []string{}
	}
	if out.Skipped == nil {
		out.Skipped = []string{}
	}
	return c.Status(fiber.StatusCreated).JSON(out)
}

func (s *Server) apiStatus(c *fiber.Ctx) error {
	st, err := s.Admin.Status(c.UserContext(), apiToken(c).PartnerID, c.Params("client"))
	if err != nil {
		return s.apiErr(c, err)
	}
	return c.JSON(struct {
		ClientID string                `json:"client_id"`
		Learners []admin.LearnerStatus `json:"learners"`
	}{c.Params("client"), st})
}

func (s *Server) apiStaff(c *fiber.Ctx) error {
	list, err := s.Admin.Staff(c.UserContext(), apiToken(c).PartnerID)
	if err != nil {
		return s.apiErr(c, err)
	}
	return c.JSON(struct {
		List []admin.StaffJSON `json:"staff"`
	}{admin.StaffListJSON(list)})
}

func (s *Server) apiGrantStaff(c *fiber.Ctx) error {
	var in admin.StaffInput
	if err := decode(c, &in); err != nil {
		return s.apiErr(c, err)
	}
	partner, meta := s.apiMeta(c)
	id, err := s.Admin.GrantStaff(c.UserContext(), partner, in, meta)
	if err != nil {
		return s.apiErr(c, err)
	}
	return c.Status(fiber.StatusCreated).JSON(admin.GrantJSON{GrantID: id})
}

func (s *Server) apiRevokeStaff(c *fiber.Ctx) error {
	partner, meta := s.apiMeta(c)
	if err := s.Admin.RevokeStaff(c.UserContext(), partner, c.Params("grant"), meta); err != nil {
		return s.apiErr(c, err)
	}
	return c.SendStatus(fiber.StatusNoContent)
}
