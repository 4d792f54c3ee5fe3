package app_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/awareportal/portal/internal/seed"
)

// TestBrowserSignPolicy: Sam opens Policies from the nav (one to sign, one
// signed), reads the Remote Working Policy (a PDF in a frame), presses
// Sign without ticking (the form says why, in place), then ticks, types
// their name and signs: back on Policies nothing is left to sign, and the
// nav count and the banner's "Policy to Sign" are gone.
func TestBrowserSignPolicy(t *testing.T) {
	p := start(t)
	b := newBrowser(t)
	signInBrowser(t, p, b, sam)
	if err := chromedp.Run(b, chromedp.Navigate(p.base+"/courses"), chromedp.WaitVisible(`.mainnav .nav-policies-due`, chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	if got := text(t, b, ".mainnav .nav-policies-due"); got != "1" {
		t.Fatalf("nav count %q", got)
	}
	if got := text(t, b, "#duebanner"); !strings.Contains(got, "1 Policy to Sign") {
		t.Fatalf("banner %q", got)
	}
	if err := chromedp.Run(b,
		chromedp.Click(`//nav[@class="mainnav"]//a[contains(., "Policies")]`, chromedp.BySearch),
		chromedp.WaitVisible(`#policies`, chromedp.ByID),
	); err != nil {
		t.Fatalf("open Policies: %v", err)
	}
	waitPath(t, b, "/policies")
	if o, s := text(t, b, "#policies-outstanding"), text(t, b, "#policies-signed"); o != "1" || s != "1" {
		t.Fatalf("outstanding %q signed %q", o, s)
	}
	if got := text(t, b, ".policy-signed"); !strings.Contains(got, "Acceptable Use Policy v3") || !strings.Contains(got, "Signed") {
		t.Errorf("signed: %q", got)
	}
	shots(t, b, "80-policies")
	if err := chromedp.Run(b,
		chromedp.Click(`.policy-outstanding a.btn`, chromedp.ByQuery),
		chromedp.WaitVisible(`#sign-form`, chromedp.ByID),
	); err != nil && !strings.Contains(err.Error(), "-32000") {
		t.Fatalf("open the policy: %v", err)
	}
	waitPath(t, b, "/policies/"+seed.OutstandingPolicyID)
	var src string
	if err := chromedp.Run(b, chromedp.AttributeValue(`iframe#policy-doc`, "src", &src, nil, chromedp.ByQuery)); err != nil || src != "/policies/"+seed.OutstandingPolicyID+"/document" {
		t.Fatalf("PDF frame: %q %v", src, err)
	}
	shots(t, b, "81-policy-reader")

	// Sign without the tick: refused in place.
	if err := chromedp.Run(b,
		chromedp.SendKeys(`#sign-name`, "sam learner", chromedp.ByID),
		chromedp.Click(`#sign-form button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#accept-error`, chromedp.ByID),
	); err != nil {
		t.Fatalf("refusal: %v", err)
	}
	if got := toastText(t, b); !strings.Contains(got, "I have read and accept") {
		t.Errorf("toast %q", got)
	}
	shots(t, b, "82-policy-refused")
	// Tick and sign (the typed name was kept).
	if err := chromedp.Run(b,
		chromedp.Click(`#sign-form input[name=accept]`, chromedp.ByQuery),
		chromedp.Click(`#sign-form button[type=submit]`, chromedp.ByQuery),
	); err != nil && !strings.Contains(err.Error(), "-32000") {
		t.Fatalf("sign: %v", err)
	}
	waitJS(t, b, `location.pathname === "/policies" && !!document.querySelector("#policies-outstanding")`)
	if o, s := text(t, b, "#policies-outstanding"), text(t, b, "#policies-signed"); o != "0" || s != "2" {
		t.Fatalf("after signing: outstanding %q signed %q", o, s)
	}
	waitJS(t, b, `document.querySelector("#toasts").innerText.includes("Signed Remote Working Policy v1")`)
	var navCount int
	var banner string
	if err := chromedp.Run(b,
		chromedp.Evaluate(`document.querySelectorAll(".nav-policies-due").length`, &navCount),
		chromedp.Evaluate(`document.querySelector("#duebanner").innerText`, &banner),
	); err != nil {
		t.Fatal(err)
	}
	if navCount != 0 || strings.Contains(banner, "Policy") {
		t.Errorf("after signing: nav count %d, banner %q", navCount, banner)
	}
	shots(t, b, "83-policies-signed")

	// The signed Markdown policy reads rendered, with no raw HTML.
	if err := chromedp.Run(b, chromedp.Navigate(p.base+"/policies/"+seed.SignedPolicyID), chromedp.WaitVisible(`#policy-doc table`, chromedp.ByQuery)); err != nil {
		t.Fatalf("Markdown reader: %v", err)
	}
	if got := text(t, b, "#policy-reader"); !strings.Contains(got, "You signed version 3") || strings.Contains(got, "Sign this policy") {
		t.Errorf("signed reader: %q", got)
	}
	shots(t, b, "84-policy-markdown")
}

// shots takes the screenshot at desktop and, when screenshots are on,
// at phone size too.
func shots(t *testing.T, ctx context.Context, name string) {
	screenshot(t, ctx, name)
	if os.Getenv("PORTAL_SCREENSHOTS") == "" {
		return
	}
	_ = chromedp.Run(ctx, chromedp.EmulateViewport(390, 844))
	screenshot(t, ctx, name+"-phone")
	_ = chromedp.Run(ctx, chromedp.EmulateViewport(1280, 800))
}
