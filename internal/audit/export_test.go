package audit_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/awareportal/portal/internal/audit"
	"github.com/awareportal/portal/internal/clock"
	"github.com/awareportal/portal/internal/eventstore"
	"github.com/awareportal/portal/internal/eventstore/memstore"
)

// TestExportMergesStreamsInGlobalOrder: the streams named are read one by
// one through the contract and written in global order, within the window,
// whatever order they are named in; streams that do not exist are skipped.
func TestExportMergesStreamsInGlobalOrder(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	fake := clock.NewFake(t0)
	s := memstore.New(fake.Now)
	// Three interleaved streams, one event a day; day 6 is stream c's.
	for day := range 9 {
		stream := fmt.Sprintf("s-%c", 'a'+day%3)
		if _, err := s.Append(ctx, stream, eventstore.Any, eventstore.EventData{Type: "t.day", Data: fmt.Appendf(nil, `{"day":%d}`, day),
			Metadata: eventstore.Metadata{ActorID: "a", RequestIP: "203.0.113.7"}}); err != nil {
			t.Fatal(err)
		}
		fake.Advance(24 * time.Hour)
	}
	day := func(d int) time.Time { return t0.Add(time.Duration(d) * 24 * time.Hour) }
	cases := []struct {
		name string
		sel  audit.Selection
		days []int
	}{
		{"every stream, in any order", audit.Selection{Streams: []string{"s-c", "nope", "s-a", "s-b", "s-a"}}, []int{0, 1, 2, 3, 4, 5, 6, 7, 8}},
		{"the whole log", audit.Selection{}, []int{0, 1, 2, 3, 4, 5, 6, 7, 8}},
		{"two streams, a window", audit.Selection{Streams: []string{"s-c", "s-b"}, From: day(2), To: day(7)}, []int{2, 4, 5}},
		{"the whole log, a window", audit.Selection{From: day(7)}, []int{7, 8}},
		{"no streams", audit.Selection{Streams: []string{}}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			n, err := audit.Export(ctx, s, c.sel, audit.JSONLines, "https://training.example.com", &buf)
			if err != nil || n != len(c.days) {
				t.Fatalf("exported %d (%v), want %d", n, err, len(c.days))
			}
			dec := json.NewDecoder(&buf)
			for i, want := range c.days {
				var ce struct {
					Sequence, Time, EventHash string
					Data                      struct{ Day int }
				}
				if err := dec.Decode(&ce); err != nil {
					t.Fatal(err)
				}
				if ce.Data.Day != want || ce.Sequence != fmt.Sprint(want+1) || ce.Time != day(want).Format(time.RFC3339Nano) || len(ce.EventHash) != 64 {
					t.Fatalf("event %d: %+v, want day %d", i, ce, want)
				}
			}
			var csvBuf bytes.Buffer
			if n, err := audit.Export(ctx, s, c.sel, audit.CSV, "", &csvBuf); err != nil || n != len(c.days) {
				t.Fatalf("csv: %d (%v)", n, err)
			}
			rows, err := csv.NewReader(&csvBuf).ReadAll()
			if err != nil || len(rows) != len(c.days)+1 {
				t.Fatalf("csv rows %d (%v)", len(rows), err)
			}
			for i, want := range c.days {
				if rows[i+1][0] != fmt.Sprint(want+1) || rows[i+1][9] != "203.0.113.7" {
					t.Fatalf("csv row %d: %v, want day %d", i+1, rows[i+1], want)
				}
			}
		})
	}
}
