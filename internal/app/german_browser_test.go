package app_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/awareportal/portal/internal/i18n"
	"github.com/awareportal/portal/internal/seed"
)

// englishLeftJS lists what a reader of the page sees in English, when the
// page is in another language: the text (and the accessible names,
// placeholders and titles) of everything not marked lang="en", where one
// of the words below stands. They are words an English sentence can hardly
// do without and German or French never use, so an English string left
// untranslated shows itself, with its surroundings. Data the portal does
// not write is left out: content marked with its own language (a course
// without a translation is marked lang="en"), a partner's own documents
// (.policy-doc), a person's email address, and the words named in
// allowed (the demo's names of people, organisations, policies, breached
// sites, phishing simulations and the partner's onboarding steps), what is
// quoted („…“: an email's subject as it was sent), and the English titles
// of courses without a translation (allowedInAttributes): a title is a
// name (WCAG 3.1.2 leaves names of works unmarked), marked lang="en"
// where the page can, but not in a sentence of the timeline, an
// attribute or the page's title.
const englishLeftJS = `((allowed, allowedInAttributes) => {
	const words = /\b(the|your|you|and|with|on|bytes|this|that|for|from|has|have|will|not|yet|here|what|when|how|my|of|is|are|course|courses|lesson|lessons|completed|overdue|view|next|back|sign|signed|score|due|all|no|start|continue|download|generate|email|emailed|certificate|leaderboard|activity|stats|policy|policies|breach|breaches|devices|menu|close|dismiss|skip|content|page|found|learners?|previous|submit|answers?|passed|failed|try|again|please|hours?|days?|today|tomorrow|ago)\b/i;
	const root = document.documentElement.cloneNode(true);
	root.querySelectorAll('title, script, style, template, noscript, .policy-doc, [lang]:not(html)').forEach(el => {
		const lang = el.getAttribute("lang");
		if (!lang || !/^(de|fr)\b/.test(lang)) el.remove();
	});
	const attr = s => { for (const a of allowedInAttributes) s = (s || "").split(a).join(""); return s; };
	let seen = [attr(document.title)];
	const walk = document.createTreeWalker(root, NodeFilter.SHOW_TEXT | NodeFilter.SHOW_ELEMENT);
	for (let n = walk.currentNode; n; n = walk.nextNode()) {
		if (n.nodeType === Node.TEXT_NODE) {
			seen.push(n.textContent);
			continue;
		}
		for (const a of ["aria-label", "title", "placeholder", "alt"]) {
			if (n.hasAttribute && n.hasAttribute(a)) seen.push(attr(n.getAttribute(a)));
		}
		if (n.tagName === "INPUT" && /^(submit|button)$/i.test(n.type)) seen.push(n.value);
	}
	const found = [];
	for (let s of seen) {
		s = attr((s || "").replace(/\s+/g, " ").trim());
		// What is quoted is quoted as it was (an email's subject as sent).
		s = s.replace(/„[^“]*“|«[^»]*»/g, "");
		s = s.replace(/[\w.+-]+@[\w-]+(\.[\w-]+)+/g, "");
		for (const a of allowed) s = s.split(a).join("");
		if (words.test(s)) found.push(s.slice(0, 160));
	}
	return [...new Set(found)];
})`

// demoData are names in the demo data, which are what they are in every
// language.
var demoData = []string{
	"Northwind IT Training", "Northwind IT", "Acme Corporation", "Sam Learner", "Acceptable Use Policy",
	"Remote Working Policy", "ShopRight", "TravelNest", "GameHub Forums",
	// Phishing simulations' names (the subject lines of the emails the
	// learner received) and the partner's own onboarding titles.
	"Parcel delivery failed", "Invoice overdue", "Your password expires today", "Document shared with you",
	"Welcome to your security training", "Stop. Look. Report.", "Acceptable use of email and accounts",
}

// checkGerman fails the test with what the page shows in English, and
// when the page does not say it is German.
func checkGerman(t *testing.T, ctx context.Context, untranslated []string, name string) {
	t.Helper()
	var left []string
	var lang string
	if err := chromedp.Run(ctx,
		chromedp.Evaluate(englishLeftJS+`(`+jsStrings(demoData)+`, `+jsStrings(untranslated)+`)`, &left),
		chromedp.Evaluate(`document.documentElement.lang`, &lang)); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if lang != "de" {
		t.Errorf("%s: <html lang=%q>, want de", name, lang)
	}
	if len(left) > 0 {
		var at string
		_ = chromedp.Run(ctx, chromedp.Location(&at))
		t.Errorf("%s (%s) shows English:\n  %s", name, at, strings.Join(left, "\n  "))
	}
	screenshot(t, ctx, "de-"+name)
}

func jsStrings(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = fmt.Sprintf("%q", s)
	}
	return "[" + strings.Join(q, ",") + "]"
}

// germanBrowser is a browser whose every request asks for German first,
// as a browser set up in German does.
func germanBrowser(t *testing.T, deadline time.Duration) context.Context {
	t.Helper()
	ctx := newBrowserFor(t, deadline)
	if err := chromedp.Run(ctx, network.Enable(), network.SetExtraHTTPHeaders(network.Headers{"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"})); err != nil {
		t.Fatalf("ask for German: %v", err)
	}
	return ctx
}

