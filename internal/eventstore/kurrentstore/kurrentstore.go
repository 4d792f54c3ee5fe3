// Package kurrentstore is the KurrentDB (EventStoreDB) event store, on the
// official Go client (github.com/EventStore/EventStore-Client-Go/v4).
//
// Mapping onto the portal's contract:
//
//   - Stream versions: the portal's start at 1, KurrentDB revisions at 0, so
//     version v is revision v-1; NoStream is KurrentDB's no_stream.
//   - Positions: KurrentDB's (commit, prepare) positions are the portal's
//     Position{Commit, Prepare}; eventstore.Start is $all's start.
//   - Event id: EventData.ID (a new UUID when zero) is the KurrentDB event id.
//   - Metadata: the event's custom metadata is JSON: the portal's
//     eventstore.Metadata fields (actor_id, tenant_id, correlation_id, …), the
//     same correlation and causation ids as KurrentDB's conventional
//     $correlationId/$causationId, and the portal's own: event_type,
//     stream_version, recorded_at, prev_hash, hash.
//   - System events ($-prefixed streams or types, such as the server's
//     $epoch-information or $metadata) are skipped in ReadAll and Subscribe.
//
// Tamper evidence: Postgres chains every event's hash to its predecessor's in
// a trigger; KurrentDB has no triggers, so this adapter computes the same
// chain (eventstore.Hash) inside the append's optimistic concurrency: it reads the
// stream's last event, computes the new events' hashes over its hash, and
// appends at exactly that revision. If another writer got there first the
// server refuses the append; with eventstore.Any the adapter reads again and
// retries, so Any never reports a conflict but every chain stays unbroken.
// The cost is one extra read per append.
package kurrentstore

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/google/uuid"

	"github.com/awareportal/portal/internal/clock"
	"github.com/awareportal/portal/internal/eventstore"
)

// Store is a KurrentDB-backed eventstore.Store.
type Store struct {
	client      *esdb.Client
	clock       clock.Clock
	log         *slog.Logger
	prefix      string
	maxAttempts int
}

// Option configures a Store.
type Option func(*Store)

// WithClock sets the clock that stamps recorded_at (the time the hash covers).
func WithClock(c clock.Clock) Option { return func(s *Store) { s.clock = c } }

// WithLogger receives the client library's log lines, at debug level (the
// errors it logs are also returned to the caller).
func WithLogger(l *slog.Logger) Option { return func(s *Store) { s.log = l } }

// WithStreamPrefix keeps this store's streams apart from others in the same
// database: stream "s" is stored as prefix+"s", and ReadAll and Subscribe
// only return events of streams with the prefix (with it removed). Tests use
// it to share one real server.
func WithStreamPrefix(p string) Option { return func(s *Store) { s.prefix = p } }

// ConnectionString checks a KurrentDB connection string and returns it in
// the form the client v4.2.0 parses. KurrentDB's newer schemes are mapped
// onto the client's: kurrentdb:// → esdb://, kurrentdb+discover:// →
// esdb+discover:// (the rest of the string is kept as it is); esdb:// and
// esdb+discover:// pass unchanged.
func ConnectionString(s string) (string, error) {
	for from, to := range map[string]string{"kurrentdb://": "esdb://", "kurrentdb+discover://": "esdb+discover://"} {
		if len(s) >= len(from) && strings.EqualFold(s[:len(from)], from) {
			s = to + s[len(from):]
			break
		}
	}
	if _, err := esdb.ParseConnectionString(s); err != nil {
		return "", fmt.Errorf("want kurrentdb://host:2113?tls=false (or esdb://…, kurrentdb+discover://…): %w", err)
	}
	return s, nil
}

// New returns a store for a connection string such as
// "kurrentdb://127.0.0.1:2113?tls=false" or "esdb://127.0.0.1:2113?tls=false"
// (see ConnectionString). It connects on first use.
func New(connection string, opts ...Option) (*Store, error) {
	connection, err := ConnectionString(connection)
	if err != nil {
		return nil, fmt.Errorf("kurrentstore: connection string: %w", err)
	}
	conf, err := esdb.ParseConnectionString(connection)
	if err != nil {
		return nil, fmt.Errorf("kurrentstore: connection string: %w", err)
	}
	s := &Store{clock: clock.System{}, log: slog.New(slog.DiscardHandler), maxAttempts: 100}
	for _, o := range opts {
		o(s)
	}
	logger := s.log
	conf.Logger = func(level esdb.LogLevel, format string, args ...any) {
		logger.Debug(fmt.Sprintf(format, args...), "source", "esdb", "level", level)
	}
	client, err := esdb.NewClient(conf)
	if err != nil {
		return nil, fmt.Errorf("kurrentstore: client: %w", err)
	}
	s.client = client
	return s, nil
}

