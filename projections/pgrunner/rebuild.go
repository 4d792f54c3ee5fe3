package pgrunner

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"golang.org/x/sync/errgroup"

	"github.com/awareportal/portal/internal/eventstore"
	"github.com/awareportal/portal/projections"
)

// Rebuild replays the whole log into a fresh schema beside the live one and
// swaps it in, so readers keep reading the old read model until the new one
// has caught up. The swap holds the projection's checkpoint row, which the
// live runner locks for every batch, so no event is applied to the old
// schema after the new one took over; the live runner then notices the
// moved checkpoint and carries on from it.
//
// Events the projection cannot apply are parked as the live runner parks
// them; at the swap, the projection's parked events become exactly those
// the rebuild parked, so a rebuild after a fix clears what it fixed.
func (r *Runner) Rebuild(ctx context.Context, p Projection) error { return r.RebuildAll(ctx, p) }

// RebuildAll rebuilds ps as Rebuild does, reading the log once for all of
// them: in pages of RebuildPage events, each page applied to every
// projection's new schema at once (on connections of their own, up to
// rebuildWorkers), one transaction per projection and page, with the
// statements pipelined (pipeTx). Then each is caught up and swapped in.
func (r *Runner) RebuildAll(ctx context.Context, ps ...Projection) error {
	if len(ps) == 0 {
		return nil
	}
	ps = slices.Clone(ps)
	slices.SortFunc(ps, func(a, b Projection) int { return strings.Compare(a.Name(), b.Name()) })
	conn, err := r.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer func() {
		_ = conn.Conn().Close(context.Background())
		conn.Release()
	}()
	// One rebuild of a projection at a time (locks taken in name order).
	for _, p := range ps {
		if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock(7420, $1)`, lockKey("rebuild:"+p.Name())); err != nil {
			return fmt.Errorf("rebuild %s: lock: %w", p.Name(), err)
		}
	}
	start := time.Now()
	for _, p := range ps {
		next := SchemaName(p.Name()) + "_next"
		err := pgx.BeginFunc(ctx, r.pool, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `DROP SCHEMA IF EXISTS `+pgx.Identifier{next}.Sanitize()+` CASCADE`); err != nil {
				return err
			}
			return createSchema(ctx, tx, p, next)
		})
		if err != nil {
			return fmt.Errorf("rebuild %s: create %s: %w", p.Name(), next, err)
		}
	}

	// Replay beside the live schemas, page by page: the next page is read
	// and decoded while this one is applied.
	rctx, stopReading := context.WithCancel(ctx)
	defer stopReading()
	pages := r.readPages(rctx, max(r.RebuildPage, 1))
	pos, events := eventstore.Start, 0
	parked := make([][]projections.Parked, len(ps))
	for pg := range pages {
		if pg.err != nil {
			return fmt.Errorf("rebuild: %w", pg.err)
		}
		g, gctx := errgroup.WithContext(ctx)
		g.SetLimit(rebuildWorkers)
		for i, p := range ps {
			g.Go(func() error {
				decoded := pg.decoded
				if r.EventByEvent {
					decoded = nil
				}
				more, err := r.applyBatch(gctx, p, SchemaName(p.Name())+"_next", pos, pg.batch, decoded, false)
				if err != nil {
					return fmt.Errorf("rebuild %s: %w", p.Name(), err)
				}
				parked[i] = append(parked[i], more...)
				return nil
			})
		}
		if err := g.Wait(); err != nil {
			return err
		}
		pos = pg.batch[len(pg.batch)-1].Position
		events += len(pg.batch)
	}
	for i, p := range ps {
		n, err := r.swap(ctx, p, pos, parked[i])
		if err != nil {
			return fmt.Errorf("rebuild %s: swap: %w", p.Name(), err)
		}
		logParked(r.log, parked[i])
		r.log.Info("projection rebuilt", "projection", p.Name(), "events", events+n, "parked", len(parked[i]), "took", time.Since(start).Round(time.Millisecond))
	}
	return nil
}

// rebuildPage is a page of the log a rebuild applies: the events, and
// the same decoded (nil when one of them cannot be: then every projection
// takes them event by event, which parks it).
type rebuildPage struct {
	batch   []eventstore.RecordedEvent
	decoded []projections.Event
	err     error
}

// readPages reads the whole log in pages of size and decodes them, one
// page ahead of the caller. The channel closes after the last page or an
// error (sent as a page); cancel ctx to stop early.
func (r *Runner) readPages(ctx context.Context, size int) <-chan rebuildPage {
	pages := make(chan rebuildPage, 1)
	go func() {
		defer close(pages)
		for pos := eventstore.Start; ; {
			batch, err := r.store.ReadAll(ctx, pos, size)
			if err == nil && len(batch) == 0 {
				return
			}
			pg := rebuildPage{batch: batch, err: err}
			if err == nil {
				if pg.decoded, err = r.decodePage(batch); err != nil {
					pg.decoded = nil
				}
				pos = batch[len(batch)-1].Position
			}
			select {
			case pages <- pg:
			case <-ctx.Done():
				return
			}
			if pg.err != nil {
				return
			}
		}
	}()
	return pages
}

// rebuildWorkers is how many projections a rebuild applies a page to at once.
const rebuildWorkers = 4

// swap catches p's new schema up from pos and swaps it in, in one
// transaction holding the checkpoint row; it returns the events caught up.
func (r *Runner) swap(ctx context.Context, p Projection, pos eventstore.Position, parked []projections.Parked) (int, error) {
	live := SchemaName(p.Name())
	next, old := live+"_next", live+"_old"
	events := 0
	err := pgx.BeginFunc(ctx, r.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO projection_checkpoints (name) VALUES ($1) ON CONFLICT DO NOTHING`, p.Name()); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `SELECT 1 FROM projection_checkpoints WHERE name = $1 FOR UPDATE`, p.Name()); err != nil {
			return err
		}
		for {
			batch, err := r.store.ReadAll(ctx, pos, r.BatchSize)
			if err != nil {
				return err
			}
			if len(batch) == 0 {
				break
			}
			more, err := r.catchUp(ctx, tx, p, next, batch)
			if err != nil {
				return err
			}
			parked = append(parked, more...)
			pos = batch[len(batch)-1].Position
			events += len(batch)
		}
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)`, live).Scan(&exists); err != nil {
			return err
		}
		if exists {
			if _, err := tx.Exec(ctx, `ALTER SCHEMA `+pgx.Identifier{live}.Sanitize()+` RENAME TO `+pgx.Identifier{old}.Sanitize()); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `ALTER SCHEMA `+pgx.Identifier{next}.Sanitize()+` RENAME TO `+pgx.Identifier{live}.Sanitize()); err != nil {
			return err
		}
		if exists {
			if _, err := tx.Exec(ctx, `DROP SCHEMA `+pgx.Identifier{old}.Sanitize()+` CASCADE`); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `DELETE FROM projection_parked WHERE projection = $1`, p.Name()); err != nil {
			return err
		}
		if err := park(ctx, tx, parked); err != nil {
			return err
		}
		if err := bumpEpoch(ctx, tx, p, nil); err != nil { // a rebuilt read model: every cached row is old
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE projection_checkpoints SET commit_pos = $2, prepare_pos = $3, version = $4, updated_at = now() WHERE name = $1`,
			p.Name(), int64(pos.Commit), int64(pos.Prepare), p.Version())
		return err
	})
	return events, err
}

