package app_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// fits reports what of the page sticks out of the screen sideways: the
// page itself (a horizontal scroll) or any header control.
const fitsJS = `(() => {
	const out = [];
	if (document.documentElement.scrollWidth > innerWidth) out.push("page " + document.documentElement.scrollWidth + " > " + innerWidth);
	for (const el of document.querySelectorAll(".topbar summary, .topbar a, .langmenu-panel button, .navmenu-panel a, .player-lang summary, .exit-btn")) {
		const r = el.getBoundingClientRect();
		if (r.width > 0 && (r.left < 0 || r.right > innerWidth)) out.push(el.textContent.trim() + " " + Math.round(r.left) + ".." + Math.round(r.right));
	}
	return out;
})()`

// TestBrowserLanguageMenu: the language menu works on a phone and with
// the keyboard alone. A manager (the longest navigation) chooses Deutsch
// from the header on a 390-pixel phone: the same page comes back in
// German and nothing sticks out of the screen, nor on a desktop. With the
// keyboard (Enter opens the menu, Tab reaches a language, Enter chooses)
// they go back to English; Escape closes the menu onto its button. On the
// player the menu sits beside Save & exit without covering it, and a
// choice there comes back to the course. Open, it passes axe's WCAG rules
// (signed in, signed out, on the player).
func TestBrowserLanguageMenu(t *testing.T) {
	t.Parallel()
	p := start(t)
	b := newBrowserFor(t, 90*time.Second)
	signInBrowser(t, p, b, morgan)
	lang := func() string {
		t.Helper()
		var l string
		if err := chromedp.Run(b, chromedp.Evaluate(`document.documentElement.lang`, &l)); err != nil {
			t.Fatal(err)
		}
		return l
	}
	fits := func(what string) {
		t.Helper()
		var out []string
		if err := chromedp.Run(b, chromedp.Evaluate(fitsJS, &out)); err != nil {
			t.Fatal(err)
		}
		if len(out) > 0 {
			t.Errorf("%s: outside the screen: %v", what, out)
		}
	}

	setViewport(t, b, phone)
	if err := chromedp.Run(b, chromedp.Navigate(p.base+"/stats"),
		chromedp.Click(`.topbar .langmenu summary`, chromedp.ByQuery),
		chromedp.WaitVisible(`.topbar .langmenu-panel`, chromedp.ByQuery)); err != nil {
		t.Fatalf("open the language menu: %v", err)
	}
	fits("phone, menu open")
	checkAxe(t, b, "language menu open, phone")
	screenshot(t, b, "lang-01-phone-menu")
	if err := chromedp.Run(b, chromedp.Click(`.topbar .langmenu button[value="de"]`, chromedp.ByQuery)); err != nil && !strings.Contains(err.Error(), "-32000") {
		t.Fatal(err)
	}
	waitPath(t, b, "/stats")
	if err := chromedp.Run(b, chromedp.WaitVisible(`//details[@class="navmenu"]/summary[contains(normalize-space(.), "Menü")]`, chromedp.BySearch)); err != nil {
		t.Fatalf("German after choosing Deutsch: %v", err)
	}
	if l := lang(); l != "de" {
		t.Fatalf("html lang %q after choosing Deutsch", l)
	}
	fits("phone, German")
	screenshot(t, b, "lang-02-phone-de")
	if err := chromedp.Run(b, chromedp.Click(`.navmenu summary`, chromedp.ByQuery), chromedp.WaitVisible(`.navmenu-panel`, chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	fits("phone, German Menu")
	screenshot(t, b, "lang-03-phone-de-navmenu")
	setViewport(t, b, desktop)
	if err := chromedp.Run(b, chromedp.Navigate(p.base+"/courses")); err != nil {
		t.Fatal(err)
	}
	fits("desktop, German")
	screenshot(t, b, "lang-04-desktop-de")

	// The keyboard alone: Enter opens, Escape closes onto the button; Tab
	// reaches English, Enter chooses it.
	var open bool
	var focused string
	if err := chromedp.Run(b, chromedp.Focus(`.topbar .langmenu summary`, chromedp.ByQuery),
		chromedp.KeyEvent(kb.Enter), chromedp.Evaluate(`document.querySelector(".topbar .langmenu").open`, &open)); err != nil || !open {
		t.Fatalf("Enter did not open the menu: %v", err)
	}
	if err := chromedp.Run(b, chromedp.KeyEvent(kb.Tab), chromedp.KeyEvent(kb.Escape),
		chromedp.Evaluate(`document.querySelector(".topbar .langmenu").open`, &open),
		chromedp.Evaluate(`document.activeElement.matches(".topbar .langmenu summary") ? "summary" : document.activeElement.outerHTML`, &focused)); err != nil {
		t.Fatal(err)
	}
	if open || focused != "summary" {
		t.Errorf("Escape: menu open %v, focus on %s", open, focused)
	}
	if err := chromedp.Run(b, chromedp.KeyEvent(kb.Enter), chromedp.KeyEvent(kb.Tab),
		chromedp.Evaluate(`document.activeElement.value || document.activeElement.outerHTML`, &focused)); err != nil {
		t.Fatal(err)
	}
	if focused != "en" {
		t.Fatalf("Tab from the open menu reached %s, want English", focused)
	}
	if err := chromedp.Run(b, chromedp.KeyEvent(kb.Enter)); err != nil && !strings.Contains(err.Error(), "-32000") {
		t.Fatal(err)
	}
	if err := chromedp.Run(b, chromedp.WaitVisible(`//nav[@class="mainnav"]//a[normalize-space()="Courses"]`, chromedp.BySearch)); err != nil {
		t.Fatalf("English after choosing it with the keyboard: %v", err)
	}
	waitPath(t, b, "/courses")

	// The player (Sam has a course to take): beside Save & exit, covering
	// nothing; a choice comes back to the course.
	if err := chromedp.Run(b, chromedp.Evaluate(`document.querySelector('form[action="/signout"]').submit()`, nil)); err != nil {
		t.Fatal(err)
	}
	waitPath(t, b, "/signin")
	if err := chromedp.Run(b, chromedp.Click(`.topbar .langmenu summary`, chromedp.ByQuery), chromedp.WaitVisible(`.langmenu-panel`, chromedp.ByQuery)); err != nil {
		t.Fatalf("signed out: open the language menu: %v", err)
	}
	checkAxe(t, b, "language menu open, signed out")
	signInBrowser(t, p, b, sam)
	for _, v := range []viewport{phone, desktop} {
		setViewport(t, b, v)
		if err := chromedp.Run(b, chromedp.Navigate(p.base+"/courses"), chromedp.Click(`.hero a.btn`, chromedp.ByQuery),
			chromedp.WaitVisible(`.player-lang summary`, chromedp.ByQuery)); err != nil {
			t.Fatalf("%s: open the player: %v", v.name, err)
		}
		var overlap bool
		if err := chromedp.Run(b, chromedp.Evaluate(`(() => {
			const a = document.querySelector(".player-lang summary").getBoundingClientRect(), b = document.querySelector(".exit-btn").getBoundingClientRect();
			return !(a.right <= b.left || b.right <= a.left || a.bottom <= b.top || b.bottom <= a.top);
		})()`, &overlap)); err != nil {
			t.Fatal(err)
		}
		if overlap {
			t.Errorf("%s: the player's language menu covers Save & exit", v.name)
		}
		fits(v.name + ", player")
	}
	var at string
	if err := chromedp.Run(b, chromedp.Location(&at), chromedp.Click(`.player-lang summary`, chromedp.ByQuery),
		chromedp.WaitVisible(`.player-lang .langmenu-panel`, chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	checkAxe(t, b, "language menu open on the player")
	screenshot(t, b, "lang-05-desktop-player-menu")
	if err := chromedp.Run(b, chromedp.Click(`.player-lang button[value="fr"]`, chromedp.ByQuery)); err != nil && !strings.Contains(err.Error(), "-32000") {
		t.Fatal(err)
	}
	if err := chromedp.Run(b, chromedp.WaitVisible(`//summary[contains(., "Français")]`, chromedp.BySearch)); err != nil {
		t.Fatalf("French after choosing it on the player: %v", err)
	}
	if l := lang(); l != "fr" {
		t.Errorf("html lang %q after choosing Français on the player", l)
	}
	waitPath(t, b, strings.TrimPrefix(at, p.base))
	setViewport(t, b, phone)
	screenshot(t, b, "lang-06-phone-player-fr")
}
