// Package directory is the read model of partners, clients and learners:
// who can sign in, where, and under whose brand.
package directory

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/awareportal/portal/domain/reminder"
)

// Name is the read model's projection name (its schema is rm_directory, its
// epoch row in read_model_epochs is this name).
const Name = "directory"

// ErrNotFound is returned when a lookup finds nothing.
var ErrNotFound = errors.New("not found")

// Partner is a partner's brand.
type Partner struct {
	ID, Name, Slug, LogoSVG, AccentColor, SupportEmail string
}

// Client is a client organisation.
type Client struct {
	ID, PartnerID, Name string
	PortalEnabled       bool
	LeaderboardMode     string
	Directory
	TimeZone  string           // IANA name
	Reminders *reminder.Policy // nil: the default (see ReminderPolicy)
	Language  string           // the default for its learners (en, de, fr); "": none
}

// ReminderPolicy is the client's reminder policy.
func (c Client) ReminderPolicy() reminder.Policy {
	if c.Reminders == nil {
		return reminder.DefaultPolicy()
	}
	return *c.Reminders
}

// Location is the client's time zone (UTC if unknown).
func (c Client) Location() *time.Location { return location(c.TimeZone) }

// zones memoises time.LoadLocation, which reads the time zone database
// on every call (the names are validated IANA names, a few per partner).
var zones sync.Map // name -> *time.Location

func location(name string) *time.Location {
	if name == "" || name == "UTC" {
		return time.UTC
	}
	if loc, ok := zones.Load(name); ok {
		return loc.(*time.Location)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return time.UTC
	}
	zones.Store(name, loc)
	return loc
}

// Directory is where a client's learners are synced from, and whether
// synced learners may also sign in by email link.
type Directory struct {
	MicrosoftTenantID string
	GoogleDomain      string
	EmailLinks        bool
}

// Learner is a learner with their organisation.
type Learner struct {
	ID, ClientID, Email, FirstName, LastName, ManagerID, Department, Source string
	ClientName                                                              string
	PortalEnabled                                                           bool
	PartnerID                                                               string
	LeaderboardMode                                                         string
	Directory                                                               Directory // of the learner's client
	TimeZone                                                                string    // of the learner's client, IANA
	// ChosenLanguage is the learner's own choice of language, ClientLanguage
	// their client's default (en, de, fr; "": none). i18n.Negotiate picks
	// from them, in that order.
	ChosenLanguage, ClientLanguage string
	// IsManager: at least one learner at the same client has them as manager
	// (My Team).
	IsManager bool
}

// Location is the learner's client's time zone (UTC if unknown).
func (l Learner) Location() *time.Location { return location(l.TimeZone) }

// FullName is the learner's first and last name.
func (l Learner) FullName() string {
	if l.LastName == "" {
		return l.FirstName
	}
	return l.FirstName + " " + l.LastName
}

// APIToken is a partner's admin API token (by hash).
type APIToken struct {
	TokenID, PartnerID, Name string
}

// StaffRole is a live staff grant.
type StaffRole struct {
	GrantID, PartnerID, ClientID, Email, Name, Role string
}

// Queries reads the read model (pgdirectory.Queries, in PostgreSQL).
type Queries interface {
	// LearnersByEmail returns every learner with that (normalised) email, one
	// per client organisation, ordered by organisation name.
	LearnersByEmail(ctx context.Context, email string) ([]Learner, error)
	// LinkedLearners returns the learners a provider identity is linked to.
	LinkedLearners(ctx context.Context, provider, subject string) ([]Learner, error)
	// Learner returns one learner, or ErrNotFound.
	Learner(ctx context.Context, id string) (Learner, error)
	// Partner returns a partner by id, or ErrNotFound.
	Partner(ctx context.Context, id string) (Partner, error)
	// PartnerBySlug returns a partner by its URL slug, or ErrNotFound.
	PartnerBySlug(ctx context.Context, slug string) (Partner, error)
	// Partners lists every partner by name.
	Partners(ctx context.Context) ([]Partner, error)
	// CountPartners says how many partners exist (the seed runs when none do).
	CountPartners(ctx context.Context) (int, error)
	// Client returns a client organisation, or ErrNotFound.
	Client(ctx context.Context, id string) (Client, error)
	// Clients lists a partner's clients by name.
	Clients(ctx context.Context, partnerID string) ([]Client, error)
	// ClientsWithPortal lists every client whose portal is on.
	ClientsWithPortal(ctx context.Context) ([]Client, error)
	// Reports lists a manager's direct reports at the manager's own client,
	// by name (none: an empty list).
	Reports(ctx context.Context, managerID string) ([]Learner, error)
	// LearnersOfClient lists a client's learners by name.
	LearnersOfClient(ctx context.Context, clientID string) ([]Learner, error)
	// APITokenByHash finds a live token, or ErrNotFound.
	APITokenByHash(ctx context.Context, hash []byte) (APIToken, error)
	// StaffRoles returns an email's live staff grants.
	StaffRoles(ctx context.Context, email string) ([]StaffRole, error)
	// StaffOfPartner lists a partner's staff grants.
	StaffOfPartner(ctx context.Context, partnerID string) ([]StaffRole, error)
}
