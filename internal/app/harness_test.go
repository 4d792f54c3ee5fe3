package app_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/awareportal/portal/internal/app"
	"github.com/awareportal/portal/internal/clock"
	"github.com/awareportal/portal/internal/config"
	"github.com/awareportal/portal/internal/devidp"
	"github.com/awareportal/portal/internal/eventstore"
	"github.com/awareportal/portal/internal/mail"
	"github.com/awareportal/portal/internal/testenv"
)

// The tests run in parallel (each on its own database, SMTP server, identity
// provider and listener): they mostly wait on PostgreSQL, mail and chromium.
// Those that rebuild read models do not: see TestEveryReadModelRebuildIsIdentical.
func TestMain(m *testing.M) { testenv.Main(m, testenv.Parallel(4), testenv.After(closeBrowser)) }

// inbox is the test's SMTP server's mailbox.
type inbox struct {
	mu   sync.Mutex
	msgs []mail.Parsed
	cond chan struct{}
}

func (i *inbox) Deliver(_ context.Context, env mail.Envelope) error {
	p, err := mail.Parse(env.Raw)
	if err != nil {
		return err
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	i.msgs = append(i.msgs, p)
	close(i.cond)
	i.cond = make(chan struct{})
	return nil
}

// waitFor returns the n-th (1-based) message to addr, waiting for delivery.
func (i *inbox) waitFor(t testing.TB, addr string, n int) mail.Parsed {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		i.mu.Lock()
		seen := 0
		for _, m := range i.msgs {
			if strings.Contains(m.To, addr) {
				seen++
				if seen == n {
					i.mu.Unlock()
					return m
				}
			}
		}
		ch := i.cond
		i.mu.Unlock()
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("no mail #%d to %s arrived", n, addr)
		}
	}
}

// waitSubject returns the first message to addr whose subject starts with
// prefix, waiting for its delivery (other mail, such as a scheduled
// reminder the start's sweep sent, may arrive between).
func (i *inbox) waitSubject(t testing.TB, addr, prefix string) mail.Parsed {
	t.Helper()
	return i.waitSubjectAfter(t, addr, prefix, 0)
}

// waitSignInAfter is the first sign-in email (a link and code, in any
// of the portal's languages: the page that asked chose it) to addr after
// the first skip messages.
func (i *inbox) waitSignInAfter(t testing.TB, addr string, skip int) mail.Parsed {
	t.Helper()
	return i.waitMatchAfter(t, addr, skip, func(m mail.Parsed) bool { return linkRe.MatchString(m.Text) }, "with a sign-in link")
}

// waitSubjectAfter is waitSubject among the messages to addr after the
// first skip of them.
func (i *inbox) waitSubjectAfter(t testing.TB, addr, prefix string, skip int) mail.Parsed {
	t.Helper()
	return i.waitMatchAfter(t, addr, skip, func(m mail.Parsed) bool { return strings.HasPrefix(m.Subject, prefix) }, fmt.Sprintf("%q…", prefix))
}

// waitMatchAfter is the first message to addr, after the first skip of
// them, that match says is the one.
func (i *inbox) waitMatchAfter(t testing.TB, addr string, skip int, match func(mail.Parsed) bool, what string) mail.Parsed {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		i.mu.Lock()
		seen := 0
		for _, m := range i.msgs {
			if !strings.Contains(m.To, addr) {
				continue
			}
			if seen++; seen > skip && match(m) {
				i.mu.Unlock()
				return m
			}
		}
		ch := i.cond
		i.mu.Unlock()
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("no mail %s to %s arrived", what, addr)
		}
	}
}

func (i *inbox) count(addr string) int {
	i.mu.Lock()
	defer i.mu.Unlock()
	n := 0
	for _, m := range i.msgs {
		if strings.Contains(m.To, addr) {
			n++
		}
	}
	return n
}

// portal is a running portal for one test.
type portal struct {
	app   *app.App
	db    *testenv.Database
	base  string
	clock *clock.Fake
	inbox *inbox
	idp   *devidp.Server
}

// testSigningKey is one RSA key for every local identity provider the
// tests start (generating one takes a while).
var signingKey = sync.OnceValues(func() (*rsa.PrivateKey, error) { return rsa.GenerateKey(rand.Reader, 2048) })

