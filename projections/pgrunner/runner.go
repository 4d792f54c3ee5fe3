// Package pgrunner builds Postgres read models from the event log.
//
// Each projection owns one schema, rm_<name>. The runner applies a batch of
// events and moves the projection's checkpoint in one transaction, so a
// crash neither loses nor double-applies an event. Across processes sharing
// a database, an advisory lock lets one runner at a time run a projection;
// when its process dies the lock is released and another takes over.
//
// An event a projection cannot apply (its data breaks the read model, the
// same on every try) does not stop the projection: the batch is applied
// again event by event in a fresh transaction, and an event that fails
// again is parked in projection_parked, logged at ERROR, and skipped; the
// checkpoint moves past it. See parkable for what counts.
package pgrunner

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/awareportal/portal/domain"
	"github.com/awareportal/portal/internal/eventstore"
	"github.com/awareportal/portal/projections"
)

// Projection turns events into rows.
type Projection interface {
	// Name is stable; the read model lives in schema rm_<name>.
	Name() string
	// Version changes whenever Schema or Apply change meaning; a new version
	// is rebuilt from the start of the log automatically.
	Version() int
	// Schema is the DDL that creates the read model's tables, with
	// unqualified names (it runs with search_path set to the target schema).
	Schema() string
	// Apply applies one event inside the batch's transaction. Unqualified
	// table names resolve to the projection's schema. The runner sends a
	// batch's Exec statements to PostgreSQL together (pipeTx): an Exec
	// returns an empty command tag (don't count rows affected) and its
	// error may come back from a later call; Query and QueryRow see every
	// earlier write.
	Apply(ctx context.Context, tx pgx.Tx, rec eventstore.RecordedEvent, e domain.Event) error
}

// Paged is a Projection that can apply a page of events at once: it reads
// what the page needs in a few statements up front instead of one per
// event, and writes what it folded (COPY where it can). A rebuild hands
// it each page (RebuildPage events, decoded once for every projection),
// and so does a live batch of at least CatchUpPage events (a backlog).
// Small live batches, and the event-by-event path that parks what cannot
// be applied, use Apply; TestEveryReadModelRebuildIsIdentical rebuilds
// both ways (EventByEvent) and compares each with the live read model.
type Paged interface {
	Projection
	// ApplyPage applies page, in order, as Apply would event by event. Its
	// transaction pipelines Exec statements as Apply's does.
	ApplyPage(ctx context.Context, tx pgx.Tx, page []projections.Event) error
}

// Cached is a Projection whose rows pages cache in the process
// (internal/readcache). Invalidates says whether an event of that type
// changes rows they cache; a batch holding one counts the projection's
// row of read_model_epochs up in the batch's own transaction (and so does
// a rebuild's swap), which tells every process its cached rows are old.
type Cached interface {
	Projection
	Invalidates(eventType string) bool
}

// LearnerCached is a Projection whose rows of one learner pages cache
// (internal/readcache: a learner's assignments, their policy requests).
// LearnersOf names the learners whose cached rows an event changes; a
// live batch counts their rows of read_model_learner_epochs up in its own
// transaction, which the session lookup reads for the signed-in learner.
// An event that changes the rows of many learners at once must count the
// projection's own epoch instead (Cached.Invalidates), and a rebuild's
// swap does (every cached row is old then).
type LearnerCached interface {
	Projection
	LearnersOf(e domain.Event) []string
}

