package app_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/awareportal/portal/internal/seed"
)

// TestBrowserMyTeam: Morgan signs in, opens My Team from the nav, sees
// their reports with percentages and statuses (and no score), reminds
// Sam: the row swaps to a disabled "Reminded just now", and the reminder
// arrives at the loopback SMTP server.
func TestBrowserMyTeam(t *testing.T) {
	t.Parallel()
	p := start(t)
	b := newBrowser(t)
	signInBrowser(t, p, b, morgan)
	before := p.inbox.count(sam)
	if err := chromedp.Run(b,
		chromedp.Click(`//nav[@class="mainnav"]//a[normalize-space()="My Team"]`, chromedp.BySearch),
		chromedp.WaitVisible(`#report-acme-sam`, chromedp.ByID),
	); err != nil {
		t.Fatalf("open My Team: %v", err)
	}
	waitPath(t, b, "/team")
	screenshot(t, b, "70-my-team")
	var rows []string
	if err := chromedp.Run(b, chromedp.Evaluate(`[...document.querySelectorAll(".teamrow[data-report]")].map(r => r.innerText.replace(/\s+/g, " "))`, &rows)); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 5 {
		t.Fatalf("%d rows: %v", len(rows), rows)
	}
	for i, want := range []struct{ name, pct, status string }{
		{"Avery Patel", "%", "Overdue"}, {"Jamie Okafor", "50%", "Overdue"}, {"Sam Learner", "50%", "Overdue"},
		{"Noor Hussain", "0%", "Onboarding"}, {"Riley Chen", "100%", "Up to date"},
	} {
		if !strings.Contains(rows[i], want.name) || !strings.Contains(rows[i], want.pct) || !strings.Contains(rows[i], want.status) {
			t.Errorf("row %d: %q, want %s %s %s", i, rows[i], want.name, want.pct, want.status)
		}
	}
	var html string
	if err := chromedp.Run(b, chromedp.OuterHTML(`html`, &html, chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	assertNoScores(t, p, html)

	// Remind Sam: the row swaps in place, disabled.
	var disabled bool
	if err := chromedp.Run(b,
		chromedp.Click(`#report-acme-sam button.remind`, chromedp.ByQuery),
		chromedp.WaitVisible(`//li[@id="report-acme-sam"]//button[normalize-space()="Reminded just now"]`, chromedp.BySearch),
		chromedp.Evaluate(`document.querySelector("#report-acme-sam button.remind").disabled`, &disabled),
	); err != nil {
		t.Fatalf("remind: %v", err)
	}
	if !disabled {
		t.Error("the Remind button is not disabled after reminding")
	}
	if got := text(t, b, "#report-acme-sam .teamrow-why"); !strings.Contains(got, "again in 24 h") {
		t.Errorf("why: %q", got)
	}
	if got := toastText(t, b); !strings.Contains(got, "Reminder sent to Sam Learner") {
		t.Errorf("toast: %q", got)
	}
	screenshot(t, b, "71-my-team-reminded")
	m := p.inbox.waitFor(t, seed.LearnerEmail, before+1)
	if m.Subject != "Reminder: your security training" {
		t.Errorf("subject %q", m.Subject)
	}
	// A forged click on the disabled button (two tabs): refused, the row still
	// says why, no second email.
	if err := chromedp.Run(b, chromedp.Evaluate(`(() => { const f = document.querySelector("#report-acme-sam form"); f.querySelector("button").disabled = false; htmx.trigger(f, "submit"); })()`, nil)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Run(b, chromedp.WaitVisible(`//div[@class="toast" and contains(., "You reminded Sam Learner just now")]`, chromedp.BySearch)); err != nil {
		t.Errorf("no refusal toast: %v", err)
	}
	p.mailSettled(t)
	if n := p.inbox.count(seed.LearnerEmail) - before; n != 1 {
		t.Errorf("%d reminder emails, want 1", n)
	}
}
