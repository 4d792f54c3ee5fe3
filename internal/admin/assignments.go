package admin

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/awareportal/portal/domain/reminder"
	"github.com/awareportal/portal/domain/tenancy"
	"github.com/awareportal/portal/internal/eventstore"
	"github.com/awareportal/portal/internal/training"
)

// AssignInput assigns a course to some of a client's learners, or all.
type AssignInput struct {
	CourseID      string   `json:"course_id"`
	LearnerIDs    []string `json:"learner_ids,omitempty"` // empty: every learner of the client
	AvailableFrom string   `json:"available_from,omitempty"`
	DueAt         string   `json:"due_at"`
	RequestID     string   `json:"request_id,omitempty"` // idempotency: the same id assigns once
}

// MaxLearnersPerAssign bounds one assignment call.
const MaxLearnersPerAssign = 10_000

// dueAt reads a due_at field (a day is due until its local midnight in
// loc) that must fall after after; problems go into v, naming due_at, with
// tooEarly when it does not.
func dueAt(v *ValidationError, s string, loc *time.Location, after time.Time, tooEarly string) time.Time {
	if s == "" {
		v.add("due_at", "is required")
		return time.Time{}
	}
	t, err := parseTime(s, loc, true)
	switch {
	case err != nil:
		v.add("due_at", "must be a date (2026-12-31) or an RFC 3339 time")
	case !t.After(after):
		v.add("due_at", tooEarly)
	default:
		return t
	}
	return time.Time{}
}

// parseTime reads an RFC 3339 time, or a date in the client's time zone:
// its start (available from) or, with endOfDay, its end (due on that day
// means due until the next local midnight).
func parseTime(s string, loc *time.Location, endOfDay bool) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	d, err := time.ParseInLocation("2006-01-02", s, loc)
	if err != nil || !endOfDay {
		return d, err
	}
	return reminder.EndOfDay(d.Year(), d.Month(), d.Day(), loc), nil
}

// Assign assigns a course; everything is checked before anything is written.
func (s *Service) Assign(ctx context.Context, partnerID, clientRef string, in AssignInput, actor string, meta eventstore.Metadata) (training.Assigned, error) {
	client, err := s.client(ctx, partnerID, clientRef)
	if err != nil {
		return training.Assigned{}, err
	}
	clientID := client.ID
	var v ValidationError
	if err := tenancy.Ref("course_id", in.CourseID); err != nil {
		v.check(err)
	} else if _, err := s.Catalog.Latest(in.CourseID); err != nil {
		v.add("course_id", "is not a course in the catalog (GET /api/v1/courses)")
	}
	if in.RequestID != "" {
		v.check(tenancy.Ref("request_id", in.RequestID))
	}
	if len(in.LearnerIDs) > MaxLearnersPerAssign {
		v.add("learner_ids", fmt.Sprintf("at most %d per call", MaxLearnersPerAssign))
		in.LearnerIDs = nil
	}
	now := s.Clock.Now()
	from := now
	if in.AvailableFrom != "" {
		t, err := parseTime(in.AvailableFrom, client.Location(), false)
		if err != nil {
			v.add("available_from", "must be a date (2026-12-01) or an RFC 3339 time")
		}
		from = t
	}
	due := dueAt(&v, in.DueAt, client.Location(), from, "must be after available_from (or now)")
	var learners []string
	if len(in.LearnerIDs) == 0 {
		all, err := s.Dir.LearnersOfClient(ctx, clientID)
		if err != nil {
			return training.Assigned{}, err
		}
		for _, l := range all {
			learners = append(learners, l.ID)
		}
		if len(learners) == 0 {
			v.add("learner_ids", "the client has no learners yet")
		}
	}
	for _, ref := range in.LearnerIDs {
		if err := tenancy.Ref("learner_ids", ref); err != nil {
			v.add("learner_ids", fmt.Sprintf("%q is not a learner id", short(ref)))
			continue
		}
		l, err := s.learner(ctx, partnerID, clientID, ref)
		if err != nil {
			v.add("learner_ids", fmt.Sprintf("%q is not a learner at this client", ref))
			continue
		}
		learners = append(learners, l.ID)
	}
	if err := v.err(); err != nil {
		return training.Assigned{}, err
	}
	if in.RequestID == "" {
		in.RequestID = uuid.NewString()
	}
	out, err := s.Training.Assign(ctx, tenancy.Scoped(partnerID, in.RequestID), training.AssignInput{
		CourseID: in.CourseID, LearnerIDs: learners, AvailableFrom: from, DueAt: due, AssignedBy: actor,
	}, meta)
	for i, id := range out.Skipped {
		out.Skipped[i] = tenancy.Unscoped(partnerID, id)
	}
	if err != nil {
		return out, err
	}
	if err := s.settle(ctx, out.Position); err != nil {
		return out, err
	}
	// Announce what is available now, instead of waiting for the next sweep.
	if s.Training.Mail != nil {
		if _, _, err := s.Training.Sweep(ctx); err != nil {
			return out, err
		}
	}
	return out, nil
}

// LearnerStatus is one learner's training status.
type LearnerStatus struct {
	ID                string `json:"id"`
	Email             string `json:"email"`
	Name              string `json:"name"`
	Assigned          int    `json:"assigned"`
	Completed         int    `json:"completed"`
	Overdue           int    `json:"overdue"`
	CompletionPercent int    `json:"completion_percent"`
}

// Status summarises a client's training.
func (s *Service) Status(ctx context.Context, partnerID, clientID string) ([]LearnerStatus, error) {
	client, err := s.client(ctx, partnerID, clientID)
	if err != nil {
		return nil, err
	}
	learners, err := s.Dir.LearnersOfClient(ctx, client.ID)
	if err != nil {
		return nil, err
	}
	st, err := s.Progress.ClientStatus(ctx, client.ID, s.Clock.Now())
	if err != nil {
		return nil, err
	}
	out := make([]LearnerStatus, 0, len(learners))
	for _, l := range learners {
		x := st[l.ID]
		out = append(out, LearnerStatus{ID: tenancy.Unscoped(partnerID, l.ID), Email: l.Email, Name: l.FullName(), Assigned: x.Assigned, Completed: x.Completed, Overdue: x.Overdue, CompletionPercent: x.CompletionPercent})
	}
	return out, nil
}
