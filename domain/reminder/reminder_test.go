package reminder_test

import (
	"strings"
	"testing"
	"time"

	"github.com/awareportal/portal/domain"
	"github.com/awareportal/portal/domain/domaintest"
	"github.com/awareportal/portal/domain/reminder"
)

func zone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestDueDayAtLocalMidnight(t *testing.T) {
	berlin := zone(t, "Europe/Berlin")
	// Due "2026-12-31" in Berlin is stored as 1 January 00:00 Berlin time:
	// it is due on the 31st there, although it is still the 31st in UTC
	// (23:00) too; and an instant that is already 1 January in UTC but the
	// 31st in New York is due on the 31st in New York.
	due := reminder.EndOfDay(2026, 12, 31, berlin)
	if got := reminder.DueDay(due, berlin).Format("2006-01-02"); got != "2026-12-31" {
		t.Errorf("due day in Berlin = %s", got)
	}
	if got := reminder.DueDay(due, time.UTC).Format("2006-01-02"); got != "2026-12-31" {
		t.Errorf("due day in UTC = %s", got)
	}
	ny := zone(t, "America/New_York")
	at := time.Date(2027, 1, 1, 3, 0, 0, 0, time.UTC) // 22:00 on the 31st in New York
	if got := reminder.DueDay(at, ny).Format("2006-01-02"); got != "2026-12-31" {
		t.Errorf("due day in New York = %s", got)
	}
	if got := reminder.DueDay(at, time.UTC).Format("2006-01-02"); got != "2027-01-01" {
		t.Errorf("due day in UTC = %s", got)
	}
}

func TestOccasions(t *testing.T) {
	berlin := zone(t, "Europe/Berlin")
	due := reminder.EndOfDay(2026, 12, 10, berlin)
	got := reminder.DefaultPolicy().Learners.Occasions(due, berlin)
	want := []string{
		"1 before 2026-12-07 09:00 CET",
		"2 due 2026-12-10 09:00 CET",
		"3 overdue 2026-12-17 09:00 CET",
		"4 overdue 2026-12-24 09:00 CET",
		"5 overdue 2026-12-31 09:00 CET",
	}
	if len(got) != len(want) {
		t.Fatalf("occasions %v", got)
	}
	for i, o := range got {
		if s := strings.Join([]string{itoa(o.Seq), string(o.Rule), o.At.In(berlin).Format("2006-01-02 15:04 MST")}, " "); s != want[i] {
			t.Errorf("occasion %d = %q, want %q", i, s, want[i])
		}
	}
	t.Run("off switches", func(t *testing.T) {
		r := reminder.LearnerRules{Enabled: true, OnDueDate: true, Hour: 8}
		if got := r.Occasions(due, berlin); len(got) != 1 || got[0].Rule != reminder.RuleDue {
			t.Errorf("only on the due date: %v", got)
		}
		r.Enabled = false
		if got := r.Occasions(due, berlin); len(got) != 0 {
			t.Errorf("learners off: %v", got)
		}
	})
	t.Run("a due time before the hour leaves the due-day reminder out", func(t *testing.T) {
		early := time.Date(2026, 12, 10, 8, 0, 0, 0, berlin)
		for _, o := range reminder.DefaultPolicy().Learners.Occasions(early, berlin) {
			if o.Rule == reminder.RuleDue {
				t.Errorf("a reminder on the due day after it fell due: %v", o)
			}
		}
	})
	t.Run("across a daylight-saving change the local hour holds", func(t *testing.T) {
		// Berlin moves to summer time on 28 March 2027.
		due := reminder.EndOfDay(2027, 3, 30, berlin)
		for _, o := range reminder.DefaultPolicy().Learners.Occasions(due, berlin) {
			if h := o.At.In(berlin).Hour(); h != 9 {
				t.Errorf("%s at %d:00 local", o.Rule, h)
			}
		}
	})
}

func itoa(n int) string { return string(rune('0' + n)) }

func TestNextCatchesUpWithOneReminder(t *testing.T) {
	due := time.Date(2026, 12, 11, 0, 0, 0, 0, time.UTC)
	occ := reminder.DefaultPolicy().Learners.Occasions(due, time.UTC)
	assigned := due.Add(-30 * 24 * time.Hour)
	cases := []struct {
		name      string
		done      int
		from, now time.Time
		want      int // Seq; 0: nothing
	}{
		{"before the first occasion", 0, assigned, time.Date(2026, 12, 7, 8, 59, 0, 0, time.UTC), 0},
		{"at the first", 0, assigned, time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC), 1},
		{"already reminded", 1, assigned, time.Date(2026, 12, 8, 9, 0, 0, 0, time.UTC), 0},
		{"on the due date", 1, assigned, time.Date(2026, 12, 10, 9, 30, 0, 0, time.UTC), 2},
		{"a sweep three weeks late sends only the latest", 0, assigned, time.Date(2026, 12, 31, 12, 0, 0, 0, time.UTC), 5},
		{"after the last overdue one, nothing more", 5, assigned, time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC), 0},
		{"occasions before the course became available are skipped", 0, time.Date(2026, 12, 8, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 9, 0, 0, 0, 0, time.UTC), 0},
	}
	for _, c := range cases {
		o, ok := reminder.Next(occ, c.done, c.from, c.now)
		got := 0
		if ok {
			got = o.Seq
		}
		if got != c.want {
			t.Errorf("%s: occasion %d, want %d", c.name, got, c.want)
		}
	}
}

