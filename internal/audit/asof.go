package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	ob "github.com/awareportal/portal/domain/onboarding"
	pol "github.com/awareportal/portal/domain/policy"

	"github.com/awareportal/portal/domain"
	dir "github.com/awareportal/portal/domain/directory"
	dom "github.com/awareportal/portal/domain/learning"
	"github.com/awareportal/portal/internal/eventstore"
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

// OnboardingStep is an onboarding module a learner had finished.
type OnboardingStep struct {
	Title        string
	At           time.Time
	Acknowledged bool // "I have read this" (policies)
}

// PolicyState is a policy a learner had been asked to sign.
type PolicyState struct {
	PolicyID, Title string
	Outstanding     bool      // not signed, or signed only before a version that asked to sign again
	DueAt           time.Time // the assignment's due date
	Version         int       // the highest version signed (0: none)
	SignedAt        time.Time
	TypedName       string
	SHA256          string // the signed document's
}

// LearnerState is a learner as they were.
type LearnerState struct {
	LearnerID, Name, Email, ClientID string
	Courses                          []CourseState
	Onboarding                       []OnboardingStep // in the order they were done
	Policies                         []PolicyState    // by title
	Assigned, Completed              int
	AvgScore                         float64
	Risk                             int
	Rated                            bool   // learning.Rated: false reads "Not rated yet"
	Band                             string // learning.Label
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
	// Streams are where their history is: the candidate learners' own
	// streams (learner-…) and their assignment streams (assignment-…), as
	// a read model's stream index lists them (Service.AsOf fills them in
	// from the timeline's). Other streams are ignored. AsOf decides from
	// the events themselves who was provisioned by then, and for which
	// client.
	Streams []string
}

type replay struct {
	learner     dir.LearnerProvisioned
	assignments map[string]*dom.Assignment
	assigned    map[string]eventstore.Position // where each assignment was made: the courses' order
	completedAt map[string]time.Time
	onTime      map[string]bool
	emailed     map[string]int
	onboarding  []OnboardingStep
	policies    []*pol.Request
}

