package certificate_test

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/awareportal/portal/internal/certificate"
	"github.com/awareportal/portal/internal/testenv"
)

const logo = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect width="64" height="64" rx="14" fill="#0b7285"/></svg>`

func TestRender(t *testing.T) {
	pdf, err := certificate.Render(certificate.Data{
		ID: "CERT-7Q2K9", LearnerName: "Sam Learner", CourseTitle: "Spotting Phishing",
		CompletedAt: time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC), Score: 92,
		PartnerName: "Northwind IT", PartnerLogo: logo, AccentColor: "#0b7285", Organisation: "Acme Corporation",
		VerifyURL: "https://training.example.com/verify/CERT-7Q2K9",
	})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatal("not a PDF")
	}
	if out := os.Getenv("PORTAL_CERT_OUT"); out != "" {
		_ = os.WriteFile(out, pdf, 0o644) // to look at it
	}
	txt := testenv.PDFText(t, pdf)
	if pages := strings.Count(txt, "\f"); pages != 1 {
		t.Errorf("certificate has %d pages, want 1", pages)
	}
	for _, want := range []string{"Sam Learner", "Spotting Phishing", "20 November 2026", "92%", "Northwind IT", "CERT-7Q2K9", "https://training.example.com/verify/CERT-7Q2K9"} {
		if !strings.Contains(txt, want) {
			t.Errorf("certificate text lacks %q:\n%s", want, txt)
		}
	}
}
