package audit

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/awareportal/portal/domain"
	dir "github.com/awareportal/portal/domain/directory"
	dom "github.com/awareportal/portal/domain/learning"
)

// Basis says which clock "as of" reads.
type Basis string

const (
	// Occurred: events that had happened by then, by their own time (for
	// imported history this is the original date).
	Occurred Basis = "occurred"
	// Recorded: events the system had recorded by then: what it showed then.
	Recorded Basis = "recorded"
)

// CourseState is one assignment as it was.
type CourseState struct {
	AssignmentID, Title string
	Status              string // upcoming, due, in progress, overdue, completed
	AvailableFrom       time.Time
	DueAt               time.Time
	CompletedAt         *time.Time
	Score               int
	Attempts            int
	CertificateID       string
	CertificatesEmailed int
}

// LearnerState is a learner as they were.
type LearnerState struct {
	LearnerID, Name, Email, ClientID string
	Courses                          []CourseState
	Assigned, Completed              int
	AvgScore                         float64
	Risk                             int
	Band                             string
}

// State is the replayed state of some learners at an instant.
type State struct {
	At       time.Time
	Basis    Basis
	Events   int // events replayed
	Learners []LearnerState
}

// Scope names whose state to replay: one learner, or a whole client.
type Scope struct {
	ClientID  string
	LearnerID string
}

type replay struct {
	learner     dir.LearnerProvisioned
	assignments map[string]*dom.Assignment
	order       []string
	completedAt map[string]time.Time
	onTime      map[string]bool
	emailed     map[string]int
}

// AsOf replays the event log up to at: nothing comes from today's read
// models. It reads the learner's (or client's) streams from the event
// store and folds them through the domain's aggregates.
func AsOf(ctx context.Context, pool *pgxpool.Pool, codec *domain.Codec, scope Scope, at time.Time, basis Basis) (State, error) {
	if basis == "" {
		basis = Occurred
	}
	when := `e.recorded_at`
	if basis == Occurred {
		when = `coalesce((e.data->>'at')::timestamptz, e.recorded_at)`
	}
	// The learners in scope, and their assignment streams, found in the log itself.
	rows, err := pool.Query(ctx, `
		WITH people AS (
			SELECT e.data->>'learner_id' AS id FROM events e
			WHERE e.type = 'directory.learner_provisioned.v1' AND `+when+` <= $1
			  AND (($2 <> '' AND e.data->>'client_id' = $2) OR e.data->>'learner_id' = $3)
		), streams AS (
			SELECT 'learner-' || id AS stream FROM people
			UNION
			SELECT e.stream FROM events e JOIN people p ON e.data->>'learner_id' = p.id
			WHERE e.type = 'learning.course_assigned.v1'
		)
		SELECT e.type, e.data, `+when+`
		FROM events e JOIN streams s ON s.stream = e.stream
		WHERE `+when+` <= $1
		ORDER BY e.txid, e.seq`, at, scope.ClientID, scope.LearnerID)
	if err != nil {
		return State{}, fmt.Errorf("as-of replay: %w", err)
	}
	defer rows.Close()
	st := State{At: at, Basis: basis}
	people := map[string]*replay{}
	get := func(id string) *replay {
		r, ok := people[id]
		if !ok {
			r = &replay{assignments: map[string]*dom.Assignment{}, completedAt: map[string]time.Time{}, onTime: map[string]bool{}, emailed: map[string]int{}}
			people[id] = r
		}
		return r
	}
	for rows.Next() {
		var typ string
		var data []byte
		var t time.Time
		if err := rows.Scan(&typ, &data, &t); err != nil {
			return State{}, err
		}
		if !codec.Knows(typ) {
			continue
		}
		e, err := codec.Decode(typ, data)
		if err != nil {
			return State{}, err
		}
		st.Events++
		switch ev := e.(type) {
		case dir.LearnerProvisioned:
			get(ev.LearnerID).learner = ev
		case dom.CourseAssigned:
			r := get(ev.LearnerID)
			a := &dom.Assignment{}
			a.Apply(ev)
			r.assignments[ev.AssignmentID] = a
			r.order = append(r.order, ev.AssignmentID)
		default:
			id, learner := assignmentOf(e)
			if id == "" {
				continue
			}
			r := get(learner)
			a, ok := r.assignments[id]
			if !ok {
				continue
			}
			a.Apply(e)
			switch ev := e.(type) {
			case dom.CourseCompleted:
				r.completedAt[id], r.onTime[id] = ev.At, ev.OnTime
			case dom.CertificateRequested:
				r.emailed[id]++
			}
		}
	}
	if err := rows.Err(); err != nil {
		return State{}, err
	}
	for id, r := range people {
		if r.learner.LearnerID == "" {
			continue // not provisioned by then
		}
		ls := LearnerState{LearnerID: id, Name: trim(r.learner.FirstName + " " + r.learner.LastName), Email: r.learner.Email, ClientID: r.learner.ClientID}
		var in dom.RiskInput
		var scoreSum int
		for _, aid := range r.order {
			a := r.assignments[aid]
			cs := CourseState{AssignmentID: aid, Title: a.CourseTitle, AvailableFrom: a.AvailableFrom, DueAt: a.DueAt, Attempts: a.Attempts, CertificateID: a.CertificateID, CertificatesEmailed: r.emailed[aid]}
			available := a.Notified || a.Started || a.Completed
			switch {
			case a.Completed:
				t := r.completedAt[aid]
				cs.Status, cs.CompletedAt, cs.Score = "completed", &t, a.Score
				in.Completed++
				scoreSum += a.Score
				if r.onTime[aid] {
					in.OnTime++
				}
			case a.Overdue:
				cs.Status = "overdue"
				in.OverdueOpen++
			case a.Started:
				cs.Status = "in progress"
			case available:
				cs.Status = "due"
			default:
				cs.Status = "upcoming"
			}
			if available {
				in.Available++
			}
			ls.Courses = append(ls.Courses, cs)
		}
		if in.Completed > 0 {
			in.AvgScore = float64(scoreSum) / float64(in.Completed)
		}
		ls.Assigned, ls.Completed, ls.AvgScore = len(ls.Courses), in.Completed, in.AvgScore
		ls.Risk = dom.Risk(in)
		ls.Band = dom.Band(ls.Risk)
		st.Learners = append(st.Learners, ls)
	}
	sort.Slice(st.Learners, func(i, j int) bool { return st.Learners[i].Name < st.Learners[j].Name })
	return st, nil
}

// assignmentOf names the assignment and learner a learning event is about.
func assignmentOf(e domain.Event) (string, string) {
	switch ev := e.(type) {
	case dom.CourseBecameAvailable:
		return ev.AssignmentID, ev.LearnerID
	case dom.CourseBecameOverdue:
		return ev.AssignmentID, ev.LearnerID
	case dom.CourseStarted:
		return ev.AssignmentID, ev.LearnerID
	case dom.ProgressSaved:
		return ev.AssignmentID, ev.LearnerID
	case dom.QuizSubmitted:
		return ev.AssignmentID, ev.LearnerID
	case dom.CourseCompleted:
		return ev.AssignmentID, ev.LearnerID
	case dom.CertificateRequested:
		return ev.AssignmentID, ev.LearnerID
	}
	return "", ""
}

func trim(s string) string {
	for len(s) > 0 && s[len(s)-1] == ' ' {
		s = s[:len(s)-1]
	}
	return s
}
