// Package audit is for compliance: verifying the event log's hash chains,
// exporting history as CloudEvents, and replaying state as of an instant.
// It reads the event log only through the eventstore.Store contract, so it
// works the same on every store (PostgreSQL, KurrentDB, memory).
package audit

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"

	"github.com/awareportal/portal/internal/eventstore"
)

// Problem is one thing wrong in the log.
type Problem struct {
	// Position is where the event is in the store's global log (for
	// PostgreSQL, Prepare is the row's seq); zero when the event is missing.
	Position eventstore.Position
	Stream   string
	Version  int64
	What     string
}

func (p Problem) String() string {
	if p.Position == eventstore.Start {
		return fmt.Sprintf("stream %s version %d: %s", p.Stream, p.Version, p.What)
	}
	return fmt.Sprintf("event at position %s (stream %s, version %d): %s", p.Position, p.Stream, p.Version, p.What)
}

// Report is what a verification found.
type Report struct {
	Events, Streams int
	Problems        []Problem
	// Heads is a digest of every stream's last hash: keep it, and a later
	// run showing a different value for an unchanged period means history
	// was cut off at a stream's end.
	Heads string
}

// OK reports whether the log verified.
func (r Report) OK() bool { return len(r.Problems) == 0 }

// verifyPage is how many events Verify reads at a time.
const verifyPage = 1000

// chain is what Verify remembers of a stream while reading the log.
type chain struct {
	next int64  // the version the stream's next event must have
	head []byte // the hash its next event must chain to
}

// Verify recomputes every stream's hash chain with eventstore.Hash,
// independently of how the store computed it (for PostgreSQL, a database
// function in a trigger). It reads the whole global log through ReadAll, a
// page at a time, and remembers per stream only its next version and last
// hash: memory grows with the number of streams, not of events.
//
// Problems name the event by stream, version and position: an edited
// event ("content does not match its hash"), a deleted one ("missing"), an
// inserted or re-chained one ("does not follow its predecessor's hash"),
// sorted by stream and version.
func Verify(ctx context.Context, store eventstore.Store) (Report, error) {
	var rep Report
	streams := map[string]*chain{}
	for pos := eventstore.Start; ; {
		page, err := store.ReadAll(ctx, pos, verifyPage)
		if err != nil {
			return Report{}, fmt.Errorf("audit verify: %w", err)
		}
		if len(page) == 0 {
			break
		}
		for _, e := range page {
			rep.Events++
			c, ok := streams[e.Stream]
			if !ok {
				c = &chain{next: 1}
				streams[e.Stream] = c
			}
			rep.Problems = append(rep.Problems, check(c, e)...)
		}
		pos = page[len(page)-1].Position
	}
	rep.Streams = len(streams)
	slices.SortStableFunc(rep.Problems, func(a, b Problem) int {
		return cmp.Or(cmp.Compare(a.Stream, b.Stream), cmp.Compare(a.Version, b.Version))
	})
	// The heads digest: every stream's name and last hash, by stream name
	// (byte order, as PostgreSQL's C collation sorted them before).
	names := make([]string, 0, len(streams))
	for name := range streams {
		names = append(names, name)
	}
	slices.Sort(names)
	heads := sha256.New()
	for _, name := range names {
		heads.Write([]byte(name))
		heads.Write(streams[name].head)
	}
	rep.Heads = hex.EncodeToString(heads.Sum(nil))
	return rep, nil
}

// check checks one event against its stream's chain so far and moves the
// chain on.
func check(c *chain, e eventstore.RecordedEvent) []Problem {
	var out []Problem
	problem := func(what string) {
		out = append(out, Problem{Position: e.Position, Stream: e.Stream, Version: e.Version, What: what})
	}
	if e.Version < c.next {
		// Another event already had this version: this one was inserted.
		// It is named once; the chain goes on from the first.
		problem("duplicate version: an event was inserted")
		return out
	}
	for v := c.next; v < e.Version; v++ {
		out = append(out, Problem{Stream: e.Stream, Version: v, What: "missing: the event was deleted"})
	}
	if !bytes.Equal(e.PrevHash, c.head) {
		problem("does not follow its predecessor's hash (an event before it was changed, removed or inserted)")
	}
	if want := eventstore.Hash(c.head, e.ID, e.Stream, e.Version, e.Type, e.Data, e.HashedMetadata, e.RecordedAt); !bytes.Equal(want, e.Hash) {
		problem("content does not match its hash: the event was edited")
	}
	// Chain on from what the event claims, so one edit is reported once.
	c.head, c.next = e.Hash, e.Version+1
	return out
}
