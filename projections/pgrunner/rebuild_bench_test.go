package pgrunner_test

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/awareportal/portal/projections/readmodels"

	"github.com/jackc/pgx/v5"

	"github.com/awareportal/portal/domain"
	dir "github.com/awareportal/portal/domain/directory"
	dom "github.com/awareportal/portal/domain/learning"
	"github.com/awareportal/portal/domain/registry"
	"github.com/awareportal/portal/domain/signin"
	"github.com/awareportal/portal/domain/tenancy"
	"github.com/awareportal/portal/internal/eventstore"
	"github.com/awareportal/portal/internal/eventstore/pgstore"
	"github.com/awareportal/portal/internal/testenv"
	"github.com/awareportal/portal/projections/pgrunner"
)

// rebuildEvents is the size of BenchmarkRebuild1M's log: 1,000,000, or
// PORTAL_BENCH_EVENTS for a shorter run while developing.
func rebuildEvents(b *testing.B) int {
	n := 1_000_000
	if s := os.Getenv("PORTAL_BENCH_EVENTS"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil || n < 1000 {
			b.Fatalf("PORTAL_BENCH_EVENTS=%q: want a number of events, at least 1000", s)
		}
	}
	return n
}

// bigLog is a template database holding about n events of a realistic mix,
// made once per test binary: one partner, five clients, n/100 learners
// (10,000 for 1,000,000 events) spread over them, each with four course
// assignments (assigned, available, started, three lessons, the quiz, the
// certificate; one in four failed the quiz once first), and sign-ins (a
// link requested, a sign-in, by email link or code) up to about 100 events
// per learner.
func bigLog(b *testing.B, n int) string {
	return testenv.Template(b, fmt.Sprintf("rebuild-%d", n), func(ctx context.Context, db *testenv.Database) error {
		store := pgstore.New(db.Pool)
		defer store.Close()
		repo := eventstore.Repository{Store: store, Codec: registry.Codec()}
		t0 := time.Date(2025, 1, 6, 9, 0, 0, 0, time.UTC)
		meta := eventstore.Metadata{ActorID: "bench"}
		const partner = "northwind"
		if _, err := repo.Append(ctx, tenancy.PartnerStream(partner), eventstore.NoStream, meta, tenancy.PartnerRegistered{
			PartnerID: partner, Name: "Northwind IT", Slug: partner, AccentColor: "#0b7285", SupportEmail: "help@northwind.example", At: t0}); err != nil {
			return err
		}
		clients := make([]string, 5)
		for i := range clients {
			clients[i] = tenancy.Scoped(partner, fmt.Sprintf("client%d", i))
			if _, err := repo.Append(ctx, tenancy.ClientStream(clients[i]), eventstore.NoStream, meta, tenancy.ClientRegistered{
				ClientID: clients[i], PartnerID: partner, Name: fmt.Sprintf("Client %d", i), PortalEnabled: true, At: t0}); err != nil {
				return err
			}
		}
		learners := max(n/100, 1)
		work := make(chan int)
		errs := make(chan error, 16)
		var wg sync.WaitGroup
		for range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range work {
					if err := learnerHistory(ctx, repo, meta, clients[i%len(clients)], i, t0); err != nil {
						errs <- err
						return
					}
				}
			}()
		}
	feed:
		for i := range learners {
			select {
			case work <- i:
			case err := <-errs:
				close(work)
				wg.Wait()
				return err
			}
			if i == learners-1 {
				break feed
			}
		}
		close(work)
		wg.Wait()
		select {
		case err := <-errs:
			return err
		default:
		}
		_, err := db.Pool.Exec(ctx, `VACUUM ANALYZE events`)
		return err
	})
}