// Close closes the client's connection.
func (s *Store) Close() error {
	if err := s.client.Close(); err != nil {
		return fmt.Errorf("kurrentstore: close: %w", err)
	}
	return nil
}

// meta is the JSON carried as an event's custom metadata.
type meta struct {
	eventstore.Metadata
	SysCorrelationID string `json:"$correlationId,omitempty"`
	SysCausationID   string `json:"$causationId,omitempty"`
	EventType        string `json:"event_type"`
	StreamVersion    int64  `json:"stream_version"`
	RecordedAt       string `json:"recorded_at"`
	PrevHash         string `json:"prev_hash,omitempty"`
	Hash             string `json:"hash"`
	// SourceHash is set on an imported (copied) event: its hash in the store
	// it was copied from. The chain above is this store's own.
	SourceHash string `json:"source_hash,omitempty"`
}

// pending is an event about to be written: at and sourceHash are zero for
// an append (the clock stamps it) and set for an import.
type pending struct {
	eventstore.EventData
	at         time.Time
	sourceHash []byte
}

// toExpectedRevision maps a stream version the portal expects onto
// KurrentDB's expected revision.
func toExpectedRevision(v eventstore.ExpectedVersion) esdb.ExpectedRevision {
	switch {
	case v == eventstore.Any:
		return esdb.Any{}
	case v == eventstore.NoStream:
		return esdb.NoStream{}
	default:
		return esdb.StreamRevision{Value: uint64(v) - 1}
	}
}

func hasCode(err error, code esdb.ErrorCode) bool {
	var e *esdb.Error
	return errors.As(err, &e) && e.Code() == code
}

// wrap names what failed; when ctx ended it wraps ctx's error, so callers can
// tell cancellation from a failure.
func wrap(ctx context.Context, what string, err error) error {
	if ctxErr := ctxErr(ctx); ctxErr != nil {
		return fmt.Errorf("kurrentstore: %s: %w (%v)", what, ctxErr, err)
	}
	return fmt.Errorf("kurrentstore: %s: %w", what, err)
}

// ctxErr is ctx.Err(), and DeadlineExceeded once the deadline has passed
// even if ctx's timer has not fired yet: gRPC ends a call at the deadline
// by its own clock, and under load the context can learn of it a moment
// later than the call's error arrives.
func ctxErr(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d, ok := ctx.Deadline(); ok && !time.Now().Before(d) {
		return context.DeadlineExceeded
	}
	return nil
}

type head struct {
	version int64 // 0: no stream
	hash    []byte
}

// head reads the stream's last event.
func (s *Store) head(ctx context.Context, stream string) (head, error) {
	rs, err := s.client.ReadStream(ctx, s.prefix+stream, esdb.ReadStreamOptions{Direction: esdb.Backwards, From: esdb.End{}}, 1)
	if err != nil {
		return head{}, wrap(ctx, "read head of "+stream, err)
	}
	defer rs.Close()
	ev, err := rs.Recv()
	switch {
	case hasCode(err, esdb.ErrorCodeResourceNotFound), errors.Is(err, io.EOF):
		return head{}, nil
	case err != nil:
		return head{}, wrap(ctx, "read head of "+stream, err)
	}
	rec := ev.OriginalEvent()
	h := head{version: int64(rec.EventNumber) + 1}
	var m meta
	if len(rec.UserMetadata) > 0 && json.Unmarshal(rec.UserMetadata, &m) == nil {
		h.hash, _ = hex.DecodeString(m.Hash)
	}
	return h, nil
}

