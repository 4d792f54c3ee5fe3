package progress

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// ErrNotFound is returned when a lookup finds nothing.
var ErrNotFound = errors.New("not found")

// Assignment is one assigned course and the learner's progress in it.
type Assignment struct {
	ID, LearnerID, ClientID, CourseID string
	CourseVersion                     int
	Title                             string
	Lessons, PassMark                 int
	AvailableFrom, DueAt, AssignedAt  time.Time
	Available                         bool
	StartedAt                         *time.Time
	Lesson, Attempts                  int
	LastScore                         *int
	Overdue                           bool
	CompletedAt                       *time.Time
	Score                             *int
	TimeTakenSecs                     *int64
	OnTime                            *bool
	CertificateID                     string
}

// Completed reports whether the course is done.
func (a Assignment) Completed() bool { return a.CompletedAt != nil }

// IsOverdue reports whether the due date has passed without completion.
func (a Assignment) IsOverdue(now time.Time) bool { return !a.Completed() && now.After(a.DueAt) }

// IsUpcoming reports whether it is not available yet.
func (a Assignment) IsUpcoming(now time.Time) bool {
	return !a.Completed() && now.Before(a.AvailableFrom)
}

// IsDue reports whether it is available and not completed.
func (a Assignment) IsDue(now time.Time) bool { return !a.Completed() && !now.Before(a.AvailableFrom) }

// Percent is how far through the course the learner is (the quiz counts as a step).
func (a Assignment) Percent() int {
	if a.Completed() {
		return 100
	}
	return a.Lesson * 100 / (a.Lessons + 1)
}

// Queries reads the learning read model.
type Queries struct {
	Pool *pgxpool.Pool
}

const assignmentCols = `id, learner_id, client_id, course_id, course_version, title, lessons, pass_mark, available_from, due_at, assigned_at,
	available, started_at, lesson, attempts, last_score, overdue, completed_at, score, time_taken_secs, on_time, coalesce(certificate_id, '')`

func scanAssignment(row pgx.Row) (Assignment, error) {
	var a Assignment
	err := row.Scan(&a.ID, &a.LearnerID, &a.ClientID, &a.CourseID, &a.CourseVersion, &a.Title, &a.Lessons, &a.PassMark, &a.AvailableFrom, &a.DueAt, &a.AssignedAt,
		&a.Available, &a.StartedAt, &a.Lesson, &a.Attempts, &a.LastScore, &a.Overdue, &a.CompletedAt, &a.Score, &a.TimeTakenSecs, &a.OnTime, &a.CertificateID)
	return a, err
}

// Assignment returns one assignment, or ErrNotFound.
func (q Queries) Assignment(ctx context.Context, id string) (Assignment, error) {
	a, err := scanAssignment(q.Pool.QueryRow(ctx, `SELECT `+assignmentCols+` FROM rm_progress.assignments WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return Assignment{}, fmt.Errorf("assignment %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return Assignment{}, fmt.Errorf("assignment %s: %w", id, err)
	}
	return a, nil
}

// ForLearner returns all of a learner's assignments, soonest due first.
func (q Queries) ForLearner(ctx context.Context, learnerID string) ([]Assignment, error) {
	rows, err := q.Pool.Query(ctx, `SELECT `+assignmentCols+` FROM rm_progress.assignments WHERE learner_id = $1 ORDER BY due_at, id`, learnerID)
	if err != nil {
		return nil, fmt.Errorf("assignments of %s: %w", learnerID, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Assignment, error) { return scanAssignment(r) })
	if err != nil {
		return nil, fmt.Errorf("assignments of %s: %w", learnerID, err)
	}
	return out, nil
}

// OpenCourse reports whether the learner has an unfinished assignment of a course.
func (q Queries) OpenCourse(ctx context.Context, learnerID, courseID string) (bool, error) {
	var open bool
	err := q.Pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM rm_progress.assignments WHERE learner_id = $1 AND course_id = $2 AND completed_at IS NULL)`, learnerID, courseID).Scan(&open)
	return open, err
}

// Certificate is what a certificate shows and its public page confirms.
type Certificate struct {
	ID, AssignmentID, LearnerID, LearnerName, CourseTitle string
	CompletedAt                                           time.Time
	Score                                                 int
}

// Certificate returns a certificate by id, or ErrNotFound.
func (q Queries) Certificate(ctx context.Context, id string) (Certificate, error) {
	var c Certificate
	err := q.Pool.QueryRow(ctx, `SELECT id, assignment_id, learner_id, learner_name, course_title, completed_at, score FROM rm_progress.certificates WHERE id = $1`, id).
		Scan(&c.ID, &c.AssignmentID, &c.LearnerID, &c.LearnerName, &c.CourseTitle, &c.CompletedAt, &c.Score)
	if errors.Is(err, pgx.ErrNoRows) {
		return Certificate{}, fmt.Errorf("certificate %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return Certificate{}, fmt.Errorf("certificate %s: %w", id, err)
	}
	return c, nil
}

// Stats is a learner's My Stats.
type Stats struct {
	Available, Completed, OnTime, OverdueOpen int
	AvgScore                                  float64
	Risk                                      int
	History                                   []RiskPoint
	Badges                                    []Badge
}

// CompletionRate is completed / available, in percent (100 with nothing due).
func (s Stats) CompletionRate() int {
	if s.Available == 0 {
		return 100
	}
	return s.Completed * 100 / s.Available
}

// RiskPoint is the score at a moment.
type RiskPoint struct {
	At    time.Time
	Score int
}

// Badge is an earned badge.
type Badge struct {
	ID       string
	EarnedAt time.Time
}

// Stats returns a learner's stats; a learner with no activity gets the
// neutral score.
func (q Queries) Stats(ctx context.Context, learnerID string, neutral int) (Stats, error) {
	s := Stats{Risk: neutral}
	err := q.Pool.QueryRow(ctx, `SELECT available, completed, on_time, overdue_open, avg_score, risk FROM rm_progress.learner_stats WHERE learner_id = $1`, learnerID).
		Scan(&s.Available, &s.Completed, &s.OnTime, &s.OverdueOpen, &s.AvgScore, &s.Risk)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return Stats{}, fmt.Errorf("stats of %s: %w", learnerID, err)
	}
	rows, err := q.Pool.Query(ctx, `SELECT at, score FROM rm_progress.risk_history WHERE learner_id = $1 ORDER BY at, seq`, learnerID)
	if err != nil {
		return Stats{}, err
	}
	s.History, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (RiskPoint, error) {
		var p RiskPoint
		return p, r.Scan(&p.At, &p.Score)
	})
	if err != nil {
		return Stats{}, err
	}
	rows, err = q.Pool.Query(ctx, `SELECT badge, earned_at FROM rm_progress.badges WHERE learner_id = $1 ORDER BY earned_at, badge`, learnerID)
	if err != nil {
		return Stats{}, err
	}
	s.Badges, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Badge, error) {
		var b Badge
		return b, r.Scan(&b.ID, &b.EarnedAt)
	})
	return s, err
}

