package pgprogress

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/awareportal/portal/projections/progress"
)

// Queries reads the learning read model.
type Queries struct {
	Pool *pgxpool.Pool
}

const assignmentCols = `id, learner_id, client_id, course_id, course_version, title, lessons, pass_mark, available_from, due_at, assigned_at,
	available, started_at, lesson, attempts, last_score, overdue, completed_at, score, time_taken_secs, on_time, coalesce(certificate_id, '')`

func scanAssignment(row pgx.Row) (progress.Assignment, error) {
	var a progress.Assignment
	err := row.Scan(&a.ID, &a.LearnerID, &a.ClientID, &a.CourseID, &a.CourseVersion, &a.Title, &a.Lessons, &a.PassMark, &a.AvailableFrom, &a.DueAt, &a.AssignedAt,
		&a.Available, &a.StartedAt, &a.Lesson, &a.Attempts, &a.LastScore, &a.Overdue, &a.CompletedAt, &a.Score, &a.TimeTakenSecs, &a.OnTime, &a.CertificateID)
	return a, err
}

// Assignment returns one assignment, or progress.ErrNotFound.
func (q Queries) Assignment(ctx context.Context, id string) (progress.Assignment, error) {
	a, err := scanAssignment(q.Pool.QueryRow(ctx, `SELECT `+assignmentCols+` FROM rm_progress.assignments WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return progress.Assignment{}, fmt.Errorf("assignment %s: %w", id, progress.ErrNotFound)
	}
	if err != nil {
		return progress.Assignment{}, fmt.Errorf("assignment %s: %w", id, err)
	}
	return a, nil
}

// ForLearner returns all of a learner's assignments, soonest due first.
func (q Queries) ForLearner(ctx context.Context, learnerID string) ([]progress.Assignment, error) {
	rows, err := q.Pool.Query(ctx, `SELECT `+assignmentCols+` FROM rm_progress.assignments WHERE learner_id = $1 ORDER BY due_at, id`, learnerID)
	if err != nil {
		return nil, fmt.Errorf("assignments of %s: %w", learnerID, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (progress.Assignment, error) { return scanAssignment(r) })
	if err != nil {
		return nil, fmt.Errorf("assignments of %s: %w", learnerID, err)
	}
	return out, nil
}

// OpenAnnounced lists a client's announced, unfinished assignments due
// before dueBefore (scheduled reminders), soonest due first.
func (q Queries) OpenAnnounced(ctx context.Context, clientID string, dueBefore time.Time) ([]progress.Assignment, error) {
	rows, err := q.Pool.Query(ctx, `SELECT `+assignmentCols+` FROM rm_progress.assignments
		WHERE client_id = $1 AND completed_at IS NULL AND available AND due_at < $2 ORDER BY due_at, id`, clientID, dueBefore)
	if err != nil {
		return nil, fmt.Errorf("open assignments of %s: %w", clientID, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (progress.Assignment, error) { return scanAssignment(r) })
	if err != nil {
		return nil, fmt.Errorf("open assignments of %s: %w", clientID, err)
	}
	return out, nil
}

// OpenCourse reports whether the learner has an unfinished assignment of a course.
func (q Queries) OpenCourse(ctx context.Context, learnerID, courseID string) (bool, error) {
	var open bool
	err := q.Pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM rm_progress.assignments WHERE learner_id = $1 AND course_id = $2 AND completed_at IS NULL)`, learnerID, courseID).Scan(&open)
	return open, err
}

// Certificate returns a certificate by id, or progress.ErrNotFound.
func (q Queries) Certificate(ctx context.Context, id string) (progress.Certificate, error) {
	var c progress.Certificate
	err := q.Pool.QueryRow(ctx, `SELECT id, assignment_id, learner_id, learner_name, course_title, completed_at, score FROM rm_progress.certificates WHERE id = $1`, id).
		Scan(&c.ID, &c.AssignmentID, &c.LearnerID, &c.LearnerName, &c.CourseTitle, &c.CompletedAt, &c.Score)
	if errors.Is(err, pgx.ErrNoRows) {
		return progress.Certificate{}, fmt.Errorf("certificate %s: %w", id, progress.ErrNotFound)
	}
	if err != nil {
		return progress.Certificate{}, fmt.Errorf("certificate %s: %w", id, err)
	}
	return c, nil
}

// Stats returns a learner's stats; a learner with no activity is not
// rated yet. Its three reads go to PostgreSQL together (one round trip).
func (q Queries) Stats(ctx context.Context, learnerID string) (progress.Stats, error) {
	var s progress.Stats
	var b pgx.Batch
	b.Queue(`SELECT available, completed, on_time, overdue_open, avg_score, risk, rated FROM rm_progress.learner_stats WHERE learner_id = $1`, learnerID).
		QueryRow(func(row pgx.Row) error {
			err := row.Scan(&s.Available, &s.Completed, &s.OnTime, &s.OverdueOpen, &s.AvgScore, &s.Risk, &s.Rated)
			if errors.Is(err, pgx.ErrNoRows) {
				return nil
			}
			return err
		})
	b.Queue(`SELECT at, score FROM rm_progress.risk_history WHERE learner_id = $1 ORDER BY at, seq`, learnerID).
		Query(func(rows pgx.Rows) (err error) {
			s.History, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (progress.RiskPoint, error) {
				var p progress.RiskPoint
				return p, r.Scan(&p.At, &p.Score)
			})
			return err
		})
	b.Queue(`SELECT badge, earned_at FROM rm_progress.badges WHERE learner_id = $1 ORDER BY earned_at, badge`, learnerID).
		Query(func(rows pgx.Rows) (err error) {
			s.Badges, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (progress.Badge, error) {
				var b progress.Badge
				return b, r.Scan(&b.ID, &b.EarnedAt)
			})
			return err
		})
	if err := q.Pool.SendBatch(ctx, &b).Close(); err != nil {
		return progress.Stats{}, fmt.Errorf("stats of %s: %w", learnerID, err)
	}
	return s, nil
}

