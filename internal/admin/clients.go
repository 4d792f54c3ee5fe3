package admin

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/awareportal/portal/domain"
	"github.com/awareportal/portal/domain/tenancy"
	"github.com/awareportal/portal/internal/eventstore"
	"github.com/awareportal/portal/projections/directory"
)

// Clients lists the partner's clients.
func (s *Service) Clients(ctx context.Context, partnerID string) ([]directory.Client, error) {
	list, err := s.Dir.Clients(ctx, partnerID)
	for i := range list {
		list[i] = clientView(list[i])
	}
	return list, err
}

// Client returns one of the partner's clients.
func (s *Service) Client(ctx context.Context, partnerID, clientID string) (directory.Client, error) {
	c, err := s.client(ctx, partnerID, clientID)
	return clientView(c), err
}

// ClientInput creates a client.
type ClientInput struct {
	ID            string  `json:"id,omitempty"`
	Name          string  `json:"name"`
	PortalEnabled *bool   `json:"portal_enabled,omitempty"`
	Leaderboard   *string `json:"leaderboard,omitempty"`
}

var slugRe = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$`)

func slugify(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
		if b.Len() >= 40 {
			break
		}
	}
	return strings.Trim(b.String(), "-")
}

// CreateClient registers a client of the partner.
func (s *Service) CreateClient(ctx context.Context, partnerID string, in ClientInput, meta eventstore.Metadata) (directory.Client, error) {
	var v ValidationError
	name, err := tenancy.Text("name", in.Name, tenancy.MaxName)
	v.check(err)
	if in.Name = name; err == nil && in.Name == "" {
		v.add("name", "is required")
	}
	if in.ID == "" {
		in.ID = slugify(in.Name)
	}
	if !slugRe.MatchString(in.ID) {
		v.add("id", "must be 1-40 lowercase letters, digits or dashes")
	}
	mode := tenancy.LeaderboardRanked
	if in.Leaderboard != nil {
		mode = tenancy.LeaderboardMode(*in.Leaderboard)
		if mode != tenancy.LeaderboardRanked && mode != tenancy.LeaderboardAnonymised && mode != tenancy.LeaderboardHidden {
			v.add("leaderboard", "must be ranked, anonymised or hidden")
		}
	}
	if err := v.err(); err != nil {
		return directory.Client{}, err
	}
	enabled := in.PortalEnabled == nil || *in.PortalEnabled
	if _, err := s.client(ctx, partnerID, in.ID); err == nil {
		return directory.Client{}, fmt.Errorf("client %q: %w", in.ID, ErrConflict)
	}
	ref, id := in.ID, tenancy.Scoped(partnerID, in.ID)
	var partner tenancy.Partner
	if _, err := s.Repo.Load(ctx, tenancy.PartnerStream(partnerID), &partner); err != nil {
		return directory.Client{}, err
	}
	d, err := eventstore.Execute(ctx, s.Repo, tenancy.ClientStream(id), meta, func() *tenancy.Client { return &tenancy.Client{} },
		func(c *tenancy.Client) ([]domain.Event, error) {
			now := s.Clock.Now()
			evs, err := tenancy.RegisterClient(c, &partner, tenancy.ClientRegistered{ClientID: id, Name: in.Name, PortalEnabled: enabled}, now)
			if err != nil {
				return nil, err
			}
			if mode != tenancy.LeaderboardRanked {
				evs = append(evs, tenancy.ClientLeaderboardSet{ClientID: id, Mode: mode, At: now})
			}
			return evs, nil
		})
	if errors.Is(err, tenancy.ErrAlreadyRegistered) { // the partner's own, created in parallel
		return directory.Client{}, fmt.Errorf("client %q: %w", ref, ErrConflict)
	}
	if err != nil {
		return directory.Client{}, asValidation(err)
	}
	if err := s.settle(ctx, d.Result.Position); err != nil {
		return directory.Client{}, err
	}
	return s.Client(ctx, partnerID, ref)
}

// ClientPatch changes a client's settings.
type ClientPatch struct {
	PortalEnabled *bool   `json:"portal_enabled,omitempty"`
	Leaderboard   *string `json:"leaderboard,omitempty"`
	// MicrosoftTenantID and GoogleDomain bind the client's directory sync
	// ("" unbinds); EmailLinks allows email links for synced learners.
	MicrosoftTenantID *string `json:"microsoft_tenant_id,omitempty"`
	GoogleDomain      *string `json:"google_domain,omitempty"`
	EmailLinks        *bool   `json:"email_links,omitempty"`
	// TimeZone is the client's IANA time zone ("Europe/Berlin"; "" is UTC).
	TimeZone *string `json:"time_zone,omitempty"`
	// Language is the default language of the client's learners (en, de,
	// fr; "" for none: each learner's browser decides).
	Language *string `json:"language,omitempty"`
}

// UpdateClient switches the portal, the leaderboard mode, the directory
// bindings, email links, the time zone or the default language.
func (s *Service) UpdateClient(ctx context.Context, partnerID, ref string, in ClientPatch, meta eventstore.Metadata) (directory.Client, error) {
	client, err := s.client(ctx, partnerID, ref)
	if err != nil {
		return directory.Client{}, err
	}
	var v ValidationError
	if in.PortalEnabled == nil && in.Leaderboard == nil && in.MicrosoftTenantID == nil && in.GoogleDomain == nil && in.EmailLinks == nil && in.TimeZone == nil && in.Language == nil {
		v.add("portal_enabled", "or leaderboard, microsoft_tenant_id, google_domain, email_links, time_zone, language: give at least one")
	}
	if in.Language != nil {
		if _, err := tenancy.Language("language", *in.Language); err != nil {
			v.check(err)
		}
	}
	if in.TimeZone != nil {
		if _, err := tenancy.Location(*in.TimeZone); err != nil {
			v.check(err)
		}
	}
	if in.Leaderboard != nil {
		switch tenancy.LeaderboardMode(*in.Leaderboard) {
		case tenancy.LeaderboardRanked, tenancy.LeaderboardAnonymised, tenancy.LeaderboardHidden:
		default:
			v.add("leaderboard", "must be ranked, anonymised or hidden")
		}
	}
	if err := v.err(); err != nil {
		return directory.Client{}, err
	}
	d, err := eventstore.Execute(ctx, s.Repo, tenancy.ClientStream(client.ID), meta, func() *tenancy.Client { return &tenancy.Client{} },
		func(c *tenancy.Client) ([]domain.Event, error) {
			now := s.Clock.Now()
			var evs []domain.Event
			if in.PortalEnabled != nil {
				e, err := tenancy.SwitchPortal(c, *in.PortalEnabled, now)
				if err != nil {
					return nil, err
				}
				evs = append(evs, e...)
			}
			if in.Leaderboard != nil {
				e, err := tenancy.SetLeaderboard(c, tenancy.LeaderboardMode(*in.Leaderboard), now)
				if err != nil {
					return nil, err
				}
				evs = append(evs, e...)
			}
			if in.MicrosoftTenantID != nil || in.GoogleDomain != nil {
				d := tenancy.Directory{MicrosoftTenantID: c.MicrosoftTenantID, GoogleDomain: c.GoogleDomain}
				if in.MicrosoftTenantID != nil {
					d.MicrosoftTenantID = *in.MicrosoftTenantID
				}
				if in.GoogleDomain != nil {
					d.GoogleDomain = *in.GoogleDomain
				}
				e, err := tenancy.BindDirectory(c, d, now)
				if err != nil {
					return nil, err
				}
				evs = append(evs, e...)
			}
			if in.EmailLinks != nil {
				e, err := tenancy.SwitchEmailLinks(c, *in.EmailLinks, now)
				if err != nil {
					return nil, err
				}
				evs = append(evs, e...)
			}
			if in.TimeZone != nil {
				e, err := tenancy.SetTimeZone(c, *in.TimeZone, now)
				if err != nil {
					return nil, err
				}
				evs = append(evs, e...)
			}
			if in.Language != nil {
				e, err := tenancy.SetLanguage(c, *in.Language, now)
				if err != nil {
					return nil, err
				}
				evs = append(evs, e...)
			}
			return evs, nil
		})
	if err != nil {
		return directory.Client{}, asValidation(err)
	}
	if err := s.settle(ctx, d.Result.Position); err != nil {
		return directory.Client{}, err
	}
	return s.Client(ctx, partnerID, ref)
}
