package crashtest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/awareportal/portal/internal/config"
	"github.com/awareportal/portal/internal/eventstore"
	"github.com/awareportal/portal/internal/eventstore/kurrentstore"
	"github.com/awareportal/portal/internal/eventstore/kurrentstore/kurrenttest"
	"github.com/awareportal/portal/internal/eventstore/pgstore"
	"github.com/awareportal/portal/internal/testenv"
)

// stack is what the portal processes of one test share: the built binary,
// the test database (read models, sessions, the mail queue, and the events
// on PostgreSQL), the SMTP sink and, on KurrentDB, the in-process KurrentDB
// server (it lives in the test process, so it outlives every kill).
type stack struct {
	t       *testing.T
	bin     string
	db      *testenv.Database
	box     *sink
	smtpURL string
	kurrent *kurrenttest.Server // nil unless the test runs on KurrentDB
}

// newStack sets up what processes on store (config.EventStorePostgres or
// config.EventStoreKurrentDB) need; nothing runs yet. The database is on a
// PostgreSQL server of the test's own (testenv.Isolated): killed processes
// and rebuild comparisons hold transactions that would stall other tests'
// read models on a shared server.
func newStack(t *testing.T, store string) *stack {
	t.Helper()
	s := &stack{t: t, db: testenv.Isolated(t), bin: buildPortal(t)}
	s.box, s.smtpURL = startSink(t)
	if store == config.EventStoreKurrentDB {
		s.kurrent = kurrenttest.Start(t)
	}
	return s
}

// storeOf opens the test's own handle on the event store a process on
// store uses (for checks and for writing behind the portal's back).
func (s *stack) storeOf(store string) eventstore.Store {
	s.t.Helper()
	if store == config.EventStorePostgres {
		st := pgstore.New(s.db.Pool)
		s.t.Cleanup(st.Close)
		return st
	}
	st, err := kurrentstore.New(s.kurrent.URL())
	if err != nil {
		s.t.Fatal(err)
	}
	s.t.Cleanup(func() { _ = st.Close() })
	return st
}

// node is one portal process on the stack: its own port, data directory
// and log; name is its PostgreSQL application_name, so the test can tell
// whose connection holds a lock.
type node struct {
	s       *stack
	name    string
	base    string
	env     []string
	logPath string
	proc    *portalProc
}

// node prepares (does not start) a portal process named name on store,
// with extra settings.
func (s *stack) node(name, store string, extra ...string) *node {
	s.t.Helper()
	port := freePort(s.t)
	dataDir := s.t.TempDir()
	n := &node{s: s, name: name, base: "http://localhost:" + port, logPath: filepath.Join(dataDir, "portal.log")}
	n.env = append(baseEnv(dataDir),
		"PORTAL_LISTEN=127.0.0.1:"+port, "PORTAL_BASE_URL="+n.base,
		"DATABASE_URL="+s.db.ConnString()+" application_name="+name,
		"PORTAL_SMTP_URL="+s.smtpURL, "PORTAL_MAIL_FROM=training@portal.test",
		"PORTAL_EVENTSTORE="+store)
	if store == config.EventStoreKurrentDB {
		n.env = append(n.env, "KURRENTDB_URL="+strings.Replace(s.kurrent.URL(), "esdb://", "kurrentdb://", 1))
	}
	n.env = append(n.env, extra...)
	dumpLogOnFailure(s.t, n.logPath)
	return n
}

// start runs `portal serve` (waitReady waits for it).
func (n *node) start() { n.proc = startPortal(n.s.t, n.s.bin, n.env, n.logPath) }

// waitReady waits until /readyz answers 200 and returns how long it took.
func (n *node) waitReady() time.Duration {
	n.s.t.Helper()
	return waitStatus(n.s.t, n.base, "/readyz", 200, 60*time.Second)
}

// run runs a CLI command with the node's settings and returns its output.
func (n *node) run(args ...string) string {
	n.s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := command(ctx, n.s.bin, n.env, args...).CombinedOutput()
	if err != nil {
		n.s.t.Fatalf("portal %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// logTail reads an event log through the store contract, oldest first,
// picking up where it stopped.
type logTail struct {
	store  eventstore.Store
	after  eventstore.Position
	events []eventstore.RecordedEvent
}

func (l *logTail) catchUp(ctx context.Context) error {
	for {
		evs, err := l.store.ReadAll(ctx, l.after, 1000)
		if err != nil {
			return fmt.Errorf("read the log after %s: %w", l.after, err)
		}
		if len(evs) == 0 {
			return nil
		}
		l.events = append(l.events, evs...)
		l.after = evs[len(evs)-1].Position
	}
}

// readLog is the whole log of store.
func readLog(t *testing.T, ctx context.Context, store eventstore.Store) []eventstore.RecordedEvent {
	t.Helper()
	l := &logTail{store: store}
	if err := l.catchUp(ctx); err != nil {
		t.Fatal(err)
	}
	return l.events
}

// fields are the event data fields the checks look at.
type fields struct {
	LearnerID string `json:"learner_id"`
	MailID    string `json:"mail_id"`
	Kind      string `json:"kind"`
	Cause     string `json:"cause"`
	To        string `json:"to"`
	Lesson    int    `json:"lesson"`
}

func fieldsOf(t *testing.T, e eventstore.RecordedEvent) fields {
	t.Helper()
	var f fields
	if err := json.Unmarshal(e.Data, &f); err != nil {
		t.Fatalf("event %s (%s): %v", e.ID, e.Type, err)
	}
	return f
}

// count counts the events of type typ for which match (if given) holds.
func count(t *testing.T, log []eventstore.RecordedEvent, typ string, match func(eventstore.RecordedEvent, fields) bool) int {
	t.Helper()
	n := 0
	for _, e := range log {
		if e.Type == typ && (match == nil || match(e, fieldsOf(t, e))) {
			n++
		}
	}
	return n
}
