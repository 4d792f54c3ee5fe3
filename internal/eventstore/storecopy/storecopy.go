// Package storecopy copies one event store's whole log into another, in
// global order, keeping each event's id, stream, version, type, data,
// metadata and recorded time (portal eventstore copy: PostgreSQL into
// KurrentDB). It is resumable without a checkpoint: the target's stream
// versions say what is there already, so running it again copies nothing
// twice. The target computes its own hash chain over the kept fields;
// Compare checks the two logs event by event.
package storecopy

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"

	"github.com/awareportal/portal/internal/eventstore"
)

// Target is a store that can take copied events (kurrentstore.Store).
type Target interface {
	eventstore.Store
	// Import writes consecutive events of one stream, keeping their ids,
	// metadata and recorded times, at the version before the first.
	Import(ctx context.Context, stream string, events []eventstore.RecordedEvent) (eventstore.AppendResult, error)
	// StreamVersion is the stream's version (0: none).
	StreamVersion(ctx context.Context, stream string) (int64, error)
}

// Report says what a copy did.
type Report struct {
	Read, Copied, Skipped int // events read from the source, written, already in the target
}

// maxRun bounds one import (KurrentDB refuses appends over 1 MiB).
const (
	maxRunEvents = 100
	maxRunBytes  = 512 * 1024
)

// Copy copies every event of src that dst lacks, in src's global order.
// progress, if set, is called after each page.
func Copy(ctx context.Context, src eventstore.Store, dst Target, progress func(Report)) (Report, error) {
	var r Report
	versions := map[string]int64{} // the target's stream versions, as known
	var run []eventstore.RecordedEvent
	flush := func() error {
		if len(run) == 0 {
			return nil
		}
		if _, err := dst.Import(ctx, run[0].Stream, run); err != nil {
			return fmt.Errorf("copy %s from version %d: %w", run[0].Stream, run[0].Version, err)
		}
		versions[run[0].Stream] = run[len(run)-1].Version
		r.Copied += len(run)
		run = run[:0]
		return nil
	}
	runBytes := 0
	for after := eventstore.Start; ; {
		page, err := src.ReadAll(ctx, after, 500)
		if err != nil {
			return r, fmt.Errorf("read the source log after %s: %w", after, err)
		}
		if len(page) == 0 {
			break
		}
		for _, e := range page {
			r.Read++
			v, known := versions[e.Stream]
			if !known {
				if v, err = dst.StreamVersion(ctx, e.Stream); err != nil {
					return r, fmt.Errorf("target version of %s: %w", e.Stream, err)
				}
				versions[e.Stream] = v
			}
			if e.Version <= v {
				r.Skipped++ // copied by an earlier run
				continue
			}
			if len(run) > 0 && (run[0].Stream != e.Stream || len(run) == maxRunEvents || runBytes+len(e.Data) > maxRunBytes) {
				if err := flush(); err != nil {
					return r, err
				}
				runBytes = 0
			}
			if len(run) == 0 && e.Version != versions[e.Stream]+1 {
				return r, fmt.Errorf("copy %s: the target is at version %d, the source's next event is %d", e.Stream, versions[e.Stream], e.Version)
			}
			run = append(run, e)
			runBytes += len(e.Data) + 512
		}
		// Each page ends with its runs written: the target stays a prefix
		// of the source's order.
		if err := flush(); err != nil {
			return r, err
		}
		runBytes = 0
		after = page[len(page)-1].Position
		if progress != nil {
			progress(r)
		}
	}
	return r, nil
}

// Comparison is the outcome of Compare.
type Comparison struct {
	SourceEvents, TargetEvents   int
	SourceStreams, TargetStreams int
	// Heads digests every stream's content hash (see Compare), in stream
	// order: equal on both sides when the logs hold the same events.
	SourceHeads, TargetHeads string
	Differences              []string // at most 20, by stream
}

// OK reports whether the two logs hold the same events.
func (c Comparison) OK() bool {
	return len(c.Differences) == 0 && c.SourceEvents == c.TargetEvents && c.SourceStreams == c.TargetStreams && c.SourceHeads == c.TargetHeads
}

// Compare reads both logs whole and compares them per stream: the count,
// and a content hash chained over every event's id, version, type, data,
// metadata (the eventstore.Metadata fields) and recorded time (to the
// microsecond). The stores' own hash chains differ by design (each hashes
// its own metadata encoding), so they are not compared; audit verify checks
// each.
func Compare(ctx context.Context, src, dst eventstore.Store) (Comparison, error) {
	var c Comparison
	s, err := digest(ctx, src)
	if err != nil {
		return c, fmt.Errorf("source: %w", err)
	}
	d, err := digest(ctx, dst)
	if err != nil {
		return c, fmt.Errorf("target: %w", err)
	}
	c.SourceStreams, c.TargetStreams = len(s.heads), len(d.heads)
	c.SourceEvents, c.TargetEvents = s.events, d.events
	c.SourceHeads, c.TargetHeads = s.all(), d.all()
	names := map[string]bool{}
	for n := range s.heads {
		names[n] = true
	}
	for n := range d.heads {
		names[n] = true
	}
	for _, n := range sorted(names) {
		a, b := s.heads[n], d.heads[n]
		if a.version != b.version || !bytes.Equal(a.hash, b.hash) {
			if len(c.Differences) < 20 {
				c.Differences = append(c.Differences, fmt.Sprintf("stream %s: source %d events (%x…), target %d events (%x…)", n, a.version, prefix(a.hash), b.version, prefix(b.hash)))
			}
		}
	}
	return c, nil
}

type head struct {
	version int64
	hash    []byte
}

type digests struct {
	events int
	heads  map[string]head
}

func digest(ctx context.Context, st eventstore.Store) (digests, error) {
	d := digests{heads: map[string]head{}}
	for after := eventstore.Start; ; {
		page, err := st.ReadAll(ctx, after, 1000)
		if err != nil {
			return d, err
		}
		if len(page) == 0 {
			return d, nil
		}
		for _, e := range page {
			d.events++
			h := d.heads[e.Stream]
			meta, err := json.Marshal(e.Metadata)
			if err != nil {
				return d, err
			}
			sum := sha256.New()
			sum.Write(h.hash)
			for _, f := range [][]byte{[]byte(e.ID.String()), []byte(strconv.FormatInt(e.Version, 10)), []byte(e.Type), e.Data, meta, []byte(strconv.FormatInt(e.RecordedAt.UnixMicro(), 10))} {
				sum.Write(f)
				sum.Write([]byte{0x1f})
			}
			d.heads[e.Stream] = head{version: e.Version, hash: sum.Sum(nil)}
		}
		after = page[len(page)-1].Position
	}
}

func (d digests) all() string {
	names := map[string]bool{}
	for n := range d.heads {
		names[n] = true
	}
	sum := sha256.New()
	for _, n := range sorted(names) {
		sum.Write([]byte(n))
		sum.Write([]byte{0x1f})
		sum.Write(d.heads[n].hash)
	}
	return hex.EncodeToString(sum.Sum(nil))
}

func sorted(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func prefix(b []byte) []byte {
	if len(b) > 6 {
		return b[:6]
	}
	return b
}
