package app_test

import (
	"context"
	_ "embed"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/awareportal/portal/domain/tenancy"
	"github.com/awareportal/portal/internal/auth"
	"github.com/awareportal/portal/internal/eventstore"
	"github.com/awareportal/portal/internal/seed"
	"github.com/awareportal/portal/projections/progress"
)

// axeSource is axe-core (testdata/axe/README.md): the accessibility rules
// the browser tests run on every page. Tests only; the portal never serves it.
//
//go:embed testdata/axe/axe.min.js
var axeSource string

// axeTags are the WCAG 2.0, 2.1 and 2.2 A and AA rules.
var axeTags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"}

// axeViolation is one rule a page breaks, with the elements that break it.
type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target  string `json:"target"`
		Summary string `json:"summary"`
	} `json:"nodes"`
}

// runAxe runs axe-core on the page as it stands and returns the
// violations of axeTags' rules. Iframes (a policy's PDF) are the browser's
// viewer, not the portal's markup: axe does not enter them.
func runAxe(ctx context.Context) ([]axeViolation, error) {
	return axeResults(ctx, "violations")
}

// axeResults runs axe-core and returns the results of one kind:
// "violations", or "incomplete" (what axe could not decide, such as text on
// a gradient).
func axeResults(ctx context.Context, kind string) ([]axeViolation, error) {
	var loaded bool
	if err := chromedp.Run(ctx, chromedp.Evaluate(`typeof window.axe === "object"`, &loaded)); err != nil {
		return nil, err
	}
	if !loaded {
		// Evaluated through the DevTools protocol: the page's
		// Content-Security-Policy (no inline scripts) does not apply.
		if err := chromedp.Run(ctx, chromedp.Evaluate(axeSource+";true", nil)); err != nil {
			return nil, fmt.Errorf("load axe: %w", err)
		}
	}
	tags := `["` + strings.Join(axeTags, `","`) + `"]`
	var out []axeViolation
	err := chromedp.Run(ctx, chromedp.Evaluate(`(async () => {
		// A toast sliding in or a fading transition is not the page: wait for them.
		await Promise.all(document.getAnimations().map(a => a.finished.catch(() => null)));
		const r = await axe.run(document, {runOnly: {type: "tag", values: `+tags+`}, resultTypes: ["`+kind+`"], iframes: false});
		return r.`+kind+`.map(v => ({id: v.id, impact: v.impact || "", help: v.help,
			nodes: v.nodes.map(n => ({target: n.target.map(t => Array.isArray(t) ? t.join(" >>> ") : t).join(" | "), summary: n.failureSummary || ""}))}));
	})()`, &out, func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }))
	return out, err
}

// formatViolations writes violations one rule a paragraph: rule id,
// impact, what it asks, and each element with axe's summary of the fix.
func formatViolations(vs []axeViolation) string {
	var b strings.Builder
	for _, v := range vs {
		fmt.Fprintf(&b, "  %s (%s): %s\n", v.ID, v.Impact, v.Help)
		for _, n := range v.Nodes {
			fmt.Fprintf(&b, "    %s\n      %s\n", n.Target, strings.ReplaceAll(n.Summary, "\n", "\n      "))
		}
	}
	return b.String()
}

// checkAxe fails the test with every violation on the page as it stands.
func checkAxe(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	vs, err := runAxe(ctx)
	if err != nil {
		t.Errorf("axe on %s: %v", name, err)
		return
	}
	if os.Getenv("PORTAL_AXE_INCOMPLETE") != "" {
		if inc, err := axeResults(ctx, "incomplete"); err == nil && len(inc) > 0 {
			t.Logf("%s: axe could not decide:\n%s", name, formatViolations(inc))
		}
	}
	if len(vs) > 0 {
		var at string
		_ = chromedp.Run(ctx, chromedp.Location(&at))
		t.Errorf("%s (%s): %d accessibility rules broken:\n%s", name, at, len(vs), formatViolations(vs))
	}
}

