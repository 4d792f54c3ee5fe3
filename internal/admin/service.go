// Package admin is the partner-facing side: API tokens, clients, users and
// course assignments. The JSON API (internal/web/api.go) and the
// `portal admin` CLI both call it, so they behave the same.
package admin

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/awareportal/portal/domain"
	dirdomain "github.com/awareportal/portal/domain/directory"
	"github.com/awareportal/portal/domain/staff"
	"github.com/awareportal/portal/domain/tenancy"
	"github.com/awareportal/portal/internal/catalog"
	"github.com/awareportal/portal/internal/clock"
	"github.com/awareportal/portal/internal/es"
	"github.com/awareportal/portal/internal/eventstore"
	"github.com/awareportal/portal/internal/training"
	"github.com/awareportal/portal/projections/directory"
	rm "github.com/awareportal/portal/projections/learning"
)

var (
	// ErrUnauthorized means no valid API token.
	ErrUnauthorized = errors.New("missing, unknown or revoked API token")
	// ErrNotFound means the thing is not there, or not this partner's.
	ErrNotFound = errors.New("not found")
	// ErrConflict means it exists already.
	ErrConflict = errors.New("already exists")
)

// ValidationError lists every problem with the input, by field.
type ValidationError struct {
	Fields map[string]string
}

func (e *ValidationError) Error() string {
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + " " + e.Fields[k]
	}
	return "invalid input: " + strings.Join(parts, "; ")
}

func (e *ValidationError) add(field, problem string) {
	if e.Fields == nil {
		e.Fields = map[string]string{}
	}
	if _, dup := e.Fields[field]; !dup {
		e.Fields[field] = problem
	}
}

// check adds a domain field error (from tenancy.Text, tenancy.Ref,
// NormalizeEmail…) under its field; any other error is a bug.
func (e *ValidationError) check(err error) {
	var fe tenancy.FieldError
	if errors.As(err, &fe) {
		e.add(fe.Field, fe.Problem)
	} else if err != nil {
		e.add("input", err.Error())
	}
}

func (e *ValidationError) err() error {
	if len(e.Fields) == 0 {
		return nil
	}
	return e
}

// Service is the partner admin.
type Service struct {
	Repo     es.Repository
	Dir      directory.Queries
	Learning rm.Queries
	Training *training.Service
	Catalog  *catalog.Catalog
	Clock    clock.Clock
	// Settle waits until read models reflect a write (read-your-writes), so
	// the next call sees it.
	Settle func(context.Context, eventstore.Position) error
}

func (s *Service) settle(ctx context.Context, pos eventstore.Position) error {
	if s.Settle == nil || pos == (eventstore.Position{}) {
		return nil
	}
	return s.Settle(ctx, pos)
}

// Partner resolves a partner by id or slug (for the CLI).
func (s *Service) Partner(ctx context.Context, idOrSlug string) (directory.Partner, error) {
	if tenancy.Ref("partner", idOrSlug) != nil {
		return directory.Partner{}, fmt.Errorf("partner %q: %w", short(idOrSlug), ErrNotFound)
	}
	p, err := s.Dir.Partner(ctx, idOrSlug)
	if errors.Is(err, directory.ErrNotFound) {
		p, err = s.Dir.PartnerBySlug(ctx, idOrSlug)
	}
	if errors.Is(err, directory.ErrNotFound) {
		return directory.Partner{}, fmt.Errorf("partner %q: %w", idOrSlug, ErrNotFound)
	}
	return p, err
}

func hashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// IssueToken creates an API token for a partner. The token is shown once;
// only its hash is kept.
func (s *Service) IssueToken(ctx context.Context, partnerID, name string, meta eventstore.Metadata) (token, tokenID string, err error) {
	token = "pat_" + rand.Text() + rand.Text()
	tokenID = "tok_" + strings.ToLower(rand.Text()[:10])
	d, err := es.Execute(ctx, s.Repo, tenancy.PartnerStream(partnerID), meta, func() *tenancy.Partner { return &tenancy.Partner{} },
		func(p *tenancy.Partner) ([]domain.Event, error) {
			return tenancy.IssueAPIToken(p, tokenID, name, hashToken(token), s.Clock.Now())
		})
	if err != nil {
		return "", "", asValidation(err)
	}
	return token, tokenID, s.settle(ctx, d.Result.Position)
}