// Append implements eventstore.Store.
func (s *Store) Append(ctx context.Context, stream string, expected eventstore.ExpectedVersion, events ...eventstore.EventData) (eventstore.AppendResult, error) {
	if stream == "" {
		return eventstore.AppendResult{}, errors.New("kurrentstore: append: empty stream name")
	}
	if len(events) == 0 {
		return eventstore.AppendResult{}, errors.New("kurrentstore: append: no events")
	}
	if expected < eventstore.Any {
		return eventstore.AppendResult{}, fmt.Errorf("kurrentstore: append: invalid expected version %d", expected)
	}
	evs := make([]pending, len(events))
	for i, e := range events {
		if e.Type == "" {
			return eventstore.AppendResult{}, errors.New("kurrentstore: append: event without type")
		}
		if !json.Valid(e.Data) {
			return eventstore.AppendResult{}, fmt.Errorf("kurrentstore: append: event %s: data is not valid JSON", e.Type)
		}
		if e.ID == uuid.Nil {
			// Fixed before the first attempt: a retry carries the same ids.
			e.ID = uuid.New()
		}
		evs[i] = pending{EventData: e}
	}
	for attempt := 1; ; attempt++ {
		res, err := s.appendOnce(ctx, stream, expected, evs)
		if expected == eventstore.Any && errors.Is(err, eventstore.ErrConcurrency) && attempt < s.maxAttempts {
			if err := backoff(ctx, attempt); err != nil {
				return eventstore.AppendResult{}, wrap(ctx, "append to "+stream, err)
			}
			continue
		}
		return res, err
	}
}