// contrastJS defines, in the page:
//   - contrast(a, b): WCAG's contrast ratio of two colours given as
//     rgb(…)/rgba(…) (alpha ignored);
//   - cssColour(el, name): a colour variable's #rrggbb as rgb(…), or null;
//   - seen(el, bgAt, bg): the colours one sees of el's text (or icon,
//     drawn in currentColor) and of what lies under it: backgrounds and
//     the colour's alpha composited over white, opacity of el and its
//     ancestors blended in; bgAt, bg optionally give an element's
//     background colour (the hero's gradient is an image: each of its ends
//     is measured in turn).
const contrastJS = `
window.contrast = function (a, b) {
	const lum = c => {
		const m = c.match(/[\d.]+/g).slice(0, 3).map(Number).map(v => { v /= 255; return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
		return 0.2126 * m[0] + 0.7152 * m[1] + 0.0722 * m[2];
	};
	const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
	return (x + 0.05) / (y + 0.05);
};
window.cssColour = function (el, name) {
	const v = getComputedStyle(el).getPropertyValue(name).trim();
	if (!/^#[0-9a-fA-F]{6}$/.test(v)) return null;
	return "rgb(" + [1, 3, 5].map(i => parseInt(v.slice(i, i + 2), 16)).join(",") + ")";
};
window.seen = function (el, bgAt, bg) {
	const rgba = c => { const m = c.match(/[\d.]+/g).map(Number); return [m[0], m[1], m[2], m.length > 3 ? m[3] : 1]; };
	const over = (top, under, a) => [0, 1, 2].map(i => top[i] * a + under[i] * (1 - a));
	const path = [];
	for (let e = el; e; e = e.parentElement) path.unshift(e);
	const paint = (i, under, withText) => {
		const e = path[i], cs = getComputedStyle(e);
		const b = rgba(e === bgAt ? bg : cs.backgroundColor);
		let c = over(b, under, b[3]);
		if (i < path.length - 1) c = paint(i + 1, c, withText);
		else if (withText) { const f = rgba(cs.color); c = over(f, c, f[3]); }
		return over(c, under, parseFloat(cs.opacity));
	};
	const css = c => "rgb(" + c.map(Math.round).join(",") + ")";
	return {fg: css(paint(0, [255, 255, 255], true)), bg: css(paint(0, [255, 255, 255], false))};
};
true`

// measured is a contrast the page measured: what, the ratio, the minimum.
type measured struct {
	What  string  `json:"what"`
	Ratio float64 `json:"ratio"`
	Want  float64 `json:"want"`
}

// checkContrast measures what axe cannot (text on a gradient, a digit on
// a coloured dot, an icon's strokes): expr returns measured values, built
// with contrast() and cssColour(). Each must reach its minimum, and there
// must be some.
func checkContrast(t *testing.T, ctx context.Context, name, expr string) {
	t.Helper()
	var ms []measured
	if err := chromedp.Run(ctx, chromedp.Evaluate(contrastJS, nil), chromedp.Evaluate(expr, &ms)); err != nil {
		t.Fatalf("%s: measure contrast: %v", name, err)
	}
	if len(ms) == 0 {
		t.Errorf("%s: nothing to measure", name)
	}
	for _, m := range ms {
		if m.Ratio < m.Want {
			t.Errorf("%s: %s has contrast %.2f:1, want %.1f:1", name, m.What, m.Ratio, m.Want)
		}
	}
}

