// Package media keeps the files partners upload for onboarding (policy
// PDFs, videos) outside the event log, named by the SHA-256 of their
// content, and serves byte ranges of them. What a file is comes from its
// content, never from its name or the Content-Type it was sent with.
package media

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"time"
	"unicode/utf8"

	"github.com/awareportal/portal/domain/onboarding"
	"github.com/awareportal/portal/domain/policy"
)

// Store keeps uploads (pgmedia.Store).
type Store interface {
	// Put reads an upload to its end, checks what it is by its content and
	// stores it for the partner; a refused upload leaves nothing behind.
	Put(ctx context.Context, partnerID, filename string, body io.Reader, now time.Time) (onboarding.Media, error)
	// Of is a partner's upload by its hash; another partner's is ErrNotFound.
	Of(ctx context.Context, partnerID, sha string) (onboarding.Media, error)
	// Open reads length bytes of a file from off.
	Open(ctx context.Context, m onboarding.Media, off, length int64) io.Reader
}

// ErrNotFound is a hash nobody uploaded (or another partner did).
var ErrNotFound = errors.New("no such media")

// ErrUnknownType is content that is not a PDF, an MP4 or a WebM video.
var ErrUnknownType = errors.New("not a PDF, MP4 or WebM file")

// Sniff says what a file is from its first bytes (at least 64 of them when
// the file is that long): a PDF, an MP4 or a WebM video.
func Sniff(head []byte) (string, error) {
	switch {
	case bytes.HasPrefix(head, []byte("%PDF-")):
		return onboarding.ContentTypePDF, nil
	case len(head) >= 12 && string(head[4:8]) == "ftyp":
		return onboarding.ContentTypeMP4, nil
	case bytes.HasPrefix(head, []byte{0x1A, 0x45, 0xDF, 0xA3}) && bytes.Contains(head[:min(len(head), 64)], []byte("webm")):
		return onboarding.ContentTypeWebM, nil
	}
	return "", ErrUnknownType
}

// SniffDocument says what a policy document is from its first bytes (at
// least 64 of them when the file is that long): a PDF, or else Markdown
// (text: checked whole by Check).
func SniffDocument(head []byte) (string, error) {
	if bytes.HasPrefix(head, []byte("%PDF-")) {
		return onboarding.ContentTypePDF, nil
	}
	if len(head) == 0 || bytes.IndexByte(head, 0) >= 0 {
		return "", ErrUnknownType
	}
	return policy.ContentTypeMarkdown, nil
}

// MaxSize is the largest upload of a content type.
func MaxSize(contentType string) int64 {
	if contentType == onboarding.ContentTypePDF {
		return onboarding.MaxPDFSize
	}
	if contentType == policy.ContentTypeMarkdown {
		return policy.MaxMarkdownSize
	}
	return onboarding.MaxVideoSize
}

// Check reads what a whole file needs to be what its first bytes say: a
// PDF ends with %%EOF; a video has a readable length, which it returns.
func Check(contentType string, r io.ReaderAt, size int64) (time.Duration, error) {
	switch contentType {
	case onboarding.ContentTypePDF:
		tail := make([]byte, min(size, 1024))
		if _, err := r.ReadAt(tail, size-int64(len(tail))); err != nil && !errors.Is(err, io.EOF) {
			return 0, err
		}
		if !bytes.Contains(tail, []byte("%%EOF")) {
			return 0, errors.New("the PDF is incomplete (no %%EOF at its end)")
		}
		return 0, nil
	case policy.ContentTypeMarkdown:
		return 0, checkText(r, size)
	case onboarding.ContentTypeMP4:
		return mp4Duration(r, size)
	case onboarding.ContentTypeWebM:
		return webmDuration(r, size)
	}
	return 0, ErrUnknownType
}

var errNoDuration = errors.New("the video's length could not be read")

// mp4Duration reads moov/mvhd: the movie's timescale and duration.
func mp4Duration(r io.ReaderAt, size int64) (time.Duration, error) {
	moov, moovSize, err := findBox(r, 0, size, "moov")
	if err != nil {
		return 0, err
	}
	mvhd, mvhdSize, err := findBox(r, moov, moov+moovSize, "mvhd")
	if err != nil {
		return 0, err
	}
	b := make([]byte, min(mvhdSize, 32))
	if _, err := r.ReadAt(b, mvhd); err != nil && !errors.Is(err, io.EOF) {
		return 0, errNoDuration
	}
	var scale uint32
	var dur uint64
	switch {
	case len(b) >= 20 && b[0] == 0:
		scale, dur = binary.BigEndian.Uint32(b[12:16]), uint64(binary.BigEndian.Uint32(b[16:20]))
	case len(b) >= 32 && b[0] == 1:
		scale, dur = binary.BigEndian.Uint32(b[20:24]), binary.BigEndian.Uint64(b[24:32])
	default:
		return 0, errNoDuration
	}
	if scale == 0 || dur == 0 || dur == math.MaxUint32 || dur/uint64(scale) > 24*3600 {
		return 0, errNoDuration
	}
	return time.Duration(float64(dur) / float64(scale) * float64(time.Second)), nil
}