func testSigningKey(t testing.TB) *rsa.PrivateKey {
	t.Helper()
	k, err := signingKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// start runs the whole portal: real Postgres, a real SMTP server on
// loopback, a real HTTP listener, and a fake clock.
func start(t testing.TB) *portal {
	t.Helper()
	return startWith(t, nil)
}

// startWith is start with more configuration (PORTAL_* variables).
func startWith(t testing.TB, extra map[string]string) *portal {
	t.Helper()
	var db *testenv.Database
	if extra["PORTAL_EVENTSTORE"] == "" || extra["PORTAL_EVENTSTORE"] == config.EventStorePostgres {
		// The seed and its read models come ready from a template.
		db = testenv.DBFrom(t, testenv.Template(t, "seeded", seededTemplate))
	} else {
		db = testenv.DB(t) // the app seeds the other store itself
	}
	box := &inbox{cond: make(chan struct{})}
	log := testLog()
	smtpSrv, err := mail.StartSMTPServer("127.0.0.1:0", box, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = smtpSrv.Close() })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	base := "http://localhost:" + port
	clk := clock.NewFake(testEpoch)
	// The local identity provider plays Microsoft and Google; the portal is
	// configured for it as it would be for the real ones.
	idp, err := devidp.Start(devidp.Options{Clock: clk, Identities: devidp.Demo(), Log: log, SigningKey: testSigningKey(t),
		Microsoft: devidp.Registration{ClientID: "portal-test", ClientSecret: "ms-secret", RedirectURI: base + "/signin/sso/microsoft/callback"},
		Google:    devidp.Registration{ClientID: "portal-test", ClientSecret: "g-secret", RedirectURI: base + "/signin/sso/google/callback"},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = idp.Close(context.Background()) })
	cfg, err := config.Load(func(k string) string {
		if v, ok := extra[k]; ok {
			return v
		}
		return map[string]string{
			"PORTAL_LISTEN":                  ln.Addr().String(),
			"PORTAL_BASE_URL":                base,
			"DATABASE_URL":                   db.ConnString(),
			"PORTAL_SMTP_URL":                smtpSrv.URL(),
			"PORTAL_SECRET_KEY":              testSecretKey,
			"PORTAL_MICROSOFT_CLIENT_ID":     "portal-test",
			"PORTAL_MICROSOFT_CLIENT_SECRET": "ms-secret",
			"PORTAL_MICROSOFT_ISSUER":        idp.MicrosoftIssuer(),
			"PORTAL_MICROSOFT_DISCOVERY_URL": idp.MicrosoftDiscoveryURL(),
			"PORTAL_GOOGLE_CLIENT_ID":        "portal-test",
			"PORTAL_GOOGLE_CLIENT_SECRET":    "g-secret",
			"PORTAL_GOOGLE_ISSUER":           idp.GoogleIssuer(),
		}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.New(cfg, db.Pool, clk, log)
	if err != nil {
		t.Fatal(err)
	}
	a.Auth.Pad = time.Nanosecond // tests that measure padding set it back
	ctx, cancel := context.WithCancel(context.Background())
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = a.Listen(ctx, ln); close(done) }()
	t.Cleanup(func() {
		cancel()
		<-done
		a.Close()
	})
	p := &portal{app: a, db: db, base: base, clock: clk, inbox: box, idp: idp}
	// The seed's read model must be there before the first request.
	p.waitProjections(t)
	return p
}

// testEpoch is every test portal's (fake) time when it starts.
var testEpoch = time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)

const testSecretKey = "dGVzdC1zZWNyZXQtdGVzdC1zZWNyZXQtdGVzdC1zZWNyZXQtdGVzdA=="

