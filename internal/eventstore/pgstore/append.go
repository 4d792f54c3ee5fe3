package pgstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/awareportal/portal/internal/eventstore"
)

// Appends go to PostgreSQL through one function, events_append (migration
// 00013): it locks the streams, checks each append's expected version,
// inserts the events and notifies subscribers in one statement, so an
// append is one round trip. Appends arriving while others are on their way
// wait in a queue, and the next of at most maxInFlight flushers sends all
// of them as one batch: one statement, one commit (group commit). Each
// append in a batch keeps its own version check: one that conflicts comes
// back with ErrConcurrency and the others commit.
//
// A batch never waits for a stream's lock: an append whose stream is locked
// by another transaction (a caller's AppendTx, another batch, another
// process) is sent again alone by its caller, waiting for the lock there.
// A batch the server refuses as a whole (a duplicate event id, a writer
// that does not take the locks) is also retried append by append, so that
// each caller gets its own answer.

// appendSQL calls events_append; see the migration for its arguments.
const appendSQL = `SELECT got, current, seqs, txid FROM events_append($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`

// request is one append, validated and encoded, on its way.
type request struct {
	stream   string
	expected eventstore.ExpectedVersion
	ids      []uuid.UUID
	types    []string
	datas    []string
	metas    []string
	at       time.Time
	size     int // bytes of data and metadata

	done chan outcome // the flusher's answer; buffered
}

// outcome is a batch's answer to one request.
type outcome struct {
	res   eventstore.AppendResult
	err   error
	alone bool // send it again on its own (busy stream, or the batch failed)
}

// BatchInfo describes one call of events_append outside a caller's
// transaction (a batch, or an append sent again alone), for metrics.
type BatchInfo struct {
	Appends   int // appends sent
	Events    int // events of the appends that committed
	Conflicts int // appends refused with ErrConcurrency
	Retried   int // appends sent again alone (stream busy, or the batch failed)
	Duration  time.Duration
	Err       error // the batch's error, if it failed as a whole
}

// Append implements eventstore.Store. With eventstore.Any it never reports
// a conflict.
func (s *Store) Append(ctx context.Context, stream string, expected eventstore.ExpectedVersion, events ...eventstore.EventData) (eventstore.AppendResult, error) {
	r, err := s.prepare(stream, expected, events)
	if err != nil {
		return eventstore.AppendResult{}, err
	}
	if err := ctx.Err(); err != nil {
		return eventstore.AppendResult{}, err
	}
	o := s.submit(ctx, r)
	if !o.alone {
		return o.res, o.err
	}
	return s.appendAlone(ctx, r)
}

// appendAlone sends one append in a statement of its own, waiting for its
// stream's lock. A lost race with a writer that does not lock (the unique
// constraint's ErrConcurrency) is retried for Any.
func (s *Store) appendAlone(ctx context.Context, r *request) (eventstore.AppendResult, error) {
	for attempt := 0; ; attempt++ {
		started := time.Now()
		out, err := s.call(ctx, s.pool, []*request{r}, true)
		info := BatchInfo{Appends: 1, Duration: time.Since(started), Err: err}
		if err != nil {
			err = s.appendErr(r.stream, err)
		} else {
			err = out[0].err
		}
		switch {
		case err == nil:
			info.Events = len(r.ids)
		case errors.Is(err, eventstore.ErrConcurrency):
			info.Conflicts = 1
		}
		if s.observe != nil {
			s.observe(info)
		}
		if err == nil {
			return out[0].res, nil
		}
		if r.expected == eventstore.Any && errors.Is(err, eventstore.ErrConcurrency) && attempt < 50 {
			continue
		}
		return eventstore.AppendResult{}, err
	}
}

