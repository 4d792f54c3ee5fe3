package crashtest_test

import (
	"context"
	"hash/fnv"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/awareportal/portal/projections/readmodels"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/awareportal/portal/internal/catalog"
	"github.com/awareportal/portal/internal/config"
	"github.com/awareportal/portal/internal/eventstore"
)

// takeoverBound is how soon after the projections' leader dies a write
// through the other process must show in its read models.
const takeoverBound = 10 * time.Second

// TestTwoProcessesServeTheSameLearners runs two `portal serve` processes on
// one event store and one read-model database, on PostgreSQL and on
// KurrentDB (the in-process test server), started at the same moment on an
// empty store as two replicas would be. It checks that:
//   - the demo tenant is seeded once;
//   - every projection has exactly one leader (one process's connection
//     holds its advisory lock);
//   - read-your-writes holds across processes: a quiz attempt answered by
//     one process is on My activity at the other at once, both ways;
//   - when the leader is killed with SIGKILL, the other process takes every
//     projection over, and a write through it shows in its read models
//     within takeoverBound;
//   - the killed process, restarted, follows: read-your-writes both ways
//     again, still one leader per projection;
//   - every acknowledged attempt is once in the log, and the read models
//     equal their rebuild (nothing applied twice).
func TestTwoProcessesServeTheSameLearners(t *testing.T) {
	for _, store := range []string{config.EventStorePostgres, config.EventStoreKurrentDB} {
		t.Run(store, func(t *testing.T) {
			t.Parallel()
			twoProcesses(t, store)
		})
	}
}

