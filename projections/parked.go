// Package projections is the portal's read side. Each read model is a
// package here, projections/<name>, holding what its callers use (row
// types, errors, and the Queries interface) without a database; its
// PostgreSQL projection and queries are in projections/<name>/pg<name>, and
// pgrunner runs the projections. This package holds what they share.
package projections

import (
	"time"

	"github.com/google/uuid"

	"github.com/awareportal/portal/domain"
	"github.com/awareportal/portal/internal/eventstore"
)

// Parked is an event a projection could not apply. The projection went on
// with the next event; the read model lacks what this one would have
// written. Fix the cause (a bug in the projection, or validation that let
// the event in), then rebuild the projection: a rebuild keeps only the
// events it still cannot apply.
type Parked struct {
	Projection string              `json:"projection"`
	EventID    uuid.UUID           `json:"event_id"`
	Position   eventstore.Position `json:"position"`
	Type       string              `json:"type"`
	Stream     string              `json:"stream"`
	TenantID   string              `json:"tenant_id,omitempty"`
	Error      string              `json:"error"`
	ParkedAt   time.Time           `json:"parked_at"`
}

// Event is a recorded event with its domain event, decoded once for every
// projection a rebuild applies it to.
type Event struct {
	Rec   eventstore.RecordedEvent
	Event domain.Event
}