// RevokeToken stops a token.
func (s *Service) RevokeToken(ctx context.Context, partnerID, tokenID string, meta eventstore.Metadata) error {
	d, err := es.Execute(ctx, s.Repo, tenancy.PartnerStream(partnerID), meta, func() *tenancy.Partner { return &tenancy.Partner{} },
		func(p *tenancy.Partner) ([]domain.Event, error) {
			return tenancy.RevokeAPIToken(p, tokenID, s.Clock.Now())
		})
	if errors.Is(err, tenancy.ErrNotRegistered) {
		return fmt.Errorf("token %s: %w", tokenID, ErrNotFound)
	}
	if err != nil {
		return err
	}
	return s.settle(ctx, d.Result.Position)
}

// Authenticate checks a bearer token.
func (s *Service) Authenticate(ctx context.Context, token string) (directory.APIToken, error) {
	if token == "" {
		return directory.APIToken{}, ErrUnauthorized
	}
	t, err := s.Dir.APITokenByHash(ctx, hashToken(token))
	if errors.Is(err, directory.ErrNotFound) {
		return directory.APIToken{}, ErrUnauthorized
	}
	return t, err
}

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
	ref, id := in.ID, scoped(partnerID, in.ID)
	var partner tenancy.Partner
	if _, err := s.Repo.Load(ctx, tenancy.PartnerStream(partnerID), &partner); err != nil {
		return directory.Client{}, err
	}
	d, err := es.Execute(ctx, s.Repo, tenancy.ClientStream(id), meta, func() *tenancy.Client { return &tenancy.Client{} },
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
}