// The hero card's text against both ends of its gradient.
const heroContrast = `(() => {
	const hero = document.querySelector(".hero"), out = [];
	const ends = [cssColour(hero, "--accent"), cssColour(hero, "--accent-deep")];
	if (ends.includes(null)) return [{what: "the hero's --accent and --accent-deep (not #rrggbb)", ratio: 0, want: 4.5}];
	hero.querySelectorAll("*").forEach(el => {
		if (![...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())) return;
		ends.forEach((end, i) => {
			const c = seen(el, hero, end);
			out.push({what: el.tagName.toLowerCase() + "." + el.className + " " + JSON.stringify(el.textContent.trim()) + " at the gradient's " + ["start", "end"][i], ratio: contrast(c.fg, c.bg), want: 4.5});
		});
	});
	return out;
})()`

// viewport is a screen size the pages must serve.
type viewport struct {
	name string
	w, h int64
}

var (
	desktop = viewport{"desktop", 1280, 800}
	phone   = viewport{"phone", 390, 844}
)

func setViewport(t *testing.T, ctx context.Context, v viewport) {
	t.Helper()
	if err := chromedp.Run(ctx, chromedp.EmulateViewport(v.w, v.h)); err != nil {
		t.Fatalf("viewport %s: %v", v.name, err)
	}
}

// axeBoth checks the page as it stands at a desktop's and a phone's width
// (a screenshot of each when PORTAL_SCREENSHOTS is set), and leaves the
// desktop width. At both, nothing may widen the page beyond the screen
// (WCAG 1.4.10, reflow: axe has no rule for it).
func axeBoth(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	for _, v := range []viewport{desktop, phone} {
		setViewport(t, ctx, v)
		checkAxe(t, ctx, name+" at "+v.name+" width")
		checkReflow(t, ctx, name+" at "+v.name+" width")
		screenshot(t, ctx, "a11y-"+name+"-"+v.name)
	}
	setViewport(t, ctx, desktop)
}

// checkReflow fails when the page is wider than the screen, naming the
// elements that reach past its right edge.
func checkReflow(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	var wide struct {
		Width    int      `json:"width"`
		Screen   int      `json:"screen"`
		Overflow []string `json:"overflow"`
	}
	if err := chromedp.Run(ctx, chromedp.Evaluate(`(() => {
		const w = document.documentElement.scrollWidth, out = [];
		if (w > innerWidth) document.querySelectorAll("body *").forEach(el => {
			const r = el.getBoundingClientRect();
			if (r.right > innerWidth + 0.5 && r.width > 0 && getComputedStyle(el).position !== "fixed" && !(el.parentElement && el.parentElement.getBoundingClientRect().right > innerWidth + 0.5))
				out.push(el.tagName.toLowerCase() + "." + String(el.className).trim().split(/\s+/).join(".") + " " + JSON.stringify(el.textContent.trim().slice(0, 40)));
		});
		return {width: w, screen: innerWidth, overflow: out.slice(0, 8)};
	})()`, &wide)); err != nil {
		t.Fatalf("%s: measure the page's width: %v", name, err)
	}
	if wide.Width > wide.Screen {
		t.Errorf("%s: the page is %d px wide on a %d px screen (WCAG 1.4.10); reaching past the edge: %v", name, wide.Width, wide.Screen, wide.Overflow)
	}
}

// visit opens path, waits for sel and checks the page at both widths.
func visit(t *testing.T, ctx context.Context, p *portal, path, sel, name string) {
	t.Helper()
	if err := chromedp.Run(ctx, chromedp.Navigate(p.base+path), chromedp.WaitVisible(sel, chromedp.ByQuery)); err != nil {
		t.Fatalf("open %s for %s: %v", path, name, err)
	}
	axeBoth(t, ctx, name)
}

// click clicks sel (a navigation it starts is no error) and waits for want.
func click(t *testing.T, ctx context.Context, sel, want string) {
	t.Helper()
	if err := chromedp.Run(ctx, chromedp.Click(sel, chromedp.ByQuery)); err != nil && !strings.Contains(err.Error(), "-32000") {
		t.Fatalf("click %s: %v", sel, err)
	}
	if err := chromedp.Run(ctx, chromedp.WaitVisible(want, chromedp.ByQuery)); err != nil {
		t.Fatalf("after clicking %s, waiting for %s: %v", sel, want, err)
	}
}

