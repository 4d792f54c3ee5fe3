package app_test

import (
	"strings"
	"testing"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// TestBrowserBreaches: Sam opens Breaches from the nav, sees the three
// tiers with what to do, marks the password breach resolved (the row
// swaps to resolved and the active count drops from 2 to 1), and My Stats'
// password callout is gone. With Acme's switch off, the nav link is gone
// and /breaches is a 404.
func TestBrowserBreaches(t *testing.T) {
	p := start(t)
	b := newBrowser(t)
	signInBrowser(t, p, b, sam)
	if err := chromedp.Run(b, chromedp.Navigate(p.base+"/stats")); err != nil {
		t.Fatal(err)
	}
	if got := text(t, b, ".breachcallout"); !strings.Contains(got, "Your password was exposed in 1 data breach") {
		t.Fatalf("callout: %q", got)
	}
	screenshot(t, b, "80-stats-breach-callout")
	if err := chromedp.Run(b,
		chromedp.Click(`//nav[@class="mainnav"]//a[normalize-space()="Breaches"]`, chromedp.BySearch),
		chromedp.WaitVisible(`#breachcount`, chromedp.ByID),
	); err != nil && !strings.Contains(err.Error(), "-32000") {
		t.Fatalf("open Breaches: %v", err)
	}
	waitPath(t, b, "/breaches")
	var tiers []string
	if err := chromedp.Run(b, chromedp.Evaluate(`[...document.querySelectorAll(".breachgroup h2")].map(h => h.innerText.trim())`, &tiers)); err != nil {
		t.Fatal(err)
	}
	if len(tiers) != 3 || !strings.HasPrefix(tiers[0], "Password Exposed") || !strings.HasPrefix(tiers[1], "Personal Info Exposed") || !strings.HasPrefix(tiers[2], "Resolved") {
		t.Fatalf("groups: %q", tiers)
	}
	if got := text(t, b, `li[data-breach="GameHub"] .breachrow-tier`); got != "Data Exposed" {
		t.Errorf("the resolved breach's badge: %q", got)
	}
	if got := text(t, b, ".breachgroup-password .breachgroup-advice"); !strings.Contains(got, "Change that password now") {
		t.Errorf("password advice: %q", got)
	}
	if got := text(t, b, ".breachcount-active"); got != "2" {
		t.Fatalf("active count %q, want 2", got)
	}
	screenshot(t, b, "81-breaches")

	// Mark the password breach resolved: the row and the count swap.
	if err := chromedp.Run(b,
		chromedp.Click(`li[data-breach="ShopRight2024"] summary`, chromedp.ByQuery),
		chromedp.WaitVisible(`li[data-breach="ShopRight2024"] .resolve-submit`, chromedp.ByQuery),
	); err != nil {
		t.Fatal(err)
	}
	screenshot(t, b, "82-breaches-resolving")
	if err := chromedp.Run(b,
		chromedp.Click(`li[data-breach="ShopRight2024"] .resolve-submit`, chromedp.ByQuery),
		chromedp.WaitVisible(`li[data-breach="ShopRight2024"] button.reopen`, chromedp.ByQuery),
	); err != nil {
		t.Fatalf("resolve: %v", err)
	}
	waitJS(t, b, `document.querySelector(".breachcount-active").innerText.trim() === "1"`)
	if got := text(t, b, `li[data-breach="ShopRight2024"] .breachrow-done`); !strings.Contains(got, "Resolved") || !strings.Contains(got, "I changed the password") {
		t.Errorf("resolved row: %q", got)
	}
	if got := toastText(t, b); !strings.Contains(got, "Marked resolved: ShopRight") {
		t.Errorf("toast: %q", got)
	}
	screenshot(t, b, "83-breaches-resolved")
	if err := chromedp.Run(b, chromedp.Navigate(p.base+"/stats"), chromedp.WaitVisible(`.breachstat`, chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	var callouts int
	if err := chromedp.Run(b, chromedp.Evaluate(`document.querySelectorAll(".breachcallout").length`, &callouts)); err != nil {
		t.Fatal(err)
	}
	if got := text(t, b, ".breachstat-n"); callouts != 0 || got != "1" {
		t.Fatalf("My Stats after resolving: %d callouts, count %q", callouts, got)
	}

	// Acme switches monitoring off: no link, and the URL is a 404.
	if code, _ := p.api(t, p.token(t, "northwind"), "PUT", "/api/v1/clients/acme/breach-monitoring", `{"enabled":false}`); code != 200 {
		t.Fatalf("switch off: %d", code)
	}
	if err := chromedp.Run(b, chromedp.Navigate(p.base+"/courses"), chromedp.WaitVisible(`nav.mainnav`, chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	var links int
	if err := chromedp.Run(b, chromedp.Evaluate(`document.querySelectorAll('nav.mainnav a[href="/breaches"]').length`, &links)); err != nil {
		t.Fatal(err)
	}
	if links != 0 {
		t.Fatal("the Breaches link is still in the nav")
	}
	var status int
	if err := chromedp.Run(b, chromedp.Evaluate(`fetch("/breaches").then(r => r.status)`, &status, func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) })); err != nil {
		t.Fatal(err)
	}
	if status != 404 {
		t.Fatalf("/breaches with monitoring off: %d", status)
	}
	if err := chromedp.Run(b, chromedp.Navigate(p.base+"/breaches")); err != nil {
		t.Fatal(err)
	}
	if got := text(t, b, "main h1"); got != "Page not found" {
		t.Errorf("/breaches shows %q", got)
	}
}