// learnerHistory appends one learner's ~100 events.
func learnerHistory(ctx context.Context, repo eventstore.Repository, meta eventstore.Metadata, client string, i int, t0 time.Time) error {
	id := fmt.Sprintf("%s.l%06d", client, i)
	email := fmt.Sprintf("l%06d@client.example", i)
	at := t0.Add(time.Duration(i) * time.Second)
	if _, err := repo.Append(ctx, dir.LearnerStream(id), eventstore.NoStream, meta, dir.LearnerProvisioned{
		LearnerID: id, ClientID: client, Email: email, FirstName: "Learner", LastName: strconv.Itoa(i), Source: dir.SourceManual, At: at}); err != nil {
		return err
	}
	events := 1
	for k := range 4 {
		aid := fmt.Sprintf("%s-a%d", id, k)
		from := at.Add(time.Duration(k*30) * 24 * time.Hour)
		var a dom.Assignment
		var evs []domain.Event
		var err error
		add := func(e []domain.Event, e2 error) {
			if e2 != nil && err == nil {
				err = e2
			}
			for _, x := range e {
				a.Apply(x)
			}
			evs = append(evs, e...)
		}
		add(dom.Assign(&a, dom.CourseAssigned{AssignmentID: aid, LearnerID: id, ClientID: client, CourseID: fmt.Sprint("course-", k), CourseTitle: fmt.Sprint("Course ", k), Lessons: 3, PassMark: 75, AvailableFrom: from, DueAt: from.Add(20 * 24 * time.Hour)}, from))
		add(a.MarkAvailable("", from), nil)
		add(a.Start(from.Add(time.Hour)))
		for l := 1; l <= 3; l++ {
			add(a.SaveProgress(l, from.Add(time.Hour+time.Duration(l)*time.Minute)))
		}
		key := map[string]string{"q1": "a", "q2": "b", "q3": "c", "q4": "d"}
		if (i+k)%4 == 0 {
			add(a.SubmitQuiz(map[string]string{"q1": "a", "q2": "a", "q3": "a", "q4": "a"}, key, "", from.Add(90*time.Minute))) // 25 %: failed
		}
		add(a.SubmitQuiz(key, key, "C-"+aid, from.Add(2*time.Hour)))
		if err != nil {
			return fmt.Errorf("assignment %s: %w", aid, err)
		}
		if _, err := repo.Append(ctx, dom.Stream(aid), eventstore.NoStream, meta, evs...); err != nil {
			return err
		}
		events += len(evs)
	}
	for s := 0; events < 100; s++ {
		rid := fmt.Sprintf("%s-s%d", id, s)
		when := at.Add(time.Duration(s) * 7 * 24 * time.Hour)
		method := signin.MethodEmailLink
		if s%3 == 2 {
			method = signin.MethodEmailCode
		}
		evs := append(signin.RequestLink(signin.LinkInput{RequestID: rid, Email: email, LearnerIDs: []string{id}, PartnerID: "northwind", Token: rid, Code: "123456", CodeKey: []byte("k")}, when),
			signin.SignedIn{RequestID: rid, Email: email, Method: method, SessionRef: rid, LearnerID: id, At: when.Add(time.Minute)})
		if _, err := repo.Append(ctx, signin.Stream(rid), eventstore.NoStream, meta, evs...); err != nil {
			return err
		}
		events += len(evs)
	}
	return nil
}