// backoff waits a little, more after each lost race, with jitter so that
// writers racing on one stream spread out.
func backoff(ctx context.Context, attempt int) error {
	if attempt < 3 {
		return ctx.Err()
	}
	d := time.Duration(rand.Int64N(int64(min(attempt, 20)) * int64(time.Millisecond)))
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Import writes events copied from another store to their stream, keeping
// their ids, types, data, metadata and recorded times; the stream must be at
// the version before the first one (they must be consecutive). The hash
// chain is this store's own (computed as on Append, over the kept fields);
// each event's hash in the source is kept as source_hash in its metadata.
// portal eventstore copy uses it.
func (s *Store) Import(ctx context.Context, stream string, events []eventstore.RecordedEvent) (eventstore.AppendResult, error) {
	if len(events) == 0 {
		return eventstore.AppendResult{}, errors.New("kurrentstore: import: no events")
	}
	evs := make([]pending, len(events))
	for i, e := range events {
		if e.Stream != stream || e.Version != events[0].Version+int64(i) || e.ID == uuid.Nil || e.Type == "" || !json.Valid(e.Data) {
			return eventstore.AppendResult{}, fmt.Errorf("kurrentstore: import to %s: event %d (%s v%d) is not the next event of the stream", stream, i, e.ID, e.Version)
		}
		evs[i] = pending{EventData: eventstore.EventData{ID: e.ID, Type: e.Type, Data: e.Data, Metadata: e.Metadata}, at: e.RecordedAt.UTC().Truncate(time.Microsecond), sourceHash: e.Hash}
	}
	return s.appendOnce(ctx, stream, eventstore.Exactly(events[0].Version-1), evs)
}

// StreamVersion returns the stream's version (0: no events).
func (s *Store) StreamVersion(ctx context.Context, stream string) (int64, error) {
	h, err := s.head(ctx, stream)
	return h.version, err
}

func (s *Store) appendOnce(ctx context.Context, stream string, expected eventstore.ExpectedVersion, events []pending) (eventstore.AppendResult, error) {
	var h head
	if expected != eventstore.NoStream {
		var err error
		if h, err = s.head(ctx, stream); err != nil {
			return eventstore.AppendResult{}, err
		}
		if expected != eventstore.Any && int64(expected) != h.version {
			return eventstore.AppendResult{}, fmt.Errorf("%w: stream %s is at %d, expected %d", eventstore.ErrConcurrency, stream, h.version, expected)
		}
	}
	at := s.clock.Now().UTC().Truncate(time.Microsecond)
	prev := h.hash
	proposed := make([]esdb.EventData, len(events))
	for i, e := range events {
		version := h.version + int64(i) + 1
		// The hash covers the Go JSON encoding of the portal's Metadata
		// alone (the stored metadata also holds the hash itself); data is
		// hashed exactly as stored. decode gives a verifier the same bytes.
		portalMeta, err := json.Marshal(e.Metadata)
		if err != nil {
			return eventstore.AppendResult{}, fmt.Errorf("kurrentstore: encode metadata: %w", err)
		}
		at := at
		if !e.at.IsZero() {
			at = e.at
		}
		hash := eventstore.Hash(prev, e.ID, stream, version, e.Type, e.Data, portalMeta, at)
		m := meta{
			Metadata:         e.Metadata,
			SysCorrelationID: e.Metadata.CorrelationID,
			SysCausationID:   e.Metadata.CausationID,
			EventType:        e.Type,
			StreamVersion:    version,
			RecordedAt:       at.Format(time.RFC3339Nano),
			Hash:             hex.EncodeToString(hash),
			SourceHash:       hex.EncodeToString(e.sourceHash),
		}
		if prev != nil {
			m.PrevHash = hex.EncodeToString(prev)
		}
		mj, err := json.Marshal(m)
		if err != nil {
			return eventstore.AppendResult{}, fmt.Errorf("kurrentstore: encode metadata: %w", err)
		}
		proposed[i] = esdb.EventData{EventID: e.ID, EventType: e.Type, ContentType: esdb.ContentTypeJson, Data: e.Data, Metadata: mj}
		prev = hash
	}
	// Always an exact revision (or no_stream): the hashes above were computed
	// over the event at h.version, so the append must land right after it.
	wr, err := s.client.AppendToStream(ctx, s.prefix+stream, esdb.AppendToStreamOptions{ExpectedRevision: toExpectedRevision(eventstore.ExpectedVersion(h.version))}, proposed...)
	if hasCode(err, esdb.ErrorCodeWrongExpectedVersion) {
		return eventstore.AppendResult{}, fmt.Errorf("%w: stream %s was appended to concurrently (%v)", eventstore.ErrConcurrency, stream, err)
	}
	if err != nil {
		return eventstore.AppendResult{}, wrap(ctx, "append to "+stream, err)
	}
	return eventstore.AppendResult{
		NextVersion: h.version + int64(len(events)),
		Position:    eventstore.Position{Commit: wr.CommitPosition, Prepare: wr.PreparePosition},
	}, nil
}

// ReadStream implements eventstore.Store.
func (s *Store) ReadStream(ctx context.Context, stream string, from int64) ([]eventstore.RecordedEvent, error) {
	if from < 1 {
		from = 1
	}
	rs, err := s.client.ReadStream(ctx, s.prefix+stream, esdb.ReadStreamOptions{Direction: esdb.Forwards, From: esdb.StreamRevision{Value: uint64(from - 1)}}, math.MaxInt64)
	if err != nil {
		return nil, wrap(ctx, "read stream "+stream, err)
	}
	defer rs.Close()
	var out []eventstore.RecordedEvent
	for {
		ev, err := rs.Recv()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if hasCode(err, esdb.ErrorCodeResourceNotFound) {
			return nil, fmt.Errorf("%w: %s", eventstore.ErrStreamNotFound, stream)
		}
		if err != nil {
			return nil, wrap(ctx, "read stream "+stream, err)
		}
		rec, _, err := s.decode(ev)
		if err != nil {
			return nil, err
		}
		out = append(out, rec)
	}
}

// decode turns a KurrentDB event into the portal's. ok is false for events
// the portal does not see: system events and other prefixes' streams.
func (s *Store) decode(ev *esdb.ResolvedEvent) (eventstore.RecordedEvent, bool, error) {
	r := ev.OriginalEvent()
	if r == nil {
		return eventstore.RecordedEvent{}, false, nil
	}
	if strings.HasPrefix(r.StreamID, "$") || strings.HasPrefix(r.EventType, "$") || !strings.HasPrefix(r.StreamID, s.prefix) {
		return eventstore.RecordedEvent{}, false, nil
	}
	out := eventstore.RecordedEvent{
		ID:         r.EventID,
		Stream:     strings.TrimPrefix(r.StreamID, s.prefix),
		Version:    int64(r.EventNumber) + 1,
		Position:   eventstore.Position{Commit: r.Position.Commit, Prepare: r.Position.Prepare},
		Type:       r.EventType,
		Data:       r.Data,
		RecordedAt: r.CreatedDate,
	}
	if len(r.UserMetadata) > 0 {
		var m meta
		if err := json.Unmarshal(r.UserMetadata, &m); err != nil {
			return eventstore.RecordedEvent{}, false, fmt.Errorf("kurrentstore: decode metadata of %s: %w", r.EventID, err)
		}
		out.Metadata = m.Metadata
		if m.RecordedAt != "" {
			at, err := time.Parse(time.RFC3339Nano, m.RecordedAt)
			if err != nil {
				return eventstore.RecordedEvent{}, false, fmt.Errorf("kurrentstore: recorded_at of %s: %w", r.EventID, err)
			}
			out.RecordedAt = at
		}
		// The chain as stored. A malformed value reads as no hash, which a
		// verifier reports as a broken chain instead of failing the read.
		out.PrevHash, out.Hash = unhex(m.PrevHash), unhex(m.Hash)
	}
	hm, err := json.Marshal(out.Metadata)
	if err != nil {
		return eventstore.RecordedEvent{}, false, fmt.Errorf("kurrentstore: encode metadata of %s: %w", r.EventID, err)
	}
	out.HashedMetadata = hm
	return out, true, nil
}

func unhex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) == 0 {
		return nil
	}
	return b
}