// Entry is one row of a leaderboard.
type Entry struct {
	Rank          int
	LearnerID     string
	Name          string
	TimeTakenSecs int64
	CompletedAt   time.Time
}

// Leaderboard ranks a client's learners by how long they took to complete a
// course (first open to completion); ties go to whoever finished first, and
// equal times at the same moment share a rank. It reads only the top rows,
// in index order.
func (q Queries) Leaderboard(ctx context.Context, clientID, courseID string, limit int) ([]Entry, error) {
	rows, err := q.Pool.Query(ctx, `SELECT a.learner_id, trim(l.first_name || ' ' || l.last_name), a.time_taken_secs, a.completed_at
		FROM rm_progress.assignments a JOIN rm_progress.learners l ON l.id = a.learner_id
		WHERE a.client_id = $1 AND a.course_id = $2 AND a.completed_at IS NOT NULL
		ORDER BY a.time_taken_secs, a.completed_at, a.id
		LIMIT $3`, clientID, courseID, limit)
	if err != nil {
		return nil, fmt.Errorf("leaderboard: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Entry, error) {
		var e Entry
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
// best completion), for when they are outside the shown top rows.
func (q Queries) LeaderboardRank(ctx context.Context, clientID, courseID, learnerID string) (Entry, bool, error) {
	e := Entry{LearnerID: learnerID}
	err := q.Pool.QueryRow(ctx, `SELECT trim(l.first_name || ' ' || l.last_name), a.time_taken_secs, a.completed_at
		FROM rm_progress.assignments a JOIN rm_progress.learners l ON l.id = a.learner_id
		WHERE a.client_id = $1 AND a.course_id = $2 AND a.learner_id = $3 AND a.completed_at IS NOT NULL
		ORDER BY a.time_taken_secs, a.completed_at LIMIT 1`, clientID, courseID, learnerID).Scan(&e.Name, &e.TimeTakenSecs, &e.CompletedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return Entry{}, false, nil
	}
	if err != nil {
		return Entry{}, false, fmt.Errorf("leaderboard rank: %w", err)
	}
	err = q.Pool.QueryRow(ctx, `SELECT 1 + count(*) FROM rm_progress.assignments
		WHERE client_id = $1 AND course_id = $2 AND completed_at IS NOT NULL AND (time_taken_secs, completed_at) < ($3, $4)`,
		clientID, courseID, e.TimeTakenSecs, e.CompletedAt).Scan(&e.Rank)
	if err != nil {
		return Entry{}, false, fmt.Errorf("leaderboard rank: %w", err)
	}
	return e, true, nil
}

// LearnerStatus is one learner's aggregate training status (admin API, My Team).
type LearnerStatus struct {
	LearnerID                    string
	Assigned, Completed, Overdue int
	CompletionPercent            int
}

// ClientStatus summarises every learner's assignments at a client.
func (q Queries) ClientStatus(ctx context.Context, clientID string, now time.Time) (map[string]LearnerStatus, error) {
	rows, err := q.Pool.Query(ctx, `SELECT learner_id, count(*), count(*) FILTER (WHERE completed_at IS NOT NULL),
			count(*) FILTER (WHERE completed_at IS NULL AND due_at < $2)
		FROM rm_progress.assignments WHERE client_id = $1 GROUP BY learner_id`, clientID, now)
	if err != nil {
		return nil, fmt.Errorf("client status: %w", err)
	}
	out := map[string]LearnerStatus{}
	for rows.Next() {
		var s LearnerStatus
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
