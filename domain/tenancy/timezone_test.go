package tenancy_test

import (
	"errors"
	"testing"
	"time"

	"github.com/awareportal/portal/domain"
	"github.com/awareportal/portal/domain/domaintest"
	"github.com/awareportal/portal/domain/reminder"
	"github.com/awareportal/portal/domain/tenancy"
)

func TestTimeZone(t *testing.T) {
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	registered := tenancy.ClientRegistered{ClientID: "acme", PartnerID: "northwind", Name: "Acme", PortalEnabled: true, At: now}
	domaintest.For(t, &tenancy.Client{}).Given(registered).
		When(func(c *tenancy.Client) ([]domain.Event, error) { return tenancy.SetTimeZone(c, "Europe/Berlin", now) }).
		Then(tenancy.ClientTimeZoneSet{ClientID: "acme", TimeZone: "Europe/Berlin", At: now})
	domaintest.For(t, &tenancy.Client{}).Given(registered).
		When(func(c *tenancy.Client) ([]domain.Event, error) { return tenancy.SetTimeZone(c, "UTC", now) }).Then()
	for _, bad := range []string{"Mars/Olympus", "Local", "Factory", "posixrules", "right/UTC", "posix/Europe/Berlin", "../../etc/passwd", "Europe/Berlin\n", string(make([]byte, 100))} {
		_, err := tenancy.SetTimeZone(&tenancy.Client{ID: "acme"}, bad, now)
		var fe tenancy.FieldError
		if !errors.As(err, &fe) || fe.Field != "time_zone" {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

func TestReminderPolicy(t *testing.T) {
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	c := &tenancy.Client{ID: "acme"}
	if evs, err := tenancy.SetReminderPolicy(c, reminder.DefaultPolicy(), now); err != nil || len(evs) != 0 {
		t.Errorf("the default again: %v %v", evs, err)
	}
	p := reminder.DefaultPolicy()
	p.Digest.Enabled = false
	p.Digest.Weekday = "Friday"
	evs, err := tenancy.SetReminderPolicy(c, p, now)
	if err != nil || len(evs) != 1 || evs[0].(tenancy.ClientReminderPolicySet).Policy.Digest.Weekday != "friday" {
		t.Fatalf("digest off: %v %v", evs, err)
	}
	p.Learners.Hour = 25
	_, err = tenancy.SetReminderPolicy(c, p, now)
	var fe tenancy.FieldError
	if !errors.As(err, &fe) || fe.Field != "learners.hour" {
		t.Errorf("hour 25: %v", err)
	}
}
