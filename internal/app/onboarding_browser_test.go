package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/awareportal/portal/internal/admin"
	"github.com/awareportal/portal/internal/eventstore"
	"github.com/awareportal/portal/internal/seed"
)

func location(t *testing.T, ctx context.Context) string {
	t.Helper()
	var u string
	if err := chromedp.Run(ctx, chromedp.Location(&u)); err != nil {
		t.Fatal(err)
	}
	return u
}

// waitPath waits until the browser is at path.
func waitPath(t *testing.T, ctx context.Context, path string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.HasSuffix(location(t, ctx), path) {
		if time.Now().After(deadline) {
			t.Fatalf("at %s, want %s", location(t, ctx), path)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitJS waits until expr is true in the page, across page loads (an
// evaluation during one fails and is tried again).
func waitJS(t *testing.T, ctx context.Context, expr string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		var ok bool
		err := chromedp.Run(ctx, chromedp.Evaluate(expr, &ok))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s: %v", expr, err)
		}
	}
}

// TestBrowserOnboarding: the demo's new hire signs in and every learner
// page, by address or by htmx, leads to onboarding; they walk every kind
// of module (the video to its end, the policy acknowledged), land on
// Courses, sign out and in again and go straight to Courses.
func TestBrowserOnboarding(t *testing.T) {
	t.Parallel()
	p := start(t)
	ctx := context.Background()
	meta := eventstore.Metadata{ActorID: "test"}
	// Acme's own sequence holds every kind: the demo default plus a ticket walkthrough.
	if _, err := p.app.Admin.DefineModule(ctx, "northwind", admin.ModuleInput{ID: "ticket", Kind: "submit_ticket"}, meta); err != nil {
		t.Fatal(err)
	}
	desk := "https://help.acme.example/new"
	if _, err := p.app.Admin.SetClientOnboarding(ctx, "northwind", "acme", admin.ClientOnboardingInput{
		SequenceInput: admin.SequenceInput{Modules: []string{"welcome", "report-phishing", "ticket", "stop-look-report", "acceptable-use"}}, HelpDesk: &desk,
	}, meta); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t)
	signInBrowser(t, p, b, seed.NewHireEmail)
	waitPath(t, b, "/onboarding/1")
	screenshot(t, b, "60-onboarding-welcome")

	// The gate, by address and by htmx.
	for _, page := range []string{"/courses", "/courses/due", "/stats", "/leaderboard", "/activity", "/"} {
		if err := chromedp.Run(b, chromedp.Navigate(p.base+page)); err != nil {
			t.Fatal(err)
		}
		waitPath(t, b, "/onboarding/1")
		// htmx follows HX-Redirect with a new page load: the marker goes.
		if err := chromedp.Run(b, chromedp.Evaluate(`window.stillHere = true; htmx.ajax("GET", "`+page+`", {target: "#main"}); true`, nil)); err != nil {
			t.Fatal(err)
		}
		waitJS(t, b, `!window.stillHere && document.readyState === "complete" && location.pathname === "/onboarding/1"`)
	}
	// No learner navigation while onboarding.
	var navLinks int
	if err := chromedp.Run(b, chromedp.Evaluate(`document.querySelectorAll(".mainnav a").length`, &navLinks)); err != nil || navLinks != 0 {
		t.Fatalf("%d nav links during onboarding (%v)", navLinks, err)
	}

	next := func(want string) {
		t.Helper()
		// The click leads to a new page (HX-Redirect): chromedp may report
		// the navigation as an error of the click itself.
		if err := chromedp.Run(b, chromedp.Click(`#ob-next`, chromedp.ByID)); err != nil && !strings.Contains(err.Error(), "-32000") {
			t.Fatal(err)
		}
		waitJS(t, b, `document.readyState === "complete" && location.pathname === "`+want+`"`)
	}
	if h := text(t, b, "#ob-title"); !strings.Contains(h, "Welcome") || !strings.Contains(strings.ToLower(text(t, b, ".eyebrow")), "step 1 of 5") {
		t.Fatalf("step 1: %q", h)
	}
	next("/onboarding/2")
	if body := text(t, b, ".ob-steps"); !strings.Contains(body, "Report Phishing") && !strings.Contains(body, "Report Message") {
		t.Fatalf("report phishing card: %q", body)
	}
	// Back, then forward again.
	if err := chromedp.Run(b, chromedp.Click(`//a[normalize-space()="Back"]`, chromedp.BySearch)); err != nil {
		t.Fatal(err)
	}
	waitPath(t, b, "/onboarding/1")
	next("/onboarding/2")
	next("/onboarding/3")
	var href string
	if err := chromedp.Run(b, chromedp.AttributeValue(`.ob-steps a`, "href", &href, nil, chromedp.ByQuery)); err != nil || href != desk {
		t.Fatalf("help desk link %q (%v)", href, err)
	}
	next("/onboarding/4")
	screenshot(t, b, "61-onboarding-video")
	// Next waits for the video's end.
	var disabled bool
	if err := chromedp.Run(b, chromedp.Evaluate(`document.getElementById("ob-next").disabled`, &disabled)); err != nil || !disabled {
		t.Fatalf("Next is enabled before the video played (%v)", err)
	}
	p.clock.Advance(7 * time.Second) // the server's clock: the 6 s video has been open that long
	var ended bool
	if err := chromedp.Run(b,
		// Played to its end, fast forward: the page's 6 s of playback are
		// the browser's to wait for, not the test's.
		chromedp.Evaluate(`(() => { const v = document.querySelector("video"); v.muted = true; v.playbackRate = 16; v.play(); return true })()`, nil),
		chromedp.Poll(`document.querySelector("video").ended && !document.getElementById("ob-next").disabled`, &ended, chromedp.WithPollingTimeout(20*time.Second)),
	); err != nil || !ended {
		t.Fatalf("the video did not play to its end (%v)", err)
	}
	next("/onboarding/5")
	screenshot(t, b, "62-onboarding-policy")
	// Finish without ticking: the browser asks for the tick; nothing moves.
	if err := chromedp.Run(b, chromedp.Click(`#ob-next`, chromedp.ByID)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	waitPath(t, b, "/onboarding/5")
	if err := chromedp.Run(b, chromedp.Click(`input[name=acknowledged]`, chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	next("/courses")
	if h := text(t, b, "h1"); !strings.Contains(strings.ToLower(h), "noor") {
		t.Fatalf("courses heading %q", h)
	}
	screenshot(t, b, "63-onboarding-done")

	// Out and in again: straight to Courses.
	if err := chromedp.Run(b,
		chromedp.Click(`.usermenu summary`, chromedp.ByQuery),
		chromedp.Click(`//button[normalize-space()="Log Out"]`, chromedp.BySearch),
		chromedp.WaitVisible(`#email`, chromedp.ByID),
	); err != nil {
		t.Fatal(err)
	}
	signInBrowser(t, p, b, seed.NewHireEmail)
	waitPath(t, b, "/courses")
}

// TestBrowserAddedModuleIsPushed: Sam, through onboarding long ago, is
// sent through a module the partner adds, and only that one.
func TestBrowserAddedModuleIsPushed(t *testing.T) {
	t.Parallel()
	p := start(t)
	ctx := context.Background()
	b := newBrowser(t)
	signInBrowser(t, p, b, sam)
	waitPath(t, b, "/courses")
	meta := eventstore.Metadata{ActorID: "test"}
	if _, err := p.app.Admin.DefineModule(ctx, "northwind", admin.ModuleInput{ID: "ticket", Kind: "submit_ticket", Title: "Asking for help at Acme"}, meta); err != nil {
		t.Fatal(err)
	}
	if _, err := p.app.Admin.SetDefaultSequence(ctx, "northwind", admin.SequenceInput{Modules: []string{"welcome", "report-phishing", "stop-look-report", "acceptable-use", "ticket"}}, meta); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Run(b, chromedp.Navigate(p.base+"/stats")); err != nil {
		t.Fatal(err)
	}
	waitPath(t, b, "/onboarding/5")
	if h := text(t, b, "#ob-title"); h != "Asking for help at Acme" || !strings.Contains(strings.ToLower(text(t, b, ".eyebrow")), "step 5 of 5") {
		t.Fatalf("pushed %q", h)
	}
	if err := chromedp.Run(b, chromedp.Click(`#ob-next`, chromedp.ByID)); err != nil && !strings.Contains(err.Error(), "-32000") {
		t.Fatal(err) // (a navigation the click led to is not an error)
	}
	waitPath(t, b, "/courses")
}
