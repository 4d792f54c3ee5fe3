package team_test

import (
	"testing"
	"time"

	"github.com/awareportal/portal/domain"
	"github.com/awareportal/portal/domain/domaintest"
	"github.com/awareportal/portal/domain/team"
)

var (
	now     = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	morgan  = team.Person{ID: "acme-morgan", ClientID: "acme"}
	sam     = team.Person{ID: "acme-sam", ClientID: "acme", ManagerID: "acme-morgan"}
	overdue = team.DueCourse{AssignmentID: "a1", Title: "Safe browsing", DueAt: now.Add(-72 * time.Hour), Overdue: true}
	due     = []team.DueCourse{overdue}
)

func remind(m, rep team.Person, d []team.DueCourse, mailID string, at time.Time) func(*team.Reminders) ([]domain.Event, error) {
	return func(r *team.Reminders) ([]domain.Event, error) {
		return team.Remind(r, team.RemindInput{Manager: m, Report: rep, Due: d, MailID: mailID}, at)
	}
}

func sent(mailID string, at time.Time) team.ReminderSent {
	return team.ReminderSent{ManagerID: "acme-morgan", LearnerID: "acme-sam", ClientID: "acme", MailID: mailID, Courses: due, At: at}
}

func TestRemindOnceADay(t *testing.T) {
	t.Run("a first reminder", func(t *testing.T) {
		domaintest.For(t, team.NewReminders()).When(remind(morgan, sam, due, "m1", now)).Then(sent("m1", now))
	})
	t.Run("refused within 24 hours, saying when it works again", func(t *testing.T) {
		for _, after := range []time.Duration{0, time.Minute, 23*time.Hour + 59*time.Minute + 59*time.Second} {
			s := domaintest.For(t, team.NewReminders()).Given(sent("m1", now)).When(remind(morgan, sam, due, "m2", now.Add(after)))
			domaintest.ThenErrorAs(s, func(e team.CooldownError) {
				if !e.Until.Equal(now.Add(24 * time.Hour)) {
					t.Errorf("until %s", e.Until)
				}
			})
			domaintest.For(t, team.NewReminders()).Given(sent("m1", now)).When(remind(morgan, sam, due, "m2", now.Add(after))).ThenError(team.ErrCooldown)
		}
	})
	t.Run("allowed at and after 24 hours", func(t *testing.T) {
		at := now.Add(24 * time.Hour)
		domaintest.For(t, team.NewReminders()).Given(sent("m1", now)).When(remind(morgan, sam, due, "m2", at)).Then(sent("m2", at))
		later := now.Add(30 * 24 * time.Hour)
		domaintest.For(t, team.NewReminders()).Given(sent("m1", now)).When(remind(morgan, sam, due, "m2", later)).Then(sent("m2", later))
	})
	t.Run("another manager's reminder does not count", func(t *testing.T) {
		other := team.ReminderSent{ManagerID: "acme-old-boss", LearnerID: "acme-sam", ClientID: "acme", MailID: "x", Courses: due, At: now}
		domaintest.For(t, team.NewReminders()).Given(other).When(remind(morgan, sam, due, "m1", now.Add(time.Minute))).Then(sent("m1", now.Add(time.Minute)))
	})
}

func TestRemindRefusals(t *testing.T) {
	t.Run("nothing due", func(t *testing.T) {
		domaintest.For(t, team.NewReminders()).When(remind(morgan, sam, nil, "m1", now)).ThenError(team.ErrNothingDue)
	})
	for name, rep := range map[string]team.Person{
		"someone else's report":      {ID: "acme-jordan", ClientID: "acme", ManagerID: "acme-riley"},
		"nobody's report":            {ID: "acme-jordan", ClientID: "acme"},
		"a report at another client": {ID: "globex-jordan", ClientID: "globex", ManagerID: "acme-morgan"},
		"the manager themself":       {ID: "acme-morgan", ClientID: "acme", ManagerID: "acme-morgan"},
		"an empty id":                {ClientID: "acme", ManagerID: "acme-morgan"},
	} {
		t.Run(name, func(t *testing.T) {
			domaintest.For(t, team.NewReminders()).When(remind(morgan, rep, due, "m1", now)).ThenError(team.ErrNotReport)
		})
	}
	t.Run("not a report comes before the cooldown", func(t *testing.T) {
		other := team.Person{ID: "acme-riley", ClientID: "acme"}
		domaintest.For(t, team.NewReminders()).Given(sent("m1", now)).When(remind(other, sam, due, "m2", now)).ThenError(team.ErrNotReport)
	})
}
