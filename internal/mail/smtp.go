package mail

import (
	"bytes"
	"context"
	"fmt"
	"net/mail"
	"net/url"
	"strconv"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/awareportal/portal/internal/config"
)

// SMTPSender delivers messages to an SMTP server.
type SMTPSender struct {
	URL  *url.URL
	From *mail.Address
}

// Send delivers m.
func (s SMTPSender) Send(ctx context.Context, mailID string, m Message) error {
	msg := gomail.NewMsg()
	if err := msg.FromFormat(m.FromName, s.From.Address); err != nil {
		return fmt.Errorf("from: %w", err)
	}
	if err := msg.To(m.To); err != nil {
		return fmt.Errorf("to: %w", err)
	}
	msg.Subject(m.Subject)
	msg.SetMessageIDWithValue(mailID + "@" + domainOf(s.From.Address))
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
	client, err := s.client()
	if err != nil {
		return err
	}
	return client.DialAndSendWithContext(ctx, msg)
}

func (s SMTPSender) client() (*gomail.Client, error) {
	host := s.URL.Hostname()
	opts := []gomail.Option{gomail.WithTimeout(30 * time.Second)}
	switch {
	case s.URL.Scheme == "smtps":
		opts = append(opts, gomail.WithSSL(), gomail.WithPort(portOr(s.URL, 465)))
	case config.IsLoopback(host):
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
