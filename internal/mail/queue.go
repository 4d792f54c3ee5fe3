package mail

import (
	"context"

	"github.com/awareportal/portal/domain/mailing"
	"github.com/awareportal/portal/internal/eventstore"
)

// Queue takes mail to send: Enqueue records MailQueued on the mail's stream
// and queues the message durably, both or neither; a mail id is queued
// once. pgmail.Queue (River on PostgreSQL) is the one in use.
type Queue interface {
	Enqueue(ctx context.Context, mailID string, kind mailing.Kind, learnerID, cause string, m Message, meta eventstore.Metadata) error
}

// Sender delivers one message.
type Sender interface {
	Send(ctx context.Context, mailID string, m Message) error
}
