package app_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// signInBrowser signs email in through the UI and the emailed link.
func signInBrowser(t *testing.T, p *portal, ctx context.Context, email string) {
	t.Helper()
	before := p.inbox.count(email)
	err := chromedp.Run(ctx,
		chromedp.Navigate(p.base+"/p/northwind/signin"),
		chromedp.WaitVisible(`#email`, chromedp.ByID),
		chromedp.SendKeys(`#email`, email, chromedp.ByID),
		chromedp.Click(`#send-link`, chromedp.ByID),
		chromedp.WaitVisible(`#code`, chromedp.ByID),
	)
	if err != nil {
		t.Fatalf("request link: %v", err)
	}
	link := linkIn(t, p.inbox.waitSubjectAfter(t, email, "Sign in to", before))
	err = chromedp.Run(ctx,
		chromedp.Navigate(link),
		chromedp.Click(`//button[normalize-space()="Sign in"]`, chromedp.BySearch),
		chromedp.WaitVisible(`.usermenu`, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatalf("sign in: %v", err)
	}
}

func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	var s string
	if err := chromedp.Run(ctx, chromedp.WaitVisible(sel, chromedp.ByQuery), chromedp.Text(sel, &s, chromedp.ByQuery)); err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

// toastText is the toasts' text, read as soon as there is any: a toast is
// gone 5 s after it appears, which a loaded machine can take between a
// wait and a separate read.
func toastText(t *testing.T, ctx context.Context) string {
	t.Helper()
	var s string
	if err := chromedp.Run(ctx, chromedp.Poll(`Array.from(document.querySelectorAll('#toasts .toast')).map(e => e.textContent).join(' ')`, &s)); err != nil {
		t.Fatalf("toast: %v", err)
	}
	return s
}

func riskOnStats(t *testing.T, p *portal, ctx context.Context) int {
	t.Helper()
	if err := chromedp.Run(ctx, chromedp.Navigate(p.base+"/stats")); err != nil {
		t.Fatal(err)
	}
	n, err := strconv.Atoi(strings.TrimSpace(text(t, ctx, ".riskscore-num")))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestBrowserLearnerJourney: Sam takes the overdue course the Courses page
// recommends, steps away and resumes, fails the quiz, passes it, gets the
// certificate by email, and sees Stats and the Leaderboard change.
func TestBrowserLearnerJourney(t *testing.T) {
	t.Parallel()
	p := start(t)
	ctx := newBrowser(t)
	signInBrowser(t, p, ctx, sam)
	screenshot(t, ctx, "10-courses-home")

	hero := text(t, ctx, ".hero")
	if !strings.Contains(hero, "Safe Browsing and Downloads") || !strings.Contains(hero, "Overdue") {
		t.Fatalf("hero does not recommend the overdue course: %q", hero)
	}
	if banner := text(t, ctx, ".duebanner"); !strings.Contains(banner, "2 Courses Due") || !strings.Contains(banner, "1 overdue") {
		t.Fatalf("banner = %q", banner)
	}
	riskBefore := riskOnStats(t, p, ctx)
	screenshot(t, ctx, "11-stats-before")

	// The tabs, each with its own URL (htmx swaps them in place).
	var url string
	err := chromedp.Run(ctx,
		chromedp.Navigate(p.base+"/courses"),
		chromedp.Click(`//a[contains(., "View all your courses")]`, chromedp.BySearch),
		chromedp.WaitVisible(`#course-tabs`, chromedp.ByID),
		chromedp.Click(`a.tab[href="/courses/completed"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`a.tab-active[href="/courses/completed"]`, chromedp.ByQuery),
		chromedp.Location(&url),
	)
	if err != nil {
		t.Fatalf("tabs: %v", err)
	}
	if !strings.HasSuffix(url, "/courses/completed") {
		t.Fatalf("tab URL %s", url)
	}
	if done := text(t, ctx, ".courselist"); !strings.Contains(done, "Spotting Phishing") || !strings.Contains(done, "Passwords and Multi-Factor") {
		t.Fatalf("completed tab: %q", done)
	}
	screenshot(t, ctx, "12-completed-tab")

	// Start the recommended course; read a lesson; save and exit.
	err = chromedp.Run(ctx,
		chromedp.Navigate(p.base+"/courses"),
		chromedp.Click(`.hero a.btn`, chromedp.ByQuery),
		chromedp.WaitVisible(`.lesson h1`, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatalf("start course: %v", err)
	}
	if h := text(t, ctx, ".lesson h1"); h != "Updates close the doors" {
		t.Fatalf("first lesson %q", h)
	}
	err = chromedp.Run(ctx,
		chromedp.Click(`//button[normalize-space()="Next →"]`, chromedp.BySearch),
		chromedp.WaitVisible(`//h1[normalize-space()="Download only from trusted places"]`, chromedp.BySearch),
	)
	if err != nil {
		t.Fatalf("next lesson: %v", err)
	}
	screenshot(t, ctx, "13-player-lesson")
	err = chromedp.Run(ctx,
		chromedp.Click(`.exit-btn`, chromedp.ByQuery),
		chromedp.WaitVisible(`.hero`, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatalf("save and exit: %v", err)
	}
	if hero := text(t, ctx, ".hero"); !strings.Contains(hero, "Continue Course") || !strings.Contains(hero, "Lesson 2 of 3") {
		t.Fatalf("after exit, hero = %q", hero)
	}

	// Resume where Sam left off, go to the quiz.
	err = chromedp.Run(ctx,
		chromedp.Click(`.hero a.btn`, chromedp.ByQuery),
		chromedp.WaitVisible(`//h1[normalize-space()="Download only from trusted places"]`, chromedp.BySearch),
		chromedp.Click(`//button[normalize-space()="Next →"]`, chromedp.BySearch),
		chromedp.WaitVisible(`//h1[normalize-space()="Public Wi-Fi and shared computers"]`, chromedp.BySearch),
		chromedp.Click(`//button[normalize-space()="Go to the quiz →"]`, chromedp.BySearch),
		chromedp.WaitVisible(`.quiz`, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatalf("resume to quiz: %v", err)
	}

	course, err := p.app.Catalog.Latest("safe-browsing")
	if err != nil {
		t.Fatal(err)
	}
	answer := func(right bool) {
		t.Helper()
		for _, q := range course.Quiz.Questions {
			choice := q.Answer
			if !right {
				for _, c := range q.Choices {
					if c.ID != q.Answer {
						choice = c.ID
						break
					}
				}
			}
			if err := chromedp.Run(ctx, chromedp.Click(fmt.Sprintf(`input[name="q_%s"][value="%s"]`, q.ID, choice), chromedp.ByQuery)); err != nil {
				t.Fatalf("answer %s: %v", q.ID, err)
			}
		}
		if err := chromedp.Run(ctx, chromedp.Click(`//button[normalize-space()="Submit answers"]`, chromedp.BySearch)); err != nil {
			t.Fatal(err)
		}
	}
	answer(false)
	if warn := text(t, ctx, ".callout-warn"); !strings.Contains(warn, "0% — not quite") {
		t.Fatalf("failed attempt: %q", warn)
	}
	screenshot(t, ctx, "14-quiz-failed")
	answer(true)
	if score := text(t, ctx, ".completion .score"); score != "100%" {
		t.Fatalf("completion score %q", score)
	}
	screenshot(t, ctx, "15-completed")

	// The certificate, by email, as a PDF.
	err = chromedp.Run(ctx,
		chromedp.Click(`//button[normalize-space()="Email my certificate"]`, chromedp.BySearch),
		chromedp.WaitVisible(`#toasts .toast`, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatalf("certificate: %v", err)
	}
	m := p.inbox.waitFor(t, sam, 2) // 1: the sign-in email
	if m.Subject != "Your certificate: Safe Browsing and Downloads" || len(m.Attachments) != 1 {
		t.Fatalf("certificate mail: %q with %d attachments", m.Subject, len(m.Attachments))
	}
	pdf := pdfText(t, m.Attachments[0].Data)
	for _, want := range []string{"Sam Learner", "Safe Browsing and Downloads", "100%", "Northwind IT", "Acme Corporation", p.base + "/verify/"} {
		if !strings.Contains(pdf, want) {
			t.Errorf("certificate PDF lacks %q", want)
		}
	}

	// Go to Portal: the course is now in Completed, and no longer due.
	err = chromedp.Run(ctx,
		chromedp.Navigate(p.base+"/courses/completed"),
		chromedp.WaitVisible(`//li[contains(., "Safe Browsing and Downloads")]`, chromedp.BySearch),
	)
	if err != nil {
		t.Fatalf("completed tab after: %v", err)
	}
	if riskAfter := riskOnStats(t, p, ctx); riskAfter <= riskBefore {
		t.Fatalf("risk score %d → %d: completing an overdue course should raise it", riskBefore, riskAfter)
	}
	screenshot(t, ctx, "16-stats-after")

	// Sam is the only one to finish Safe Browsing: rank 1, gold, highlighted.
	err = chromedp.Run(ctx, chromedp.Navigate(p.base+"/leaderboard?course=safe-browsing"), chromedp.WaitVisible(`.ranking`, chromedp.ByQuery))
	if err != nil {
		t.Fatal(err)
	}
	if row := text(t, ctx, ".rankrow-you"); !strings.Contains(row, "Sam Learner") || !strings.Contains(row, "1") {
		t.Fatalf("leaderboard row %q", row)
	}
	err = chromedp.Run(ctx, chromedp.Navigate(p.base+"/leaderboard?course=spotting-phishing"), chromedp.WaitVisible(`.ranking`, chromedp.ByQuery))
	if err != nil {
		t.Fatal(err)
	}
	board := text(t, ctx, ".ranking")
	if !strings.Contains(board, "Riley Chen") || strings.Index(board, "Riley Chen") > strings.Index(board, "Sam Learner") {
		t.Fatalf("spotting-phishing board: %q", board)
	}
	screenshot(t, ctx, "17-leaderboard")

	// My activity tells Sam's own story.
	if err := chromedp.Run(ctx, chromedp.Navigate(p.base+"/activity"), chromedp.WaitVisible(`.timeline`, chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	if act := text(t, ctx, ".timeline"); !strings.Contains(act, "Completed Safe Browsing and Downloads with 100%") || !strings.Contains(act, "Certificate for Safe Browsing and Downloads emailed") {
		t.Fatalf("my activity: %q", act)
	}
	screenshot(t, ctx, "18-my-activity")
}
