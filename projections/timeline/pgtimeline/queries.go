package pgtimeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/awareportal/portal/projections/timeline"
)

// Queries reads the timeline.
type Queries struct {
	Pool *pgxpool.Pool
}

// Search finds learners by email or name among the given clients.
func (q Queries) Search(ctx context.Context, clientIDs []string, term string, limit int) ([]timeline.Person, error) {
	term = strings.TrimSpace(term)
	if term == "" {
		return nil, nil
	}
	like := "%" + strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(strings.ToLower(term)) + "%"
	rows, err := q.Pool.Query(ctx, `SELECT id, client_id, email, name FROM rm_timeline.learners
		WHERE client_id = ANY($1) AND (email LIKE $2 OR lower(name) LIKE $2)
		ORDER BY email = lower($3) DESC, name, email LIMIT $4`, clientIDs, like, term, limit)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (timeline.Person, error) {
		var p timeline.Person
		return p, r.Scan(&p.ID, &p.ClientID, &p.Email, &p.Name)
	})
}

// Person returns one learner, or timeline.ErrNotFound.
func (q Queries) Person(ctx context.Context, id string) (timeline.Person, error) {
	var p timeline.Person
	err := q.Pool.QueryRow(ctx, `SELECT id, client_id, email, name FROM rm_timeline.learners WHERE id = $1`, id).Scan(&p.ID, &p.ClientID, &p.Email, &p.Name)
	if errors.Is(err, pgx.ErrNoRows) {
		return timeline.Person{}, timeline.ErrNotFound
	}
	return p, err
}

func parseCursor(c string) (time.Time, int64, bool) {
	a, b, ok := strings.Cut(c, ".")
	if !ok {
		return time.Time{}, 0, false
	}
	micros, err1 := strconv.ParseInt(a, 10, 64)
	seq, err2 := strconv.ParseInt(b, 10, 64)
	if err1 != nil || err2 != nil {
		return time.Time{}, 0, false
	}
	return time.UnixMicro(micros), seq, true
}

// Entries returns a page of a learner's timeline, newest first, and the
// cursor for the next page ("" when this is the last).
func (q Queries) Entries(ctx context.Context, learnerID string, f timeline.Filter, limit int) ([]timeline.Entry, string, error) {
	sql := `SELECT seq, at, kind, category, stream, actor, details FROM rm_timeline.entries WHERE learner_id = $1`
	args := []any{learnerID}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if len(f.Categories) > 0 {
		sql += ` AND category = ANY(` + arg(f.Categories) + `)`
	}
	if f.NoStaff {
		sql += ` AND category <> 'staff'`
	}
	if !f.From.IsZero() {
		sql += ` AND at >= ` + arg(f.From)
	}
	if !f.To.IsZero() {
		sql += ` AND at < ` + arg(f.To)
	}
	if at, seq, ok := parseCursor(f.Before); ok {
		sql += ` AND (at, seq) < (` + arg(at) + `, ` + arg(seq) + `)`
	}
	sql += ` ORDER BY at DESC, seq DESC LIMIT ` + arg(limit+1)
	rows, err := q.Pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, "", fmt.Errorf("timeline: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (timeline.Entry, error) {
		var e timeline.Entry
		var raw []byte
		if err := r.Scan(&e.Seq, &e.At, &e.Kind, &e.Category, &e.Stream, &e.Actor, &raw); err != nil {
			return e, err
		}
		return e, json.Unmarshal(raw, &e.Details)
	})
	if err != nil {
		return nil, "", fmt.Errorf("timeline: %w", err)
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = timeline.Cursor(out[len(out)-1])
	}
	return out, next, nil
}

// StreamsOf lists the streams that concern the given learners (for exports).
func (q Queries) StreamsOf(ctx context.Context, learnerIDs []string) ([]string, error) {
	rows, err := q.Pool.Query(ctx, `SELECT DISTINCT stream FROM rm_timeline.links WHERE learner_id = ANY($1)
		UNION SELECT 'learner-' || id FROM rm_timeline.learners WHERE id = ANY($1)
		UNION SELECT 'access-' || id FROM rm_timeline.learners WHERE id = ANY($1)`, learnerIDs)
	if err != nil {
		return nil, fmt.Errorf("streams of learners: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// LearnersOfClient lists a client's learner ids.
func (q Queries) LearnersOfClient(ctx context.Context, clientID string) ([]string, error) {
	rows, err := q.Pool.Query(ctx, `SELECT id FROM rm_timeline.learners WHERE client_id = $1 ORDER BY id`, clientID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

var _ timeline.Queries = Queries{}
