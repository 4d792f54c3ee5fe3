package main

import (
	"flag"
	"fmt"
	"strconv"
	"text/tabwriter"

	"github.com/awareportal/portal/internal/admin"
)

// optInt is a number flag that knows whether it was given.
type optInt struct{ v *int }

func (o *optInt) String() string {
	if o == nil || o.v == nil {
		return ""
	}
	return strconv.Itoa(*o.v)
}

func (o *optInt) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil {
		return fmt.Errorf("%q is not a whole number", s)
	}
	o.v = &n
	return nil
}

func printPolicy(e *adminEnv, p admin.ReminderPolicyJSON) error {
	return e.print(p, func(w *tabwriter.Writer) {
		l, d := p.Learners, p.Digest
		def := ""
		if p.Default {
			def = " (the defaults)"
		}
		fmt.Fprintf(w, "Reminders for %s%s, times in %s:\n", p.ClientID, def, p.TimeZone)
		fmt.Fprintf(w, "  learners\t%s\n", onOff(l.Enabled))
		before := "none"
		if l.DaysBefore > 0 {
			before = strconv.Itoa(l.DaysBefore)
		}
		fmt.Fprintf(w, "  days before the due date\t%s\n", before)
		fmt.Fprintf(w, "  on the due date\t%s\n", onOff(l.OnDueDate))
		fmt.Fprintf(w, "  while overdue, every\t%d days, at most %d times\n", l.OverdueEveryDays, l.OverdueLimit)
		fmt.Fprintf(w, "  at\t%02d:00\n", l.Hour)
		fmt.Fprintf(w, "  manager digest\t%s, %s at %02d:00\n", onOff(d.Enabled), d.Weekday, d.Hour)
	})
}

func remindersShow(fs *flag.FlagSet) func(*adminEnv) error {
	client := fs.String("client", "", "the client's id (required)")
	return func(e *adminEnv) error {
		p, err := e.svc.ReminderPolicy(e.ctx, e.partner, *client)
		if err != nil {
			return err
		}
		return printPolicy(e, p)
	}
}

func remindersSet(fs *flag.FlagSet) func(*adminEnv) error {
	client := fs.String("client", "", "the client's id (required)")
	var learners, onDue, digest optBool
	var before, every, limit, hour, digestHour optInt
	var day optString
	fs.Var(&learners, "learners", "reminders to learners on (true) or off (false)")
	fs.Var(&before, "days-before", "remind this many days before the due date (0: not before)")
	fs.Var(&onDue, "on-due-date", "remind on the due date (true/false)")
	fs.Var(&every, "overdue-every", "while overdue, remind every this many days (0: never)")
	fs.Var(&limit, "overdue-limit", "at most this many overdue reminders")
	fs.Var(&hour, "hour", "the local hour (0-23) learner reminders go out")
	fs.Var(&digest, "digest", "the weekly manager digest on (true) or off (false)")
	fs.Var(&day, "digest-day", "the digest's weekday (monday … sunday)")
	fs.Var(&digestHour, "digest-hour", "the local hour (0-23) the digest goes out")
	return func(e *adminEnv) error {
		patch := admin.ReminderPolicyPatch{
			Learners: admin.LearnerRulesPatch{Enabled: learners.v, DaysBefore: before.v, OnDueDate: onDue.v, OverdueEveryDays: every.v, OverdueLimit: limit.v, Hour: hour.v},
			Digest:   admin.DigestPatch{Enabled: digest.v, Weekday: day.v, Hour: digestHour.v},
		}
		p, err := e.svc.UpdateReminderPolicy(e.ctx, e.partner, *client, patch, e.meta)
		if err != nil {
			return err
		}
		return printPolicy(e, p)
	}
}
