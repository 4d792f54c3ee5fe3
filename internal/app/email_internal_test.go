package app

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	dom "github.com/awareportal/portal/domain/breach"
	"github.com/awareportal/portal/internal/breaches"
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
