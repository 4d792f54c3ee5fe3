// Package memstore is an event store in memory, for fast domain and service
// tests. It keeps the whole contract (internal/eventstore/storetest) but
// nothing survives the process.
package memstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/awareportal/portal/internal/eventstore"
)

// Store is an in-memory event store. Its global positions are
// {Commit: n, Prepare: n} for the n-th event (from 1).
type Store struct {
	now func() time.Time

	mu      sync.Mutex
	log     []eventstore.RecordedEvent
	streams map[string][]int // stream → indexes into log
	changed chan struct{}    // closed and replaced on every append
}

// New returns an empty store; now stamps RecordedAt (nil: time.Now).
func New(now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{now: now, streams: map[string][]int{}, changed: make(chan struct{})}
}

var _ eventstore.Store = (*Store)(nil)

// Append implements eventstore.Store.
func (s *Store) Append(ctx context.Context, stream string, expected eventstore.ExpectedVersion, events ...eventstore.EventData) (eventstore.AppendResult, error) {
	if len(events) == 0 {
		return eventstore.AppendResult{}, errors.New("memstore: append of no events")
	}
	for _, e := range events {
		if e.Type == "" || !json.Valid(e.Data) {
			return eventstore.AppendResult{}, fmt.Errorf("memstore: event %q: type and valid JSON data are required", e.Type)
		}
	}
	if err := ctx.Err(); err != nil {
		return eventstore.AppendResult{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	version := int64(len(s.streams[stream]))
	if expected != eventstore.Any && int64(expected) != version {
		return eventstore.AppendResult{}, fmt.Errorf("append to %s at version %d, expected %d: %w", stream, version, expected, eventstore.ErrConcurrency)
	}
	at := s.now()
	for _, e := range events {
		if e.ID == uuid.Nil {
			e.ID = uuid.New()
		}
		version++
		n := uint64(len(s.log) + 1)
		data := slices.Clone(e.Data)
		s.streams[stream] = append(s.streams[stream], len(s.log))
		s.log = append(s.log, eventstore.RecordedEvent{
			ID: e.ID, Stream: stream, Version: version, Position: eventstore.Position{Commit: n, Prepare: n},
			Type: e.Type, Data: data, Metadata: e.Metadata, RecordedAt: at,
		})
	}
	close(s.changed)
	s.changed = make(chan struct{})
	last := s.log[len(s.log)-1]
	return eventstore.AppendResult{NextVersion: version, Position: last.Position}, nil
}

// ReadStream implements eventstore.Store.
func (s *Store) ReadStream(ctx context.Context, stream string, from int64) ([]eventstore.RecordedEvent, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	idx := s.streams[stream]
	if len(idx) == 0 {
		return nil, fmt.Errorf("read %s: %w", stream, eventstore.ErrStreamNotFound)
	}
	from = max(from, 1)
	out := make([]eventstore.RecordedEvent, 0, max(0, int64(len(idx))-from+1))
	for _, i := range idx[min(from-1, int64(len(idx))):] {
		out = append(out, s.log[i])
	}
	return out, nil
}

// ReadAll implements eventstore.Store.
func (s *Store) ReadAll(ctx context.Context, after eventstore.Position, limit int) ([]eventstore.RecordedEvent, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.after(after, limit), nil
}

// after is the page after a position; s.mu is held.
func (s *Store) after(pos eventstore.Position, limit int) []eventstore.RecordedEvent {
	start := min(int(pos.Commit), len(s.log))
	end := min(start+limit, len(s.log))
	return slices.Clone(s.log[start:end])
}

// Subscribe implements eventstore.Store.
func (s *Store) Subscribe(ctx context.Context, after eventstore.Position, h eventstore.Handler) error {
	const page = 500
	for {
		s.mu.Lock()
		batch, changed := s.after(after, page), s.changed
		s.mu.Unlock()
		if len(batch) > 0 {
			if err := h(ctx, batch); err != nil {
				return err
			}
			after = batch[len(batch)-1].Position
			continue
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-changed:
		}
	}
}
