package audit_test

import (
	"context"
	"slices"
	"testing"
	"time"

	dir "github.com/awareportal/portal/domain/directory"
	dom "github.com/awareportal/portal/domain/learning"
	"github.com/awareportal/portal/domain/registry"
	"github.com/awareportal/portal/domain/staff"
	"github.com/awareportal/portal/internal/audit"
	"github.com/awareportal/portal/internal/clock"
	"github.com/awareportal/portal/internal/eventstore"
	"github.com/awareportal/portal/internal/eventstore/memstore"
)

// index is a stream index as the timeline read model would answer it.
type index struct {
	learners []string
	streams  map[string][]string
}

func (x index) LearnersOfClient(context.Context, string) ([]string, error) { return x.learners, nil }

func (x index) StreamsOf(_ context.Context, ids []string) ([]string, error) {
	var out []string
	for _, id := range ids {
		out = append(out, x.streams[id]...)
	}
	return out, nil
}

// TestAsOfProvisionedByThen replays a client through the contract on the
// memory store, on a fake clock: who appears depends on when they were
// provisioned, by the event's own time (occurred) or by the store's clock
// (recorded).
func TestAsOfProvisionedByThen(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	fake := clock.NewFake(t0)
	store := memstore.New(fake.Now)
	repo := eventstore.Repository{Store: store, Codec: registry.Codec()}
	meta := eventstore.Metadata{ActorID: "test"}
	provision := func(id, client string, at time.Time) {
		t.Helper()
		if _, err := repo.Append(ctx, dir.LearnerStream(id), eventstore.NoStream, meta,
			dir.LearnerProvisioned{LearnerID: id, ClientID: client, Email: id + "@acme.example", FirstName: id, At: at}); err != nil {
			t.Fatal(err)
		}
	}
	assign := func(learner, aid string, at time.Time) {
		t.Helper()
		var a dom.Assignment
		evs, err := dom.Assign(&a, dom.CourseAssigned{AssignmentID: aid, LearnerID: learner, ClientID: "acme", CourseID: "c", CourseTitle: "Phishing " + aid,
			Lessons: 3, PassMark: 75, AvailableFrom: at, DueAt: at.Add(20 * 24 * time.Hour)}, at)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range evs {
			a.Apply(e)
		}
		evs = append(evs, a.MarkAvailable("", at)...)
		if _, err := repo.Append(ctx, dom.Stream(aid), eventstore.NoStream, meta, evs...); err != nil {
			t.Fatal(err)
		}
	}

	provision("early", "acme", t0)
	assign("early", "early-2", t0.Add(2*time.Hour))
	assign("early", "early-1", t0.Add(3*time.Hour))
	provision("globex", "globex", t0) // another client's, listed by a stale index
	fake.Set(t0.Add(10 * 24 * time.Hour))
	provision("late", "acme", fake.Now())
	assign("late", "late-1", fake.Now())
	// Imported history: recorded on day 10, happened a month before t0.
	provision("imported", "acme", t0.Add(-30*24*time.Hour))
	if _, err := repo.Append(ctx, staff.AccessStream("early"), eventstore.NoStream, meta,
		staff.UserViewed{LearnerID: "early", StaffEmail: "sky@northwind.example", At: fake.Now()}); err != nil {
		t.Fatal(err)
	}

	idx := index{learners: []string{"early", "globex", "imported", "late"}, streams: map[string][]string{
		"early":    {"learner-early", "assignment-early-1", "assignment-early-2", "access-early"},
		"globex":   {"learner-globex"},
		"late":     {"learner-late", "assignment-late-1", "access-late"},
		"imported": {"learner-imported", "mail-never-sent"},
	}}
	svc := &audit.Service{Repo: repo, Store: store, Index: idx, Clock: fake}
	day5 := t0.Add(5 * 24 * time.Hour)
	cases := []struct {
		name     string
		scope    audit.Scope
		at       time.Time
		basis    audit.Basis
		learners []string
		events   int
	}{
		{"occurred, day 5: imported history counts, the late learner does not", audit.Scope{ClientID: "acme"}, day5, audit.Occurred, []string{"early", "imported"}, 1 + 2*2 + 1},
		{"recorded, day 5: only what the portal had recorded", audit.Scope{ClientID: "acme"}, day5, audit.Recorded, []string{"early"}, 1 + 2*2},
		{"recorded, before anyone", audit.Scope{ClientID: "acme"}, t0.Add(-time.Second), audit.Recorded, nil, 0},
		{"recorded, day 10: everyone of the client", audit.Scope{ClientID: "acme"}, fake.Now(), audit.Recorded, []string{"early", "imported", "late"}, 1 + 2*2 + 1 + 1 + 2},
		{"one learner, before provisioning", audit.Scope{LearnerID: "late"}, day5, audit.Occurred, nil, 0},
		{"one learner, after", audit.Scope{LearnerID: "late"}, fake.Now(), audit.Occurred, []string{"late"}, 1 + 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st, err := svc.AsOf(ctx, c.scope, c.at, c.basis)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, l := range st.Learners {
				got = append(got, l.LearnerID)
			}
			if !slices.Equal(got, c.learners) || st.Events != c.events {
				t.Fatalf("learners %v, %d events; want %v, %d", got, st.Events, c.learners, c.events)
			}
			for _, l := range st.Learners {
				if l.LearnerID != "early" {
					continue
				}
				// In the order they were assigned, not by id or stream.
				if len(l.Courses) != 2 || l.Courses[0].AssignmentID != "early-2" || l.Courses[1].AssignmentID != "early-1" || l.Courses[0].Status != "due" {
					t.Fatalf("early's courses: %+v", l.Courses)
				}
			}
		})
	}
}
