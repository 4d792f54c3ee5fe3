package mail

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
)

// Parsed is a received message taken apart for display and tests.
type Parsed struct {
	From, To, Subject string
	Text, HTML        string
	Attachments       []Attachment
}

// Parse reads a raw RFC 5322 message with its MIME parts.
func Parse(raw []byte) (Parsed, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return Parsed{}, fmt.Errorf("parse message: %w", err)
	}
	dec := new(mime.WordDecoder)
	var p Parsed
	p.From, _ = dec.DecodeHeader(msg.Header.Get("From"))
	p.To, _ = dec.DecodeHeader(msg.Header.Get("To"))
	p.Subject, _ = dec.DecodeHeader(msg.Header.Get("Subject"))
	err = p.walk(msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), "", msg.Body)
	return p, err
}

func (p *Parsed) walk(contentType, encoding, disposition string, body io.Reader) error {
	mediaType, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		mediaType = "text/plain"
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			part, err := mr.NextRawPart()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return fmt.Errorf("read part: %w", err)
			}
			if err := p.walk(part.Header.Get("Content-Type"), part.Header.Get("Content-Transfer-Encoding"), part.Header.Get("Content-Disposition"), part); err != nil {
				return err
			}
		}
	}
	switch strings.ToLower(encoding) {
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, &newlineStripper{r: body})
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	}
	data, err := io.ReadAll(body)
	if err != nil {
		return fmt.Errorf("read body: %w", err)
	}
	_, dparams, _ := mime.ParseMediaType(disposition)
	switch {
	case strings.HasPrefix(disposition, "attachment") || (mediaType != "text/plain" && mediaType != "text/html"):
		name := dparams["filename"]
		if name == "" {
			name = params["name"]
		}
		p.Attachments = append(p.Attachments, Attachment{Name: name, ContentType: mediaType, Data: data})
	case mediaType == "text/html":
		p.HTML = string(data)
	default:
		p.Text = string(data)
	}
	return nil
}

type newlineStripper struct{ r io.Reader }

func (n *newlineStripper) Read(b []byte) (int, error) {
	c, err := n.r.Read(b)
	j := 0
	for _, x := range b[:c] {
		if x != '\r' && x != '\n' {
			b[j] = x
			j++
		}
	}
	return j, err
}
