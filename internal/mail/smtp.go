package mail

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"strconv"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/awareportal/portal/internal/hostname"
)

// SMTPSender delivers messages to an SMTP server.
type SMTPSender struct {
	URL  *url.URL
	From *mail.Address
	// Timeout bounds a whole delivery, from dialling to the server's reply
	// (30 seconds when zero). The queue sets it from its rescue interval.
	Timeout time.Duration
}

// ErrOutcomeUnknown marks a delivery that failed after the message was
// handed over and before the server's answer arrived: the server may have
// accepted it.
var ErrOutcomeUnknown = errors.New("the SMTP server may have accepted the message")

// ErrRefused marks a delivery the SMTP server refused for good: a 5xx
// reply to the recipient or to the message itself ("550 no such user",
// "554 rejected as spam"). The same mail would be refused again, so it is
// not retried. A 5xx to the sender or to the sign-in is the portal's own
// set-up (a wrong From address or password), which an operator can mend:
// those are retried like a 4xx.
var ErrRefused = errors.New("the SMTP server refused the message for good")

// MessageID is the Message-ID header of mail id sent from address from:
// the same on every attempt, so receivers can tell a resend from a new mail.
func MessageID(mailID, from string) string { return mailID + "@" + domainOf(from) }

// Send delivers m.
func (s SMTPSender) Send(ctx context.Context, mailID string, m Message) error {
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	deadline := time.Now().Add(timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	ctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	msg := gomail.NewMsg()
	if err := msg.FromFormat(m.FromName, s.From.Address); err != nil {
		return fmt.Errorf("from: %w", err)
	}
	if err := msg.To(m.To); err != nil {
		return fmt.Errorf("to: %w", err)
	}
	msg.Subject(m.Subject)
	msg.SetMessageIDWithValue(MessageID(mailID, s.From.Address))
	msg.SetDate()
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	for _, a := range m.Attachments {
		if err := msg.AttachReader(a.Name, bytes.NewReader(a.Data), gomail.WithFileContentType(gomail.ContentType(a.ContentType))); err != nil {
			return fmt.Errorf("attach %s: %w", a.Name, err)
		}
	}
	client, err := s.client(timeout, deadline)
	if err != nil {
		return err
	}
	err = client.DialAndSendWithContext(ctx, msg)
	switch {
	case msg.IsDelivered():
		// The server said 250 to the message; a later RSET or QUIT failing
		// changes nothing.
		return nil
	case err == nil:
		return errors.New("smtp: message not delivered")
	}
	var se *gomail.SendError
	if errors.As(err, &se) && se.Reason == gomail.ErrSMTPDataClose && se.ErrorCode() == 0 {
		// The final "." went out but no reply came back (timeout, reset).
		return fmt.Errorf("%w: %w", ErrOutcomeUnknown, err)
	}
	if se != nil && se.ErrorCode() >= 500 && se.ErrorCode() <= 599 &&
		(se.Reason == gomail.ErrSMTPRcptTo || se.Reason == gomail.ErrSMTPData || se.Reason == gomail.ErrSMTPDataClose) {
		return fmt.Errorf("%w: %w", ErrRefused, err)
	}
	return err
}

func (s SMTPSender) client(timeout time.Duration, deadline time.Time) (*gomail.Client, error) {
	host := s.URL.Hostname()
	opts := []gomail.Option{gomail.WithTimeout(timeout), gomail.WithDialContextFunc(s.dialer(deadline))}
	switch {
	case s.URL.Scheme == "smtps":
		// The dialer speaks TLS (so that it can bound the connection); the
		// client sees a TLS connection and needs no STARTTLS.
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic), gomail.WithPort(portOr(s.URL, 465)))
	case hostname.IsLoopback(host):
		// Plaintext is allowed only towards this machine.
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic), gomail.WithPort(portOr(s.URL, 25)))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory), gomail.WithPort(portOr(s.URL, 587)))
	}
	if u := s.URL.User; u != nil {
		pw, _ := u.Password()
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover), gomail.WithUsername(u.Username()), gomail.WithPassword(pw))
	}
	c, err := gomail.NewClient(host, opts...)
	if err != nil {
		return nil, fmt.Errorf("smtp client: %w", err)
	}
	return c, nil
}

// dialer connects so that no read or write outlives deadline: go-mail
// renews a per-command timeout, which alone would let a server that answers
// slowly hold a delivery for many times it.
func (s SMTPSender) dialer(deadline time.Time) gomail.DialContextFunc {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		var d net.Dialer
		raw, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		conn := &boundedConn{Conn: raw, limit: deadline}
		if err := conn.SetDeadline(deadline); err != nil {
			raw.Close()
			return nil, err
		}
		if s.URL.Scheme != "smtps" {
			return conn, nil
		}
		tc := tls.Client(conn, &tls.Config{ServerName: s.URL.Hostname(), MinVersion: tls.VersionTLS12})
		if err := tc.HandshakeContext(ctx); err != nil {
			raw.Close()
			return nil, fmt.Errorf("smtps: %w", err)
		}
		return tc, nil
	}
}

// boundedConn never lets a deadline be set past limit.
type boundedConn struct {
	net.Conn
	limit time.Time
}

func (c *boundedConn) cap(t time.Time) time.Time {
	if t.IsZero() || t.After(c.limit) {
		return c.limit
	}
	return t
}

func (c *boundedConn) SetDeadline(t time.Time) error      { return c.Conn.SetDeadline(c.cap(t)) }
func (c *boundedConn) SetReadDeadline(t time.Time) error  { return c.Conn.SetReadDeadline(c.cap(t)) }
func (c *boundedConn) SetWriteDeadline(t time.Time) error { return c.Conn.SetWriteDeadline(c.cap(t)) }

func portOr(u *url.URL, def int) int {
	if p, err := strconv.Atoi(u.Port()); err == nil {
		return p
	}
	return def
}

func domainOf(addr string) string {
	for i := len(addr) - 1; i >= 0; i-- {
		if addr[i] == '@' {
			return addr[i+1:]
		}
	}
	return "localhost"
}
