package web

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"
)

// healthz says the process is up (liveness). It fails only when the
// embedded database has stayed down for minutes despite the supervisor's
// restarts; a shorter outage makes the portal not ready (readyz), not dead.
func (s *Server) healthz(c *fiber.Ctx) error {
	if s.Live != nil {
		if err := s.Live(); err != nil {
			return c.Status(fiber.StatusServiceUnavailable).SendString(err.Error())
		}
	}
	return c.SendString("ok")
}

// readyz says the portal can serve: its database answers (readiness).
func (s *Server) readyz(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), 2*time.Second)
	defer cancel()
	if err := s.Pool.Ping(ctx); err != nil {
		return c.Status(fiber.StatusServiceUnavailable).SendString("database unavailable")
	}
	return c.SendString("ready")
}
