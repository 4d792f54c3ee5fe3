package app_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserPhoneNavigation: on a 390-pixel phone every destination of a
// manager's navigation (the longest one) is reachable: the inline bar
// gives way to a Menu whose links all sit inside the screen, and one
// leads to My Team. On a desktop the bar shows them inline and the Menu
// is hidden.
func TestBrowserPhoneNavigation(t *testing.T) {
	p := start(t)
	b := newBrowser(t)
	signInBrowser(t, p, b, morgan)
	defer func() { _ = chromedp.Run(b, chromedp.EmulateViewport(1280, 900)) }()
	var wide struct {
		Inline int  `json:"inline"`
		Menu   bool `json:"menu"`
	}
	if err := chromedp.Run(b, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(p.base+"/courses"),
		chromedp.Evaluate(`({inline: [...document.querySelectorAll(".mainnav a")].filter(a => a.getBoundingClientRect().width > 0).length,
			menu: getComputedStyle(document.querySelector(".navmenu")).display !== "none"})`, &wide)); err != nil {
		t.Fatal(err)
	}
	if wide.Inline < 6 || wide.Menu {
		t.Fatalf("desktop: %d inline links, menu shown %v", wide.Inline, wide.Menu)
	}
	var phone struct {
		Links   []string `json:"links"`
		Outside []string `json:"outside"`
		Inline  int      `json:"inline"`
	}
	if err := chromedp.Run(b, chromedp.EmulateViewport(390, 844), chromedp.Navigate(p.base+"/courses"),
		chromedp.Click(`.navmenu summary`, chromedp.ByQuery),
		chromedp.WaitVisible(`.navmenu-panel`, chromedp.ByQuery),
		chromedp.Evaluate(`(() => {
			const links = [...document.querySelectorAll(".navmenu-panel a")];
			const outside = links.filter(a => { const r = a.getBoundingClientRect(); return r.width === 0 || r.left < 0 || r.right > innerWidth; });
			return {links: links.map(a => a.textContent.trim()), outside: outside.map(a => a.textContent.trim()),
				inline: [...document.querySelectorAll(".mainnav a")].filter(a => a.getBoundingClientRect().width > 0).length};
		})()`, &phone)); err != nil {
		t.Fatalf("open the menu: %v", err)
	}
	screenshot(t, b, "05-phone-menu")
	if len(phone.Links) != wide.Inline || len(phone.Outside) != 0 || phone.Inline != 0 {
		t.Fatalf("phone menu: %v, outside the screen: %v, inline links still shown: %d (desktop has %d)", phone.Links, phone.Outside, phone.Inline, wide.Inline)
	}
	if err := chromedp.Run(b, chromedp.Click(`//nav[@class="navmenu-panel"]//a[normalize-space()="My Team"]`, chromedp.BySearch)); err != nil && !strings.Contains(err.Error(), "-32000") {
		t.Fatal(err)
	}
	waitPath(t, b, "/team")
}