// bumpLearnerEpochs counts up the learner epochs of the learners batch's
// events concern, when p is LearnerCached.
func (r *Runner) bumpLearnerEpochs(ctx context.Context, tx pgx.Tx, p Projection, batch []eventstore.RecordedEvent) error {
	lc, ok := p.(LearnerCached)
	if !ok {
		return nil
	}
	var ids []string
	for _, rec := range batch {
		if !r.codec.Knows(rec.Type) {
			continue
		}
		e, err := r.codec.Decode(rec.Type, rec.Data)
		if err != nil {
			continue // parked: it changed nothing
		}
		ids = append(ids, lc.LearnersOf(e)...)
	}
	if len(ids) == 0 {
		return nil
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	if _, err := tx.Exec(ctx, `INSERT INTO read_model_learner_epochs (learner_id, name, epoch) SELECT id, $2, 1 FROM unnest($1::text[]) AS id
		ON CONFLICT (learner_id, name) DO UPDATE SET epoch = read_model_learner_epochs.epoch + 1`, ids, p.Name()); err != nil {
		return fmt.Errorf("projection %s: count %d learners' epochs: %w", p.Name(), len(ids), err)
	}
	return nil
}

// bumpEpoch counts p's epoch up when the batch changed what pages cache.
func bumpEpoch(ctx context.Context, tx pgx.Tx, p Projection, batch []eventstore.RecordedEvent) error {
	c, ok := p.(Cached)
	if !ok {
		return nil
	}
	if batch != nil && !slices.ContainsFunc(batch, func(rec eventstore.RecordedEvent) bool { return c.Invalidates(rec.Type) }) {
		return nil
	}
	if _, err := tx.Exec(ctx, `INSERT INTO read_model_epochs (name, epoch) VALUES ($1, 1)
		ON CONFLICT (name) DO UPDATE SET epoch = read_model_epochs.epoch + 1`, p.Name()); err != nil {
		return fmt.Errorf("projection %s: count its epoch: %w", p.Name(), err)
	}
	return nil
}

// SchemaName is where projection name keeps its tables.
func SchemaName(name string) string { return "rm_" + name }

// errCheckpointMoved means another writer (a rebuild's swap, or another
// runner) moved the checkpoint: re-read it and resubscribe.
var errCheckpointMoved = errors.New("projection checkpoint moved")

// Runner runs projections.
type Runner struct {
	pool        *pgxpool.Pool
	store       eventstore.Store
	codec       *domain.Codec
	projections []Projection
	log         *slog.Logger
	// RetryInterval is how often a runner without the lock tries again, and
	// how long it waits after a failure.
	RetryInterval time.Duration
	// BatchSize is the most events applied in one transaction.
	BatchSize int
	// RebuildPage is how many events a rebuild reads and applies at once.
	RebuildPage int
	// CatchUpPage is the least number of events in a live batch (a backlog
	// the projection catches up with: after a bulk import, a restart, a
	// long transaction) for which a Paged projection gets the batch as one
	// page instead of event by event; 0 never.
	CatchUpPage int
	// EventByEvent makes rebuilds and catch-ups apply every event through
	// Apply alone, as small live batches do: tests compare the two.
	EventByEvent bool
}

// NewRunner returns a runner for the given projections.
func New(pool *pgxpool.Pool, store eventstore.Store, codec *domain.Codec, log *slog.Logger, ps ...Projection) *Runner {
	return &Runner{pool: pool, store: store, codec: codec, projections: ps, log: log, RetryInterval: 2 * time.Second, BatchSize: 500, RebuildPage: 5000, CatchUpPage: 100}
}

// Projections returns the runner's projections.
func (r *Runner) Projections() []Projection { return r.projections }

// Find returns the projection called name.
func (r *Runner) Find(name string) (Projection, error) {
	for _, p := range r.projections {
		if p.Name() == name {
			return p, nil
		}
	}
	return nil, fmt.Errorf("no projection called %q", name)
}

// Setup creates each projection's schema and checkpoint when missing, and
// rebuilds any projection whose stored version differs from its code.
func (r *Runner) Setup(ctx context.Context) error {
	var changed []Projection
	for _, p := range r.projections {
		stored, err := r.ensure(ctx, p)
		if err != nil {
			return err
		}
		if stored != p.Version() {
			r.log.Info("projection version changed: rebuilding", "projection", p.Name(), "from", stored, "to", p.Version())
			changed = append(changed, p)
		}
	}
	return r.RebuildAll(ctx, changed...)
}

// ensure creates the schema and checkpoint row if they are missing and
// returns the stored version.
func (r *Runner) ensure(ctx context.Context, p Projection) (int, error) {
	var version int
	err := pgx.BeginFunc(ctx, r.pool, func(tx pgx.Tx) error {
		// Serialise setup of one projection across processes.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(7420, $1)`, lockKey("setup:"+p.Name())); err != nil {
			return err
		}
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)`, SchemaName(p.Name())).Scan(&exists); err != nil {
			return err
		}
		if !exists {
			if err := createSchema(ctx, tx, p, SchemaName(p.Name())); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO projection_checkpoints (name, version) VALUES ($1, $2)
				ON CONFLICT (name) DO UPDATE SET commit_pos = 0, prepare_pos = 0, version = $2, updated_at = now()`, p.Name(), p.Version())
			if err != nil {
				return err
			}
		}
		return tx.QueryRow(ctx, `SELECT version FROM projection_checkpoints WHERE name = $1`, p.Name()).Scan(&version)
	})
	if err != nil {
		return 0, fmt.Errorf("set up projection %s: %w", p.Name(), err)
	}
	return version, nil
}