func allFrom(after eventstore.Position) esdb.AllPosition {
	if after == eventstore.Start {
		return esdb.Start{}
	}
	return esdb.Position{Commit: after.Commit, Prepare: after.Prepare}
}

// ReadAll implements eventstore.Store. KurrentDB's $all is written by one
// writer in commit order, so an event never appears behind a later one.
func (s *Store) ReadAll(ctx context.Context, after eventstore.Position, limit int) ([]eventstore.RecordedEvent, error) {
	if limit <= 0 {
		limit = 500
	}
	var out []eventstore.RecordedEvent
	from, skipFrom := after, after != eventstore.Start
	for {
		// Reading forwards from a position includes the event at it: ask
		// for one more.
		want := uint64(limit - len(out) + 1)
		rs, err := s.client.ReadAll(ctx, esdb.ReadAllOptions{Direction: esdb.Forwards, From: allFrom(from)}, want)
		if err != nil {
			return nil, wrap(ctx, "read all after "+after.String(), err)
		}
		n, last := uint64(0), from
		for {
			ev, err := rs.Recv()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				rs.Close()
				return nil, wrap(ctx, "read all after "+after.String(), err)
			}
			n++
			r := ev.OriginalEvent()
			pos := eventstore.Position{Commit: r.Position.Commit, Prepare: r.Position.Prepare}
			last = pos
			if skipFrom && !from.Less(pos) {
				continue
			}
			rec, ok, err := s.decode(ev)
			if err != nil {
				rs.Close()
				return nil, err
			}
			if ok {
				out = append(out, rec)
				if len(out) == limit {
					rs.Close()
					return out, nil
				}
			}
		}
		rs.Close()
		if n < want {
			return out, nil // the end of $all
		}
		// A page of system events, other prefixes' or the one at from:
		// read on.
		from, skipFrom = last, true
	}
}

// Subscribe implements eventstore.Store with a catch-up subscription to
// $all from after (exclusive). Events that arrive together are delivered as
// one batch, at most 500.
func (s *Store) Subscribe(ctx context.Context, after eventstore.Position, h eventstore.Handler) error {
	subCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	sub, err := s.client.SubscribeToAll(subCtx, esdb.SubscribeToAllOptions{From: allFrom(after)})
	if err != nil {
		return wrap(ctx, "subscribe after "+after.String(), err)
	}

	type item struct {
		ev  *esdb.ResolvedEvent
		err error
	}
	items := make(chan item, 500)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			e := sub.Recv()
			var it item
			switch {
			case e.SubscriptionDropped != nil:
				it.err = e.SubscriptionDropped.Error
				if it.err == nil {
					it.err = errors.New("subscription dropped")
				}
			case e.EventAppeared != nil:
				it.ev = e.EventAppeared
			default:
				continue // confirmation, caught up, checkpoints
			}
			select {
			case items <- it:
			case <-subCtx.Done():
				return
			}
			if it.err != nil {
				return
			}
		}
	}()
	defer func() { cancel(); _ = sub.Close(); <-done }()

	last, started := after, after != eventstore.Start
	for {
		var batch []eventstore.RecordedEvent
		var first item
		select {
		case <-ctx.Done():
			return ctx.Err()
		case first = <-items:
		}
		pending := []item{first}
	drain:
		for len(pending) < 500 {
			select {
			case it := <-items:
				pending = append(pending, it)
			default:
				break drain
			}
		}
		var dropped error
		for _, it := range pending {
			if it.err != nil {
				dropped = it.err
				break
			}
			r := it.ev.OriginalEvent()
			pos := eventstore.Position{Commit: r.Position.Commit, Prepare: r.Position.Prepare}
			if started && !last.Less(pos) {
				continue // at or before the starting point, or already delivered
			}
			last, started = pos, true
			rec, ok, err := s.decode(it.ev)
			if err != nil {
				return err
			}
			if ok {
				batch = append(batch, rec)
			}
		}
		if len(batch) > 0 {
			if err := h(ctx, batch); err != nil {
				return err
			}
		}
		if dropped != nil {
			if err := ctxErr(ctx); err != nil {
				return err
			}
			return wrap(ctx, "subscription after "+last.String()+" dropped", dropped)
		}
	}
}
