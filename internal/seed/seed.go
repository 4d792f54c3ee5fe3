// Package seed writes the demo tenant, through events like everything else,
// when the event store is empty.
package seed

import (
	"context"
	"fmt"
	"time"

	"github.com/awareportal/portal/domain"
	dir "github.com/awareportal/portal/domain/directory"
	"github.com/awareportal/portal/domain/staff"
	"github.com/awareportal/portal/domain/tenancy"
	"github.com/awareportal/portal/internal/catalog"
	"github.com/awareportal/portal/internal/eventstore"
	"github.com/awareportal/portal/internal/media"
)

// Demo identities, named in the README.
const (
	PartnerSlug    = "northwind"
	LearnerEmail   = "sam.learner@acme.example"
	ManagerEmail   = "morgan.manager@acme.example"
	MultiOrgEmail  = "jordan.contractor@acme.example"
	PortalOffEmail = "pat.person@initech.example"
	SupportEmail   = "sky.support@northwind-it.example"
	AuditorEmail   = "alex.auditor@acme.example"
	// MicrosoftEmail and GoogleEmail are Acme learners synced from
	// Microsoft 365 and Google Workspace.
	MicrosoftEmail = "riley.chen@acme.example"
	GoogleEmail    = "avery.patel@acme.example"
	// AcmeTenantID is Acme's Microsoft Entra tenant; AcmeGoogleDomain its
	// Google Workspace domain.
	AcmeTenantID     = "6f1c3b2a-8d4e-4f5a-9b7c-1e2d3c4b5a69"
	AcmeGoogleDomain = "acme.example"
)