// TestBrowserLearnerJourneyInGerman is the learner's journey in a browser
// set up in German: the sign-in page, the emailed link (a German email)
// and its page, Courses and its tabs, a course's lessons, a failed and a
// passed quiz, the certificate by email (German subject), My Stats,
// Leaderboard, My activity, Policies, Breaches, Signed-in devices and a
// missing page. Every page says lang="de" and shows nothing in English
// but the course that has no German translation (marked lang="en") and
// the demo's names.
func TestBrowserLearnerJourneyInGerman(t *testing.T) {
	t.Parallel()
	p := start(t)
	b := germanBrowser(t, 4*time.Minute)
	var untranslated []string
	for _, c := range p.app.Catalog.All() {
		if _, fellBack := c.In(i18n.German); fellBack {
			untranslated = append(untranslated, c.Title)
		}
	}
	if len(untranslated) == 0 || len(untranslated) == len(p.app.Catalog.All()) {
		t.Fatalf("the demo should have courses with and without German: untranslated %v", untranslated)
	}

	if err := chromedp.Run(b, chromedp.Navigate(p.base+"/p/northwind/signin"), chromedp.WaitVisible(`#email`, chromedp.ByID)); err != nil {
		t.Fatal(err)
	}
	checkGerman(t, b, untranslated, "signin")
	before := p.inbox.count(sam)
	if err := chromedp.Run(b, chromedp.SendKeys(`#email`, sam, chromedp.ByID), chromedp.Click(`#send-link`, chromedp.ByID), chromedp.WaitVisible(`#code`, chromedp.ByID)); err != nil {
		t.Fatal(err)
	}
	checkGerman(t, b, untranslated, "code-entry")
	m := p.inbox.waitSubjectAfter(t, sam, "Anmeldung zur Schulung von", before)
	link := linkIn(t, m)
	if err := chromedp.Run(b, chromedp.Navigate(link), chromedp.WaitVisible(`form button.btn`, chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	checkGerman(t, b, untranslated, "signin-link")
	click(t, b, "form button.btn", ".usermenu")

	visit2 := func(path, sel, name string) {
		t.Helper()
		if err := chromedp.Run(b, chromedp.Navigate(p.base+path), chromedp.WaitVisible(sel, chromedp.ByQuery)); err != nil {
			t.Fatalf("open %s: %v", path, err)
		}
		checkGerman(t, b, untranslated, name)
	}
	visit2("/courses", ".hero", "courses")
	for _, tab := range []string{"due", "upcoming", "completed"} {
		visit2("/courses/"+tab, "#course-tabs", "courses-"+tab)
	}

	// The recommended course: lessons, the quiz, a failed attempt, a pass.
	visit2("/courses", ".hero", "courses")
	click(t, b, ".hero a.btn", ".lesson")
	checkGerman(t, b, untranslated, "player-lesson")
	for range 8 {
		var atQuiz bool
		if err := chromedp.Run(b, chromedp.Evaluate(`!!document.querySelector(".quiz")`, &atQuiz)); err != nil {
			t.Fatal(err)
		}
		if atQuiz {
			break
		}
		if err := chromedp.Run(b, chromedp.Evaluate(`document.getElementById("player").dataset.old = "1"`, nil)); err != nil {
			t.Fatal(err)
		}
		click(t, b, ".player-nav form:last-child button", ".player")
		waitJS(t, b, `!!document.getElementById("player") && !document.querySelector("#player[data-old]")`)
	}
	checkGerman(t, b, untranslated, "player-quiz")
	if err := chromedp.Run(b, chromedp.Evaluate(`document.querySelectorAll(".quiz fieldset").forEach(f => f.querySelector("input[type=radio]").checked = true); true`, nil)); err != nil {
		t.Fatal(err)
	}
	click(t, b, ".quiz button[type=submit]", ".callout-warn")
	checkGerman(t, b, untranslated, "player-quiz-failed")
	var course string
	if err := chromedp.Run(b, chromedp.TextContent(".player .eyebrow", &course, chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	answerQuiz(t, b, p, course, true)
	if err := chromedp.Run(b, chromedp.WaitVisible(".completion", chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	checkGerman(t, b, untranslated, "player-completion")
	before = p.inbox.count(sam)
	click(t, b, ".completion-actions button", "#toasts .toast")
	if toast := toastText(t, b); strings.Contains(toast, "emailed") || !strings.Contains(toast, sam) {
		t.Errorf("the certificate's toast: %q", toast)
	}
	if c := p.inbox.waitSubjectAfter(t, sam, "Ihr Zertifikat: ", before); len(c.Attachments) != 1 {
		t.Errorf("the certificate email has %d attachments", len(c.Attachments))
	}

	visit2("/stats", ".riskcard", "stats")
	visit2("/leaderboard", "#main h1", "leaderboard")
	visit2("/activity", ".timeline", "activity")
	visit2("/policies", "#main h1", "policies")
	visit2("/policies/"+seed.SignedPolicyID, "#main h1", "policy")
	visit2("/breaches", "#main h1", "breaches")
	visit2("/account/devices", "#main h1", "devices")
	visit2("/no-such-page", "#main h1", "not-found")
}