// catchUp applies the swap's last events inside its transaction: all at
// once under a savepoint, and when an event fails with a parkable error,
// again event by event, parking what fails again.
func (r *Runner) catchUp(ctx context.Context, tx pgx.Tx, p Projection, schema string, batch []eventstore.RecordedEvent) ([]projections.Parked, error) {
	sp, err := tx.Begin(ctx)
	if err != nil {
		return nil, err
	}
	applyErr := r.applyEvents(ctx, sp, p, schema, batch)
	if applyErr == nil {
		return nil, sp.Commit(ctx)
	}
	if err := sp.Rollback(ctx); err != nil {
		return nil, errors.Join(applyErr, err)
	}
	if !parkable(applyErr) {
		return nil, applyErr
	}
	return r.applyEach(ctx, tx, p, schema, batch)
}

// WaitFor waits until every named projection (all, if none are named) has
// applied the event at pos, or ctx ends. It gives a learner's own action
// back to them in the response that follows it (read-your-writes).
func (r *Runner) WaitFor(ctx context.Context, pos eventstore.Position, names ...string) error {
	if len(names) == 0 {
		for _, p := range r.projections {
			names = append(names, p.Name())
		}
	}
	delay := 2 * time.Millisecond
	for {
		var behind int
		err := r.pool.QueryRow(ctx, `SELECT count(*) FROM projection_checkpoints
			WHERE name = ANY($1) AND (commit_pos, prepare_pos) < ($2, $3)`,
			names, int64(pos.Commit), int64(pos.Prepare)).Scan(&behind)
		if err != nil {
			return fmt.Errorf("wait for projections: %w", err)
		}
		if behind == 0 {
			return nil
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("wait for projections at %s: %w%s", pos, ctx.Err(), r.horizon())
		case <-t.C:
		}
		delay = min(delay*2, 50*time.Millisecond)
	}
}

// horizon names the oldest open transactions: they hold back the global
// log's read horizon, and so every projection.
func (r *Runner) horizon() string {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	rows, err := r.pool.Query(ctx, `SELECT pid, coalesce(datname, ''), coalesce(state, '') || ' xid=' || coalesce(backend_xid::text, '-') || ' horizon=' || pg_snapshot_xmin(pg_current_snapshot())::text, coalesce(now() - xact_start, '0'::interval)::text, left(query, 120)
		FROM pg_stat_activity WHERE backend_xid IS NOT NULL ORDER BY xact_start LIMIT 3`)
	if err != nil {
		return ""
	}
	defer rows.Close()
	out := ""
	for rows.Next() {
		var pid int
		var db, state, age, query string
		if rows.Scan(&pid, &db, &state, &age, &query) == nil {
			out += fmt.Sprintf("; open transaction pid %d in %s (%s for %s): %s", pid, db, state, age, query)
		}
	}
	var checkpoints string
	_ = r.pool.QueryRow(ctx, `SELECT string_agg(name || '@' || commit_pos || '/' || prepare_pos, ', ') FROM projection_checkpoints`).Scan(&checkpoints)
	return out + "; checkpoints " + checkpoints
}

// Lag is how far one projection is behind the event log.
type Lag struct {
	Projection string
	Behind     time.Duration // since the oldest event it has not applied was recorded; 0 when caught up
}

// Lags reads each projection's checkpoint and the first event after it:
// one lookup per projection, for metrics.
func (r *Runner) Lags(ctx context.Context, now time.Time) ([]Lag, error) {
	out := make([]Lag, 0, len(r.projections))
	for _, p := range r.projections {
		pos, err := r.checkpoint(ctx, p.Name())
		if err != nil {
			return out, err
		}
		next, err := r.store.ReadAll(ctx, pos, 1)
		if err != nil {
			return out, fmt.Errorf("lag of %s: %w", p.Name(), err)
		}
		l := Lag{Projection: p.Name()}
		if len(next) > 0 {
			l.Behind = max(now.Sub(next[0].RecordedAt), 0)
		}
		out = append(out, l)
	}
	return out, nil
}
