package web

import (
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
)

// serve runs app on a loopback listener and returns its address.
func serve(t *testing.T, app *fiber.App) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = app.Listener(ln) }()
	t.Cleanup(func() { _ = app.ShutdownWithTimeout(time.Second) })
	return ln.Addr().String()
}

func get(t *testing.T, addr, host string, headers map[string]string) *http.Response {
	t.Helper()
	req, err := http.NewRequest("GET", "http://"+addr+"/", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = host
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = res.Body.Close()
	return res
}

// TestDevOutboxRefusesOtherHostNames: a page whose own name resolves to
// 127.0.0.1 (DNS rebinding) gets 404 from the dev outbox; the portal's
// own names work.
func TestDevOutboxRefusesOtherHostNames(t *testing.T) {
	base, _ := url.Parse("http://localhost:8080")
	s := &Server{Deps: Deps{BaseURL: base}}
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Get("/", s.devOnly, func(c *fiber.Ctx) error { return c.SendString("outbox") })
	addr := serve(t, app)
	_, port, _ := net.SplitHostPort(addr)
	for host, want := range map[string]int{
		"localhost:" + port:               200,
		"127.0.0.1:" + port:               200,
		"LOCALHOST:" + port:               200,
		"[::1]:" + port:                   200,
		"localhost":                       200,
		"rebind.attacker.example:" + port: 404,
		"attacker.example":                404,
		"localhost.attacker.example":      404,
		"127.0.0.1.nip.io:" + port:        404,
	} {
		if got := get(t, addr, host, nil).StatusCode; got != want {
			t.Errorf("Host %s: %d, want %d", host, got, want)
		}
	}
}

// TestDevOutboxBehindAProxyCountsTheClient: a trusted proxy on loopback
// forwarding a remote client does not make that client local.
func TestDevOutboxBehindAProxyCountsTheClient(t *testing.T) {
	base, _ := url.Parse("http://localhost:8080")
	s := &Server{Deps: Deps{BaseURL: base, TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}}
	app := fiber.New(fiber.Config{DisableStartupMessage: true, EnableTrustedProxyCheck: true, TrustedProxies: []string{"127.0.0.0/8"}})
	app.Get("/", s.devOnly, func(c *fiber.Ctx) error { return c.SendString("outbox") })
	addr := serve(t, app)
	if got := get(t, addr, "localhost", map[string]string{"X-Forwarded-For": "198.51.100.9"}).StatusCode; got != 404 {
		t.Fatalf("remote client through a local proxy: %d, want 404", got)
	}
	if got := get(t, addr, "localhost", map[string]string{"X-Forwarded-For": "127.0.0.1"}).StatusCode; got != 200 {
		t.Fatalf("local client through a local proxy: %d, want 200", got)
	}
}

func TestHSTSOnlyWithAnHTTPSBaseURL(t *testing.T) {
	for base, want := range map[string]string{
		"https://training.example.com": "max-age=31536000; includeSubDomains",
		"http://localhost:8080":        "",
	} {
		u, _ := url.Parse(base)
		s := &Server{Deps: Deps{BaseURL: u}}
		app := fiber.New(fiber.Config{DisableStartupMessage: true})
		app.Get("/", s.securityHeaders, func(c *fiber.Ctx) error { return c.SendString("ok") })
		res := get(t, serve(t, app), "localhost", nil)
		if got := res.Header.Get("Strict-Transport-Security"); got != want {
			t.Errorf("base %s: Strict-Transport-Security %q, want %q", base, got, want)
		}
	}
}

func TestClientIP(t *testing.T) {
	proxies := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("10.0.0.0/8")}
	cases := []struct {
		name    string
		trusted []netip.Prefix
		xff     string
		want    string
	}{
		{"no proxy trusted: the header is ignored", nil, "203.0.113.5", "127.0.0.1"},
		{"one proxy", proxies, "203.0.113.5", "203.0.113.5"},
		{"forged first hop", proxies, "1.2.3.4, 203.0.113.5", "203.0.113.5"},
		{"two trusted hops", proxies, "1.2.3.4, 203.0.113.5, 10.1.2.3", "203.0.113.5"},
		{"no header from a trusted proxy", proxies, "", "127.0.0.1"},
		{"garbage after the client", proxies, "203.0.113.5, not-an-ip", "127.0.0.1"},
		{"only trusted hops", proxies, "10.0.0.1, 10.0.0.2", "10.0.0.1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := &Server{Deps: Deps{TrustedProxies: tc.trusted}}
			got := make(chan string, 1)
			app := fiber.New(fiber.Config{DisableStartupMessage: true, EnableTrustedProxyCheck: true, TrustedProxies: prefixStrings(tc.trusted)})
			app.Get("/", func(c *fiber.Ctx) error { got <- s.clientIP(c); return nil })
			h := map[string]string{}
			if tc.xff != "" {
				h["X-Forwarded-For"] = tc.xff
			}
			get(t, serve(t, app), "localhost", h)
			if ip := <-got; ip != tc.want {
				t.Fatalf("clientIP = %s, want %s", ip, tc.want)
			}
		})
	}
}

func TestEveryRequestHasADeadline(t *testing.T) {
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	left := make(chan time.Duration, 1)
	app.Get("/", deadline, func(c *fiber.Ctx) error {
		d, ok := c.UserContext().Deadline()
		if !ok {
			left <- -1
			return nil
		}
		left <- time.Until(d)
		return nil
	})
	get(t, serve(t, app), "localhost", nil)
	if d := <-left; d <= 0 || d > requestTimeout {
		t.Fatalf("time left in the request's context: %v, want (0, %v]", d, requestTimeout)
	}
}