// AsOf replays the event log up to at: nothing comes from today's read
// models but the list of streams to read. It reads scope.Streams through
// the store's contract (ReadStream), keeps the events that had happened
// (basis Occurred: the event's own "at") or had been recorded (Recorded) by
// at, and folds them through the domain's aggregates, stream by stream.
// Memory holds the fold's state and a few streams being read (readAhead).
func AsOf(ctx context.Context, store eventstore.Store, codec *domain.Codec, scope Scope, at time.Time, basis Basis) (State, error) {
	if basis == "" {
		basis = Occurred
	}
	// PostgreSQL compared at microsecond precision; so does this.
	atMicro := at.Truncate(time.Microsecond)
	st := State{At: at, Basis: basis}
	var learnerStreams, assignmentStreams, onboardingStreams, policyStreams []string
	seen := map[string]bool{}
	for _, s := range scope.Streams {
		switch {
		case seen[s]:
		case strings.HasPrefix(s, dir.LearnerStream("")):
			learnerStreams = append(learnerStreams, s)
		case strings.HasPrefix(s, dom.Stream("")):
			assignmentStreams = append(assignmentStreams, s)
		case strings.HasPrefix(s, ob.ProgressStream("")):
			onboardingStreams = append(onboardingStreams, s)
		case strings.HasPrefix(s, pol.RequestStreamPrefix):
			policyStreams = append(policyStreams, s)
		}
		seen[s] = true
	}
	// byThen keeps a stream's events of known types that had
	// happened (or been recorded) by at, decoded. owner is the stream's
	// first assignment, whenever it was made: an assignment stream belongs
	// to its learner even when its assignment came after at.
	type event struct {
		pos eventstore.Position
		e   domain.Event
	}
	assignedType := dom.CourseAssigned{}.EventName()
	byThen := func(evs []eventstore.RecordedEvent) (out []event, owner dom.CourseAssigned, err error) {
		for _, rec := range evs {
			if !codec.Knows(rec.Type) {
				continue
			}
			when := rec.RecordedAt
			if basis == Occurred {
				if when, err = occurredAt(rec); err != nil {
					return nil, owner, err
				}
			}
			later := when.After(atMicro)
			if later && (rec.Type != assignedType || owner.LearnerID != "") {
				continue
			}
			e, err := codec.Decode(rec.Type, rec.Data)
			if err != nil {
				return nil, owner, err
			}
			if a, ok := e.(dom.CourseAssigned); ok && owner.LearnerID == "" {
				owner = a
			}
			if !later {
				out = append(out, event{rec.Position, e})
			}
		}
		return out, owner, nil
	}

	// The learners in scope: provisioned by then, for the client (or the one learner).
	people := map[string]*replay{}
	err := eachStream(ctx, store, learnerStreams, func(_ string, recs []eventstore.RecordedEvent) error {
		evs, _, err := byThen(recs)
		if err != nil {
			return err
		}
		var r *replay
		for _, x := range evs {
			if ev, ok := x.e.(dir.LearnerProvisioned); ok && ((scope.ClientID != "" && ev.ClientID == scope.ClientID) || ev.LearnerID == scope.LearnerID) {
				if r = people[ev.LearnerID]; r == nil {
					r = &replay{assignments: map[string]*dom.Assignment{}, assigned: map[string]eventstore.Position{},
						completedAt: map[string]time.Time{}, onTime: map[string]bool{}, emailed: map[string]int{}}
					people[ev.LearnerID] = r
				}
				r.learner = ev
			}
		}
		if r != nil {
			st.Events += len(evs)
		}
		return nil
	})
	if err != nil {
		return State{}, fmt.Errorf("as-of replay: %w", err)
	}
	// Their assignments, each folded in its stream's order.
	err = eachStream(ctx, store, assignmentStreams, func(_ string, recs []eventstore.RecordedEvent) error {
		evs, owner, err := byThen(recs)
		if err != nil {
			return err
		}
		r := people[owner.LearnerID]
		if r == nil {
			return nil
		}
		st.Events += len(evs)
		for _, x := range evs {
			switch ev := x.e.(type) {
			case dom.CourseAssigned:
				a := &dom.Assignment{}
				a.Apply(ev)
				r.assignments[ev.AssignmentID] = a
				r.assigned[ev.AssignmentID] = x.pos
			default:
				id, _ := assignmentOf(x.e)
				a, ok := r.assignments[id]
				if id == "" || !ok {
					continue
				}
				a.Apply(x.e)
				switch ev := x.e.(type) {
				case dom.CourseCompleted:
					r.completedAt[id], r.onTime[id] = ev.At, ev.OnTime
				case dom.CertificateRequested:
					r.emailed[id]++
				}
			}
		}
		return nil
	})
	if err != nil {
		return State{}, fmt.Errorf("as-of replay: %w", err)
	}

	// Their onboarding: the steps done by then.
	err = eachStream(ctx, store, onboardingStreams, func(_ string, recs []eventstore.RecordedEvent) error {
		evs, _, err := byThen(recs)
		if err != nil {
			return err
		}
		for _, x := range evs {
			done, ok := x.e.(ob.ModuleCompleted)
			if r := people[done.LearnerID]; ok && r != nil {
				r.onboarding = append(r.onboarding, OnboardingStep{Title: done.Title, At: done.At, Acknowledged: done.Acknowledged})
				st.Events++
			}
		}
		return nil
	})
	if err != nil {
		return State{}, fmt.Errorf("as-of replay: %w", err)
	}

	// Their policy signature requests, and the policies' versions, by then.
	err = eachStream(ctx, store, policyStreams, func(_ string, recs []eventstore.RecordedEvent) error {
		evs, _, err := byThen(recs)
		if err != nil {
			return err
		}
		req := pol.NewRequest()
		for _, x := range evs {
			req.Apply(x.e)
		}
		if r := people[req.LearnerID]; req.Exists() && r != nil {
			r.policies = append(r.policies, req)
			st.Events += len(evs)
		}
		return nil
	})
	if err != nil {
		return State{}, fmt.Errorf("as-of replay: %w", err)
	}
	var policyOwn []string
	for _, r := range people {
		for _, req := range r.policies {
			if s := pol.Stream(req.PolicyID); !slices.Contains(policyOwn, s) {
				policyOwn = append(policyOwn, s)
			}
		}
	}
	slices.Sort(policyOwn)
	policiesThen := map[string]*pol.Policy{}
	err = eachStream(ctx, store, policyOwn, func(_ string, recs []eventstore.RecordedEvent) error {
		evs, _, err := byThen(recs)
		if err != nil {
			return err
		}
		p := &pol.Policy{}
		for _, x := range evs {
			p.Apply(x.e)
		}
		policiesThen[p.ID] = p
		return nil
	})
	if err != nil {
		return State{}, fmt.Errorf("as-of replay: %w", err)
	}

	ids := make([]string, 0, len(people))
	for id := range people {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		r := people[id]
		ls := LearnerState{LearnerID: id, Name: trim(r.learner.FirstName + " " + r.learner.LastName), Email: r.learner.Email, ClientID: r.learner.ClientID, Onboarding: r.onboarding}
		for _, req := range r.policies {
			p := policiesThen[req.PolicyID]
			if p == nil {
				p = &pol.Policy{}
			}
			ps := PolicyState{PolicyID: req.PolicyID, Title: req.Title, Outstanding: req.Outstanding(p), DueAt: req.DueAt, Version: req.LastSigned}
			if p.Title != "" {
				ps.Title = p.Title
			}
			if sig, ok := req.Signed[req.LastSigned]; ok {
				ps.SignedAt, ps.TypedName, ps.SHA256 = sig.At, sig.TypedName, sig.SHA256
			}
			ls.Policies = append(ls.Policies, ps)
		}
		slices.SortFunc(ls.Policies, func(a, b PolicyState) int { return strings.Compare(a.Title+a.PolicyID, b.Title+b.PolicyID) })
		order := make([]string, 0, len(r.assigned))
		for aid := range r.assigned {
			order = append(order, aid)
		}
		slices.SortFunc(order, func(a, b string) int { return comparePositions(r.assigned[a], r.assigned[b]) })
		var in dom.RiskInput
		var scoreSum int
		for _, aid := range order {
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
		ls.Risk, ls.Rated = dom.Risk(in), dom.Rated(in)
		ls.Band = dom.Label(ls.Risk, ls.Rated)
		st.Learners = append(st.Learners, ls)
	}
	slices.SortStableFunc(st.Learners, func(a, b LearnerState) int { return strings.Compare(a.Name, b.Name) })
	return st, nil
}

// occurredAt is when an event happened by its own clock: the "at" in its
// data, to the microsecond, or when it was recorded if it has none.
func occurredAt(rec eventstore.RecordedEvent) (time.Time, error) {
	var v struct {
		At *string `json:"at"`
	}
	if err := json.Unmarshal(rec.Data, &v); err != nil {
		return time.Time{}, fmt.Errorf("time of %s version %d: %w", rec.Stream, rec.Version, err)
	}
	if v.At == nil {
		return rec.RecordedAt, nil
	}
	t, err := time.Parse(time.RFC3339Nano, *v.At)
	if err != nil {
		return time.Time{}, fmt.Errorf("time of %s version %d: %w", rec.Stream, rec.Version, err)
	}
	return t.Round(time.Microsecond), nil
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

func comparePositions(a, b eventstore.Position) int {
	switch {
	case a.Less(b):
		return -1
	case b.Less(a):
		return 1
	}
	return 0
}
