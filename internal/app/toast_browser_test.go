package app_test

import (
	"testing"

	"github.com/chromedp/chromedp"
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
