// Package pgmail is the mail package on PostgreSQL: the durable queue
// (River) that sends mail and records every step as an event on the mail's
// stream, and the dev outbox's table.
package pgmail

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
	"github.com/awareportal/portal/internal/eventstore"
	"github.com/awareportal/portal/internal/mail"
)

// MaxAttempts is how often a mail is tried before it is given up.
const MaxAttempts = 8

// DefaultRescueAfter is how long a send job may stay "running" before River
// takes it for dead (its process was killed) and runs it again.
const DefaultRescueAfter = 5 * time.Minute

// SendTimeout bounds one SMTP delivery (dial to the server's reply) for a
// queue that rescues jobs after rescueAfter: well below it, so a job still
// talking to a slow server is never rescued while it runs.
func SendTimeout(rescueAfter time.Duration) time.Duration {
	return min(30*time.Second, rescueAfter/4)
}

// TxStore appends events inside a Postgres transaction (pgstore.Store): the
// queue writes MailQueued and the send job, and later MailSent and the job's
// completion, atomically.
//
// A store that cannot join a Postgres transaction (KurrentDB) gets the
// outbox path instead (see outbox.go): the job is inserted held, MailQueued
// appended, then the job released; the periodic reconcile releases held jobs
// whose MailQueued exists and deletes those whose append never happened. See
// docs/security-mail-and-db.md.
type TxStore interface {
	AppendTx(ctx context.Context, tx pgx.Tx, stream string, expected eventstore.ExpectedVersion, events ...eventstore.EventData) (eventstore.AppendResult, error)
}

// sendArgs is the queued job. The message is sealed: it carries secrets.
type sendArgs struct {
	MailID string `json:"mail_id" river:"unique"`
	Sealed []byte `json:"sealed"`
}

func (sendArgs) Kind() string { return "send_mail" }

// Queue puts mail on the durable queue and works it.
type Queue struct {
	client      *river.Client[pgx.Tx]
	pool        *pgxpool.Pool
	store       TxStore // nil: the outbox path (outbox.go)
	sealer      *mail.Sealer
	repo        eventstore.Repository
	clock       clock.Clock
	log         *slog.Logger
	sendTimeout time.Duration
	heldTimeout time.Duration
	fault       func(step string) error
}

// QueueConfig is what a queue needs.
type QueueConfig struct {
	Pool   *pgxpool.Pool
	Sender mail.Sender
	Sealer *mail.Sealer
	// Repo's store: a TxStore (the Postgres store) queues in one
	// transaction; any other store goes through the outbox (outbox.go).
	Repo  eventstore.Repository
	Clock clock.Clock
	Log   *slog.Logger
	// Retry spaces attempts; nil means River's default exponential backoff.
	Retry river.ClientRetryPolicy
	// RescueAfter is how long a job may run before River takes its process
	// for dead and runs it again (DefaultRescueAfter when zero). Jobs time
	// out at half of it, SMTP deliveries at SendTimeout(RescueAfter).
	RescueAfter time.Duration
	// Work: false makes a queue that only inserts (for CLI commands).
	Work bool
	// Workers adds the app's other job workers (the queue is the app's one
	// River client); Periodic are jobs River runs on a schedule, on one
	// process at a time.
	Workers  func(*river.Workers) error
	Periodic []*river.PeriodicJob

	// The outbox path only (a store that is not a TxStore):
	// ReconcileEvery is how often the reconcile runs (DefaultReconcileEvery
	// when zero); HeldTimeout is how long a held job may wait for its
	// MailQueued before the reconcile takes the append for failed and
	// deletes the job (DefaultHeldTimeout when zero; at least 4 × the
	// append's bound, AppendTimeout).
	ReconcileEvery time.Duration
	HeldTimeout    time.Duration
	// Fault, for tests, is called at the outbox path's steps ("held": job
	// inserted held, before the append; "queued": MailQueued appended,
	// before the release; "sent": sent record committed, before MailSent is
	// appended). An error stops there as a crash would.
	Fault func(step string) error
}

