// Package pgmedia keeps onboarding media in PostgreSQL (tables
// media_blobs, media_chunks, media_uploads; migration 00012), whichever
// event store holds the events.
package pgmedia

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/awareportal/portal/domain/onboarding"
	"github.com/awareportal/portal/domain/policy"
	"github.com/awareportal/portal/domain/tenancy"
	"github.com/awareportal/portal/internal/media"
)

// ChunkSize is how much of a file one row holds.
const ChunkSize = 1 << 20

// Store is media.Store on PostgreSQL.
type Store struct {
	Pool *pgxpool.Pool
}

// Put reads an upload to its end, checks what it is by its content, and
// stores it for the partner, in one transaction: a refused upload leaves
// nothing behind. The same content uploaded twice is stored once.
func (s Store) Put(ctx context.Context, partnerID, filename string, body io.Reader, now time.Time) (onboarding.Media, error) {
	return s.put(ctx, partnerID, filename, body, now, media.Sniff, "must be a PDF, an MP4 or a WebM video (checked by its content, not its name)")
}

// PutDocument is Put for policy documents: a PDF or a Markdown file.
func (s Store) PutDocument(ctx context.Context, partnerID, filename string, body io.Reader, now time.Time) (onboarding.Media, error) {
	return s.put(ctx, partnerID, filename, body, now, media.SniffDocument, "must be a PDF or a Markdown (UTF-8 text) file (checked by its content, not its name)")
}

