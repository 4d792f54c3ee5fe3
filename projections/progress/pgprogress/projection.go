// Package pgprogress is the progress read model in PostgreSQL: its projection
// (schema rm_progress) and the queries behind progress.Queries.
package pgprogress

import (
	"context"
	"fmt"
	"time"

	"github.com/awareportal/portal/projections/progress"

	"github.com/jackc/pgx/v5"

	"github.com/awareportal/portal/domain"
	"github.com/awareportal/portal/domain/breach"
	dir "github.com/awareportal/portal/domain/directory"
	dom "github.com/awareportal/portal/domain/learning"
	"github.com/awareportal/portal/domain/phishing"
	"github.com/awareportal/portal/internal/eventstore"
)

// Name is the projection's name; tables live in schema rm_progress.
const Name = progress.Name

// Projection builds the learning read model.
type Projection struct{}

func (Projection) Name() string { return Name }
func (Projection) Version() int { return 6 } // 6: average score and the phishing window computed in Go

// Invalidates: pages cache the leaderboard (internal/readcache), which
// only a completion or a learner's name changes, and a learner's stats,
// which a breach-monitoring switch changes for many learners at once.
func (Projection) Invalidates(eventType string) bool {
	switch eventType {
	case dom.CourseCompleted{}.EventName(), dir.LearnerProvisioned{}.EventName(),
		breach.PartnerMonitoringSwitched{}.EventName(), breach.ClientMonitoringSwitched{}.EventName():
		return true
	}
	return false
}

// LearnersOf: pages cache a learner's assignments and stats
// (internal/readcache), which the events of their assignments, their
// breaches and their phishing results change (restat).
func (Projection) LearnersOf(e domain.Event) []string {
	switch ev := e.(type) {
	case breach.ExposuresRecorded:
		return []string{ev.LearnerID}
	case breach.ExposureResolved:
		return []string{ev.LearnerID}
	case breach.ExposureReopened:
		return []string{ev.LearnerID}
	case phishing.ResultRecorded:
		return []string{ev.LearnerID}
	case dom.CourseAssigned:
		return []string{ev.LearnerID}
	case dom.CourseBecameAvailable:
		return []string{ev.LearnerID}
	case dom.CourseStarted:
		return []string{ev.LearnerID}
	case dom.ProgressSaved:
		return []string{ev.LearnerID}
	case dom.QuizSubmitted:
		return []string{ev.LearnerID}
	case dom.CourseBecameOverdue:
		return []string{ev.LearnerID}
	case dom.CourseCompleted:
		return []string{ev.LearnerID}
	case dom.CertificateRequested:
		return []string{ev.LearnerID}
	}
	return nil
}

