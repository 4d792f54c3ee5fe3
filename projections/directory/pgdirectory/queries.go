package pgdirectory

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/awareportal/portal/projections/directory"
)

// Queries reads the directory.
type Queries struct {
	Pool *pgxpool.Pool
}

const learnerCols = `l.id, l.client_id, l.email, l.first_name, l.last_name, l.manager_id, l.department, l.source, c.name, c.portal_enabled, c.partner_id, c.leaderboard_mode, c.microsoft_tenant_id, c.google_domain, c.email_links, c.time_zone,
	l.language, c.language, EXISTS (SELECT 1 FROM rm_directory.managers r WHERE r.client_id = l.client_id AND r.manager_id = l.id)`

func scanLearner(row pgx.Row) (directory.Learner, error) {
	var l directory.Learner
	err := row.Scan(&l.ID, &l.ClientID, &l.Email, &l.FirstName, &l.LastName, &l.ManagerID, &l.Department, &l.Source, &l.ClientName, &l.PortalEnabled, &l.PartnerID, &l.LeaderboardMode,
		&l.Directory.MicrosoftTenantID, &l.Directory.GoogleDomain, &l.Directory.EmailLinks, &l.TimeZone,
		&l.ChosenLanguage, &l.ClientLanguage, &l.IsManager)
	return l, err
}

// LearnersByEmail returns every learner with that (normalised) email, one
// per client organisation, ordered by organisation name.
func (q Queries) LearnersByEmail(ctx context.Context, email string) ([]directory.Learner, error) {
	return q.learners(ctx, "learners by email", `SELECT `+learnerCols+` FROM rm_directory.learners l JOIN rm_directory.clients c ON c.id = l.client_id
		WHERE l.email = $1 ORDER BY c.name, l.id`, email)
}

// LinkedLearners returns the learners a provider identity is linked to.
func (q Queries) LinkedLearners(ctx context.Context, provider, subject string) ([]directory.Learner, error) {
	return q.learners(ctx, "linked learners", `SELECT `+learnerCols+` FROM rm_directory.identities i
		JOIN rm_directory.learners l ON l.id = i.learner_id JOIN rm_directory.clients c ON c.id = l.client_id
		WHERE i.provider = $1 AND i.subject = $2 ORDER BY c.name, l.id`, provider, subject)
}