// UpdateClient switches the portal, the leaderboard mode, the directory
// bindings or email links.
func (s *Service) UpdateClient(ctx context.Context, partnerID, ref string, in ClientPatch, meta eventstore.Metadata) (directory.Client, error) {
	client, err := s.client(ctx, partnerID, ref)
	if err != nil {
		return directory.Client{}, err
	}
	var v ValidationError
	if in.PortalEnabled == nil && in.Leaderboard == nil && in.MicrosoftTenantID == nil && in.GoogleDomain == nil && in.EmailLinks == nil {
		v.add("portal_enabled", "or leaderboard, microsoft_tenant_id, google_domain, email_links: give at least one")
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
	d, err := es.Execute(ctx, s.Repo, tenancy.ClientStream(client.ID), meta, func() *tenancy.Client { return &tenancy.Client{} },
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

// UserInput provisions a learner.
type UserInput struct {
	ID         string `json:"id,omitempty"`
	Email      string `json:"email"`
	FirstName  string `json:"first_name"`
	LastName   string `json:"last_name,omitempty"`
	ManagerID  string `json:"manager_id,omitempty"`
	Department string `json:"department,omitempty"`
	Source     string `json:"source,omitempty"` // microsoft365, google_workspace, manual
}

// Users lists a client's learners.
func (s *Service) Users(ctx context.Context, partnerID, clientRef string) ([]directory.Learner, error) {
	client, err := s.client(ctx, partnerID, clientRef)
	if err != nil {
		return nil, err
	}
	list, err := s.Dir.LearnersOfClient(ctx, client.ID)
	for i := range list {
		list[i] = learnerView(list[i])
	}
	return list, err
}

// ProvisionUser adds a learner to a client, checking everything first.
func (s *Service) ProvisionUser(ctx context.Context, partnerID, clientRef string, in UserInput, meta eventstore.Metadata) (directory.Learner, error) {
	client, err := s.client(ctx, partnerID, clientRef)
	if err != nil {
		return directory.Learner{}, err
	}
	clientID := client.ID
	var v ValidationError
	email, err := dirdomain.NormalizeEmail(in.Email)
	v.check(err)
	for _, f := range []struct {
		name string
		v    *string
	}{{"first_name", &in.FirstName}, {"last_name", &in.LastName}, {"department", &in.Department}} {
		text, err := tenancy.Text(f.name, *f.v, tenancy.MaxName)
		v.check(err)
		*f.v = text
	}
	if _, bad := v.Fields["first_name"]; !bad && in.FirstName == "" {
		v.add("first_name", "is required")
	}
	switch dirdomain.Source(in.Source) {
	case "", dirdomain.SourceManual, dirdomain.SourceMicrosoft, dirdomain.SourceGoogle:
	default:
		v.add("source", "must be microsoft365, google_workspace or manual")
	}
	if in.ID != "" && ((!slugRe.MatchString(in.ID) && uuid.Validate(in.ID) != nil) || tenancy.Ref("id", in.ID) != nil) {
		v.add("id", "must be a UUID or 1-40 lowercase letters, digits or dashes")
	}
	managerID := ""
	if in.ManagerID != "" {
		if err := tenancy.Ref("manager_id", in.ManagerID); err != nil {
			v.check(err)
		} else if m, err := s.learner(ctx, partnerID, clientID, in.ManagerID); err != nil {
			v.add("manager_id", "is not a learner at this client")
		} else {
			managerID = m.ID
		}
	}
	if email != "" {
		existing, err := s.Dir.LearnersByEmail(ctx, email)
		if err != nil {
			return directory.Learner{}, err
		}
		for _, l := range existing {
			if l.ClientID == clientID {
				v.add("email", "is already a learner at this client ("+unscoped(partnerID, l.ID)+")")
			}
		}
	}
	if err := v.err(); err != nil {
		return directory.Learner{}, err
	}
	ref, id := in.ID, uuid.NewString()
	if ref != "" {
		if _, err := s.learner(ctx, partnerID, clientID, ref); err == nil {
			return directory.Learner{}, fmt.Errorf("learner %q: %w", ref, ErrConflict)
		}
		id = scoped(partnerID, ref)
	}
	tc := &tenancy.Client{ID: client.ID, PartnerID: client.PartnerID, PortalEnabled: client.PortalEnabled}
	d, err := es.Execute(ctx, s.Repo, dirdomain.LearnerStream(id), meta, func() *dirdomain.Learner { return &dirdomain.Learner{} },
		func(l *dirdomain.Learner) ([]domain.Event, error) {
			return dirdomain.Provision(l, tc, dirdomain.LearnerProvisioned{
				LearnerID: id, ClientID: clientID, Email: email, FirstName: in.FirstName, LastName: in.LastName,
				ManagerID: managerID, Department: strings.TrimSpace(in.Department), Source: dirdomain.Source(in.Source),
			}, s.Clock.Now())
		})
	if errors.Is(err, dirdomain.ErrAlreadyProvisioned) { // the partner's own, created in parallel
		return directory.Learner{}, fmt.Errorf("learner %q: %w", ref, ErrConflict)
	}
	if err != nil {
		return directory.Learner{}, asValidation(err)
	}
	if err := s.settle(ctx, d.Result.Position); err != nil {
		return directory.Learner{}, err
	}
	l, err := s.Dir.Learner(ctx, id)
	return learnerView(l), err
}

// AssignInput assigns a course to some of a client's learners, or all.
type AssignInput struct {
	CourseID      string   `json:"course_id"`
	LearnerIDs    []string `json:"learner_ids,omitempty"` // empty: every learner of the client
	AvailableFrom string   `json:"available_from,omitempty"`
	DueAt         string   `json:"due_at"`
	RequestID     string   `json:"request_id,omitempty"` // idempotency: the same id assigns once
}

// MaxLearnersPerAssign bounds one assignment call.
const MaxLearnersPerAssign = 10_000

// short cuts what a caller sent down to something fit to echo in an error.
func short(s string) string {
	if len(s) <= 60 {
		return strings.ToValidUTF8(s, "?")
	}
	return strings.ToValidUTF8(s[:60], "?") + "…"
}

// parseTime accepts RFC 3339 or a date (start of day, UTC).
func parseTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Parse("2006-01-02", s)
}

// Assign assigns a course; everything is checked before anything is written.
func (s *Service) Assign(ctx context.Context, partnerID, clientRef string, in AssignInput, actor string, meta eventstore.Metadata) (training.Assigned, error) {
	client, err := s.client(ctx, partnerID, clientRef)
	if err != nil {
		return training.Assigned{}, err
	}
	clientID := client.ID
	var v ValidationError
	if err := tenancy.Ref("course_id", in.CourseID); err != nil {
		v.check(err)
	} else if _, err := s.Catalog.Latest(in.CourseID); err != nil {
		v.add("course_id", "is not a course in the catalog (GET /api/v1/courses)")
	}
	if in.RequestID != "" {
		v.check(tenancy.Ref("request_id", in.RequestID))
	}
	if len(in.LearnerIDs) > MaxLearnersPerAssign {
		v.add("learner_ids", fmt.Sprintf("at most %d per call", MaxLearnersPerAssign))
		in.LearnerIDs = nil
	}
	now := s.Clock.Now()
	from := now
	if in.AvailableFrom != "" {
		t, err := parseTime(in.AvailableFrom)
		if err != nil {
			v.add("available_from", "must be a date (2026-12-01) or an RFC 3339 time")
		}
		from = t
	}
	var due time.Time
	if in.DueAt == "" {
		v.add("due_at", "is required")
	} else if t, err := parseTime(in.DueAt); err != nil {
		v.add("due_at", "must be a date (2026-12-31) or an RFC 3339 time")
	} else if !t.After(from) {
		v.add("due_at", "must be after available_from (or now)")
	} else {
		due = t
	}
	var learners []string
	if len(in.LearnerIDs) == 0 {
		all, err := s.Dir.LearnersOfClient(ctx, clientID)
		if err != nil {
			return training.Assigned{}, err
		}
		for _, l := range all {
			learners = append(learners, l.ID)
		}
		if len(learners) == 0 {
			v.add("learner_ids", "the client has no learners yet")
		}
	}
	for _, ref := range in.LearnerIDs {
		if err := tenancy.Ref("learner_ids", ref); err != nil {
			v.add("learner_ids", fmt.Sprintf("%q is not a learner id", short(ref)))
			continue
		}
		l, err := s.learner(ctx, partnerID, clientID, ref)
		if err != nil {
			v.add("learner_ids", fmt.Sprintf("%q is not a learner at this client", ref))
			continue
		}
		learners = append(learners, l.ID)
	}
	if err := v.err(); err != nil {
		return training.Assigned{}, err
	}
	if in.RequestID == "" {
		in.RequestID = uuid.NewString()
	}
	out, err := s.Training.Assign(ctx, scoped(partnerID, in.RequestID), training.AssignInput{
		CourseID: in.CourseID, LearnerIDs: learners, AvailableFrom: from, DueAt: due, AssignedBy: actor,
	}, meta)
	for i, id := range out.Skipped {
		out.Skipped[i] = unscoped(partnerID, id)
	}
	if err != nil {
		return out, err
	}
	if err := s.settle(ctx, out.Position); err != nil {
		return out, err
	}
	// Announce what is available now, instead of waiting for the next sweep.
	if s.Training.Mail != nil {
		if _, _, err := s.Training.Sweep(ctx); err != nil {
			return out, err
		}
	}
	return out, nil
}

// LearnerStatus is one learner's training status.
type LearnerStatus struct {
	ID                string `json:"id"`
	Email             string `json:"email"`
	Name              string `json:"name"`
	Assigned          int    `json:"assigned"`
	Completed         int    `json:"completed"`
	Overdue           int    `json:"overdue"`
	CompletionPercent int    `json:"completion_percent"`
}

// Status summarises a client's training.
func (s *Service) Status(ctx context.Context, partnerID, clientID string) ([]LearnerStatus, error) {
	client, err := s.client(ctx, partnerID, clientID)
	if err != nil {
		return nil, err
	}
	learners, err := s.Dir.LearnersOfClient(ctx, client.ID)
	if err != nil {
		return nil, err
	}
	st, err := s.Learning.ClientStatus(ctx, client.ID, s.Clock.Now())
	if err != nil {
		return nil, err
	}
	out := make([]LearnerStatus, 0, len(learners))
	for _, l := range learners {
		x := st[l.ID]
		out = append(out, LearnerStatus{ID: unscoped(partnerID, l.ID), Email: l.Email, Name: l.FullName(), Assigned: x.Assigned, Completed: x.Completed, Overdue: x.Overdue, CompletionPercent: x.CompletionPercent})
	}
	return out, nil
}

// asValidation turns domain field errors into a ValidationError.
func asValidation(err error) error {
	var fe tenancy.FieldError
	if errors.As(err, &fe) {
		return &ValidationError{Fields: map[string]string{fe.Field: fe.Problem}}
	}
	return err
}

// StaffInput grants a staff role.
type StaffInput struct {
	Email    string `json:"email"`
	Name     string `json:"name"`
	Role     string `json:"role"`                // support or auditor
	ClientID string `json:"client_id,omitempty"` // auditors: the one client they audit
}

// Staff lists the partner's staff grants.
func (s *Service) Staff(ctx context.Context, partnerID string) ([]directory.StaffRole, error) {
	list, err := s.Dir.StaffOfPartner(ctx, partnerID)
	for i := range list {
		list[i].ClientID = unscoped(partnerID, list[i].ClientID)
	}
	return list, err
}

// GrantStaff makes someone support (every client of the partner) or an
// auditor (one client, read-only). Staff sign in like everyone else.
func (s *Service) GrantStaff(ctx context.Context, partnerID string, in StaffInput, meta eventstore.Metadata) (string, error) {
	var v ValidationError
	email, err := dirdomain.NormalizeEmail(in.Email)
	v.check(err)
	name, err := tenancy.Text("name", in.Name, tenancy.MaxName)
	v.check(err)
	in.Name = name
	clientID := ""
	if in.ClientID != "" {
		c, err := s.client(ctx, partnerID, in.ClientID)
		if err != nil {
			v.add("client_id", "is not one of your clients")
		}
		clientID = c.ID
	}
	if err := v.err(); err != nil {
		return "", err
	}
	grantID := "g_" + strings.ToLower(rand.Text()[:12])
	d, err := es.Execute(ctx, s.Repo, staff.GrantsStream(partnerID), meta, func() *staff.Grants { return &staff.Grants{} },
		func(g *staff.Grants) ([]domain.Event, error) {
			return staff.Grant(g, staff.RoleGranted{GrantID: grantID, PartnerID: partnerID, ClientID: clientID, Email: email, Name: in.Name, Role: staff.Role(in.Role)}, s.Clock.Now())
		})
	if err != nil {
		return "", asValidation(err)
	}
	if len(d.Events) == 0 {
		return "", fmt.Errorf("%s already has that role: %w", email, ErrConflict)
	}
	return grantID, s.settle(ctx, d.Result.Position)
}

// RevokeStaff ends a grant.
func (s *Service) RevokeStaff(ctx context.Context, partnerID, grantID string, meta eventstore.Metadata) error {
	d, err := es.Execute(ctx, s.Repo, staff.GrantsStream(partnerID), meta, func() *staff.Grants { return &staff.Grants{} },
		func(g *staff.Grants) ([]domain.Event, error) { return staff.Revoke(g, grantID, s.Clock.Now()) })
	if errors.Is(err, staff.ErrUnknownGrant) {
		return fmt.Errorf("grant %s: %w", grantID, ErrNotFound)
	}
	if err != nil {
		return err
	}
	return s.settle(ctx, d.Result.Position)
}
