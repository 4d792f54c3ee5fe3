package web

import (
	"context"
	"fmt"
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

// readyz says the portal can serve: its database answers (readiness). It
// also names events the projections parked (could not apply), but stays
// 200 for them: every instance shares the one database, so a 503 would
// take them all out of the load balancer, and one tenant's bad event would
// become everyone's outage, the thing parking prevents. Monitoring alerts
// on the "degraded" body (and the ERROR log line each parked event
// writes); `portal projections parked` lists them.
func (s *Server) readyz(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), 2*time.Second)
	defer cancel()
	if err := s.DB.Ping(ctx); err != nil {
		return c.Status(fiber.StatusServiceUnavailable).SendString("database unavailable")
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	_, parked, err := s.Runner.Parked(ctx, 0)
	if err != nil {
		return c.Status(fiber.StatusServiceUnavailable).SendString("database unavailable")
	}
	if parked > 0 {
		return c.SendString(fmt.Sprintf("ready, degraded: %d event(s) parked by projections (read models lack them); list them with: portal projections parked", parked))
	}
	return c.SendString("ready")
}
