package kurrenttest_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/google/uuid"

	"github.com/awareportal/portal/internal/eventstore/kurrentstore/kurrenttest"
)

// These tests drive the test server with the real client, to pin down that
// it answers as the doc comment says KurrentDB does.

func client(t *testing.T) (*esdb.Client, *kurrenttest.Server) {
	t.Helper()
	srv := kurrenttest.Start(t)
	conf, err := esdb.ParseConnectionString(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	conf.Logger = esdb.NoopLogging()
	c, err := esdb.NewClient(conf)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c, srv
}

func event(typ string) esdb.EventData {
	return esdb.EventData{EventID: uuid.New(), EventType: typ, ContentType: esdb.ContentTypeJson, Data: []byte(`{}`)}
}

func readAll(t *testing.T, c *esdb.Client, stream string, opts esdb.ReadStreamOptions) ([]*esdb.RecordedEvent, error) {
	t.Helper()
	rs, err := c.ReadStream(context.Background(), stream, opts, 100)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	var out []*esdb.RecordedEvent
	for {
		ev, err := rs.Recv()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, ev.OriginalEvent())
	}
}

func TestServerVersion(t *testing.T) {
	c, _ := client(t)
	v, err := c.GetServerVersion()
	if err != nil || v.Major != 24 || v.Minor != 10 {
		t.Fatalf("version %+v, %v", v, err)
	}
}

func TestAppendExpectedRevision(t *testing.T) {
	c, _ := client(t)
	ctx := context.Background()
	if _, err := c.AppendToStream(ctx, "s", esdb.AppendToStreamOptions{ExpectedRevision: esdb.NoStream{}}, event("a"), event("b")); err != nil {
		t.Fatal(err)
	}
	// The stream is at revision 1.
	cases := []struct {
		expected esdb.ExpectedRevision
		stream   string
		ok       bool
		message  string // the client's rendering of the server's current/expected fields
	}{
		{esdb.NoStream{}, "s", false, "expecting 'no_stream' but got '1'"},
		{esdb.StreamRevision{Value: 0}, "s", false, "expecting '0' but got '1'"},
		{esdb.StreamRevision{Value: 5}, "s", false, "expecting '5' but got '1'"},
		{esdb.StreamExists{}, "missing", false, "expecting 'stream_exists' but got 'no_stream'"},
		{esdb.StreamRevision{Value: 0}, "missing", false, "expecting '0' but got 'no_stream'"},
		{esdb.StreamRevision{Value: 1}, "s", true, ""},
		{esdb.StreamExists{}, "s", true, ""},
		{esdb.Any{}, "s", true, ""},
	}
	for _, tc := range cases {
		_, err := c.AppendToStream(ctx, tc.stream, esdb.AppendToStreamOptions{ExpectedRevision: tc.expected}, event("c"))
		if tc.ok {
			if err != nil {
				t.Errorf("%T on %s: %v", tc.expected, tc.stream, err)
			}
			continue
		}
		var e *esdb.Error
		if !errors.As(err, &e) || e.Code() != esdb.ErrorCodeWrongExpectedVersion || !strings.Contains(err.Error(), tc.message) {
			t.Errorf("%#v on %s: %v, want WrongExpectedVersion %q", tc.expected, tc.stream, err, tc.message)
		}
	}
}

func TestAppendResultAndPositions(t *testing.T) {
	c, _ := client(t)
	ctx := context.Background()
	w1, err := c.AppendToStream(ctx, "p", esdb.AppendToStreamOptions{ExpectedRevision: esdb.NoStream{}}, event("a"), event("b"))
	if err != nil {
		t.Fatal(err)
	}
	w2, err := c.AppendToStream(ctx, "q", esdb.AppendToStreamOptions{ExpectedRevision: esdb.Any{}}, event("c"))
	if err != nil {
		t.Fatal(err)
	}
	if w1.NextExpectedVersion != 1 || w2.NextExpectedVersion != 0 {
		t.Fatalf("revisions %d, %d", w1.NextExpectedVersion, w2.NextExpectedVersion)
	}
	evs, err := readAll(t, c, "p", esdb.ReadStreamOptions{})
	if err != nil || len(evs) != 2 {
		t.Fatalf("read: %v %d", err, len(evs))
	}
	if evs[1].Position.Commit != w1.CommitPosition || evs[1].Position.Prepare != w1.PreparePosition {
		t.Fatalf("last event at %+v, append said %d/%d", evs[1].Position, w1.CommitPosition, w1.PreparePosition)
	}
	if !(evs[0].Position.Commit < evs[1].Position.Commit && evs[1].Position.Commit < w2.CommitPosition) {
		t.Fatalf("positions not increasing: %+v %+v %d", evs[0].Position, evs[1].Position, w2.CommitPosition)
	}
	if evs[0].CreatedDate.IsZero() || time.Since(evs[0].CreatedDate) > time.Minute || evs[0].ContentType != "application/json" {
		t.Fatalf("event %+v", evs[0])
	}
	back, err := readAll(t, c, "p", esdb.ReadStreamOptions{Direction: esdb.Backwards, From: esdb.End{}})
	if err != nil || len(back) != 2 || back[0].EventNumber != 1 {
		t.Fatalf("backwards: %v %+v", err, back)
	}
}

func TestReadMissingStream(t *testing.T) {
	c, _ := client(t)
	_, err := readAll(t, c, "nope", esdb.ReadStreamOptions{})
	var e *esdb.Error
	if !errors.As(err, &e) || e.Code() != esdb.ErrorCodeResourceNotFound {
		t.Fatalf("err = %v, want ResourceNotFound", err)
	}
}

func TestIdempotentAppend(t *testing.T) {
	c, _ := client(t)
	ctx := context.Background()
	a, b := event("a"), event("b")
	w1, err := c.AppendToStream(ctx, "i", esdb.AppendToStreamOptions{ExpectedRevision: esdb.NoStream{}}, a, b)
	if err != nil {
		t.Fatal(err)
	}
	w2, err := c.AppendToStream(ctx, "i", esdb.AppendToStreamOptions{ExpectedRevision: esdb.NoStream{}}, a, b)
	if err != nil || w2.CommitPosition != w1.CommitPosition {
		t.Fatalf("repeated append: %v, %+v vs %+v", err, w2, w1)
	}
	if _, err := c.AppendToStream(ctx, "i", esdb.AppendToStreamOptions{ExpectedRevision: esdb.NoStream{}}, a, event("other")); err == nil {
		t.Fatal("different ids at the same place succeeded")
	}
	evs, _ := readAll(t, c, "i", esdb.ReadStreamOptions{})
	if len(evs) != 2 {
		t.Fatalf("stream has %d events", len(evs))
	}
}

func TestMaxAppendSize(t *testing.T) {
	c, _ := client(t)
	big := event("big")
	big.Data = []byte(`"` + strings.Repeat("x", kurrenttest.MaxAppendSize) + `"`)
	_, err := c.AppendToStream(context.Background(), "big", esdb.AppendToStreamOptions{}, big)
	if err == nil || !strings.Contains(err.Error(), "Maximum Append Size") {
		t.Fatalf("err = %v", err)
	}
	if _, err := readAll(t, c, "big", esdb.ReadStreamOptions{}); err == nil {
		t.Fatal("the refused append wrote a stream")
	}
}

func TestReadAllFromAPositionIncludesIt(t *testing.T) {
	c, _ := client(t)
	ctx := context.Background()
	w, err := c.AppendToStream(ctx, "x", esdb.AppendToStreamOptions{}, event("a"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.AppendToStream(ctx, "x", esdb.AppendToStreamOptions{}, event("b")); err != nil {
		t.Fatal(err)
	}
	rs, err := c.ReadAll(ctx, esdb.ReadAllOptions{From: esdb.Position{Commit: w.CommitPosition, Prepare: w.PreparePosition}}, 10)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	var types []string
	for {
		ev, err := rs.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		types = append(types, ev.OriginalEvent().EventType)
	}
	if strings.Join(types, ",") != "a,b" {
		t.Fatalf("read %v, want a,b", types)
	}
	// $all of a fresh node starts with a system event.
	rs2, err := c.ReadAll(ctx, esdb.ReadAllOptions{}, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer rs2.Close()
	first, err := rs2.Recv()
	if err != nil || first.OriginalEvent().EventType != "$epoch-information" {
		t.Fatalf("first event of $all: %v %v", first, err)
	}
}

func TestSubscribeToAll(t *testing.T) {
	c, _ := client(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	w, err := c.AppendToStream(ctx, "x", esdb.AppendToStreamOptions{}, event("a"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.AppendToStream(ctx, "x", esdb.AppendToStreamOptions{}, event("b")); err != nil {
		t.Fatal(err)
	}
	sub, err := c.SubscribeToAll(ctx, esdb.SubscribeToAllOptions{From: esdb.Position{Commit: w.CommitPosition, Prepare: w.PreparePosition}})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	if sub.Id() == "" {
		t.Fatal("no subscription id from the confirmation")
	}
	next := func() string {
		e := sub.Recv()
		switch {
		case e.EventAppeared != nil:
			return e.EventAppeared.OriginalEvent().EventType
		case e.CaughtUp != nil:
			return "caught-up"
		case e.SubscriptionDropped != nil:
			return "dropped: " + e.SubscriptionDropped.Error.Error()
		}
		return "other"
	}
	// After the checkpoint (exclusive), then caught up, then live.
	for _, want := range []string{"b", "caught-up"} {
		if got := next(); got != want {
			t.Fatalf("got %s, want %s", got, want)
		}
	}
	if _, err := c.AppendToStream(ctx, "y", esdb.AppendToStreamOptions{}, event("c")); err != nil {
		t.Fatal(err)
	}
	if got := next(); got != "c" {
		t.Fatalf("live: %s", got)
	}
	cancel()
	if got := next(); !strings.HasPrefix(got, "dropped") {
		t.Fatalf("after cancel: %s", got)
	}
}

func TestDeadline(t *testing.T) {
	c, _ := client(t)
	d := 100 * time.Millisecond
	sub, err := c.SubscribeToAll(context.Background(), esdb.SubscribeToAllOptions{From: esdb.End{}, Deadline: &d})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	for {
		e := sub.Recv()
		if e.SubscriptionDropped != nil {
			if !strings.Contains(e.SubscriptionDropped.Error.Error(), "DeadlineExceeded") {
				t.Fatalf("dropped with %v", e.SubscriptionDropped.Error)
			}
			return
		}
	}
}
