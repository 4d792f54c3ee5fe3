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
	ID   string
	Name string
}

// Apply folds an event into the partner.
func (p *Partner) Apply(e domain.Event) {
	if ev, ok := e.(PartnerRegistered); ok {
		p.ID, p.Name = ev.PartnerID, ev.Name
	}
}

// RegisterPartner validates a new partner.
func RegisterPartner(p *Partner, in PartnerRegistered, now time.Time) ([]domain.Event, error) {
	if p.ID != "" {
		return nil, fmt.Errorf("partner %s: %w", p.ID, ErrAlreadyRegistered)
	}
	in.Name = strings.TrimSpace(in.Name)
	switch {
	case in.PartnerID == "":
		return nil, FieldError{"partner_id", "is required"}
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
}

// Apply folds an event into the client.
func (c *Client) Apply(e domain.Event) {
	switch ev := e.(type) {
	case ClientRegistered:
		c.ID, c.PartnerID, c.PortalEnabled = ev.ClientID, ev.PartnerID, ev.PortalEnabled
	case ClientPortalSwitched:
		c.PortalEnabled = ev.Enabled
	}
}

// RegisterClient validates a new client of a registered partner.
func RegisterClient(c *Client, partner *Partner, in ClientRegistered, now time.Time) ([]domain.Event, error) {
	if c.ID != "" {
		return nil, fmt.Errorf("client %s: %w", c.ID, ErrAlreadyRegistered)
	}
	if partner.ID == "" {
		return nil, fmt.Errorf("partner %s: %w", in.PartnerID, ErrNotRegistered)
	}
	in.Name = strings.TrimSpace(in.Name)
	switch {
	case in.ClientID == "":
		return nil, FieldError{"client_id", "is required"}
	case in.Name == "":
		return nil, FieldError{"name", "is required"}
	}
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
