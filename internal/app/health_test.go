package app_test

import (
	"errors"
	"sync/atomic"
	"testing"
)

// TestHealthzReportsAFailingLiveness: /healthz follows the liveness check
// (serve wires it to the embedded database's supervision), while a short
// database outage only turns /readyz.
func TestHealthzReportsAFailingLiveness(t *testing.T) {
	t.Parallel()
	p := start(t)
	var failing atomic.Pointer[error]
	p.app.Liveness = func() error {
		if err := failing.Load(); err != nil {
			return *err
		}
		return nil
	}
	b := p.browser(t)
	if r := b.get("/healthz"); r.status != 200 {
		t.Fatalf("/healthz %d while live", r.status)
	}
	down := errors.New("embedded PostgreSQL down for 3m0s (9 restart attempts)")
	failing.Store(&down)
	r := b.get("/healthz")
	if r.status != 503 || r.body != down.Error() {
		t.Fatalf("/healthz %d %q with a failing liveness check", r.status, r.body)
	}
	failing.Store(nil)
	if r := b.get("/healthz"); r.status != 200 {
		t.Fatalf("/healthz %d once live again", r.status)
	}
}
