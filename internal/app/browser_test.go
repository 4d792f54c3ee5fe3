package app_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/awareportal/portal/internal/testenv"
)

// chromium finds Debian's chromium (or another Chrome), or skips (fails in CI).
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("PORTAL_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	testenv.Unavailable(t, "chromium (apt-get install -y chromium)", errors.New("not found on PATH"))
	return ""
}

// pdfText extracts a PDF's text.
func pdfText(t *testing.T, pdf []byte) string { return testenv.PDFText(t, pdf) }

// newBrowser starts a headless chromium for one test.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)),
		chromedp.NoSandbox, // CI runs as root
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.WindowSize(1280, 900),
	)
	if os.Getenv("PORTAL_SCREENSHOT_PHONE") != "" {
		opts = append(opts, chromedp.WindowSize(390, 844)) // look at the phone layout
	}
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	tab, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	ctx, cancel3 := context.WithTimeout(tab, 60*time.Second)
	t.Cleanup(cancel3)
	// A failed test says where the browser was and what it showed; a
	// deadline alone does not.
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		c, cancel := context.WithTimeout(tab, 5*time.Second)
		defer cancel()
		var at, shown string
		if err := chromedp.Run(c, chromedp.Location(&at), chromedp.Evaluate(`document.body ? document.body.innerText : ""`, &shown)); err != nil {
			t.Logf("browser state unavailable: %v", err)
			return
		}
		t.Logf("the browser was at %s showing:\n%s", at, shown)
	})
	// Any Content-Security-Policy violation or script error fails the test:
	// the policy must be one the pages really satisfy.
	chromedp.ListenTarget(ctx, func(ev any) {
		switch e := ev.(type) {
		case *cdplog.EventEntryAdded:
			if strings.Contains(e.Entry.Text, "Content Security Policy") || strings.Contains(e.Entry.Text, "Content-Security-Policy") {
				t.Errorf("CSP violation: %s (%s)", e.Entry.Text, e.Entry.URL)
			}
		case *runtime.EventExceptionThrown:
			t.Errorf("script error: %s", e.ExceptionDetails.Error())
		}
	})
	return ctx
}

// screenshot saves the page to $PORTAL_SCREENSHOTS/name.png when set.
func screenshot(t *testing.T, ctx context.Context, name string) {
	dir := os.Getenv("PORTAL_SCREENSHOTS")
	if dir == "" {
		return
	}
	var buf []byte
	if err := chromedp.Run(ctx, chromedp.FullScreenshot(&buf, 100)); err != nil {
		t.Logf("screenshot %s: %v", name, err)
		return
	}
	_ = os.WriteFile(filepath.Join(dir, name+".png"), buf, 0o644)
}

func TestBrowserSignInWithEmailLink(t *testing.T) {
	t.Parallel()
	p := start(t)
	ctx := newBrowser(t)

	var toast string
	err := chromedp.Run(ctx,
		chromedp.Navigate(p.base+"/p/northwind/signin"),
		chromedp.WaitVisible(`#email`, chromedp.ByID),
		chromedp.SendKeys(`#email`, sam, chromedp.ByID),
		chromedp.Click(`#send-link`, chromedp.ByID),
		chromedp.WaitVisible(`#code`, chromedp.ByID), // htmx swapped in "Check your inbox"
		chromedp.WaitVisible(`#toasts .toast`, chromedp.ByQuery),
		chromedp.Text(`#toasts`, &toast, chromedp.ByID),
	)
	if err != nil {
		t.Fatalf("request link in the browser: %v", err)
	}
	if !strings.Contains(toast, "on its way") {
		t.Errorf("toast = %q", toast)
	}
	screenshot(t, ctx, "02-check-inbox")

	link := linkIn(t, p.inbox.waitFor(t, sam, 1))
	var heading, user string
	err = chromedp.Run(ctx,
		chromedp.Navigate(link),
		chromedp.WaitVisible(`//button[normalize-space()="Sign in"]`, chromedp.BySearch),
	)
	if err != nil {
		t.Fatalf("open link: %v", err)
	}
	screenshot(t, ctx, "03-link-landing")
	err = chromedp.Run(ctx,
		chromedp.Click(`//button[normalize-space()="Sign in"]`, chromedp.BySearch),
		chromedp.WaitVisible(`.hero h1`, chromedp.ByQuery),
		chromedp.Text(`.hero`, &heading, chromedp.ByQuery),
		chromedp.Text(`.usermenu-name`, &user, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatalf("sign in: %v", err)
	}
	if !strings.Contains(strings.ToLower(heading), "hi sam") || user != "Sam Learner" {
		t.Fatalf("courses page: heading %q, user %q", heading, user)
	}
	screenshot(t, ctx, "04-courses")

	// Log Out, from the menu at the top right.
	var url string
	err = chromedp.Run(ctx,
		chromedp.Click(`.usermenu summary`, chromedp.ByQuery),
		chromedp.Click(`//button[normalize-space()="Log Out"]`, chromedp.BySearch),
		chromedp.WaitVisible(`#email`, chromedp.ByID),
		chromedp.Location(&url),
	)
	if err != nil {
		t.Fatalf("log out: %v", err)
	}
	if !strings.HasSuffix(url, "/signin") {
		t.Fatalf("after logout at %s", url)
	}
	// And the courses page is closed again.
	err = chromedp.Run(ctx, chromedp.Navigate(p.base+"/courses"), chromedp.WaitVisible(`#email`, chromedp.ByID))
	if err != nil {
		t.Fatalf("courses after logout: %v", err)
	}
}
