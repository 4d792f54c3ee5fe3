package audit_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/awareportal/portal/internal/audit"
	"github.com/awareportal/portal/internal/eventstore"
	"github.com/awareportal/portal/internal/eventstore/pgstore"
	"github.com/awareportal/portal/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func seedLog(t *testing.T, s *pgstore.Store) {
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

func seqOf(t *testing.T, db *testenv.Database, stream string, version int) int64 {
	t.Helper()
	var seq int64
	if err := db.Pool.QueryRow(context.Background(), `SELECT seq FROM events WHERE stream = $1 AND version = $2`, stream, version).Scan(&seq); err != nil {
		t.Fatal(err)
	}
	return seq
}

func TestVerifyCleanLog(t *testing.T) {
	db := testenv.DB(t)
	s := pgstore.New(db.Pool)
	defer s.Close()
	seedLog(t, s)
	rep, err := audit.Verify(context.Background(), db.Pool)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() || rep.Events != 12 || rep.Streams != 3 || rep.Heads == "" {
		t.Fatalf("clean log: %+v", rep)
	}
	// Events appended several per statement chain to each other too.
	var unchained int
	if err := db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM events WHERE version > 1 AND prev_hash IS NULL`).Scan(&unchained); err != nil || unchained != 0 {
		t.Fatalf("%d events without a predecessor hash (%v)", unchained, err)
	}
}

func TestVerifyNamesTamperedRows(t *testing.T) {
	db := testenv.DB(t)
	s := pgstore.New(db.Pool)
	defer s.Close()
	seedLog(t, s)
	ctx := context.Background()
	edited := seqOf(t, db, "thing-0", 2)
	deleted := seqOf(t, db, "thing-1", 2)
	forgedAfter := seqOf(t, db, "thing-2", 4)

	// What someone with database access might do behind the app's back.
	for _, stmt := range []string{
		`ALTER TABLE events DISABLE TRIGGER events_no_update`,
		fmt.Sprintf(`UPDATE events SET data = '{"b": 2, "a": 99}' WHERE seq = %d`, edited),
		fmt.Sprintf(`DELETE FROM events WHERE seq = %d`, deleted),
		`ALTER TABLE events ENABLE TRIGGER events_no_update`,
		`ALTER TABLE events DISABLE TRIGGER events_hash_chain`,
		`INSERT INTO events (id, stream, version, type, data, recorded_at, hash) VALUES (gen_random_uuid(), 'thing-2', 5, 't.forged', '{}', now(), '\xdeadbeef')`,
		`ALTER TABLE events ENABLE TRIGGER events_hash_chain`,
	} {
		if _, err := db.Pool.Exec(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	rep, err := audit.Verify(ctx, db.Pool)
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
	text := strings.Join(all, "\n")
	for _, want := range []string{
		fmt.Sprintf("seq=%d (stream thing-0, version 2): content does not match its hash", edited),
		"stream thing-1 version 2: missing",
		"(stream thing-2, version 5): content does not match its hash",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("report lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, fmt.Sprintf("seq=%d", forgedAfter)) {
		t.Errorf("an untouched row was blamed:\n%s", text)
	}
}
