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

// adminEnv is what an admin command runs with.
type adminEnv struct {
	ctx     context.Context
	app     *app.App
	svc     *admin.Service
	out     io.Writer
	json    bool
	partner string // the partner's id, resolved from --partner
	meta    eventstore.Metadata
}

// print writes v as JSON with --json, else as the table.
func (e *adminEnv) print(v any, table func(w *tabwriter.Writer)) error {
	if e.json {
		enc := json.NewEncoder(e.out)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	w := tabwriter.NewWriter(e.out, 2, 4, 2, ' ', 0)
	table(w)
	return w.Flush()
}

// adminCommand is one `portal admin` command with its own flags.
type adminCommand struct {
	name, args, summary string
	noPartner           bool // the command is not about one partner
	positional          int  // how many arguments it takes besides flags
	// define adds the command's flags and returns what it runs.
	define func(fs *flag.FlagSet) func(e *adminEnv) error
}

// adminCommands lists every command, in the order help shows them.
func adminCommands() []adminCommand {
	return []adminCommand{
		{name: "token create", args: "--partner P --name NAME", summary: "create an API token (shown once)", define: tokenCreate},
		{name: "token revoke", args: "--partner P --id TOKEN_ID", summary: "stop a token", define: tokenRevoke},
		{name: "courses", summary: "list the course catalog", noPartner: true, define: coursesList},
		{name: "clients list", args: "--partner P", summary: "list the partner's clients", define: clientsList},
		{name: "clients create", args: "--partner P --name NAME [--id ID] [--portal=false] [--leaderboard MODE]", summary: "add a client", define: clientsCreate},
		{name: "clients set", args: "--partner P --client C [--portal B] [--leaderboard MODE] [--microsoft-tenant GUID] [--google-domain D] [--email-links B] [--time-zone ZONE] [--language LANG]",
			summary: "change a client (an empty --microsoft-tenant= or --google-domain= unbinds; --language is en, de or fr, empty for none)", define: clientsSet},
		{name: "reminders show", args: "--partner P --client C", summary: "a client's reminder policy (its defaults until set)", define: remindersShow},
		{name: "reminders set", args: "--partner P --client C [--learners B] [--days-before N] [--on-due-date B] [--overdue-every N] [--overdue-limit N] [--hour H] [--digest B] [--digest-day DAY] [--digest-hour H]",
			summary: "change when learners are reminded and managers get their digest (hours are the client's local time)", define: remindersSet},
		{name: "users list", args: "--partner P --client C", summary: "list a client's learners", define: usersList},
		{name: "users add", args: "--partner P --client C --email E --first F [--last L] [--manager ID] [--department D] [--source S] [--id ID]",
			summary: "add a learner (source: manual, microsoft365 or google_workspace)", define: usersAdd},
		{name: "assign", args: "--partner P --client C --course COURSE --due DATE [--from DATE] [--learner ID ...]", summary: "assign a course (no --learner: everyone at the client)", define: assign},
		{name: "status", args: "--partner P --client C", summary: "a client's training status", define: status},
		{name: "onboarding show", args: "--partner P [--client C]", summary: "the partner's onboarding modules and default sequence (or a client's sequence)", define: onboardingShow},
		{name: "onboarding upload", args: "--partner P --file PATH", summary: "upload a video (MP4/WebM, ≤ 500 MB) or policy PDF (≤ 20 MB); prints its sha256", define: onboardingUpload},
		{name: "onboarding module", args: "--partner P --id ID --kind KIND [--title T] [--text T] [--media SHA256 | --file PATH]",
			summary: "add or change a module (kind: welcome, report_phishing, submit_ticket, video, policy_pdf)", define: onboardingModule},
		{name: "onboarding remove", args: "--partner P --id ID", summary: "take a module out (nobody's progress is reset)", define: onboardingRemove},
		{name: "onboarding default", args: "--partner P --modules ID,ID,...", summary: "set the partner default sequence clients inherit", define: onboardingDefault},
		{name: "onboarding client", args: "--partner P --client C [--inherit | --modules ID,ID,...] [--report-button NAME] [--help-desk EMAIL|URL]",
			summary: "set a client's own sequence (or inherit) and what its walkthroughs say", define: onboardingClient},
		{name: "policy list", args: "--partner P", summary: "the partner's policies to sign, with their current versions", define: policyList},
		{name: "policy publish", args: "--partner P --id ID --title T --version N (--file PATH | --document SHA256) [--resign-on-new-version]",
			summary: "publish a policy (PDF ≤ 20 MB or Markdown ≤ 1 MB), or a new version of one", define: policyPublish},
		{name: "policy assign", args: "--partner P --client C --id ID --due DATE [--learners A,B] [--request-id K]", summary: "ask a client's learners (or some) to sign a policy", define: policyAssign},
		{name: "breaches import", args: "--partner P --client C FILE.jsonl", positional: 1,
			summary: "record breach records (one JSON object a line, as the API's records); prints what was new, known, unknown", define: breachesImport},
		{name: "breaches monitoring", args: "--partner P [--client C] [--enabled B]", summary: "show or switch Dark Web Monitoring (the partner's master switch, or a client's)", define: breachesMonitoring},
		{name: "phishing import", args: "--partner P --client C FILE.json", positional: 1,
			summary: "record phishing-simulation results (the API's body); prints what was new, updated, unchanged", define: phishingImport},
		{name: "staff list", args: "--partner P", summary: "list staff grants", define: staffList},
		{name: "staff grant", args: "--partner P --email E --name NAME --role support|auditor [--client C]", summary: "make someone support or an auditor (auditors need --client)", define: staffGrant},
		{name: "staff revoke", args: "--partner P --id GRANT_ID", summary: "end a staff grant", define: staffRevoke},
	}
}

func adminUsage() string {
	var b strings.Builder
	b.WriteString("usage: portal admin <command> [flags]\n\n")
	w := tabwriter.NewWriter(&b, 2, 4, 2, ' ', 0)
	for _, c := range adminCommands() {
		fmt.Fprintf(w, "  %s\t%s\n", c.name, c.summary)
	}
	_ = w.Flush()
	b.WriteString("\nEvery command but courses takes --partner (a partner id or slug), and every command --json (the API's keys).\n")
	b.WriteString("`portal admin <command> --help` lists the command's flags.\n")
	return b.String()
}

// errHelp means help was asked for and printed.
var errHelp = flag.ErrHelp

func adminCmd(ctx context.Context, cfg *config.Config, log *slog.Logger, args []string, out io.Writer) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		if len(args) == 0 {
			return fmt.Errorf("missing command\n\n%s", adminUsage())
		}
		fmt.Fprint(out, adminUsage())
		return nil
	}
	var cmd *adminCommand
	for _, c := range adminCommands() {
		words := strings.Fields(c.name)
		if len(args) >= len(words) && strings.Join(args[:len(words)], " ") == c.name {
			cmd, args = &c, args[len(words):]
			break
		}
	}
	if cmd == nil {
		return fmt.Errorf("unknown admin command %q\n\n%s", strings.Join(args, " "), adminUsage())
	}
	fs := flag.NewFlagSet("portal admin "+cmd.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	e := &adminEnv{ctx: ctx, out: out, meta: eventstore.Metadata{ActorID: "cli:" + currentUser()}}
	var partner string
	if !cmd.noPartner {
		fs.StringVar(&partner, "partner", "", "partner id or slug (required)")
	}
	fs.BoolVar(&e.json, "json", false, "print JSON (the API's shapes and keys)")
	run := cmd.define(fs)
	if err := fs.Parse(args); errors.Is(err, errHelp) {
		fs.SetOutput(out)
		fmt.Fprintf(out, "usage: portal admin %s %s\n\n%s\n\n", cmd.name, cmd.args, cmd.summary)
		fs.PrintDefaults()
		return nil
	} else if err != nil {
		return fmt.Errorf("%w\n\nusage: portal admin %s %s", err, cmd.name, cmd.args)
	}
	if fs.NArg() > cmd.positional {
		return fmt.Errorf("unexpected %q\n\nusage: portal admin %s %s", fs.Arg(0), cmd.name, cmd.args)
	}
	if !cmd.noPartner && partner == "" {
		return fmt.Errorf("--partner is required\n\nusage: portal admin %s %s", cmd.name, cmd.args)
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

	e.app, e.svc = a, a.Admin
	if !cmd.noPartner {
		p, err := e.svc.Partner(ctx, partner)
		if err != nil {
			return err
		}
		e.partner, e.meta.TenantID = p.ID, p.ID
	}
	return run(e)
}

func tokenCreate(fs *flag.FlagSet) func(*adminEnv) error {
	name := fs.String("name", "", "what the token is for (required)")
	return func(e *adminEnv) error {
		token, tokenID, err := e.svc.IssueToken(e.ctx, e.partner, *name, e.meta)
		if err != nil {
			return err
		}
		return e.print(admin.TokenJSON{TokenID: tokenID, Token: token}, func(w *tabwriter.Writer) {
			fmt.Fprintf(w, "Token %s created. Copy it now: it is not shown again.\n\n  %s\n", tokenID, token)
		})
	}
}

func tokenRevoke(fs *flag.FlagSet) func(*adminEnv) error {
	id := fs.String("id", "", "the token's id (required)")
	return func(e *adminEnv) error {
		if err := e.svc.RevokeToken(e.ctx, e.partner, *id, e.meta); err != nil {
			return err
		}
		return e.print(admin.TokenJSON{TokenID: *id}, func(w *tabwriter.Writer) { fmt.Fprintf(w, "Token %s revoked.\n", *id) })
	}
}

func coursesList(*flag.FlagSet) func(*adminEnv) error {
	return func(e *adminEnv) error {
		list := e.app.Catalog.All()
		return e.print(admin.CoursesJSON(list), func(w *tabwriter.Writer) {
			fmt.Fprintln(w, "ID\tVERSION\tTITLE\tMINUTES\tPASS MARK")
			for _, c := range list {
				fmt.Fprintf(w, "%s\t%d\t%s\t%d\t%d%%\n", c.ID, c.Version, c.Title, c.Minutes, c.Quiz.PassMark)
			}
		})
	}
}

func clientsList(*flag.FlagSet) func(*adminEnv) error {
	return func(e *adminEnv) error {
		list, err := e.svc.Clients(e.ctx, e.partner)
		if err != nil {
			return err
		}
		return e.print(admin.ClientsJSON(list), func(w *tabwriter.Writer) {
			fmt.Fprintln(w, "ID\tNAME\tPORTAL\tLEADERBOARD")
			for _, c := range list {
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", c.ID, c.Name, onOff(c.PortalEnabled), c.LeaderboardMode)
			}
		})
	}
}

func clientsCreate(fs *flag.FlagSet) func(*adminEnv) error {
	name := fs.String("name", "", "the client's name (required)")
	id := fs.String("id", "", "the client's id (default: a slug of the name)")
	var portal optBool
	fs.Var(&portal, "portal", "learner portal on (true, the default) or off (false)")
	var leaderboard optString
	fs.Var(&leaderboard, "leaderboard", "ranked (default), anonymised or hidden")
	return func(e *adminEnv) error {
		c, err := e.svc.CreateClient(e.ctx, e.partner, admin.ClientInput{ID: *id, Name: *name, PortalEnabled: portal.v, Leaderboard: leaderboard.v}, e.meta)
		if err != nil {
			return err
		}
		return e.print(admin.ToClientJSON(c), func(w *tabwriter.Writer) { fmt.Fprintf(w, "Client %s (%s) created.\n", c.ID, c.Name) })
	}
}

func clientsSet(fs *flag.FlagSet) func(*adminEnv) error {
	client := fs.String("client", "", "the client's id (required)")
	var portal, links optBool
	var leaderboard, tenant, domain optString
	fs.Var(&portal, "portal", "learner portal on (true) or off (false)")
	fs.Var(&leaderboard, "leaderboard", "ranked, anonymised or hidden")
	fs.Var(&tenant, "microsoft-tenant", "the Microsoft Entra tenant the client's sync is bound to (empty: unbind)")
	fs.Var(&domain, "google-domain", "the Google Workspace domain the client's sync is bound to (empty: unbind)")
	fs.Var(&links, "email-links", "email links for synced learners on (true) or off (false)")
	var zone, lang optString
	fs.Var(&zone, "time-zone", "the client's IANA time zone, like Europe/Berlin (default UTC)")
	fs.Var(&lang, "language", "the default language of the client's learners: en, de or fr (empty: none, each learner's browser decides)")
	return func(e *adminEnv) error {
		patch := admin.ClientPatch{PortalEnabled: portal.v, Leaderboard: leaderboard.v, MicrosoftTenantID: tenant.v, GoogleDomain: domain.v, EmailLinks: links.v, TimeZone: zone.v,
			Language: lang.v}
		c, err := e.svc.UpdateClient(e.ctx, e.partner, *client, patch, e.meta)
		if err != nil {
			return err
		}
		return e.print(admin.ToClientJSON(c), func(w *tabwriter.Writer) {
			fmt.Fprintf(w, "Client %s: portal %s, leaderboard %s, Microsoft tenant %s, Google domain %s, email links %s, time zone %s, language %s.\n", c.ID, onOff(c.PortalEnabled), c.LeaderboardMode,
				orNone(c.MicrosoftTenantID), orNone(c.GoogleDomain), onOff(c.EmailLinks), c.TimeZone, orNone(c.Language))
		})
	}
}

func usersList(fs *flag.FlagSet) func(*adminEnv) error {
	client := fs.String("client", "", "the client's id (required)")
	return func(e *adminEnv) error {
		list, err := e.svc.Users(e.ctx, e.partner, *client)
		if err != nil {
			return err
		}
		return e.print(admin.UsersJSON(list), func(w *tabwriter.Writer) {
			fmt.Fprintln(w, "ID\tEMAIL\tNAME\tMANAGER\tSOURCE")
			for _, l := range list {
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", l.ID, l.Email, l.FullName(), l.ManagerID, l.Source)
			}
		})
	}
}

func usersAdd(fs *flag.FlagSet) func(*adminEnv) error {
	client := fs.String("client", "", "the client's id (required)")
	var in admin.UserInput
	fs.StringVar(&in.Email, "email", "", "work email (required)")
	fs.StringVar(&in.FirstName, "first", "", "first name (required)")
	fs.StringVar(&in.LastName, "last", "", "last name")
	fs.StringVar(&in.ManagerID, "manager", "", "the manager's learner id")
	fs.StringVar(&in.Department, "department", "", "department")
	fs.StringVar(&in.Source, "source", "", "manual (default), microsoft365 or google_workspace")
	fs.StringVar(&in.ID, "id", "", "the learner's id (default: a random UUID)")
	return func(e *adminEnv) error {
		l, err := e.svc.ProvisionUser(e.ctx, e.partner, *client, in, e.meta)
		if err != nil {
			return err
		}
		return e.print(admin.ToUserJSON(l), func(w *tabwriter.Writer) { fmt.Fprintf(w, "Learner %s (%s) added to %s.\n", l.ID, l.Email, *client) })
	}
}

func assign(fs *flag.FlagSet) func(*adminEnv) error {
	client := fs.String("client", "", "the client's id (required)")
	var in admin.AssignInput
	fs.StringVar(&in.CourseID, "course", "", "the course's id (required; see `portal admin courses`)")
	fs.StringVar(&in.DueAt, "due", "", "due date, 2026-12-31 or RFC 3339 (required)")
	fs.StringVar(&in.AvailableFrom, "from", "", "available from (default: now)")
	var learners multi
	fs.Var(&learners, "learner", "a learner's id (repeat; none: every learner at the client)")
	return func(e *adminEnv) error {
		in.LearnerIDs = learners
		res, err := e.svc.Assign(e.ctx, e.partner, *client, in, e.meta.ActorID, e.meta)
		if err != nil {
			return err
		}
		return e.print(res, func(w *tabwriter.Writer) {
			fmt.Fprintf(w, "Assigned %s to %d learner(s); %d already had it open.\n", in.CourseID, len(res.AssignmentIDs), len(res.Skipped))
		})
	}
}

func status(fs *flag.FlagSet) func(*adminEnv) error {
	client := fs.String("client", "", "the client's id (required)")
	return func(e *adminEnv) error {
		st, err := e.svc.Status(e.ctx, e.partner, *client)
		if err != nil {
			return err
		}
		return e.print(st, func(w *tabwriter.Writer) {
			fmt.Fprintln(w, "LEARNER\tEMAIL\tASSIGNED\tCOMPLETED\tOVERDUE\tDONE")
			for _, s := range st {
				fmt.Fprintf(w, "%s\t%s\t%d\t%d\t%d\t%d%%\n", s.Name, s.Email, s.Assigned, s.Completed, s.Overdue, s.CompletionPercent)
			}
		})
	}
}

func staffList(*flag.FlagSet) func(*adminEnv) error {
	return func(e *adminEnv) error {
		list, err := e.svc.Staff(e.ctx, e.partner)
		if err != nil {
			return err
		}
		return e.print(admin.StaffListJSON(list), func(w *tabwriter.Writer) {
			fmt.Fprintln(w, "GRANT\tEMAIL\tNAME\tROLE\tCLIENT")
			for _, r := range list {
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", r.GrantID, r.Email, r.Name, r.Role, r.ClientID)
			}
		})
	}
}

func staffGrant(fs *flag.FlagSet) func(*adminEnv) error {
	var in admin.StaffInput
	fs.StringVar(&in.Email, "email", "", "their email (required)")
	fs.StringVar(&in.Name, "name", "", "their name (required)")
	fs.StringVar(&in.Role, "role", "", "support or auditor (required)")
	fs.StringVar(&in.ClientID, "client", "", "the one client an auditor audits")
	return func(e *adminEnv) error {
		id, err := e.svc.GrantStaff(e.ctx, e.partner, in, e.meta)
		if err != nil {
			return err
		}
		return e.print(admin.GrantJSON{GrantID: id}, func(w *tabwriter.Writer) {
			fmt.Fprintf(w, "%s is now %s (grant %s). They sign in at the usual sign-in page.\n", in.Email, in.Role, id)
		})
	}
}

func staffRevoke(fs *flag.FlagSet) func(*adminEnv) error {
	id := fs.String("id", "", "the grant's id (required)")
	return func(e *adminEnv) error {
		if err := e.svc.RevokeStaff(e.ctx, e.partner, *id, e.meta); err != nil {
			return err
		}
		return e.print(admin.GrantJSON{GrantID: *id}, func(w *tabwriter.Writer) { fmt.Fprintf(w, "Grant %s revoked.\n", *id) })
	}
}

// multi is a repeatable string flag.
type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(v string) error { *m = append(*m, v); return nil }

// optString is a string flag that knows whether it was given (an empty
// value given on purpose unbinds).
type optString struct{ v *string }

func (o *optString) String() string {
	if o == nil || o.v == nil {
		return ""
	}
	return *o.v
}
func (o *optString) Set(s string) error { o.v = &s; return nil }

// optBool is a true/false flag that knows whether it was given.
type optBool struct{ v *bool }

func (o *optBool) String() string {
	if o == nil || o.v == nil {
		return ""
	}
	return fmt.Sprint(*o.v)
}

func (o *optBool) Set(s string) error {
	var b bool
	switch strings.ToLower(s) {
	case "true", "on", "yes":
		b = true
	case "false", "off", "no":
	default:
		return fmt.Errorf("want true or false, not %q", s)
	}
	o.v = &b
	return nil
}

// IsBoolFlag lets --portal stand alone for --portal=true.
func (o *optBool) IsBoolFlag() bool { return true }

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
