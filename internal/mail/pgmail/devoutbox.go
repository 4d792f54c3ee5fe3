package pgmail

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/awareportal/portal/internal/mail"
)

// OutboxSink stores received mail in the dev_outbox table.
type OutboxSink struct {
	Pool *pgxpool.Pool
}

// Deliver implements mail.Sink.
func (o OutboxSink) Deliver(ctx context.Context, env mail.Envelope) error {
	parsed, err := mail.Parse(env.Raw)
	subject := parsed.Subject
	if err != nil {
		subject = "(unreadable message)"
	}
	_, err = o.Pool.Exec(ctx, `INSERT INTO dev_outbox (mail_from, rcpt_to, subject, raw) VALUES ($1, $2, $3, $4)`, env.From, env.To, subject, env.Raw)
	return err
}

// DevOutbox reads the mail the dev SMTP server stored (embedded mode).
type DevOutbox struct {
	Pool *pgxpool.Pool
}

// List returns the newest mails, newest first.
func (o DevOutbox) List(ctx context.Context) ([]mail.OutboxMail, error) {
	rows, err := o.Pool.Query(ctx, `SELECT id, received_at, array_to_string(rcpt_to, ', '), subject FROM dev_outbox ORDER BY id DESC LIMIT 200`)
	if err != nil {
		return nil, fmt.Errorf("dev outbox: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (mail.OutboxMail, error) {
		var m mail.OutboxMail
		err := r.Scan(&m.ID, &m.ReceivedAt, &m.To, &m.Subject)
		return m, err
	})
	if err != nil {
		return nil, fmt.Errorf("dev outbox: %w", err)
	}
	return list, nil
}

// Message returns one mail, parsed, and when it arrived, or mail.ErrNoMail.
func (o DevOutbox) Message(ctx context.Context, id int64) (time.Time, mail.Parsed, error) {
	var raw []byte
	var at time.Time
	err := o.Pool.QueryRow(ctx, `SELECT raw, received_at FROM dev_outbox WHERE id = $1`, id).Scan(&raw, &at)
	if errors.Is(err, pgx.ErrNoRows) {
		return time.Time{}, mail.Parsed{}, fmt.Errorf("dev mail %d: %w", id, mail.ErrNoMail)
	}
	if err != nil {
		return time.Time{}, mail.Parsed{}, fmt.Errorf("dev mail %d: %w", id, err)
	}
	parsed, err := mail.Parse(raw)
	if err != nil {
		return time.Time{}, mail.Parsed{}, fmt.Errorf("dev mail %d: %w", id, err)
	}
	return at, parsed, nil
}
