package crashtest_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/mail"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	portalmail "github.com/awareportal/portal/internal/mail"
	"github.com/awareportal/portal/internal/testenv"
)

// binary is the portal built once for the package's tests (go build takes
// seconds; each test would otherwise link its own).
type binary struct {
	dir  string
	once sync.Once
	path string
	err  error
}

var portalBinary binary

func TestMain(m *testing.M) {
	testenv.Main(m, testenv.After(func() {
		if portalBinary.dir != "" {
			_ = os.RemoveAll(portalBinary.dir)
		}
	}))
}

// buildPortal builds cmd/portal once per test binary and returns its path.
func buildPortal(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		testenv.Unavailable(t, "the go tool (to build the portal binary)", err)
	}
	b := &portalBinary
	b.once.Do(func() { b.path, b.err = b.build(goTool) })
	if b.err != nil {
		t.Fatal(b.err)
	}
	return b.path
}

func (b *binary) build(goTool string) (string, error) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		return "", err
	}
	if b.dir, err = os.MkdirTemp("", "portalbin"); err != nil {
		return "", err
	}
	bin := filepath.Join(b.dir, "portal")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	start := time.Now()
	cmd := exec.CommandContext(ctx, goTool, "build", "-o", bin, "./cmd/portal")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/portal: %w\n%s", err, out)
	}
	fmt.Fprintf(os.Stderr, "crashtest: built the portal in %s\n", time.Since(start).Round(100*time.Millisecond))
	return bin, nil
}

// command runs the portal binary with args (a CLI command).
func command(ctx context.Context, bin string, env []string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = env
	return cmd
}

// portalProc is one running `portal serve`.
type portalProc struct {
	t    *testing.T
	cmd  *exec.Cmd
	done chan struct{}
}

func startPortal(t *testing.T, bin string, env []string, logPath string) *portalProc {
	t.Helper()
	logFile, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	fmt.Fprintf(logFile, "---- start %s\n", time.Now().Format(time.RFC3339Nano))
	cmd := exec.Command(bin, "serve")
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &portalProc{t: t, cmd: cmd, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

// kill9 kills the process with SIGKILL and waits for it.
func (p *portalProc) kill9() {
	p.t.Helper()
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		p.t.Fatal("portal did not die of SIGKILL within 10 s")
	}
}

// stop asks the process to shut down (SIGTERM) and waits for it.
func (p *portalProc) stop() {
	p.t.Helper()
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		_ = p.cmd.Process.Kill()
		p.t.Fatal("portal did not stop within 30 s of SIGTERM")
	}
}

// dumpLogOnFailure prints the end of the portal's log when the test failed.
func dumpLogOnFailure(t *testing.T, logPath string) {
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		b, _ := os.ReadFile(logPath)
		if len(b) > 12000 {
			b = b[len(b)-12000:]
		}
		t.Logf("portal log (end):\n%s", b)
	})
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return port
}

// client is a minimal browser or API client: it keeps cookies by hand (Go's
// jar does not send Secure cookies to http://localhost).
type client struct {
	base    string
	http    *http.Client
	mu      sync.Mutex
	cookies map[string]string
	header  map[string]string
}

func newClient(base string) *client {
	return &client{base: base, cookies: map[string]string{}, header: map[string]string{}, http: &http.Client{
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       10 * time.Second,
	}}
}

func (c *client) do(ctx context.Context, method, path string, body io.Reader, contentType string) (int, string, error) {
	u := path
	if !strings.HasPrefix(u, "http") {
		u = c.base + path
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return 0, "", err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("User-Agent", "crash-test")
	c.mu.Lock()
	for k, v := range c.header {
		req.Header.Set(k, v)
	}
	for k, v := range c.cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	c.mu.Unlock()
	res, err := c.http.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		return 0, "", err
	}
	c.mu.Lock()
	for _, ck := range res.Cookies() {
		if ck.MaxAge < 0 || ck.Value == "" {
			delete(c.cookies, ck.Name)
		} else {
			c.cookies[ck.Name] = ck.Value
		}
	}
	c.mu.Unlock()
	return res.StatusCode, string(data), nil
}

func (c *client) get(ctx context.Context, path string) (int, string, error) {
	return c.do(ctx, "GET", path, nil, "")
}

func (c *client) postForm(ctx context.Context, path string, form url.Values) (int, string, error) {
	return c.do(ctx, "POST", path, strings.NewReader(form.Encode()), "application/x-www-form-urlencoded")
}

func (c *client) postJSON(ctx context.Context, path, body string) (int, string, error) {
	return c.do(ctx, "POST", path, strings.NewReader(body), "application/json")
}

var csrfRe = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// csrf reads a page's CSRF token.
func (c *client) csrf(ctx context.Context, path string) (string, error) {
	status, body, err := c.get(ctx, path)
	if err != nil {
		return "", err
	}
	m := csrfRe.FindStringSubmatch(body)
	if m == nil {
		return "", fmt.Errorf("no CSRF token on %s (status %d)", path, status)
	}
	return m[1], nil
}

// waitStatus polls path until it answers want, failing after d.
func waitStatus(t *testing.T, base, path string, want int, d time.Duration) time.Duration {
	t.Helper()
	c := &http.Client{Timeout: 3 * time.Second}
	start := time.Now()
	last := "no answer"
	for time.Since(start) < d {
		res, err := c.Get(base + path)
		if err == nil {
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode == want {
				return time.Since(start)
			}
			last = res.Status
		} else {
			last = err.Error()
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s did not answer %d within %s (last: %s)", path, want, d, last)
	return 0
}

// sink is the test's SMTP server's mailbox: every delivery, by Message-ID.
type sink struct {
	mu   sync.Mutex
	msgs []received
}

type received struct {
	messageID string
	to, text  string
}

func (s *sink) Deliver(_ context.Context, env portalmail.Envelope) error {
	h, err := mail.ReadMessage(bytes.NewReader(env.Raw))
	if err != nil {
		return err
	}
	p, err := portalmail.Parse(env.Raw)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.msgs = append(s.msgs, received{messageID: h.Header.Get("Message-Id"), to: p.To, text: p.Text})
	return nil
}

// byID counts deliveries per Message-ID.
func (s *sink) byID() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]int{}
	for _, m := range s.msgs {
		out[m.messageID]++
	}
	return out
}

// latestTo returns the newest message to addr, if any.
func (s *sink) latestTo(addr string) (received, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := len(s.msgs) - 1; i >= 0; i-- {
		if strings.Contains(s.msgs[i].to, addr) {
			return s.msgs[i], true
		}
	}
	return received{}, false
}

func startSink(t *testing.T) (*sink, string) {
	t.Helper()
	s := &sink{}
	srv, err := portalmail.StartSMTPServer("127.0.0.1:0", s, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return s, srv.URL()
}

const testSecret = "dGVzdC1zZWNyZXQtdGVzdC1zZWNyZXQtdGVzdC1zZWNyZXQtdGVzdA=="

func baseEnv(dataDir string) []string {
	return []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dataDir, "PORTAL_DATA_DIR=" + dataDir,
		"PORTAL_SECRET_KEY=" + testSecret, "PORTAL_LOG_LEVEL=warn"}
}
