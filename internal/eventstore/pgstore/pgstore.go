// Package pgstore is the Postgres event store: the embedded default.
//
// An append is one statement (events_append: lock, version check, insert,
// notify), and appends arriving together from many requests go as one
// batch in one transaction, each with its own version check (append.go).
//
// Global order is (transaction id, sequence). A reader only reads events
// whose transaction id is below the oldest transaction still running, so an
// append whose transaction took a sequence value early but commits late is
// never skipped (the "gap problem"), and no timeout is involved.
package pgstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/awareportal/portal/internal/clock"
	"github.com/awareportal/portal/internal/eventstore"
)

const notifyChannel = "portal_events"

// Store is a Postgres-backed eventstore.Store.
type Store struct {
	pool  *pgxpool.Pool
	clock clock.Clock
	// PollInterval bounds how long a live subscriber waits when it hears
	// nothing (for example while an older transaction holds the horizon).
	pollInterval time.Duration

	hubOnce sync.Once
	hub     *hub
	stop    context.CancelFunc

	// Group commit (append.go): appends waiting for a flusher, flushers
	// running, and their limits.
	mu          sync.Mutex
	pending     []*request
	flying      map[string]int // streams of the batches being sent
	inFlight    int
	maxInFlight int
	maxBatch    int
	observe     func(BatchInfo)
}

// Option configures a Store.
type Option func(*Store)

// WithClock sets the clock that stamps recorded_at.
func WithClock(c clock.Clock) Option { return func(s *Store) { s.clock = c } }

// WithPollInterval sets the live subscribers' fallback poll interval.
func WithPollInterval(d time.Duration) Option { return func(s *Store) { s.pollInterval = d } }

// WithGroupCommit sets how many batches of appends may be on their way at
// once (each holds a connection while it runs) and how many appends one
// batch takes at most. The default, 2 in flight, measured best with one to
// spare on 2 cores (docs/benchmarks.md): fewer batches in flight make each
// batch larger, and PostgreSQL commits a batch for the price of one
// append; 1 was faster still, but a batch waiting on a stream's lock (an
// AppendTx in a longer transaction) would then stop every append of the
// process.
func WithGroupCommit(inFlight, maxBatch int) Option {
	return func(s *Store) { s.maxInFlight, s.maxBatch = max(inFlight, 1), max(maxBatch, 1) }
}

// WithBatchObserver has f called after every batch of appends (for metrics).
func WithBatchObserver(f func(BatchInfo)) Option { return func(s *Store) { s.observe = f } }

