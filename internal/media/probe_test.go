package media

import (
	"bytes"
	"os"
	"testing"
	"time"

	"github.com/awareportal/portal/domain/onboarding"
)

func TestSniffAndCheck(t *testing.T) {
	for _, tc := range []struct {
		file, contentType string
		duration          time.Duration
	}{
		{"two-seconds.mp4", onboarding.ContentTypeMP4, 2 * time.Second},
		{"two-seconds-faststart.mp4", onboarding.ContentTypeMP4, 2 * time.Second},
		{"two-seconds.webm", onboarding.ContentTypeWebM, 2 * time.Second},
		{"tiny.pdf", onboarding.ContentTypePDF, 0},
	} {
		b, err := os.ReadFile("testdata/" + tc.file)
		if err != nil {
			t.Fatal(err)
		}
		typ, err := Sniff(b)
		if err != nil || typ != tc.contentType {
			t.Fatalf("%s: sniffed %q, %v; want %s", tc.file, typ, err, tc.contentType)
		}
		d, err := Check(typ, bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		if d.Round(100*time.Millisecond) != tc.duration {
			t.Errorf("%s: duration %s, want %s", tc.file, d, tc.duration)
		}
		// Cut short, a video has no readable length (or a PDF no end).
		if _, err := Check(typ, bytes.NewReader(b[:len(b)/3]), int64(len(b)/3)); err == nil && tc.file != "two-seconds.webm" {
			t.Errorf("%s cut to a third: no error", tc.file)
		}
	}
	for _, head := range []string{"", "hello", "<html>%PDF-", "GIF89a......"} {
		if typ, err := Sniff([]byte(head)); err == nil {
			t.Errorf("Sniff(%q) = %s", head, typ)
		}
	}
}

// FuzzCheck: no input makes the probes panic, loop or claim a silly length.
func FuzzCheck(f *testing.F) {
	for _, name := range []string{"two-seconds.mp4", "two-seconds-faststart.mp4", "two-seconds.webm", "tiny.pdf"} {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		typ, err := Sniff(b)
		if err != nil {
			return
		}
		d, err := Check(typ, bytes.NewReader(b), int64(len(b)))
		if err == nil && (d < 0 || d > 24*time.Hour) {
			t.Fatalf("duration %s", d)
		}
	})
}
