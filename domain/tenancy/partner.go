package tenancy

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/awareportal/portal/domain"
)

// PartnerStream is the stream of partner id.
func PartnerStream(id string) string { return "partner-" + id }

// ClientStream is the stream of client id.
func ClientStream(id string) string { return "client-" + id }

var (
	ErrAlreadyRegistered = errors.New("already registered")
	ErrNotRegistered     = errors.New("not registered")
	slugRe               = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$`)
	colorRe              = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)
)

// FieldError is invalid input, named by field, for forms and APIs.
type FieldError struct {
	Field, Problem string
}

func (e FieldError) Error() string { return e.Field + ": " + e.Problem }

// Partner is the partner aggregate.
type Partner struct {
	ID     string
	Name   string
	Tokens map[string]bool // API token id -> live
}

// Apply folds an event into the partner.
func (p *Partner) Apply(e domain.Event) {
	switch ev := e.(type) {
	case PartnerRegistered:
		p.ID, p.Name = ev.PartnerID, ev.Name
	case PartnerAPITokenIssued:
		if p.Tokens == nil {
			p.Tokens = map[string]bool{}
		}
		p.Tokens[ev.TokenID] = true
	case PartnerAPITokenRevoked:
		p.Tokens[ev.TokenID] = false
	}
}

// IssueAPIToken records a new admin API token (its hash) for the partner.
func IssueAPIToken(p *Partner, tokenID, name string, tokenHash []byte, now time.Time) ([]domain.Event, error) {
	if p.ID == "" {
		return nil, ErrNotRegistered
	}
	name, err := Text("name", name, MaxName)
	if err != nil {
		return nil, err
	}
	if name == "" {
		return nil, FieldError{"name", "is required (what uses this token?)"}
	}
	return []domain.Event{PartnerAPITokenIssued{PartnerID: p.ID, TokenID: tokenID, Name: name, TokenHash: tokenHash, At: now}}, nil
}

// RevokeAPIToken stops a token; revoking twice is a no-op.
func RevokeAPIToken(p *Partner, tokenID string, now time.Time) ([]domain.Event, error) {
	live, known := p.Tokens[tokenID]
	if !known {
		return nil, fmt.Errorf("token %s: %w", tokenID, ErrNotRegistered)
	}
	if !live {
		return nil, nil
	}
	return []domain.Event{PartnerAPITokenRevoked{PartnerID: p.ID, TokenID: tokenID, At: now}}, nil
}

// RegisterPartner validates a new partner.
func RegisterPartner(p *Partner, in PartnerRegistered, now time.Time) ([]domain.Event, error) {
	if p.ID != "" {
		return nil, fmt.Errorf("partner %s: %w", p.ID, ErrAlreadyRegistered)
	}
	if err := Ref("partner_id", in.PartnerID); err != nil {
		return nil, err
	}
	if strings.Contains(in.PartnerID, ".") {
		return nil, FieldError{"partner_id", "must not contain '.' (it separates a partner from the ids it chose)"}
	}
	name, err := Text("name", in.Name, MaxName)
	if err != nil {
		return nil, err
	}
	in.Name = name
	if in.SupportEmail, err = Text("support_email", in.SupportEmail, 254); err != nil {
		return nil, err
	}
	switch {
	case in.Name == "":
		return nil, FieldError{"name", "is required"}
	case !slugRe.MatchString(in.Slug):
		return nil, FieldError{"slug", "must be 1-40 lowercase letters, digits or dashes"}
	case !colorRe.MatchString(in.AccentColor):
		return nil, FieldError{"accent_color", "must be a colour like #1a73e8"}
	case in.LogoSVG != "" && !strings.Contains(in.LogoSVG, "<svg"):
		return nil, FieldError{"logo_svg", "must be an SVG document"}
	}
	in.At = now
	return []domain.Event{in}, nil
}

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
