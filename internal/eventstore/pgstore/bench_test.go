package pgstore_test

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/awareportal/portal/internal/eventstore"
	"github.com/awareportal/portal/internal/eventstore/pgstore"
	"github.com/awareportal/portal/internal/testenv"
)

var payload = []byte(`{"learner_id":"acme-sam","course_id":"spotting-phishing","score":92}`)

// appendWriters are BenchmarkAppend's and BenchmarkAppendCeiling's writer
// counts.
var appendWriters = []int{2, 8, 32, 128}

// BenchmarkAppend measures single-event appends by concurrent writers, each
// to its own streams (the common case: one learner, one stream) with the
// expected version checked, on the test PostgreSQL (sync=off: fsync and
// synchronous_commit off) and on one that flushes every commit to disk
// (sync=on). Each run first measures the two ceilings with the same rows,
// writers and pool (see ceilingTables), and reports them and the ratios
// beside its own events/s: ratio against the identical table, ratio-bare
// against the table without the hash-chain trigger.
func BenchmarkAppend(b *testing.B) {
	benchAppend(b, "")
}

// BenchmarkAppendCeiling is a ceiling alone: what this PostgreSQL does with
// the same rows inserted one by one, one commit each, without version
// checks, into a copy of the events table with its hash-chain trigger
// (table=chained) or without it (table=bare).
func BenchmarkAppendCeiling(b *testing.B) {
	for _, table := range []string{"chained", "bare"} {
		b.Run("table="+table, func(b *testing.B) { benchAppend(b, table) })
	}
}

// ceilingTables are the ceiling's tables: copies of events (columns,
// defaults, identity, constraints, indexes), one with the same hash-chain
// trigger (computing prev_hash and hash on insert, as events does), one
// without (the rows then carry a hash the writer made up).
const ceilingTables = `
CREATE TABLE events_chained (LIKE events INCLUDING ALL);
CREATE FUNCTION events_chained_chain() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT hash INTO NEW.prev_hash FROM events_chained WHERE stream = NEW.stream AND version = NEW.version - 1;
    NEW.hash := event_hash(NEW.prev_hash, NEW.id, NEW.stream, NEW.version, NEW.type, NEW.data, NEW.metadata, NEW.recorded_at);
    RETURN NEW;
END;
$$;
CREATE TRIGGER events_chained_chain BEFORE INSERT ON events_chained FOR EACH ROW EXECUTE FUNCTION events_chained_chain();
CREATE TABLE events_bare (LIKE events INCLUDING ALL);`

// benchAppend runs BenchmarkAppend (ceiling "") or one of the ceilings.
func benchAppend(b *testing.B, ceiling string) {
	for _, durable := range []bool{false, true} {
		for _, writers := range appendWriters {
			name := fmt.Sprintf("sync=off/writers=%d", writers)
			if durable {
				name = fmt.Sprintf("sync=on/writers=%d", writers)
			}
			b.Run(name, func(b *testing.B) {
				db := testenv.DB(b)
				if durable {
					db = testenv.DurableDB(b)
				}
				pool := benchPool(b, db, writers)
				ctx := context.Background()
				if _, err := pool.Exec(ctx, ceilingTables); err != nil {
					b.Fatal(err)
				}
				var batches, appends atomic.Int64
				s := pgstore.New(pool, pgstore.WithBatchObserver(func(i pgstore.BatchInfo) {
					batches.Add(1)
					appends.Add(int64(i.Appends))
				}))
				defer s.Close()
				var run atomic.Int64
				r := run.Add(1)
				insert := func(table string) func(w int, v int64) error {
					var sql string
					switch table {
					case "chained":
						sql = `INSERT INTO events_chained (id, stream, version, type, data, metadata, recorded_at) VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7)`
					case "bare":
						sql = `INSERT INTO events_bare (id, stream, version, type, data, metadata, recorded_at, prev_hash, hash) VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7, $8, $9)`
					}
					hash := bytes.Repeat([]byte{7}, 32)
					return func(w int, v int64) error {
						args := []any{uuid.New(), fmt.Sprintf("c%d-w%d-%d", r, w, v/50), v%50 + 1, "bench.happened.v1", string(payload), "{}", time.Now()}
						if table == "bare" {
							var prev []byte
							if v%50 > 0 {
								prev = hash
							}
							args = append(args, prev, hash)
						}
						_, err := pool.Exec(ctx, sql, args...)
						return err
					}
				}
				b.ReportAllocs()
				b.ResetTimer()
				if ceiling != "" {
					got := appendLoad(b, writers, insert(ceiling))
					b.ReportMetric(got.rate, "events/s")
					b.ReportMetric(got.p50, "p50-ms")
					b.ReportMetric(got.p99, "p99-ms")
					return
				}
				b.StopTimer()
				chained := appendLoad(b, writers, insert("chained"))
				bare := appendLoad(b, writers, insert("bare"))
				b.StartTimer()
				got := appendLoad(b, writers, func(w int, v int64) error {
					_, err := s.Append(ctx, fmt.Sprintf("a%d-w%d-%d", r, w, v/50), eventstore.Exactly(v%50), eventstore.EventData{Type: "bench.happened.v1", Data: payload})
					return err
				})
				b.StopTimer()
				b.ReportMetric(got.rate, "events/s")
				b.ReportMetric(got.p50, "p50-ms")
				b.ReportMetric(got.p99, "p99-ms")
				b.ReportMetric(chained.rate, "ceiling-events/s")
				b.ReportMetric(got.rate/chained.rate, "ratio")
				b.ReportMetric(bare.rate, "bare-events/s")
				b.ReportMetric(got.rate/bare.rate, "ratio-bare")
				b.ReportMetric(float64(appends.Load())/float64(batches.Load()), "appends/batch")
			})
		}
	}
}

// benchPool is a pool on db with one connection per writer.
func benchPool(b *testing.B, db *testenv.Database, writers int) *pgxpool.Pool {
	cfg, err := pgxpool.ParseConfig(db.ConnString())
	if err != nil {
		b.Fatal(err)
	}
	cfg.MaxConns = int32(max(writers, 4))
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(pool.Close)
	return pool
}

type loadResult struct {
	rate     float64 // per second
	p50, p99 float64 // milliseconds
}

// appendLoad runs b.N calls of do from writers goroutines; writer w's
// calls get v = 0, 1, 2, …
func appendLoad(b *testing.B, writers int, do func(w int, v int64) error) loadResult {
	var next atomic.Int64
	lat := make([][]time.Duration, writers)
	var wg sync.WaitGroup
	start := time.Now()
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for v := int64(0); next.Add(1) <= int64(b.N); v++ {
				t := time.Now()
				if err := do(w, v); err != nil {
					b.Error(err)
					return
				}
				lat[w] = append(lat[w], time.Since(t))
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if b.Failed() {
		b.FailNow()
	}
	all := slices.Concat(lat...)
	slices.Sort(all)
	ms := func(q float64) float64 { return float64(all[int(q*float64(len(all)-1))].Microseconds()) / 1000 }
	return loadResult{rate: float64(b.N) / elapsed.Seconds(), p50: ms(0.50), p99: ms(0.99)}
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
