package app

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	dom "github.com/awareportal/portal/domain/breach"
	"github.com/awareportal/portal/internal/breaches"
	"github.com/awareportal/portal/internal/catalog"
	"github.com/awareportal/portal/internal/training"
	"github.com/awareportal/portal/projections/directory"
)

// TestBreachMailListsTheMostSeriousFew: an ingestion can bring thousands of
// breaches for one email; the notification lists ten and counts the rest,
// so it stays a message mail servers accept (the outsider attack sent
// 4,980 and the server refused the 15 MB email: 552).
func TestBreachMailListsTheMostSeriousFew(t *testing.T) {
	m := breaches.Mail{Learner: directory.Learner{FirstName: "Jamie", Email: "jamie@acme.example"}, Partner: directory.Partner{Name: "Northwind IT"},
		Link: "http://localhost/signin/link/x", SignsIn: true, BaseURL: "http://localhost"}
	for i := range 4980 {
		m.Breaches = append(m.Breaches, dom.Breach{ID: fmt.Sprint("B", i), Name: fmt.Sprintf("Breach %04d %s", i, strings.Repeat("W", 150)),
			BreachDate: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), DataClasses: []string{strings.Repeat("P", 100), "Passwords"}, Tier: dom.TierPassword})
	}
	msg, err := renderBreachMail(context.Background(), m)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(msg.Text) + len(msg.HTML); n > 64<<10 {
		t.Errorf("the email is %d bytes", n)
	}
	for _, part := range []string{msg.Text, msg.HTML} {
		if !strings.Contains(part, "Breach 0009") || strings.Contains(part, "Breach 0010") || !strings.Contains(part, "4970 more on your Breaches page") {
			t.Errorf("lists the first ten and counts the rest:\n%.3000s", part)
		}
	}
	if !strings.Contains(msg.Subject, "4980 data breaches") {
		t.Errorf("subject %q", msg.Subject)
	}
}

// TestEmailLogosArePNG: every branded email frame points at the PNG logo
// (Gmail and Outlook don't show SVG images), and one without a logo shows
// the partner's name alone.
func TestEmailLogosArePNG(t *testing.T) {
	ctx := context.Background()
	partner := directory.Partner{Name: "Northwind IT", Slug: "northwind", LogoSVG: `<svg viewBox="0 0 1 1"/>`}
	m := training.CourseMail{Learner: directory.Learner{FirstName: "Jamie", Email: "jamie@acme.example"}, Partner: partner,
		Course: &catalog.Course{Title: "Spotting Phishing"}, DueAt: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), Link: "http://localhost/x", BaseURL: "http://localhost"}
	msg, err := renderCourseMail(ctx, m)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(msg.HTML, `src="http://localhost/brand/northwind/logo.png"`) || strings.Contains(msg.HTML, "logo.svg") {
		t.Errorf("course email logo is not the PNG:\n%.1500s", msg.HTML)
	}
	m.Partner.LogoSVG = ""
	if msg, err = renderCourseMail(ctx, m); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(msg.HTML, "<img") || !strings.Contains(msg.HTML, "Northwind IT") {
		t.Errorf("an email without a logo shows an image or no name:\n%.1500s", msg.HTML)
	}
}