// NewQueue returns a queue. Start it to work jobs.
func NewQueue(cfg QueueConfig) (*Queue, error) {
	store, _ := cfg.Repo.Store.(TxStore)
	if cfg.Repo.Store == nil {
		return nil, errors.New("mail queue: no event store")
	}
	rescue := cfg.RescueAfter
	if rescue <= 0 {
		rescue = DefaultRescueAfter
	}
	held := cfg.HeldTimeout
	if held <= 0 {
		held = DefaultHeldTimeout
	}
	if held < 4*AppendTimeout {
		return nil, fmt.Errorf("mail queue: held timeout %s is shorter than 4 × the append bound %s", held, AppendTimeout)
	}
	q := &Queue{pool: cfg.Pool, store: store, sealer: cfg.Sealer, repo: cfg.Repo, clock: cfg.Clock, log: cfg.Log, sendTimeout: SendTimeout(rescue),
		heldTimeout: held, fault: cfg.Fault}
	rc := &river.Config{
		Logger:                      slog.New(levelAtLeast{cfg.Log.Handler(), slog.LevelWarn}).With("component", "river"),
		CompletedJobRetentionPeriod: time.Hour, // sealed bodies go soon after sending
		RetryPolicy:                 cfg.Retry,
		JobTimeout:                  rescue / 2,
		RescueStuckJobsAfter:        rescue,
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
		if store == nil {
			if err := river.AddWorkerSafely(workers, &reconcileWorker{q: q}); err != nil {
				return nil, err
			}
			every := cfg.ReconcileEvery
			if every <= 0 {
				every = DefaultReconcileEvery
			}
			rc.PeriodicJobs = append(append([]*river.PeriodicJob(nil), cfg.Periodic...), river.NewPeriodicJob(river.PeriodicInterval(every),
				func() (river.JobArgs, *river.InsertOpts) { return reconcileArgs{}, nil }, &river.PeriodicJobOpts{RunOnStart: true}))
		}
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

// Enqueue records MailQueued and puts m on the queue, in one transaction:
// either both exist or neither does, whenever the process dies. A mail id
// is queued once: the NoStream append on the mail's stream is the gate, so a
// retried request (or a second process) does not send two mails, and
// "already queued" always means its job exists too.
func (q *Queue) Enqueue(ctx context.Context, mailID string, kind mailing.Kind, learnerID, cause string, m mail.Message, meta eventstore.Metadata) error {
	if mailID == "" {
		mailID = uuid.NewString()
	}
	sealed, err := q.sealer.Seal(mailID, m)
	if err != nil {
		return err
	}
	events, err := q.repo.Encode(meta, mailing.MailQueued{
		MailID: mailID, Kind: kind, To: m.To, Subject: m.Subject, LearnerID: learnerID, Cause: cause, At: q.clock.Now(),
	})
	if err != nil {
		return err
	}
	if q.store == nil {
		return q.enqueueHeld(ctx, mailID, sealed, events)
	}
	err = pgx.BeginFunc(ctx, q.pool, func(tx pgx.Tx) error {
		if _, err := q.store.AppendTx(ctx, tx, mailing.Stream(mailID), eventstore.NoStream, events...); err != nil {
			return err
		}
		if _, err := q.client.InsertTx(ctx, tx, sendArgs{MailID: mailID, Sealed: sealed}, &river.InsertOpts{
			MaxAttempts: MaxAttempts,
			UniqueOpts:  river.UniqueOpts{ByArgs: true},
		}); err != nil {
			return fmt.Errorf("insert send job: %w", err)
		}
		return nil
	})
	if errors.Is(err, eventstore.ErrConcurrency) {
		return nil // already queued, with its job
	}
	if err != nil {
		return fmt.Errorf("queue mail %s: %w", mailID, err)
	}
	return nil
}

type sendWorker struct {
	river.WorkerDefaults[sendArgs]
	q      *Queue
	sender mail.Sender
}

// Work sends the mail at most once where SMTP allows it: it claims the
// attempt (refusing a mail already recorded as sent, counting a possible
// duplicate when the previous attempt never recorded an outcome), delivers
// with a stable Message-ID, then records MailSent, the sent record and the
// job's completion in one transaction. The only duplicate left is a crash
// after the SMTP server accepted the mail and before that commit.
func (w *sendWorker) Work(ctx context.Context, job *river.Job[sendArgs]) error {
	q := w.q
	id := job.Args.MailID
	m, err := q.sealer.Open(id, job.Args.Sealed)
	if err != nil {
		// It will never open: don't retry.
		q.recordFailure(ctx, job, "cannot open sealed message (secret key changed?)", true, true)
		return river.JobCancel(err)
	}
	c, err := q.claim(ctx, job)
	if err != nil {
		return err // nothing was sent; River retries
	}
	if c.alreadySent {
		q.log.Warn("mail already recorded as sent; not sending it again", "mail_id", id, "attempt", job.Attempt)
		return nil
	}
	if c.unknownBefore {
		q.log.Warn("the previous attempt ended without an outcome (its process died?): the mail may already have been delivered; sending again, counted as a possible duplicate",
			"mail_id", id, "attempt", job.Attempt)
	}
	sendCtx, cancel := context.WithTimeout(ctx, q.sendTimeout)
	err = w.sender.Send(sendCtx, id, m)
	cancel()
	if err != nil {
		refused := errors.Is(err, mail.ErrRefused)
		final := refused || job.Attempt >= job.MaxAttempts
		// A failure after the message went out is no proof it wasn't
		// accepted: the attempt stays in flight and the next one counts a
		// possible duplicate.
		q.recordFailure(ctx, job, err.Error(), final, !errors.Is(err, mail.ErrOutcomeUnknown))
		q.log.Warn("mail send failed", "mail_id", id, "attempt", job.Attempt, "final", final, "err", err)
		if refused {
			return river.JobCancel(err) // it would be refused again
		}
		return err
	}
	if q.store == nil {
		return q.recordSentOutbox(ctx, job)
	}
	if err := q.recordSent(ctx, job); err != nil {
		// Accepted by the server but not recorded: the attempt stays in
		// flight, so the retry (or River's rescue) counts a possible duplicate.
		q.log.Error("mail accepted by the SMTP server but not recorded as sent", "mail_id", id, "attempt", job.Attempt, "err", err)
		return err
	}
	q.log.Info("mail sent", "mail_id", id, "attempt", job.Attempt)
	return nil
}

type claim struct {
	alreadySent   bool
	unknownBefore bool
}

// claim records that this attempt is about to hand the mail to SMTP.
func (q *Queue) claim(ctx context.Context, job *river.Job[sendArgs]) (claim, error) {
	var c claim
	now := q.clock.Now()
	err := pgx.BeginFunc(ctx, q.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO mail_deliveries (mail_id, updated_at) VALUES ($1, $2) ON CONFLICT (mail_id) DO NOTHING`, job.Args.MailID, now); err != nil {
			return err
		}
		var inFlight *int
		if err := tx.QueryRow(ctx, `SELECT sent_at IS NOT NULL, in_flight FROM mail_deliveries WHERE mail_id = $1 FOR UPDATE`, job.Args.MailID).Scan(&c.alreadySent, &inFlight); err != nil {
			return err
		}
		if c.alreadySent {
			return nil
		}
		c.unknownBefore = inFlight != nil
		_, err := tx.Exec(ctx, `UPDATE mail_deliveries SET attempts = attempts + 1, in_flight = $2,
			possible_duplicates = possible_duplicates + CASE WHEN in_flight IS NULL THEN 0 ELSE 1 END, updated_at = $3
			WHERE mail_id = $1`, job.Args.MailID, job.Attempt, now)
		return err
	})
	if err != nil {
		return claim{}, fmt.Errorf("claim send attempt of mail %s: %w", job.Args.MailID, err)
	}
	return c, nil
}

// recordSent writes MailSent, the sent record and the job's completion in
// one transaction.
func (q *Queue) recordSent(ctx context.Context, job *river.Job[sendArgs]) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	now := q.clock.Now()
	id := job.Args.MailID
	return pgx.BeginFunc(ctx, q.pool, func(tx pgx.Tx) error {
		if err := q.appendTx(ctx, tx, id, mailing.MailSent{MailID: id, Attempt: job.Attempt, At: now}); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE mail_deliveries SET sent_at = $2, in_flight = NULL, updated_at = $2 WHERE mail_id = $1`, id, now); err != nil {
			return fmt.Errorf("sent record: %w", err)
		}
		if _, err := river.JobCompleteTx[*riverpgxv5.Driver](ctx, tx, job); err != nil {
			return fmt.Errorf("complete send job: %w", err)
		}
		return nil
	})
}