func createSchema(ctx context.Context, tx pgx.Tx, p Projection, schema string) error {
	if _, err := tx.Exec(ctx, `CREATE SCHEMA `+pgx.Identifier{schema}.Sanitize()); err != nil {
		return err
	}
	if err := setSearchPath(ctx, tx, schema); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, p.Schema()); err != nil {
		return fmt.Errorf("create tables: %w", err)
	}
	return nil
}

func setSearchPath(ctx context.Context, tx pgx.Tx, schema string) error {
	_, err := tx.Exec(ctx, `SELECT set_config('search_path', $1, true)`, pgx.Identifier{schema}.Sanitize()+", public")
	return err
}

func lockKey(name string) int32 {
	h := fnv.New32a()
	h.Write([]byte(name))
	return int32(h.Sum32())
}

// Run runs every projection until ctx ends.
func (r *Runner) Run(ctx context.Context) error {
	done := make(chan struct{}, len(r.projections))
	for _, p := range r.projections {
		go func() {
			defer func() { done <- struct{}{} }()
			r.runOne(ctx, p)
		}()
	}
	for range r.projections {
		<-done
	}
	return ctx.Err()
}

// runOne holds the projection's lock while it follows the log; without the
// lock it waits and tries again.
func (r *Runner) runOne(ctx context.Context, p Projection) {
	log := r.log.With("projection", p.Name())
	for ctx.Err() == nil {
		err := r.leadOnce(ctx, p, log)
		if ctx.Err() != nil {
			return
		}
		if err != nil && !errors.Is(err, errCheckpointMoved) {
			log.Error("projection stopped; retrying", "err", err)
		}
		if err == nil || !errors.Is(err, errCheckpointMoved) {
			wait(ctx, r.RetryInterval)
		}
	}
}

