// Package eventstore defines the event store contract every adapter
// (pgstore, kurrentstore, memstore) implements, and the types that cross it,
// including the hash chain that makes the log tamper-evident (Hash).
package eventstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// ErrConcurrency is returned by Append when the stream is not at the expected
// version. Callers reload the stream and decide again.
var ErrConcurrency = errors.New("eventstore: wrong expected version")

// ErrStreamNotFound is returned by ReadStream for a stream with no events.
var ErrStreamNotFound = errors.New("eventstore: stream not found")

// ExpectedVersion is the stream version an append expects to find.
// Stream versions start at 1 for the first event.
type ExpectedVersion int64

const (
	// Any appends whatever the stream's version.
	Any ExpectedVersion = -1
	// NoStream requires that the stream has no events yet.
	NoStream ExpectedVersion = 0
)

// Exactly expects the stream to be at version v.
func Exactly(v int64) ExpectedVersion { return ExpectedVersion(v) }

// Position is a point in the global log. Events are totally ordered by
// (Commit, Prepare). The Postgres adapter uses the inserting transaction's
// id as Commit and a sequence as Prepare; KurrentDB's commit and prepare
// positions map onto it directly.
type Position struct {
	Commit  uint64 `json:"commit"`
	Prepare uint64 `json:"prepare"`
}

// Start is the position before the first event.
var Start = Position{}

// Less reports whether p comes before o in the global log.
func (p Position) Less(o Position) bool {
	if p.Commit != o.Commit {
		return p.Commit < o.Commit
	}
	return p.Prepare < o.Prepare
}

func (p Position) String() string { return fmt.Sprintf("%d/%d", p.Commit, p.Prepare) }

// Metadata travels with every event: who did it, for which tenant, and why.
type Metadata struct {
	ActorID       string `json:"actor_id,omitempty"`
	TenantID      string `json:"tenant_id,omitempty"`
	CorrelationID string `json:"correlation_id,omitempty"`
	CausationID   string `json:"causation_id,omitempty"`
	RequestIP     string `json:"request_ip,omitempty"`
	UserAgent     string `json:"user_agent,omitempty"`
}

// EventData is an event to append: a stable type name and its JSON payload.
type EventData struct {
	ID       uuid.UUID // zero: the store assigns one
	Type     string
	Data     []byte
	Metadata Metadata
}

// RecordedEvent is an event as stored.
type RecordedEvent struct {
	ID         uuid.UUID
	Stream     string
	Version    int64
	Position   Position
	Type       string
	Data       []byte
	Metadata   Metadata
	RecordedAt time.Time

	// The hash chain (tamper evidence, see Hash). Hash is the event's hash,
	// PrevHash the hash of the previous event of the same stream as the
	// store recorded it (empty for a stream's first event). HashedMetadata
	// is the metadata JSON exactly as Hash covers it: PostgreSQL's canonical
	// jsonb text of the stored metadata; for KurrentDB and memory the Go
	// JSON encoding of Metadata. A verifier recomputes
	// Hash(PrevHash, ID, Stream, Version, Type, Data, HashedMetadata, RecordedAt).
	PrevHash       []byte
	Hash           []byte
	HashedMetadata []byte
}

// AppendResult tells where an append landed.
type AppendResult struct {
	NextVersion int64    // the stream version after the append
	Position    Position // the global position of the last appended event
}

// Handler receives batches of events in global order. Returning an error
// stops the subscription with that error.
type Handler func(ctx context.Context, batch []RecordedEvent) error

// Store is the event store. Events are immutable: there is no update or delete.
type Store interface {
	// Append writes events to one stream atomically, if the stream is at the
	// expected version; otherwise it returns an error wrapping ErrConcurrency.
	Append(ctx context.Context, stream string, expected ExpectedVersion, events ...EventData) (AppendResult, error)
	// ReadStream returns the stream's events from version from (inclusive, >= 1),
	// or an error wrapping ErrStreamNotFound when the stream has none.
	ReadStream(ctx context.Context, stream string, from int64) ([]RecordedEvent, error)
	// ReadAll returns at most limit events after position after, in global order.
	// It never returns an event while an earlier one may still commit.
	ReadAll(ctx context.Context, after Position, limit int) ([]RecordedEvent, error)
	// Subscribe delivers every event after position after, first catching up
	// and then following live, until ctx ends or h returns an error.
	Subscribe(ctx context.Context, after Position, h Handler) error
}
