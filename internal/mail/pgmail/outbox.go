package pgmail

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"

	"github.com/awareportal/portal/domain"
	"github.com/awareportal/portal/domain/mailing"
	"github.com/awareportal/portal/internal/eventstore"
)

// The outbox path, for an event store that cannot join a PostgreSQL
// transaction (KurrentDB). The promises are the TxStore path's (a queued
// mail is never lost; "already queued" means its job exists), kept in three
// steps instead of one transaction:
//
//  1. insert the send job held (scheduled far in the future) and a
//     mail_outbox 'queued' row, in one PostgreSQL transaction;
//  2. append MailQueued to the store with NoStream (the idempotency gate);
//  3. release the job (River makes it available now) and delete the row.
//
// A process that dies between 1 and 2 leaves a held job without its event:
// nothing was promised (Enqueue returned no success), and the reconcile
// deletes it once it is older than the held timeout, longer than any append
// can take (AppendTimeout). One that dies between 2 and 3 leaves a held job
// whose event exists: the reconcile releases it. The sent record and the
// job's completion still commit together; MailSent is appended after them
// (a 'sent' row says it is pending) and the reconcile appends it if the
// process died first.

const (
	// AppendTimeout bounds the outbox path's appends to the event store.
	AppendTimeout = 30 * time.Second
	// DefaultHeldTimeout is how old a held job must be before the reconcile
	// takes its append for failed.
	DefaultHeldTimeout = 5 * time.Minute
	// DefaultReconcileEvery is how often the reconcile runs.
	DefaultReconcileEvery = time.Minute
	// heldFor is how far in the future a held job is scheduled: never, in
	// practice.
	heldFor = 100 * 365 * 24 * time.Hour
)

func (q *Queue) faultAt(step string) error {
	if q.fault == nil {
		return nil
	}
	if err := q.fault(step); err != nil {
		return fmt.Errorf("fault at %s: %w", step, err)
	}
	return nil
}