func (r *Runner) leadOnce(ctx context.Context, p Projection, log *slog.Logger) error {
	conn, err := r.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	// Close rather than return the connection: that releases the
	// session-level lock for certain, even if unlocking failed.
	defer func() {
		_ = conn.Conn().Close(context.Background())
		conn.Release()
	}()
	var got bool
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock(7420, $1)`, lockKey(p.Name())).Scan(&got); err != nil {
		return err
	}
	if !got {
		return nil // not an error: wait and try again
	}
	log.Debug("running projection")
	runCtx, cancel := context.WithCancel(ctx)
	// Watch the lock's connection: if it dies, the lock is gone and so is our
	// right to run. The watcher is done before the connection is released.
	watched := make(chan struct{})
	defer func() {
		cancel()
		<-watched
	}()
	go func() {
		defer close(watched)
		t := time.NewTicker(r.RetryInterval)
		defer t.Stop()
		for {
			select {
			case <-runCtx.Done():
				return
			case <-t.C:
				if runCtx.Err() != nil {
					return
				}
				if err := conn.Ping(runCtx); err != nil {
					if runCtx.Err() == nil {
						log.Warn("lost projection lock connection", "err", err)
					}
					cancel()
					return
				}
			}
		}
	}()
	pos, err := r.checkpoint(runCtx, p.Name())
	if err != nil {
		return err
	}
	return r.store.Subscribe(runCtx, pos, func(ctx context.Context, batch []eventstore.RecordedEvent) error {
		for len(batch) > 0 {
			n := min(len(batch), r.BatchSize)
			var page []projections.Event
			if _, ok := p.(Paged); ok && r.CatchUpPage > 0 && n >= r.CatchUpPage && !r.EventByEvent {
				page, _ = r.decodePage(batch[:n]) // nil when one cannot be decoded: event by event, which parks it
			}
			if _, err := r.applyBatch(ctx, p, SchemaName(p.Name()), pos, batch[:n], page, true); err != nil {
				return err
			}
			pos = batch[n-1].Position
			batch = batch[n:]
		}
		return nil
	})
}

func (r *Runner) checkpoint(ctx context.Context, name string) (eventstore.Position, error) {
	var c, pr int64
	err := r.pool.QueryRow(ctx, `SELECT commit_pos, prepare_pos FROM projection_checkpoints WHERE name = $1`, name).Scan(&c, &pr)
	if err != nil {
		return eventstore.Position{}, fmt.Errorf("read checkpoint of %s: %w", name, err)
	}
	return eventstore.Position{Commit: uint64(c), Prepare: uint64(pr)}, nil
}

// applyBatch applies events to schema in one transaction. With checkpoint
// set, it first locks the projection's checkpoint row, checks it is still
// at from, and moves it to the batch's end before committing.
//
// When an event fails with an error about its data (parkable), the batch
// is applied again in a fresh transaction, event by event: what fails
// again is parked and the rest is applied. With checkpoint set the parked
// events are recorded in that transaction and logged; either way they are
// returned (a rebuild records its own at the swap).
//
// page is batch decoded (a rebuild's page), or nil: a Paged projection
// gets it whole; nil means event by event.
func (r *Runner) applyBatch(ctx context.Context, p Projection, schema string, from eventstore.Position, batch []eventstore.RecordedEvent, page []projections.Event, checkpoint bool) ([]projections.Parked, error) {
	err := r.batchTx(ctx, p, from, batch, checkpoint, func(tx pgx.Tx) error {
		if page != nil {
			return r.applyPage(ctx, tx, p, schema, page)
		}
		return r.applyEvents(ctx, tx, p, schema, batch)
	})
	if !parkable(err) {
		return nil, err
	}
	r.log.Warn("projection batch failed on an event; applying it event by event", "projection", p.Name(), "err", err)
	var parked []projections.Parked
	err = r.batchTx(ctx, p, from, batch, checkpoint, func(tx pgx.Tx) error {
		var err error
		if parked, err = r.applyEach(ctx, tx, p, schema, batch); err != nil {
			return err
		}
		if checkpoint {
			return park(ctx, tx, parked)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if checkpoint {
		logParked(r.log, parked)
	}
	return parked, nil
}

// batchTx runs apply in a transaction, with the checkpoint handling
// applyBatch describes.
func (r *Runner) batchTx(ctx context.Context, p Projection, from eventstore.Position, batch []eventstore.RecordedEvent, checkpoint bool, apply func(pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, r.pool, func(tx pgx.Tx) error {
		if checkpoint {
			var c, pr int64
			if err := tx.QueryRow(ctx, `SELECT commit_pos, prepare_pos FROM projection_checkpoints WHERE name = $1 FOR UPDATE`, p.Name()).Scan(&c, &pr); err != nil {
				return fmt.Errorf("lock checkpoint: %w", err)
			}
			if (eventstore.Position{Commit: uint64(c), Prepare: uint64(pr)}) != from {
				return errCheckpointMoved
			}
		}
		if err := apply(tx); err != nil {
			return err
		}
		if checkpoint {
			if err := bumpEpoch(ctx, tx, p, batch); err != nil {
				return err
			}
			if err := r.bumpLearnerEpochs(ctx, tx, p, batch); err != nil {
				return err
			}
			last := batch[len(batch)-1].Position
			if _, err := tx.Exec(ctx, `UPDATE projection_checkpoints SET commit_pos = $2, prepare_pos = $3, updated_at = now() WHERE name = $1`,
				p.Name(), int64(last.Commit), int64(last.Prepare)); err != nil {
				return fmt.Errorf("move checkpoint: %w", err)
			}
		}
		return nil
	})
}

func (r *Runner) applyEvents(ctx context.Context, tx pgx.Tx, p Projection, schema string, batch []eventstore.RecordedEvent) error {
	if err := setSearchPath(ctx, tx, schema); err != nil {
		return err
	}
	pt := newPipeTx(tx, pipelineDepth)
	for _, rec := range batch {
		if !r.codec.Knows(rec.Type) {
			continue // an event this build does not know: not for us
		}
		if err := r.applyOne(ctx, pt, p, rec); err != nil {
			return err
		}
	}
	if err := pt.flush(ctx); err != nil {
		return fmt.Errorf("projection %s: apply %d events up to %s: %w", p.Name(), len(batch), batch[len(batch)-1].Position, err)
	}
	return nil
}

// applyPage applies a decoded page: whole to a Paged projection, else
// event by event through Apply.
func (r *Runner) applyPage(ctx context.Context, tx pgx.Tx, p Projection, schema string, page []projections.Event) error {
	if len(page) == 0 {
		return nil
	}
	if err := setSearchPath(ctx, tx, schema); err != nil {
		return err
	}
	pt := newPipeTx(tx, pipelineDepth)
	if pp, ok := p.(Paged); ok {
		if err := pp.ApplyPage(ctx, pt, page); err != nil {
			return fmt.Errorf("projection %s: apply a page of %d events up to %s: %w", p.Name(), len(page), page[len(page)-1].Rec.Position, err)
		}
	} else {
		for _, ev := range page {
			if err := p.Apply(ctx, pt, ev.Rec, ev.Event); err != nil {
				return fmt.Errorf("projection %s: apply %s %s at %s: %w", p.Name(), ev.Rec.Type, ev.Rec.ID, ev.Rec.Position, err)
			}
		}
	}
	if err := pt.flush(ctx); err != nil {
		return fmt.Errorf("projection %s: apply a page of %d events up to %s: %w", p.Name(), len(page), page[len(page)-1].Rec.Position, err)
	}
	return nil
}

// decodePage decodes the events of batch the codec knows, or says which
// one it cannot decode.
func (r *Runner) decodePage(batch []eventstore.RecordedEvent) ([]projections.Event, error) {
	page := make([]projections.Event, 0, len(batch))
	for _, rec := range batch {
		if !r.codec.Knows(rec.Type) {
			continue
		}
		e, err := r.codec.Decode(rec.Type, rec.Data)
		if err != nil {
			return nil, fmt.Errorf("event %s at %s: %w", rec.ID, rec.Position, err)
		}
		page = append(page, projections.Event{Rec: rec, Event: e})
	}
	return page, nil
}

// pipelineDepth is how many statements a batch queues before sending them.
const pipelineDepth = 500

// applyOne decodes and applies one event the codec knows.
func (r *Runner) applyOne(ctx context.Context, tx pgx.Tx, p Projection, rec eventstore.RecordedEvent) error {
	e, err := r.codec.Decode(rec.Type, rec.Data)
	if err != nil {
		return fmt.Errorf("projection %s: event %s at %s: %w", p.Name(), rec.ID, rec.Position, undecodable{err})
	}
	if err := p.Apply(ctx, tx, rec, e); err != nil {
		return fmt.Errorf("projection %s: apply %s %s at %s: %w", p.Name(), rec.Type, rec.ID, rec.Position, err)
	}
	return nil
}

func wait(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