// findBox finds a box of the given type among the boxes in [from, to) and
// returns where its payload starts and how long it is.
func findBox(r io.ReaderAt, from, to int64, typ string) (int64, int64, error) {
	hdr := make([]byte, 16)
	for off, n := from, 0; off+8 <= to && n < 10000; n++ {
		if _, err := r.ReadAt(hdr[:8], off); err != nil {
			return 0, 0, errNoDuration
		}
		size, head := int64(binary.BigEndian.Uint32(hdr[:4])), int64(8)
		switch size {
		case 0: // to the end
			size = to - off
		case 1: // 64-bit size follows
			if _, err := r.ReadAt(hdr[8:16], off+8); err != nil {
				return 0, 0, errNoDuration
			}
			size, head = int64(binary.BigEndian.Uint64(hdr[8:16])), 16
		}
		if size < head || off+size > to {
			return 0, 0, errNoDuration
		}
		if string(hdr[4:8]) == typ {
			return off + head, size - head, nil
		}
		off += size
	}
	return 0, 0, errNoDuration
}

// EBML element ids of the WebM header parts we read.
const (
	ebmlSegment       = 0x18538067
	ebmlInfo          = 0x1549A966
	ebmlTimecodeScale = 0x2AD7B1
	ebmlDuration      = 0x4489
)

// webmDuration reads Segment/Info: TimecodeScale (ns per tick, default 1
// ms) and Duration (ticks, a float).
func webmDuration(r io.ReaderAt, size int64) (time.Duration, error) {
	off := int64(0)
	// Skip the EBML header element.
	_, hsize, n, err := ebmlElement(r, off, size)
	if err != nil {
		return 0, err
	}
	off += n + hsize
	id, ssize, n, err := ebmlElement(r, off, size)
	if err != nil || id != ebmlSegment {
		return 0, errNoDuration
	}
	off += n
	end := size
	if ssize >= 0 && off+ssize < end {
		end = off + ssize
	}
	for i := 0; off < end && i < 64; i++ {
		id, esize, n, err := ebmlElement(r, off, end)
		if err != nil || esize < 0 {
			return 0, errNoDuration
		}
		if id != ebmlInfo {
			off += n + esize
			continue
		}
		return webmInfo(r, off+n, off+n+esize)
	}
	return 0, errNoDuration
}

func webmInfo(r io.ReaderAt, off, end int64) (time.Duration, error) {
	scale, ticks := uint64(1_000_000), -1.0
	for off < end {
		id, esize, n, err := ebmlElement(r, off, end)
		if err != nil || esize < 0 || esize > 8 {
			if err == nil && esize > 8 {
				off += n + esize
				continue
			}
			return 0, errNoDuration
		}
		b := make([]byte, esize)
		if _, err := r.ReadAt(b, off+n); err != nil && !errors.Is(err, io.EOF) {
			return 0, errNoDuration
		}
		switch id {
		case ebmlTimecodeScale:
			scale = 0
			for _, c := range b {
				scale = scale<<8 | uint64(c)
			}
		case ebmlDuration:
			switch esize {
			case 4:
				ticks = float64(math.Float32frombits(binary.BigEndian.Uint32(b)))
			case 8:
				ticks = math.Float64frombits(binary.BigEndian.Uint64(b))
			}
		}
		off += n + esize
	}
	secs := ticks * float64(scale) / 1e9
	if scale == 0 || ticks <= 0 || math.IsNaN(secs) || secs > 24*3600 {
		return 0, errNoDuration
	}
	return time.Duration(secs * float64(time.Second)), nil
}

// ebmlElement reads an element's id and data size at off; n is the length
// of both. An unknown size is -1.
func ebmlElement(r io.ReaderAt, off, end int64) (id uint64, size int64, n int64, err error) {
	b := make([]byte, 16)
	m, rerr := r.ReadAt(b, off)
	if m == 0 && rerr != nil {
		return 0, 0, 0, errNoDuration
	}
	b = b[:m]
	id, idLen, ok := vint(b, false)
	if !ok {
		return 0, 0, 0, errNoDuration
	}
	sz, szLen, ok := vint(b[idLen:], true)
	if !ok {
		return 0, 0, 0, errNoDuration
	}
	n = int64(idLen + szLen)
	if sz == math.MaxUint64 {
		return id, -1, n, nil
	}
	if sz > uint64(end-off-n) {
		return 0, 0, 0, errNoDuration
	}
	return id, int64(sz), n, nil
}

// vint decodes an EBML variable-length integer. With data set, the length
// marker bit is removed and all-ones means "unknown" (MaxUint64).
func vint(b []byte, data bool) (uint64, int, bool) {
	if len(b) == 0 || b[0] == 0 {
		return 0, 0, false
	}
	l := 1
	for mask := byte(0x80); b[0]&mask == 0; mask >>= 1 {
		l++
	}
	if l > 8 || len(b) < l {
		return 0, 0, false
	}
	v := uint64(b[0])
	if data {
		v &= uint64(0xFF >> l)
	}
	allOnes := v == uint64(0xFF>>l)
	for _, c := range b[1:l] {
		v = v<<8 | uint64(c)
		allOnes = allOnes && c == 0xFF
	}
	if data && allOnes {
		return math.MaxUint64, l, true
	}
	return v, l, true
}

// checkText reads a whole Markdown file (at most policy.MaxMarkdownSize):
// UTF-8 text without control characters but tab, newline, carriage
// return and form feed.
func checkText(r io.ReaderAt, size int64) error {
	if size > policy.MaxMarkdownSize {
		return errors.New("too big")
	}
	b := make([]byte, size)
	if _, err := r.ReadAt(b, 0); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	if !utf8.Valid(b) {
		return errors.New("a Markdown file must be UTF-8 text")
	}
	for _, c := range string(b) {
		if (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f') || c == 0x7f || (c >= 0x80 && c < 0xa0) {
			return errors.New("a Markdown file must be text (it has control characters)")
		}
	}
	return nil
}
