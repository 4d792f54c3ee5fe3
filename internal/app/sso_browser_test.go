package app_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/awareportal/portal/internal/seed"
)

// TestBrowserSignInWithMicrosoftAndGoogle signs in through both buttons
// against the local identity provider, the way a person would: type the
// email, see which method works, press it, pick the account.
func TestBrowserSignInWithMicrosoftAndGoogle(t *testing.T) {
	p := start(t)
	ctx := newBrowser(t)

	var hint, user string
	err := chromedp.Run(ctx,
		chromedp.Navigate(p.base+"/p/northwind/signin"),
		chromedp.WaitVisible(`.btn-microsoft`, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatalf("sign-in page: %v", err)
	}
	screenshot(t, ctx, "30-signin-buttons")
	err = chromedp.Run(ctx,
		chromedp.SendKeys(`#email`, seed.MicrosoftEmail, chromedp.ByID),
		chromedp.WaitVisible(`#methods .method-hint`, chromedp.ByQuery),
		chromedp.Text(`#methods .method-hint`, &hint, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatalf("methods for the typed email: %v", err)
	}
	if !strings.Contains(hint, "Microsoft") {
		t.Fatalf("hint = %q", hint)
	}
	screenshot(t, ctx, "31-signin-methods-microsoft")
	err = chromedp.Run(ctx,
		chromedp.Click(`#methods .btn-microsoft`, chromedp.ByQuery),
		chromedp.WaitVisible(`button.hint[value=riley]`, chromedp.ByQuery), // the typed email is the hint
	)
	if err != nil {
		t.Fatalf("to the provider: %v", err)
	}
	screenshot(t, ctx, "32-local-provider-microsoft")
	err = chromedp.Run(ctx,
		chromedp.Click(`button[value=riley]`, chromedp.ByQuery),
		chromedp.WaitVisible(`.hero h1`, chromedp.ByQuery),
		chromedp.TextContent(`.usermenu-name`, &user, chromedp.ByQuery), // hidden on a phone
	)
	if err != nil {
		t.Fatalf("back from Microsoft: %v", err)
	}
	if user != "Riley Chen" {
		t.Fatalf("signed in as %q", user)
	}
	screenshot(t, ctx, "33-courses-riley")

	// Log out, then the Google button at the top, without typing anything.
	err = chromedp.Run(ctx,
		chromedp.Click(`.usermenu summary`, chromedp.ByQuery),
		chromedp.Click(`//button[normalize-space()="Log Out"]`, chromedp.BySearch),
		chromedp.WaitVisible(`.sso .btn-google`, chromedp.ByQuery),
		chromedp.Click(`.sso .btn-google`, chromedp.ByQuery),
		chromedp.WaitVisible(`button[value=avery]`, chromedp.ByQuery),
		chromedp.Click(`button[value=avery]`, chromedp.ByQuery),
		chromedp.WaitVisible(`.hero h1`, chromedp.ByQuery),
		chromedp.TextContent(`.usermenu-name`, &user, chromedp.ByQuery), // hidden on a phone
	)
	if err != nil {
		t.Fatalf("sign in with Google: %v", err)
	}
	if user != "Avery Patel" {
		t.Fatalf("signed in as %q", user)
	}

	// The wrong button is refused with the right one named.
	var problem string
	err = chromedp.Run(ctx,
		chromedp.Click(`.usermenu summary`, chromedp.ByQuery),
		chromedp.Click(`//button[normalize-space()="Log Out"]`, chromedp.BySearch),
		chromedp.WaitVisible(`.sso .btn-microsoft`, chromedp.ByQuery),
		chromedp.Click(`.sso .btn-microsoft`, chromedp.ByQuery),
		chromedp.WaitVisible(`button[value=avery-ms]`, chromedp.ByQuery),
		chromedp.Click(`button[value=avery-ms]`, chromedp.ByQuery),
		chromedp.WaitVisible(`.alert`, chromedp.ByQuery),
		chromedp.Text(`.alert`, &problem, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatalf("wrong button: %v", err)
	}
	if !strings.Contains(problem, "signs you in with Google") {
		t.Fatalf("problem = %q", problem)
	}
	screenshot(t, ctx, "34-wrong-button")

	// A real account nobody enrolled gets a page that says so.
	var heading string
	err = chromedp.Run(ctx,
		chromedp.Click(`.sso .btn-microsoft`, chromedp.ByQuery),
		chromedp.WaitVisible(`button[value=drew]`, chromedp.ByQuery),
		chromedp.Click(`button[value=drew]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#main h1`, chromedp.ByQuery), // the portal's page, not the provider's
		chromedp.Text(`#main h1`, &heading, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatalf("not enrolled: %v", err)
	}
	if heading != "Your organisation hasn't enrolled you" {
		t.Fatalf("heading = %q", heading)
	}
	screenshot(t, ctx, "35-not-enrolled")
}
