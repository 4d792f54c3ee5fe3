package app_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5/pgxpool"
)

// pageLoad is what a load of fixed requests measured.
type pageLoad struct {
	rate     float64 // requests per second
	p50, p99 float64 // milliseconds
}

// pageConcurrency is how many requests BenchmarkPages keeps in flight.
const pageConcurrency = 16

// load sends n GETs of url with headers from pageConcurrency goroutines
// and checks each answers 200 with want bytes.
func load(b *testing.B, client *http.Client, url string, headers map[string]string, n, want int) pageLoad {
	var next atomic.Int64
	lat := make([][]time.Duration, pageConcurrency)
	var wg sync.WaitGroup
	start := time.Now()
	for w := range pageConcurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(n) {
				req, _ := http.NewRequest("GET", url, nil)
				for k, v := range headers {
					req.Header.Set(k, v)
				}
				t := time.Now()
				res, err := client.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				got, _ := io.Copy(io.Discard, res.Body)
				res.Body.Close()
				lat[w] = append(lat[w], time.Since(t))
				if res.StatusCode != 200 || int(got) != want {
					b.Errorf("GET %s: %d, %d bytes, want 200 and %d", url, res.StatusCode, got, want)
					return
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if b.Failed() {
		b.FailNow()
	}
	all := slices.Concat(lat...)
	slices.Sort(all)
	ms := func(q float64) float64 { return float64(all[int(q*float64(len(all)-1))].Microseconds()) / 1000 }
	return pageLoad{rate: float64(n) / elapsed.Seconds(), p50: ms(0.5), p99: ms(0.99)}
}

// barePages is the ceiling: a bare Fiber app on the same PostgreSQL whose
// one handler answers each page with one query (the page's bytes, stored
// beforehand), nothing else: no session, no middleware, no template.
func barePages(b *testing.B, db interface{ ConnString() string }, pages map[string][]byte) string {
	ctx := context.Background()
	cfg, err := pgxpool.ParseConfig(db.ConnString())
	if err != nil {
		b.Fatal(err)
	}
	cfg.MaxConns = 25
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(pool.Close)
	if _, err := pool.Exec(ctx, `CREATE TABLE IF NOT EXISTS bare_pages (key text PRIMARY KEY, body bytea NOT NULL)`); err != nil {
		b.Fatal(err)
	}
	for k, body := range pages {
		if _, err := pool.Exec(ctx, `INSERT INTO bare_pages VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET body = $2`, k, body); err != nil {
			b.Fatal(err)
		}
	}
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Get("/bare/:key", func(c *fiber.Ctx) error {
		var body []byte
		if err := pool.QueryRow(c.UserContext(), `SELECT body FROM bare_pages WHERE key = $1`, c.Params("key")).Scan(&body); err != nil {
			return err
		}
		c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
		return c.Send(body)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go func() { _ = app.Listener(ln) }()
	b.Cleanup(func() { _ = app.Shutdown() })
	return "http://" + ln.Addr().String()
}

// BenchmarkPages: a signed-in learner at a client of 10,000 learners loads
// /courses, /stats and /leaderboard, the full page and the htmx fragment,
// pageConcurrency requests at a time over real HTTP; beside each, the
// ceiling (barePages: a bare Fiber app answering the same bytes with one
// query on the same PostgreSQL), measured in the same run. Reports
// requests/s, p50 and p99 of both and the ratio.
func BenchmarkPages(b *testing.B) {
	p := start(b)
	learner := bigClient(b, p, 10_000)
	br := p.browser(b)
	signIn(b, p, br, learner+"@bigco.example")
	cookie := ""
	for k, v := range br.cookies {
		cookie += k + "=" + v + "; "
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: pageConcurrency}, Timeout: 30 * time.Second}
	type page struct{ name, path string }
	pages := []page{{"courses", "/courses"}, {"stats", "/stats"}, {"leaderboard", "/leaderboard?course=spotting-phishing"}}
	bodies := map[string][]byte{}
	for _, pg := range pages {
		for _, hx := range []bool{false, true} {
			h := map[string]string{"Cookie": cookie}
			key := pg.name
			if hx {
				h["HX-Request"] = "true"
				key += "-hx"
			}
			r := br.do("GET", pg.path, nil, h)
			if r.status != 200 {
				b.Fatalf("%s: %d", key, r.status)
			}
			bodies[key] = []byte(r.body)
		}
	}
	bare := barePages(b, p.db, bodies)
	for _, pg := range pages {
		for _, hx := range []bool{false, true} {
			name, key := pg.name+"/full", pg.name
			h := map[string]string{"Cookie": cookie}
			if hx {
				name, key = pg.name+"/htmx", pg.name+"-hx"
				h["HX-Request"] = "true"
			}
			b.Run(name, func(b *testing.B) {
				n := max(b.N, 200)
				ceiling := load(b, client, bare+"/bare/"+key, nil, n, len(bodies[key]))
				b.ResetTimer()
				got := load(b, client, p.base+pg.path, h, n, len(bodies[key]))
				b.StopTimer()
				b.ReportMetric(got.rate, "req/s")
				b.ReportMetric(got.p50, "p50-ms")
				b.ReportMetric(got.p99, "p99-ms")
				b.ReportMetric(ceiling.rate, "bare-req/s")
				b.ReportMetric(ceiling.p99, "bare-p99-ms")
				b.ReportMetric(got.rate/ceiling.rate, "ratio")
				b.ReportMetric(float64(len(bodies[key])), "bytes")
			})
		}
	}
}