// AppendTx appends events to one stream inside the caller's transaction tx,
// so that other writes (a queued job, a sent record) commit or vanish with
// them. It checks the expected version like Append (with eventstore.Any it
// never conflicts), and a conflict (ErrConcurrency) leaves tx usable: the
// append runs in a savepoint, sent in the same round trip.
//
// The stream stays locked until tx ends (other appends to it wait), and
// nothing is visible until tx commits; the global-order guarantees are
// those of Append: the events belong to tx's transaction id, and readers
// stop below the oldest open transaction. Keep tx short: while it is open,
// it holds back every subscriber. The returned Position is valid once tx
// has committed.
func (s *Store) AppendTx(ctx context.Context, tx pgx.Tx, stream string, expected eventstore.ExpectedVersion, events ...eventstore.EventData) (eventstore.AppendResult, error) {
	r, err := s.prepare(stream, expected, events)
	if err != nil {
		return eventstore.AppendResult{}, err
	}
	for attempt := 0; ; attempt++ {
		res, err := s.appendInTx(ctx, tx, r)
		if expected == eventstore.Any && errors.Is(err, eventstore.ErrConcurrency) && attempt < 50 {
			continue
		}
		return res, err
	}
}

func (s *Store) appendInTx(ctx context.Context, tx pgx.Tx, r *request) (eventstore.AppendResult, error) {
	reqs := []*request{r}
	b := &pgx.Batch{}
	b.Queue(`SAVEPOINT events_append`)
	b.Queue(appendSQL, s.args(reqs, true)...)
	b.Queue(`RELEASE SAVEPOINT events_append`)
	br := tx.SendBatch(ctx, b)
	var (
		sc       scanned
		inside   bool // the savepoint exists
		err      error
		released bool
	)
	if _, err = br.Exec(); err == nil {
		inside = true
		if err = sc.scan(br.QueryRow()); err == nil {
			_, err = br.Exec()
			released = err == nil
		}
	}
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		if inside && !released && isServerError(err) {
			// Leave tx as it was before the append.
			if _, rbErr := tx.Exec(context.WithoutCancel(ctx), `ROLLBACK TO SAVEPOINT events_append; RELEASE SAVEPOINT events_append`); rbErr != nil {
				return eventstore.AppendResult{}, fmt.Errorf("pgstore: roll back to savepoint: %w (after %w)", rbErr, err)
			}
		}
		return eventstore.AppendResult{}, s.appendErr(r.stream, err)
	}
	out, err := sc.outcomes(reqs)
	if err != nil {
		return eventstore.AppendResult{}, err
	}
	return out[0].res, out[0].err
}

// prepare validates and encodes an append.
func (s *Store) prepare(stream string, expected eventstore.ExpectedVersion, events []eventstore.EventData) (*request, error) {
	if stream == "" {
		return nil, errors.New("pgstore: append: empty stream name")
	}
	if len(events) == 0 {
		return nil, errors.New("pgstore: append: no events")
	}
	if expected < eventstore.Any {
		return nil, fmt.Errorf("pgstore: append: expected version %d", expected)
	}
	r := &request{
		stream:   stream,
		expected: expected,
		ids:      make([]uuid.UUID, len(events)),
		types:    make([]string, len(events)),
		datas:    make([]string, len(events)),
		metas:    make([]string, len(events)),
		at:       s.clock.Now().UTC(),
		done:     make(chan outcome, 1),
	}
	for i, e := range events {
		if e.Type == "" {
			return nil, errors.New("pgstore: append: event without type")
		}
		if !json.Valid(e.Data) {
			return nil, fmt.Errorf("pgstore: append: event %s: data is not valid JSON", e.Type)
		}
		r.ids[i] = e.ID
		if r.ids[i] == uuid.Nil {
			r.ids[i] = uuid.New()
		}
		r.types[i] = e.Type
		r.datas[i] = string(e.Data)
		m, err := json.Marshal(e.Metadata)
		if err != nil {
			return nil, fmt.Errorf("pgstore: encode metadata: %w", err)
		}
		r.metas[i] = string(m)
		r.size += len(e.Data) + len(m) + len(e.Type) + 64
	}
	return r, nil
}

