// Command portal runs the learning portal.
//
//	portal [serve]                     run the portal (the default)
//	portal migrate                     apply database migrations and exit
//	portal projections rebuild [name]  rebuild read models from the event log
//	portal projections parked [--json] list events the projections could not apply
//	portal eventstore copy [--to URL]  copy the PostgreSQL event log into KurrentDB
//
// Configuration comes from PORTAL_* environment variables and DATABASE_URL;
// see the README.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/awareportal/portal/projections/readmodels"

	"github.com/awareportal/portal/domain/registry"
	"github.com/awareportal/portal/internal/app"
	"github.com/awareportal/portal/internal/clock"
	"github.com/awareportal/portal/internal/config"
	"github.com/awareportal/portal/internal/seed"
	"github.com/awareportal/portal/projections/pgrunner"
)

const usage = `usage:
  portal [serve]                     run the portal (default)
  portal migrate                     apply database migrations and exit
  portal projections rebuild [name]  rebuild one read model (or all) from the event log
  portal projections parked [--json] list events the projections could not apply (parked)
  portal admin ...                   partner administration (portal admin for help)
  portal audit verify|export         check the event log's hash chains; export history
  portal eventstore copy [--to URL]  copy the PostgreSQL event log into KurrentDB (resumable)
`

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "portal:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	cfg, err := config.Load(os.Getenv)
	if err != nil {
		return err
	}
	if len(args) > 0 && (args[0] == "admin" || args[0] == "audit" || args[0] == "eventstore") && os.Getenv("PORTAL_LOG_LEVEL") == "" {
		cfg.LogLevel = slog.LevelWarn // a CLI prints its answer, not the app's chatter
	}
	var handler slog.Handler = slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: cfg.LogLevel})
	if cfg.LogJSON {
		handler = slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: cfg.LogLevel})
	}
	log := slog.New(handler)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	cmd := "serve"
	if len(args) > 0 {
		cmd = args[0]
	}
	switch cmd {
	case "serve":
		return serve(ctx, cfg, log)
	case "migrate":
		database, err := app.OpenDatabase(ctx, cfg, log)
		if err != nil {
			return err
		}
		database.Close()
		log.Info("database is up to date")
		return nil
	case "admin":
		return adminCmd(ctx, cfg, log, args[1:], os.Stdout)
	case "audit":
		return auditCmd(ctx, cfg, log, args[1:], os.Stdout)
	case "eventstore":
		return eventstoreCmd(ctx, cfg, log, args[1:], os.Stdout)
	case "projections":
		switch {
		case len(args) >= 2 && args[1] == "rebuild":
			return rebuild(ctx, cfg, log, args[2:])
		case len(args) >= 2 && args[1] == "parked":
			return listParked(ctx, cfg, log, args[2:], os.Stdout)
		}
		return fmt.Errorf("unknown projections command\n%s", usage)
	case "help", "-h", "--help":
		fmt.Print(usage)
		return nil
	default:
		return fmt.Errorf("unknown command %q\n%s", cmd, usage)
	}
}

