package pgmail_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/mail"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river/rivertype"

	"github.com/awareportal/portal/domain/mailing"
	"github.com/awareportal/portal/domain/registry"
	"github.com/awareportal/portal/internal/clock"
	"github.com/awareportal/portal/internal/eventstore"
	"github.com/awareportal/portal/internal/eventstore/pgstore"
	portalmail "github.com/awareportal/portal/internal/mail"
	"github.com/awareportal/portal/internal/mail/pgmail"
	"github.com/awareportal/portal/internal/testenv"
)

// counting is an SMTP sink that keeps every delivery by Message-ID.
type counting struct {
	mu   sync.Mutex
	byID map[string]int
	ids  []string
}

func newCounting() *counting { return &counting{byID: map[string]int{}} }

func (c *counting) Deliver(_ context.Context, env portalmail.Envelope) error {
	m, err := mail.ReadMessage(bytes.NewReader(env.Raw))
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	id := m.Header.Get("Message-Id")
	c.byID[id]++
	c.ids = append(c.ids, id)
	return nil
}

func (c *counting) count(id string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.byID[id+"@portal.test"] + c.byID["<"+id+"@portal.test>"]
}

type fixture struct {
	db    *testenv.Database
	store *pgstore.Store
	sink  *counting
	url   *url.URL
	log   *slog.Logger
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	db := testenv.DB(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	sink := newCounting()
	srv, err := portalmail.StartSMTPServer("127.0.0.1:0", sink, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	u, _ := url.Parse(srv.URL())
	store := pgstore.New(db.Pool)
	t.Cleanup(store.Close)
	return &fixture{db: db, store: store, sink: sink, url: u, log: log}
}

func (f *fixture) queue(t *testing.T, rescue time.Duration, sender portalmail.Sender) *pgmail.Queue {
	t.Helper()
	sealer, err := portalmail.NewSealer(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	if sender == nil {
		sender = portalmail.SMTPSender{URL: f.url, From: &mail.Address{Address: "training@portal.test"}, Timeout: pgmail.SendTimeout(rescue)}
	}
	q, err := pgmail.NewQueue(pgmail.QueueConfig{
		Pool: f.db.Pool, Sender: sender, Sealer: sealer, Repo: eventstore.Repository{Store: f.store, Codec: registry.Codec()},
		Clock: clock.System{}, Log: f.log, Retry: now{}, Work: true, RescueAfter: rescue,
	})
	if err != nil {
		t.Fatal(err)
	}
	return q
}

func (f *fixture) count(t *testing.T, query string, args ...any) int {
	t.Helper()
	var n int
	if err := f.db.Pool.QueryRow(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func (f *fixture) exec(t *testing.T, sql string) {
	t.Helper()
	if _, err := f.db.Pool.Exec(context.Background(), sql); err != nil {
		t.Fatal(err)
	}
}

// eventually polls cond until it holds or d passes.
func eventually(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %s", d, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func message(to string) portalmail.Message {
	return portalmail.Message{FromName: "Northwind IT Training", To: to, Subject: "Sign in", Text: "https://x/signin?t=secret"}
}

// TestEnqueueFailingAtEachStepLosesNothing makes the database refuse each
// step of queuing in turn (the event, the job, the commit), as a crash
// there would: afterwards there is either both the MailQueued event and its
// job or neither, so the caller's retry queues the mail and it is sent once.
func TestEnqueueFailingAtEachStepLosesNothing(t *testing.T) {
	f := newFixture(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	q := f.queue(t, 10*time.Second, nil)
	f.exec(t, `CREATE FUNCTION fail_step() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected fault: %', TG_ARGV[0]; END $$`)
	steps := []struct{ name, arm, disarm string }{
		{"before the event",
			`CREATE TRIGGER fault BEFORE INSERT ON events FOR EACH ROW WHEN (NEW.stream LIKE 'mail-%') EXECUTE FUNCTION fail_step('event')`,
			`DROP TRIGGER fault ON events`},
		{"between the event and the job",
			`CREATE TRIGGER fault BEFORE INSERT ON river_job FOR EACH ROW EXECUTE FUNCTION fail_step('job')`,
			`DROP TRIGGER fault ON river_job`},
		{"at commit",
			`CREATE CONSTRAINT TRIGGER fault AFTER INSERT ON river_job DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION fail_step('commit')`,
			`DROP TRIGGER fault ON river_job`},
	}
	for i, step := range steps {
		id := fmt.Sprintf("m-step-%d", i)
		f.exec(t, step.arm)
		if err := q.Enqueue(ctx, id, mailing.KindSignInLink, "acme-sam", "signin-1", message("sam@acme.example"), eventstore.Metadata{}); err == nil {
			t.Fatalf("%s: enqueue succeeded through the fault", step.name)
		}
		f.exec(t, step.disarm)
		events := f.count(t, `SELECT count(*) FROM events WHERE stream = $1`, mailing.Stream(id))
		jobs := f.count(t, `SELECT count(*) FROM river_job WHERE args->>'mail_id' = $1`, id)
		if events != 0 || jobs != 0 {
			t.Fatalf("fault %s left %d MailQueued events and %d jobs, want neither", step.name, events, jobs)
		}
		// The caller retries (the learner asks again, the sweep runs again).
		if err := q.Enqueue(ctx, id, mailing.KindSignInLink, "acme-sam", "signin-1", message("sam@acme.example"), eventstore.Metadata{}); err != nil {
			t.Fatalf("%s: retry: %v", step.name, err)
		}
	}
	if err := q.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer q.Stop(context.Background()) //nolint:errcheck
	for i, step := range steps {
		id := fmt.Sprintf("m-step-%d", i)
		eventually(t, 20*time.Second, step.name+": mail never delivered", func() bool { return f.sink.count(id) > 0 })
	}
	eventually(t, 10*time.Second, "not every mail recorded as sent", func() bool {
		return f.count(t, `SELECT count(*) FROM mail_deliveries WHERE sent_at IS NOT NULL`) == len(steps)
	})
	for i := range steps {
		if n := f.sink.count(fmt.Sprintf("m-step-%d", i)); n != 1 {
			t.Errorf("mail %d delivered %d times", i, n)
		}
	}
}

// TestStuckSendIsRescuedAndCountedAsPossibleDuplicate: a process died while
// its send job ran, after the SMTP server had accepted the mail and before
// the outcome was recorded. The job is run again within seconds (not
// River's default hour), with the same Message-ID, and the second delivery
// is counted as a possible duplicate.
func TestStuckSendIsRescuedAndCountedAsPossibleDuplicate(t *testing.T) {
	f := newFixture(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	const rescue = 3 * time.Second
	q := f.queue(t, rescue, nil)
	if err := q.Enqueue(ctx, "m-stuck", mailing.KindSignInLink, "acme-sam", "signin-1", message("sam@acme.example"), eventstore.Metadata{}); err != nil {
		t.Fatal(err)
	}
	// What the dead process left: the first copy delivered, the job
	// running (since longer than the rescue interval), its attempt in flight.
	sender := portalmail.SMTPSender{URL: f.url, From: &mail.Address{Address: "training@portal.test"}}
	if err := sender.Send(ctx, "m-stuck", message("sam@acme.example")); err != nil {
		t.Fatal(err)
	}
	f.exec(t, `UPDATE river_job SET state = 'running', attempt = 1, attempted_at = now() - interval '1 minute', attempted_by = ARRAY['dead-process']`)
	f.exec(t, `INSERT INTO mail_deliveries (mail_id, attempts, in_flight, updated_at) VALUES ('m-stuck', 1, 1, now())`)

	start := time.Now()
	if err := q.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer q.Stop(context.Background()) //nolint:errcheck
	eventually(t, 20*time.Second, "the stuck job was not rescued and sent again", func() bool { return f.sink.count("m-stuck") == 2 })
	t.Logf("rescued and sent again after %s", time.Since(start).Round(100*time.Millisecond))
	eventually(t, 5*time.Second, "no sent record", func() bool {
		return f.count(t, `SELECT count(*) FROM mail_deliveries WHERE sent_at IS NOT NULL`) == 1
	})
	d, err := pgmail.CountDeliveries(ctx, f.db.Pool)
	if err != nil {
		t.Fatal(err)
	}
	if d.PossibleDuplicates != 1 || d.Sent != 1 || d.InFlight != 0 {
		t.Fatalf("deliveries = %+v, want one sent with one possible duplicate", d)
	}
	if n := f.count(t, `SELECT count(*) FROM events WHERE stream = 'mail-m-stuck' AND type = 'mailing.mail_sent.v1'`); n != 1 {
		t.Fatalf("%d MailSent events, want 1", n)
	}
	f.sink.mu.Lock()
	ids := append([]string(nil), f.sink.ids...)
	f.sink.mu.Unlock()
	if len(ids) != 2 || ids[0] != ids[1] || ids[0] != "<m-stuck@portal.test>" {
		t.Fatalf("Message-IDs of the two copies: %q", ids)
	}
}

// TestSentMailIsNeverSentAgain: a send job run again after its mail was
// recorded as sent (an operator's retry, a second job for the same mail)
// checks the sent record and sends nothing.
func TestSentMailIsNeverSentAgain(t *testing.T) {
	f := newFixture(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	q := f.queue(t, 10*time.Second, nil)
	if err := q.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer q.Stop(context.Background()) //nolint:errcheck
	if err := q.Enqueue(ctx, "m-once", mailing.KindSignInLink, "acme-sam", "signin-1", message("sam@acme.example"), eventstore.Metadata{}); err != nil {
		t.Fatal(err)
	}
	var jobID int64
	if err := f.db.Pool.QueryRow(ctx, `SELECT id FROM river_job WHERE args->>'mail_id' = 'm-once'`).Scan(&jobID); err != nil {
		t.Fatal(err)
	}
	completed := func() bool {
		j, err := q.Client().JobGet(ctx, jobID)
		return err == nil && j.State == rivertype.JobStateCompleted
	}
	eventually(t, 20*time.Second, "mail not sent", completed)
	if _, err := q.Client().JobRetry(ctx, jobID); err != nil {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, "retried job did not complete", func() bool {
		j, err := q.Client().JobGet(ctx, jobID)
		return err == nil && j.State == rivertype.JobStateCompleted && j.Attempt == 2
	})
	if n := f.sink.count("m-once"); n != 1 {
		t.Fatalf("delivered %d times, want 1", n)
	}
	if n := f.count(t, `SELECT count(*) FROM events WHERE stream = 'mail-m-once' AND type = 'mailing.mail_sent.v1'`); n != 1 {
		t.Fatalf("%d MailSent events, want 1", n)
	}
}

// scripted is a minimal SMTP server: it answers every command after delay,
// and with hangUp closes the connection instead of answering the first
// message's final ".", after reading all of it.
type scripted struct {
	ln     net.Listener
	delay  time.Duration
	hangUp bool
	rcpt   string // the reply to RCPT TO ("250 ok" when empty)

	mu       sync.Mutex
	received int
	rcpts    int
}

func startScripted(t *testing.T, delay time.Duration, hangUp bool) *scripted {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &scripted{ln: ln, delay: delay, hangUp: hangUp}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	return s
}

func (s *scripted) url() *url.URL { u, _ := url.Parse("smtp://" + s.ln.Addr().String()); return u }

func (s *scripted) serve(c net.Conn) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	r := bufio.NewReader(c)
	reply := func(line string) {
		time.Sleep(s.delay)
		fmt.Fprintf(c, "%s\r\n", line)
	}
	reply("220 scripted ESMTP")
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.ToUpper(strings.TrimSpace(line))
		switch {
		case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
			reply("250 scripted")
		case cmd == "DATA":
			reply("354 go on")
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
			}
			s.mu.Lock()
			s.received++
			first := s.received == 1
			s.mu.Unlock()
			if first && s.hangUp {
				return // read it all, never answer
			}
			reply("250 queued")
		case strings.HasPrefix(cmd, "RCPT TO"):
			s.mu.Lock()
			s.rcpts++
			s.mu.Unlock()
			if s.rcpt != "" {
				reply(s.rcpt)
			} else {
				reply("250 ok")
			}
		case cmd == "QUIT":
			reply("221 bye")
			return
		default:
			reply("250 ok")
		}
	}
}

func (s *scripted) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.received
}

// TestSendIsBoundedByItsTimeout: a server that answers every command slowly
// (each within a per-command timeout) cannot hold one delivery longer than
// the sender's timeout.
func TestSendIsBoundedByItsTimeout(t *testing.T) {
	srv := startScripted(t, 300*time.Millisecond, false)
	sender := portalmail.SMTPSender{URL: srv.url(), From: &mail.Address{Address: "training@portal.test"}, Timeout: time.Second}
	start := time.Now()
	err := sender.Send(context.Background(), "m-slow", message("sam@acme.example"))
	took := time.Since(start)
	if err == nil {
		t.Fatalf("a delivery of ~8 commands at 300 ms each finished within a 1 s timeout (%s)", took)
	}
	if took > 1500*time.Millisecond {
		t.Fatalf("delivery took %s with a 1 s timeout (%v)", took, err)
	}
}

// TestNoAnswerAfterTheMessageCountsAPossibleDuplicate: the server read the
// whole message and hung up without answering; it may have accepted it, so
// the retry is counted as a possible duplicate.
func TestNoAnswerAfterTheMessageCountsAPossibleDuplicate(t *testing.T) {
	f := newFixture(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	probe := startScripted(t, 0, true)
	from := &mail.Address{Address: "training@portal.test"}
	if err := (portalmail.SMTPSender{URL: probe.url(), From: from, Timeout: 2 * time.Second}).Send(ctx, "m-x", message("sam@acme.example")); !errors.Is(err, portalmail.ErrOutcomeUnknown) {
		t.Fatalf("hang-up after the message: %v, want ErrOutcomeUnknown", err)
	}

	srv := startScripted(t, 0, true)
	q := f.queue(t, 10*time.Second, portalmail.SMTPSender{URL: srv.url(), From: from, Timeout: 2 * time.Second})
	if err := q.Enqueue(ctx, "m-hangup", mailing.KindSignInLink, "acme-sam", "signin-1", message("sam@acme.example"), eventstore.Metadata{}); err != nil {
		t.Fatal(err)
	}
	if err := q.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer q.Stop(context.Background()) //nolint:errcheck
	eventually(t, 20*time.Second, "mail not recorded as sent", func() bool {
		return f.count(t, `SELECT count(*) FROM mail_deliveries WHERE sent_at IS NOT NULL`) == 1
	})
	d, err := pgmail.CountDeliveries(ctx, f.db.Pool)
	if err != nil {
		t.Fatal(err)
	}
	if srv.count() != 2 || d.PossibleDuplicates != 1 {
		t.Fatalf("server got %d copies, deliveries %+v: want 2 copies, 1 possible duplicate", srv.count(), d)
	}
	var types []string
	evs, err := f.store.ReadStream(ctx, mailing.Stream("m-hangup"), 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range evs {
		types = append(types, strings.TrimPrefix(e.Type, "mailing."))
	}
	if got := strings.Join(types, ","); got != "mail_queued.v1,mail_failed.v1,mail_sent.v1" {
		t.Fatalf("mail events %s", got)
	}
}

// TestRefusedAddressIsNotRetried: a 5xx to the recipient ("no such user")
// ends the mail at once, recorded as failed for good with the server's
// reply; a 4xx to the recipient ("try again later") is retried.
func TestRefusedAddressIsNotRetried(t *testing.T) {
	f := newFixture(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	from := &mail.Address{Address: "training@portal.test"}
	refusing := startScripted(t, 0, false)
	refusing.rcpt = "550 5.1.1 <nobody@acme.example>: no such user"
	if err := (portalmail.SMTPSender{URL: refusing.url(), From: from, Timeout: 2 * time.Second}).Send(ctx, "m-x", message("nobody@acme.example")); !errors.Is(err, portalmail.ErrRefused) {
		t.Fatalf("550 to RCPT TO: %v, want ErrRefused", err)
	}
	busy := startScripted(t, 0, false)
	busy.rcpt = "451 4.7.1 greylisted, try again later"
	if err := (portalmail.SMTPSender{URL: busy.url(), From: from, Timeout: 2 * time.Second}).Send(ctx, "m-y", message("sam@acme.example")); err == nil || errors.Is(err, portalmail.ErrRefused) {
		t.Fatalf("451 to RCPT TO: %v, want a temporary failure", err)
	}

	for _, s := range []*scripted{refusing, busy} {
		s.mu.Lock()
		s.rcpts = 0
		s.mu.Unlock()
	}
	for _, c := range []struct {
		srv *scripted
		id  string
	}{{refusing, "m-refused"}, {busy, "m-busy"}} {
		q := f.queue(t, 10*time.Second, portalmail.SMTPSender{URL: c.srv.url(), From: from, Timeout: 2 * time.Second})
		if err := q.Enqueue(ctx, c.id, mailing.KindSignInLink, "acme-sam", "signin-1", message("nobody@acme.example"), eventstore.Metadata{}); err != nil {
			t.Fatal(err)
		}
		if err := q.Start(ctx); err != nil {
			t.Fatal(err)
		}
		if c.id == "m-refused" {
			eventually(t, 20*time.Second, "the refused mail's job was not cancelled", func() bool {
				return f.count(t, `SELECT count(*) FROM river_job WHERE state = 'cancelled'`) == 1
			})
		} else {
			// Retried at once (the fixture's retry policy): a few attempts.
			eventually(t, 20*time.Second, "the greylisted mail was not retried", func() bool {
				c.srv.mu.Lock()
				defer c.srv.mu.Unlock()
				return c.srv.rcpts >= 3
			})
		}
		if err := q.Stop(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	refusing.mu.Lock()
	tries := refusing.rcpts
	refusing.mu.Unlock()
	if tries != 1 {
		t.Fatalf("the refused address was tried %d times, want once", tries)
	}
	evs, err := f.store.ReadStream(ctx, mailing.Stream("m-refused"), 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 2 || evs[1].Type != "mailing.mail_failed.v1" {
		t.Fatalf("events of the refused mail: %+v", evs)
	}
	var failed mailing.MailFailed
	if err := json.Unmarshal(evs[1].Data, &failed); err != nil {
		t.Fatal(err)
	}
	if !failed.Final || !strings.Contains(failed.Reply, "550") || !strings.Contains(failed.Reply, "no such user") || failed.Attempt != 1 {
		t.Fatalf("recorded failure %+v: want final, attempt 1, with the server's 550", failed)
	}
}
