// Package pgstore is the Postgres event store: the embedded default.
//
// Global order is (transaction id, sequence). A reader only reads events
// whose transaction id is below the oldest transaction still running, so an
// append whose transaction took a sequence value early but commits late is
// never skipped (the "gap problem"), and no timeout is involved.
package pgstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
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
}

// Option configures a Store.
type Option func(*Store)

// WithClock sets the clock that stamps recorded_at.
func WithClock(c clock.Clock) Option { return func(s *Store) { s.clock = c } }

// WithPollInterval sets the live subscribers' fallback poll interval.
func WithPollInterval(d time.Duration) Option { return func(s *Store) { s.pollInterval = d } }

// New returns a store on pool. Close it to stop its listener.
func New(pool *pgxpool.Pool, opts ...Option) *Store {
	s := &Store{pool: pool, clock: clock.System{}, pollInterval: 500 * time.Millisecond}
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

// Append implements eventstore.Store. With eventstore.Any it never reports
// a conflict: it retries when another writer took the next version first.
func (s *Store) Append(ctx context.Context, stream string, expected eventstore.ExpectedVersion, events ...eventstore.EventData) (eventstore.AppendResult, error) {
	for attempt := 0; ; attempt++ {
		res, err := s.append(ctx, stream, expected, events...)
		if expected == eventstore.Any && errors.Is(err, eventstore.ErrConcurrency) && attempt < 50 {
			continue
		}
		return res, err
	}
}

func (s *Store) append(ctx context.Context, stream string, expected eventstore.ExpectedVersion, events ...eventstore.EventData) (eventstore.AppendResult, error) {
	if err := check(stream, events); err != nil {
		return eventstore.AppendResult{}, err
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return eventstore.AppendResult{}, fmt.Errorf("pgstore: begin: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // no-op after commit
	res, err := s.appendIn(ctx, tx, stream, expected, events...)
	if err != nil {
		return eventstore.AppendResult{}, err
	}
	if err := tx.Commit(ctx); err != nil {
		return eventstore.AppendResult{}, s.appendErr(stream, err)
	}
	return res, nil
}

// AppendTx appends events to one stream inside the caller's transaction tx,
// so that other writes (a queued job, a sent record) commit or vanish with
// them. It checks the expected version like Append; with eventstore.Any it
// retries a lost race itself. Each try runs in a savepoint, so a conflict
// (ErrConcurrency) leaves tx usable.
//
// Nothing is visible until tx commits, and the global-order guarantees are
// those of Append: the events belong to tx's transaction id, and readers
// stop below the oldest open transaction. Keep tx short: while it is open,
// it holds back every subscriber. The returned Position is valid once tx
// has committed.
func (s *Store) AppendTx(ctx context.Context, tx pgx.Tx, stream string, expected eventstore.ExpectedVersion, events ...eventstore.EventData) (eventstore.AppendResult, error) {
	if err := check(stream, events); err != nil {
		return eventstore.AppendResult{}, err
	}
	for attempt := 0; ; attempt++ {
		sp, err := tx.Begin(ctx) // a savepoint
		if err != nil {
			return eventstore.AppendResult{}, fmt.Errorf("pgstore: savepoint: %w", err)
		}
		res, err := s.appendIn(ctx, sp, stream, expected, events...)
		if err == nil {
			if err = sp.Commit(ctx); err == nil {
				return res, nil
			}
			err = s.appendErr(stream, err)
		}
		if rbErr := sp.Rollback(context.WithoutCancel(ctx)); rbErr != nil && !errors.Is(rbErr, pgx.ErrTxClosed) {
			return eventstore.AppendResult{}, fmt.Errorf("pgstore: roll back to savepoint: %w (after %w)", rbErr, err)
		}
		if expected == eventstore.Any && errors.Is(err, eventstore.ErrConcurrency) && attempt < 50 {
			continue
		}
		return eventstore.AppendResult{}, err
	}
}

func check(stream string, events []eventstore.EventData) error {
	if stream == "" {
		return errors.New("pgstore: append: empty stream name")
	}
	if len(events) == 0 {
		return errors.New("pgstore: append: no events")
	}
	return nil
}

// appendIn checks the version and inserts the events in tx, without committing.
func (s *Store) appendIn(ctx context.Context, tx pgx.Tx, stream string, expected eventstore.ExpectedVersion, events ...eventstore.EventData) (eventstore.AppendResult, error) {
	var current int64
	if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM events WHERE stream = $1`, stream).Scan(&current); err != nil {
		return eventstore.AppendResult{}, fmt.Errorf("pgstore: read version of %s: %w", stream, err)
	}
	if expected != eventstore.Any && int64(expected) != current {
		return eventstore.AppendResult{}, fmt.Errorf("%w: stream %s is at %d, expected %d", eventstore.ErrConcurrency, stream, current, expected)
	}

	now := s.clock.Now().UTC()
	ids := make([]uuid.UUID, len(events))
	versions := make([]int64, len(events))
	types := make([]string, len(events))
	datas := make([]string, len(events))
	metas := make([]string, len(events))
	for i, e := range events {
		if e.Type == "" {
			return eventstore.AppendResult{}, errors.New("pgstore: append: event without type")
		}
		if !json.Valid(e.Data) {
			return eventstore.AppendResult{}, fmt.Errorf("pgstore: append: event %s: data is not valid JSON", e.Type)
		}
		ids[i] = e.ID
		if ids[i] == uuid.Nil {
			ids[i] = uuid.New()
		}
		versions[i] = current + int64(i) + 1
		types[i] = e.Type
		datas[i] = string(e.Data)
		m, err := json.Marshal(e.Metadata)
		if err != nil {
			return eventstore.AppendResult{}, fmt.Errorf("pgstore: encode metadata: %w", err)
		}
		metas[i] = string(m)
	}

	var seq int64
	var txid string
	err := tx.QueryRow(ctx, `
		WITH ins AS (
			INSERT INTO events (id, stream, version, type, data, metadata, recorded_at)
			SELECT u.id, $1, u.version, u.type, u.data::jsonb, u.meta::jsonb, $7
			FROM unnest($2::uuid[], $3::bigint[], $4::text[], $5::text[], $6::text[])
			     AS u(id, version, type, data, meta)
			ORDER BY u.version
			RETURNING seq, txid
		)
		SELECT max(seq), max(txid)::text FROM ins`,
		stream, ids, versions, types, datas, metas, now).Scan(&seq, &txid)
	if err != nil {
		return eventstore.AppendResult{}, s.appendErr(stream, err)
	}
	// Delivered when the transaction commits (and dropped if it rolls back).
	if _, err := tx.Exec(ctx, `SELECT pg_notify($1, '')`, notifyChannel); err != nil {
		return eventstore.AppendResult{}, fmt.Errorf("pgstore: notify: %w", err)
	}
	commit, err := strconv.ParseUint(txid, 10, 64)
	if err != nil {
		return eventstore.AppendResult{}, fmt.Errorf("pgstore: parse txid %q: %w", txid, err)
	}
	return eventstore.AppendResult{
		NextVersion: current + int64(len(events)),
		Position:    eventstore.Position{Commit: commit, Prepare: uint64(seq)},
	}, nil
}

func (s *Store) appendErr(stream string, err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" && pgErr.ConstraintName == "events_stream_version_key" {
		return fmt.Errorf("%w: stream %s was appended to concurrently", eventstore.ErrConcurrency, stream)
	}
	return fmt.Errorf("pgstore: append to %s: %w", stream, err)
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
