package certificate_test

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/awareportal/portal/internal/certificate"
	"github.com/awareportal/portal/internal/i18n"
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

// TestNamesOutsideLatin1: names in any Latin script, Cyrillic and Greek
// come out of the PDF as typed (the embedded Noto Sans has their glyphs;
// the PDF's standard fonts stop at Latin-1), and the certificate speaks
// the learner's language.
func TestNamesOutsideLatin1(t *testing.T) {
	cases := []struct {
		lang              i18n.Lang
		name, course, org string
		says              []string
	}{
		{i18n.English, "Zoë Łukasiewicz", "Spotting Phishing", "Acme Sp. z o.o.", []string{"CERTIFICATE OF COMPLETION", "20 November 2026", "92%"}},
		{i18n.German, "Ірина Шевченко", "Phishing erkennen", "Äpfel & Söhne GmbH", []string{"TEILNAHMEZERTIFIKAT", "20. November 2026", "92 %", "Zertifikat-Nr. CERT-7Q2K9", "Äpfel & Söhne GmbH"}},
		{i18n.French, "Αλέξανδρος Παπαδόπουλος", "Repérer l’hameçonnage", "Société Générale d’Études", []string{"CERTIFICAT DE RÉUSSITE", "20 novembre 2026", "92 %", "Délivré par Northwind IT."}},
	}
	for _, c := range cases {
		pdf, err := certificate.Render(certificate.Data{
			ID: "CERT-7Q2K9", LearnerName: c.name, CourseTitle: c.course, CompletedAt: time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC), Score: 92,
			PartnerName: "Northwind IT", AccentColor: "#0b7285", Organisation: c.org, VerifyURL: "https://training.example.com/verify/CERT-7Q2K9", Lang: c.lang,
		})
		if err != nil {
			t.Fatal(err)
		}
		if out := os.Getenv("PORTAL_CERT_OUT"); out != "" {
			_ = os.WriteFile(strings.TrimSuffix(out, ".pdf")+"-"+string(c.lang)+".pdf", pdf, 0o644)
		}
		// pdftotext writes a no-break space as a space.
		txt := strings.NewReplacer("\u00a0", " ", "\u202f", " ").Replace(testenv.PDFText(t, pdf))
		for _, want := range append([]string{c.name, c.course}, c.says...) {
			if !strings.Contains(txt, want) {
				t.Errorf("%s certificate lacks %q:\n%s", c.lang, want, txt)
			}
		}
		if pages := strings.Count(txt, "\f"); pages != 1 {
			t.Errorf("%s certificate has %d pages", c.lang, pages)
		}
	}
}