// enqueueHeld is Enqueue on the outbox path.
func (q *Queue) enqueueHeld(ctx context.Context, mailID string, sealed []byte, events []eventstore.EventData) error {
	now := q.clock.Now()
	err := pgx.BeginFunc(ctx, q.pool, func(tx pgx.Tx) error {
		// A retry finds the held job of an earlier try (unique per mail id)
		// and refreshes its row's age, so the reconcile leaves it alone
		// while this append runs.
		res, err := q.client.InsertTx(ctx, tx, sendArgs{MailID: mailID, Sealed: sealed}, &river.InsertOpts{
			MaxAttempts: MaxAttempts,
			UniqueOpts:  river.UniqueOpts{ByArgs: true},
			ScheduledAt: now.Add(heldFor),
		})
		if err != nil {
			return fmt.Errorf("insert held send job: %w", err)
		}
		_, err = tx.Exec(ctx, `INSERT INTO mail_outbox (mail_id, kind, job_id, created_at) VALUES ($1, 'queued', $2, $3)
			ON CONFLICT (mail_id, kind) DO UPDATE SET job_id = EXCLUDED.job_id, created_at = EXCLUDED.created_at`, mailID, res.Job.ID, now)
		if err != nil {
			return fmt.Errorf("outbox row: %w", err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("queue mail %s: %w", mailID, err)
	}
	if err := q.faultAt("held"); err != nil {
		return fmt.Errorf("queue mail %s: %w", mailID, err)
	}
	actx, cancel := context.WithTimeout(ctx, AppendTimeout)
	_, err = q.repo.Store.Append(actx, mailing.Stream(mailID), eventstore.NoStream, events...)
	cancel()
	if err != nil && !errors.Is(err, eventstore.ErrConcurrency) {
		// The held job stays until the reconcile sees no MailQueued.
		return fmt.Errorf("queue mail %s: %w", mailID, err)
	}
	// Appended now, or already queued earlier: either way the event exists.
	if err := q.faultAt("queued"); err != nil {
		return fmt.Errorf("queue mail %s: %w", mailID, err)
	}
	if err := q.release(ctx, mailID); err != nil {
		// MailQueued exists: the reconcile releases the job. The mail is
		// queued, only later.
		q.log.Warn("mail queued but its job not released yet; the reconcile will release it", "mail_id", mailID, "err", err)
	}
	return nil
}

// release makes a held job runnable now and deletes its outbox row. A job
// already released (or sent) is left as it is.
func (q *Queue) release(ctx context.Context, mailID string) error {
	err := pgx.BeginFunc(ctx, q.pool, func(tx pgx.Tx) error {
		var jobID int64
		err := tx.QueryRow(ctx, `DELETE FROM mail_outbox WHERE mail_id = $1 AND kind = 'queued' RETURNING job_id`, mailID).Scan(&jobID)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil // released already
		}
		if err != nil {
			return err
		}
		var state string
		err = tx.QueryRow(ctx, `SELECT state::text FROM river_job WHERE id = $1 FOR UPDATE`, jobID).Scan(&state)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("held send job %d is gone", jobID)
		}
		if err != nil {
			return err
		}
		if state != string(rivertype.JobStateScheduled) {
			return nil
		}
		if _, err := q.client.JobRetryTx(ctx, tx, jobID); err != nil {
			return fmt.Errorf("release send job %d: %w", jobID, err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("release mail %s: %w", mailID, err)
	}
	return nil
}

// recordSentOutbox is the worker's success on the outbox path: the sent
// record, a 'sent' outbox row and the job's completion in one transaction,
// then MailSent in the store. The mail counts as sent once the transaction
// commits; a MailSent that did not make it is appended by the reconcile.
func (q *Queue) recordSentOutbox(ctx context.Context, job *river.Job[sendArgs]) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	now := q.clock.Now()
	id := job.Args.MailID
	err := pgx.BeginFunc(ctx, q.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE mail_deliveries SET sent_at = $2, in_flight = NULL, updated_at = $2 WHERE mail_id = $1`, id, now); err != nil {
			return fmt.Errorf("sent record: %w", err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO mail_outbox (mail_id, kind, job_id, attempt, event_at, created_at) VALUES ($1, 'sent', $2, $3, $4, $4)
			ON CONFLICT (mail_id, kind) DO NOTHING`, id, job.ID, job.Attempt, now); err != nil {
			return fmt.Errorf("outbox row: %w", err)
		}
		if _, err := river.JobCompleteTx[*riverpgxv5.Driver](ctx, tx, job); err != nil {
			return fmt.Errorf("complete send job: %w", err)
		}
		return nil
	})
	if err != nil {
		// Accepted by the server but not recorded: as on the TxStore path.
		q.log.Error("mail accepted by the SMTP server but not recorded as sent", "mail_id", id, "attempt", job.Attempt, "err", err)
		return err
	}
	q.log.Info("mail sent", "mail_id", id, "attempt", job.Attempt)
	if err := q.faultAt("sent"); err != nil {
		q.log.Warn("mail_sent not appended yet; the reconcile will append it", "mail_id", id, "err", err)
		return nil
	}
	if err := q.appendSent(ctx, id, job.Attempt, now); err != nil {
		q.log.Warn("mail_sent not appended yet; the reconcile will append it", "mail_id", id, "err", err)
	}
	return nil
}

// appendSent appends MailSent and deletes the 'sent' outbox row.
func (q *Queue) appendSent(ctx context.Context, mailID string, attempt int, at time.Time) error {
	if err := q.appendEvent(ctx, mailID, mailing.MailSent{MailID: mailID, Attempt: attempt, At: at}); err != nil {
		return err
	}
	if _, err := q.pool.Exec(ctx, `DELETE FROM mail_outbox WHERE mail_id = $1 AND kind = 'sent'`, mailID); err != nil {
		return fmt.Errorf("delete outbox row of %s: %w", mailID, err)
	}
	return nil
}

// recordFailureOutbox is recordFailure on the outbox path: MailFailed first,
// then the attempt's end. A crash in between leaves the attempt in flight,
// so the next one counts a possible duplicate (an over-count, never a miss).
func (q *Queue) recordFailureOutbox(ctx context.Context, job *river.Job[sendArgs], reply string, final, known bool) {
	id := job.Args.MailID
	if err := q.appendEvent(ctx, id, mailing.MailFailed{MailID: id, Attempt: job.Attempt, Reply: reply, Final: final, At: q.clock.Now()}); err != nil {
		q.log.Error("record mail failure", "mail_id", id, "err", err)
	}
	if !known {
		return
	}
	if _, err := q.pool.Exec(ctx, `UPDATE mail_deliveries SET in_flight = NULL, updated_at = $2 WHERE mail_id = $1`, id, q.clock.Now()); err != nil {
		q.log.Error("record mail failure", "mail_id", id, "err", err)
	}
}

func (q *Queue) appendEvent(ctx context.Context, mailID string, e domain.Event) error {
	events, err := q.repo.Encode(eventstore.Metadata{ActorID: "system:mailer"}, e)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, AppendTimeout)
	defer cancel()
	if _, err := q.repo.Store.Append(ctx, mailing.Stream(mailID), eventstore.Any, events...); err != nil {
		return fmt.Errorf("record %s: %w", mailID, err)
	}
	return nil
}

// Reconciled says what one reconcile did.
type Reconciled struct {
	Released int // held jobs whose MailQueued exists, released
	Deleted  int // held jobs whose MailQueued never came, deleted
	Sent     int // MailSent events appended for mails recorded as sent
	Waiting  int // held jobs younger than the held timeout, left alone
}

