// Package metrics is the portal's Prometheus metrics: request latency per
// route, event-store appends and their batches, projection lag, the mail
// queue, sign-in outcomes and the database pool. Counters and histograms
// are fed as things happen (Observe* methods, wired by internal/app); the
// gauges that describe state (lag, queue, pool) are read when Prometheus
// scrapes, through the Sources. Served by Handler on its own listener
// (PORTAL_METRICS_LISTEN), never on the public one. docs/operations.md
// lists every metric and the alert it deserves.
package metrics

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/awareportal/portal/domain"
	"github.com/awareportal/portal/domain/signin"
)

// Lag is how far one read model is behind the event log.
type Lag struct {
	Projection string
	// Seconds since the oldest event it has not applied was recorded
	// (0: caught up).
	Seconds float64
}

// MailJobs counts the mail queue's jobs by state (River's: available,
// scheduled, running, retryable, completed, discarded, cancelled), and the
// failed attempts recorded on the jobs still kept.
type MailJobs struct {
	ByState        map[string]int
	FailedAttempts int
}

// PoolStats is the database pool's use.
type PoolStats struct {
	Max, Total, Acquired, Idle int32
	Acquires, EmptyAcquires    int64         // acquires so far; those that had to wait for a connection
	AcquireWait                time.Duration // waited for connections so far
	ConstructingConns          int32
}

// Sources are read at scrape time; each may be nil.
type Sources struct {
	Lags func(ctx context.Context) ([]Lag, error)
	Mail func(ctx context.Context) (MailJobs, error)
	Pool func() PoolStats
}

// Metrics holds the portal's collectors in its own registry.
type Metrics struct {
	reg *prometheus.Registry
	log *slog.Logger

	requests *prometheus.HistogramVec

	appends, events, conflicts, retried, batchErrors prometheus.Counter
	batchAppends, batchSeconds                       prometheus.Histogram

	signins *prometheus.CounterVec
}

// New registers every metric; src is read on each scrape.
func New(src Sources, log *slog.Logger) *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry(), log: log}
	m.requests = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "portal_http_request_duration_seconds",
		Help:    "HTTP requests by route (the route's pattern), method and status class, and how long they took.",
		Buckets: []float64{.001, .0025, .005, .01, .02, .05, .1, .25, .5, 1, 2.5, 10},
	}, []string{"route", "method", "status"})
	counter := func(name, help string) prometheus.Counter {
		return prometheus.NewCounter(prometheus.CounterOpts{Name: name, Help: help})
	}
	m.appends = counter("portal_eventstore_appends_total", "Appends committed to the event store (PostgreSQL), outside callers' transactions.")
	m.events = counter("portal_eventstore_events_total", "Events those appends committed.")
	m.conflicts = counter("portal_eventstore_append_conflicts_total", "Appends refused because their stream was not at the expected version (ErrConcurrency; the service decides again).")
	m.retried = counter("portal_eventstore_appends_retried_total", "Appends sent again alone: their stream was locked by another transaction, or their batch failed as a whole.")
	m.batchErrors = counter("portal_eventstore_append_batch_errors_total", "Batches that failed as a whole (their appends are retried alone, or failed).")
	m.batchAppends = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "portal_eventstore_append_batch_size",
		Help:    "Appends per batch (group commit: one statement, one commit).",
		Buckets: []float64{1, 2, 4, 8, 16, 32, 64, 128, 256},
	})
	m.batchSeconds = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "portal_eventstore_append_batch_duration_seconds",
		Help:    "How long one batch of appends took in PostgreSQL, round trip and commit included.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, 1},
	})
	m.signins = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "portal_signin_total",
		Help: "Sign-in outcomes: outcome (signed_in, failed), method (email_link, email_code, training_link, microsoft, google; email for a failed email sign-in) and reason (why it failed).",
	}, []string{"outcome", "method", "reason"})
	m.reg.MustRegister(m.requests, m.appends, m.events, m.conflicts, m.retried, m.batchErrors, m.batchAppends, m.batchSeconds, m.signins,
		newState(src, log),
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the metrics in Prometheus' text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorLog: slog.NewLogLogger(m.log.Handler(), slog.LevelWarn)})
}

// Registry is the registry the metrics are in (for tests and extra collectors).
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// ObserveRequest records one HTTP request. route is the matched route's
// pattern ("/courses/:course"), never the raw path.
func (m *Metrics) ObserveRequest(route, method string, status int, took time.Duration) {
	m.requests.WithLabelValues(route, method, strconv.Itoa(status/100)+"xx").Observe(took.Seconds())
}

// AppendBatch is one batch of appends (pgstore.BatchInfo).
type AppendBatch struct {
	Appends, Events, Conflicts, Retried int
	Took                                time.Duration
	Failed                              bool
}