// BenchmarkRebuild1M rebuilds every read model (readmodels.All) from a
// log of 1,000,000 events (bigLog) with RebuildAll, and reports events/s,
// the ceiling measured in the same run (copyCeiling: the same log read in
// the same pages and written back with COPY, one row per event) and the
// ratio, and the process's RSS after the rebuild.
func BenchmarkRebuild1M(b *testing.B) {
	n := rebuildEvents(b)
	tmpl := bigLog(b, n)
	db := testenv.DBFrom(b, tmpl)
	store := pgstore.New(db.Pool)
	defer store.Close()
	ctx := context.Background()
	r := pgrunner.New(db.Pool, store, registry.Codec(), quiet, readmodels.All()...)
	if err := r.Setup(ctx); err != nil {
		b.Fatal(err)
	}
	total := countEvents(b, store)
	b.ResetTimer()
	b.StopTimer()
	ceiling := copyCeiling(b, db, store)
	b.StartTimer()
	for range b.N {
		if err := r.RebuildAll(ctx, r.Projections()...); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if _, parked, err := r.Parked(ctx, 1); err != nil || parked != 0 {
		b.Fatalf("%d events parked (%v): the generator writes what the projections refuse", parked, err)
	}
	rate := float64(total*b.N) / b.Elapsed().Seconds()
	b.ReportMetric(float64(total), "events")
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/rebuild")
	b.ReportMetric(rate, "events/s")
	b.ReportMetric(ceiling, "ceiling-events/s")
	b.ReportMetric(rate/ceiling, "ratio")
	runtime.GC()
	b.ReportMetric(rssMB("VmRSS"), "rss-MB")
	b.ReportMetric(rssMB("VmHWM"), "peak-rss-MB")
}

// BenchmarkCopyCeiling1M is the ceiling alone: the log of BenchmarkRebuild1M
// read in the same pages and written back with COPY, one row per event
// (id, stream, type, data) into a table without indexes: the least a
// rebuild that reads every event and writes something for it can do.
func BenchmarkCopyCeiling1M(b *testing.B) {
	db := testenv.DBFrom(b, bigLog(b, rebuildEvents(b)))
	store := pgstore.New(db.Pool)
	defer store.Close()
	var rate float64
	for range b.N {
		rate = copyCeiling(b, db, store)
	}
	b.ReportMetric(rate, "events/s")
}

func copyCeiling(b *testing.B, db *testenv.Database, store *pgstore.Store) float64 {
	ctx := context.Background()
	if _, err := db.Pool.Exec(ctx, `DROP TABLE IF EXISTS copy_ceiling; CREATE TABLE copy_ceiling (id uuid, stream text, type text, data jsonb)`); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	total := 0
	for pos := eventstore.Start; ; {
		page, err := store.ReadAll(ctx, pos, 5000)
		if err != nil {
			b.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		rows := make([][]any, len(page))
		for i, e := range page {
			rows[i] = []any{e.ID, e.Stream, e.Type, string(e.Data)}
		}
		if _, err := db.Pool.CopyFrom(ctx, pgx.Identifier{"copy_ceiling"}, []string{"id", "stream", "type", "data"}, pgx.CopyFromRows(rows)); err != nil {
			b.Fatal(err)
		}
		total += len(page)
		pos = page[len(page)-1].Position
	}
	return float64(total) / time.Since(start).Seconds()
}

func countEvents(b *testing.B, store *pgstore.Store) int {
	n := 0
	for pos := eventstore.Start; ; {
		page, err := store.ReadAll(context.Background(), pos, 10000)
		if err != nil {
			b.Fatal(err)
		}
		if len(page) == 0 {
			return n
		}
		n += len(page)
		pos = page[len(page)-1].Position
	}
}

// rssMB reads a memory line of /proc/self/status (VmRSS: now, VmHWM: peak).
func rssMB(field string) float64 {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return float64(kb) / 1024
		}
	}
	return 0
}

// BenchmarkRebuildEach rebuilds one read model at a time from bigLog, to
// show which of them a full rebuild waits on.
func BenchmarkRebuildEach(b *testing.B) {
	n := rebuildEvents(b)
	db := testenv.DBFrom(b, bigLog(b, n))
	store := pgstore.New(db.Pool)
	defer store.Close()
	ctx := context.Background()
	r := pgrunner.New(db.Pool, store, registry.Codec(), quiet, readmodels.All()...)
	if err := r.Setup(ctx); err != nil {
		b.Fatal(err)
	}
	total := countEvents(b, store)
	for _, p := range r.Projections() {
		b.Run(p.Name(), func(b *testing.B) {
			for range b.N {
				if err := r.Rebuild(ctx, p); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(total*b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}
