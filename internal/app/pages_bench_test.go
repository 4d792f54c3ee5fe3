package app_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/awareportal/portal/internal/eventstore"
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
// requests/s, p50 and p99 of both and the ratio. Then the same load runs
// again while other learners start courses one after another
// (writeUnderLoad): it reports how long each action took to be visible in
// every read model (p50, p99), the pages' rate meanwhile, and the test
// process's resident memory after it.
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
	var nextStarter atomic.Int64
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
				// Then the same load again with learners acting beside it:
				// how long an action takes to be visible, and what the
				// writes cost the pages.
				stop := make(chan struct{})
				visible := make(chan []time.Duration)
				go func() { visible <- writeUnderLoad(b, p, &nextStarter, learner, stop) }()
				mixed := load(b, client, p.base+pg.path, h, n, len(bodies[key]))
				close(stop)
				seen := <-visible
				if len(seen) == 0 {
					b.Fatal("no learner action was made visible during the page load")
				}
				slices.Sort(seen)
				ms := func(q float64) float64 { return float64(seen[int(q*float64(len(seen)-1))].Microseconds()) / 1000 }
				b.ReportMetric(ms(0.5), "visible-p50-ms")
				b.ReportMetric(ms(0.99), "visible-p99-ms")
				b.ReportMetric(float64(len(seen)), "actions")
				b.ReportMetric(mixed.rate, "req/s-with-actions")
				b.ReportMetric(rssMB(b), "rss-MB")
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

// writeUnderLoad is read-your-writes under the page load: other learners
// of the big client start a course one after the other (a command, its
// event appended), and each waits until every read model shows it
// (Runner.WaitFor, what a handler does before answering). It returns how
// long each took from the command to visible, until stop.
func writeUnderLoad(b *testing.B, p *portal, next *atomic.Int64, skip string, stop <-chan struct{}) []time.Duration {
	ctx := context.Background()
	var took []time.Duration
	for {
		select {
		case <-stop:
			return took
		default:
		}
		id := fmt.Sprintf("big-%05d", 100+next.Add(1))
		if id == skip {
			continue
		}
		t := time.Now()
		pos, err := p.app.Training.Start(ctx, id, id+"-2", eventstore.Metadata{ActorID: id})
		if err != nil {
			b.Error(err)
			return took
		}
		if err := p.app.Runner.WaitFor(ctx, pos); err != nil {
			b.Error(err)
			return took
		}
		took = append(took, time.Since(t))
	}
}

// rssMB is the test process's resident memory (the portal, its load
// generator and the bench's fixtures; PostgreSQL is a process of its own).
func rssMB(b *testing.B) float64 {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		b.Skip("no /proc/self/status")
	}
	for _, line := range strings.Split(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}
