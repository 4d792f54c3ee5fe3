// Package pgdirectory is the directory read model in PostgreSQL: its projection
// (schema rm_directory) and the queries behind directory.Queries.
package pgdirectory

import (
	"context"
	"strings"

	"github.com/awareportal/portal/projections/directory"

	"github.com/jackc/pgx/v5"

	"github.com/awareportal/portal/domain"
	dir "github.com/awareportal/portal/domain/directory"
	"github.com/awareportal/portal/domain/identity"
	"github.com/awareportal/portal/domain/staff"
	"github.com/awareportal/portal/domain/tenancy"
	"github.com/awareportal/portal/internal/eventstore"
)

// Name is the projection's name; its tables live in schema rm_directory.
const Name = directory.Name

// Projection builds the directory read model.
type Projection struct{}

func (Projection) Name() string { return Name }
func (Projection) Version() int { return 7 }

// Invalidates: pages cache learners, partners and staff roles
// (internal/readcache); every tenancy, directory, identity and staff-grant
// event may change them.
func (Projection) Invalidates(eventType string) bool {
	for _, prefix := range []string{"tenancy.", "directory.", "identity.", "staff.role_"} {
		if strings.HasPrefix(eventType, prefix) {
			return true
		}
	}
	return false
}

func (Projection) Schema() string {
	return `
CREATE TABLE partners (
    id            text PRIMARY KEY,
    name          text NOT NULL,
    slug          text NOT NULL UNIQUE,
    logo_svg      text NOT NULL,
    accent_color  text NOT NULL,
    support_email text NOT NULL
);
CREATE TABLE clients (
    id               text PRIMARY KEY,
    partner_id       text NOT NULL,
    name             text NOT NULL,
    portal_enabled   boolean NOT NULL,
    leaderboard_mode text NOT NULL DEFAULT 'ranked',
    microsoft_tenant_id text NOT NULL DEFAULT '',
    google_domain    text NOT NULL DEFAULT '',
    email_links      boolean NOT NULL DEFAULT true,
    time_zone        text NOT NULL DEFAULT 'UTC',
    reminder_policy  jsonb, -- NULL: the default policy
    language         text NOT NULL DEFAULT '' -- '': none
);
CREATE TABLE identities (
    provider   text NOT NULL,
    subject    text NOT NULL,
    learner_id text NOT NULL,
    email      text NOT NULL,
    linked_at  timestamptz NOT NULL,
    PRIMARY KEY (provider, subject, learner_id)
);
CREATE INDEX identities_learner ON identities (learner_id);
CREATE TABLE staff_roles (
    grant_id   text PRIMARY KEY,
    partner_id text NOT NULL,
    client_id  text NOT NULL,
    email      text NOT NULL,
    name       text NOT NULL,
    role       text NOT NULL
);
CREATE INDEX staff_roles_email ON staff_roles (email);
CREATE TABLE api_tokens (
    token_hash bytea PRIMARY KEY,
    token_id   text NOT NULL UNIQUE,
    partner_id text NOT NULL,
    name       text NOT NULL,
    issued_at  timestamptz NOT NULL,
    revoked    boolean NOT NULL DEFAULT false
);
CREATE TABLE learners (
    id         text PRIMARY KEY,
    client_id  text NOT NULL,
    email      text NOT NULL,
    first_name text NOT NULL,
    last_name  text NOT NULL,
    manager_id text NOT NULL,
    department text NOT NULL,
    source     text NOT NULL,
    language   text NOT NULL DEFAULT '' -- their own choice; '': none
);
CREATE INDEX learners_email ON learners (email);
CREATE INDEX learners_client ON learners (client_id);
CREATE INDEX learners_manager ON learners (manager_id);
-- managers counts each manager's direct reports at their client, so "is
-- this learner a manager" is one primary-key lookup on every page (an
-- EXISTS over learners.manager_id was planned as a scan of every learner).
CREATE TABLE managers (
    client_id  text NOT NULL,
    manager_id text NOT NULL,
    reports    integer NOT NULL,
    PRIMARY KEY (client_id, manager_id)
);
`
}