// recordFailure writes MailFailed and, when the failure proves the mail was
// not accepted (known), ends the attempt.
func (q *Queue) recordFailure(ctx context.Context, job *river.Job[sendArgs], reply string, final, known bool) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	id := job.Args.MailID
	if q.store == nil {
		q.recordFailureOutbox(ctx, job, reply, final, known)
		return
	}
	err := pgx.BeginFunc(ctx, q.pool, func(tx pgx.Tx) error {
		if err := q.appendTx(ctx, tx, id, mailing.MailFailed{MailID: id, Attempt: job.Attempt, Reply: reply, Final: final, At: q.clock.Now()}); err != nil {
			return err
		}
		if !known {
			return nil
		}
		_, err := tx.Exec(ctx, `UPDATE mail_deliveries SET in_flight = NULL, updated_at = $2 WHERE mail_id = $1`, id, q.clock.Now())
		return err
	})
	if err != nil {
		q.log.Error("record mail failure", "mail_id", id, "err", err)
	}
}

func (q *Queue) appendTx(ctx context.Context, tx pgx.Tx, mailID string, e domain.Event) error {
	events, err := q.repo.Encode(eventstore.Metadata{ActorID: "system:mailer"}, e)
	if err != nil {
		return err
	}
	if _, err := q.store.AppendTx(ctx, tx, mailing.Stream(mailID), eventstore.Any, events...); err != nil {
		return fmt.Errorf("record %s: %w", mailID, err)
	}
	return nil
}