// Reconcile finishes the outbox path's steps a dead process left (the
// periodic reconcile job runs it; a no-op with a TxStore).
func (q *Queue) Reconcile(ctx context.Context) (Reconciled, error) {
	var r Reconciled
	if q.store != nil {
		return r, nil
	}
	type row struct {
		mailID, kind string
		attempt      *int
		eventAt      *time.Time
		createdAt    time.Time
	}
	rows, err := q.pool.Query(ctx, `SELECT mail_id, kind, attempt, event_at, created_at FROM mail_outbox ORDER BY created_at LIMIT 1000`)
	if err != nil {
		return r, fmt.Errorf("reconcile mail outbox: %w", err)
	}
	pending, err := pgx.CollectRows(rows, func(rs pgx.CollectableRow) (row, error) {
		var x row
		err := rs.Scan(&x.mailID, &x.kind, &x.attempt, &x.eventAt, &x.createdAt)
		return x, err
	})
	if err != nil {
		return r, fmt.Errorf("reconcile mail outbox: %w", err)
	}
	now := q.clock.Now()
	for _, x := range pending {
		old := now.Sub(x.createdAt) > q.heldTimeout
		if x.kind == "sent" && !old {
			continue // the worker is appending it
		}
		evs, err := q.repo.Store.ReadStream(ctx, mailing.Stream(x.mailID), 1)
		if err != nil && !errors.Is(err, eventstore.ErrStreamNotFound) {
			return r, fmt.Errorf("reconcile mail %s: %w", x.mailID, err)
		}
		switch x.kind {
		case "queued":
			switch {
			case hasType(evs, mailing.MailQueued{}.EventName()):
				if err := q.release(ctx, x.mailID); err != nil {
					return r, err
				}
				q.log.Info("reconcile: released a held mail job whose mail_queued exists", "mail_id", x.mailID)
				r.Released++
			case old:
				deleted, err := q.dropHeld(ctx, x.mailID, x.createdAt)
				if err != nil {
					return r, err
				}
				if deleted {
					q.log.Info("reconcile: deleted a held mail job whose mail_queued never came (not queued)", "mail_id", x.mailID)
					r.Deleted++
				}
			default:
				r.Waiting++
			}
		case "sent":
			if hasSent(evs, x.attempt) {
				if _, err := q.pool.Exec(ctx, `DELETE FROM mail_outbox WHERE mail_id = $1 AND kind = 'sent'`, x.mailID); err != nil {
					return r, fmt.Errorf("reconcile mail %s: %w", x.mailID, err)
				}
				continue
			}
			if x.attempt == nil || x.eventAt == nil {
				return r, fmt.Errorf("reconcile mail %s: sent row without attempt or time", x.mailID)
			}
			if err := q.appendSent(ctx, x.mailID, *x.attempt, *x.eventAt); err != nil {
				return r, fmt.Errorf("reconcile mail %s: %w", x.mailID, err)
			}
			q.log.Info("reconcile: appended a missing mail_sent", "mail_id", x.mailID)
			r.Sent++
		}
	}
	return r, nil
}

// dropHeld deletes a held job and its outbox row, unless a retried Enqueue
// refreshed the row meanwhile (createdAt changed) or the job is no longer held.
func (q *Queue) dropHeld(ctx context.Context, mailID string, createdAt time.Time) (bool, error) {
	deleted := false
	err := pgx.BeginFunc(ctx, q.pool, func(tx pgx.Tx) error {
		var jobID int64
		err := tx.QueryRow(ctx, `DELETE FROM mail_outbox WHERE mail_id = $1 AND kind = 'queued' AND created_at = $2 RETURNING job_id`, mailID, createdAt).Scan(&jobID)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `DELETE FROM river_job WHERE id = $1 AND state = 'scheduled'`, jobID)
		if err != nil {
			return fmt.Errorf("delete held send job %d: %w", jobID, err)
		}
		deleted = tag.RowsAffected() == 1
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("drop held mail %s: %w", mailID, err)
	}
	return deleted, nil
}

func hasType(evs []eventstore.RecordedEvent, typ string) bool {
	for _, e := range evs {
		if e.Type == typ {
			return true
		}
	}
	return false
}

// hasSent reports whether the stream already has the MailSent of attempt.
func hasSent(evs []eventstore.RecordedEvent, attempt *int) bool {
	for _, e := range evs {
		if e.Type != (mailing.MailSent{}).EventName() {
			continue
		}
		if attempt == nil {
			return true
		}
		var s struct {
			Attempt int `json:"attempt"`
		}
		if err := json.Unmarshal(e.Data, &s); err == nil && s.Attempt == *attempt {
			return true
		}
	}
	return false
}

type reconcileArgs struct{}

func (reconcileArgs) Kind() string { return "mail_reconcile" }

type reconcileWorker struct {
	river.WorkerDefaults[reconcileArgs]
	q *Queue
}

func (w *reconcileWorker) Work(ctx context.Context, _ *river.Job[reconcileArgs]) error {
	_, err := w.q.Reconcile(ctx)
	return err
}