func serve(ctx context.Context, cfg *config.Config, log *slog.Logger) error {
	if err := cfg.LoadSecret(); err != nil {
		return err
	}
	// Listen first: a busy port is reported before anything else starts.
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w (set PORTAL_LISTEN to use another address)", cfg.Listen, err)
	}
	var metricsLn net.Listener
	if cfg.MetricsListen != "" {
		if metricsLn, err = net.Listen("tcp", cfg.MetricsListen); err != nil {
			ln.Close()
			return fmt.Errorf("listen on %s: %w (PORTAL_METRICS_LISTEN)", cfg.MetricsListen, err)
		}
		defer metricsLn.Close()
	}
	database, err := app.OpenDatabase(ctx, cfg, log)
	if err != nil {
		ln.Close()
		return err
	}
	defer database.Close()
	database.Supervise(ctx)
	a, err := app.New(cfg, database.Pool, clock.System{}, log)
	if err != nil {
		return err
	}
	defer a.Close()
	a.Liveness = database.Live
	if err := a.Start(ctx); err != nil {
		return err
	}
	base := cfg.BaseURL.String()
	fmt.Fprintf(os.Stderr, "\n  Learning portal is running: %s\n", base)
	fmt.Fprintf(os.Stderr, "  Partner-branded sign-in:     %s/p/%s/signin\n", base, seed.PartnerSlug)
	fmt.Fprintf(os.Stderr, "  Demo learner:                %s\n", seed.LearnerEmail)
	if cfg.DevMail() {
		fmt.Fprintf(os.Stderr, "  Sent mail (dev outbox):      %s/dev/mail\n", base)
	}
	if a.DevIdP != nil {
		fmt.Fprintf(os.Stderr, "  Microsoft & Google sign-in:  local test provider at %s (dev only)\n", a.DevIdP.URL)
		fmt.Fprintf(os.Stderr, "                               pick %s (Microsoft) or %s (Google)\n", seed.MicrosoftEmail, seed.GoogleEmail)
	}
	fmt.Fprintf(os.Stderr, "  Data directory:              %s\n\n", cfg.DataDir)
	if metricsLn != nil {
		go func() {
			if err := a.ServeMetrics(ctx, metricsLn); err != nil {
				log.Error("metrics listener stopped", "err", err)
			}
		}()
		log.Info("metrics served", "url", "http://"+metricsLn.Addr().String()+"/metrics")
	}
	return a.Listen(ctx, ln)
}

func rebuild(ctx context.Context, cfg *config.Config, log *slog.Logger, names []string) error {
	database, err := app.OpenDatabase(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer database.Close()
	store, closeStore, err := app.OpenStore(cfg, database.Pool, clock.System{}, log)
	if err != nil {
		return err
	}
	defer closeStore()
	runner := pgrunner.New(database.Pool, store, registry.Codec(), log, readmodels.All()...)
	if len(names) == 0 {
		for _, p := range runner.Projections() {
			names = append(names, p.Name())
		}
	}
	var ps []pgrunner.Projection
	for _, name := range names {
		p, err := runner.Find(name)
		if err != nil {
			return err
		}
		ps = append(ps, p)
	}
	return runner.RebuildAll(ctx, ps...) // one read of the log for all of them
}

// listParked prints the events projections parked: what, where, why.
func listParked(ctx context.Context, cfg *config.Config, log *slog.Logger, args []string, out io.Writer) error {
	asJSON := len(args) == 1 && args[0] == "--json"
	if len(args) > 0 && !asJSON {
		return fmt.Errorf("usage: portal projections parked [--json]")
	}
	database, err := app.OpenDatabase(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer database.Close()
	store, closeStore, err := app.OpenStore(cfg, database.Pool, clock.System{}, log)
	if err != nil {
		return err
	}
	defer closeStore()
	runner := pgrunner.New(database.Pool, store, registry.Codec(), log, readmodels.All()...)
	const limit = 1000
	list, total, err := runner.Parked(ctx, limit)
	if err != nil {
		return err
	}
	if asJSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(map[string]any{"total": total, "parked": list})
	}
	if total == 0 {
		fmt.Fprintln(out, "No parked events: every projection applied every event.")
		return nil
	}
	w := tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
	fmt.Fprintln(w, "PROJECTION\tPOSITION\tTYPE\tSTREAM\tTENANT\tEVENT\tPARKED AT\tERROR")
	for _, pk := range list {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", pk.Projection, pk.Position, pk.Type, pk.Stream, pk.TenantID, pk.EventID,
			pk.ParkedAt.UTC().Format(time.RFC3339), pk.Error)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if total > len(list) {
		fmt.Fprintf(out, "… and %d more (the oldest %d are shown).\n", total-len(list), limit)
	}
	fmt.Fprintln(out, "\nFix the cause, then 'portal projections rebuild <projection>': a rebuild keeps only the events it still cannot apply.")
	return nil
}
