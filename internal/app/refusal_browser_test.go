package app_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserRefusalsReachThePerson: htmx does not swap a 422 by itself;
// the sign-in forms' refusals (a malformed email, a wrong code) must still
// show where the person is looking, not "Something went wrong".
func TestBrowserRefusalsReachThePerson(t *testing.T) {
	p := start(t)
	b := newBrowser(t)
	var got string
	if err := chromedp.Run(b,
		chromedp.Navigate(p.base+"/p/northwind/signin"),
		chromedp.WaitVisible(`#email`, chromedp.ByID),
		chromedp.SendKeys(`#email`, "not-an-email", chromedp.ByID),
		chromedp.Click(`#send-link`, chromedp.ByID),
		chromedp.WaitVisible(`#email-error`, chromedp.ByID),
		chromedp.Text(`#email-error`, &got, chromedp.ByID),
	); err != nil {
		t.Fatalf("a malformed email: %v", err)
	}
	if got == "" {
		t.Fatal("the email refusal is empty")
	}
	if err := chromedp.Run(b,
		chromedp.Navigate(p.base+"/p/northwind/signin"),
		chromedp.WaitVisible(`#email`, chromedp.ByID),
		chromedp.SendKeys(`#email`, sam, chromedp.ByID),
		chromedp.Click(`#send-link`, chromedp.ByID),
		chromedp.WaitVisible(`#code`, chromedp.ByID),
		chromedp.SendKeys(`#code`, "AAA-AAA", chromedp.ByID),
		chromedp.Click(`.codeform button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#code-error`, chromedp.ByID),
		chromedp.Text(`#code-error`, &got, chromedp.ByID),
	); err != nil {
		t.Fatalf("a wrong code: %v", err)
	}
	if !strings.Contains(got, "That code isn't right") {
		t.Fatalf("wrong code says %q", got)
	}
	var toast string
	_ = chromedp.Run(b, chromedp.Evaluate(`document.getElementById("toasts").innerText`, &toast))
	if strings.Contains(toast, "Something went wrong") {
		t.Fatalf("a generic error toast: %q", toast)
	}
}