// ObserveAppendBatch records one batch of appends.
func (m *Metrics) ObserveAppendBatch(b AppendBatch) {
	m.batchAppends.Observe(float64(b.Appends))
	m.batchSeconds.Observe(b.Took.Seconds())
	committed := b.Appends - b.Conflicts - b.Retried
	if b.Failed {
		m.batchErrors.Inc()
		committed = 0
	}
	m.appends.Add(float64(max(committed, 0)))
	m.events.Add(float64(b.Events))
	m.conflicts.Add(float64(b.Conflicts))
	m.retried.Add(float64(b.Retried))
}

// ObserveEvents counts the sign-in outcomes among events just appended
// (eventstore.Repository.Appended).
func (m *Metrics) ObserveEvents(events []domain.Event) {
	for _, e := range events {
		switch e := e.(type) {
		case signin.SignedIn:
			m.signins.WithLabelValues("signed_in", string(e.Method), "").Inc()
		case signin.SignInFailed:
			m.signins.WithLabelValues("failed", "email", string(e.Reason)).Inc()
		case signin.SSORejected:
			m.signins.WithLabelValues("failed", string(e.Provider), string(e.Reason)).Inc()
		}
	}
}

// state reads the Sources when scraped.
type state struct {
	src Sources
	log *slog.Logger

	lag, mailJobs, mailFailed, poolConns, poolAcquires, poolWait, sourceUp *prometheus.Desc
}

func newState(src Sources, log *slog.Logger) *state {
	return &state{
		src: src, log: log,
		lag: prometheus.NewDesc("portal_projection_lag_seconds",
			"How far each read model is behind the event log: the age of the oldest event it has not applied (0 when caught up).", []string{"projection"}, nil),
		mailJobs: prometheus.NewDesc("portal_mail_queue_jobs",
			"Mail jobs by state: available and scheduled are the queue's depth, retryable failed and will retry, discarded gave up.", []string{"state"}, nil),
		mailFailed: prometheus.NewDesc("portal_mail_failed_attempts",
			"Failed send attempts recorded on the mail jobs still kept (River keeps finished jobs for a day).", nil, nil),
		poolConns: prometheus.NewDesc("portal_db_pool_connections",
			"Database pool connections by state (acquired, idle, constructing) and the pool's max.", []string{"state"}, nil),
		poolAcquires: prometheus.NewDesc("portal_db_pool_acquires_total",
			"Connections acquired from the pool (kind all); waited: those that had to wait for one.", []string{"kind"}, nil),
		poolWait: prometheus.NewDesc("portal_db_pool_acquire_wait_seconds_total",
			"Time spent waiting for a pool connection.", nil, nil),
		sourceUp: prometheus.NewDesc("portal_metrics_source_up",
			"Whether a scrape-time source (projection_lag, mail_queue) answered: 1 yes, 0 no.", []string{"source"}, nil),
	}
}

func (s *state) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{s.lag, s.mailJobs, s.mailFailed, s.poolConns, s.poolAcquires, s.poolWait, s.sourceUp} {
		ch <- d
	}
}

func (s *state) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	up := func(source string, err error) {
		v := 1.0
		if err != nil {
			v = 0
			s.log.Warn("metrics source failed", "source", source, "err", err)
		}
		ch <- prometheus.MustNewConstMetric(s.sourceUp, prometheus.GaugeValue, v, source)
	}
	if s.src.Lags != nil {
		lags, err := s.src.Lags(ctx)
		for _, l := range lags {
			ch <- prometheus.MustNewConstMetric(s.lag, prometheus.GaugeValue, l.Seconds, l.Projection)
		}
		up("projection_lag", err)
	}
	if s.src.Mail != nil {
		jobs, err := s.src.Mail(ctx)
		if err == nil {
			for _, st := range []string{"available", "scheduled", "running", "retryable", "discarded", "completed", "cancelled"} {
				ch <- prometheus.MustNewConstMetric(s.mailJobs, prometheus.GaugeValue, float64(jobs.ByState[st]), st)
			}
			ch <- prometheus.MustNewConstMetric(s.mailFailed, prometheus.GaugeValue, float64(jobs.FailedAttempts))
		}
		up("mail_queue", err)
	}
	if s.src.Pool != nil {
		p := s.src.Pool()
		for st, v := range map[string]int32{"acquired": p.Acquired, "idle": p.Idle, "constructing": p.ConstructingConns, "max": p.Max} {
			ch <- prometheus.MustNewConstMetric(s.poolConns, prometheus.GaugeValue, float64(v), st)
		}
		ch <- prometheus.MustNewConstMetric(s.poolAcquires, prometheus.CounterValue, float64(p.Acquires), "all")
		ch <- prometheus.MustNewConstMetric(s.poolAcquires, prometheus.CounterValue, float64(p.EmptyAcquires), "waited")
		ch <- prometheus.MustNewConstMetric(s.poolWait, prometheus.CounterValue, p.AcquireWait.Seconds())
	}
}
