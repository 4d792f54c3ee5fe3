package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/awareportal/portal/internal/app"
	"github.com/awareportal/portal/internal/audit"
	"github.com/awareportal/portal/internal/clock"
	"github.com/awareportal/portal/internal/config"
	"github.com/awareportal/portal/internal/eventstore/kurrentstore"
	"github.com/awareportal/portal/internal/eventstore/pgstore"
	"github.com/awareportal/portal/internal/eventstore/storecopy"
)

const eventstoreUsage = `usage: portal eventstore copy [--to kurrentdb://host:2113?tls=false]

  copy   copy the PostgreSQL event log, in global order, into KurrentDB
         (--to, default KURRENTDB_URL; esdb:// works too), keeping ids, types,
         data, metadata and recorded times. Run it again to copy what came
         since: events already there are skipped. Ends by comparing both logs
         stream by stream and verifying the copy's hash chains.
`

func eventstoreCmd(ctx context.Context, cfg *config.Config, log *slog.Logger, args []string, out io.Writer) error {
	if len(args) == 0 || args[0] != "copy" {
		return fmt.Errorf("unknown or missing command\n\n%s", strings.TrimSpace(eventstoreUsage))
	}
	fs := flag.NewFlagSet("portal eventstore copy", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	to := fs.String("to", cfg.KurrentDBURL, "KurrentDB connection string")
	if err := fs.Parse(args[1:]); err != nil {
		return fmt.Errorf("%w\n\n%s", err, eventstoreUsage)
	}
	if *to == "" {
		return fmt.Errorf("give the target with --to kurrentdb://… (or set KURRENTDB_URL)\n\n%s", eventstoreUsage)
	}
	database, err := app.OpenDatabase(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer database.Close()
	src := pgstore.New(database.Pool)
	defer src.Close()
	dst, err := kurrentstore.New(*to, kurrentstore.WithClock(clock.System{}))
	if err != nil {
		return fmt.Errorf("--to: %w", err)
	}
	defer func() { _ = dst.Close() }()

	r, err := storecopy.Copy(ctx, src, dst, func(r storecopy.Report) {
		if r.Read%10000 < 500 {
			fmt.Fprintf(out, "… %d events read, %d copied, %d already there\n", r.Read, r.Copied, r.Skipped)
		}
	})
	if err != nil {
		return fmt.Errorf("copy stopped (run it again to resume) after %d copied: %w", r.Copied, err)
	}
	fmt.Fprintf(out, "Copied %d events (%d were already there) of %d.\n", r.Copied, r.Skipped, r.Read)
	cmp, err := storecopy.Compare(ctx, src, dst)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "PostgreSQL: %d events in %d streams, content digest %s\nKurrentDB:  %d events in %d streams, content digest %s\n",
		cmp.SourceEvents, cmp.SourceStreams, cmp.SourceHeads, cmp.TargetEvents, cmp.TargetStreams, cmp.TargetHeads)
	for _, d := range cmp.Differences {
		fmt.Fprintln(out, "DIFFERENT:", d)
	}
	if !cmp.OK() {
		return errors.New("the logs differ (new events written meanwhile? run the copy again once the portal is stopped)")
	}
	rep, err := audit.Verify(ctx, dst)
	if err != nil {
		return err
	}
	if !rep.OK() {
		for _, p := range rep.Problems {
			fmt.Fprintln(out, "TAMPERED:", p.String())
		}
		return fmt.Errorf("the copy's hash chains: %d problems", len(rep.Problems))
	}
	fmt.Fprintf(out, "OK: the same events, stream by stream; the copy's hash chains verify (heads digest %s).\n", rep.Heads)
	return nil
}
