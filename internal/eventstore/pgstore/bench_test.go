package pgstore_test

import (
	"context"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/awareportal/portal/internal/eventstore"
	"github.com/awareportal/portal/internal/eventstore/pgstore"
	"github.com/awareportal/portal/internal/testenv"
)

var payload = []byte(`{"learner_id":"acme-sam","course_id":"spotting-phishing","score":92}`)

// BenchmarkAppend measures single-event appends by concurrent writers, each
// to its own streams (the common case: one learner, one stream).
func BenchmarkAppend(b *testing.B) {
	for _, par := range []int{1, 4, 16} {
		writers := par * runtime.GOMAXPROCS(0) // RunParallel's goroutines
		b.Run(fmt.Sprintf("writers=%d", writers), func(b *testing.B) {
			db := testenv.DB(b)
			s := pgstore.New(db.Pool)
			defer s.Close()
			var n atomic.Int64
			b.SetParallelism(par)
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				id := n.Add(1)
				v := int64(0)
				for pb.Next() {
					stream := fmt.Sprintf("learner-%d-%d", id, v/50)
					expected := eventstore.Exactly(v % 50)
					if _, err := s.Append(context.Background(), stream, expected, eventstore.EventData{Type: "bench.happened.v1", Data: payload}); err != nil {
						b.Fatal(err)
					}
					v++
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// BenchmarkAppendContended measures writers racing on one stream: the cost
// of optimistic concurrency when it conflicts.
func BenchmarkAppendContended(b *testing.B) {
	db := testenv.DB(b)
	s := pgstore.New(db.Pool)
	defer s.Close()
	var conflicts atomic.Int64
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := s.Append(context.Background(), "hot", eventstore.Any, eventstore.EventData{Type: "bench.happened.v1", Data: payload}); err != nil {
				conflicts.Add(1)
			}
		}
	})
	b.ReportMetric(float64(conflicts.Load())/float64(b.N), "conflicts/op")
}

// BenchmarkReadAll measures reading the global log in pages of 500.
func BenchmarkReadAll(b *testing.B) {
	db := testenv.DB(b)
	s := pgstore.New(db.Pool)
	defer s.Close()
	ctx := context.Background()
	const total = 10000
	batch := make([]eventstore.EventData, 100)
	for i := range batch {
		batch[i] = eventstore.EventData{Type: "bench.happened.v1", Data: payload}
	}
	for i := range total / len(batch) {
		if _, err := s.Append(ctx, fmt.Sprintf("s-%d", i), eventstore.NoStream, batch...); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for range b.N {
		pos, read := eventstore.Start, 0
		for {
			page, err := s.ReadAll(ctx, pos, 500)
			if err != nil {
				b.Fatal(err)
			}
			if len(page) == 0 {
				break
			}
			read += len(page)
			pos = page[len(page)-1].Position
		}
		if read != total {
			b.Fatalf("read %d", read)
		}
	}
	b.ReportMetric(float64(total*b.N)/b.Elapsed().Seconds(), "events/s")
}
