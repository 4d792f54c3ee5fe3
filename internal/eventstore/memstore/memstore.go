// Package memstore is an event store in memory, for fast domain and service
// tests. It keeps the whole contract (internal/eventstore/storetest),
// including the hash chain (computed at append with eventstore.Hash), but
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
	var prev []byte
	if idx := s.streams[stream]; len(idx) > 0 {
		prev = s.log[idx[len(idx)-1]].Hash
	}
	for _, e := range events {
		if e.ID == uuid.Nil {
			e.ID = uuid.New()
		}
		meta, err := json.Marshal(e.Metadata)
		if err != nil {
			return eventstore.AppendResult{}, fmt.Errorf("memstore: encode metadata: %w", err)
		}
		version++
		n := uint64(1)
		if len(s.log) > 0 {
			n = s.log[len(s.log)-1].Position.Commit + 1
		}
		data := slices.Clone(e.Data)
		hash := eventstore.Hash(prev, e.ID, stream, version, e.Type, data, meta, at)
		s.streams[stream] = append(s.streams[stream], len(s.log))
		s.log = append(s.log, eventstore.RecordedEvent{
			ID: e.ID, Stream: stream, Version: version, Position: eventstore.Position{Commit: n, Prepare: n},
			Type: e.Type, Data: data, Metadata: e.Metadata, RecordedAt: at,
			PrevHash: prev, Hash: hash, HashedMetadata: meta,
		})
		prev = hash
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
	start, _ := slices.BinarySearchFunc(s.log, pos, func(e eventstore.RecordedEvent, p eventstore.Position) int {
		if p.Less(e.Position) {
			return 1
		}
		return -1 // at or before pos: the page starts after it
	})
	end := min(start+limit, len(s.log))
	return slices.Clone(s.log[start:end])
}

// Tamper is for tests only: it rewrites the store's log behind the
// contract's back, the way someone with access to a database could, so
// that tests can show the hash chain exposes it (audit.Verify). edit gets a
// copy of the whole log in global order and returns the log to keep:
// events may be changed, dropped or inserted, and are kept as given (no
// hash is recomputed). Positions must stay increasing. Nothing in the
// portal calls it.
func (s *Store) Tamper(edit func(log []eventstore.RecordedEvent) []eventstore.RecordedEvent) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = edit(slices.Clone(s.log))
	s.streams = map[string][]int{}
	for i, e := range s.log {
		s.streams[e.Stream] = append(s.streams[e.Stream], i)
	}
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
