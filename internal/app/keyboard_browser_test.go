package app_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/awareportal/portal/internal/brand"
	"github.com/awareportal/portal/internal/catalog"
)

// focusInfo is what has keyboard focus and whether it shows.
type focusInfo struct {
	Desc    string `json:"desc"`
	Body    bool   `json:"body"`
	Ring    bool   `json:"ring"`    // a computed outline is drawn
	Visible bool   `json:"visible"` // it matches :focus-visible
	Live    bool   `json:"live"`
}

const focusJS = `(() => {
	const a = document.activeElement, cs = getComputedStyle(a);
	const text = (a.getAttribute("aria-label") || a.textContent || a.value || "").trim().replace(/\s+/g, " ").slice(0, 50);
	return {desc: a.tagName.toLowerCase() + (a.id ? "#" + a.id : "") + (typeof a.className === "string" && a.className ? "." + a.className.trim().split(/\s+/).join(".") : "") + " " + JSON.stringify(text),
		body: a === document.body || a === document.documentElement,
		ring: cs.outlineStyle !== "none" && parseFloat(cs.outlineWidth) >= 2,
		visible: a.matches(":focus-visible")};
})()`

func focusNow(t *testing.T, ctx context.Context) focusInfo {
	t.Helper()
	var f focusInfo
	if err := chromedp.Run(ctx, chromedp.Evaluate(focusJS, &f)); err != nil {
		t.Fatalf("focus: %v", err)
	}
	return f
}

// focusShows fails unless focus is on an element (not the page) and its
// ring is drawn.
func focusShows(t *testing.T, ctx context.Context, after string) focusInfo {
	t.Helper()
	f := focusNow(t, ctx)
	if f.Body || !f.Ring || !f.Visible {
		t.Fatalf("after %s, focus is on %s (on the page itself: %v, ring drawn: %v, :focus-visible: %v)", after, f.Desc, f.Body, f.Ring, f.Visible)
	}
	return f
}

// key presses one key (kb.Tab, kb.Enter, " ", kb.ArrowDown…).
func key(t *testing.T, ctx context.Context, k string) {
	t.Helper()
	if err := chromedp.Run(ctx, chromedp.KeyEvent(k)); err != nil && !strings.Contains(err.Error(), "-32000") {
		t.Fatalf("press %q: %v", k, err)
	}
}

// tabTo presses Tab until focus is on an element matching sel, checking
// at every stop that the focus shows.
func tabTo(t *testing.T, ctx context.Context, sel string) { t.Helper(); tabs(t, ctx, sel, 0) }

// shiftTabTo is tabTo backwards (Shift+Tab).
func shiftTabTo(t *testing.T, ctx context.Context, sel string) {
	t.Helper()
	tabs(t, ctx, sel, input.ModifierShift)
}

func tabs(t *testing.T, ctx context.Context, sel string, mod input.Modifier) {
	t.Helper()
	var stops []string
	for range 60 {
		if err := chromedp.Run(ctx, chromedp.KeyEvent(kb.Tab, chromedp.KeyModifiers(mod))); err != nil {
			t.Fatalf("Tab: %v", err)
		}
		stops = append(stops, focusNow(t, ctx).Desc)
		focusShows(t, ctx, fmt.Sprintf("Tab (towards %s, after %q)", sel, stops))
		var on bool
		if err := chromedp.Run(ctx, chromedp.Evaluate(fmt.Sprintf(`document.activeElement.matches(%q)`, sel), &on)); err != nil {
			t.Fatal(err)
		}
		if on {
			return
		}
	}
	t.Fatalf("60 Tabs did not reach %s", sel)
}

// markOld marks the element with id, so that swapped can tell when htmx
// has replaced it.
func markOld(t *testing.T, ctx context.Context, id string) {
	t.Helper()
	if err := chromedp.Run(ctx, chromedp.Evaluate(fmt.Sprintf(`document.getElementById(%q).dataset.old = "1"`, id), nil)); err != nil {
		t.Fatal(err)
	}
}

// swapped waits until the element with id is a new one and htmx is done.
func swapped(t *testing.T, ctx context.Context, id string) {
	t.Helper()
	waitJS(t, ctx, fmt.Sprintf(`!!document.getElementById(%q) && !document.querySelector("#%s[data-old]") && !document.querySelector(".htmx-request, .htmx-settling")`, id, id))
}

