package audit

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/awareportal/portal/domain/staff"
	"github.com/awareportal/portal/internal/clock"
	"github.com/awareportal/portal/internal/es"
	"github.com/awareportal/portal/internal/eventstore"
)

// Service is what the staff pages do with history: record each look at a
// learner's data, replay state as of an instant, export.
type Service struct {
	Repo  es.Repository
	Pool  *pgxpool.Pool // the event log (PostgreSQL store)
	Clock clock.Clock
}

// RecordLook records that a staff member looked at a learner's data, in the
// learner's access stream. It returns where the record landed, so the
// page can wait for its timeline to show it.
func (s *Service) RecordLook(ctx context.Context, look staff.Look, meta eventstore.Metadata) (eventstore.Position, error) {
	events, err := staff.RecordLook(look, s.Clock.Now())
	if err != nil {
		return eventstore.Position{}, err
	}
	meta.ActorID = "staff:" + look.StaffEmail
	res, err := s.Repo.Append(ctx, staff.AccessStream(look.LearnerID), eventstore.Any, meta, events...)
	if err != nil {
		return eventstore.Position{}, fmt.Errorf("record look at %s: %w", look.LearnerID, err)
	}
	return res.Position, nil
}

// AsOf replays some learners' state at an instant (see the package AsOf).
func (s *Service) AsOf(ctx context.Context, scope Scope, at time.Time, basis Basis) (State, error) {
	return AsOf(ctx, s.Pool, s.Repo.Codec, scope, at, basis)
}

// Export writes the selected history to w (see the package Export).
func (s *Service) Export(ctx context.Context, sel Selection, format Format, source string, w io.Writer) (int, error) {
	return Export(ctx, s.Pool, sel, format, source, w)
}
