package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/awareportal/portal/internal/admin"
)

// breachesImport reads breach records as JSON Lines (one record a line,
// the API's shape) and records them like POST /clients/:client/breaches.
func breachesImport(fs *flag.FlagSet) func(*adminEnv) error {
	client := fs.String("client", "", "the client's id (required)")
	return func(e *adminEnv) error {
		if fs.NArg() != 1 {
			return errors.New("name the JSON Lines file: portal admin breaches import --partner P --client C FILE.jsonl")
		}
		in, lines, err := readBreachRecords(fs.Arg(0))
		if err != nil {
			return err
		}
		res, err := e.svc.IngestBreaches(e.ctx, e.partner, *client, in, e.meta)
		var v *admin.ValidationError
		if errors.As(err, &v) {
			return byLine(v, lines)
		}
		if err != nil {
			return err
		}
		return e.print(res, func(w *tabwriter.Writer) {
			fmt.Fprintf(w, "%d records for %d learners: %d new, %d already known, %d for emails that are no learner at %s (not stored); %d notification emails queued.\n",
				res.Records, res.Learners, res.New, res.Known, res.UnknownEmails, *client, res.Notified)
		})
	}
}

// readBreachRecords reads a JSON Lines file (blank lines skipped) and
// says which line each record came from.
func readBreachRecords(path string) (admin.BreachImport, []int, error) {
	f, err := os.Open(path)
	if err != nil {
		return admin.BreachImport{}, nil, err
	}
	defer f.Close()
	var in admin.BreachImport
	var lines []int
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var r admin.BreachRecord
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&r); err != nil {
			return in, nil, fmt.Errorf("%s line %d: not a breach record: %w", path, n, err)
		}
		if dec.More() {
			return in, nil, fmt.Errorf("%s line %d: more than one JSON value", path, n)
		}
		in.Records = append(in.Records, r)
		lines = append(lines, n)
		if len(in.Records) > admin.MaxBreachRecords {
			return in, nil, fmt.Errorf("%s: more than %d records; split the file", path, admin.MaxBreachRecords)
		}
	}
	if err := sc.Err(); err != nil {
		return in, nil, fmt.Errorf("%s: %w", path, err)
	}
	return in, lines, nil
}

// byLine names a refusal's records by their line in the file.
func byLine(v *admin.ValidationError, lines []int) error {
	var out []string
	for field, problem := range v.Fields {
		if rest, ok := strings.CutPrefix(field, "records["); ok {
			if i, after, ok := strings.Cut(rest, "]."); ok {
				if n, err := strconv.Atoi(i); err == nil && n < len(lines) {
					field = "line " + strconv.Itoa(lines[n]) + ": " + after
				}
			}
		}
		out = append(out, field+" "+problem)
	}
	sort.Strings(out)
	return errors.New("nothing was stored:\n  " + strings.Join(out, "\n  "))
}

// breachesMonitoring shows or sets the partner's master switch, or a
// client's switch.
func breachesMonitoring(fs *flag.FlagSet) func(*adminEnv) error {
	client := fs.String("client", "", "a client's switch instead of the partner's")
	var enabled optBool
	fs.Var(&enabled, "enabled", "switch on (true) or off (false); without it, show")
	return func(e *adminEnv) error {
		if *client != "" {
			c, err := e.svc.ClientBreachMonitoring(e.ctx, e.partner, *client)
			if enabled.v != nil && err == nil {
				c, err = e.svc.SetClientBreachMonitoring(e.ctx, e.partner, *client, admin.MonitoringInput{Enabled: enabled.v}, e.meta)
			}
			if err != nil {
				return err
			}
			return e.print(c, func(w *tabwriter.Writer) {
				fmt.Fprintf(w, "Dark Web Monitoring for %s: %s (partner switch %s, so %s).\n", c.ClientID, onOff(c.Enabled), onOff(c.PartnerEnabled), effective(c.Effective))
			})
		}
		var m admin.MonitoringJSON
		var err error
		if enabled.v != nil {
			m, err = e.svc.SetBreachMonitoring(e.ctx, e.partner, admin.MonitoringInput{Enabled: enabled.v}, e.meta)
		} else {
			m, err = e.svc.BreachMonitoring(e.ctx, e.partner)
		}
		if err != nil {
			return err
		}
		return e.print(m, func(w *tabwriter.Writer) {
			fmt.Fprintf(w, "Dark Web Monitoring master switch: %s\n\nCLIENT\tSWITCH\tBREACHES PAGE\n", onOff(m.Enabled))
			for _, c := range m.Clients {
				fmt.Fprintf(w, "%s\t%s\t%s\n", c.ClientID, onOff(c.Enabled), effective(c.Effective))
			}
		})
	}
}

func effective(on bool) string {
	if on {
		return "learners have the Breaches page"
	}
	return "no Breaches page"
}