const logo = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect width="64" height="64" rx="14" fill="#0b7285"/><path d="M32 12l16 6v12c0 11-7 19-16 22-9-3-16-11-16-22V18z" fill="#fff"/><path d="M26 32l5 5 9-10" stroke="#0b7285" stroke-width="4" fill="none" stroke-linecap="round" stroke-linejoin="round"/></svg>`

type learner struct {
	id, client, email, first, last, manager, dept string
	source                                        dir.Source
}

// Demo seeds the demo tenant. It is a no-op when any event exists.
func Demo(ctx context.Context, store eventstore.Store, repo eventstore.Repository, cat *catalog.Catalog, files media.Store, now time.Time) (bool, error) {
	existing, err := store.ReadAll(ctx, eventstore.Start, 1)
	if err != nil {
		return false, err
	}
	if len(existing) > 0 {
		return false, nil
	}
	meta := eventstore.Metadata{ActorID: "system:seed"}
	at := now.Add(-90 * 24 * time.Hour)

	partners := []tenancy.PartnerRegistered{
		{PartnerID: "northwind", Name: "Northwind IT", Slug: PartnerSlug, LogoSVG: logo, AccentColor: "#0b7285", SupportEmail: "help@northwind-it.example"},
		{PartnerID: "bluepeak", Name: "BluePeak Managed Services", Slug: "bluepeak", AccentColor: "#5b3cc4", SupportEmail: "support@bluepeak.example"},
	}
	for _, p := range partners {
		if err := save(ctx, repo, tenancy.PartnerStream(p.PartnerID), meta, func() ([]domain.Event, error) {
			return tenancy.RegisterPartner(&tenancy.Partner{}, p, at)
		}); err != nil {
			return false, err
		}
	}
	clients := []tenancy.ClientRegistered{
		{ClientID: "acme", PartnerID: "northwind", Name: "Acme Corporation", PortalEnabled: true},
		{ClientID: "initech", PartnerID: "northwind", Name: "Initech", PortalEnabled: true},
		{ClientID: "globex", PartnerID: "bluepeak", Name: "Globex", PortalEnabled: true},
	}
	for _, c := range clients {
		partner := &tenancy.Partner{ID: c.PartnerID}
		if err := save(ctx, repo, tenancy.ClientStream(c.ClientID), meta, func() ([]domain.Event, error) {
			return tenancy.RegisterClient(&tenancy.Client{}, partner, c, at)
		}); err != nil {
			return false, err
		}
	}
	// Acme syncs its directory from Microsoft 365 (its Entra tenant) and, for
	// some staff, from Google Workspace.
	if err := save(ctx, repo, tenancy.ClientStream("acme"), meta, func() ([]domain.Event, error) {
		return tenancy.BindDirectory(&tenancy.Client{ID: "acme"}, tenancy.Directory{MicrosoftTenantID: AcmeTenantID, GoogleDomain: AcmeGoogleDomain}, at)
	}); err != nil {
		return false, err
	}
	// Initech has switched its portal off.
	if err := save(ctx, repo, tenancy.ClientStream("initech"), meta, func() ([]domain.Event, error) {
		return tenancy.SwitchPortal(&tenancy.Client{ID: "initech", PortalEnabled: true}, false, at)
	}); err != nil {
		return false, err
	}

	people := []learner{
		{"acme-morgan", "acme", ManagerEmail, "Morgan", "Manager", "", "Operations", dir.SourceManual},
		{"acme-sam", "acme", LearnerEmail, "Sam", "Learner", "acme-morgan", "Operations", dir.SourceManual},
		{"acme-riley", "acme", MicrosoftEmail, "Riley", "Chen", "acme-morgan", "Operations", dir.SourceMicrosoft},
		{"acme-avery", "acme", GoogleEmail, "Avery", "Patel", "acme-morgan", "Finance", dir.SourceGoogle},
		{"acme-jamie", "acme", "jamie.okafor@acme.example", "Jamie", "Okafor", "acme-morgan", "Sales", dir.SourceManual},
		{"acme-jordan", "acme", MultiOrgEmail, "Jordan", "Contractor", "", "IT", dir.SourceManual},
		{"globex-jordan", "globex", MultiOrgEmail, "Jordan", "Contractor", "", "IT", dir.SourceManual},
		{"initech-pat", "initech", PortalOffEmail, "Pat", "Person", "", "Engineering", dir.SourceManual},
		{"acme-new-hire", "acme", NewHireEmail, "Noor", "Hussain", "acme-morgan", "Sales", dir.SourceManual},
	}
	clientOf := map[string]string{}
	var through []string // everyone but the new hire has been through onboarding
	for _, l := range people {
		clientOf[l.id] = l.client
		if l.email == NewHireEmail {
			// Just joined: gets the welcome email, then onboarding.
			if err := save(ctx, repo, dir.LearnerStream(l.id), meta, func() ([]domain.Event, error) {
				return dir.Provision(&dir.Learner{}, &tenancy.Client{ID: l.client, PortalEnabled: true}, dir.LearnerProvisioned{LearnerID: l.id, ClientID: l.client,
					Email: l.email, FirstName: l.first, LastName: l.last, ManagerID: l.manager, Department: l.dept, Source: l.source, Welcome: true}, now.Add(-time.Hour))
			}); err != nil {
				return false, err
			}
			continue
		}
		if l.client != "globex" {
			through = append(through, l.id)
		}
		client := &tenancy.Client{ID: l.client}
		in := dir.LearnerProvisioned{LearnerID: l.id, ClientID: l.client, Email: l.email, FirstName: l.first, LastName: l.last, ManagerID: l.manager, Department: l.dept, Source: l.source}
		if err := save(ctx, repo, dir.LearnerStream(l.id), meta, func() ([]domain.Event, error) {
			return dir.Provision(&dir.Learner{}, client, in, at)
		}); err != nil {
			return false, err
		}
	}
	if err := Progress(ctx, repo, cat, clientOf, now); err != nil {
		return false, err
	}
	if err := onboarding(ctx, repo, files, through, now); err != nil {
		return false, err
	}
	if err := policies(ctx, repo, files, now); err != nil {
		return false, err
	}
	if err := breaches(ctx, repo, meta, now); err != nil {
		return false, err
	}
	if err := phishing(ctx, repo, meta, now); err != nil {
		return false, err
	}
	// Northwind's support desk, and Acme's compliance auditor.
	grants := &staff.Grants{}
	for _, g := range []staff.RoleGranted{
		{GrantID: "g-sky", PartnerID: "northwind", Email: SupportEmail, Name: "Sky Support", Role: staff.RoleSupport},
		{GrantID: "g-alex", PartnerID: "northwind", ClientID: "acme", Email: AuditorEmail, Name: "Alex Auditor", Role: staff.RoleAuditor},
	} {
		if err := save(ctx, repo, staff.GrantsStream("northwind"), meta, func() ([]domain.Event, error) {
			evs, err := staff.Grant(grants, g, at)
			for _, e := range evs {
				grants.Apply(e)
			}
			return evs, err
		}); err != nil {
			return false, err
		}
	}
	return true, nil
}

func save(ctx context.Context, repo eventstore.Repository, stream string, meta eventstore.Metadata, decide func() ([]domain.Event, error)) error {
	evs, err := decide()
	if err != nil {
		return fmt.Errorf("seed %s: %w", stream, err)
	}
	if len(evs) == 0 {
		return nil
	}
	if _, err := repo.Append(ctx, stream, eventstore.Any, meta, evs...); err != nil {
		return fmt.Errorf("seed %s: %w", stream, err)
	}
	return nil
}
