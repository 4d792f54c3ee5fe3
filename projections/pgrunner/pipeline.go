package pgrunner

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// pipeTx is the transaction a projection's Apply gets when a whole batch is
// applied at once: its Exec statements are queued and sent to PostgreSQL
// together (a pgx.Batch: one round trip for many statements) instead of one
// round trip each. Anything that reads (Query, QueryRow), copies or ends
// the transaction sends the queue first, so it sees every earlier write, in
// order. An Exec's command tag is therefore empty and its error may come
// back from a later call; Apply must not count on either (Projection says
// so). Events applied one by one, under savepoints, get the plain
// transaction (applyEach).
type pipeTx struct {
	pgx.Tx
	queue *pgx.Batch
	max   int // statements queued before they are sent anyway
}

func newPipeTx(tx pgx.Tx, max int) *pipeTx { return &pipeTx{Tx: tx, queue: &pgx.Batch{}, max: max} }

// flush sends the queued statements and reports the first one that failed.
func (p *pipeTx) flush(ctx context.Context) error {
	if p.queue.Len() == 0 {
		return nil
	}
	q := p.queue
	p.queue = &pgx.Batch{}
	return p.Tx.SendBatch(ctx, q).Close()
}

func (p *pipeTx) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	if len(args) == 0 {
		// Maybe several statements (DDL, a temporary table's setup), which
		// only the simple protocol takes: send the queue, then run it.
		if err := p.flush(ctx); err != nil {
			return pgconn.CommandTag{}, err
		}
		return p.Tx.Exec(ctx, sql)
	}
	p.queue.Queue(sql, args...)
	if p.queue.Len() >= p.max {
		return pgconn.CommandTag{}, p.flush(ctx)
	}
	return pgconn.CommandTag{}, nil
}

func (p *pipeTx) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	if err := p.flush(ctx); err != nil {
		return nil, err
	}
	return p.Tx.Query(ctx, sql, args...)
}

func (p *pipeTx) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	if err := p.flush(ctx); err != nil {
		return errRow{err}
	}
	return p.Tx.QueryRow(ctx, sql, args...)
}

// SendBatch sends the queue, then b. When the queue failed, the
// transaction is aborted and b fails too.
func (p *pipeTx) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	_ = p.flush(ctx)
	return p.Tx.SendBatch(ctx, b)
}

func (p *pipeTx) CopyFrom(ctx context.Context, table pgx.Identifier, columns []string, src pgx.CopyFromSource) (int64, error) {
	if err := p.flush(ctx); err != nil {
		return 0, err
	}
	return p.Tx.CopyFrom(ctx, table, columns, src)
}

func (p *pipeTx) Begin(ctx context.Context) (pgx.Tx, error) {
	if err := p.flush(ctx); err != nil {
		return nil, err
	}
	return p.Tx.Begin(ctx)
}

func (p *pipeTx) Commit(ctx context.Context) error {
	if err := p.flush(ctx); err != nil {
		return err
	}
	return p.Tx.Commit(ctx)
}

type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }
