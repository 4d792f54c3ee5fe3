package audit_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"

	"github.com/awareportal/portal/internal/audit"
	"github.com/awareportal/portal/internal/eventstore"
	"github.com/awareportal/portal/internal/eventstore/kurrentstore"
	"github.com/awareportal/portal/internal/eventstore/kurrentstore/kurrenttest"
	"github.com/awareportal/portal/internal/eventstore/memstore"
	"github.com/awareportal/portal/internal/eventstore/pgstore"
	"github.com/awareportal/portal/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func seedLog(t *testing.T, s eventstore.Store) {
	t.Helper()
	ctx := context.Background()
	for i := range 3 {
		batch := []eventstore.EventData{
			{Type: "t.created", Data: []byte(fmt.Sprintf(`{"n": %d, "name": "Zoë"}`, i)), Metadata: eventstore.Metadata{ActorID: "a"}},
			{Type: "t.changed", Data: []byte(`{"b": 2, "a": 1}`)},
			{Type: "t.changed", Data: []byte(`{"c": [1, 2]}`)},
		}
		if _, err := s.Append(ctx, fmt.Sprintf("thing-%d", i), eventstore.NoStream, batch...); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Append(ctx, fmt.Sprintf("thing-%d", i), eventstore.Exactly(3), eventstore.EventData{Type: "t.done", Data: []byte(`{}`)}); err != nil {
			t.Fatal(err)
		}
	}
}

// positionOf is where an event is in the store's global log.
func positionOf(t *testing.T, s eventstore.Store, stream string, version int64) eventstore.Position {
	t.Helper()
	evs, err := s.ReadStream(context.Background(), stream, version)
	if err != nil || len(evs) == 0 || evs[0].Version != version {
		t.Fatalf("%s version %d: %v", stream, version, err)
	}
	return evs[0].Position
}

func newKurrentStore(t *testing.T) (*kurrentstore.Store, string) {
	t.Helper()
	url := kurrenttest.Start(t).URL()
	s, err := kurrentstore.New(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s, url
}

// TestVerifyCleanLog: verify goes through the contract, so it checks all
// three stores the same way.
func TestVerifyCleanLog(t *testing.T) {
	stores := []struct {
		name string
		open func(t *testing.T) eventstore.Store
	}{
		{"postgres", func(t *testing.T) eventstore.Store {
			s := pgstore.New(testenv.DB(t).Pool)
			t.Cleanup(s.Close)
			return s
		}},
		{"kurrentdb", func(t *testing.T) eventstore.Store { s, _ := newKurrentStore(t); return s }},
		{"memory", func(t *testing.T) eventstore.Store { return memstore.New(nil) }},
	}
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			s := st.open(t)
			seedLog(t, s)
			rep, err := audit.Verify(context.Background(), s)
			if err != nil {
				t.Fatal(err)
			}
			if !rep.OK() || rep.Events != 12 || rep.Streams != 3 || len(rep.Heads) != 64 {
				t.Fatalf("clean log: %+v", rep)
			}
			// The heads digest moves when a stream's end moves.
			if _, err := s.Append(context.Background(), "thing-1", eventstore.Exactly(4), eventstore.EventData{Type: "t.more", Data: []byte(`{}`)}); err != nil {
				t.Fatal(err)
			}
			again, err := audit.Verify(context.Background(), s)
			if err != nil || !again.OK() || again.Heads == rep.Heads {
				t.Fatalf("after one more event: %v %+v (heads before %s)", err, again, rep.Heads)
			}
		})
	}
	t.Run("postgres: events appended several per statement chain too", func(t *testing.T) {
		db := testenv.DB(t)
		s := pgstore.New(db.Pool)
		defer s.Close()
		seedLog(t, s)
		var unchained int
		if err := db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM events WHERE version > 1 AND prev_hash IS NULL`).Scan(&unchained); err != nil || unchained != 0 {
			t.Fatalf("%d events without a predecessor hash (%v)", unchained, err)
		}
	})
}

// problems runs Verify and returns its report's lines.
func problems(t *testing.T, s eventstore.Store) string {
	t.Helper()
	rep, err := audit.Verify(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK() {
		t.Fatal("tampered log verified")
	}
	var all []string
	for _, p := range rep.Problems {
		all = append(all, p.String())
	}
	return strings.Join(all, "\n")
}

func TestVerifyNamesTamperedRows(t *testing.T) {
	db := testenv.DB(t)
	s := pgstore.New(db.Pool)
	defer s.Close()
	seedLog(t, s)
	ctx := context.Background()
	edited := positionOf(t, s, "thing-0", 2)
	deleted := positionOf(t, s, "thing-1", 2)
	forgedAfter := positionOf(t, s, "thing-2", 4)

	// What someone with database access might do behind the app's back
	// (a pgstore position's Prepare is the row's seq).
	for _, stmt := range []string{
		`ALTER TABLE events DISABLE TRIGGER events_no_update`,
		fmt.Sprintf(`UPDATE events SET data = '{"b": 2, "a": 99}' WHERE seq = %d`, edited.Prepare),
		fmt.Sprintf(`DELETE FROM events WHERE seq = %d`, deleted.Prepare),
		`ALTER TABLE events ENABLE TRIGGER events_no_update`,
		`ALTER TABLE events DISABLE TRIGGER events_hash_chain`,
		`INSERT INTO events (id, stream, version, type, data, recorded_at, hash) VALUES (gen_random_uuid(), 'thing-2', 5, 't.forged', '{}', now(), '\xdeadbeef')`,
		`ALTER TABLE events ENABLE TRIGGER events_hash_chain`,
	} {
		if _, err := db.Pool.Exec(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	text := problems(t, s)
	for _, want := range []string{
		fmt.Sprintf("at position %s (stream thing-0, version 2): content does not match its hash", edited),
		"stream thing-1 version 2: missing",
		"(stream thing-2, version 5): content does not match its hash",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("report lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, forgedAfter.String()) {
		t.Errorf("an untouched row was blamed:\n%s", text)
	}
}

// TestVerifyNamesTamperedEventsInMemory does to the memory store what
// TestVerifyNamesTamperedRows does to PostgreSQL, through its test-only
// Tamper: one event edited, one deleted, one forged.
func TestVerifyNamesTamperedEventsInMemory(t *testing.T) {
	s := memstore.New(nil)
	seedLog(t, s)
	edited := positionOf(t, s, "thing-0", 2)
	forgedAfter := positionOf(t, s, "thing-2", 4)
	s.Tamper(func(log []eventstore.RecordedEvent) []eventstore.RecordedEvent {
		var out []eventstore.RecordedEvent
		for _, e := range log {
			switch {
			case e.Stream == "thing-0" && e.Version == 2:
				e.Data = []byte(`{"b": 2, "a": 99}`)
			case e.Stream == "thing-1" && e.Version == 2:
				continue
			}
			out = append(out, e)
		}
		last := out[len(out)-1]
		forged := last
		forged.Stream, forged.Version, forged.Type, forged.Data, forged.PrevHash = "thing-2", 5, "t.forged", []byte(`{}`), nil
		forged.Hash = bytes.Repeat([]byte{0xde}, 32)
		forged.Position = eventstore.Position{Commit: last.Position.Commit + 1, Prepare: last.Position.Prepare + 1}
		return append(out, forged)
	})
	text := problems(t, s)
	for _, want := range []string{
		fmt.Sprintf("event at position %s (stream thing-0, version 2): content does not match its hash", edited),
		"stream thing-1 version 2: missing",
		"(stream thing-1, version 3): does not follow its predecessor's hash",
		"(stream thing-2, version 5): does not follow its predecessor's hash",
		"(stream thing-2, version 5): content does not match its hash",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("report lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, forgedAfter.String()) || strings.Contains(text, "thing-0, version 3") {
		t.Errorf("an untouched event was blamed:\n%s", text)
	}
}

// TestVerifyKurrentDBForeignWriter: KurrentDB has no trigger, so an event
// appended by anything but the adapter carries no hash; verify names it.
func TestVerifyKurrentDBForeignWriter(t *testing.T) {
	s, url := newKurrentStore(t)
	seedLog(t, s)
	conf, err := esdb.ParseConnectionString(url)
	if err != nil {
		t.Fatal(err)
	}
	conf.Logger = esdb.NoopLogging()
	raw, err := esdb.NewClient(conf)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.AppendToStream(context.Background(), "thing-2", esdb.AppendToStreamOptions{ExpectedRevision: esdb.Any{}},
		esdb.EventData{EventType: "t.forged", ContentType: esdb.ContentTypeJson, Data: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	text := problems(t, s)
	for _, want := range []string{
		"(stream thing-2, version 5): does not follow its predecessor's hash",
		"(stream thing-2, version 5): content does not match its hash",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("report lacks %q:\n%s", want, text)
		}
	}
	if strings.Count(text, "\n") != 1 {
		t.Errorf("more problems than the foreign event:\n%s", text)
	}
}