func (Projection) Schema() string {
	return `
CREATE TABLE learners (
    id         text PRIMARY KEY,
    client_id  text NOT NULL,
    first_name text NOT NULL,
    last_name  text NOT NULL
);
CREATE TABLE assignments (
    id              text PRIMARY KEY,
    learner_id      text NOT NULL,
    client_id       text NOT NULL,
    course_id       text NOT NULL,
    course_version  integer NOT NULL,
    title           text NOT NULL,
    lessons         integer NOT NULL,
    pass_mark       integer NOT NULL,
    available_from  timestamptz NOT NULL,
    due_at          timestamptz NOT NULL,
    assigned_at     timestamptz NOT NULL,
    available       boolean NOT NULL DEFAULT false,
    started_at      timestamptz,
    lesson          integer NOT NULL DEFAULT 0,
    attempts        integer NOT NULL DEFAULT 0,
    last_score      integer,
    overdue         boolean NOT NULL DEFAULT false,
    completed_at    timestamptz,
    score           integer,
    time_taken_secs bigint,
    on_time         boolean,
    certificate_id  text,
    certificates_requested integer NOT NULL DEFAULT 0
);
CREATE INDEX assignments_learner ON assignments (learner_id, due_at);
CREATE INDEX assignments_open ON assignments (client_id, due_at) WHERE completed_at IS NULL;
CREATE INDEX assignments_leaderboard ON assignments (client_id, course_id, time_taken_secs, completed_at, id) WHERE completed_at IS NOT NULL;
CREATE TABLE certificates (
    id           text PRIMARY KEY,
    assignment_id text NOT NULL,
    learner_id   text NOT NULL,
    learner_name text NOT NULL,
    course_title text NOT NULL,
    completed_at timestamptz NOT NULL,
    score        integer NOT NULL
);
CREATE TABLE learner_stats (
    learner_id   text PRIMARY KEY,
    available    integer NOT NULL,
    completed    integer NOT NULL,
    on_time      integer NOT NULL,
    overdue_open integer NOT NULL,
    avg_score    double precision NOT NULL,
    risk         integer NOT NULL,
    password_breaches integer NOT NULL DEFAULT 0,
    rated        boolean NOT NULL DEFAULT false -- learning.Rated: shown, and history kept, from then on
);
CREATE TABLE risk_history (
    learner_id text NOT NULL,
    seq        bigint NOT NULL,
    at         timestamptz NOT NULL,
    score      integer NOT NULL,
    PRIMARY KEY (learner_id, seq)
);
-- Dark Web Monitoring, as the risk score needs it: unresolved password
-- breaches count only while the partner's and the client's switch are on.
CREATE TABLE breach_exposures (
    learner_id text NOT NULL,
    breach_id  text NOT NULL,
    password   boolean NOT NULL,
    resolved   boolean NOT NULL DEFAULT false,
    PRIMARY KEY (learner_id, breach_id)
);
CREATE TABLE breach_partners (
    partner_id text PRIMARY KEY,
    enabled    boolean NOT NULL
);
CREATE TABLE breach_clients (
    client_id  text PRIMARY KEY,
    partner_id text NOT NULL,
    enabled    boolean NOT NULL
);
-- Phishing simulations, as the risk score needs them.
CREATE TABLE phishing_results (
    learner_id  text NOT NULL,
    campaign_id text NOT NULL,
    sent_at     timestamptz NOT NULL,
    compromised boolean NOT NULL,
    reported    boolean NOT NULL,
    PRIMARY KEY (learner_id, campaign_id)
);
CREATE TABLE badges (
    learner_id text NOT NULL,
    badge      text NOT NULL,
    earned_at  timestamptz NOT NULL,
    PRIMARY KEY (learner_id, badge)
);
`
}

func (p Projection) Apply(ctx context.Context, tx pgx.Tx, rec eventstore.RecordedEvent, e domain.Event) error {
	return apply(ctx, sqlFacts{tx}, rec, e)
}

