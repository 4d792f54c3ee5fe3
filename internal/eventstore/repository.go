package eventstore

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/awareportal/portal/domain"
)

// Aggregate folds events into state.
type Aggregate interface {
	Apply(domain.Event)
}

// Repository loads and saves aggregates.
type Repository struct {
	Store Store
	Codec *domain.Codec
	// Appended, when set, is told the events of every append that
	// committed through Append (metrics count sign-in outcomes with it).
	Appended func([]domain.Event)
}

// Load folds every event of stream into agg and returns the stream version
// (0 for a stream with no events: the aggregate is new).
func (r Repository) Load(ctx context.Context, stream string, agg Aggregate) (int64, error) {
	evs, err := r.Store.ReadStream(ctx, stream, 1)
	if errors.Is(err, ErrStreamNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("load %s: %w", stream, err)
	}
	for _, rec := range evs {
		e, err := r.Codec.Decode(rec.Type, rec.Data)
		if err != nil {
			return 0, fmt.Errorf("load %s: %w", stream, err)
		}
		agg.Apply(e)
	}
	if len(evs) == 0 {
		return 0, nil
	}
	return evs[len(evs)-1].Version, nil
}

// Append encodes and appends events.
func (r Repository) Append(ctx context.Context, stream string, expected ExpectedVersion, meta Metadata, events ...domain.Event) (AppendResult, error) {
	data, err := r.Encode(meta, events...)
	if err != nil {
		return AppendResult{}, err
	}
	res, err := r.Store.Append(ctx, stream, expected, data...)
	if err == nil && r.Appended != nil {
		r.Appended(events)
	}
	return res, err
}

// Encode turns events into what a store appends, for appends made
// elsewhere (inside a caller's transaction).
func (r Repository) Encode(meta Metadata, events ...domain.Event) ([]EventData, error) {
	data := make([]EventData, 0, len(events))
	for _, e := range events {
		name, payload, err := r.Codec.Encode(e)
		if err != nil {
			return nil, err
		}
		data = append(data, EventData{Type: name, Data: payload, Metadata: meta})
	}
	return data, nil
}

// Decided is what a command produced.
type Decided struct {
	Events []domain.Event
	Result AppendResult
}

// maxRetries bounds retries after concurrency conflicts.
const maxRetries = 30

// backoff waits before retry attempt n (1-based) after a conflict: a random
// time up to 1 ms, 2 ms, 4 ms … capped at 64 ms ("full jitter"), so that
// writers who collided spread out instead of colliding again in lockstep.
func backoff(ctx context.Context, n int) error {
	ceiling := time.Millisecond << min(n-1, 6)
	t := time.NewTimer(rand.N(ceiling) + 1)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Execute loads the stream into a fresh aggregate, runs decide, and appends
// what it decided at the loaded version, retrying from a fresh load when
// another writer got there first. Events that decide returns together with
// an error (a recorded refusal) are appended too, and the error is returned;
// a refusal stays true whatever was appended meanwhile, so it is appended
// without the version check (many losers of a race must not retry forever),
// unless it counts attempts (domain.Counted). Events that commute
// (domain.Commuting) are appended without the check too. Retries back off
// with jitter.
func Execute[A Aggregate](ctx context.Context, r Repository, stream string, meta Metadata, fresh func() A, decide func(A) ([]domain.Event, error)) (Decided, error) {
	for attempt := 0; ; attempt++ {
		agg := fresh()
		version, err := r.Load(ctx, stream, agg)
		if err != nil {
			return Decided{}, err
		}
		events, decideErr := decide(agg)
		if len(events) == 0 {
			return Decided{}, decideErr
		}
		expected := Exactly(version)
		if (decideErr != nil && !domain.IsCounted(decideErr)) || (decideErr == nil && domain.AllCommute(events)) {
			expected = Any
		}
		res, err := r.Append(ctx, stream, expected, meta, events...)
		if errors.Is(err, ErrConcurrency) && attempt < maxRetries {
			if err := backoff(ctx, attempt+1); err != nil {
				return Decided{}, err
			}
			continue
		}
		if err != nil {
			return Decided{}, err
		}
		return Decided{Events: events, Result: res}, decideErr
	}
}
