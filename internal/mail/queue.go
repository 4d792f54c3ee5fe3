package mail

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/awareportal/portal/domain"
	"github.com/awareportal/portal/domain/mailing"
	"github.com/awareportal/portal/internal/clock"
	"github.com/awareportal/portal/internal/es"
	"github.com/awareportal/portal/internal/eventstore"
)

// MaxAttempts is how often a mail is tried before it is given up.
const MaxAttempts = 8

// Sender delivers one message.
type Sender interface {
	Send(ctx context.Context, mailID string, m Message) error
}

// sendArgs is the queued job. The message is sealed: it carries secrets.
type sendArgs struct {
	MailID string `json:"mail_id" river:"unique"`
	Sealed []byte `json:"sealed"`
}

func (sendArgs) Kind() string { return "send_mail" }

// Queue puts mail on the durable queue and works it.
type Queue struct {
	client *river.Client[pgx.Tx]
	sealer *Sealer
	repo   es.Repository
	clock  clock.Clock
	log    *slog.Logger
}

// QueueConfig is what a queue needs.
type QueueConfig struct {
	Pool   *pgxpool.Pool
	Sender Sender
	Sealer *Sealer
	Repo   es.Repository
	Clock  clock.Clock
	Log    *slog.Logger
	// Retry spaces attempts; nil means River's default exponential backoff.
	Retry river.ClientRetryPolicy
	// Work: false makes a queue that only inserts (for CLI commands).
	Work bool
	// Workers adds the app's other job workers (the queue is the app's one
	// River client); Periodic are jobs River runs on a schedule, on one
	// process at a time.
	Workers  func(*river.Workers) error
	Periodic []*river.PeriodicJob
}

// NewQueue returns a queue. Start it to work jobs.
func NewQueue(cfg QueueConfig) (*Queue, error) {
	q := &Queue{sealer: cfg.Sealer, repo: cfg.Repo, clock: cfg.Clock, log: cfg.Log}
	rc := &river.Config{
		Logger:                      slog.New(levelAtLeast{cfg.Log.Handler(), slog.LevelWarn}).With("component", "river"),
		CompletedJobRetentionPeriod: time.Hour, // sealed bodies go soon after sending
		RetryPolicy:                 cfg.Retry,
	}
	if cfg.Work {
		workers := river.NewWorkers()
		if err := river.AddWorkerSafely(workers, &sendWorker{q: q, sender: cfg.Sender}); err != nil {
			return nil, err
		}
		if cfg.Workers != nil {
			if err := cfg.Workers(workers); err != nil {
				return nil, err
			}
		}
		rc.PeriodicJobs = cfg.Periodic
		rc.Workers = workers
		rc.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 4}}
		rc.FetchCooldown = 50 * time.Millisecond
		rc.FetchPollInterval = 500 * time.Millisecond
	}
	client, err := river.NewClient(riverpgxv5.New(cfg.Pool), rc)
	if err != nil {
		return nil, fmt.Errorf("mail queue: %w", err)
	}
	q.client = client
	return q, nil
}

// Client is the underlying River client, for other job kinds.
func (q *Queue) Client() *river.Client[pgx.Tx] { return q.client }

// Start works queued mail until Stop.
func (q *Queue) Start(ctx context.Context) error { return q.client.Start(ctx) }

// Stop finishes the jobs in hand and stops.
func (q *Queue) Stop(ctx context.Context) error { return q.client.Stop(ctx) }

// Queued identifies a queued mail.
type Queued struct {
	MailID string
}

// Enqueue records MailQueued and puts m on the queue. A mail id is queued
// once: the NoStream append on the mail's stream is the gate, so a retried
// request (or a second process) does not send two mails.
func (q *Queue) Enqueue(ctx context.Context, mailID string, kind mailing.Kind, learnerID, cause string, m Message, meta eventstore.Metadata) error {
	if mailID == "" {
		mailID = uuid.NewString()
	}
	sealed, err := q.sealer.Seal(mailID, m)
	if err != nil {
		return err
	}
	_, err = q.repo.Append(ctx, mailing.Stream(mailID), eventstore.NoStream, meta, mailing.MailQueued{
		MailID: mailID, Kind: kind, To: m.To, Subject: m.Subject, LearnerID: learnerID, Cause: cause, At: q.clock.Now(),
	})
	if errors.Is(err, eventstore.ErrConcurrency) {
		return nil // already queued
	}
	if err != nil {
		return fmt.Errorf("record queued mail: %w", err)
	}
	_, err = q.client.Insert(ctx, sendArgs{MailID: mailID, Sealed: sealed}, &river.InsertOpts{
		MaxAttempts: MaxAttempts,
		UniqueOpts:  river.UniqueOpts{ByArgs: true},
	})
	if err != nil {
		q.record(context.WithoutCancel(ctx), mailID, mailing.MailFailed{MailID: mailID, Reply: "could not queue: " + err.Error(), Final: true, At: q.clock.Now()})
		return fmt.Errorf("queue mail: %w", err)
	}
	return nil
}

type sendWorker struct {
	river.WorkerDefaults[sendArgs]
	q      *Queue
	sender Sender
}

func (w *sendWorker) Timeout(*river.Job[sendArgs]) time.Duration { return time.Minute }

func (w *sendWorker) Work(ctx context.Context, job *river.Job[sendArgs]) error {
	q := w.q
	m, err := q.sealer.Open(job.Args.MailID, job.Args.Sealed)
	if err != nil {
		// It will never open: don't retry.
		q.record(ctx, job.Args.MailID, mailing.MailFailed{MailID: job.Args.MailID, Attempt: job.Attempt, Reply: "cannot open sealed message (secret key changed?)", Final: true, At: q.clock.Now()})
		return river.JobCancel(err)
	}
	if err := w.sender.Send(ctx, job.Args.MailID, m); err != nil {
		final := job.Attempt >= job.MaxAttempts
		q.record(ctx, job.Args.MailID, mailing.MailFailed{MailID: job.Args.MailID, Attempt: job.Attempt, Reply: err.Error(), Final: final, At: q.clock.Now()})
		q.log.Warn("mail send failed", "mail_id", job.Args.MailID, "attempt", job.Attempt, "final", final, "err", err)
		return err
	}
	q.record(ctx, job.Args.MailID, mailing.MailSent{MailID: job.Args.MailID, Attempt: job.Attempt, At: q.clock.Now()})
	q.log.Info("mail sent", "mail_id", job.Args.MailID, "attempt", job.Attempt)
	return nil
}

func (q *Queue) record(ctx context.Context, mailID string, e domain.Event) {
	if _, err := q.repo.Append(ctx, mailing.Stream(mailID), eventstore.Any, eventstore.Metadata{ActorID: "system:mailer"}, e); err != nil {
		q.log.Error("record mail outcome", "mail_id", mailID, "err", err)
	}
}

// levelAtLeast drops records below a level (River is chatty at info).
type levelAtLeast struct {
	slog.Handler
	min slog.Level
}

func (h levelAtLeast) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}

func (h levelAtLeast) WithAttrs(as []slog.Attr) slog.Handler {
	return levelAtLeast{h.Handler.WithAttrs(as), h.min}
}

func (h levelAtLeast) WithGroup(name string) slog.Handler {
	return levelAtLeast{h.Handler.WithGroup(name), h.min}
}