func twoProcesses(t *testing.T, store string) {
	begin := time.Now()
	s := newStack(t, store)
	events := s.storeOf(store)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	a, b := s.node("portal-a", store), s.node("portal-b", store)
	a.start()
	b.start()
	a.waitReady()
	b.waitReady()
	t.Logf("both processes ready after %s", time.Since(begin).Round(10*time.Millisecond))
	if n := count(t, readLog(t, ctx, events), "tenancy.partner_registered.v1", nil); n != 2 {
		t.Errorf("%d partners registered by the demo seed, want 2 (seeded once)", n)
	}

	api := newClient(b.base)
	api.header["Authorization"] = "Bearer " + apiToken(t, a)
	cat, err := catalog.Load(catalog.Builtin())
	if err != nil {
		t.Fatal(err)
	}
	course := cat.All()[0]
	aid := setupLearner(t, ctx, api, s.box, course.ID, time.Now().AddDate(0, 2, 0).Format("2006-01-02"))
	learner := newClient(a.base)
	signInWithCourseMail(t, ctx, learner, s.box, "crash-player@acme.example")
	token, err := learner.csrf(ctx, a.base+"/learn/"+aid)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= len(course.Lessons); i++ {
		on := []*node{a, b}[i%2]
		if status, _, err := learner.postForm(ctx, on.base+"/learn/"+aid+"/progress", url.Values{"lesson": {strconv.Itoa(i)}, "_csrf": {token}}); err != nil || status != 200 {
			t.Fatalf("lesson %d on %s: %d %v", i, on.name, status, err)
		}
	}

	holders := waitOneLeaderEach(t, ctx, s.db.Pool, a, b)
	t.Logf("projection leaders: %v", holders)

	wrong := wrongAnswers(course)
	attempts := 0
	// quiz fails the quiz once through on, and expects the attempt on the
	// learner's activity page at then, in the very next request.
	quiz := func(on *node) {
		t.Helper()
		attempts++
		form := url.Values{"_csrf": {token}}
		for k, v := range wrong {
			form[k] = v
		}
		status, body, err := learner.postForm(ctx, on.base+"/learn/"+aid+"/quiz", form)
		if err != nil || status != 200 || !strings.Contains(body, "on attempt "+strconv.Itoa(attempts)+".") {
			t.Fatalf("attempt %d on %s: %d %v\n%.300s", attempts, on.name, status, err, body)
		}
	}
	onActivity := func(at *node) bool {
		t.Helper()
		status, body, err := learner.get(ctx, at.base+"/activity")
		if err != nil || status != 200 {
			t.Fatalf("activity on %s: %d %v", at.name, status, err)
		}
		return strings.Contains(body, "(attempt "+strconv.Itoa(attempts)+")")
	}
	alternate := func(rounds int) {
		t.Helper()
		for i := range rounds {
			on, then := a, b
			if i%2 == 1 {
				on, then = b, a
			}
			quiz(on)
			if !onActivity(then) {
				t.Fatalf("attempt %d, answered by %s, is not on My activity at %s (read-your-writes)", attempts, on.name, then.name)
			}
		}
	}
	alternate(8)

	// Kill the process that leads the most projections.
	leader, survivor := a, b
	if n := strings.Count(strings.Join(values(holders), " "), b.name); n > len(holders)/2 {
		leader, survivor = b, a
	}
	killed := time.Now()
	leader.proc.kill9()
	quiz(survivor)
	answered := time.Since(killed)
	var visible, takeover time.Duration
	for visible == 0 || takeover == 0 {
		if time.Since(killed) > takeoverBound {
			t.Fatalf("%s after killing %s (leading %v): attempt visible after %s, all projection locks taken after %s (0: not yet)",
				takeoverBound, leader.name, holders, visible, takeover)
		}
		if visible == 0 && onActivity(survivor) {
			visible = time.Since(killed)
		}
		if takeover == 0 && ledBy(t, ctx, s.db.Pool, survivor.name) {
			takeover = time.Since(killed)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("killed %s (leading %v): %s took every projection over after %s; the write through it was answered after %s and on its read models after %s",
		leader.name, holders, survivor.name, takeover.Round(time.Millisecond), answered.Round(time.Millisecond), visible.Round(time.Millisecond))

	// The killed process comes back as a follower.
	leader.start()
	leader.waitReady()
	alternate(6)
	if h := waitOneLeaderEach(t, ctx, s.db.Pool, a, b); strings.Count(strings.Join(values(h), " "), survivor.name) != len(h) {
		t.Errorf("after the restart, projection leaders %v: want %s to keep leading", h, survivor.name)
	}

	a.proc.stop()
	b.proc.stop()
	log := readLog(t, ctx, events)
	if n := count(t, log, "learning.quiz_submitted.v1", func(e eventstore.RecordedEvent, _ fields) bool { return e.Stream == "assignment-"+aid }); n != attempts {
		t.Errorf("%d quiz attempts in the log, %d acknowledged", n, attempts)
	}
	checkReadModelsEqualRebuild(t, ctx, s.db.Pool, events, log)
	t.Logf("whole test %s", time.Since(begin).Round(100*time.Millisecond))
}

// wrongAnswers fails every question of the course's quiz.
func wrongAnswers(course *catalog.Course) url.Values {
	wrong := url.Values{}
	for _, q := range course.Quiz.Questions {
		for _, ch := range q.Choices {
			if ch.ID != q.Answer {
				wrong.Set("q_"+q.ID, ch.ID)
				break
			}
		}
	}
	return wrong
}

// projectionLeaders names, per projection, the application_name of every
// connection holding its advisory lock (pgrunner.Runner: class 7420,
// the FNV-32a of the projection's name).
func projectionLeaders(t *testing.T, ctx context.Context, pool *pgxpool.Pool) map[string][]string {
	t.Helper()
	names := map[uint32]string{}
	for _, p := range readmodels.All() {
		h := fnv.New32a()
		h.Write([]byte(p.Name()))
		names[h.Sum32()] = p.Name()
	}
	rows, err := pool.Query(ctx, `SELECT l.objid, coalesce(a.application_name, '') FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
		WHERE l.locktype = 'advisory' AND l.classid = 7420 AND l.objsubid = 2 AND l.granted
		AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string][]string{}
	for rows.Next() {
		var key uint32
		var holder string
		if err := rows.Scan(&key, &holder); err != nil {
			t.Fatal(err)
		}
		if name, ok := names[key]; ok {
			out[name] = append(out[name], holder)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// waitOneLeaderEach waits (briefly: a process retries the lock every 2 s)
// until every projection's lock is held, and fails unless each is held by
// exactly one connection of one of the nodes. It returns the holders.
func waitOneLeaderEach(t *testing.T, ctx context.Context, pool *pgxpool.Pool, nodes ...*node) map[string]string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := projectionLeaders(t, ctx, pool)
		if len(got) == len(readmodels.All()) || time.Now().After(deadline) {
			out := map[string]string{}
			for _, p := range readmodels.All() {
				h := got[p.Name()]
				if len(h) != 1 || !isNode(h[0], nodes) {
					t.Fatalf("projection %s: lock held by %q, want exactly one portal process (all: %v)", p.Name(), h, got)
				}
				out[p.Name()] = h[0]
			}
			return out
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func isNode(name string, nodes []*node) bool {
	for _, n := range nodes {
		if n.name == name {
			return true
		}
	}
	return false
}

// ledBy reports whether name holds every projection's lock, alone.
func ledBy(t *testing.T, ctx context.Context, pool *pgxpool.Pool, name string) bool {
	t.Helper()
	got := projectionLeaders(t, ctx, pool)
	for _, p := range readmodels.All() {
		if h := got[p.Name()]; len(h) != 1 || h[0] != name {
			return false
		}
	}
	return true
}

func values(m map[string]string) []string {
	var out []string
	for _, v := range m {
		out = append(out, v)
	}
	return out
}
