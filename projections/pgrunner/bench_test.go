package pgrunner_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/awareportal/portal/domain"
	"github.com/awareportal/portal/domain/directory"
	"github.com/awareportal/portal/domain/registry"
	"github.com/awareportal/portal/internal/eventstore"
	"github.com/awareportal/portal/internal/eventstore/pgstore"
	"github.com/awareportal/portal/internal/testenv"
	"github.com/awareportal/portal/projections/directory/pgdirectory"
	"github.com/awareportal/portal/projections/pgrunner"
)

// BenchmarkProjectDirectory measures projecting events into the directory
// read model: a full rebuild of 5,000 learners per iteration.
func BenchmarkProjectDirectory(b *testing.B) {
	db := testenv.DB(b)
	store := pgstore.New(db.Pool)
	defer store.Close()
	repo := eventstore.Repository{Store: store, Codec: registry.Codec()}
	ctx := context.Background()
	const learners = 5000
	for i := 0; i < learners; i += 100 {
		evs := make([]domain.Event, 0, 100)
		for j := i; j < i+100; j++ {
			id := fmt.Sprintf("l-%05d", j)
			evs = append(evs, directory.LearnerProvisioned{LearnerID: id, ClientID: "c1", Email: id + "@acme.example", FirstName: "L", LastName: "N", Source: directory.SourceManual})
		}
		if _, err := repo.Append(ctx, fmt.Sprintf("import-%d", i), eventstore.NoStream, eventstore.Metadata{}, evs...); err != nil {
			b.Fatal(err)
		}
	}
	r := pgrunner.New(db.Pool, store, registry.Codec(), quiet, pgdirectory.Projection{})
	if err := r.Setup(ctx); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		if err := r.Rebuild(ctx, pgdirectory.Projection{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(learners*b.N)/b.Elapsed().Seconds(), "events/s")
}