func (s Store) put(ctx context.Context, partnerID, filename string, body io.Reader, now time.Time, sniff func([]byte) (string, error), what string) (onboarding.Media, error) {
	name, err := tenancy.Text("filename", filename, tenancy.MaxName)
	if err != nil {
		return onboarding.Media{}, err
	}
	br := bufio.NewReaderSize(body, 64)
	head, _ := br.Peek(64)
	contentType, err := sniff(head)
	if err != nil {
		return onboarding.Media{}, tenancy.FieldError{Field: "file", Problem: what}
	}
	limit := media.MaxSize(contentType)
	tmp := "upload-" + uuid.NewString()
	var m onboarding.Media
	err = pgx.BeginFunc(ctx, s.Pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO media_blobs (sha256, content_type, size, created_at) VALUES ($1, $2, 0, $3)`, tmp, contentType, now); err != nil {
			return fmt.Errorf("start upload: %w", err)
		}
		h := sha256.New()
		buf := make([]byte, ChunkSize)
		var size int64
		for seq := 0; ; seq++ {
			n, rerr := fill(br, buf)
			if n > 0 {
				size += int64(n)
				if size > limit {
					return tenancy.FieldError{Field: "file", Problem: fmt.Sprintf("is too big: a %s may be at most %d MB", kindWord(contentType), limit>>20)}
				}
				h.Write(buf[:n])
				if _, err := tx.Exec(ctx, `INSERT INTO media_chunks (sha256, seq, data) VALUES ($1, $2, $3)`, tmp, seq, buf[:n]); err != nil {
					return fmt.Errorf("store chunk: %w", err)
				}
			}
			if rerr == io.EOF { //nolint:errorlint // the end, exactly
				break
			}
			if rerr != nil { // cut off (io.ErrUnexpectedEOF) or broken: nothing is kept
				return tenancy.FieldError{Field: "file", Problem: "did not arrive whole (the upload was cut off); nothing was stored"}
			}
		}
		d, err := media.Check(contentType, newReader(ctx, tx, tmp, size), size)
		if err != nil {
			return tenancy.FieldError{Field: "file", Problem: "is not a valid " + kindWord(contentType) + ": " + err.Error()}
		}
		m = onboarding.Media{SHA256: hex.EncodeToString(h.Sum(nil)), ContentType: contentType, Size: size, Duration: d}
		// Two uploads of the same content at once: one names it, the other
		// finds it named.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(7422, hashtext($1))`, m.SHA256); err != nil {
			return fmt.Errorf("lock media: %w", err)
		}
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM media_blobs WHERE sha256 = $1)`, m.SHA256).Scan(&exists); err != nil {
			return fmt.Errorf("look up media: %w", err)
		}
		if exists {
			if _, err := tx.Exec(ctx, `DELETE FROM media_blobs WHERE sha256 = $1`, tmp); err != nil {
				return fmt.Errorf("drop duplicate upload: %w", err)
			}
		} else if _, err := tx.Exec(ctx, `UPDATE media_blobs SET sha256 = $2, size = $3, duration_ms = $4 WHERE sha256 = $1`, tmp, m.SHA256, size, d.Milliseconds()); err != nil {
			return fmt.Errorf("name upload: %w", err)
		}
		_, err = tx.Exec(ctx, `INSERT INTO media_uploads (partner_id, sha256, filename, uploaded_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (partner_id, sha256) DO UPDATE SET filename = EXCLUDED.filename`, partnerID, m.SHA256, name, now)
		if err != nil {
			return fmt.Errorf("record upload: %w", err)
		}
		return nil
	})
	if err != nil {
		return onboarding.Media{}, err
	}
	return m, nil
}

// Of is a partner's upload by its hash; another partner's is ErrNotFound.
func (s Store) Of(ctx context.Context, partnerID, sha string) (onboarding.Media, error) {
	var m onboarding.Media
	var ms int64
	err := s.Pool.QueryRow(ctx, `SELECT b.sha256, b.content_type, b.size, b.duration_ms FROM media_blobs b
		JOIN media_uploads u ON u.sha256 = b.sha256 AND u.partner_id = $1 WHERE b.sha256 = $2`, partnerID, sha).Scan(&m.SHA256, &m.ContentType, &m.Size, &ms)
	if errors.Is(err, pgx.ErrNoRows) {
		return onboarding.Media{}, fmt.Errorf("media %s: %w", sha, media.ErrNotFound)
	}
	if err != nil {
		return onboarding.Media{}, fmt.Errorf("media %s: %w", sha, err)
	}
	m.Duration = time.Duration(ms) * time.Millisecond
	return m, nil
}

// Open reads length bytes of a file from off, one stored chunk (one
// query) at a time however small the caller's reads are.
func (s Store) Open(ctx context.Context, m onboarding.Media, off, length int64) io.Reader {
	sr := io.NewSectionReader(newReader(ctx, s.Pool, m.SHA256, m.Size), off, length)
	return bufio.NewReaderSize(sr, ChunkSize)
}

type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// reader reads a stored file at any offset. It keeps the last chunk it
// fetched: the probes read many small headers close together.
type reader struct {
	ctx  context.Context
	q    querier
	sha  string
	size int64

	seq  int64 // the cached chunk's number, -1 for none
	data []byte
}

func newReader(ctx context.Context, q querier, sha string, size int64) *reader {
	return &reader{ctx: ctx, q: q, sha: sha, size: size, seq: -1}
}

func (r *reader) ReadAt(p []byte, off int64) (int, error) {
	if off >= r.size {
		return 0, io.EOF
	}
	// Within the cached chunk: no query.
	if start := r.seq * ChunkSize; r.seq >= 0 && off >= start && off+int64(len(p)) <= start+int64(len(r.data)) {
		return copy(p, r.data[off-start:]), nil
	}
	end := min(off+int64(len(p)), r.size)
	rows, err := r.q.Query(r.ctx, `SELECT seq, data FROM media_chunks WHERE sha256 = $1 AND seq BETWEEN $2 AND $3 ORDER BY seq`,
		r.sha, off/ChunkSize, (end-1)/ChunkSize)
	if err != nil {
		return 0, fmt.Errorf("read media: %w", err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var seq int64
		var data []byte
		if err := rows.Scan(&seq, &data); err != nil {
			return n, fmt.Errorf("read media: %w", err)
		}
		start := seq * ChunkSize
		r.seq, r.data = seq, data
		from := max(off+int64(n)-start, 0)
		if from < int64(len(data)) {
			n += copy(p[n:end-off], data[from:])
		}
	}
	if err := rows.Err(); err != nil {
		return n, fmt.Errorf("read media: %w", err)
	}
	if int64(n) < end-off {
		return n, io.ErrUnexpectedEOF
	}
	if end == r.size && int64(n) < int64(len(p)) {
		return n, io.EOF
	}
	return n, nil
}

func kindWord(contentType string) string {
	switch contentType {
	case onboarding.ContentTypePDF:
		return "PDF"
	case policy.ContentTypeMarkdown:
		return "Markdown file"
	}
	return "video"
}

// fill reads until buf is full or the body ends: io.EOF is a clean end
// (with n bytes before it), any other error a body that did not arrive
// whole.
func fill(r io.Reader, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := r.Read(buf[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}
