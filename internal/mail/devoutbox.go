package mail

import (
	"errors"
	"time"
)

// ErrNoMail means the dev outbox holds no mail with that id.
var ErrNoMail = errors.New("no such mail in the dev outbox")

// OutboxMail is one mail the dev SMTP server received, as the outbox
// lists it.
type OutboxMail struct {
	ID         int64
	ReceivedAt time.Time
	To         string // the recipients, comma-separated
	Subject    string
}
