package tenancy

import (
	"errors"
	"regexp"
	"strings"
	"time"
	_ "time/tzdata" // the IANA database in the binary: validation must not depend on the machine

	"github.com/awareportal/portal/domain"
	"github.com/awareportal/portal/domain/reminder"
)

// DefaultTimeZone is a client's time zone until it sets one.
const DefaultTimeZone = "UTC"

var zoneRe = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+){0,2}$`)

// Location parses an IANA time zone name ("Europe/Berlin", "UTC"); "" is
// UTC. Anything else, including "Local" and names the time zone database
// does not know ("Mars/Olympus"), is a FieldError on time_zone.
func Location(name string) (*time.Location, error) {
	if name == "" {
		return time.UTC, nil
	}
	if len(name) > 64 || !zoneRe.MatchString(name) || notAZone(name) {
		return nil, FieldError{"time_zone", "must be an IANA time zone name like Europe/Berlin or UTC"}
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, FieldError{"time_zone", "is not a time zone we know: use an IANA name like Europe/Berlin or America/New_York"}
	}
	return loc, nil
}

// notAZone: names a system's zoneinfo directory holds that are not
// places (leap-second and POSIX variants, placeholders): they may be
// missing where the log is replayed.
func notAZone(name string) bool {
	switch name {
	case "Local", "Factory", "posixrules", "localtime":
		return true
	}
	return strings.HasPrefix(name, "right/") || strings.HasPrefix(name, "posix/")
}

// SetTimeZone sets the client's time zone; setting the current one is a no-op.
func SetTimeZone(c *Client, name string, now time.Time) ([]domain.Event, error) {
	if c.ID == "" {
		return nil, ErrNotRegistered
	}
	if _, err := Location(name); err != nil {
		return nil, err
	}
	if name == "" {
		name = DefaultTimeZone
	}
	current := c.TimeZone
	if current == "" {
		current = DefaultTimeZone
	}
	if current == name {
		return nil, nil
	}
	return []domain.Event{ClientTimeZoneSet{ClientID: c.ID, TimeZone: name, At: now}}, nil
}

// SetReminderPolicy sets the client's reminder policy; setting the current
// one is a no-op.
func SetReminderPolicy(c *Client, p reminder.Policy, now time.Time) ([]domain.Event, error) {
	if c.ID == "" {
		return nil, ErrNotRegistered
	}
	p = p.Normalized()
	if err := p.Validate(); err != nil {
		var fe reminder.FieldError
		if errors.As(err, &fe) {
			return nil, FieldError{fe.Field, fe.Problem}
		}
		return nil, err
	}
	if c.ReminderPolicy() == p {
		return nil, nil
	}
	return []domain.Event{ClientReminderPolicySet{ClientID: c.ID, Policy: p, At: now}}, nil
}

// ReminderPolicy is the client's policy (the default until it sets one).
func (c *Client) ReminderPolicy() reminder.Policy {
	if c.Reminders == nil {
		return reminder.DefaultPolicy()
	}
	return *c.Reminders
}