func (Projection) Apply(ctx context.Context, tx pgx.Tx, _ eventstore.RecordedEvent, e domain.Event) error {
	var err error
	switch ev := e.(type) {
	case tenancy.PartnerRegistered:
		_, err = tx.Exec(ctx, `INSERT INTO partners (id, name, slug, logo_svg, accent_color, support_email) VALUES ($1,$2,$3,$4,$5,$6)`,
			ev.PartnerID, ev.Name, ev.Slug, ev.LogoSVG, ev.AccentColor, ev.SupportEmail)
	case tenancy.ClientRegistered:
		_, err = tx.Exec(ctx, `INSERT INTO clients (id, partner_id, name, portal_enabled) VALUES ($1,$2,$3,$4)`,
			ev.ClientID, ev.PartnerID, ev.Name, ev.PortalEnabled)
	case tenancy.ClientPortalSwitched:
		_, err = tx.Exec(ctx, `UPDATE clients SET portal_enabled = $2 WHERE id = $1`, ev.ClientID, ev.Enabled)
	case tenancy.ClientLeaderboardSet:
		_, err = tx.Exec(ctx, `UPDATE clients SET leaderboard_mode = $2 WHERE id = $1`, ev.ClientID, string(ev.Mode))
	case tenancy.ClientDirectoryBound:
		_, err = tx.Exec(ctx, `UPDATE clients SET microsoft_tenant_id = $2, google_domain = $3 WHERE id = $1`, ev.ClientID, ev.MicrosoftTenantID, ev.GoogleDomain)
	case tenancy.ClientEmailLinksSwitched:
		_, err = tx.Exec(ctx, `UPDATE clients SET email_links = $2 WHERE id = $1`, ev.ClientID, ev.Enabled)
	case tenancy.ClientTimeZoneSet:
		_, err = tx.Exec(ctx, `UPDATE clients SET time_zone = $2 WHERE id = $1`, ev.ClientID, ev.TimeZone)
	case tenancy.ClientReminderPolicySet:
		_, err = tx.Exec(ctx, `UPDATE clients SET reminder_policy = $2 WHERE id = $1`, ev.ClientID, ev.Policy)
	case tenancy.ClientLanguageSet:
		_, err = tx.Exec(ctx, `UPDATE clients SET language = $2 WHERE id = $1`, ev.ClientID, ev.Language)
	case identity.Linked:
		_, err = tx.Exec(ctx, `INSERT INTO identities (provider, subject, learner_id, email, linked_at) VALUES ($1,$2,$3,$4,$5) ON CONFLICT DO NOTHING`,
			string(ev.Provider), ev.Subject, ev.LearnerID, ev.Email, ev.At)
	case staff.RoleGranted:
		_, err = tx.Exec(ctx, `INSERT INTO staff_roles (grant_id, partner_id, client_id, email, name, role) VALUES ($1,$2,$3,$4,$5,$6)`,
			ev.GrantID, ev.PartnerID, ev.ClientID, ev.Email, ev.Name, string(ev.Role))
	case staff.RoleRevoked:
		_, err = tx.Exec(ctx, `DELETE FROM staff_roles WHERE grant_id = $1`, ev.GrantID)
	case tenancy.PartnerAPITokenIssued:
		_, err = tx.Exec(ctx, `INSERT INTO api_tokens (token_hash, token_id, partner_id, name, issued_at) VALUES ($1,$2,$3,$4,$5)`,
			ev.TokenHash, ev.TokenID, ev.PartnerID, ev.Name, ev.At)
	case tenancy.PartnerAPITokenRevoked:
		_, err = tx.Exec(ctx, `UPDATE api_tokens SET revoked = true WHERE token_id = $1`, ev.TokenID)
	case dir.LearnerProvisioned:
		_, err = tx.Exec(ctx, `INSERT INTO learners (id, client_id, email, first_name, last_name, manager_id, department, source) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)`,
			ev.LearnerID, ev.ClientID, ev.Email, ev.FirstName, ev.LastName, ev.ManagerID, ev.Department, string(ev.Source))
		if err == nil && ev.ManagerID != "" && ev.ManagerID != ev.LearnerID {
			_, err = tx.Exec(ctx, `INSERT INTO managers (client_id, manager_id, reports) VALUES ($1,$2,1)
				ON CONFLICT (client_id, manager_id) DO UPDATE SET reports = managers.reports + 1`, ev.ClientID, ev.ManagerID)
		}
	case dir.LearnerLanguageChosen:
		_, err = tx.Exec(ctx, `UPDATE learners SET language = $2 WHERE id = $1`, ev.LearnerID, ev.Language)
	}
	return err
}