// New returns a store on pool. Close it to stop its listener.
func New(pool *pgxpool.Pool, opts ...Option) *Store {
	s := &Store{pool: pool, clock: clock.System{}, pollInterval: 500 * time.Millisecond, maxInFlight: 2, maxBatch: 256}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Close stops the store's notification listener, if it was started.
func (s *Store) Close() {
	if s.stop != nil {
		s.stop()
	}
}

// selectColumns reads events. The text form of txid gets its own name: an
// output column called "txid" would make ORDER BY txid sort as text.
// prev_hash and hash are the chain the trigger computes (migration 00005).
const selectColumns = `e.seq, e.txid::text AS txid_text, e.id, e.stream, e.version, e.type, e.data, e.metadata, e.recorded_at, e.prev_hash, e.hash`

// ReadStream implements eventstore.Store.
func (s *Store) ReadStream(ctx context.Context, stream string, from int64) ([]eventstore.RecordedEvent, error) {
	if from < 1 {
		from = 1
	}
	rows, err := s.pool.Query(ctx, `SELECT `+selectColumns+` FROM events e WHERE e.stream = $1 AND e.version >= $2 ORDER BY e.version`, stream, from)
	if err != nil {
		return nil, fmt.Errorf("pgstore: read stream %s: %w", stream, err)
	}
	evs, err := scanEvents(rows)
	if err != nil {
		return nil, fmt.Errorf("pgstore: read stream %s: %w", stream, err)
	}
	if len(evs) == 0 {
		// Distinguish an empty range of an existing stream from a missing stream.
		var exists bool
		if err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM events WHERE stream = $1)`, stream).Scan(&exists); err != nil {
			return nil, fmt.Errorf("pgstore: read stream %s: %w", stream, err)
		}
		if !exists {
			return nil, fmt.Errorf("%w: %s", eventstore.ErrStreamNotFound, stream)
		}
	}
	return evs, nil
}

// ReadAll implements eventstore.Store.
func (s *Store) ReadAll(ctx context.Context, after eventstore.Position, limit int) ([]eventstore.RecordedEvent, error) {
	if limit <= 0 {
		limit = 500
	}
	rows, err := s.pool.Query(ctx, `
		SELECT `+selectColumns+` FROM events e
		WHERE (e.txid, e.seq) > ($1::text::xid8, $2)
		  AND e.txid < pg_snapshot_xmin(pg_current_snapshot())
		ORDER BY e.txid, e.seq
		LIMIT $3`,
		strconv.FormatUint(after.Commit, 10), int64(after.Prepare), limit)
	if err != nil {
		return nil, fmt.Errorf("pgstore: read all after %s: %w", after, err)
	}
	evs, err := scanEvents(rows)
	if err != nil {
		return nil, fmt.Errorf("pgstore: read all after %s: %w", after, err)
	}
	return evs, nil
}

// Subscribe implements eventstore.Store.
func (s *Store) Subscribe(ctx context.Context, after eventstore.Position, h eventstore.Handler) error {
	s.hubOnce.Do(s.startHub)
	for {
		// Take the wake-up channel before reading, so a notification that
		// arrives during the read is not missed.
		wake := s.hub.wait()
		batch, err := s.ReadAll(ctx, after, 500)
		if err != nil {
			return err
		}
		if len(batch) > 0 {
			if err := h(ctx, batch); err != nil {
				return err
			}
			after = batch[len(batch)-1].Position
			continue
		}
		timer := time.NewTimer(s.pollInterval)
		select {
		case <-ctx.Done():
			timer.Stop()
			return ctx.Err()
		case <-wake:
		case <-timer.C:
		}
		timer.Stop()
	}
}

func (s *Store) startHub() {
	ctx, cancel := context.WithCancel(context.Background())
	s.stop = cancel
	s.hub = newHub()
	go s.hub.listen(ctx, s.pool)
}

func scanEvents(rows pgx.Rows) ([]eventstore.RecordedEvent, error) {
	defer rows.Close()
	var out []eventstore.RecordedEvent
	for rows.Next() {
		var (
			e     eventstore.RecordedEvent
			seq   int64
			txid  string
			metaB []byte
		)
		if err := rows.Scan(&seq, &txid, &e.ID, &e.Stream, &e.Version, &e.Type, &e.Data, &metaB, &e.RecordedAt, &e.PrevHash, &e.Hash); err != nil {
			return nil, err
		}
		commit, err := strconv.ParseUint(txid, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("parse txid %q: %w", txid, err)
		}
		e.Position = eventstore.Position{Commit: commit, Prepare: uint64(seq)}
		if err := json.Unmarshal(metaB, &e.Metadata); err != nil {
			return nil, fmt.Errorf("decode metadata of %s: %w", e.ID, err)
		}
		// The canonical jsonb text, which is what the trigger hashed.
		e.HashedMetadata = metaB
		out = append(out, e)
	}
	return out, rows.Err()
}

// hub turns Postgres notifications into wake-ups for every live subscriber.
type hub struct {
	mu sync.Mutex
	ch chan struct{}
}

func newHub() *hub { return &hub{ch: make(chan struct{})} }

func (h *hub) wait() <-chan struct{} {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.ch
}

func (h *hub) broadcast() {
	h.mu.Lock()
	defer h.mu.Unlock()
	close(h.ch)
	h.ch = make(chan struct{})
}

// listen holds one connection on LISTEN and wakes subscribers on every
// notification. If the connection fails it reconnects; subscribers fall back
// to polling meanwhile.
func (h *hub) listen(ctx context.Context, pool *pgxpool.Pool) {
	for ctx.Err() == nil {
		conn, err := pool.Acquire(ctx)
		if err != nil {
			sleep(ctx, time.Second)
			continue
		}
		if _, err := conn.Exec(ctx, "LISTEN "+notifyChannel); err != nil {
			conn.Release()
			sleep(ctx, time.Second)
			continue
		}
		for {
			_, err := conn.Conn().WaitForNotification(ctx)
			if err != nil {
				break
			}
			h.broadcast()
		}
		// The connection may be in an unknown state: close it, don't reuse it.
		_ = conn.Conn().Close(context.Background())
		conn.Release()
	}
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
