package app_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"github.com/awareportal/portal/internal/seed"
)

// TestBrowserSignInWithMicrosoftAndGoogle signs in through both buttons
// against the local identity provider, the way a person would: type the
// email, see which method works, press it, pick the account.
func TestBrowserSignInWithMicrosoftAndGoogle(t *testing.T) {
	t.Parallel()
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
	// Explained on a clean URL: the provider's code and state are not left
	// in the address bar (nor in the history: the callback redirected).
	if at := location(t, ctx); at != p.base+"/signin/sso/refused" {
		t.Fatalf("the refusal is shown at %s", at)
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

// TestBrowserClickSurvivesMethodsLookup: leaving the email field (pressing
// the button) asks which methods work for the email. When that answer
// arrives while the mouse button is still down, the click must still land:
// whether the answer is what the page already shows (Sam, email link only)
// or something new (the field now holds Riley's address, whose organisation
// signs in with Microsoft, set without an input event so only the blur asks).
// A press that ends elsewhere clicks nothing, and the new answer shows.
func TestBrowserClickSurvivesMethodsLookup(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, typed, final string
		releaseAway        bool
	}{
		{"same answer", seed.LearnerEmail, "", false},
		{"new answer", seed.LearnerEmail, seed.MicrosoftEmail, false},
		{"new answer, released elsewhere", seed.LearnerEmail, seed.MicrosoftEmail, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := start(t)
			ctx := newBrowser(t)
			// window.lookups: the status of each answer, in order.
			const countLookups = `window.lookups = [];
document.body.addEventListener('htmx:afterRequest', function (e) {
  if (e.detail.pathInfo.requestPath === '/signin/methods') window.lookups.push(e.detail.xhr.status);
});`
			err := chromedp.Run(ctx,
				chromedp.Navigate(p.base+"/p/northwind/signin"),
				chromedp.WaitVisible(`#email`, chromedp.ByID),
				chromedp.Evaluate(countLookups, nil),
				chromedp.SendKeys(`#email`, tc.typed, chromedp.ByID),
				chromedp.Poll(`window.lookups.length >= 1`, nil), // the typing pause
			)
			if err != nil {
				t.Fatalf("type the email: %v", err)
			}
			want := tc.typed
			if tc.final != "" {
				want = tc.final
				if err := chromedp.Run(ctx, chromedp.Evaluate(`document.getElementById('email').value = `+strconv.Quote(tc.final), nil)); err != nil {
					t.Fatal(err)
				}
			}
			var box []float64
			var answers []int
			mouse := func(typ input.MouseType, away bool) chromedp.Action {
				return chromedp.ActionFunc(func(ctx context.Context) error {
					x, y := box[0], box[1]
					if away {
						x, y = 2, 2
					}
					return input.DispatchMouseEvent(typ, x, y).WithButton(input.Left).WithClickCount(1).Do(ctx)
				})
			}
			err = chromedp.Run(ctx,
				chromedp.Evaluate(`(function(){var r=document.querySelector('#send-link').getBoundingClientRect();return [r.x+r.width/2, r.y+r.height/2]})()`, &box),
				mouse(input.MousePressed, false),
				chromedp.Poll(`window.lookups.length >= 2`, nil), // the blur's lookup has answered
				mouse(input.MouseReleased, tc.releaseAway),
				chromedp.Evaluate(`window.lookups`, &answers),
			)
			if err != nil {
				t.Fatalf("press, lookup, release: %v", err)
			}
			// The answer during the press: 204 when it changes nothing.
			if wantStatus := map[bool]int{true: 200, false: 204}[tc.final != ""]; len(answers) != 2 || answers[1] != wantStatus {
				t.Fatalf("answers to the lookups: %v, want the second %d", answers, wantStatus)
			}
			if tc.releaseAway {
				var hint string
				err := chromedp.Run(ctx,
					chromedp.WaitVisible(`#methods .method-hint`, chromedp.ByQuery),
					chromedp.Text(`#methods .method-hint`, &hint, chromedp.ByQuery),
				)
				if err != nil || !strings.Contains(hint, "Microsoft") {
					t.Fatalf("the held answer: %q, %v", hint, err)
				}
				if n := p.inbox.count(want); n != 0 {
					t.Fatalf("%d emails sent without a click", n)
				}
				return
			}
			wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			if err := chromedp.Run(wctx, chromedp.WaitVisible(`#code`, chromedp.ByID)); err != nil {
				t.Fatalf("the click after the lookup: %v", err)
			}
			p.inbox.waitFor(t, want, 1) // the link went to the address in the field
		})
	}
}
