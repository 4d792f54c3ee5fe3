package reminder

import (
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/awareportal/portal/domain"
)

// ErrNoItems is a reminder about nothing.
var ErrNoItems = errors.New("a reminder needs at least one course")

// Schedule is what a learner's scheduled reminders covered so far.
type Schedule struct {
	LearnerID string
	Done      map[string]int // assignment id -> the last occasion reminded (Seq)
	ByMail    map[string]Sent
}

// NewSchedule is a learner never reminded.
func NewSchedule() *Schedule {
	return &Schedule{Done: map[string]int{}, ByMail: map[string]Sent{}}
}

// Apply folds an event into the schedule (made by NewSchedule).
func (s *Schedule) Apply(e domain.Event) {
	if ev, ok := e.(Sent); ok {
		s.LearnerID = ev.LearnerID
		for _, it := range ev.Items {
			s.Done[it.AssignmentID] = max(s.Done[it.AssignmentID], it.Seq)
		}
		s.ByMail[ev.MailID] = ev
	}
}

// RemindInput is one run's reminder for a learner: the occasion each
// course is reminded for, and how the email's id is derived from the
// learner and the items reminded (so a retry, or another process deciding
// the same, derives the same id).
type RemindInput struct {
	LearnerID, ClientID string
	Items               []Item
	MailID              func([]Item) string
}

// Remind records a scheduled reminder of the items not already covered
// (an item whose occasion is at or before the assignment's last reminded
// one is dropped). Nothing left: no event, no error (another process
// reminded first).
func Remind(s *Schedule, in RemindInput, now time.Time) ([]domain.Event, error) {
	if len(in.Items) == 0 {
		return nil, ErrNoItems
	}
	var items []Item
	for _, it := range in.Items {
		if it.Seq > s.Done[it.AssignmentID] {
			items = append(items, it)
		}
	}
	if len(items) == 0 {
		return nil, nil
	}
	slices.SortFunc(items, func(a, b Item) int {
		if c := a.DueAt.Compare(b.DueAt); c != 0 {
			return c
		}
		return strings.Compare(a.AssignmentID, b.AssignmentID)
	})
	return []domain.Event{Sent{LearnerID: in.LearnerID, ClientID: in.ClientID, MailID: in.MailID(items), Items: items, At: now}}, nil
}

// Digests are the weekly digests a manager was sent.
type Digests struct {
	ManagerID string
	Slots     map[string]bool
	ByMail    map[string]DigestSent
}

// NewDigests is a manager who never had a digest.
func NewDigests() *Digests {
	return &Digests{Slots: map[string]bool{}, ByMail: map[string]DigestSent{}}
}

// Apply folds an event into the digests (made by NewDigests).
func (d *Digests) Apply(e domain.Event) {
	if ev, ok := e.(DigestSent); ok {
		d.ManagerID = ev.ManagerID
		d.Slots[ev.Slot] = true
		d.ByMail[ev.MailID] = ev
	}
}

// SendDigest records the manager's digest for a slot, once: a slot
// already sent gives no event. Reports with nothing overdue are left out;
// none left: no digest.
func SendDigest(d *Digests, in DigestSent, now time.Time) ([]domain.Event, error) {
	if d.Slots[in.Slot] {
		return nil, nil
	}
	var reports []DigestReport
	for _, r := range in.Reports {
		if r.Overdue > 0 {
			reports = append(reports, r)
		}
	}
	if len(reports) == 0 {
		return nil, nil
	}
	in.Reports, in.At = reports, now
	return []domain.Event{in}, nil
}