// apply is Apply on facts: event by event (sqlFacts) or a rebuild's page
// (pageFacts).
func apply(ctx context.Context, f facts, rec eventstore.RecordedEvent, e domain.Event) error {
	switch ev := e.(type) {
	case dir.LearnerProvisioned:
		return f.addLearner(ctx, ev)
	case dom.CourseAssigned:
		return f.addAssignment(ctx, ev)
	case dom.CourseBecameAvailable:
		if err := f.setAssignment(ctx, ev.AssignmentID, func(a *assignmentFacts) { a.available = true },
			`UPDATE assignments SET available = true WHERE id = $1`, ev.AssignmentID); err != nil {
			return err
		}
		return restat(ctx, f, rec, ev.LearnerID, ev.At)
	case dom.CourseStarted:
		if err := f.setAssignment(ctx, ev.AssignmentID, func(a *assignmentFacts) { a.available = true },
			`UPDATE assignments SET available = true, started_at = $2 WHERE id = $1`, ev.AssignmentID, ev.At); err != nil {
			return err
		}
		return restat(ctx, f, rec, ev.LearnerID, ev.At)
	case dom.ProgressSaved:
		return f.exec(ctx, `UPDATE assignments SET lesson = $2 WHERE id = $1`, ev.AssignmentID, ev.Lesson)
	case dom.QuizSubmitted:
		return f.exec(ctx, `UPDATE assignments SET attempts = $2, last_score = $3 WHERE id = $1`, ev.AssignmentID, ev.Attempt, ev.Score)
	case dom.CourseBecameOverdue:
		if err := f.setAssignment(ctx, ev.AssignmentID, func(a *assignmentFacts) { a.overdue = true },
			`UPDATE assignments SET overdue = true WHERE id = $1`, ev.AssignmentID); err != nil {
			return err
		}
		return restat(ctx, f, rec, ev.LearnerID, ev.At)
	case dom.CourseCompleted:
		at, score, onTime := pgTime(ev.At), ev.Score, ev.OnTime
		if err := f.setAssignment(ctx, ev.AssignmentID, func(a *assignmentFacts) {
			a.completedAt, a.score, a.onTime, a.available = &at, &score, &onTime, true
		}, `UPDATE assignments SET completed_at = $2, score = $3, time_taken_secs = $4, on_time = $5, certificate_id = $6, available = true WHERE id = $1`,
			ev.AssignmentID, ev.At, ev.Score, ev.TimeTakenSecs, ev.OnTime, ev.CertificateID); err != nil {
			return err
		}
		if err := f.exec(ctx, `INSERT INTO certificates (id, assignment_id, learner_id, learner_name, course_title, completed_at, score)
			SELECT $1, $2, $3, trim(l.first_name || ' ' || l.last_name), $4, $5, $6 FROM learners l WHERE l.id = $3`,
			ev.CertificateID, ev.AssignmentID, ev.LearnerID, ev.CourseTitle, ev.At, ev.Score); err != nil {
			return err
		}
		if err := awardBadges(ctx, f, ev); err != nil {
			return err
		}
		return restat(ctx, f, rec, ev.LearnerID, ev.At)
	case breach.ExposuresRecorded, breach.ExposureResolved, breach.ExposureReopened, breach.PartnerMonitoringSwitched, breach.ClientMonitoringSwitched:
		return applyBreach(ctx, f, rec, e)
	case phishing.ResultRecorded:
		if err := f.phishingResult(ctx, ev); err != nil {
			return err
		}
		return restat(ctx, f, rec, ev.LearnerID, ev.At)
	case dom.CertificateRequested:
		return f.exec(ctx, `UPDATE assignments SET certificates_requested = certificates_requested + 1 WHERE id = $1`, ev.AssignmentID)
	}
	return nil
}

// restat recomputes a learner's stats and risk score, and adds a point to
// the risk history when the learner is rated and the score changed (or
// was just rated).
func restat(ctx context.Context, f facts, rec eventstore.RecordedEvent, learnerID string, at time.Time) error {
	in, err := f.riskInput(ctx, learnerID, at)
	if err != nil {
		return fmt.Errorf("restat %s: %w", learnerID, err)
	}
	risk, rated := dom.Risk(in), dom.Rated(in)
	previous, wasRated, err := f.setStats(ctx, learnerID, in, risk, rated)
	if err != nil {
		return fmt.Errorf("restat %s: %w", learnerID, err)
	}
	// The history starts when the learner is first rated (docs/risk-score.md).
	if !rated || (wasRated != nil && *wasRated && previous != nil && *previous == risk) {
		return nil
	}
	return f.exec(ctx, `INSERT INTO risk_history (learner_id, seq, at, score) VALUES ($1, $2, $3, $4)`,
		learnerID, int64(rec.Position.Prepare), at, risk)
}

// awardBadges gathers a completion's facts and awards what the domain
// says they earn (dom.EarnedBadges).
func awardBadges(ctx context.Context, f facts, ev dom.CourseCompleted) error {
	bf, err := f.badgeFacts(ctx, ev)
	if err != nil {
		return fmt.Errorf("badges: %w", err)
	}
	bf.Score, bf.Attempts = ev.Score, ev.Attempts
	for _, b := range dom.EarnedBadges(bf) {
		if err := f.exec(ctx, `INSERT INTO badges (learner_id, badge, earned_at) VALUES ($1,$2,$3) ON CONFLICT DO NOTHING`, ev.LearnerID, string(b), ev.At); err != nil {
			return fmt.Errorf("award %s: %w", b, err)
		}
	}
	return nil
}
