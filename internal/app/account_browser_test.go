package app_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/accessibility"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// accessibleName is the accessible name chromium computes for the first
// element sel matches.
func accessibleName(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	var nodes []*cdp.Node
	if err := chromedp.Run(ctx, chromedp.Nodes(sel, &nodes, chromedp.ByQuery)); err != nil {
		t.Fatalf("find %s: %v", sel, err)
	}
	var ax []*accessibility.Node
	if err := chromedp.Run(ctx, chromedp.ActionFunc(func(ctx context.Context) error {
		var err error
		ax, err = accessibility.GetPartialAXTree().WithNodeID(nodes[0].NodeID).WithFetchRelatives(false).Do(ctx)
		return err
	})); err != nil {
		t.Fatalf("accessibility tree of %s: %v", sel, err)
	}
	if len(ax) == 0 || ax[0].Name == nil {
		t.Fatalf("%s has no accessible name", sel)
	}
	var name string
	if err := json.Unmarshal(ax[0].Name.Value, &name); err != nil {
		t.Fatal(err)
	}
	return name
}

// TestBrowserSignedInDevices: Sam is signed in on two browsers (contexts
// of their own: two devices); from the first, the account menu (whose
// accessible name contains its visible text) leads to Signed-in devices,
// where Sam signs the other out; the other's next request is signed out,
// onto Northwind's sign-in page.
func TestBrowserSignedInDevices(t *testing.T) {
	t.Parallel()
	p := start(t)
	laptop := newBrowser(t)
	pc := newBrowser(t)
	if err := chromedp.Run(pc, emulation.SetUserAgentOverride(chromeWindows)); err != nil {
		t.Fatal(err)
	}
	signInBrowser(t, p, laptop, sam)
	signInBrowser(t, p, pc, sam)

	// WCAG 2.5.3: the menu's name says what it shows.
	visible := strings.TrimSpace(text(t, laptop, ".usermenu-name"))
	if name := accessibleName(t, laptop, ".usermenu summary"); visible == "" || !strings.Contains(name, visible) {
		t.Fatalf("account menu: accessible name %q does not contain its visible text %q", name, visible)
	}

	if err := chromedp.Run(laptop,
		chromedp.Click(`.usermenu summary`, chromedp.ByQuery),
		chromedp.Click(`//a[normalize-space()="Signed-in devices"]`, chromedp.BySearch),
		chromedp.WaitVisible(`.devicelist`, chromedp.ByQuery),
	); err != nil && !strings.Contains(err.Error(), "-32000") {
		t.Fatalf("open Signed-in devices: %v", err)
	}
	waitPath(t, laptop, "/account/devices")
	screenshot(t, laptop, "95-devices")
	if got := text(t, laptop, ".device-this"); !strings.Contains(got, "This device") || !strings.Contains(got, "Chrome on Linux") {
		t.Fatalf("this device: %q", got)
	}
	if err := chromedp.Run(laptop,
		chromedp.Click(`//li[contains(., "Chrome on Windows")]//button[normalize-space()="Sign out"]`, chromedp.BySearch),
		chromedp.WaitVisible(`#toasts .toast`, chromedp.ByQuery),
	); err != nil && !strings.Contains(err.Error(), "-32000") {
		t.Fatalf("sign the PC out: %v", err)
	}
	if got := toastText(t, laptop); !strings.Contains(got, "Signed out 1 other device.") {
		t.Fatalf("toast %q", got)
	}
	var rows int
	if err := chromedp.Run(laptop, chromedp.Evaluate(`document.querySelectorAll(".devicelist .device").length`, &rows)); err != nil || rows != 1 {
		t.Fatalf("%d devices left (%v)", rows, err)
	}

	// The PC's next request: signed out, on the partner's sign-in page.
	if err := chromedp.Run(pc, chromedp.Navigate(p.base+"/courses"), chromedp.WaitVisible(`#email`, chromedp.ByID)); err != nil {
		t.Fatalf("the PC after being signed out: %v", err)
	}
	waitPath(t, pc, "/p/northwind/signin")
	if got := text(t, pc, ".brand-name"); got != "Northwind IT" {
		t.Fatalf("signed-out page brand %q", got)
	}
}