var now = time.Date(2026, 12, 10, 9, 0, 0, 0, time.UTC)

func items(seq ...int) []reminder.Item {
	var out []reminder.Item
	for i, s := range seq {
		out = append(out, reminder.Item{AssignmentID: "a" + itoa(i+1), Title: "Course " + itoa(i+1), DueAt: now.Add(time.Duration(i) * time.Hour), Rule: reminder.RuleDue, Seq: s})
	}
	return out
}

func mailID(its []reminder.Item) string {
	id := "m"
	for _, it := range its {
		id += "/" + it.AssignmentID + ":" + itoa(it.Seq)
	}
	return id
}

func remind(its []reminder.Item, at time.Time) func(*reminder.Schedule) ([]domain.Event, error) {
	return func(s *reminder.Schedule) ([]domain.Event, error) {
		return reminder.Remind(s, reminder.RemindInput{LearnerID: "sam", ClientID: "acme", Items: its, MailID: mailID}, at)
	}
}

func TestRemindOncePerOccasion(t *testing.T) {
	first := reminder.Sent{LearnerID: "sam", ClientID: "acme", MailID: "m/a1:2/a2:2", Items: items(2, 2), At: now}
	t.Run("a first reminder covers both courses in one event", func(t *testing.T) {
		domaintest.For(t, reminder.NewSchedule()).When(remind(items(2, 2), now)).Then(first)
	})
	t.Run("the same occasions again (another process, a retry): nothing", func(t *testing.T) {
		domaintest.For(t, reminder.NewSchedule()).Given(first).When(remind(items(2, 2), now.Add(time.Minute))).Then()
	})
	t.Run("an earlier occasion after a later one: nothing", func(t *testing.T) {
		domaintest.For(t, reminder.NewSchedule()).Given(first).When(remind(items(1, 1), now)).Then()
	})
	t.Run("a later occasion of one course: that course only, its own mail id", func(t *testing.T) {
		later := now.Add(7 * 24 * time.Hour)
		its := items(3, 2)
		domaintest.For(t, reminder.NewSchedule()).Given(first).When(remind(its, later)).
			Then(reminder.Sent{LearnerID: "sam", ClientID: "acme", MailID: "m/a1:3", Items: its[:1], At: later})
	})
	t.Run("about nothing: refused", func(t *testing.T) {
		domaintest.For(t, reminder.NewSchedule()).When(remind(nil, now)).ThenError(reminder.ErrNoItems)
	})
}

func TestDigestOncePerSlot(t *testing.T) {
	reports := []reminder.DigestReport{{LearnerID: "sam", Name: "Sam", Overdue: 2}, {LearnerID: "riley", Name: "Riley", Overdue: 0}}
	in := reminder.DigestSent{ManagerID: "morgan", ClientID: "acme", MailID: "d1", Slot: "2026-12-07", Reports: reports}
	want := in
	want.Reports, want.At = reports[:1], now
	send := func(in reminder.DigestSent) func(*reminder.Digests) ([]domain.Event, error) {
		return func(d *reminder.Digests) ([]domain.Event, error) { return reminder.SendDigest(d, in, now) }
	}
	domaintest.For(t, reminder.NewDigests()).When(send(in)).Then(want)
	domaintest.For(t, reminder.NewDigests()).Given(want).When(send(in)).Then()
	none := in
	none.Reports = reports[1:]
	domaintest.For(t, reminder.NewDigests()).When(send(none)).Then()
}

func TestDigestSlot(t *testing.T) {
	tokyo := zone(t, "Asia/Tokyo")
	rule := reminder.DefaultPolicy().Digest // Mondays 9:00
	cases := []struct{ now, slot string }{
		{"2026-12-07T00:00:00Z", "2026-12-07"}, // Monday 09:00 in Tokyo: this week's slot
		{"2026-12-06T23:59:59Z", "2026-11-30"}, // Monday 08:59 in Tokyo: last week's
		{"2026-12-12T12:00:00Z", "2026-12-07"},
	}
	for _, c := range cases {
		now, _ := time.Parse(time.RFC3339, c.now)
		at, slot := rule.Slot(now, tokyo)
		if slot != c.slot || at.After(now) {
			t.Errorf("at %s: slot %s (%s), want %s", c.now, slot, at, c.slot)
		}
	}
}

func TestPolicyValidation(t *testing.T) {
	ok := reminder.DefaultPolicy()
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	bad := map[string]func(*reminder.Policy){
		"learners.days_before":        func(p *reminder.Policy) { p.Learners.DaysBefore = 31 },
		"learners.overdue_every_days": func(p *reminder.Policy) { p.Learners.OverdueEveryDays = -1 },
		"learners.overdue_limit":      func(p *reminder.Policy) { p.Learners.OverdueLimit = 0 },
		"learners.hour":               func(p *reminder.Policy) { p.Learners.Hour = 24 },
		"manager_digest.weekday":      func(p *reminder.Policy) { p.Digest.Weekday = "caturday" },
		"manager_digest.hour":         func(p *reminder.Policy) { p.Digest.Hour = -1 },
	}
	for field, mutate := range bad {
		p := ok
		mutate(&p)
		err := p.Validate()
		if fe, isFE := err.(reminder.FieldError); !isFE || fe.Field != field {
			t.Errorf("%s: %v", field, err)
		}
	}
	p := ok
	p.Digest.Weekday = " Friday "
	if err := p.Normalized().Validate(); err != nil {
		t.Errorf("Friday: %v", err)
	}
}
