package audit_test

import (
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/awareportal/portal/domain"
	dir "github.com/awareportal/portal/domain/directory"
	dom "github.com/awareportal/portal/domain/learning"
	"github.com/awareportal/portal/domain/registry"
	"github.com/awareportal/portal/internal/audit"
	"github.com/awareportal/portal/internal/eventstore"
	"github.com/awareportal/portal/internal/eventstore/pgstore"
	"github.com/awareportal/portal/internal/testenv"
)

// bigHistory writes about n events for one client: learners, each with
// assignments that were started, progressed through and completed.
func bigHistory(b *testing.B, n int) (*pgstore.Store, []string, time.Time) {
	b.Helper()
	db := testenv.DB(b)
	store := pgstore.New(db.Pool)
	b.Cleanup(store.Close)
	repo := eventstore.Repository{Store: store, Codec: registry.Codec()}
	ctx := context.Background()
	t0 := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	meta := eventstore.Metadata{ActorID: "bench"}
	written, i := 0, 0
	var streams []string
	for written < n {
		id := fmt.Sprintf("l-%05d", i)
		if _, err := repo.Append(ctx, dir.LearnerStream(id), eventstore.NoStream, meta, dir.LearnerProvisioned{LearnerID: id, ClientID: "bigco", Email: id + "@bigco.example", FirstName: "L", At: t0}); err != nil {
			b.Fatal(err)
		}
		streams = append(streams, dir.LearnerStream(id))
		written++
		for k := range 4 {
			aid := fmt.Sprintf("%s-%d", id, k)
			at := t0.Add(time.Duration(k*30) * 24 * time.Hour)
			var a dom.Assignment
			var evs []domain.Event
			add := func(e []domain.Event, err error) {
				if err != nil {
					b.Fatal(err)
				}
				for _, x := range e {
					a.Apply(x)
				}
				evs = append(evs, e...)
			}
			add(dom.Assign(&a, dom.CourseAssigned{AssignmentID: aid, LearnerID: id, ClientID: "bigco", CourseID: fmt.Sprint("c", k), CourseTitle: "Course", Lessons: 3, PassMark: 75, AvailableFrom: at, DueAt: at.Add(20 * 24 * time.Hour)}, at))
			add(a.MarkAvailable("", at), nil)
			add(a.Start(at.Add(time.Hour)))
			for l := 1; l <= 3; l++ {
				add(a.SaveProgress(l, at.Add(time.Hour+time.Duration(l)*time.Minute)))
			}
			add(a.SubmitQuiz(map[string]string{"q": "a"}, map[string]string{"q": "a"}, "C-"+aid, at.Add(2*time.Hour)))
			if _, err := repo.Append(ctx, dom.Stream(aid), eventstore.NoStream, meta, evs...); err != nil {
				b.Fatal(err)
			}
			streams = append(streams, dom.Stream(aid))
			written += len(evs)
		}
		i++
	}
	return store, streams, t0
}

// BenchmarkAsOfClient100k replays a client with about 100,000 events to its
// state at an instant (halfway through its history).
func BenchmarkAsOfClient100k(b *testing.B) {
	store, streams, t0 := bigHistory(b, 100_000)
	codec := registry.Codec()
	at := t0.Add(75 * 24 * time.Hour)
	b.ResetTimer()
	for range b.N {
		st, err := audit.AsOf(context.Background(), store, codec, audit.Scope{ClientID: "bigco", Streams: streams}, at, audit.Occurred)
		if err != nil {
			b.Fatal(err)
		}
		if len(st.Learners) < 1000 {
			b.Fatalf("%d learners", len(st.Learners))
		}
		b.ReportMetric(float64(st.Events), "events")
	}
}

// BenchmarkExportClient100k streams the same client's history as CloudEvents.
func BenchmarkExportClient100k(b *testing.B) {
	store, streams, _ := bigHistory(b, 100_000)
	b.ResetTimer()
	for range b.N {
		n, err := audit.Export(context.Background(), store, audit.Selection{Streams: streams}, audit.JSONLines, "https://training.example.com", io.Discard)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(n), "events")
	}
}

// BenchmarkVerify100k checks the hash chains of about 100,000 events.
func BenchmarkVerify100k(b *testing.B) {
	store, _, _ := bigHistory(b, 100_000)
	b.ResetTimer()
	for range b.N {
		rep, err := audit.Verify(context.Background(), store)
		if err != nil || !rep.OK() {
			b.Fatalf("%v %v", err, rep.Problems)
		}
	}
}