// TestBrowserAxe runs axe-core's WCAG 2.2 A and AA rules on every page of
// every role, at a desktop's and a phone's width: signed out (sign-in,
// branded sign-in, code entry, the link's page, a bad link, 404), the
// organisation picker, a learner's Courses in each state and tab, the
// player's lessons, quiz, failed attempt and completion, My Stats,
// Leaderboard, My activity, Policies, a policy, Breaches, a manager's My
// Team, onboarding's steps, the portal-off page and the staff pages. Any
// violation fails the test, named by rule and element. One portal; one
// browser context per role, its pages in sequence.
func TestBrowserAxe(t *testing.T) {
	t.Parallel()
	p := start(t)

	t.Run("signed out, then a learner", func(t *testing.T) {
		b := newBrowserFor(t, 8*time.Minute)
		visit(t, b, p, "/signin", "#email", "signin")
		visit(t, b, p, "/p/northwind/signin", "#email", "signin-branded")
		visit(t, b, p, "/no-such-page", "#main h1", "not-found-signed-out")
		// The methods panel for an email whose organisation uses Microsoft.
		if err := chromedp.Run(b, chromedp.Navigate(p.base+"/p/northwind/signin"), chromedp.WaitVisible(`#email`, chromedp.ByID),
			chromedp.SendKeys(`#email`, seed.MicrosoftEmail, chromedp.ByID), chromedp.WaitVisible(`#methods .method-hint`, chromedp.ByQuery)); err != nil {
			t.Fatal(err)
		}
		axeBoth(t, b, "signin-methods")
		// Code entry, then a wrong code.
		if err := chromedp.Run(b, chromedp.Navigate(p.base+"/p/northwind/signin"), chromedp.WaitVisible(`#email`, chromedp.ByID),
			chromedp.SendKeys(`#email`, sam, chromedp.ByID), chromedp.Click(`#send-link`, chromedp.ByID), chromedp.WaitVisible(`#code`, chromedp.ByID)); err != nil {
			t.Fatal(err)
		}
		axeBoth(t, b, "code-entry")
		if err := chromedp.Run(b, chromedp.SendKeys(`#code`, "AAA-AAA", chromedp.ByID), chromedp.Click(`.codeform button[type=submit]`, chromedp.ByQuery),
			chromedp.WaitVisible(`#code-error`, chromedp.ByID)); err != nil {
			t.Fatal(err)
		}
		axeBoth(t, b, "code-entry-wrong")
		link := linkIn(t, p.inbox.waitSubject(t, sam, "Sign in to"))
		visit(t, b, p, strings.TrimPrefix(link, p.base)+"x", "#main h1", "signin-link-invalid")
		// A course email's link, naming the course.
		samL, err := p.app.Auth.Dir.Learner(context.Background(), "acme-sam")
		if err != nil {
			t.Fatal(err)
		}
		base, _ := url.Parse(p.base)
		overdue := assignmentOf(t, p, "acme-sam", func(a progress.Assignment) bool { return a.IsOverdue(p.clock.Now()) && !a.Completed() })
		training, err := auth.IssueTrainingLink(context.Background(), p.app.Repo, base, eventstore.Metadata{ActorID: "test"}, samL, overdue.ID, p.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		visit(t, b, p, strings.TrimPrefix(training, p.base), "form button.btn", "signin-training-link")
		visit(t, b, p, strings.TrimPrefix(link, p.base), "form button.btn", "signin-link")
		click(t, b, "form button.btn", ".usermenu")

		// Sam: Courses, its tabs (due: not started and in progress;
		// upcoming: locked; completed), with the menus open.
		visit(t, b, p, "/courses", ".hero", "courses")
		checkContrast(t, b, "the hero card", heroContrast)
		click(t, b, ".usermenu summary", ".usermenu-panel")
		checkAxe(t, b, "courses with the account menu open")
		setViewport(t, b, phone)
		click(t, b, ".navmenu summary", ".navmenu-panel")
		checkAxe(t, b, "courses with the phone menu open")
		setViewport(t, b, desktop)
		for _, tab := range []string{"due", "upcoming", "completed"} {
			visit(t, b, p, "/courses/"+tab, "#course-tabs", "courses-"+tab)
		}

		// The player: lessons, the quiz, a failed attempt, the completion.
		visit(t, b, p, "/courses", ".hero", "courses")
		click(t, b, ".hero a.btn", ".lesson")
		axeBoth(t, b, "player-lesson")
		for range 8 {
			var atQuiz bool
			if err := chromedp.Run(b, chromedp.Evaluate(`!!document.querySelector(".quiz")`, &atQuiz)); err != nil {
				t.Fatal(err)
			}
			if atQuiz {
				break
			}
			// The step's answer replaces #player: wait for the new one.
			if err := chromedp.Run(b, chromedp.Evaluate(`document.getElementById("player").dataset.old = "1"`, nil)); err != nil {
				t.Fatal(err)
			}
			click(t, b, ".player-nav form:last-child button", ".player")
			waitJS(t, b, `!!document.getElementById("player") && !document.querySelector("#player[data-old]")`)
		}
		axeBoth(t, b, "player-quiz")
		if err := chromedp.Run(b, chromedp.Evaluate(`document.querySelectorAll(".quiz fieldset").forEach(f => f.querySelector("input[type=radio]").checked = true); true`, nil)); err != nil {
			t.Fatal(err)
		}
		click(t, b, ".quiz button[type=submit]", ".callout-warn")
		axeBoth(t, b, "player-quiz-failed")
		var course string
		if err := chromedp.Run(b, chromedp.TextContent(".player .eyebrow", &course, chromedp.ByQuery)); err != nil {
			t.Fatal(err)
		}
		answerQuiz(t, b, p, course, true)
		if err := chromedp.Run(b, chromedp.WaitVisible(".completion", chromedp.ByQuery)); err != nil {
			t.Fatal(err)
		}
		axeBoth(t, b, "player-completion")
		// Next up: the course in progress, due in days (a plain pill).
		visit(t, b, p, "/courses", ".hero", "courses-in-progress")
		checkContrast(t, b, "the hero card of a course in progress", heroContrast)

		visit(t, b, p, "/stats", ".riskcard", "stats")
		// A locked badge's icon: 3:1 on its tile, like any meaningful graphic.
		checkContrast(t, b, "locked badges", `[...document.querySelectorAll(".badge-locked .badge-icon")].map(el => {
			const c = seen(el);
			return {what: "the icon of " + el.parentElement.querySelector(".badge-name").textContent, ratio: contrast(c.fg, c.bg), want: 3};
		})`)
		visit(t, b, p, "/leaderboard", "#main h1", "leaderboard")
		// The medals' digits (too short for axe to judge).
		checkContrast(t, b, "medals", `[...document.querySelectorAll(".medal-dot")].map(el => {
			const c = seen(el);
			return {what: "rank " + el.firstChild.textContent + "'s medal", ratio: contrast(c.fg, c.bg), want: 4.5};
		})`)
		visit(t, b, p, "/activity", ".timeline", "activity")
		visit(t, b, p, "/policies", "#main h1", "policies")
		visit(t, b, p, "/policies/"+seed.OutstandingPolicyID, "#main h1", "policy-pdf")
		visit(t, b, p, "/policies/"+seed.SignedPolicyID, "#main h1", "policy-markdown")
		visit(t, b, p, "/breaches", "#main h1", "breaches")
		visit(t, b, p, "/account/devices", "#main h1", "account-devices")
		visit(t, b, p, "/no-such-page", "#main h1", "not-found")
	})

	// Partners whose colours fail under their text as shipped (white on a
	// light blue was 2.8:1; a pale yellow as link text 1.3:1): their
	// branded pages are adjusted (brand.ThemeFor).
	t.Run("pale brand colours", func(t *testing.T) {
		b := newBrowser(t)
		for slug, colour := range map[string]string{"skyblue": "#4aa3df", "sunny": "#ffe066"} {
			registerPartner(t, p, slug, colour)
		}
		p.waitProjections(t)
		visit(t, b, p, "/p/skyblue/signin", "#email", "signin-skyblue")
		visit(t, b, p, "/p/sunny/signin", "#email", "signin-sunny")
		if err := chromedp.Run(b, chromedp.SendKeys(`#email`, "someone@sunny.example", chromedp.ByID), chromedp.Click(`#send-link`, chromedp.ByID), chromedp.WaitVisible(`#code`, chromedp.ByID)); err != nil {
			t.Fatal(err)
		}
		axeBoth(t, b, "code-entry-sunny") // its "Use a different email" link
	})

	t.Run("organisation picker", func(t *testing.T) {
		b := newBrowser(t)
		before := p.inbox.count(seed.MultiOrgEmail)
		if err := chromedp.Run(b, chromedp.Navigate(p.base+"/p/northwind/signin"), chromedp.WaitVisible(`#email`, chromedp.ByID),
			chromedp.SendKeys(`#email`, seed.MultiOrgEmail, chromedp.ByID), chromedp.Click(`#send-link`, chromedp.ByID), chromedp.WaitVisible(`#code`, chromedp.ByID)); err != nil {
			t.Fatal(err)
		}
		link := linkIn(t, p.inbox.waitSubjectAfter(t, seed.MultiOrgEmail, "Sign in to", before))
		visit(t, b, p, strings.TrimPrefix(link, p.base), "form button.btn", "signin-link-multi")
		click(t, b, "form button.btn", ".choices")
		axeBoth(t, b, "organisation-picker")
	})

	t.Run("manager", func(t *testing.T) {
		b := newBrowser(t)
		signInBrowser(t, p, b, morgan)
		visit(t, b, p, "/team", ".teamlist", "team")
	})

	t.Run("new hire", func(t *testing.T) {
		b := newBrowserFor(t, 3*time.Minute)
		signInBrowser(t, p, b, seed.NewHireEmail)
		waitPath(t, b, "/onboarding/1")
		for step := 1; ; step++ {
			if step > 8 {
				t.Fatal("onboarding does not end")
			}
			axeBoth(t, b, fmt.Sprintf("onboarding-%d", step))
			var kind struct {
				Video bool `json:"video"`
				Ack   bool `json:"ack"`
			}
			if err := chromedp.Run(b, chromedp.Evaluate(`({video: !!document.querySelector("video"), ack: !!document.querySelector("input[name=acknowledged]")})`, &kind)); err != nil {
				t.Fatal(err)
			}
			if kind.Video {
				p.clock.Advance(time.Minute)
				if err := chromedp.Run(b, chromedp.Evaluate(`(() => { const v = document.querySelector("video"); v.muted = true; v.playbackRate = 16; v.play(); return true })()`, nil),
					chromedp.Poll(`!document.getElementById("ob-next").disabled`, nil, chromedp.WithPollingTimeout(30*time.Second))); err != nil {
					t.Fatal(err)
				}
			}
			if kind.Ack {
				if err := chromedp.Run(b, chromedp.Click(`input[name=acknowledged]`, chromedp.ByQuery)); err != nil {
					t.Fatal(err)
				}
			}
			if err := chromedp.Run(b, chromedp.Click(`#ob-next`, chromedp.ByID)); err != nil && !strings.Contains(err.Error(), "-32000") {
				t.Fatal(err)
			}
			next := fmt.Sprintf("/onboarding/%d", step+1)
			waitJS(t, b, `document.readyState === "complete" && (location.pathname === "`+next+`" || location.pathname === "/courses")`)
			if strings.HasSuffix(location(t, b), "/courses") {
				break
			}
		}
		visit(t, b, p, "/stats", "#main h1", "stats-not-rated-yet")
	})

	t.Run("portal off", func(t *testing.T) {
		b := newBrowser(t)
		before := p.inbox.count(seed.PortalOffEmail)
		if err := chromedp.Run(b, chromedp.Navigate(p.base+"/p/northwind/signin"), chromedp.WaitVisible(`#email`, chromedp.ByID),
			chromedp.SendKeys(`#email`, seed.PortalOffEmail, chromedp.ByID), chromedp.Click(`#send-link`, chromedp.ByID), chromedp.WaitVisible(`#code`, chromedp.ByID)); err != nil {
			t.Fatal(err)
		}
		link := linkIn(t, p.inbox.waitSubjectAfter(t, seed.PortalOffEmail, "Sign in to", before))
		visit(t, b, p, strings.TrimPrefix(link, p.base), "form button.btn", "signin-link-portal-off")
		// Signed in, the portal-off page stands in for Courses.
		if err := chromedp.Run(b, chromedp.Click("form button.btn", chromedp.ByQuery)); err != nil && !strings.Contains(err.Error(), "-32000") {
			t.Fatal(err)
		}
		waitJS(t, b, `location.pathname === "/courses" && document.readyState === "complete"`)
		visit(t, b, p, "/courses", "#main h1", "portal-off")
		if h := text(t, b, "#main h1"); h != "The training portal is switched off" {
			t.Fatalf("portal off: %q", h)
		}
	})

	t.Run("staff", func(t *testing.T) {
		b := newBrowserFor(t, 2*time.Minute)
		signInBrowser(t, p, b, seed.SupportEmail)
		visit(t, b, p, "/staff", "#q", "staff-home")
		visit(t, b, p, "/staff?q=sam", ".courselist", "staff-search")
		visit(t, b, p, "/staff/users/acme-sam", ".timeline", "staff-timeline")
		visit(t, b, p, "/staff/asof?learner=acme-sam", "#main h1", "staff-asof-form")
		visit(t, b, p, "/staff/asof?learner=acme-sam&at=2026-11-01T12:00", "#main h1", "staff-asof")
	})
}

// answerQuiz answers the player's quiz for course (its title) all right
// or all wrong, and submits it.
func answerQuiz(t *testing.T, ctx context.Context, p *portal, title string, right bool) {
	t.Helper()
	for _, c := range p.app.Catalog.All() {
		if c.Title != strings.TrimSpace(title) {
			continue
		}
		for _, q := range c.Quiz.Questions {
			choice := q.Answer
			if !right {
				for _, ch := range q.Choices {
					if ch.ID != q.Answer {
						choice = ch.ID
						break
					}
				}
			}
			if err := chromedp.Run(ctx, chromedp.Click(fmt.Sprintf(`input[name="q_%s"][value="%s"]`, q.ID, choice), chromedp.ByQuery)); err != nil {
				t.Fatalf("answer %s: %v", q.ID, err)
			}
		}
		if err := chromedp.Run(ctx, chromedp.Click(`.quiz button[type=submit]`, chromedp.ByQuery)); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Fatalf("no course titled %q", title)
}

// registerPartner adds a partner with its own accent colour, as the seed
// registers Northwind.
func registerPartner(t *testing.T, p *portal, slug, colour string) {
	t.Helper()
	evs, err := tenancy.RegisterPartner(&tenancy.Partner{}, tenancy.PartnerRegistered{PartnerID: slug, Name: slug + " IT", Slug: slug, AccentColor: colour}, p.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.app.Repo.Append(context.Background(), tenancy.PartnerStream(slug), eventstore.NoStream, eventstore.Metadata{ActorID: "test"}, evs...); err != nil {
		t.Fatal(err)
	}
}
