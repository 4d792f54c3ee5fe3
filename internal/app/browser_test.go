package app_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/cdproto/target"
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

// sharedBrowser is the one headless chromium the package's browser tests
// share; each test gets its own browser context in it (its own cookies,
// storage and cache, like an incognito window), so tests see no trace of
// each other, without paying a chromium start each.
var sharedBrowser struct {
	mu     sync.Mutex
	ctx    context.Context // the browser's first tab, kept open
	cancel func()
	err    error
}

func browserFor(t *testing.T) context.Context {
	t.Helper()
	exec := chromium(t)
	sharedBrowser.mu.Lock()
	defer sharedBrowser.mu.Unlock()
	if sharedBrowser.ctx == nil && sharedBrowser.err == nil {
		opts := append(chromedp.DefaultExecAllocatorOptions[:],
			chromedp.ExecPath(exec),
			chromedp.NoSandbox, // CI runs as root
			chromedp.Flag("disable-quic", true),
			chromedp.Flag("disable-component-update", true),
			chromedp.WindowSize(1280, 900),
		)
		if os.Getenv("PORTAL_SCREENSHOT_PHONE") != "" {
			opts = append(opts, chromedp.WindowSize(390, 844)) // look at the phone layout
		}
		actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
		bctx, cancelBrowser := chromedp.NewContext(actx)
		sharedBrowser.cancel = func() { cancelBrowser(); cancelAlloc() }
		if err := chromedp.Run(bctx); err != nil { // start it
			sharedBrowser.cancel()
			sharedBrowser.err = err
		} else {
			sharedBrowser.ctx = bctx
		}
	}
	if sharedBrowser.err != nil {
		t.Fatalf("start chromium: %v", sharedBrowser.err)
	}
	return sharedBrowser.ctx
}

// browserSlots bounds how many browser tests run at once: chromium's
// rendering is what the 2-core machines run out of, and a test that waits
// its turn does not spend its 60 s deadline queueing for the CPU.
var browserSlots = make(chan struct{}, 2)

// closeBrowser stops the shared chromium (TestMain, after the tests).
func closeBrowser() {
	sharedBrowser.mu.Lock()
	defer sharedBrowser.mu.Unlock()
	if sharedBrowser.cancel != nil {
		sharedBrowser.cancel()
	}
}

// newBrowser opens a tab for one test in a fresh browser context of the
// shared chromium, with a minute for the test's browsing.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	return newBrowserFor(t, 60*time.Second)
}

// newBrowserFor is newBrowser with a longer deadline, for tests that walk
// many pages in one browser context.
func newBrowserFor(t *testing.T, deadline time.Duration) context.Context {
	t.Helper()
	browserSlots <- struct{}{}
	t.Cleanup(func() { <-browserSlots })
	shared := browserFor(t)
	// A browser context of its own, its first tab in a window of its own
	// (chromium's headless mode opens no tab in a context without one).
	browserExec := cdp.WithExecutor(shared, chromedp.FromContext(shared).Browser)
	bcID, err := target.CreateBrowserContext().Do(browserExec)
	if err != nil {
		t.Fatalf("new browser context: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = target.DisposeBrowserContext(bcID).Do(cdp.WithExecutor(ctx, chromedp.FromContext(shared).Browser))
	})
	tabID, err := target.CreateTarget("about:blank").WithBrowserContextID(bcID).WithNewWindow(true).Do(browserExec)
	if err != nil {
		t.Fatalf("new tab: %v", err)
	}
	tab, cancel2 := chromedp.NewContext(shared, chromedp.WithTargetID(tabID))
	t.Cleanup(cancel2)
	// Tabs of parallel tests share one chromium: each behaves as the
	// focused window a person uses (focus and blur events, :focus styles),
	// whichever tab the browser would call active.
	if err := chromedp.Run(tab, emulation.SetFocusEmulationEnabled(true)); err != nil {
		t.Fatalf("open a tab: %v", err)
	}
	ctx, cancel3 := context.WithTimeout(tab, deadline)
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
		// Read the toast as it appears: it is gone 5 s later, which a
		// loaded machine can take between two separate steps.
		chromedp.Poll(`(document.querySelector('#toasts .toast') || {}).textContent`, &toast),
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
