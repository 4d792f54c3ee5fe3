package pgmail_test

import (
	"context"
	"io"
	"log/slog"
	"net/mail"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
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

func TestMain(m *testing.M) { testenv.Main(m) }

// flaky refuses the first refusals deliveries with a temporary SMTP error.
type flaky struct {
	mu       sync.Mutex
	refusals int
	got      []portalmail.Envelope
	arrived  chan struct{}
}

func (f *flaky) Deliver(_ context.Context, env portalmail.Envelope) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.refusals > 0 {
		f.refusals--
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "mailbox busy, try later"}
	}
	f.got = append(f.got, env)
	close(f.arrived)
	return nil
}

type now struct{}

func (now) NextRetry(*rivertype.JobRow) time.Time { return time.Now() }

func TestQueueRetriesAndRecordsEveryAttempt(t *testing.T) {
	db := testenv.DB(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	sink := &flaky{refusals: 2, arrived: make(chan struct{})}
	srv, err := portalmail.StartSMTPServer("127.0.0.1:0", sink, log)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	u, _ := url.Parse(srv.URL())
	store := pgstore.New(db.Pool)
	defer store.Close()
	repo := eventstore.Repository{Store: store, Codec: registry.Codec()}
	sealer, err := portalmail.NewSealer(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	q, err := pgmail.NewQueue(pgmail.QueueConfig{
		Pool: db.Pool, Sender: portalmail.SMTPSender{URL: u, From: &mail.Address{Address: "training@portal.test"}},
		Sealer: sealer, Repo: repo, Clock: clock.System{}, Log: log, Retry: now{}, Work: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	msg := portalmail.Message{FromName: "Northwind IT Training", To: "sam@acme.example", Subject: "Hello", Text: "secret link https://x/signin?t=abc"}
	// Queued before the worker runs: a queued mail waits in Postgres.
	if err := q.Enqueue(ctx, "m-1", mailing.KindSignInLink, "acme-sam", "signin-1", msg, eventstore.Metadata{}); err != nil {
		t.Fatal(err)
	}
	// The same mail id again (a retried request) sends nothing more.
	if err := q.Enqueue(ctx, "m-1", mailing.KindSignInLink, "acme-sam", "signin-1", msg, eventstore.Metadata{}); err != nil {
		t.Fatal(err)
	}
	var args string
	if err := db.Pool.QueryRow(ctx, `SELECT args::text FROM river_job`).Scan(&args); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(args, "secret link") || strings.Contains(args, "sam@acme.example") {
		t.Fatalf("queued job shows the message in clear: %s", args)
	}

	if err := q.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer q.Stop(context.Background()) //nolint:errcheck
	select {
	case <-sink.arrived:
	case <-ctx.Done():
		t.Fatal("mail never arrived")
	}
	parsed, err := portalmail.Parse(sink.got[0].Raw)
	if err != nil || parsed.Subject != "Hello" || !strings.Contains(parsed.From, "Northwind IT Training") {
		t.Fatalf("delivered %+v %v", parsed, err)
	}

	// Queued, two failures with the server's reply, then sent.
	var types []string
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		evs, err := store.ReadStream(ctx, mailing.Stream("m-1"), 1)
		if err != nil {
			t.Fatal(err)
		}
		types = types[:0]
		for _, e := range evs {
			types = append(types, e.Type)
			if e.Type == "mailing.mail_failed.v1" && !strings.Contains(string(e.Data), "451") {
				t.Fatalf("failure without the SMTP reply: %s", e.Data)
			}
		}
		if len(types) == 4 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	want := "mailing.mail_queued.v1,mailing.mail_failed.v1,mailing.mail_failed.v1,mailing.mail_sent.v1"
	if strings.Join(types, ",") != want {
		t.Fatalf("mail events = %v", types)
	}
	if len(sink.got) != 1 {
		t.Fatalf("%d deliveries, want 1", len(sink.got))
	}
}
