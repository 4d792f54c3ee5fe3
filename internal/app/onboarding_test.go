package app_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/awareportal/portal/internal/seed"
)

var (
	stepRe   = regexp.MustCompile(`Step (\d+) of (\d+)`)
	moduleRe = regexp.MustCompile(`name="module" value="([^"]+)"`)
)

// card fetches an onboarding card and returns what its form posts back:
// the CSRF token and the module the card shows.
func card(t *testing.T, b *browser, path string) (token, module string, page response) {
	t.Helper()
	page = b.get(path)
	c, m := csrfRe.FindStringSubmatch(page.body), moduleRe.FindStringSubmatch(page.body)
	if page.status != 200 || c == nil || m == nil {
		t.Fatalf("%s: %d, no form", path, page.status)
	}
	return c[1], m[1], page
}

// finishOnboarding walks a signed-in learner through every onboarding step
// over plain HTTP (acknowledging policies, letting videos' length pass on
// the fake clock) and returns how many steps it took.
func finishOnboarding(t *testing.T, p *portal, b *browser) int {
	t.Helper()
	r := b.get("/onboarding")
	steps := 0
	for r.status == 303 && strings.HasPrefix(r.header.Get("Location"), "/onboarding/") {
		at := r.header.Get("Location")
		token, module, page := card(t, b, at)
		if !stepRe.MatchString(page.body) {
			t.Fatalf("%s: no step", at)
		}
		if strings.Contains(page.body, "<video") {
			p.clock.Advance(10 * time.Second) // the demo video is 6 s
		}
		r = b.post(at, url.Values{"acknowledged": {"yes"}, "module": {module}}, token)
		if steps++; steps > 25 {
			t.Fatal("onboarding never ends")
		}
	}
	if r.status != 303 || r.header.Get("Location") != "/courses" {
		t.Fatalf("after onboarding: %d → %s", r.status, r.header.Get("Location"))
	}
	return steps
}

// apiRaw sends body as it is (an upload) and decodes the JSON answer.
func (p *portal) apiRaw(t *testing.T, token, method, path string, body []byte) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, p.base+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/octet-stream")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	var out map[string]any
	_ = json.Unmarshal(data, &out)
	return res.StatusCode, out
}

