package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/awareportal/portal/internal/admin"
	"github.com/awareportal/portal/internal/app"
	"github.com/awareportal/portal/internal/clock"
	"github.com/awareportal/portal/internal/config"
	"github.com/awareportal/portal/internal/eventstore"
)

const adminUsage = `usage: portal admin <command> [flags]

  token create  --partner P --name NAME         create an API token (shown once)
  token revoke  --partner P --id TOKEN_ID       stop a token
  courses                                       list the course catalog
  clients list  --partner P
  clients create --partner P --name NAME [--id ID] [--portal=false] [--leaderboard ranked|anonymised|hidden]
  clients set   --partner P --client C [--portal true|false] [--leaderboard ranked|anonymised|hidden]
                [--microsoft-tenant GUID] [--google-domain DOMAIN] [--email-links true|false]
                (an empty --microsoft-tenant= or --google-domain= unbinds)
  users list    --partner P --client C
  users add     --partner P --client C --email E --first F [--last L] [--manager ID] [--department D] [--source manual|microsoft365|google_workspace] [--id ID]
  assign        --partner P --client C --course COURSE --due DATE [--from DATE] [--learner ID ...]
  status        --partner P --client C
  staff list    --partner P
  staff grant   --partner P --email E --name NAME --role support|auditor [--client C]   (auditors need --client)
  staff revoke  --partner P --id GRANT_ID

P is a partner id or slug. Add --json to any command for JSON output.
`

// multi is a repeatable string flag.
type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(v string) error { *m = append(*m, v); return nil }

