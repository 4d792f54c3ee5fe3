package audit

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/awareportal/portal/domain/staff"
	"github.com/awareportal/portal/internal/clock"
	"github.com/awareportal/portal/internal/eventstore"
)

// Index is a read model's stream index: whose history is in which streams.
// projections/timeline's Queries is one.
type Index interface {
	// LearnersOfClient lists a client's learner ids.
	LearnersOfClient(ctx context.Context, clientID string) ([]string, error)
	// StreamsOf lists the streams that concern the given learners.
	StreamsOf(ctx context.Context, learnerIDs []string) ([]string, error)
}

// Service is what the staff pages do with history: record each look at a
// learner's data, replay state as of an instant, export.
type Service struct {
	Repo  eventstore.Repository
	Store eventstore.Store // the event log, any adapter
	Index Index            // which streams to read for a learner or a client
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
// The candidates (the learner, or the client's learners) and their streams
// come from the stream index; who was in scope by then comes from the
// events. The index lists the learners it has seen, so a learner whose
// provisioning the timeline has not yet projected is left out until it has.
func (s *Service) AsOf(ctx context.Context, scope Scope, at time.Time, basis Basis) (State, error) {
	if scope.Streams == nil {
		learners := []string{scope.LearnerID}
		if scope.LearnerID == "" {
			var err error
			if learners, err = s.Index.LearnersOfClient(ctx, scope.ClientID); err != nil {
				return State{}, fmt.Errorf("as-of replay: learners of %s: %w", scope.ClientID, err)
			}
		}
		streams, err := s.Index.StreamsOf(ctx, learners)
		if err != nil {
			return State{}, fmt.Errorf("as-of replay: %w", err)
		}
		scope.Streams = streams
	}
	return AsOf(ctx, s.Store, s.Repo.Codec, scope, at, basis)
}

// Export writes the selected history to w (see the package Export).
func (s *Service) Export(ctx context.Context, sel Selection, format Format, source string, w io.Writer) (int, error) {
	return Export(ctx, s.Store, sel, format, source, w)
}
