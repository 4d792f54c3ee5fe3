// Package tenancy is about partners (managed service providers) and their
// client organisations.
package tenancy

import (
	"time"

	"github.com/awareportal/portal/domain/reminder"
)

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

// LeaderboardMode is how a client shows its leaderboard.
type LeaderboardMode string

const (
	LeaderboardRanked     LeaderboardMode = "ranked"     // names and ranks
	LeaderboardAnonymised LeaderboardMode = "anonymised" // only your own name; others are "Colleague"
	LeaderboardHidden     LeaderboardMode = "hidden"     // no leaderboard at all
)

// ClientLeaderboardSet: a client chose how its leaderboard shows.
type ClientLeaderboardSet struct {
	ClientID string          `json:"client_id"`
	Mode     LeaderboardMode `json:"mode"`
	At       time.Time       `json:"at"`
}

func (ClientLeaderboardSet) EventName() string { return "tenancy.client_leaderboard_set.v1" }

// PartnerAPITokenIssued: a partner got a token for the admin API. Only a
// hash of the token is kept.
type PartnerAPITokenIssued struct {
	PartnerID string    `json:"partner_id"`
	TokenID   string    `json:"token_id"`
	Name      string    `json:"name"`
	TokenHash []byte    `json:"token_hash"`
	At        time.Time `json:"at"`
}

func (PartnerAPITokenIssued) EventName() string { return "tenancy.partner_api_token_issued.v1" }

// PartnerAPITokenRevoked: a partner's API token stopped working.
type PartnerAPITokenRevoked struct {
	PartnerID string    `json:"partner_id"`
	TokenID   string    `json:"token_id"`
	At        time.Time `json:"at"`
}

func (PartnerAPITokenRevoked) EventName() string { return "tenancy.partner_api_token_revoked.v1" }

// ClientDirectoryBound: a client's directory sync was bound to its Microsoft
// Entra tenant or its Google Workspace domain. Sign-in with that provider
// trusts the email in a token only when it comes from the bound tenant or
// domain. An empty value unbinds.
type ClientDirectoryBound struct {
	ClientID          string    `json:"client_id"`
	MicrosoftTenantID string    `json:"microsoft_tenant_id,omitempty"`
	GoogleDomain      string    `json:"google_domain,omitempty"`
	At                time.Time `json:"at"`
}

func (ClientDirectoryBound) EventName() string { return "tenancy.client_directory_bound.v1" }

// ClientEmailLinksSwitched: a client allowed or forbade sign-in by email
// link for its learners who sign in with Microsoft or Google. (Learners
// added by hand always have email links: it is their only way in.)
type ClientEmailLinksSwitched struct {
	ClientID string    `json:"client_id"`
	Enabled  bool      `json:"enabled"`
	At       time.Time `json:"at"`
}

func (ClientEmailLinksSwitched) EventName() string { return "tenancy.client_email_links_switched.v1" }

// ClientTimeZoneSet: a client chose its IANA time zone (dates on pages and
// in emails, due-date wording, when reminders go out).
type ClientTimeZoneSet struct {
	ClientID string    `json:"client_id"`
	TimeZone string    `json:"time_zone"`
	At       time.Time `json:"at"`
}

func (ClientTimeZoneSet) EventName() string { return "tenancy.client_time_zone_set.v1" }

// ClientReminderPolicySet: a client chose when its learners are reminded of
// their courses and when its managers get their digest.
type ClientReminderPolicySet struct {
	ClientID string          `json:"client_id"`
	Policy   reminder.Policy `json:"policy"`
	At       time.Time       `json:"at"`
}

func (ClientReminderPolicySet) EventName() string { return "tenancy.client_reminder_policy_set.v1" }

// ClientLanguageSet: a client chose the language its learners see unless
// they choose their own (en, de, fr; "" for none: then each learner's
// browser decides, and emails are in English).
type ClientLanguageSet struct {
	ClientID string    `json:"client_id"`
	Language string    `json:"language"`
	At       time.Time `json:"at"`
}

func (ClientLanguageSet) EventName() string { return "tenancy.client_language_set.v1" }
