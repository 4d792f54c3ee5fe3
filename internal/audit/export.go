package audit

import (
	"container/heap"
	"context"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/awareportal/portal/internal/eventstore"
)

// Format is an export format.
type Format string

const (
	JSONLines Format = "jsonl" // CloudEvents 1.0, structured JSON, one per line
	CSV       Format = "csv"
)

// Selection is what to export: events of these streams (nil: every stream),
// recorded in [From, To) (zero: open).
type Selection struct {
	Streams  []string
	From, To time.Time
}

// cloudEvent is a CloudEvents 1.0 structured-mode event with the portal's
// extension attributes (lowercase letters and digits, as the spec wants).
type cloudEvent struct {
	SpecVersion     string          `json:"specversion"`
	ID              string          `json:"id"`
	Source          string          `json:"source"`
	Type            string          `json:"type"`
	Subject         string          `json:"subject"`
	Time            string          `json:"time"`
	DataContentType string          `json:"datacontenttype"`
	Data            json.RawMessage `json:"data"`
	Sequence        string          `json:"sequence"`
	StreamVersion   int64           `json:"streamversion"`
	Actor           string          `json:"actor,omitempty"`
	Tenant          string          `json:"tenant,omitempty"`
	CorrelationID   string          `json:"correlationid,omitempty"`
	CausationID     string          `json:"causationid,omitempty"`
	EventHash       string          `json:"eventhash"`
	PrevHash        string          `json:"prevhash,omitempty"`
}

// exportPage is how many events Export reads at a time from the global log.
const exportPage = 1000

// Export writes the selected events to w in global order (by position),
// one at a time as they are encoded, and returns how many it wrote.
//
// With no streams named (sel.Streams nil) it reads the global log a page at
// a time: memory stays constant whatever the size of the log. With streams
// named it reads each of them whole (ReadStream; streams that do not exist
// are skipped), keeps their events recorded in the window, and merges them
// by position. Memory is then bounded by the selected events in the window
// (a learner's history, or a client's for a client export), held as read
// and released stream by stream as the merge exhausts them; nothing is
// buffered on the output side. A narrower window or a single learner keeps
// it small.
func Export(ctx context.Context, store eventstore.Store, sel Selection, format Format, source string, w io.Writer) (int, error) {
	if format != JSONLines && format != CSV {
		return 0, fmt.Errorf("export format %q: want jsonl or csv", format)
	}
	out, err := newExportWriter(format, source, w)
	if err != nil {
		return 0, err
	}
	inWindow := func(e eventstore.RecordedEvent) bool {
		return !e.RecordedAt.Before(sel.From) && (sel.To.IsZero() || e.RecordedAt.Before(sel.To))
	}
	if sel.Streams == nil {
		for pos := eventstore.Start; ; {
			page, err := store.ReadAll(ctx, pos, exportPage)
			if err != nil {
				return out.n, fmt.Errorf("export: %w", err)
			}
			if len(page) == 0 {
				break
			}
			for _, e := range page {
				if !inWindow(e) {
					continue
				}
				if err := out.write(e); err != nil {
					return out.n, err
				}
			}
			pos = page[len(page)-1].Position
		}
		return out.n, out.close()
	}

	m := &merge{}
	seen := make(map[string]bool, len(sel.Streams))
	streams := make([]string, 0, len(sel.Streams))
	for _, stream := range sel.Streams {
		if !seen[stream] {
			seen[stream] = true
			streams = append(streams, stream)
		}
	}
	err = eachStream(ctx, store, streams, func(_ string, evs []eventstore.RecordedEvent) error {
		kept := evs[:0]
		for _, e := range evs {
			if inWindow(e) {
				kept = append(kept, e)
			}
		}
		if len(kept) > 0 {
			m.streams = append(m.streams, kept)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("export: %w", err)
	}
	heap.Init(m)
	for m.Len() > 0 {
		if err := out.write(m.streams[0][0]); err != nil {
			return out.n, err
		}
		if m.streams[0] = m.streams[0][1:]; len(m.streams[0]) == 0 {
			heap.Pop(m) // that stream is done: its events can go
		} else {
			heap.Fix(m, 0)
		}
	}
	return out.n, out.close()
}

// merge is a k-way merge of streams (each in version order, so in position
// order) by their next event's position: a min-heap.
type merge struct{ streams [][]eventstore.RecordedEvent }

func (m *merge) Len() int { return len(m.streams) }
func (m *merge) Less(i, j int) bool {
	return m.streams[i][0].Position.Less(m.streams[j][0].Position)
}
func (m *merge) Swap(i, j int) { m.streams[i], m.streams[j] = m.streams[j], m.streams[i] }
func (m *merge) Push(x any)    { m.streams = append(m.streams, x.([]eventstore.RecordedEvent)) }
func (m *merge) Pop() any {
	last := m.streams[len(m.streams)-1]
	m.streams[len(m.streams)-1] = nil
	m.streams = m.streams[:len(m.streams)-1]
	return last
}

// exportWriter encodes events one by one.
type exportWriter struct {
	format Format
	source string
	enc    *json.Encoder
	cw     *csv.Writer
	n      int
}

func newExportWriter(format Format, source string, w io.Writer) (*exportWriter, error) {
	out := &exportWriter{format: format, source: source}
	switch format {
	case JSONLines:
		out.enc = json.NewEncoder(w)
	case CSV:
		out.cw = csv.NewWriter(w)
		if err := out.cw.Write([]string{"seq", "id", "time", "stream", "version", "type", "actor", "tenant", "correlation_id", "request_ip", "data", "hash", "prev_hash"}); err != nil {
			return nil, fmt.Errorf("export: write: %w", err)
		}
	}
	return out, nil
}

// write encodes one event. "seq" and the CloudEvents "sequence" are the
// position's Prepare part: PostgreSQL's row seq, KurrentDB's prepare
// position, the memory store's event number.
func (x *exportWriter) write(e eventstore.RecordedEvent) error {
	seq := strconv.FormatUint(e.Position.Prepare, 10)
	at := e.RecordedAt.UTC().Format(time.RFC3339Nano)
	md := e.Metadata
	var err error
	switch x.format {
	case JSONLines:
		err = x.enc.Encode(cloudEvent{
			SpecVersion: "1.0", ID: e.ID.String(), Source: x.source, Type: e.Type, Subject: e.Stream, Time: at,
			DataContentType: "application/json", Data: json.RawMessage(e.Data), Sequence: seq, StreamVersion: e.Version,
			Actor: md.ActorID, Tenant: md.TenantID, CorrelationID: md.CorrelationID, CausationID: md.CausationID,
			EventHash: hex.EncodeToString(e.Hash), PrevHash: hex.EncodeToString(e.PrevHash),
		})
	case CSV:
		err = x.cw.Write([]string{seq, e.ID.String(), at, e.Stream, strconv.FormatInt(e.Version, 10), e.Type,
			md.ActorID, md.TenantID, md.CorrelationID, md.RequestIP, string(e.Data), hex.EncodeToString(e.Hash), hex.EncodeToString(e.PrevHash)})
		if x.n%500 == 0 {
			x.cw.Flush()
		}
	}
	if err != nil {
		return fmt.Errorf("export: write: %w", err)
	}
	x.n++
	return nil
}

func (x *exportWriter) close() error {
	if x.cw == nil {
		return nil
	}
	x.cw.Flush()
	if err := x.cw.Error(); err != nil {
		return fmt.Errorf("export: write: %w", err)
	}
	return nil
}