// Leaderboard ranks a client's learners by how long they took to complete a
// course (first open to completion); ties go to whoever finished first, and
// equal times at the same moment share a rank. It reads only the top rows,
// in index order.
func (q Queries) Leaderboard(ctx context.Context, clientID, courseID string, limit int) ([]progress.Entry, error) {
	rows, err := q.Pool.Query(ctx, `SELECT a.learner_id, trim(l.first_name || ' ' || l.last_name), a.time_taken_secs, a.completed_at
		FROM rm_progress.assignments a JOIN rm_progress.learners l ON l.id = a.learner_id
		WHERE a.client_id = $1 AND a.course_id = $2 AND a.completed_at IS NOT NULL
		ORDER BY a.time_taken_secs, a.completed_at, a.id
		LIMIT $3`, clientID, courseID, limit)
	if err != nil {
		return nil, fmt.Errorf("leaderboard: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (progress.Entry, error) {
		var e progress.Entry
		return e, r.Scan(&e.LearnerID, &e.Name, &e.TimeTakenSecs, &e.CompletedAt)
	})
	if err != nil {
		return nil, fmt.Errorf("leaderboard: %w", err)
	}
	for i := range out {
		out[i].Rank = i + 1
		if i > 0 && out[i].TimeTakenSecs == out[i-1].TimeTakenSecs && out[i].CompletedAt.Equal(out[i-1].CompletedAt) {
			out[i].Rank = out[i-1].Rank
		}
	}
	return out, nil
}

// LeaderboardRank is one learner's row on a course's leaderboard (their
// best completion), for when they are outside the shown top rows: their
// row and the count of rows ahead of it (on the leaderboard index) in one
// statement.
func (q Queries) LeaderboardRank(ctx context.Context, clientID, courseID, learnerID string) (progress.Entry, bool, error) {
	e := progress.Entry{LearnerID: learnerID}
	err := q.Pool.QueryRow(ctx, `SELECT me.name, me.time_taken_secs, me.completed_at,
			1 + (SELECT count(*) FROM rm_progress.assignments o
				WHERE o.client_id = $1 AND o.course_id = $2 AND o.completed_at IS NOT NULL
				AND (o.time_taken_secs, o.completed_at) < (me.time_taken_secs, me.completed_at))
		FROM (SELECT trim(l.first_name || ' ' || l.last_name) AS name, a.time_taken_secs, a.completed_at
			FROM rm_progress.assignments a JOIN rm_progress.learners l ON l.id = a.learner_id
			WHERE a.client_id = $1 AND a.course_id = $2 AND a.learner_id = $3 AND a.completed_at IS NOT NULL
			ORDER BY a.time_taken_secs, a.completed_at LIMIT 1) me`, clientID, courseID, learnerID).Scan(&e.Name, &e.TimeTakenSecs, &e.CompletedAt, &e.Rank)
	if errors.Is(err, pgx.ErrNoRows) {
		return progress.Entry{}, false, nil
	}
	if err != nil {
		return progress.Entry{}, false, fmt.Errorf("leaderboard rank: %w", err)
	}
	return e, true, nil
}

// ClientStatus summarises every learner's assignments at a client.
func (q Queries) ClientStatus(ctx context.Context, clientID string, now time.Time) (map[string]progress.LearnerStatus, error) {
	rows, err := q.Pool.Query(ctx, `SELECT learner_id, count(*), count(*) FILTER (WHERE completed_at IS NOT NULL),
			count(*) FILTER (WHERE completed_at IS NULL AND due_at < $2)
		FROM rm_progress.assignments WHERE client_id = $1 GROUP BY learner_id`, clientID, now)
	if err != nil {
		return nil, fmt.Errorf("client status: %w", err)
	}
	out := map[string]progress.LearnerStatus{}
	for rows.Next() {
		var s progress.LearnerStatus
		if err := rows.Scan(&s.LearnerID, &s.Assigned, &s.Completed, &s.Overdue); err != nil {
			rows.Close()
			return nil, err
		}
		if s.Assigned > 0 {
			s.CompletionPercent = s.Completed * 100 / s.Assigned
		}
		out[s.LearnerID] = s
	}
	return out, rows.Err()
}

// DueForNotice lists assignments that became available but were not announced.
func (q Queries) DueForNotice(ctx context.Context, now time.Time, limit int) ([]string, error) {
	return q.ids(ctx, `SELECT id FROM rm_progress.assignments WHERE NOT available AND completed_at IS NULL AND available_from <= $1 ORDER BY available_from LIMIT $2`, now, limit)
}

// DueForOverdue lists assignments past their due date not yet marked overdue.
func (q Queries) DueForOverdue(ctx context.Context, now time.Time, limit int) ([]string, error) {
	return q.ids(ctx, `SELECT id FROM rm_progress.assignments WHERE NOT overdue AND completed_at IS NULL AND due_at <= $1 ORDER BY due_at LIMIT $2`, now, limit)
}

func (q Queries) ids(ctx context.Context, sql string, args ...any) ([]string, error) {
	rows, err := q.Pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

var _ progress.Queries = Queries{}
