// Package app wires the portal together: database, event store,
// projections, mail, sign-in and the web server.
package app

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"time"

	"github.com/awareportal/portal/projections/readmodels"

	"github.com/awareportal/portal/internal/readcache"

	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/awareportal/portal/domain/registry"
	"github.com/awareportal/portal/domain/signin"
	"github.com/awareportal/portal/internal/account"
	"github.com/awareportal/portal/internal/admin"
	"github.com/awareportal/portal/internal/audit"
	"github.com/awareportal/portal/internal/auth"
	"github.com/awareportal/portal/internal/auth/pgauth"
	"github.com/awareportal/portal/internal/breaches"
	"github.com/awareportal/portal/internal/catalog"
	"github.com/awareportal/portal/internal/clock"
	"github.com/awareportal/portal/internal/config"
	"github.com/awareportal/portal/internal/db"
	"github.com/awareportal/portal/internal/devidp"
	"github.com/awareportal/portal/internal/eventstore"
	"github.com/awareportal/portal/internal/eventstore/kurrentstore"
	"github.com/awareportal/portal/internal/eventstore/pgstore"
	"github.com/awareportal/portal/internal/mail"
	"github.com/awareportal/portal/internal/mail/pgmail"
	"github.com/awareportal/portal/internal/media/pgmedia"
	"github.com/awareportal/portal/internal/metrics"
	"github.com/awareportal/portal/internal/pgembed"
	"github.com/awareportal/portal/internal/phishing"
	"github.com/awareportal/portal/internal/policy"
	"github.com/awareportal/portal/internal/reminders"
	"github.com/awareportal/portal/internal/seed"
	"github.com/awareportal/portal/internal/sso"
	"github.com/awareportal/portal/internal/team"
	"github.com/awareportal/portal/internal/training"
	"github.com/awareportal/portal/internal/web"
	"github.com/awareportal/portal/internal/welcome"
	"github.com/awareportal/portal/projections/breaches/pgbreaches"
	"github.com/awareportal/portal/projections/directory/pgdirectory"
	"github.com/awareportal/portal/projections/gate/pggate"
	"github.com/awareportal/portal/projections/pgrunner"
	"github.com/awareportal/portal/projections/phishing/pgphishing"
	"github.com/awareportal/portal/projections/policies/pgpolicies"
	"github.com/awareportal/portal/projections/progress/pgprogress"
	"github.com/awareportal/portal/projections/reminders/pgreminders"
	"github.com/awareportal/portal/projections/team/pgteam"
	"github.com/awareportal/portal/projections/timeline/pgtimeline"
)

// Database is an open database, embedded or not.
type Database struct {
	Pool    *pgxpool.Pool
	cluster *pgembed.Cluster
}

// UnhealthyAfter is how long the embedded PostgreSQL may stay down, despite
// the supervisor's restarts, before the process reports itself not live.
const UnhealthyAfter = 2 * time.Minute

// Supervise restarts the embedded PostgreSQL whenever it dies, until ctx
// ends (nothing to do with DATABASE_URL: that server has its own keeper).
func (d *Database) Supervise(ctx context.Context) {
	if d.cluster != nil {
		go d.cluster.Supervise(ctx)
	}
}

// Live is the liveness check: an error when the embedded PostgreSQL has
// been down for longer than UnhealthyAfter although the supervisor kept
// restarting it. Shorter outages only make the portal not ready (/readyz).
func (d *Database) Live() error {
	if d.cluster == nil {
		return nil
	}
	return d.cluster.Health(UnhealthyAfter)
}

// Close closes the pool and stops the embedded server if this process started it.
func (d *Database) Close() {
	d.Pool.Close()
	if d.cluster != nil {
		_ = d.cluster.Stop()
	}
}

