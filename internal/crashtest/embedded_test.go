package crashtest_test

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/awareportal/portal/internal/pgembed"
	"github.com/awareportal/portal/internal/testenv"
)

// TestEmbeddedDatabaseKilledComesBack runs `portal serve` in embedded mode
// and kills its PostgreSQL's postmaster with SIGKILL. /readyz says 503 while
// the database is down and 200 again once the portal's supervisor has
// restarted it, without anyone's help; /healthz stays 200 (a short outage
// is not a reason to kill the process). After it: pages work, and a
// sign-in email queued after the outage is delivered (the pool and the
// mail queue recovered too).
func TestEmbeddedDatabaseKilledComesBack(t *testing.T) {
	t.Parallel() // its own data directory, server and port
	bin := buildPortal(t)
	// Reachable by the unprivileged user PostgreSQL runs as under root.
	dataDir, err := os.MkdirTemp("", "crashtest")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dataDir) })
	if err := os.Chmod(dataDir, 0o755); err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	base := "http://localhost:" + port
	env := append(baseEnv(dataDir), "PORTAL_LISTEN=127.0.0.1:"+port, "PORTAL_BASE_URL="+base, "PORTAL_DEV_IDP=false")
	logPath := filepath.Join(dataDir, "portal.log")
	dumpLogOnFailure(t, logPath)
	proc := startPortal(t, bin, env, logPath)
	pidFile := filepath.Join(dataDir, "postgres", "data", "postmaster.pid")
	t.Cleanup(func() {
		// Whatever happened, stop the portal (which stops its PostgreSQL),
		// and make sure no server outlives the test.
		proc.stop()
		if pid, ok := readPID(pidFile); ok && syscall.Kill(pid, 0) == nil {
			_ = syscall.Kill(pid, syscall.SIGQUIT)
		}
	})

	// First start: initdb, migrations, the demo seed.
	start := time.Now()
	for {
		select {
		case <-proc.done:
			b, _ := os.ReadFile(logPath)
			if first, _, _ := strings.Cut(pgembed.ErrNoBinaries.Error(), "\n"); strings.Contains(string(b), first) {
				testenv.Unavailable(t, "PostgreSQL server binaries", pgembed.ErrNoBinaries)
			}
			t.Fatal("portal exited during start")
		default:
		}
		if code, _ := status(base + "/readyz"); code == 200 {
			break
		}
		if time.Since(start) > 90*time.Second {
			t.Fatal("portal not ready within 90 s of its first start")
		}
		time.Sleep(200 * time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	browser := newClient(base)
	requestLink(t, ctx, browser)
	waitOutbox(t, ctx, base, 1)

	pid, ok := readPID(pidFile)
	if !ok {
		t.Fatal("no postmaster.pid")
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()

	// Not ready while down (the restart is quick, so poll fast); alive throughout.
	sawDown := false
	for time.Since(killed) < 15*time.Second && !sawDown {
		code, _ := status(base + "/readyz")
		sawDown = code == http.StatusServiceUnavailable
		if code, _ := status(base + "/healthz"); code != 200 {
			t.Fatalf("/healthz %d during a short outage", code)
		}
	}
	if !sawDown {
		t.Fatal("/readyz never said 503 after the postmaster was killed")
	}
	back := waitStatus(t, base, "/readyz", 200, 30*time.Second)
	t.Logf("/readyz 503 after the kill, 200 again %s later (%s after the kill)", back.Round(10*time.Millisecond), time.Since(killed).Round(10*time.Millisecond))
	if newPID, ok := readPID(pidFile); !ok || newPID == pid {
		t.Fatalf("postmaster not restarted (pid %d, was %d)", newPID, pid)
	}
	if code, _ := status(base + "/healthz"); code != 200 {
		t.Fatalf("/healthz %d after the restart", code)
	}

	// Everything works again: a page, a write, the mail queue.
	if code, body, err := browser.get(ctx, "/p/northwind/signin"); err != nil || code != 200 {
		t.Fatalf("sign-in page after the restart: %d %v\n%s", code, err, body)
	}
	requestLink(t, ctx, browser)
	waitOutbox(t, ctx, base, 2)
	b, _ := os.ReadFile(logPath)
	if !strings.Contains(string(b), "embedded PostgreSQL restarted") {
		t.Error("the restart was not logged")
	}
}

func status(u string) (int, error) {
	c := &http.Client{Timeout: 2 * time.Second}
	res, err := c.Get(u)
	if err != nil {
		return 0, err
	}
	res.Body.Close()
	return res.StatusCode, nil
}

func readPID(path string) (int, bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	first, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(first))
	return pid, err == nil
}

// requestLink asks a sign-in link for the demo learner, retrying while the
// portal is still settling after a restart (bounded).
func requestLink(t *testing.T, ctx context.Context, b *client) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		token, err := b.csrf(ctx, "/p/northwind/signin")
		if err == nil {
			code, body, err := b.postForm(ctx, "/p/northwind/signin", url.Values{"email": {"sam.learner@acme.example"}, "_csrf": {token}})
			if err == nil && code == 200 && strings.Contains(body, "Check your inbox") {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("sign-in link request: %d %v", code, err)
			}
		} else if time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// waitOutbox waits until the dev outbox holds n sign-in emails.
func waitOutbox(t *testing.T, ctx context.Context, base string, n int) {
	t.Helper()
	c := newClient(base)
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, body, err := c.get(ctx, "/dev/mail")
		if err == nil && strings.Count(body, "Sign in to Northwind IT Training") >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("dev outbox does not hold %d sign-in emails after 30 s", n)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
