package app_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/awareportal/portal/internal/seed"
)

// TestBrowserPhishing: Sam opens My Stats from the nav and sees the
// phishing panel (four simulations, his and Acme's 12-month compromise
// rates, the history newest first); Morgan, who has had no simulation,
// sees the calm empty state instead.
func TestBrowserPhishing(t *testing.T) {
	t.Parallel()
	p := start(t)
	b := newBrowser(t)
	signInBrowser(t, p, b, sam)
	if err := chromedp.Run(b,
		chromedp.Click(`//nav[@class="mainnav"]//a[normalize-space()="My Stats"]`, chromedp.BySearch),
		chromedp.WaitVisible(`#phishing`, chromedp.ByID),
	); err != nil && !strings.Contains(err.Error(), "-32000") {
		t.Fatalf("open My Stats: %v", err)
	}
	waitPath(t, b, "/stats")
	if got := text(t, b, "#phishing h2"); got != "Phishing simulations" {
		t.Fatalf("panel heading %q", got)
	}
	if got := text(t, b, "#phishing .phishtiles"); !strings.Contains(got, "4") || !strings.Contains(got, "simulations received") || !strings.Contains(got, "50%") {
		t.Errorf("tiles: %q", got)
	}
	if own, org := text(t, b, `[data-rate="own"]`), text(t, b, `[data-rate="org"]`); own != "50%" || org != "33%" {
		t.Errorf("rates: own %q, org %q", own, org)
	}
	var rows []string
	if err := chromedp.Run(b, chromedp.Evaluate(`[...document.querySelectorAll("#phishing .phishrow-name")].map(e => e.innerText.trim())`, &rows)); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 || rows[0] != "Document shared with you" || rows[3] != "Parcel delivery failed" {
		t.Errorf("history: %q", rows)
	}
	screenshot(t, b, "90-stats-phishing")

	m := newBrowser(t)
	signInBrowser(t, p, m, seed.ManagerEmail)
	if err := chromedp.Run(m, chromedp.Navigate(p.base+"/stats")); err != nil {
		t.Fatal(err)
	}
	if got := text(t, m, "#phishing .phish-empty"); got != "No phishing simulations yet." {
		t.Fatalf("Morgan's empty state: %q", got)
	}
	var tiles int
	if err := chromedp.Run(m, chromedp.Evaluate(`document.querySelectorAll("#phishing .tile").length`, &tiles)); err != nil || tiles != 0 {
		t.Fatalf("Morgan sees %d phishing tiles (%v)", tiles, err)
	}
	screenshot(t, m, "91-stats-phishing-empty")
}