// OpenDatabase connects to DATABASE_URL, or starts (or joins) the embedded
// PostgreSQL in the data dir, and applies migrations.
func OpenDatabase(ctx context.Context, cfg *config.Config, log *slog.Logger) (*Database, error) {
	d := &Database{}
	url := cfg.DatabaseURL
	if cfg.Embedded() {
		c, err := pgembed.Start(ctx, cfg.DataDir, pgembed.Options{Log: log})
		if err != nil {
			return nil, err
		}
		d.cluster = c
		url = c.URL("portal")
	}
	pcfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		d.Close0()
		return nil, fmt.Errorf("DATABASE_URL: %w", err)
	}
	pcfg.MaxConns = 25
	pool, err := pgxpool.NewWithConfig(ctx, pcfg)
	if err != nil {
		d.Close0()
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	d.Pool = pool
	if err := pool.Ping(ctx); err != nil {
		d.Close()
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	if err := db.Migrate(ctx, pool, log); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

// Close0 stops the cluster when the pool was never opened.
func (d *Database) Close0() {
	if d.cluster != nil {
		_ = d.cluster.Stop()
	}
}

// App is the assembled portal.
type App struct {
	Cfg      *config.Config
	Log      *slog.Logger
	Clock    clock.Clock
	Pool     *pgxpool.Pool
	Store    eventstore.Store // PostgreSQL's (pgstore) or KurrentDB's (kurrentstore): PORTAL_EVENTSTORE
	Repo     eventstore.Repository
	Runner   *pgrunner.Runner
	Queue    *pgmail.Queue
	Auth     *auth.Service
	Training *training.Service
	Admin    *admin.Service
	Welcome  *welcome.Service
	Team     *team.Service
	// Reminders sends the scheduled reminders and manager digests.
	Reminders *reminders.Service
	Policies  *policy.Service
	Breaches  *breaches.Service
	Phishing  *phishing.Service
	Catalog   *catalog.Catalog
	Web       *fiber.App
	// Metrics are served on PORTAL_METRICS_LISTEN (ServeMetrics).
	Metrics *metrics.Metrics

	// Liveness, when set, is consulted by /healthz (serve sets it to the
	// embedded database's supervision).
	Liveness func() error

	closeStore func()
	devSMTP    *mail.SMTPServer
	// DevIdP is the local identity provider (dev only), when it runs.
	DevIdP *devidp.Server
}

// New assembles the portal on an open pool. Nothing runs until Start.
func New(cfg *config.Config, pool *pgxpool.Pool, clk clock.Clock, log *slog.Logger) (*App, error) {
	keys, err := cfg.Keys()
	if err != nil {
		return nil, err
	}
	a := &App{Cfg: cfg, Log: log, Clock: clk, Pool: pool}
	sources := []fs.FS{catalog.Builtin()}
	if cfg.CoursesDir != "" {
		sources = append(sources, os.DirFS(cfg.CoursesDir))
	}
	if a.Catalog, err = catalog.Load(sources...); err != nil {
		return nil, fmt.Errorf("course catalog: %w", err)
	}
	a.Metrics = metrics.New(metrics.Sources{
		Lags: a.lags,
		Mail: func(ctx context.Context) (metrics.MailJobs, error) {
			byState, failed, err := pgmail.Jobs(ctx, pool)
			return metrics.MailJobs{ByState: byState, FailedAttempts: failed}, err
		},
		Pool: func() metrics.PoolStats { return poolStats(pool.Stat()) },
	}, log.With("component", "metrics"))
	observe := pgstore.WithBatchObserver(func(b pgstore.BatchInfo) {
		a.Metrics.ObserveAppendBatch(metrics.AppendBatch{
			Appends: b.Appends, Events: b.Events, Conflicts: b.Conflicts, Retried: b.Retried, Took: b.Duration, Failed: b.Err != nil,
		})
	})
	if a.Store, a.closeStore, err = OpenStore(cfg, pool, clk, log, observe); err != nil {
		return nil, err
	}
	codec := registry.Codec()
	a.Repo = eventstore.Repository{Store: a.Store, Codec: codec, Appended: a.Metrics.ObserveEvents}
	a.Runner = pgrunner.New(pool, a.Store, codec, log.With("component", "projections"), readmodels.All()...)

	smtpURL := cfg.SMTPURL
	if cfg.DevMail() {
		// The built-in SMTP server feeds the dev outbox; mail goes through
		// the same SMTP path as in production.
		a.devSMTP, err = mail.StartSMTPServer("127.0.0.1:0", pgmail.OutboxSink{Pool: pool}, log)
		if err != nil {
			return nil, err
		}
		smtpURL, _ = url.Parse(a.devSMTP.URL())
	}
	sealer, err := mail.NewSealer(keys.Mail)
	if err != nil {
		return nil, err
	}
	// Pages cache a few directory rows per learner (internal/readcache).
	dir := readcache.NewDirectory(pgdirectory.Queries{Pool: pool})
	prog := pgprogress.Queries{Pool: pool}
	a.Training = &training.Service{
		Repo: a.Repo, Catalog: a.Catalog, Progress: prog, Dir: dir, Clock: clk, BaseURL: cfg.BaseURL,
		Log: log.With("component", "training"), Render: training.Renderers{CourseAvailable: renderCourseMail, Certificate: renderCertificateMail},
	}
	a.Queue, err = pgmail.NewQueue(pgmail.QueueConfig{
		Pool: pool, Sender: mail.SMTPSender{URL: smtpURL, From: cfg.MailFrom, Timeout: pgmail.SendTimeout(cfg.MailRescueAfter)}, Sealer: sealer,
		Repo: a.Repo, Clock: clk, Log: log.With("component", "mail"), Work: true, RescueAfter: cfg.MailRescueAfter,
		Workers: func(w *river.Workers) error {
			return river.AddWorkerSafely(w, &sweepWorker{app: a})
		},
		Periodic: []*river.PeriodicJob{river.NewPeriodicJob(river.PeriodicInterval(time.Minute),
			func() (river.JobArgs, *river.InsertOpts) { return sweepArgs{}, nil }, &river.PeriodicJobOpts{RunOnStart: true})},
	})
	if err != nil {
		return nil, err
	}
	a.Training.Mail = a.Queue
	providers, err := a.identityProviders(keys.Code)
	if err != nil {
		return nil, err
	}
	a.Auth = &auth.Service{
		Repo: a.Repo, Dir: dir, Sessions: pgauth.Sessions{Pool: pool}, Limiter: pgauth.Limiter{Pool: pool},
		Mail: a.Queue, Clock: clk, CodeKey: keys.Code, BaseURL: cfg.BaseURL, Render: renderSignInMail,
		Log: log.With("component", "auth"), SSO: providers,
	}
	settle := func(ctx context.Context, pos eventstore.Position) error {
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		return a.Runner.WaitFor(ctx, pos)
	}
	files := pgmedia.Store{Pool: pool}
	a.Welcome = &welcome.Service{
		Repo: a.Repo, Gate: readcache.NewGate(pggate.Queries{Pool: pool}), Dir: dir, Files: files, Mail: a.Queue, Render: renderWelcomeMail,
		Clock: clk, BaseURL: cfg.BaseURL, Log: log.With("component", "welcome"), Settle: settle,
	}
	a.Team = &team.Service{
		Repo: a.Repo, Dir: dir, Progress: prog, Catalog: a.Catalog, Gate: pggate.Queries{Pool: pool}, Reminders: pgteam.Queries{Pool: pool},
		Mail: a.Queue, Render: renderReminderMail, Clock: clk, BaseURL: cfg.BaseURL, Log: log.With("component", "team"), Settle: settle,
	}
	a.Reminders = &reminders.Service{
		Repo: a.Repo, Dir: dir, Progress: prog, Catalog: a.Catalog, Sent: pgreminders.Queries{Pool: pool}, Mail: a.Queue,
		Render: reminders.Renderers{Reminder: renderScheduledReminder, Digest: renderDigest},
		Clock:  clk, BaseURL: cfg.BaseURL, Log: log.With("component", "reminders"),
	}
	a.Policies = &policy.Service{Repo: a.Repo, Queries: readcache.NewPolicies(pgpolicies.Queries{Pool: pool}), Docs: files, Markdown: catalog.RenderMarkdown, Clock: clk, Settle: settle}
	a.Breaches = &breaches.Service{
		Repo: a.Repo, Dir: dir, Breaches: readcache.NewBreaches(pgbreaches.Queries{Pool: pool}), Mail: a.Queue, Render: renderBreachMail,
		Clock: clk, BaseURL: cfg.BaseURL, Log: log.With("component", "breaches"), Settle: settle,
	}
	a.Phishing = &phishing.Service{Repo: a.Repo, Phishing: readcache.NewPhishing(pgphishing.Queries{Pool: pool}), Clock: clk, Log: log.With("component", "phishing"), Settle: settle}
	a.Admin = &admin.Service{
		Repo: a.Repo, Dir: dir, Progress: prog, Training: a.Training, Catalog: a.Catalog, Clock: clk, Settle: settle,
		Media: files, Welcome: a.Welcome.Welcome, Log: log.With("component", "admin"),
		Policies: a.Policies, Breaches: a.Breaches, Phishing: a.Phishing,
	}
	a.Web = web.New(web.Deps{
		Admin: a.Admin, Onboarding: a.Welcome, Team: a.Team, Policies: a.Policies, Breaches: a.Breaches, Phishing: a.Phishing,
		DB: pool, Auth: a.Auth, Dir: dir, Progress: readcache.NewProgress(prog), Training: a.Training, Catalog: a.Catalog,
		Runner: a.Runner, Clock: clk, BaseURL: cfg.BaseURL, Timeline: pgtimeline.Queries{Pool: pool}, DevOutbox: pgmail.DevOutbox{Pool: pool},
		Audit:    &audit.Service{Repo: a.Repo, Store: a.Store, Index: pgtimeline.Queries{Pool: pool}, Clock: clk},
		Account:  &account.Service{Repo: a.Repo, Clock: clk},
		CookieHK: keys.CookieHash, CookieBK: keys.CookieBlock, CSRFKey: keys.CSRF, DevMail: cfg.DevMail(), TrustedProxies: cfg.TrustedProxies,
		Log: log.With("component", "web"), ObserveRequest: a.Metrics.ObserveRequest,
		Live: func() error {
			if a.Liveness == nil {
				return nil
			}
			return a.Liveness()
		},
	})
	return a, nil
}

// Start seeds an empty store, sets up projections and starts background
// work (projections, mail) until ctx ends.
func (a *App) Start(ctx context.Context) error {
	if a.Cfg.Seed {
		seeded, err := a.seedDemo(ctx)
		if err != nil {
			return fmt.Errorf("seed demo tenant: %w", err)
		}
		if seeded {
			a.Log.Info("seeded the demo tenant", "learner", seed.LearnerEmail, "manager", seed.ManagerEmail)
		}
	}
	if err := a.Runner.Setup(ctx); err != nil {
		return err
	}
	if err := a.followStore(ctx); err != nil {
		return err
	}
	go func() { _ = a.Runner.Run(ctx) }()
	if err := a.Queue.Start(ctx); err != nil {
		return fmt.Errorf("start mail queue: %w", err)
	}
	return nil
}

// seedDemo seeds the demo tenant into an empty store, one process at a
// time (a transaction-scoped advisory lock in the read-model database, which
// every process shares whatever the store): processes started together on
// an empty store would each find it empty and seed it twice.
func (a *App) seedDemo(ctx context.Context) (bool, error) {
	var seeded bool
	err := pgx.BeginFunc(ctx, a.Pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(7421, 0)`); err != nil {
			return fmt.Errorf("lock: %w", err)
		}
		var err error
		seeded, err = seed.Demo(ctx, a.Store, a.Repo, a.Catalog, pgmedia.Store{Pool: a.Pool}, a.Clock.Now())
		return err
	})
	return seeded, err
}

// Listen serves HTTP on ln until ctx ends, then shuts down gracefully.
func (a *App) Listen(ctx context.Context, ln net.Listener) error {
	errc := make(chan error, 1)
	go func() { errc <- a.Web.Listener(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	if err := a.Web.ShutdownWithTimeout(10 * time.Second); err != nil {
		return err
	}
	return nil
}

// ServeMetrics serves GET /metrics (Prometheus' text format) on ln until
// ctx ends: a listener of its own (PORTAL_METRICS_LISTEN), never the
// public one.
func (a *App) ServeMetrics(ctx context.Context, ln net.Listener) error {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", a.Metrics.Handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shut)
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// lags is each read model's lag, for metrics.
func (a *App) lags(ctx context.Context) ([]metrics.Lag, error) {
	ls, err := a.Runner.Lags(ctx, a.Clock.Now())
	out := make([]metrics.Lag, len(ls))
	for i, l := range ls {
		out[i] = metrics.Lag{Projection: l.Projection, Seconds: l.Behind.Seconds()}
	}
	return out, err
}

func poolStats(s *pgxpool.Stat) metrics.PoolStats {
	return metrics.PoolStats{
		Max: s.MaxConns(), Total: s.TotalConns(), Acquired: s.AcquiredConns(), Idle: s.IdleConns(), ConstructingConns: s.ConstructingConns(),
		Acquires: s.AcquireCount(), EmptyAcquires: s.EmptyAcquireCount(), AcquireWait: s.AcquireDuration(),
	}
}

// Close stops background work.
func (a *App) Close() {
	stopCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := a.Queue.Stop(stopCtx); err != nil && !errors.Is(err, context.Canceled) {
		a.Log.Warn("stop mail queue", "err", err)
	}
	if a.devSMTP != nil {
		_ = a.devSMTP.Close()
	}
	if a.DevIdP != nil {
		_ = a.DevIdP.Close(stopCtx)
	}
	a.closeStore()
}

// OpenStore opens the event store PORTAL_EVENTSTORE names: PostgreSQL's on
// pool (the default, with pgOpts), or KurrentDB at KURRENTDB_URL. close
// releases it.
func OpenStore(cfg *config.Config, pool *pgxpool.Pool, clk clock.Clock, log *slog.Logger, pgOpts ...pgstore.Option) (store eventstore.Store, close func(), err error) {
	switch cfg.EventStore {
	case "", config.EventStorePostgres:
		s := pgstore.New(pool, append([]pgstore.Option{pgstore.WithClock(clk)}, pgOpts...)...)
		return s, s.Close, nil
	case config.EventStoreKurrentDB:
		s, err := kurrentstore.New(cfg.KurrentDBURL, kurrentstore.WithClock(clk), kurrentstore.WithLogger(log.With("component", "kurrentdb")))
		if err != nil {
			return nil, nil, err
		}
		return s, func() {
			if err := s.Close(); err != nil {
				log.Warn("close KurrentDB client", "err", err)
			}
		}, nil
	}
	return nil, nil, fmt.Errorf("unknown event store %q", cfg.EventStore)
}

// followStore rebuilds every read model when the event store differs from
// the one they were built from (event_store_source): their checkpoints are
// positions in the other store's log.
func (a *App) followStore(ctx context.Context) error {
	var was string
	if err := a.Pool.QueryRow(ctx, `SELECT store FROM event_store_source`).Scan(&was); err != nil {
		return fmt.Errorf("read model source: %w", err)
	}
	if was == a.Cfg.EventStore {
		return nil
	}
	a.Log.Info("the event store changed: rebuilding every read model from it", "from", was, "to", a.Cfg.EventStore)
	if err := a.Runner.RebuildAll(ctx, a.Runner.Projections()...); err != nil {
		return fmt.Errorf("rebuild the read models from %s: %w", a.Cfg.EventStore, err)
	}
	if _, err := a.Pool.Exec(ctx, `UPDATE event_store_source SET store = $1, updated_at = now()`, a.Cfg.EventStore); err != nil {
		return fmt.Errorf("read model source: %w", err)
	}
	return nil
}

// identityProviders sets up Microsoft and Google sign-in from the
// configuration, or, in the embedded demo with neither configured, against
// the local identity provider.
func (a *App) identityProviders(key []byte) (map[signin.Method]*sso.Provider, error) {
	cfg := a.Cfg
	redirect := func(m signin.Method) string {
		return cfg.BaseURL.JoinPath("/signin/sso/" + string(m) + "/callback").String()
	}
	ms, google := cfg.Microsoft, cfg.Google
	if cfg.DevIdP {
		// A per-install secret the local provider and the portal share.
		m := hmac.New(sha256.New, key)
		m.Write([]byte("local identity provider client secret"))
		secret := base64.RawURLEncoding.EncodeToString(m.Sum(nil))
		idp, err := devidp.Start(devidp.Options{
			Clock: a.Clock, Identities: devidp.Demo(), Log: a.Log.With("component", "devidp"),
			Microsoft: devidp.Registration{ClientID: "learning-portal-dev", ClientSecret: secret, RedirectURI: redirect(signin.MethodMicrosoft)},
			Google:    devidp.Registration{ClientID: "learning-portal-dev", ClientSecret: secret, RedirectURI: redirect(signin.MethodGoogle)},
		})
		if err != nil {
			return nil, err
		}
		a.DevIdP = idp
		ms = config.OIDC{ClientID: "learning-portal-dev", ClientSecret: secret, Issuer: idp.MicrosoftIssuer(), DiscoveryURL: idp.MicrosoftDiscoveryURL()}
		google = config.OIDC{ClientID: "learning-portal-dev", ClientSecret: secret, Issuer: idp.GoogleIssuer()}
	}
	out := map[signin.Method]*sso.Provider{}
	for m, o := range map[signin.Method]config.OIDC{signin.MethodMicrosoft: ms, signin.MethodGoogle: google} {
		if o.Enabled() {
			out[m] = sso.New(sso.Config{Method: m, ClientID: o.ClientID, ClientSecret: o.ClientSecret, Issuer: o.Issuer, DiscoveryURL: o.DiscoveryURL, RedirectURI: redirect(m)}, nil)
		}
	}
	return out, nil
}
