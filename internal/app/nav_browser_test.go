package app_test

import (
	"context"
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

// TestBrowserPhoneCourseTabs: on a 390-pixel phone the course tabs (Due,
// Upcoming, Completed with their counts) sit whole inside the screen, and
// the tab bar is no scrolling box (it cut "Completed" off, with a 1-pixel
// scrollbar under the tabs) and nothing overflows sideways. At 320 pixels (WCAG's
// reflow width) they may wrap, but still none is cut off; at 390 they
// share one row. In English, then in German and French (the organisation's
// default), whose words have other widths.
func TestBrowserPhoneCourseTabs(t *testing.T) {
	t.Parallel()
	p := start(t)
	b := newBrowser(t)
	signInBrowser(t, p, b, sam)
	tok := p.token(t, "northwind")
	for _, lang := range []string{"en", "de", "fr"} {
		if lang != "en" {
			if code, out := p.api(t, tok, "PATCH", "/api/v1/clients/acme", `{"language":"`+lang+`"}`); code != 200 {
				t.Fatalf("language %s: %d %v", lang, code, out)
			}
		}
		coursesTabsFit(t, p, b, lang)
	}
}

func coursesTabsFit(t *testing.T, p *portal, b context.Context, lang string) {
	t.Helper()
	first := map[string]string{"en": "Due", "de": "Fällig", "fr": "À faire"}[lang]
	for _, v := range []viewport{phone, {"small phone", 320, 640}} {
		setViewport(t, b, v)
		var got struct {
			Tabs     []string `json:"tabs"`
			Outside  []string `json:"outside"`
			Overflow bool     `json:"overflow"`
			Scroll   string   `json:"scroll"`
			Rows     int      `json:"rows"`
		}
		if err := chromedp.Run(b, chromedp.Navigate(p.base+"/courses/due"), chromedp.WaitVisible(`#course-tabs`, chromedp.ByID),
			chromedp.Evaluate(`(() => {
				const bar = document.querySelector(".tabs"), tabs = [...bar.querySelectorAll(".tab")];
				const outside = tabs.filter(a => { const r = a.getBoundingClientRect(), b = bar.getBoundingClientRect();
					return r.width === 0 || r.left < 0 || r.right > innerWidth || r.left < b.left || r.right > b.right || a.scrollWidth > a.clientWidth; });
				const cs = getComputedStyle(bar);
				return {tabs: tabs.map(a => a.textContent.trim().replace(/\s+/g, " ")), outside: outside.map(a => a.textContent.trim().replace(/\s+/g, " ")),
					overflow: bar.scrollWidth > bar.clientWidth || document.documentElement.scrollWidth > innerWidth,
					scroll: cs.overflowX + " " + cs.overflowY, rows: new Set(tabs.map(a => Math.round(a.getBoundingClientRect().top))).size};
			})()`, &got)); err != nil {
			t.Fatal(err)
		}
		screenshot(t, b, "06-phone-course-tabs-"+lang+"-"+strings.ReplaceAll(v.name, " ", "-"))
		if len(got.Tabs) != 3 || !strings.HasPrefix(got.Tabs[0], first+" ") || len(got.Outside) != 0 || got.Overflow || got.Scroll != "visible visible" {
			t.Errorf("%s, %s: tabs %v, cut off %v, overflowing %v, tab bar overflow %q", lang, v.name, got.Tabs, got.Outside, got.Overflow, got.Scroll)
		}
		if v == phone && got.Rows != 1 {
			t.Errorf("%s: on a 390-pixel phone the tabs take %d rows, want one", lang, got.Rows)
		}
	}
}
