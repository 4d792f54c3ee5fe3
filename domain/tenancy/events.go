// Package tenancy is about partners (managed service providers) and their
// client organisations.
package tenancy

import "time"

// PartnerRegistered: a partner (MSP) joined, with its branding.
type PartnerRegistered struct {
	PartnerID    string    `json:"partner_id"`
	Name         string    `json:"name"`
	Slug         string    `json:"slug"` // used in the partner's sign-in URL
	LogoSVG      string    `json:"logo_svg"`
	AccentColor  string    `json:"accent_color"` // #rrggbb
	SupportEmail string    `json:"support_email"`
	At           time.Time `json:"at"`
}

func (PartnerRegistered) EventName() string { return "tenancy.partner_registered.v1" }

// ClientRegistered: a partner added a client organisation.
type ClientRegistered struct {
	ClientID      string    `json:"client_id"`
	PartnerID     string    `json:"partner_id"`
	Name          string    `json:"name"`
	PortalEnabled bool      `json:"portal_enabled"`
	At            time.Time `json:"at"`
}

func (ClientRegistered) EventName() string { return "tenancy.client_registered.v1" }

// ClientPortalSwitched: the portal was switched on or off for a client.
type ClientPortalSwitched struct {
	ClientID string    `json:"client_id"`
	Enabled  bool      `json:"enabled"`
	At       time.Time `json:"at"`
}

func (ClientPortalSwitched) EventName() string { return "tenancy.client_portal_switched.v1" }
