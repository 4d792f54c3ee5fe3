package mail

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"time"

	"github.com/emersion/go-smtp"
)

// Envelope is one message as an SMTP server received it.
type Envelope struct {
	From string
	To   []string
	Raw  []byte
}

// Sink stores what the dev SMTP server receives.
type Sink interface {
	Deliver(ctx context.Context, env Envelope) error
}

// SMTPServer is a real SMTP server on loopback: in embedded mode it feeds
// the dev outbox, and tests use it to receive the portal's mail.
type SMTPServer struct {
	srv  *smtp.Server
	addr string
}

// StartSMTPServer listens on addr (use 127.0.0.1:0 for any free port).
func StartSMTPServer(addr string, sink Sink, log *slog.Logger) (*SMTPServer, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("dev SMTP server: %w", err)
	}
	srv := smtp.NewServer(backend{sink: sink})
	srv.Domain = "localhost"
	srv.ReadTimeout = 30 * time.Second
	srv.WriteTimeout = 30 * time.Second
	srv.MaxMessageBytes = 25 << 20
	srv.MaxRecipients = 50
	s := &SMTPServer{srv: srv, addr: ln.Addr().String()}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, smtp.ErrServerClosed) {
			log.Error("dev SMTP server stopped", "err", err)
		}
	}()
	return s, nil
}

// Addr is the host:port the server listens on.
func (s *SMTPServer) Addr() string { return s.addr }

// URL is an smtp:// URL for the server.
func (s *SMTPServer) URL() string { return "smtp://" + s.addr }

// Close stops the server.
func (s *SMTPServer) Close() error { return s.srv.Close() }

type backend struct{ sink Sink }

func (b backend) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{sink: b.sink}, nil }

type session struct {
	sink Sink
	env  Envelope
}

func (s *session) Reset()        { s.env = Envelope{} }
func (s *session) Logout() error { return nil }
func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	s.env.From = from
	return nil
}
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.env.To = append(s.env.To, to)
	return nil
}
func (s *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.env.Raw = raw
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return s.sink.Deliver(ctx, s.env)
}