// submit queues r and waits for its batch's answer. When no more than
// maxInFlight batches are on their way, the caller sends the next batch
// itself (with r in it), so an append that meets no other costs no
// hand-over; appends queued meanwhile go with the next flusher. When ctx
// ends before r was taken into a batch, r is withdrawn (nothing was
// written); once taken, its answer is awaited, so that the caller learns
// what happened.
func (s *Store) submit(ctx context.Context, r *request) outcome {
	s.mu.Lock()
	s.pending = append(s.pending, r)
	if s.inFlight < s.maxInFlight {
		s.inFlight++
		batch := s.take()
		s.mu.Unlock()
		s.send(batch)
		s.mu.Lock()
		s.landed(batch)
		if len(s.pending) > 0 {
			go s.flush() // takes over this flusher's place
		} else {
			s.inFlight--
		}
	}
	s.mu.Unlock()
	select {
	case o := <-r.done:
		return o
	case <-ctx.Done():
	}
	s.mu.Lock()
	if i := slices.Index(s.pending, r); i >= 0 {
		s.pending = slices.Delete(s.pending, i, i+1)
		s.mu.Unlock()
		return outcome{err: ctx.Err()}
	}
	s.mu.Unlock()
	return <-r.done
}

// flush sends batches until the queue is empty.
func (s *Store) flush() {
	for {
		s.mu.Lock()
		batch := s.take()
		if len(batch) == 0 {
			s.inFlight--
			s.mu.Unlock()
			return
		}
		s.mu.Unlock()
		s.send(batch)
		s.mu.Lock()
		s.landed(batch)
		s.mu.Unlock()
	}
}

// take removes the next batch from the queue: in order, at most one append
// per stream and none to a stream another batch of ours is sending (those
// wait for the next batch, keeping their order, instead of finding the
// stream locked), at most maxBatch appends and about maxBatchBytes. s.mu is
// held; done releases the batch's streams.
func (s *Store) take() []*request {
	var (
		batch   []*request
		streams map[string]bool
		size    int
		rest    = s.pending[:0]
	)
	for i, r := range s.pending {
		if len(batch) == s.maxBatch || (len(batch) > 0 && size+r.size > maxBatchBytes) {
			rest = append(rest, s.pending[i:]...)
			break
		}
		if streams[r.stream] || s.flying[r.stream] > 0 {
			rest = append(rest, r)
			continue
		}
		if streams == nil {
			streams = make(map[string]bool)
		}
		streams[r.stream] = true
		size += r.size
		batch = append(batch, r)
	}
	clear(s.pending[len(rest):])
	s.pending = rest
	if s.flying == nil {
		s.flying = make(map[string]int)
	}
	for _, r := range batch {
		s.flying[r.stream]++
	}
	return batch
}

// landed releases a sent batch's streams. s.mu is held.
func (s *Store) landed(batch []*request) {
	for _, r := range batch {
		if s.flying[r.stream]--; s.flying[r.stream] <= 0 {
			delete(s.flying, r.stream)
		}
	}
}

// maxBatchBytes bounds a batch's payload (a batch takes at least one append).
const maxBatchBytes = 4 << 20

// send runs one batch and answers its requests.
func (s *Store) send(batch []*request) {
	ctx, cancel := context.WithTimeout(context.Background(), batchTimeout)
	defer cancel()
	started := time.Now()
	out, err := s.call(ctx, s.pool, batch, false)
	info := BatchInfo{Appends: len(batch), Duration: time.Since(started), Err: err}
	for i, r := range batch {
		var o outcome
		switch {
		case err == nil:
			o = out[i]
		case isServerError(err):
			// Nothing was written: each append gets its own answer alone.
			o = outcome{alone: true}
		default:
			// The connection failed: whether it committed is unknown.
			o = outcome{err: s.appendErr(r.stream, err)}
		}
		switch {
		case o.alone:
			info.Retried++
		case errors.Is(o.err, eventstore.ErrConcurrency):
			info.Conflicts++
		case o.err == nil:
			info.Events += len(r.ids)
		}
		r.done <- o
	}
	if s.observe != nil {
		s.observe(info)
	}
}