func testLog() *slog.Logger {
	if os.Getenv("PORTAL_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// seededTemplate is what every test portal on PostgreSQL starts from: the
// portal started once on an empty database at testEpoch (it seeds the demo
// tenant and projects it, as it does on a first start) and stopped. The
// mail queue's bookkeeping is cleared, so that a copy is the database a
// first start leaves behind, minus nothing a test sees: each test's
// portal starts on its copy as on a restart (the seed is there, read models
// are caught up) and runs its own queue.
func seededTemplate(ctx context.Context, db *testenv.Database) error {
	log := testLog()
	smtpSrv, err := mail.StartSMTPServer("127.0.0.1:0", &inbox{cond: make(chan struct{})}, log)
	if err != nil {
		return err
	}
	defer smtpSrv.Close()
	cfg, err := config.Load(func(k string) string {
		return map[string]string{
			"PORTAL_LISTEN":     "127.0.0.1:0",
			"PORTAL_BASE_URL":   "http://localhost",
			"DATABASE_URL":      db.ConnString(),
			"PORTAL_SMTP_URL":   smtpSrv.URL(),
			"PORTAL_SECRET_KEY": testSecretKey,
		}[k]
	})
	if err != nil {
		return err
	}
	a, err := app.New(cfg, db.Pool, clock.NewFake(testEpoch), log)
	if err != nil {
		return err
	}
	runCtx, cancel := context.WithCancel(ctx)
	err = a.Start(runCtx)
	// What the first start's sweep does (the demo new hire's welcome email,
	// the demo's scheduled reminders due at the epoch), done here, so that
	// no test's portal does it under the test's feet. Twice: the second
	// round runs after the start's own sweep job has finished (the queue
	// is stopped gracefully), so that job left nothing for a test to see.
	for round := 0; round < 2 && err == nil; round++ {
		if round == 1 {
			err = a.Queue.Stop(runCtx)
		}
		if err == nil {
			err = firstSweep(runCtx, a, db)
		}
	}
	cancel()
	a.Close()
	if err != nil {
		return err
	}
	_, err = db.Pool.Exec(ctx, `DELETE FROM river_job; DELETE FROM river_leader; DELETE FROM river_queue; DELETE FROM river_notification`)
	return err
}

// firstSweep runs the periodic sweep's parts in order, each on read models
// that have caught up with the one before.
func firstSweep(ctx context.Context, a *app.App, db *testenv.Database) error {
	// The sweep reads read models: let them see the seed first.
	if err := caughtUp(ctx, a, db.Pool); err != nil {
		return err
	}
	if _, _, err := a.Training.Sweep(ctx); err != nil {
		return err
	}
	if err := caughtUp(ctx, a, db.Pool); err != nil {
		return err
	}
	if _, err := a.Welcome.Sweep(ctx); err != nil {
		return err
	}
	if err := caughtUp(ctx, a, db.Pool); err != nil {
		return err
	}
	if _, err := a.Reminders.Sweep(ctx); err != nil {
		return err
	}
	return caughtUp(ctx, a, db.Pool)
}

func (p *portal) waitProjections(t testing.TB) {
	t.Helper()
	// Generous: benchmarks project tens of thousands of events here.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := caughtUp(ctx, p.app, p.db.Pool); err != nil {
		t.Fatal(err)
	}
}

// caughtUp waits until a's read models have every event written so far.
func caughtUp(ctx context.Context, a *app.App, pool *pgxpool.Pool) error {
	if a.Cfg.EventStore == config.EventStoreKurrentDB {
		// KurrentDB's $all has no late commits: its last event is the newest.
		last, after := eventstore.Start, eventstore.Start
		for {
			evs, err := a.Store.ReadAll(ctx, after, 1000)
			if err != nil {
				return err
			}
			if len(evs) == 0 {
				break
			}
			after = evs[len(evs)-1].Position
			last = after
		}
		return a.Runner.WaitFor(ctx, last)
	}
	// The newest event written, visible or not yet (an unrelated open
	// transaction can hold the read horizon back for a moment).
	var commit string
	var seq int64
	if err := pool.QueryRow(ctx, `SELECT e.txid::text AS txid_text, e.seq FROM events e ORDER BY e.txid DESC, e.seq DESC LIMIT 1`).Scan(&commit, &seq); err != nil {
		return fmt.Errorf("newest event: %w", err)
	}
	c, _ := strconv.ParseUint(commit, 10, 64)
	return a.Runner.WaitFor(ctx, eventstore.Position{Commit: c, Prepare: uint64(seq)})
}

// browser is a minimal HTTP client that keeps cookies (Go's cookie jar
// won't send Secure cookies over http://localhost) and sends what a
// browser sends.
type browser struct {
	t       testing.TB
	p       *portal
	cookies map[string]string
	client  *http.Client
	ua      string // User-Agent ("portal-test" unless set)
}

func (p *portal) browser(t testing.TB) *browser {
	return &browser{t: t, p: p, cookies: map[string]string{}, client: &http.Client{
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       30 * time.Second,
	}}
}

type response struct {
	status int
	header http.Header
	body   string
}

func (b *browser) do(method, path string, form url.Values, headers map[string]string) response {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	u := path
	if !strings.HasPrefix(path, "http") {
		u = b.p.base + path
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("User-Agent", "portal-test")
	if b.ua != "" {
		req.Header.Set("User-Agent", b.ua)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	for k, v := range b.cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	res, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	for _, c := range res.Cookies() {
		if c.MaxAge < 0 || c.Value == "" {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c.Value
		}
	}
	return response{status: res.StatusCode, header: res.Header, body: string(data)}
}

func (b *browser) get(path string) response { return b.do("GET", path, nil, nil) }

var csrfRe = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// csrf fetches a page and returns its CSRF token.
func (b *browser) csrf(path string) string {
	b.t.Helper()
	r := b.get(path)
	m := csrfRe.FindStringSubmatch(r.body)
	if m == nil {
		b.t.Fatalf("no CSRF token on %s (status %d)", path, r.status)
	}
	return m[1]
}

func (b *browser) post(path string, form url.Values, token string) response {
	form.Set("_csrf", token)
	return b.do("POST", path, form, nil)
}

var linkRe = regexp.MustCompile(`(http://localhost:\d+/signin/link/[0-9a-f-]+\?t=[A-Za-z0-9_-]+)`)
var codeRe = regexp.MustCompile(`code on the sign-in page: ([A-Z0-9]{3}-[A-Z0-9]{3})`)

func linkIn(t testing.TB, m mail.Parsed) string {
	t.Helper()
	got := linkRe.FindStringSubmatch(m.Text)
	if got == nil {
		t.Fatalf("no sign-in link in mail:\n%s", m.Text)
	}
	return got[1]
}

// mailSettled waits until the portal's mail queue has no send job left to
// run (every email queued so far has reached the test's SMTP server or
// failed for good), so that a test can count emails, including ones that
// must not exist, without waiting a fixed time for strays.
func (p *portal) mailSettled(t testing.TB) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var open int
		if err := p.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM river_job
			WHERE kind = 'send_mail' AND state NOT IN ('completed', 'cancelled', 'discarded')`).Scan(&open); err != nil {
			t.Fatal(err)
		}
		if open == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d send jobs still open after 20 s", open)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
