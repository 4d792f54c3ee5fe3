package pgrunner

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/awareportal/portal/internal/eventstore"
	"github.com/awareportal/portal/projections"
)

// maxParkedError bounds the stored error text (it can quote the data).
const maxParkedError = 2000

func newParked(p Projection, rec eventstore.RecordedEvent, err error) projections.Parked {
	msg := err.Error()
	if len(msg) > maxParkedError {
		msg = msg[:maxParkedError] + "…"
	}
	return projections.Parked{Projection: p.Name(), EventID: rec.ID, Position: rec.Position, Type: rec.Type, Stream: rec.Stream, TenantID: rec.Metadata.TenantID, Error: msg}
}

// undecodable is an event whose stored payload does not decode into its
// type: the same on every try.
type undecodable struct{ err error }

func (u undecodable) Error() string { return u.err.Error() }
func (u undecodable) Unwrap() error { return u.err }

// parkable reports whether err, from applying one event, is about that
// event rather than about the moment: a payload that does not decode, or a
// Postgres error about the data (a value too long for an index, a broken
// constraint, a bad value). Never parked, so the batch is retried whole:
// lost or broken connections, cancelled contexts, serialization failures
// and deadlocks (class 40), lack of resources (53), objects in use or
// locked (55), operator intervention (57), system and internal errors (58,
// XX), transaction-state errors (25), mistakes in the projection's own SQL
// (42, the same for every event: a bug to fix, not data to park), and any
// error that is not from Postgres (a projection's own error may be
// transient; it stops the projection as before).
func parkable(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, errCheckpointMoved) {
		return false
	}
	if errors.As(err, new(undecodable)) {
		return true
	}
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || len(pe.Code) < 2 {
		return false
	}
	switch pe.Code[:2] {
	case "08", "25", "40", "42", "53", "55", "57", "58", "XX":
		return false
	}
	return true
}

// applyEach applies batch event by event, each under a savepoint; an event
// whose apply fails with a parkable error is rolled back alone and
// returned as parked. Any other error ends the batch.
func (r *Runner) applyEach(ctx context.Context, tx pgx.Tx, p Projection, schema string, batch []eventstore.RecordedEvent) ([]projections.Parked, error) {
	if err := setSearchPath(ctx, tx, schema); err != nil {
		return nil, err
	}
	var parked []projections.Parked
	for _, rec := range batch {
		if !r.codec.Knows(rec.Type) {
			continue
		}
		sp, err := tx.Begin(ctx)
		if err != nil {
			return nil, err
		}
		applyErr := r.applyOne(ctx, sp, p, rec)
		if applyErr == nil {
			if err := sp.Commit(ctx); err != nil {
				return nil, err
			}
			continue
		}
		if err := sp.Rollback(ctx); err != nil {
			return nil, errors.Join(applyErr, err)
		}
		if !parkable(applyErr) {
			return nil, applyErr
		}
		parked = append(parked, newParked(p, rec, applyErr))
	}
	return parked, nil
}

// park records parked events (a later record of the same event replaces
// an earlier one).
func park(ctx context.Context, tx pgx.Tx, parked []projections.Parked) error {
	for _, pk := range parked {
		_, err := tx.Exec(ctx, `INSERT INTO projection_parked (projection, event_id, commit_pos, prepare_pos, event_type, stream, tenant_id, error)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
			ON CONFLICT (projection, event_id) DO UPDATE SET error = EXCLUDED.error, parked_at = now()`,
			pk.Projection, pk.EventID, int64(pk.Position.Commit), int64(pk.Position.Prepare), pk.Type, pk.Stream, pk.TenantID, pk.Error)
		if err != nil {
			return fmt.Errorf("park event %s: %w", pk.EventID, err)
		}
	}
	return nil
}

// logParked is the alert: one ERROR line per parked event.
func logParked(log *slog.Logger, parked []projections.Parked) {
	for _, pk := range parked {
		log.Error("projection parked an event it cannot apply; it goes on with the next (see portal projections parked)",
			"projection", pk.Projection, "event_id", pk.EventID, "type", pk.Type, "stream", pk.Stream,
			"tenant", pk.TenantID, "position", pk.Position, "err", pk.Error)
	}
}

// Parked lists parked events, oldest first, at most limit of them, and how
// many there are in all.
func (r *Runner) Parked(ctx context.Context, limit int) ([]projections.Parked, int, error) {
	return r.parked(ctx, "", limit)
}

// ParkedOfTenant is Parked for one tenant (a partner), for that partner's
// support staff.
func (r *Runner) ParkedOfTenant(ctx context.Context, tenantID string, limit int) ([]projections.Parked, int, error) {
	if tenantID == "" {
		return nil, 0, errors.New("parked events of a tenant: no tenant given")
	}
	return r.parked(ctx, tenantID, limit)
}

// parked lists parked events of tenantID, or of everyone when it is "".
func (r *Runner) parked(ctx context.Context, tenantID string, limit int) ([]projections.Parked, int, error) {
	var total int
	if err := r.pool.QueryRow(ctx, `SELECT count(*) FROM projection_parked WHERE $1 = '' OR tenant_id = $1`, tenantID).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count parked events: %w", err)
	}
	rows, err := r.pool.Query(ctx, `SELECT projection, event_id, commit_pos, prepare_pos, event_type, stream, tenant_id, error, parked_at
		FROM projection_parked WHERE $1 = '' OR tenant_id = $1 ORDER BY commit_pos, prepare_pos, projection LIMIT $2`, tenantID, limit)
	if err != nil {
		return nil, 0, fmt.Errorf("list parked events: %w", err)
	}
	list, err := pgx.CollectRows(rows, scanParked)
	if err != nil {
		return nil, 0, fmt.Errorf("list parked events: %w", err)
	}
	return list, total, nil
}

func scanParked(row pgx.CollectableRow) (projections.Parked, error) {
	var pk projections.Parked
	var c, pr int64
	err := row.Scan(&pk.Projection, &pk.EventID, &c, &pr, &pk.Type, &pk.Stream, &pk.TenantID, &pk.Error, &pk.ParkedAt)
	pk.Position = eventstore.Position{Commit: uint64(c), Prepare: uint64(pr)}
	return pk, err
}
