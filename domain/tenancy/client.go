package tenancy

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/awareportal/portal/domain"
	"github.com/awareportal/portal/domain/reminder"
)

// ClientStream is the stream of client id.
func ClientStream(id string) string { return "client-" + id }

// Client is the client organisation aggregate.
type Client struct {
	ID            string
	PartnerID     string
	PortalEnabled bool
	Leaderboard   LeaderboardMode
	// MicrosoftTenantID and GoogleDomain are where the client's directory
	// sync comes from ("" when not bound).
	MicrosoftTenantID string
	GoogleDomain      string
	EmailLinksOff     bool
	TimeZone          string           // "" until set: UTC
	Reminders         *reminder.Policy // nil until set: reminder.DefaultPolicy
	Language          string           // "" until set: none
}

// Apply folds an event into the client.
func (c *Client) Apply(e domain.Event) {
	switch ev := e.(type) {
	case ClientRegistered:
		c.ID, c.PartnerID, c.PortalEnabled = ev.ClientID, ev.PartnerID, ev.PortalEnabled
	case ClientPortalSwitched:
		c.PortalEnabled = ev.Enabled
	case ClientLeaderboardSet:
		c.Leaderboard = ev.Mode
	case ClientDirectoryBound:
		c.MicrosoftTenantID, c.GoogleDomain = ev.MicrosoftTenantID, ev.GoogleDomain
	case ClientEmailLinksSwitched:
		c.EmailLinksOff = !ev.Enabled
	case ClientTimeZoneSet:
		c.TimeZone = ev.TimeZone
	case ClientReminderPolicySet:
		p := ev.Policy
		c.Reminders = &p
	case ClientLanguageSet:
		c.Language = ev.Language
	}
}

// Scoped is how an id a partner chose (a client's, a learner's) is
// stored: "<partner>.<id>", so two partners may both have an "acme" and no
// answer tells one which ids the other uses. A partner id never holds '.'.
// Ids from before scoping (the demo's) and ids the portal generates are
// stored as they are.
func Scoped(partnerID, id string) string { return partnerID + "." + id }

// Unscoped is how the partner sees a stored id.
func Unscoped(partnerID, id string) string { return strings.TrimPrefix(id, partnerID+".") }

// RegisterClient validates a new client of a registered partner. Its id is
// a slug, scoped to the partner (see Scoped) or not.
func RegisterClient(c *Client, partner *Partner, in ClientRegistered, now time.Time) ([]domain.Event, error) {
	if c.ID != "" {
		return nil, fmt.Errorf("client %s: %w", c.ID, ErrAlreadyRegistered)
	}
	if partner.ID == "" {
		return nil, fmt.Errorf("partner %s: %w", in.PartnerID, ErrNotRegistered)
	}
	if !slugRe.MatchString(Unscoped(partner.ID, in.ClientID)) {
		return nil, FieldError{"client_id", "must be 1-40 lowercase letters, digits or dashes"}
	}
	name, err := Text("name", in.Name, MaxName)
	if err != nil {
		return nil, err
	}
	if name == "" {
		return nil, FieldError{"name", "is required"}
	}
	in.Name = name
	in.PartnerID = partner.ID
	in.At = now
	return []domain.Event{in}, nil
}

// SwitchPortal turns the portal on or off; switching to the current state is a no-op.
func SwitchPortal(c *Client, enabled bool, now time.Time) ([]domain.Event, error) {
	if c.ID == "" {
		return nil, ErrNotRegistered
	}
	if c.PortalEnabled == enabled {
		return nil, nil
	}
	return []domain.Event{ClientPortalSwitched{ClientID: c.ID, Enabled: enabled, At: now}}, nil
}

// SetLeaderboard chooses how the client's leaderboard shows.
func SetLeaderboard(c *Client, mode LeaderboardMode, now time.Time) ([]domain.Event, error) {
	if c.ID == "" {
		return nil, ErrNotRegistered
	}
	switch mode {
	case LeaderboardRanked, LeaderboardAnonymised, LeaderboardHidden:
	default:
		return nil, FieldError{"leaderboard", "must be ranked, anonymised or hidden"}
	}
	current := c.Leaderboard
	if current == "" {
		current = LeaderboardRanked
	}
	if current == mode {
		return nil, nil
	}
	return []domain.Event{ClientLeaderboardSet{ClientID: c.ID, Mode: mode, At: now}}, nil
}

var (
	tenantIDRe = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	domainRe   = regexp.MustCompile(`^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)
)

// Directory is where a client's learners are synced from.
type Directory struct {
	MicrosoftTenantID string // Entra tenant id, a GUID
	GoogleDomain      string // primary Google Workspace domain
}

// BindDirectory sets the client's Microsoft tenant and Google Workspace
// domain; binding what is already bound is a no-op.
func BindDirectory(c *Client, d Directory, now time.Time) ([]domain.Event, error) {
	if c.ID == "" {
		return nil, ErrNotRegistered
	}
	d.MicrosoftTenantID = strings.ToLower(strings.TrimSpace(d.MicrosoftTenantID))
	d.GoogleDomain = strings.ToLower(strings.TrimSpace(d.GoogleDomain))
	if d.MicrosoftTenantID != "" && !tenantIDRe.MatchString(d.MicrosoftTenantID) {
		return nil, FieldError{"microsoft_tenant_id", "must be the tenant's id, a GUID like 72f988bf-86f1-41af-91ab-2d7cd011db47"}
	}
	if d.GoogleDomain != "" && !domainRe.MatchString(d.GoogleDomain) {
		return nil, FieldError{"google_domain", "must be a domain name like example.com"}
	}
	if d.MicrosoftTenantID == c.MicrosoftTenantID && d.GoogleDomain == c.GoogleDomain {
		return nil, nil
	}
	return []domain.Event{ClientDirectoryBound{ClientID: c.ID, MicrosoftTenantID: d.MicrosoftTenantID, GoogleDomain: d.GoogleDomain, At: now}}, nil
}

// SwitchEmailLinks allows or forbids email-link sign-in for the client's
// synced learners; switching to the current state is a no-op.
func SwitchEmailLinks(c *Client, enabled bool, now time.Time) ([]domain.Event, error) {
	if c.ID == "" {
		return nil, ErrNotRegistered
	}
	if c.EmailLinksOff == !enabled {
		return nil, nil
	}
	return []domain.Event{ClientEmailLinksSwitched{ClientID: c.ID, Enabled: enabled, At: now}}, nil
}