func (q Queries) learners(ctx context.Context, what, query string, args ...any) ([]directory.Learner, error) {
	rows, err := q.Pool.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	var out []directory.Learner
	for rows.Next() {
		l, err := scanLearner(rows)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

// Reports lists a manager's direct reports at the manager's own client, by name.
func (q Queries) Reports(ctx context.Context, managerID string) ([]directory.Learner, error) {
	return q.learners(ctx, "reports", `SELECT `+learnerCols+` FROM rm_directory.learners m
		JOIN rm_directory.learners l ON l.manager_id = m.id AND l.client_id = m.client_id AND l.id <> m.id
		JOIN rm_directory.clients c ON c.id = l.client_id
		WHERE m.id = $1 ORDER BY l.first_name, l.last_name, l.id`, managerID)
}

// Learner returns one learner, or directory.ErrNotFound.
func (q Queries) Learner(ctx context.Context, id string) (directory.Learner, error) {
	l, err := scanLearner(q.Pool.QueryRow(ctx, `SELECT `+learnerCols+` FROM rm_directory.learners l JOIN rm_directory.clients c ON c.id = l.client_id WHERE l.id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return directory.Learner{}, fmt.Errorf("learner %s: %w", id, directory.ErrNotFound)
	}
	if err != nil {
		return directory.Learner{}, fmt.Errorf("learner %s: %w", id, err)
	}
	return l, nil
}

func scanPartner(row pgx.Row, key string) (directory.Partner, error) {
	var p directory.Partner
	err := row.Scan(&p.ID, &p.Name, &p.Slug, &p.LogoSVG, &p.AccentColor, &p.SupportEmail)
	if errors.Is(err, pgx.ErrNoRows) {
		return directory.Partner{}, fmt.Errorf("partner %s: %w", key, directory.ErrNotFound)
	}
	if err != nil {
		return directory.Partner{}, fmt.Errorf("partner %s: %w", key, err)
	}
	return p, nil
}

const partnerCols = `id, name, slug, logo_svg, accent_color, support_email`

// Partner returns a partner by id, or directory.ErrNotFound.
func (q Queries) Partner(ctx context.Context, id string) (directory.Partner, error) {
	return scanPartner(q.Pool.QueryRow(ctx, `SELECT `+partnerCols+` FROM rm_directory.partners WHERE id = $1`, id), id)
}

// PartnerBySlug returns a partner by its URL slug, or directory.ErrNotFound.
func (q Queries) PartnerBySlug(ctx context.Context, slug string) (directory.Partner, error) {
	return scanPartner(q.Pool.QueryRow(ctx, `SELECT `+partnerCols+` FROM rm_directory.partners WHERE slug = $1`, slug), slug)
}

// Partners lists every partner by name.
func (q Queries) Partners(ctx context.Context) ([]directory.Partner, error) {
	rows, err := q.Pool.Query(ctx, `SELECT `+partnerCols+` FROM rm_directory.partners ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("partners: %w", err)
	}
	defer rows.Close()
	var out []directory.Partner
	for rows.Next() {
		var p directory.Partner
		if err := rows.Scan(&p.ID, &p.Name, &p.Slug, &p.LogoSVG, &p.AccentColor, &p.SupportEmail); err != nil {
			return nil, fmt.Errorf("partners: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// CountPartners says how many partners exist (the seed runs when none do).
func (q Queries) CountPartners(ctx context.Context) (int, error) {
	var n int
	err := q.Pool.QueryRow(ctx, `SELECT count(*) FROM rm_directory.partners`).Scan(&n)
	return n, err
}

const clientCols = `id, partner_id, name, portal_enabled, leaderboard_mode, microsoft_tenant_id, google_domain, email_links, time_zone, reminder_policy, language`

func scanClient(r pgx.Row) (directory.Client, error) {
	var c directory.Client
	err := r.Scan(&c.ID, &c.PartnerID, &c.Name, &c.PortalEnabled, &c.LeaderboardMode, &c.MicrosoftTenantID, &c.GoogleDomain, &c.EmailLinks, &c.TimeZone, &c.Reminders, &c.Language)
	return c, err
}

// Client returns a client organisation, or directory.ErrNotFound.
func (q Queries) Client(ctx context.Context, id string) (directory.Client, error) {
	c, err := scanClient(q.Pool.QueryRow(ctx, `SELECT `+clientCols+` FROM rm_directory.clients WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return directory.Client{}, fmt.Errorf("client %s: %w", id, directory.ErrNotFound)
	}
	if err != nil {
		return directory.Client{}, fmt.Errorf("client %s: %w", id, err)
	}
	return c, nil
}

// Clients lists a partner's clients by name.
func (q Queries) Clients(ctx context.Context, partnerID string) ([]directory.Client, error) {
	rows, err := q.Pool.Query(ctx, `SELECT `+clientCols+` FROM rm_directory.clients WHERE partner_id = $1 ORDER BY name`, partnerID)
	if err != nil {
		return nil, fmt.Errorf("clients: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (directory.Client, error) { return scanClient(r) })
}

// ClientsWithPortal lists every client whose portal is on, by id (the
// reminder sweep).
func (q Queries) ClientsWithPortal(ctx context.Context) ([]directory.Client, error) {
	rows, err := q.Pool.Query(ctx, `SELECT `+clientCols+` FROM rm_directory.clients WHERE portal_enabled ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("clients with portal: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (directory.Client, error) { return scanClient(r) })
	if err != nil {
		return nil, fmt.Errorf("clients with portal: %w", err)
	}
	return list, nil
}

// LearnersOfClient lists a client's learners by name.
func (q Queries) LearnersOfClient(ctx context.Context, clientID string) ([]directory.Learner, error) {
	return q.learners(ctx, "learners of "+clientID, `SELECT `+learnerCols+` FROM rm_directory.learners l JOIN rm_directory.clients c ON c.id = l.client_id
		WHERE l.client_id = $1 ORDER BY l.first_name, l.last_name, l.id`, clientID)
}

// APITokenByHash finds a live token, or directory.ErrNotFound.
func (q Queries) APITokenByHash(ctx context.Context, hash []byte) (directory.APIToken, error) {
	var t directory.APIToken
	err := q.Pool.QueryRow(ctx, `SELECT token_id, partner_id, name FROM rm_directory.api_tokens WHERE token_hash = $1 AND NOT revoked`, hash).
		Scan(&t.TokenID, &t.PartnerID, &t.Name)
	if errors.Is(err, pgx.ErrNoRows) {
		return directory.APIToken{}, directory.ErrNotFound
	}
	if err != nil {
		return directory.APIToken{}, fmt.Errorf("api token: %w", err)
	}
	return t, nil
}

// StaffRoles returns an email's live staff grants.
func (q Queries) StaffRoles(ctx context.Context, email string) ([]directory.StaffRole, error) {
	rows, err := q.Pool.Query(ctx, `SELECT grant_id, partner_id, client_id, email, name, role FROM rm_directory.staff_roles WHERE email = $1 ORDER BY role, grant_id`, email)
	if err != nil {
		return nil, fmt.Errorf("staff roles: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (directory.StaffRole, error) {
		var s directory.StaffRole
		return s, r.Scan(&s.GrantID, &s.PartnerID, &s.ClientID, &s.Email, &s.Name, &s.Role)
	})
}

// StaffOfPartner lists a partner's staff grants.
func (q Queries) StaffOfPartner(ctx context.Context, partnerID string) ([]directory.StaffRole, error) {
	rows, err := q.Pool.Query(ctx, `SELECT grant_id, partner_id, client_id, email, name, role FROM rm_directory.staff_roles WHERE partner_id = $1 ORDER BY email, role`, partnerID)
	if err != nil {
		return nil, fmt.Errorf("staff of partner: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (directory.StaffRole, error) {
		var s directory.StaffRole
		return s, r.Scan(&s.GrantID, &s.PartnerID, &s.ClientID, &s.Email, &s.Name, &s.Role)
	})
}

var _ directory.Queries = Queries{}
