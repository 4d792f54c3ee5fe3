package app_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"testing"
)

// TestMetrics: GET /metrics on the metrics listener (never the public one)
// answers in Prometheus' text format with the request latency of the route
// just served, the appends and their batches, the sign-in just made, each
// read model's lag, the mail queue and the database pool.
func TestMetrics(t *testing.T) {
	t.Parallel()
	p := start(t)
	b := p.browser(t)
	if r := signIn(t, p, b, sam); r.status != 303 {
		t.Fatalf("sign in: %d", r.status)
	}
	if r := b.get("/courses"); r.status != 200 {
		t.Fatalf("courses: %d", r.status)
	}
	if r := b.get("/metrics"); r.status != 404 {
		t.Fatalf("GET /metrics on the public listener: %d, want 404", r.status)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.app.ServeMetrics(ctx, ln) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	res, err := http.Get("http://" + ln.Addr().String() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("GET /metrics: %d %v", res.StatusCode, err)
	}
	text := string(body)
	value := func(series string) float64 {
		t.Helper()
		m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`).FindStringSubmatch(text)
		if m == nil {
			t.Fatalf("no %s in\n%s", series, text)
		}
		v, err := strconv.ParseFloat(m[1], 64)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	atLeast := func(series string, min float64) {
		t.Helper()
		if v := value(series); v < min {
			t.Errorf("%s = %v, want at least %v", series, v, min)
		}
	}
	atLeast(`portal_http_request_duration_seconds_count{method="GET",route="/courses",status="2xx"}`, 1)
	atLeast(`portal_http_request_duration_seconds_count{method="POST",route="/signin/link/:id",status="3xx"}`, 1)
	atLeast(`portal_http_request_duration_seconds_count{method="GET",route="/p/:slug/signin",status="2xx"}`, 1)
	atLeast(`portal_signin_total{method="email_link",outcome="signed_in",reason=""}`, 1)
	atLeast(`portal_eventstore_appends_total`, 2)
	atLeast(`portal_eventstore_events_total`, 2)
	atLeast(`portal_eventstore_append_batch_size_count`, 1)
	atLeast(`portal_eventstore_append_batch_duration_seconds_count`, 1)
	for _, rm := range []string{"directory", "progress", "timeline"} {
		if v := value(`portal_projection_lag_seconds{projection="` + rm + `"}`); v < 0 {
			t.Errorf("%s lag %v", rm, v)
		}
	}
	atLeast(`portal_mail_queue_jobs{state="completed"}`, 1) // the sign-in email
	value(`portal_mail_queue_jobs{state="available"}`)
	value(`portal_mail_failed_attempts`)
	if v, want := value(`portal_db_pool_connections{state="max"}`), float64(p.db.Pool.Config().MaxConns); v != want {
		t.Errorf("pool max %v, want %v", v, want)
	}
	atLeast(`portal_db_pool_acquires_total{kind="all"}`, 1)
	for _, src := range []string{"projection_lag", "mail_queue"} {
		if v := value(`portal_metrics_source_up{source="` + src + `"}`); v != 1 {
			t.Errorf("source %s down", src)
		}
	}
	atLeast(`go_goroutines`, 1)
}
