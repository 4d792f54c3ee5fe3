package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/awareportal/portal/domain/tenancy"
	"github.com/awareportal/portal/internal/app"
	"github.com/awareportal/portal/internal/audit"
	"github.com/awareportal/portal/internal/clock"
	"github.com/awareportal/portal/internal/config"
	"github.com/awareportal/portal/projections/timeline/pgtimeline"
)

const auditUsage = `usage: portal audit <command> [flags]

  verify                                   check every stream's hash chain; names tampered rows
  export [--client C] [--learner L] [--from DATE] [--to DATE] [--format jsonl|csv] [--out FILE]
                                           history as CloudEvents JSON Lines (default) or CSV;
                                           no --client/--learner: every event
`

func auditCmd(ctx context.Context, cfg *config.Config, log *slog.Logger, args []string, out io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("missing command\n\n%s", strings.TrimSpace(auditUsage))
	}
	fs := flag.NewFlagSet("portal audit "+args[0], flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	client := fs.String("client", "", "client id")
	learner := fs.String("learner", "", "learner id")
	from := fs.String("from", "", "first day (2026-01-01)")
	to := fs.String("to", "", "last day (2026-12-31)")
	format := fs.String("format", "jsonl", "jsonl or csv")
	outFile := fs.String("out", "", "write to this file instead of standard output")
	if err := fs.Parse(args[1:]); err != nil {
		return fmt.Errorf("%w\n\n%s", err, auditUsage)
	}
	database, err := app.OpenDatabase(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer database.Close()
	// The configured event store (PostgreSQL or KurrentDB), read through
	// the store contract.
	store, closeStore, err := app.OpenStore(cfg, database.Pool, clock.System{}, log)
	if err != nil {
		return err
	}
	defer closeStore()

	switch args[0] {
	case "verify":
		rep, err := audit.Verify(ctx, store)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "%d events in %d streams checked.\nHeads digest: %s\n", rep.Events, rep.Streams, rep.Heads)
		if rep.OK() {
			fmt.Fprintln(out, "OK: every hash chain is intact.")
			return nil
		}
		for _, p := range rep.Problems {
			fmt.Fprintln(out, "TAMPERED:", p.String())
		}
		if len(rep.Problems) == 1 {
			return errors.New("1 problem found")
		}
		return fmt.Errorf("%d problems found", len(rep.Problems))
	case "export":
		sel := audit.Selection{}
		if *from != "" {
			t, err := time.Parse("2006-01-02", *from)
			if err != nil {
				return fmt.Errorf("--from: want a date like 2026-01-01")
			}
			sel.From = t
		}
		if *to != "" {
			t, err := time.Parse("2006-01-02", *to)
			if err != nil {
				return fmt.Errorf("--to: want a date like 2026-12-31")
			}
			sel.To = t.Add(24 * time.Hour)
		}
		tq := pgtimeline.Queries{Pool: database.Pool}
		var learners []string
		switch {
		case *learner != "":
			learners = []string{*learner}
		case *client != "":
			if learners, err = tq.LearnersOfClient(ctx, *client); err != nil {
				return err
			}
		}
		if len(learners) > 0 {
			if sel.Streams, err = tq.StreamsOf(ctx, learners); err != nil {
				return err
			}
			if *client != "" {
				sel.Streams = append(sel.Streams, tenancy.ClientStream(*client))
			}
		} else if *client != "" || *learner != "" {
			return errors.New("nobody matches that --client or --learner")
		}
		w := out
		if *outFile != "" {
			f, err := os.Create(*outFile)
			if err != nil {
				return err
			}
			defer f.Close()
			w = f
		}
		n, err := audit.Export(ctx, store, sel, audit.Format(*format), cfg.BaseURL.String(), w)
		if err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "%d events exported.\n", n)
		return nil
	}
	return fmt.Errorf("unknown audit command %q\n\n%s", args[0], auditUsage)
}
