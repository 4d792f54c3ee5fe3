package storecopy_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/awareportal/portal/internal/audit"
	"github.com/awareportal/portal/internal/clock"
	"github.com/awareportal/portal/internal/eventstore"
	"github.com/awareportal/portal/internal/eventstore/kurrentstore"
	"github.com/awareportal/portal/internal/eventstore/kurrentstore/kurrenttest"
	"github.com/awareportal/portal/internal/eventstore/pgstore"
	"github.com/awareportal/portal/internal/eventstore/storecopy"
	"github.com/awareportal/portal/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// source is a PostgreSQL log of 3 streams, interleaved, one longer than an
// import run, with metadata and times an hour apart.
func source(t *testing.T) (*pgstore.Store, int) {
	t.Helper()
	db := testenv.DB(t)
	clk := clock.NewFake(time.Date(2025, 6, 1, 8, 0, 0, 123456000, time.UTC))
	s := pgstore.New(db.Pool, pgstore.WithClock(clk))
	t.Cleanup(s.Close)
	ctx := context.Background()
	n := 0
	for i := range 140 {
		for _, st := range []string{"learner-a", "mail-b", "big"} {
			if st != "big" && i >= 5 {
				continue
			}
			_, err := s.Append(ctx, st, eventstore.Any, eventstore.EventData{Type: "t." + st, Data: fmt.Appendf(nil, `{"i": %d, "s": "%s"}`, i, st),
				Metadata: eventstore.Metadata{ActorID: "learner:a", TenantID: "acme", CorrelationID: fmt.Sprint("c", i), RequestIP: "203.0.113.7"}})
			if err != nil {
				t.Fatal(err)
			}
			n++
			clk.Advance(time.Hour)
		}
	}
	return s, n
}

func target(t *testing.T) *kurrentstore.Store {
	t.Helper()
	s, err := kurrentstore.New(kurrenttest.Start(t).URL(), kurrentstore.WithClock(clock.NewFake(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// crashing fails the import after ok imports, as a killed copy would stop.
type crashing struct {
	*kurrentstore.Store
	ok int
}

func (c *crashing) Import(ctx context.Context, stream string, evs []eventstore.RecordedEvent) (eventstore.AppendResult, error) {
	if c.ok == 0 {
		return eventstore.AppendResult{}, errors.New("killed")
	}
	c.ok--
	return c.Store.Import(ctx, stream, evs)
}

func TestCopy(t *testing.T) {
	ctx := context.Background()
	src, n := source(t)
	cases := []struct {
		name       string
		crashAfter int // imports before a crash; -1: none
	}{
		{"in one run", -1},
		{"killed after the first import, then resumed", 1},
		{"killed before anything, then resumed", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dst := target(t)
			copied := 0
			if c.crashAfter >= 0 {
				r, err := storecopy.Copy(ctx, src, &crashing{Store: dst, ok: c.crashAfter}, nil)
				if err == nil {
					t.Fatal("the crashing copy succeeded")
				}
				copied = r.Copied
			}
			r, err := storecopy.Copy(ctx, src, dst, nil)
			if err != nil {
				t.Fatal(err)
			}
			if r.Read != n || r.Copied != n-copied || r.Skipped != copied {
				t.Fatalf("report %+v after %d copied, want %d read", r, copied, n)
			}
			// Twice: nothing copied twice.
			if r, err := storecopy.Copy(ctx, src, dst, nil); err != nil || r.Copied != 0 || r.Skipped != n {
				t.Fatalf("second run: %+v, %v", r, err)
			}
			cmp, err := storecopy.Compare(ctx, src, dst)
			if err != nil {
				t.Fatal(err)
			}
			if !cmp.OK() || cmp.TargetEvents != n || cmp.TargetStreams != 3 {
				t.Fatalf("comparison: %+v", cmp)
			}
			// Global order, ids and times kept; the target's own chain verifies.
			a, _ := src.ReadAll(ctx, eventstore.Start, 1000)
			b, _ := dst.ReadAll(ctx, eventstore.Start, 1000)
			for i := range a {
				if a[i].ID != b[i].ID || !a[i].RecordedAt.Equal(b[i].RecordedAt) || a[i].Metadata != b[i].Metadata {
					t.Fatalf("event %d: %s at %s → %s at %s", i, a[i].ID, a[i].RecordedAt, b[i].ID, b[i].RecordedAt)
				}
			}
			rep, err := audit.Verify(ctx, dst)
			if err != nil || !rep.OK() || rep.Events != n {
				t.Fatalf("verify the copy: %+v %v", rep, err)
			}
		})
	}
}

// TestCompareFindsADifference: an event the source does not have makes the
// comparison fail and name the stream.
func TestCompareFindsADifference(t *testing.T) {
	ctx := context.Background()
	src, _ := source(t)
	dst := target(t)
	if _, err := storecopy.Copy(ctx, src, dst, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := dst.Append(ctx, "mail-b", eventstore.Any, eventstore.EventData{Type: "t.extra", Data: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	cmp, err := storecopy.Compare(ctx, src, dst)
	if err != nil {
		t.Fatal(err)
	}
	if cmp.OK() || len(cmp.Differences) != 1 || !strings.Contains(cmp.Differences[0], "stream mail-b") {
		t.Fatalf("comparison: %+v", cmp)
	}
}