// Deliveries sums the send worker's records.
type Deliveries struct {
	Mails              int // mails the worker has tried
	Sent               int // recorded as sent
	InFlight           int // an attempt started without an outcome yet (or its process died)
	PossibleDuplicates int // attempts started after one that ended without an outcome
}

// CountDeliveries reads the totals of mail_deliveries.
func CountDeliveries(ctx context.Context, pool *pgxpool.Pool) (Deliveries, error) {
	var d Deliveries
	err := pool.QueryRow(ctx, `SELECT count(*), count(sent_at), count(in_flight), coalesce(sum(possible_duplicates), 0) FROM mail_deliveries`).
		Scan(&d.Mails, &d.Sent, &d.InFlight, &d.PossibleDuplicates)
	if err != nil {
		return Deliveries{}, fmt.Errorf("count mail deliveries: %w", err)
	}
	return d, nil
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

// Jobs counts the mail queue's jobs by River state, and the failed send
// attempts recorded on the jobs River still keeps (for metrics).
func Jobs(ctx context.Context, pool *pgxpool.Pool) (byState map[string]int, failedAttempts int, err error) {
	rows, err := pool.Query(ctx, `SELECT state::text, count(*), coalesce(sum(cardinality(errors)), 0) FROM river_job WHERE kind = $1 GROUP BY state`, sendArgs{}.Kind())
	if err != nil {
		return nil, 0, fmt.Errorf("count mail jobs: %w", err)
	}
	defer rows.Close()
	byState = map[string]int{}
	for rows.Next() {
		var st string
		var n, failed int
		if err := rows.Scan(&st, &n, &failed); err != nil {
			return nil, 0, fmt.Errorf("count mail jobs: %w", err)
		}
		byState[st] = n
		failedAttempts += failed
	}
	return byState, failedAttempts, rows.Err()
}
