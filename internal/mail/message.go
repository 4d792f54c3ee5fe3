// Package mail is the portal's email without storage: messages and their
// sealing, the Queue services put mail on, the SMTP sender, the dev SMTP
// server, and parsing for the dev outbox. The durable queue (River, on
// Postgres) and the dev outbox's table are in pgmail: a queued email
// survives a crash and is retried with backoff, and every step is recorded
// as an event on the mail's stream.
package mail

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
)

// Message is one email, ready to send.
type Message struct {
	FromName    string       `json:"from_name"` // display name, e.g. "Northwind IT Training"
	To          string       `json:"to"`
	Subject     string       `json:"subject"`
	Text        string       `json:"text"`
	HTML        string       `json:"html"`
	Attachments []Attachment `json:"attachments,omitempty"`
}

// Attachment is a file sent with a message.
type Attachment struct {
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Data        []byte `json:"data"`
}

// Sealer encrypts queued messages: they carry sign-in links, which must not
// sit readable in the job table.
type Sealer struct {
	aead cipher.AEAD
}

// NewSealer returns a sealer for a 32-byte key.
func NewSealer(key []byte) (*Sealer, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("mail sealer: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("mail sealer: %w", err)
	}
	return &Sealer{aead: aead}, nil
}

// Seal encrypts m, bound to the mail id.
func (s *Sealer) Seal(mailID string, m Message) ([]byte, error) {
	plain, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return s.aead.Seal(nonce, nonce, plain, []byte(mailID)), nil
}

// Open decrypts a sealed message.
func (s *Sealer) Open(mailID string, sealed []byte) (Message, error) {
	n := s.aead.NonceSize()
	if len(sealed) < n {
		return Message{}, errors.New("sealed message too short")
	}
	plain, err := s.aead.Open(nil, sealed[:n], sealed[n:], []byte(mailID))
	if err != nil {
		return Message{}, fmt.Errorf("open sealed message %s: %w", mailID, err)
	}
	var m Message
	if err := json.Unmarshal(plain, &m); err != nil {
		return Message{}, fmt.Errorf("decode message %s: %w", mailID, err)
	}
	return m, nil
}
