package app_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// toastClearJS lists what a toast covers among the controls sel matches.
const toastClearJS = `((sel) => {
	const t = document.querySelector("#toasts .toast").getBoundingClientRect();
	return [...document.querySelectorAll(sel)].filter(el => {
		const r = el.getBoundingClientRect();
		return r.width > 0 && r.left < t.right && t.left < r.right && r.top < t.bottom && t.top < r.bottom;
	}).map(el => el.textContent.trim().replace(/\s+/g, " ") || el.className);
})`

// TestBrowserToastsCoverNothing: a toast (the certificate's "emailed")
// leaves the due banner's View and Sign links, the header's controls and
// the player's Save & exit clear, on a desktop and on a phone (at the top
// right it covered the banner's View link).
func TestBrowserToastsCoverNothing(t *testing.T) {
	t.Parallel()
	p := start(t)
	b := newBrowser(t)
	signInBrowser(t, p, b, sam)
	for _, v := range []viewport{desktop, phone} {
		setViewport(t, b, v)
		var covered []string
		if err := chromedp.Run(b, chromedp.Navigate(p.base+"/courses/completed?sent=1"), chromedp.WaitVisible(`#toasts .toast`, chromedp.ByQuery),
			chromedp.Evaluate(toastClearJS+`(".duebanner a, .topbar a, .topbar summary")`, &covered)); err != nil {
			t.Fatal(err)
		}
		screenshot(t, b, "toast-"+v.name)
		if len(covered) != 0 {
			t.Errorf("%s: the toast covers %q", v.name, covered)
		}
		// In the player, a toast (a refusal, say) clears Save & exit.
		if err := chromedp.Run(b, chromedp.Navigate(p.base+"/courses/due"), chromedp.WaitVisible(`.coursecard .btn`, chromedp.ByQuery),
			chromedp.Click(`.coursecard .btn`, chromedp.ByQuery), chromedp.WaitVisible(`.exit-btn`, chromedp.ByQuery),
			chromedp.Evaluate(`document.dispatchEvent(new CustomEvent("toast", {detail: "Lessons open one at a time: lesson 2 is the furthest you can go now."})); true`, nil),
			chromedp.WaitVisible(`#toasts .toast`, chromedp.ByQuery),
			chromedp.Evaluate(toastClearJS+`(".exit-btn, .duebanner a, .topbar a, .topbar summary")`, &covered)); err != nil {
			t.Fatal(err)
		}
		screenshot(t, b, "toast-player-"+v.name)
		if len(covered) != 0 {
			t.Errorf("%s, in the player: the toast covers %q", v.name, covered)
		}
	}
	setViewport(t, b, desktop)
}

// advanceTime runs the page's clock (its timers) ms of virtual time ahead
// at once, so a test sees what happens after a toast's seconds without
// waiting them out. The page's clock stays virtual (paused between
// advances) afterwards.
func advanceTime(t *testing.T, ctx context.Context, ms float64) {
	t.Helper()
	done := make(chan struct{}, 1)
	lctx, cancel := context.WithCancel(ctx)
	defer cancel()
	chromedp.ListenTarget(lctx, func(ev any) {
		if _, ok := ev.(*emulation.EventVirtualTimeBudgetExpired); ok {
			select {
			case done <- struct{}{}:
			default:
			}
		}
	})
	if err := chromedp.Run(ctx, chromedp.ActionFunc(func(ctx context.Context) error {
		_, err := emulation.SetVirtualTimePolicy(emulation.VirtualTimePolicyAdvance).WithBudget(ms).Do(ctx)
		return err
	})); err != nil {
		t.Fatalf("advance the page's clock: %v", err)
	}
	select {
	case <-done:
	case <-ctx.Done():
		t.Fatalf("the page's clock did not advance %v ms: %v", ms, ctx.Err())
	}
}

// TestBrowserToastsWaitForTheReader: a toast stays while the pointer rests
// on it, however long (WCAG 2.2.1: a message that goes away by itself
// lets its reader take their time), goes its way a few seconds after the
// pointer leaves, and goes at once with its × button or Escape.
func TestBrowserToastsWaitForTheReader(t *testing.T) {
	t.Parallel()
	p := start(t)
	b := newBrowser(t)
	signInBrowser(t, p, b, sam)
	count := func() int {
		t.Helper()
		var n int
		if err := chromedp.Run(b, chromedp.Evaluate(`document.querySelectorAll("#toasts .toast:not(.toast-out)").length`, &n)); err != nil {
			t.Fatal(err)
		}
		return n
	}
	show := func(text string) {
		t.Helper()
		if err := chromedp.Run(b, chromedp.Evaluate(`document.dispatchEvent(new CustomEvent("toast", {detail: `+strconv.Quote(text)+`})); true`, nil),
			chromedp.WaitVisible(`#toasts .toast`, chromedp.ByQuery)); err != nil {
			t.Fatal(err)
		}
	}
	var box struct{ X, Y float64 }
	if err := chromedp.Run(b, chromedp.Navigate(p.base+"/courses/completed?sent=1"), chromedp.WaitVisible(`#toasts .toast`, chromedp.ByQuery),
		chromedp.Evaluate(`(() => { const r = document.querySelector("#toasts .toast").getBoundingClientRect(); return {X: r.left + 5, Y: r.top + r.height / 2}; })()`, &box)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Run(b, chromedp.MouseEvent(input.MouseMoved, box.X, box.Y)); err != nil {
		t.Fatal(err)
	}
	advanceTime(t, b, 30_000)
	if count() != 1 {
		t.Fatalf("the toast under the pointer went after 30 s")
	}
	if err := chromedp.Run(b, chromedp.MouseEvent(input.MouseMoved, 600, 10)); err != nil {
		t.Fatal(err)
	}
	advanceTime(t, b, 10_000)
	if count() != 0 {
		t.Fatalf("the toast stayed 10 s after the pointer left")
	}

	show("Escape closes me.")
	if err := chromedp.Run(b, chromedp.KeyEvent(kb.Escape)); err != nil {
		t.Fatal(err)
	}
	if count() != 0 {
		t.Fatalf("Escape left the toast")
	}
	show("The button closes me.")
	if err := chromedp.Run(b, chromedp.Click(`#toasts .toast:not(.toast-out) .toast-close`, chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	if count() != 0 {
		t.Fatalf("the × button left the toast")
	}
}
