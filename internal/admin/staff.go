package admin

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"

	"github.com/awareportal/portal/domain"
	dirdomain "github.com/awareportal/portal/domain/directory"
	"github.com/awareportal/portal/domain/staff"
	"github.com/awareportal/portal/domain/tenancy"
	"github.com/awareportal/portal/internal/eventstore"
	"github.com/awareportal/portal/projections/directory"
)

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
		list[i].ClientID = tenancy.Unscoped(partnerID, list[i].ClientID)
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
	d, err := eventstore.Execute(ctx, s.Repo, staff.GrantsStream(partnerID), meta, func() *staff.Grants { return &staff.Grants{} },
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
	d, err := eventstore.Execute(ctx, s.Repo, staff.GrantsStream(partnerID), meta, func() *staff.Grants { return &staff.Grants{} },
		func(g *staff.Grants) ([]domain.Event, error) { return staff.Revoke(g, grantID, s.Clock.Now()) })
	if errors.Is(err, staff.ErrUnknownGrant) {
		return fmt.Errorf("grant %s: %w", grantID, ErrNotFound)
	}
	if err != nil {
		return err
	}
	return s.settle(ctx, d.Result.Position)
}