// TestBrowserKeyboardOnly: Sam signs in, takes a course, fails and then
// passes its quiz and has the certificate emailed, with the keyboard
// alone (Tab, Enter, Space, arrows, typing). At every Tab stop the focus
// ring shows; after every htmx swap focus is on something sensible in
// the new content (the code field, the lesson's heading, the quiz's, the
// completion's, the tab just chosen), never dropped to the page, and
// shows; toasts land in a live region.
func TestBrowserKeyboardOnly(t *testing.T) {
	t.Parallel()
	p := start(t)
	b := newBrowserFor(t, 3*time.Minute)
	type_ := func(s string) {
		t.Helper()
		if err := chromedp.Run(b, chromedp.KeyEvent(s)); err != nil {
			t.Fatal(err)
		}
	}

	// Sign in: the email field has focus; Tab to the button; Enter.
	if err := chromedp.Run(b, chromedp.Navigate(p.base+"/p/northwind/signin"), chromedp.WaitVisible(`#email`, chromedp.ByID)); err != nil {
		t.Fatal(err)
	}
	if f := focusNow(t, b); !strings.HasPrefix(f.Desc, "input#email") {
		t.Fatalf("the sign-in page opens with focus on %s", f.Desc)
	}
	type_(sam)
	tabTo(t, b, "#send-link")
	markOld(t, b, "signin")
	key(t, b, kb.Enter)
	swapped(t, b, "signin")
	if f := focusShows(t, b, "asking for a sign-in email"); !strings.HasPrefix(f.Desc, "input#code") {
		t.Fatalf("after asking for the email, focus is on %s, want the code field", f.Desc)
	}
	toastIsAnnounced(t, b, "on its way")
	code := codeRe.FindStringSubmatch(p.inbox.waitSubject(t, sam, "Sign in to").Text)
	if code == nil {
		t.Fatal("no code in the sign-in email")
	}
	type_(code[1])
	key(t, b, kb.Enter)
	waitPath(t, b, "/courses")
	// The address can change before the page that has it loads: a wait
	// begun on the old document ends with "navigated" (-32000); wait again.
	err := chromedp.Run(b, chromedp.WaitVisible(`.hero`, chromedp.ByQuery))
	if err != nil && strings.Contains(err.Error(), "-32000") {
		err = chromedp.Run(b, chromedp.WaitVisible(`.hero`, chromedp.ByQuery))
	}
	if err != nil {
		t.Fatal(err)
	}

	// A new page: Tab reaches the skip link first; it leads into the page.
	tabTo(t, b, ".skip")
	key(t, b, kb.Enter)
	if f := focusNow(t, b); !strings.HasPrefix(f.Desc, "main#main") {
		t.Fatalf("the skip link left focus on %s", f.Desc)
	}
	tabTo(t, b, ".hero a.btn")
	screenshot(t, b, "kb-01-hero-button-focused")
	key(t, b, kb.Enter)
	if err := chromedp.Run(b, chromedp.WaitVisible(`.lesson`, chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	waitJS(t, b, `document.readyState === "complete" && document.hasFocus()`)

	// The lessons: Tab to Next (or the quiz), Enter; focus lands on the new
	// lesson's heading.
	var title string
	if err := chromedp.Run(b, chromedp.TextContent(`.player .eyebrow`, &title, chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	for lesson := 1; ; lesson++ {
		if lesson > 10 {
			t.Fatal("no quiz after 10 lessons")
		}
		tabTo(t, b, ".player-nav form:last-child button")
		markOld(t, b, "player")
		key(t, b, kb.Enter)
		swapped(t, b, "player")
		f := focusShows(t, b, fmt.Sprintf("Next on lesson %d", lesson))
		if !strings.HasPrefix(f.Desc, "h1") {
			t.Fatalf("after Next on lesson %d focus is on %s, want the new step's heading", lesson, f.Desc)
		}
		var quiz bool
		if err := chromedp.Run(b, chromedp.Evaluate(`!!document.querySelector(".quiz")`, &quiz)); err != nil {
			t.Fatal(err)
		}
		if quiz {
			if !strings.Contains(f.Desc, `"Quiz"`) {
				t.Fatalf("at the quiz, focus is on %s", f.Desc)
			}
			break
		}
	}
	screenshot(t, b, "kb-02-quiz-heading-focused")

	// The quiz: Tab into each question, Space picks the focused answer,
	// the arrows move to another. First wrong answers, then right ones.
	course := courseTitled(t, p, title)
	answer := func(right bool) {
		t.Helper()
		for _, q := range course.Quiz.Questions {
			tabTo(t, b, fmt.Sprintf(`input[name="q_%s"]`, q.ID))
			key(t, b, " ")
			for range len(q.Choices) {
				var checked string
				if err := chromedp.Run(b, chromedp.Evaluate(fmt.Sprintf(`document.querySelector('input[name="q_%s"]:checked').value`, q.ID), &checked)); err != nil {
					t.Fatal(err)
				}
				if (checked == q.Answer) == right {
					break
				}
				key(t, b, kb.ArrowDown)
			}
		}
		tabTo(t, b, ".quiz button[type=submit]")
		markOld(t, b, "player")
		key(t, b, kb.Enter)
		swapped(t, b, "player")
	}
	answer(false)
	if f := focusShows(t, b, "a failed quiz"); !strings.HasPrefix(f.Desc, "h1") {
		t.Fatalf("after a failed quiz, focus is on %s", f.Desc)
	}
	if err := chromedp.Run(b, chromedp.WaitVisible(`.callout-warn`, chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	// From the quiz's heading, Tab leads through the questions again (the
	// answers given are kept).
	answer(true)
	if f := focusShows(t, b, "passing the quiz"); !strings.HasPrefix(f.Desc, "h1") || !strings.Contains(f.Desc, title) {
		t.Fatalf("after passing, focus is on %s, want the completion's heading", f.Desc)
	}
	screenshot(t, b, "kb-03-completion-focused")

	// The certificate: Tab to the button, Space. Nothing is swapped: focus
	// stays on the button; the toast is announced.
	tabTo(t, b, `.completion-actions button`)
	key(t, b, " ")
	toastIsAnnounced(t, b, "Certificate")
	if f := focusShows(t, b, "emailing the certificate"); !strings.Contains(f.Desc, "Email my certificate") {
		t.Fatalf("after emailing the certificate, focus is on %s", f.Desc)
	}
	if m := p.inbox.waitSubject(t, sam, "Your certificate"); !strings.Contains(m.Subject, course.Title) {
		t.Fatalf("certificate mail %q", m.Subject)
	}

	// Go to Portal (Enter on the link), then the Due tab: htmx swaps the
	// tabs and focus stays on the tab chosen.
	shiftTabTo(t, b, `.completion-actions a`)
	key(t, b, kb.Enter)
	waitPath(t, b, "/courses/completed")
	if err := chromedp.Run(b, chromedp.WaitVisible(`#course-tabs`, chromedp.ByID)); err != nil {
		t.Fatal(err)
	}
	tabTo(t, b, "#tab-due")
	markOld(t, b, "course-tabs")
	key(t, b, kb.Enter)
	swapped(t, b, "course-tabs")
	waitPath(t, b, "/courses/due")
	if f := focusShows(t, b, "choosing the Due tab"); !strings.HasPrefix(f.Desc, "a#tab-due") {
		t.Fatalf("after choosing the Due tab, focus is on %s", f.Desc)
	}
}

// toastIsAnnounced waits for a toast containing text and checks that it
// sits in a live region a screen reader announces.
func toastIsAnnounced(t *testing.T, ctx context.Context, text string) {
	t.Helper()
	var live string
	if err := chromedp.Run(ctx,
		chromedp.WaitVisible(fmt.Sprintf(`//div[contains(@class, "toast") and contains(., %q)]`, text), chromedp.BySearch),
		chromedp.Evaluate(`(() => { const r = document.querySelector("#toasts .toast").closest("[aria-live]"); return r ? r.getAttribute("aria-live") + "/" + r.getAttribute("role") : ""; })()`, &live),
	); err != nil {
		t.Fatalf("toast %q: %v", text, err)
	}
	if live != "polite/status" {
		t.Fatalf("the toast %q is in no polite status region (%q)", text, live)
	}
}

// courseTitled is the catalog's course with that title.
func courseTitled(t *testing.T, p *portal, title string) *catalog.Course {
	t.Helper()
	for _, c := range p.app.Catalog.All() {
		if c.Title == strings.TrimSpace(title) {
			return c
		}
	}
	t.Fatalf("no course titled %q", title)
	return nil
}

// ringContrast measures the focus ring of the element sel the way WCAG
// 2.2 defines a focus indicator's contrast: the same pixels focused and
// not focused. It samples the middle of each side at the ring's middle
// (outline-offset plus half the outline's width outside the border box)
// in two screenshots, and returns the lowest of the four ratios.
func ringContrast(t *testing.T, ctx context.Context, sel string) float64 {
	t.Helper()
	var box struct {
		X, Y, W, H, Off, Width float64
	}
	shot := func() image.Image {
		t.Helper()
		var buf []byte
		if err := chromedp.Run(ctx, chromedp.ActionFunc(func(ctx context.Context) (err error) {
			buf, err = page.CaptureScreenshot().WithFormat(page.CaptureScreenshotFormatPng).Do(ctx)
			return err
		})); err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(buf))
		if err != nil {
			t.Fatal(err)
		}
		return img
	}
	if err := chromedp.Run(ctx, chromedp.Evaluate(fmt.Sprintf(`(() => {
		const el = document.querySelector(%q);
		el.scrollIntoView({block: "center"});
		document.activeElement.blur();
		el.blur();
		return true;
	})()`, sel), nil)); err != nil {
		t.Fatalf("%s: %v", sel, err)
	}
	before := shot()
	var visible bool
	if err := chromedp.Run(ctx, chromedp.Evaluate(fmt.Sprintf(`(() => {
		const el = document.querySelector(%q);
		el.focus({focusVisible: true});
		return el.matches(":focus-visible");
	})()`, sel), &visible)); err != nil || !visible {
		t.Fatalf("%s does not take visible focus (%v)", sel, err)
	}
	if err := chromedp.Run(ctx, chromedp.Evaluate(fmt.Sprintf(`(() => {
		const el = document.querySelector(%q), r = el.getBoundingClientRect(), cs = getComputedStyle(el);
		return {X: r.x, Y: r.y, W: r.width, H: r.height, Off: parseFloat(cs.outlineOffset) || 0, Width: cs.outlineStyle === "none" ? 0 : parseFloat(cs.outlineWidth)};
	})()`, sel), &box)); err != nil {
		t.Fatal(err)
	}
	after := shot()
	d := box.Off + box.Width/2
	lowest := math.Inf(1)
	for _, pt := range [][2]float64{{box.X + box.W/2, box.Y - d}, {box.X + box.W/2, box.Y + box.H + d}, {box.X - d, box.Y + box.H/2}, {box.X + box.W + d, box.Y + box.H/2}} {
		x, y := int(math.Floor(pt[0])), int(math.Floor(pt[1]))
		ratio := brand.Contrast(rgbAt(before, x, y), rgbAt(after, x, y))
		lowest = min(lowest, ratio)
	}
	if err := chromedp.Run(ctx, chromedp.Evaluate(`document.activeElement.blur(); true`, nil)); err != nil {
		t.Fatal(err)
	}
	return lowest
}

func rgbAt(img image.Image, x, y int) brand.RGB {
	r, g, b, _ := img.At(x, y).RGBA()
	return brand.RGB{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8)}
}

// TestBrowserFocusRings: the focus ring of the main controls, measured in
// screenshots (the pixels of the ring against the same pixels unfocused),
// reaches 3:1 wherever it sits: the hero card's button on the accent's
// gradient (it was 40% teal on teal), buttons on white cards, the dark
// Save & exit button, the due banner's links on pink, tabs, inputs, the
// menus.
func TestBrowserFocusRings(t *testing.T) {
	t.Parallel()
	p := start(t)
	b := newBrowserFor(t, 2*time.Minute)
	check := func(path string, sels ...string) {
		t.Helper()
		if err := chromedp.Run(b, chromedp.Navigate(p.base+path), chromedp.WaitVisible(sels[0], chromedp.ByQuery)); err != nil {
			t.Fatalf("open %s: %v", path, err)
		}
		for _, sel := range sels {
			if got := ringContrast(t, b, sel); got < brand.UIContrast {
				t.Errorf("%s on %s: the focus ring's contrast is %.2f:1, want 3:1", sel, path, got)
			}
		}
	}
	check("/p/northwind/signin", "#email", "#send-link")
	signInBrowser(t, p, b, sam)
	for _, v := range []viewport{desktop, phone} {
		setViewport(t, b, v)
		check("/courses", ".hero a.btn", ".duebanner-link", ".usermenu summary", ".viewall a")
	}
	setViewport(t, b, desktop)
	check("/courses/due", ".coursecard .btn", "#tab-upcoming", ".mainnav a.active")
	if err := chromedp.Run(b, chromedp.Click(`.coursecard .btn`, chromedp.ByQuery)); err != nil && !strings.Contains(err.Error(), "-32000") {
		t.Fatal(err)
	}
	if err := chromedp.Run(b, chromedp.WaitVisible(`.exit-btn`, chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	for _, sel := range []string{".exit-btn", ".player-nav form:last-child .btn"} {
		if got := ringContrast(t, b, sel); got < brand.UIContrast {
			t.Errorf("%s in the player: the focus ring's contrast is %.2f:1, want 3:1", sel, got)
		}
	}
}