func adminCmd(ctx context.Context, cfg *config.Config, log *slog.Logger, args []string, out io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("missing command\n\n%s", strings.TrimSpace(adminUsage))
	}
	cmd := args[0]
	if (cmd == "token" || cmd == "clients" || cmd == "users" || cmd == "staff") && len(args) > 1 {
		cmd += " " + args[1]
		args = args[1:]
	}
	fs := flag.NewFlagSet("portal admin "+cmd, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var (
		partner, client, name, id, email, first, last, manager, dept, source, course, due, from, portal, leaderboard string
		learners                                                                                                     multi
		asJSON                                                                                                       bool
	)
	fs.StringVar(&partner, "partner", "", "partner id or slug")
	fs.StringVar(&client, "client", "", "client id")
	fs.StringVar(&name, "name", "", "name")
	fs.StringVar(&id, "id", "", "id")
	fs.StringVar(&email, "email", "", "email")
	fs.StringVar(&first, "first", "", "first name")
	fs.StringVar(&last, "last", "", "last name")
	fs.StringVar(&manager, "manager", "", "manager's learner id")
	fs.StringVar(&dept, "department", "", "department")
	fs.StringVar(&source, "source", "", "directory source")
	fs.StringVar(&course, "course", "", "course id")
	fs.StringVar(&due, "due", "", "due date")
	fs.StringVar(&from, "from", "", "available-from date")
	fs.StringVar(&portal, "portal", "", "portal on (true) or off (false)")
	fs.StringVar(&leaderboard, "leaderboard", "", "ranked, anonymised or hidden")
	var role, msTenant, googleDomain, emailLinks string
	fs.StringVar(&role, "role", "", "support or auditor")
	fs.StringVar(&msTenant, "microsoft-tenant", "", "Microsoft Entra tenant id the client's sync is bound to")
	fs.StringVar(&googleDomain, "google-domain", "", "Google Workspace domain the client's sync is bound to")
	fs.StringVar(&emailLinks, "email-links", "", "email links for synced learners on (true) or off (false)")
	fs.Var(&learners, "learner", "learner id (repeat)")
	fs.BoolVar(&asJSON, "json", false, "JSON output")
	if err := fs.Parse(args[1:]); err != nil {
		return fmt.Errorf("%w\n\n%s", err, adminUsage)
	}

	if err := cfg.LoadSecret(); err != nil {
		return err
	}
	database, err := app.OpenDatabase(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer database.Close()
	cfg.DevIdP = false // nobody signs in through a command
	a, err := app.New(cfg, database.Pool, clock.System{}, log)
	if err != nil {
		return err
	}
	defer a.Close()
	if err := a.Runner.Setup(ctx); err != nil {
		return err
	}
	// Keep read models moving while the command runs (if `serve` runs, it
	// holds the projections and does this instead).
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	go func() { _ = a.Runner.Run(runCtx) }()

	svc := a.Admin
	meta := eventstore.Metadata{ActorID: "cli:" + currentUser()}
	print := func(v any, table func(w *tabwriter.Writer)) error {
		if asJSON {
			enc := json.NewEncoder(out)
			enc.SetIndent("", "  ")
			return enc.Encode(v)
		}
		w := tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
		table(w)
		return w.Flush()
	}
	needPartner := func() (string, error) {
		if partner == "" {
			return "", errors.New("--partner is required")
		}
		p, err := svc.Partner(ctx, partner)
		if err != nil {
			return "", err
		}
		meta.TenantID = p.ID
		return p.ID, nil
	}
	boolFlag := func(v, flagName string) (*bool, error) {
		if v == "" {
			return nil, nil
		}
		switch strings.ToLower(v) {
		case "true", "on", "yes":
			b := true
			return &b, nil
		case "false", "off", "no":
			b := false
			return &b, nil
		}
		return nil, fmt.Errorf("--%s: want true or false", flagName)
	}
	strFlag := func(v string) *string {
		if v == "" {
			return nil
		}
		return &v
	}

	if cmd == "courses" {
		list := a.Catalog.All()
		return print(list, func(w *tabwriter.Writer) {
			fmt.Fprintln(w, "ID\tVERSION\tTITLE\tMINUTES\tPASS MARK")
			for _, c := range list {
				fmt.Fprintf(w, "%s\t%d\t%s\t%d\t%d%%\n", c.ID, c.Version, c.Title, c.Minutes, c.Quiz.PassMark)
			}
		})
	}
	pid, err := needPartner()
	if err != nil {
		return err
	}
	switch cmd {
	case "token create":
		token, tokenID, err := svc.IssueToken(ctx, pid, name, meta)
		if err != nil {
			return err
		}
		return print(map[string]string{"token_id": tokenID, "token": token}, func(w *tabwriter.Writer) {
			fmt.Fprintf(w, "Token %s created. Copy it now: it is not shown again.\n\n  %s\n", tokenID, token)
		})
	case "token revoke":
		if err := svc.RevokeToken(ctx, pid, id, meta); err != nil {
			return err
		}
		fmt.Fprintf(out, "Token %s revoked.\n", id)
		return nil
	case "clients list":
		list, err := svc.Clients(ctx, pid)
		if err != nil {
			return err
		}
		return print(list, func(w *tabwriter.Writer) {
			fmt.Fprintln(w, "ID\tNAME\tPORTAL\tLEADERBOARD")
			for _, c := range list {
				fmt.Fprintf(w, "%s\t%s\t%v\t%s\n", c.ID, c.Name, onOff(c.PortalEnabled), c.LeaderboardMode)
			}
		})
	case "clients create":
		enabled, err := boolFlag(portal, "portal")
		if err != nil {
			return err
		}
		c, err := svc.CreateClient(ctx, pid, admin.ClientInput{ID: id, Name: name, PortalEnabled: enabled, Leaderboard: strFlag(leaderboard)}, meta)
		if err != nil {
			return err
		}
		return print(c, func(w *tabwriter.Writer) { fmt.Fprintf(w, "Client %s (%s) created.\n", c.ID, c.Name) })
	case "clients set":
		enabled, err := boolFlag(portal, "portal")
		if err != nil {
			return err
		}
		links, err := boolFlag(emailLinks, "email-links")
		if err != nil {
			return err
		}
		patch := admin.ClientPatch{PortalEnabled: enabled, Leaderboard: strFlag(leaderboard), EmailLinks: links}
		fs.Visit(func(f *flag.Flag) {
			switch f.Name {
			case "microsoft-tenant":
				patch.MicrosoftTenantID = &msTenant
			case "google-domain":
				patch.GoogleDomain = &googleDomain
			}
		})
		c, err := svc.UpdateClient(ctx, pid, client, patch, meta)
		if err != nil {
			return err
		}
		return print(c, func(w *tabwriter.Writer) {
			fmt.Fprintf(w, "Client %s: portal %s, leaderboard %s, Microsoft tenant %s, Google domain %s, email links %s.\n", c.ID, onOff(c.PortalEnabled), c.LeaderboardMode,
				orNone(c.MicrosoftTenantID), orNone(c.GoogleDomain), onOff(c.EmailLinks))
		})
	case "users list":
		list, err := svc.Users(ctx, pid, client)
		if err != nil {
			return err
		}
		return print(list, func(w *tabwriter.Writer) {
			fmt.Fprintln(w, "ID\tEMAIL\tNAME\tMANAGER\tSOURCE")
			for _, l := range list {
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", l.ID, l.Email, l.FullName(), l.ManagerID, l.Source)
			}
		})
	case "users add":
		l, err := svc.ProvisionUser(ctx, pid, client, admin.UserInput{ID: id, Email: email, FirstName: first, LastName: last, ManagerID: manager, Department: dept, Source: source}, meta)
		if err != nil {
			return err
		}
		return print(l, func(w *tabwriter.Writer) { fmt.Fprintf(w, "Learner %s (%s) added to %s.\n", l.ID, l.Email, client) })
	case "assign":
		res, err := svc.Assign(ctx, pid, client, admin.AssignInput{CourseID: course, LearnerIDs: learners, AvailableFrom: from, DueAt: due}, meta.ActorID, meta)
		if err != nil {
			return err
		}
		return print(res, func(w *tabwriter.Writer) {
			fmt.Fprintf(w, "Assigned %s to %d learner(s); %d already had it open.\n", course, len(res.AssignmentIDs), len(res.Skipped))
		})
	case "staff list":
		list, err := svc.Staff(ctx, pid)
		if err != nil {
			return err
		}
		return print(list, func(w *tabwriter.Writer) {
			fmt.Fprintln(w, "GRANT\tEMAIL\tNAME\tROLE\tCLIENT")
			for _, r := range list {
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", r.GrantID, r.Email, r.Name, r.Role, r.ClientID)
			}
		})
	case "staff grant":
		id, err := svc.GrantStaff(ctx, pid, admin.StaffInput{Email: email, Name: name, Role: role, ClientID: client}, meta)
		if err != nil {
			return err
		}
		return print(map[string]string{"grant_id": id}, func(w *tabwriter.Writer) {
			fmt.Fprintf(w, "%s is now %s (grant %s). They sign in at the usual sign-in page.\n", email, role, id)
		})
	case "staff revoke":
		if err := svc.RevokeStaff(ctx, pid, id, meta); err != nil {
			return err
		}
		fmt.Fprintf(out, "Grant %s revoked.\n", id)
		return nil
	case "status":
		st, err := svc.Status(ctx, pid, client)
		if err != nil {
			return err
		}
		return print(st, func(w *tabwriter.Writer) {
			fmt.Fprintln(w, "LEARNER\tEMAIL\tASSIGNED\tCOMPLETED\tOVERDUE\tDONE")
			for _, s := range st {
				fmt.Fprintf(w, "%s\t%s\t%d\t%d\t%d\t%d%%\n", s.Name, s.Email, s.Assigned, s.Completed, s.Overdue, s.CompletionPercent)
			}
		})
	}
	return fmt.Errorf("unknown admin command %q\n\n%s", cmd, adminUsage)
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

func currentUser() string {
	if u := os.Getenv("SUDO_USER"); u != "" {
		return u
	}
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	return "unknown"
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
