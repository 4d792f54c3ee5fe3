// Package progress is the read model of assignments and what learners did
// with them: the Courses page, the player's place, certificates, My Stats
// (risk score, history, badges) and the leaderboard. Everything here is
// derived from events only, so a rebuild gives identical contents.
package progress

import (
	"context"
	"errors"
	"time"
)

// Name is the read model's projection name (its schema is rm_progress, its
// epoch row in read_model_epochs is this name).
const Name = "progress"

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

// Certificate is what a certificate shows and its public page confirms.
type Certificate struct {
	ID, AssignmentID, LearnerID, LearnerName, CourseTitle string
	CompletedAt                                           time.Time
	Score                                                 int
}

// Stats is a learner's My Stats.
type Stats struct {
	Available, Completed, OnTime, OverdueOpen int
	AvgScore                                  float64
	Risk                                      int
	// Rated: the learner has a score to show (learning.Rated); until
	// then Risk is computed but means nothing yet, and History is empty.
	Rated   bool
	History []RiskPoint
	Badges  []Badge
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

// Entry is one row of a leaderboard.
type Entry struct {
	Rank          int
	LearnerID     string
	Name          string
	TimeTakenSecs int64
	CompletedAt   time.Time
}

// LearnerStatus is one learner's aggregate training status (admin API, My Team).
type LearnerStatus struct {
	LearnerID                    string
	Assigned, Completed, Overdue int
	CompletionPercent            int
}

// Queries reads the read model (pgprogress.Queries, in PostgreSQL).
type Queries interface {
	// Assignment returns one assignment, or ErrNotFound.
	Assignment(ctx context.Context, id string) (Assignment, error)
	// ForLearner returns all of a learner's assignments, soonest due first.
	ForLearner(ctx context.Context, learnerID string) ([]Assignment, error)
	// OpenAnnounced lists a client's announced, unfinished assignments due
	// before dueBefore, soonest due first.
	OpenAnnounced(ctx context.Context, clientID string, dueBefore time.Time) ([]Assignment, error)
	// OpenCourse reports whether the learner has an unfinished assignment of a course.
	OpenCourse(ctx context.Context, learnerID, courseID string) (bool, error)
	// Certificate returns a certificate by id, or ErrNotFound.
	Certificate(ctx context.Context, id string) (Certificate, error)
	// Stats returns a learner's stats; a learner with no activity is not
	// rated yet.
	Stats(ctx context.Context, learnerID string) (Stats, error)
	// Leaderboard ranks a client's learners by how long they took to complete a
	// course (first open to completion); ties go to whoever finished first, and
	// equal times at the same moment share a rank. It reads only the top rows,
	// in index order.
	Leaderboard(ctx context.Context, clientID, courseID string, limit int) ([]Entry, error)
	// LeaderboardRank is one learner's row on a course's leaderboard (their
	// best completion), for when they are outside the shown top rows.
	LeaderboardRank(ctx context.Context, clientID, courseID, learnerID string) (Entry, bool, error)
	// ClientStatus summarises every learner's assignments at a client.
	ClientStatus(ctx context.Context, clientID string, now time.Time) (map[string]LearnerStatus, error)
	// DueForNotice lists assignments that became available but were not announced.
	DueForNotice(ctx context.Context, now time.Time, limit int) ([]string, error)
	// DueForOverdue lists assignments past their due date not yet marked overdue.
	DueForOverdue(ctx context.Context, now time.Time, limit int) ([]string, error)
}
