package pgmail_test

import (
	"context"
	"errors"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/awareportal/portal/domain/mailing"
	"github.com/awareportal/portal/domain/registry"
	"github.com/awareportal/portal/internal/clock"
	"github.com/awareportal/portal/internal/eventstore"
	"github.com/awareportal/portal/internal/eventstore/kurrentstore"
	"github.com/awareportal/portal/internal/eventstore/kurrentstore/kurrenttest"
	portalmail "github.com/awareportal/portal/internal/mail"
	"github.com/awareportal/portal/internal/mail/pgmail"
)

// faults arms one step of the outbox path at a time.
type faults struct {
	mu    sync.Mutex
	armed string
}

func (f *faults) arm(step string) { f.mu.Lock(); f.armed = step; f.mu.Unlock() }

func (f *faults) at(step string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if step == f.armed {
		return errors.New("injected crash")
	}
	return nil
}

// TestOutboxOnKurrentDB: the mail queue on an event store that cannot join
// a PostgreSQL transaction (KurrentDB, the in-process test server). A crash
// is injected at each step of queuing and recording; afterwards every mail
// whose MailQueued exists is delivered exactly once with one MailSent, and
// a mail whose append never happened is never sent and its held job is
// deleted.
func TestOutboxOnKurrentDB(t *testing.T) {
	f := newFixture(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	store, err := kurrentstore.New(kurrenttest.Start(t).URL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	clk := clock.NewFake(time.Now())
	fx := &faults{}
	sealer, err := portalmail.NewSealer(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	q, err := pgmail.NewQueue(pgmail.QueueConfig{
		Pool: f.db.Pool, Sealer: sealer, Repo: eventstore.Repository{Store: store, Codec: registry.Codec()},
		Sender: portalmail.SMTPSender{URL: f.url, From: &mail.Address{Address: "training@portal.test"}, Timeout: 5 * time.Second},
		Clock:  clk, Log: f.log, Retry: now{}, Work: true, RescueAfter: 20 * time.Second,
		ReconcileEvery: time.Second, Fault: fx.at,
	})
	if err != nil {
		t.Fatal(err)
	}
	enqueue := func(id string) error {
		return q.Enqueue(ctx, id, mailing.KindSignInLink, "acme-sam", "signin-1", message("sam@acme.example"), eventstore.Metadata{})
	}
	types := func(id string) string {
		evs, err := store.ReadStream(ctx, mailing.Stream(id), 1)
		if errors.Is(err, eventstore.ErrStreamNotFound) {
			return ""
		}
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range evs {
			out = append(out, strings.TrimSuffix(strings.TrimPrefix(e.Type, "mailing.mail_"), ".v1"))
		}
		return strings.Join(out, ",")
	}
	jobs := func(id, state string) int {
		return f.count(t, `SELECT count(*) FROM river_job WHERE args->>'mail_id' = $1 AND state::text = $2`, id, state)
	}
	outbox := func(id string) int { return f.count(t, `SELECT count(*) FROM mail_outbox WHERE mail_id = $1`, id) }

	// Queued while no worker runs.
	if err := enqueue("m-ok"); err != nil {
		t.Fatal(err)
	}
	if jobs("m-ok", "available") != 1 || outbox("m-ok") != 0 || types("m-ok") != "queued" {
		t.Fatalf("m-ok: not released by Enqueue (events %q, %d outbox rows)", types("m-ok"), outbox("m-ok"))
	}
	if err := enqueue("m-ok"); err != nil { // a retried request: nothing more
		t.Fatal(err)
	}
	fx.arm("held") // crash after the held job, before MailQueued
	if err := enqueue("m-held"); err == nil {
		t.Fatal("m-held: enqueue succeeded through the fault")
	}
	fx.arm("queued") // crash after MailQueued, before the release
	if err := enqueue("m-queued"); err == nil {
		t.Fatal("m-queued: enqueue succeeded through the fault")
	}
	fx.arm("")
	if got := types("m-held"); got != "" {
		t.Fatalf("m-held has events %q", got)
	}
	if types("m-queued") != "queued" || jobs("m-queued", "scheduled") != 1 || outbox("m-queued") != 1 {
		t.Fatalf("m-queued: events %q, %d held jobs, %d outbox rows", types("m-queued"), jobs("m-queued", "scheduled"), outbox("m-queued"))
	}
	if jobs("m-held", "scheduled") != 1 || outbox("m-held") != 1 {
		t.Fatal("m-held: no held job")
	}

	if err := q.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer q.Stop(context.Background()) //nolint:errcheck
	// The periodic reconcile releases m-queued.
	for _, id := range []string{"m-ok", "m-queued"} {
		// MailSent is appended before the 'sent' outbox row goes, so
		// wait for both.
		eventually(t, 30*time.Second, id+": not delivered and recorded, or outbox row left", func() bool {
			return f.sink.count(id) > 0 && types(id) == "queued,sent" && outbox(id) == 0
		})
	}
	// The held job of the append that never happened waits out the held
	// timeout (an append might still be under way), then goes.
	if jobs("m-held", "scheduled") != 1 {
		t.Fatal("m-held: the held job was dropped before the held timeout")
	}
	clk.Advance(pgmail.DefaultHeldTimeout + time.Second)
	eventually(t, 20*time.Second, "m-held: held job not deleted", func() bool {
		return f.count(t, `SELECT count(*) FROM river_job WHERE args->>'mail_id' = 'm-held'`) == 0 && outbox("m-held") == 0
	})

	// Crash after the sent record, before MailSent: the reconcile appends it.
	fx.arm("sent")
	if err := enqueue("m-sent"); err != nil {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, "m-sent: not delivered", func() bool { return f.sink.count("m-sent") > 0 && outbox("m-sent") == 1 })
	fx.arm("")
	if got := types("m-sent"); got != "queued" {
		t.Fatalf("m-sent: events %q before the reconcile", got)
	}
	clk.Advance(pgmail.DefaultHeldTimeout + time.Second)
	eventually(t, 20*time.Second, "m-sent: mail_sent not appended by the reconcile", func() bool { return types("m-sent") == "queued,sent" && outbox("m-sent") == 0 })

	time.Sleep(2 * time.Second) // further reconciles must not change anything
	for id, want := range map[string]int{"m-ok": 1, "m-queued": 1, "m-sent": 1, "m-held": 0} {
		if n := f.sink.count(id); n != want {
			t.Errorf("%s delivered %d times, want %d", id, n, want)
		}
	}
	for _, id := range []string{"m-ok", "m-queued", "m-sent"} {
		if got := types(id); got != "queued,sent" {
			t.Errorf("%s: events %q, want queued,sent", id, got)
		}
	}
	if n := f.count(t, `SELECT count(*) FROM mail_outbox`); n != 0 {
		t.Errorf("%d outbox rows left", n)
	}
	if n := f.count(t, `SELECT count(*) FROM events`); n != 0 {
		t.Errorf("%d events in PostgreSQL; they belong in KurrentDB", n)
	}
}