// batchTimeout bounds a batch, whose requests may have left: it never waits
// for a lock, so it only ever runs out on a sick server.
const batchTimeout = 30 * time.Second

func isServerError(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr)
}

type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// call runs events_append for reqs and returns an outcome per request.
func (s *Store) call(ctx context.Context, q querier, reqs []*request, wait bool) ([]outcome, error) {
	var sc scanned
	if err := sc.scan(q.QueryRow(ctx, appendSQL, s.args(reqs, wait)...)); err != nil {
		return nil, err
	}
	return sc.outcomes(reqs)
}

// args encodes reqs (at most one per stream) as events_append's arguments.
func (s *Store) args(reqs []*request, wait bool) []any {
	streams := make([]string, len(reqs))
	expected := make([]int64, len(reqs))
	at := make([]time.Time, len(reqs))
	n := 0
	for i, r := range reqs {
		streams[i], expected[i], at[i] = r.stream, int64(r.expected), r.at
		n += len(r.ids)
	}
	app := make([]int32, 0, n)
	off := make([]int32, 0, n)
	ids := make([]uuid.UUID, 0, n)
	types := make([]string, 0, n)
	datas := make([]string, 0, n)
	metas := make([]string, 0, n)
	for i, r := range reqs {
		for k := range r.ids {
			app = append(app, int32(i+1))
			off = append(off, int32(k+1))
		}
		ids = append(ids, r.ids...)
		types = append(types, r.types...)
		datas = append(datas, r.datas...)
		metas = append(metas, r.metas...)
	}
	return []any{streams, expected, at, app, off, ids, types, datas, metas, wait}
}

// scanned is events_append's answer.
type scanned struct {
	got     []bool
	current []*int64 // nil where the lock was not taken
	seqs    []int64
	txid    *string
}

func (sc *scanned) scan(row pgx.Row) error {
	return row.Scan(&sc.got, &sc.current, &sc.seqs, &sc.txid)
}

// outcomes tells each request what happened to it.
func (sc scanned) outcomes(reqs []*request) ([]outcome, error) {
	if len(sc.got) != len(reqs) || len(sc.current) != len(reqs) {
		return nil, fmt.Errorf("pgstore: events_append answered for %d of %d appends", len(sc.got), len(reqs))
	}
	var commit uint64
	if sc.txid != nil {
		c, err := strconv.ParseUint(*sc.txid, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("pgstore: parse txid %q: %w", *sc.txid, err)
		}
		commit = c
	}
	out := make([]outcome, len(reqs))
	k := 0 // inserted events so far
	for i, r := range reqs {
		switch {
		case !sc.got[i]:
			out[i].alone = true
		case sc.current[i] == nil:
			return nil, fmt.Errorf("pgstore: events_append: no version for %s", r.stream)
		case r.expected == eventstore.Any || int64(r.expected) == *sc.current[i]:
			k += len(r.ids)
			if k > len(sc.seqs) {
				return nil, fmt.Errorf("pgstore: events_append inserted %d events, expected more", len(sc.seqs))
			}
			out[i].res = eventstore.AppendResult{
				NextVersion: *sc.current[i] + int64(len(r.ids)),
				Position:    eventstore.Position{Commit: commit, Prepare: uint64(sc.seqs[k-1])},
			}
		default:
			out[i].err = fmt.Errorf("%w: stream %s is at %d, expected %d", eventstore.ErrConcurrency, r.stream, *sc.current[i], r.expected)
		}
	}
	if k != len(sc.seqs) {
		return nil, fmt.Errorf("pgstore: events_append inserted %d events, expected %d", len(sc.seqs), k)
	}
	return out, nil
}

func (s *Store) appendErr(stream string, err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" && pgErr.ConstraintName == "events_stream_version_key" {
		return fmt.Errorf("%w: stream %s was appended to concurrently", eventstore.ErrConcurrency, stream)
	}
	return fmt.Errorf("pgstore: append to %s: %w", stream, err)
}