func asset(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("../seed/assets/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestOnboardingAPIRefusesBadInputAndWritesNothing: every refusal names
// its field and leaves the event log and the media store as they were.
func TestOnboardingAPIRefusesBadInputAndWritesNothing(t *testing.T) {
	t.Parallel()
	p := start(t)
	tok := p.token(t, "northwind")
	other := p.token(t, "bluepeak")
	pdf := asset(t, "acceptable-use-policy.pdf")
	// BluePeak uploads a PDF and defines a module of its own.
	code, up := p.apiRaw(t, other, "POST", "/api/v1/onboarding/media?filename=bp.pdf", append(pdf, []byte("\n% bluepeak\n%%EOF\n")...))
	if code != 201 {
		t.Fatalf("bluepeak upload: %d %v", code, up)
	}
	bpSHA := up["sha256"].(string)
	if code, out := p.api(t, other, "POST", "/api/v1/onboarding/modules", `{"id":"bp-policy","kind":"policy_pdf","media":"`+bpSHA+`"}`); code != 201 {
		t.Fatalf("bluepeak module: %d %v", code, out)
	}

	// (Background work may append its own events: the demo new hire's
	// welcome email is queued by the sweep.)
	events, blobs := countRows(t, p, "events WHERE type LIKE 'onboarding.%' AND type <> 'onboarding.welcome_mail_queued.v1'"), countRows(t, p, "media_blobs")
	big := make([]byte, 21<<20)
	copy(big, pdf)
	for _, tc := range []struct {
		name, method, path, body string
		raw                      []byte
		status                   int
		field                    string
	}{
		{"unknown kind", "POST", "/api/v1/onboarding/modules", `{"id":"x","kind":"quiz"}`, nil, 422, "kind"},
		{"bad module id", "POST", "/api/v1/onboarding/modules", `{"id":"Not OK","kind":"welcome"}`, nil, 422, "id"},
		{"video without an upload", "POST", "/api/v1/onboarding/modules", `{"id":"v","kind":"video"}`, nil, 422, "media"},
		{"another partner's upload", "POST", "/api/v1/onboarding/modules", `{"id":"p","kind":"policy_pdf","media":"` + bpSHA + `"}`, nil, 422, "media"},
		{"empty sequence", "PUT", "/api/v1/onboarding/default", `{"modules":[]}`, nil, 422, "modules"},
		{"another partner's module in a sequence", "PUT", "/api/v1/onboarding/default", `{"modules":["welcome","bp-policy"]}`, nil, 422, "modules"},
		{"another partner's module in a client sequence", "PUT", "/api/v1/clients/acme/onboarding", `{"modules":["bp-policy"]}`, nil, 422, "modules"},
		{"a bad help desk", "PUT", "/api/v1/clients/acme/onboarding", `{"help_desk":"javascript:alert(1)"}`, nil, 422, "help_desk"},
		{"another partner's client", "PUT", "/api/v1/clients/globex/onboarding", `{"inherit":true}`, nil, 404, ""},
		{"removing another partner's module", "DELETE", "/api/v1/onboarding/modules/bp-policy", "", nil, 404, ""},
		{"a PDF that is not a PDF", "POST", "/api/v1/onboarding/media?filename=policy.pdf", "", []byte("<html><script>alert(1)</script></html>"), 422, "file"},
		{"a truncated PDF", "POST", "/api/v1/onboarding/media", "", pdf[:len(pdf)/2], 422, "file"},
		{"a PDF over 20 MB", "POST", "/api/v1/onboarding/media", "", big, 422, "file"},
		{"a video with no length", "POST", "/api/v1/onboarding/media", "", []byte("\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2mp41"), 422, "file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var code int
			var out map[string]any
			if tc.raw != nil {
				code, out = p.apiRaw(t, tok, tc.method, tc.path, tc.raw)
			} else {
				code, out = p.api(t, tok, tc.method, tc.path, tc.body)
			}
			if code != tc.status {
				t.Fatalf("%d %v, want %d", code, out, tc.status)
			}
			if tc.field != "" {
				if fields, _ := out["fields"].(map[string]any); fields[tc.field] == nil {
					t.Fatalf("no problem named for %q: %v", tc.field, out)
				}
			}
		})
	}
	if n := countRows(t, p, "events WHERE type LIKE 'onboarding.%' AND type <> 'onboarding.welcome_mail_queued.v1'"); n != events {
		t.Errorf("%d events written by refused requests", n-events)
	}
	if n := countRows(t, p, "media_blobs"); n != blobs {
		t.Errorf("%d media rows left by refused uploads", n-blobs)
	}
	if n := countRows(t, p, "media_chunks WHERE sha256 LIKE 'upload-%'"); n != 0 {
		t.Errorf("%d chunks of refused uploads left", n)
	}
}

// TestOnboardingAPIConfigures: a partner uploads, defines, orders; a client
// gets its own sequence and walkthrough details, then inherits again.
func TestOnboardingAPIConfigures(t *testing.T) {
	t.Parallel()
	p := start(t)
	tok := p.token(t, "northwind")
	code, up := p.apiRaw(t, tok, "POST", "/api/v1/onboarding/media?filename=intro.webm", asset(t, "stop-look-report.webm"))
	if code != 201 || up["content_type"] != "video/webm" || up["duration_seconds"].(float64) < 5 {
		t.Fatalf("upload: %d %v", code, up)
	}
	// The demo already uploaded this exact file: stored once.
	if n := countRows(t, p, "media_blobs"); n != 4 {
		t.Errorf("%d blobs, want the demo's 4 (2 onboarding, 2 policy documents; same content is stored once)", n)
	}
	if code, out := p.api(t, tok, "POST", "/api/v1/onboarding/modules", `{"id":"intro","kind":"video","title":"Meet the team","media":"`+up["sha256"].(string)+`"}`); code != 201 || out["title"] != "Meet the team" {
		t.Fatalf("module: %d %v", code, out)
	}
	if code, out := p.api(t, tok, "POST", "/api/v1/onboarding/modules", `{"id":"ticket","kind":"submit_ticket"}`); code != 201 || out["title"] != "How to ask IT for help" {
		t.Fatalf("module: %d %v", code, out)
	}
	code, out := p.api(t, tok, "PUT", "/api/v1/clients/acme/onboarding", `{"modules":["welcome","ticket"],"report_button":"Report Message","help_desk":"https://help.acme.example/new"}`)
	if code != 200 || out["inherit"] != false || len(out["modules"].([]any)) != 2 || out["help_desk"] != "https://help.acme.example/new" {
		t.Fatalf("client: %d %v", code, out)
	}
	code, out = p.api(t, tok, "PUT", "/api/v1/clients/acme/onboarding", `{"inherit":true}`)
	if code != 200 || out["inherit"] != true || len(out["modules"].([]any)) != 4 || out["help_desk"] != "https://help.acme.example/new" {
		t.Fatalf("inherit again: %d %v", code, out)
	}
	code, out = p.api(t, tok, "GET", "/api/v1/onboarding", "")
	if code != 200 || len(out["modules"].([]any)) != 6 || len(out["default"].([]any)) != 4 {
		t.Fatalf("onboarding: %d %v", code, out)
	}
	if code, _ := p.api(t, tok, "DELETE", "/api/v1/onboarding/modules/ticket", ""); code != 204 {
		t.Fatalf("remove: %d", code)
	}
	if code, _ := p.api(t, tok, "DELETE", "/api/v1/onboarding/modules/ticket", ""); code != 404 {
		t.Fatalf("remove twice: %d", code)
	}
}

// TestWelcomeEmailOnceAndGate: a learner created through the API gets one
// welcome email (at a real SMTP server on loopback) even when the request is
// repeated, its link leads into onboarding, and every learner page waits
// for onboarding; a client with its portal off sends none.
func TestWelcomeEmailOnceAndGate(t *testing.T) {
	t.Parallel()
	p := start(t)
	tok := p.token(t, "northwind")
	body := `{"id":"new-dev","email":"dev@acme.example","first_name":"Dana"}`
	if code, out := p.api(t, tok, "POST", "/api/v1/clients/acme/users", body); code != 201 {
		t.Fatalf("provision: %d %v", code, out)
	}
	if code, _ := p.api(t, tok, "POST", "/api/v1/clients/acme/users", body); code != 409 && code != 422 {
		t.Fatalf("again: %d", code)
	}
	m := p.inbox.waitFor(t, "dev@acme.example", 1)
	if m.Subject != "Welcome to Northwind IT security training" || !strings.Contains(m.HTML, "Start here") {
		t.Fatalf("welcome email: %q", m.Subject)
	}
	if code, _ := p.api(t, tok, "POST", "/api/v1/clients/initech/users", `{"email":"off@initech.example","first_name":"Off"}`); code != 201 {
		t.Fatalf("provision at initech: %d", code)
	}
	// Neither the periodic sweep nor another try sends it again.
	if _, err := p.app.Welcome.Sweep(t.Context()); err != nil {
		t.Fatal(err)
	}
	if queued, err := p.app.Welcome.Welcome(t.Context(), "northwind.new-dev"); err != nil || queued {
		t.Fatalf("welcome again: queued %v (%v)", queued, err)
	}
	p.mailSettled(t) // any second or stray mail would have been sent
	if n := p.inbox.count("dev@acme.example"); n != 1 {
		t.Fatalf("%d welcome emails, want 1", n)
	}
	if n := p.inbox.count("off@initech.example"); n != 0 {
		t.Fatalf("portal off: %d emails", n)
	}

	b := p.browser(t)
	link := linkIn(t, m)
	landing := b.get(link)
	u, _ := url.Parse(link)
	if r := b.post(u.Path, url.Values{"t": {u.Query().Get("t")}}, csrfRe.FindStringSubmatch(landing.body)[1]); r.status != 303 {
		t.Fatalf("welcome link: %d", r.status)
	}
	for _, page := range []string{"/", "/courses", "/courses/completed", "/stats", "/leaderboard", "/activity"} {
		r := b.get(page)
		if page == "/" { // home sends a learner to their courses first
			r = b.get(r.header.Get("Location"))
		}
		if r.status != 303 || r.header.Get("Location") != "/onboarding" {
			t.Errorf("GET %s: %d → %s", page, r.status, r.header.Get("Location"))
		}
		hx := b.do("GET", page, nil, map[string]string{"HX-Request": "true"})
		if page != "/" && (hx.status != 204 || hx.header.Get("HX-Redirect") != "/onboarding") {
			t.Errorf("htmx GET %s: %d HX-Redirect %q", page, hx.status, hx.header.Get("HX-Redirect"))
		}
	}
	// Staff pages, sign-out and certificate verification are not gated:
	// they answer as they would anyway.
	if r := b.get("/verify/nope"); r.status != 404 {
		t.Errorf("verify: %d", r.status)
	}
	// Forged: no skipping ahead, no acknowledging by GET.
	if r := b.get("/onboarding/3"); r.status != 303 || r.header.Get("Location") != "/onboarding/1" {
		t.Errorf("jump ahead: %d → %s", r.status, r.header.Get("Location"))
	}
	token, welcomeID, _ := card(t, b, "/onboarding/1")
	if r := b.post("/onboarding/4", url.Values{"acknowledged": {"yes"}, "module": {"acceptable-use"}}, token); r.status != 303 || r.header.Get("Location") != "/onboarding/1" {
		t.Errorf("complete ahead: %d → %s", r.status, r.header.Get("Location"))
	}
	// A card that is not what the step shows (moved or removed since) counts for nothing.
	if r := b.post("/onboarding/1", url.Values{"module": {"report-phishing"}}, token); r.status != 303 || r.header.Get("Location") != "/onboarding/1" {
		t.Errorf("another card's module: %d → %s", r.status, r.header.Get("Location"))
	}
	if r := b.get("/onboarding/99"); r.status != 404 {
		t.Errorf("no such step: %d", r.status)
	}
	// The video counts only once its length has passed.
	b.post("/onboarding/1", url.Values{"module": {welcomeID}}, token)
	b.post("/onboarding/2", url.Values{"module": {"report-phishing"}}, token)
	if _, module, page := card(t, b, "/onboarding/3"); !strings.Contains(page.body, "<video") || module != "stop-look-report" {
		t.Fatalf("step 3 is not the video")
	}
	video := url.Values{"module": {"stop-look-report"}}
	if r := b.post("/onboarding/3", video, token); r.status != 422 || !strings.Contains(r.body, "watch the video to the end") {
		t.Fatalf("video skipped: %d", r.status)
	}
	if r := b.do("POST", "/onboarding/3", url.Values{"module": {"stop-look-report"}, "_csrf": {token}}, map[string]string{"HX-Request": "true"}); r.status != 422 ||
		!strings.Contains(r.header.Get("HX-Trigger"), "watch the video") {
		t.Fatalf("video skipped (htmx): %d, HX-Trigger %q", r.status, r.header.Get("HX-Trigger"))
	}
	p.clock.Advance(7 * time.Second)
	if r := b.post("/onboarding/3", video, token); r.status != 303 || r.header.Get("Location") != "/onboarding/4" {
		t.Fatalf("video watched: %d → %s", r.status, r.header.Get("Location"))
	}
	for _, ack := range []string{"", "0", "no"} {
		if r := b.post("/onboarding/4", url.Values{"module": {"acceptable-use"}, "acknowledged": {ack}}, token); r.status != 422 || !strings.Contains(r.body, "I have read this") {
			t.Fatalf("policy with acknowledged=%q: %d", ack, r.status)
		}
	}
	pdf := b.get("/onboarding/media/acceptable-use")
	if pdf.status != 200 || pdf.header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(pdf.body, "%PDF-") {
		t.Fatalf("policy PDF: %d %s", pdf.status, pdf.header.Get("Content-Type"))
	}
	rng := b.do("GET", "/onboarding/media/stop-look-report", nil, map[string]string{"Range": "bytes=100-199"})
	if rng.status != 206 || len(rng.body) != 100 || !strings.HasPrefix(rng.header.Get("Content-Range"), "bytes 100-199/") {
		t.Fatalf("video range: %d, %d bytes, %s", rng.status, len(rng.body), rng.header.Get("Content-Range"))
	}
	if r := b.get("/onboarding/media/bp-policy"); r.status != 404 {
		t.Fatalf("a module not in the sequence: %d", r.status)
	}
	if r := b.post("/onboarding/4", url.Values{"acknowledged": {"yes"}, "module": {"acceptable-use"}}, token); r.status != 303 || r.header.Get("Location") != "/courses" {
		t.Fatalf("last step: %d → %s", r.status, r.header.Get("Location"))
	}
	if r := b.get("/courses"); r.status != 200 {
		t.Fatalf("courses after onboarding: %d", r.status)
	}
	if r := b.get("/onboarding"); r.status != 303 || r.header.Get("Location") != "/courses" {
		t.Fatalf("onboarding again: %d → %s", r.status, r.header.Get("Location"))
	}
}

// TestAddedModuleIsTheOnlyOnePushed: Sam went through the demo sequence;
// a module added later is the only one Sam is sent through.
func TestAddedModuleIsTheOnlyOnePushed(t *testing.T) {
	t.Parallel()
	p := start(t)
	tok := p.token(t, "northwind")
	b := p.browser(t)
	signIn(t, p, b, sam)
	if r := b.get("/courses"); r.status != 200 {
		t.Fatalf("Sam is gated: %d", r.status)
	}
	if code, out := p.api(t, tok, "POST", "/api/v1/onboarding/modules", `{"id":"ticket","kind":"submit_ticket"}`); code != 201 {
		t.Fatalf("module: %d %v", code, out)
	}
	if code, out := p.api(t, tok, "PUT", "/api/v1/onboarding/default", `{"modules":["welcome","report-phishing","ticket","stop-look-report","acceptable-use"]}`); code != 200 {
		t.Fatalf("default: %d %v", code, out)
	}
	if r := b.get("/courses"); r.status != 303 || r.header.Get("Location") != "/onboarding" {
		t.Fatalf("not pushed: %d → %s", r.status, r.header.Get("Location"))
	}
	r := b.get("/onboarding")
	if r.header.Get("Location") != "/onboarding/3" {
		t.Fatalf("pushed to %s, want the new module (step 3)", r.header.Get("Location"))
	}
	card := b.get("/onboarding/3")
	if !strings.Contains(card.body, "How to ask IT for help") || !strings.Contains(card.body, "help@northwind-it.example") {
		t.Fatalf("the new module's card is not right")
	}
	if n := finishOnboarding(t, p, b); n != 1 {
		t.Fatalf("%d steps, want only the new one", n)
	}
	// Removing or reordering resets nobody.
	if code, _ := p.api(t, tok, "PUT", "/api/v1/onboarding/default", `{"modules":["acceptable-use","welcome","ticket"]}`); code != 200 {
		t.Fatal("reorder")
	}
	if r := b.get("/courses"); r.status != 200 {
		t.Fatalf("reordering gated Sam again: %d", r.status)
	}
}

// countRows counts the rows of a table (and condition) in the portal's database.
func countRows(t *testing.T, p *portal, from string) int {
	t.Helper()
	var n int
	if err := p.db.Pool.QueryRow(t.Context(), `SELECT count(*) FROM `+from).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestOnboardingInTimelineAndAsOf: support sees a learner's onboarding in
// plain words, and the as-of replay shows which steps were done by then.
func TestOnboardingInTimelineAndAsOf(t *testing.T) {
	t.Parallel()
	p := start(t)
	support := p.browser(t)
	signIn(t, p, support, seed.SupportEmail)
	tl := support.get("/staff/users/acme-sam")
	for _, want := range []string{"Finished onboarding step: Welcome to your security training", "Finished onboarding step: Acceptable use of email and accounts", "I have read this"} {
		if !strings.Contains(tl.body, want) && !strings.Contains(tl.body, strings.ReplaceAll(want, `"`, "&#34;")) {
			t.Errorf("Sam's timeline lacks %q", want)
		}
	}
	// A new learner's welcome email is in their timeline, delivered.
	if code, out := p.api(t, p.token(t, "northwind"), "POST", "/api/v1/clients/acme/users", `{"id":"tl-new","email":"tl.new@acme.example","first_name":"Tia"}`); code != 201 {
		t.Fatalf("provision: %d %v", code, out)
	}
	p.inbox.waitFor(t, "tl.new@acme.example", 1)
	for i := 0; ; i++ {
		body := support.get("/staff/users/northwind.tl-new").body
		if strings.Contains(body, "Welcome to Northwind IT security training&#34; handed to the mail server") {
			break
		}
		if i == 50 {
			t.Fatalf("the new learner's timeline lacks the delivered welcome email:\n%s", body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	// Sam went through onboarding 60 days before the demo's "now".
	before := p.clock.Now().Add(-61 * 24 * time.Hour).UTC().Format("2006-01-02T15:04")
	after := p.clock.Now().Add(-59 * 24 * time.Hour).UTC().Format("2006-01-02T15:04")
	if r := support.get("/staff/asof?learner=acme-sam&at=" + before); !strings.Contains(r.body, "No onboarding step done by then") {
		t.Errorf("as of %s: onboarding already done", before)
	}
	if r := support.get("/staff/asof?learner=acme-sam&at=" + after); !strings.Contains(r.body, "Onboarding steps done by then: Welcome to your security training") ||
		!strings.Contains(r.body, "(read and acknowledged)") {
		t.Errorf("as of %s: onboarding not shown", after)
	}
}

// TestUploadsThatMustNotStore: an upload cut off before its declared
// length stores nothing, the same file uploaded in parallel is stored
// once, and an upload without a token is refused before its body is read.
func TestUploadsThatMustNotStore(t *testing.T) {
	t.Parallel()
	p := start(t)
	tok := p.token(t, "northwind")
	blobs := countRows(t, p, "media_blobs")
	video := asset(t, "stop-look-report.webm")

	// Cut off: 10,000 bytes more are promised than sent, then the client goes.
	conn, err := net.Dial("tcp", strings.TrimPrefix(p.base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "POST /api/v1/onboarding/media HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: video/webm\r\nContent-Length: %d\r\n\r\n", tok, len(video)+10000)
	_, _ = conn.Write(video)
	_ = conn.(*net.TCPConn).CloseWrite()
	answer, _ := io.ReadAll(conn)
	conn.Close()
	if !strings.Contains(string(answer), " 422 ") || !strings.Contains(string(answer), "cut off") {
		t.Errorf("cut-off upload answered:\n%.300s", answer)
	}

	// No token, a form content type and a 100 MB body of which only 16 KB
	// is sent: the 401 comes without waiting for the rest (nothing is
	// read as a form, or at all, before the token is checked).
	conn, err = net.Dial("tcp", strings.TrimPrefix(p.base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "POST /api/v1/onboarding/media HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n", 100<<20)
	_, _ = conn.Write(bytes.Repeat([]byte("a=b&"), 4096)) // 16 KB: the server reads ahead 8 KB
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	status := make([]byte, 12)
	if _, err := io.ReadFull(conn, status); err != nil || string(status) != "HTTP/1.1 401" {
		t.Errorf("upload without a token: %q %v", status, err)
	}
	conn.Close()

	// The same file, four at once (the most one process takes): one copy.
	var wg sync.WaitGroup
	codes := make([]int, 4)
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i], _ = p.apiRaw(t, tok, "POST", "/api/v1/onboarding/media?filename=same.pdf", append(asset(t, "acceptable-use-policy.pdf"), []byte("\n% same\n%%EOF\n")...))
		}()
	}
	wg.Wait()
	for _, c := range codes {
		if c != 201 && c != 429 {
			t.Errorf("parallel same uploads answered %v", codes)
			break
		}
	}
	if n := countRows(t, p, "media_blobs"); n != blobs+1 {
		t.Errorf("%d new blobs, want 1 (the cut-off one none, the same file once)", n-blobs)
	}
	if n := countRows(t, p, "media_chunks WHERE sha256 LIKE 'upload-%'"); n != 0 {
		t.Errorf("%d chunks of unfinished uploads left", n)
	}
}

// TestParallelCreationWithoutIDMakesOneLearner: ten requests creating the
// same person at once (no id of the partner's) make one learner and send
// one welcome email.
func TestParallelCreationWithoutIDMakesOneLearner(t *testing.T) {
	t.Parallel()
	p := start(t)
	tok := p.token(t, "northwind")
	var wg sync.WaitGroup
	codes := make([]int, 10)
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i], _ = p.api(t, tok, "POST", "/api/v1/clients/acme/users", `{"email":"par1@acme.example","first_name":"Par"}`)
		}()
	}
	wg.Wait()
	created := 0
	for _, c := range codes {
		if c == 201 {
			created++
		} else if c != 409 && c != 422 {
			t.Errorf("answered %d", c)
		}
	}
	if created != 1 {
		t.Fatalf("%d created (%v), want 1", created, codes)
	}
	p.inbox.waitFor(t, "par1@acme.example", 1)
	p.mailSettled(t)
	if n := p.inbox.count("par1@acme.example"); n != 1 {
		t.Fatalf("%d welcome emails", n)
	}
}
