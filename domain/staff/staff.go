// Package staff is about the partner's people who look at learners' data:
// support (every user of the partner's clients) and auditors (one client,
// read-only). Every look is itself recorded.
package staff

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/awareportal/portal/domain"
	"github.com/awareportal/portal/domain/tenancy"
)

// Role is what a staff member may do.
type Role string

const (
	RoleSupport Role = "support" // partner-wide
	RoleAuditor Role = "auditor" // one client, read-only
)

// GrantsStream is where a partner's staff grants are recorded.
func GrantsStream(partnerID string) string { return "staff-" + partnerID }

// AccessStream is where looks at one learner's data are recorded.
func AccessStream(learnerID string) string { return "access-" + learnerID }

// RoleGranted: someone became support or auditor.
type RoleGranted struct {
	GrantID   string    `json:"grant_id"`
	PartnerID string    `json:"partner_id"`
	ClientID  string    `json:"client_id,omitempty"` // auditors only
	Email     string    `json:"email"`
	Name      string    `json:"name"`
	Role      Role      `json:"role"`
	At        time.Time `json:"at"`
}

func (RoleGranted) EventName() string { return "staff.role_granted.v1" }

// RoleRevoked: a grant ended.
type RoleRevoked struct {
	GrantID   string    `json:"grant_id"`
	PartnerID string    `json:"partner_id"`
	At        time.Time `json:"at"`
}

func (RoleRevoked) EventName() string { return "staff.role_revoked.v1" }

// UserViewed: a staff member looked at a learner's data.
type UserViewed struct {
	LearnerID  string    `json:"learner_id"`
	ClientID   string    `json:"client_id"`
	StaffEmail string    `json:"staff_email"`
	StaffName  string    `json:"staff_name"`
	Role       Role      `json:"role"`
	What       string    `json:"what"` // timeline, as-of view, export
	Reason     string    `json:"reason,omitempty"`
	At         time.Time `json:"at"`
}

func (UserViewed) EventName() string { return "staff.user_viewed.v1" }

// Look is a staff member looking at a learner's data.
type Look struct {
	LearnerID, ClientID   string
	StaffEmail, StaffName string
	Role                  Role
	What                  string // timeline, history as of …, history export
	Reason                string // optional, given by the staff member
}

// MaxReason is the longest reason a look may give, in characters.
const MaxReason = 500

// RecordLook decides the record of a look: every look at a learner's data
// is in that learner's history, with the reason the staff member gave.
func RecordLook(l Look, now time.Time) ([]domain.Event, error) {
	l.Reason = strings.TrimSpace(l.Reason)
	switch {
	case l.LearnerID == "" || l.What == "" || l.StaffEmail == "":
		return nil, errors.New("a look needs a learner, what was looked at and who looked")
	case l.Role != RoleSupport && l.Role != RoleAuditor:
		return nil, tenancy.FieldError{Field: "role", Problem: "must be support or auditor"}
	case utf8.RuneCountInString(l.Reason) > MaxReason:
		return nil, tenancy.FieldError{Field: "reason", Problem: fmt.Sprintf("must be at most %d characters", MaxReason)}
	case !utf8.ValidString(l.Reason) || strings.ContainsFunc(l.Reason, unicode.IsControl):
		return nil, tenancy.FieldError{Field: "reason", Problem: "must be plain text"}
	}
	return []domain.Event{UserViewed{
		LearnerID: l.LearnerID, ClientID: l.ClientID, StaffEmail: l.StaffEmail, StaffName: l.StaffName, Role: l.Role,
		What: l.What, Reason: l.Reason, At: now,
	}}, nil
}

var (
	ErrUnknownGrant  = errors.New("no such staff grant")
	ErrAuditorClient = errors.New("an auditor needs exactly one client")
)

// Grants is the partner's staff grants aggregate.
type Grants struct {
	Live map[string]RoleGranted
}

// Apply folds an event into the grants.
func (g *Grants) Apply(e domain.Event) {
	if g.Live == nil {
		g.Live = map[string]RoleGranted{}
	}
	switch ev := e.(type) {
	case RoleGranted:
		g.Live[ev.GrantID] = ev
	case RoleRevoked:
		delete(g.Live, ev.GrantID)
	}
}

// Grant gives someone a role; the same email, role and client twice is a no-op.
func Grant(g *Grants, in RoleGranted, now time.Time) ([]domain.Event, error) {
	in.Email = strings.ToLower(strings.TrimSpace(in.Email))
	name, err := tenancy.Text("name", in.Name, tenancy.MaxName)
	if err != nil {
		return nil, err
	}
	in.Name = name
	if in.ClientID != "" {
		if err := tenancy.Ref("client_id", in.ClientID); err != nil {
			return nil, err
		}
	}
	switch {
	case in.Role != RoleSupport && in.Role != RoleAuditor:
		return nil, tenancy.FieldError{Field: "role", Problem: "must be support or auditor"}
	case in.Role == RoleAuditor && in.ClientID == "":
		return nil, tenancy.FieldError{Field: "client_id", Problem: "is required for an auditor"}
	case in.Role == RoleSupport && in.ClientID != "":
		return nil, tenancy.FieldError{Field: "client_id", Problem: "must be empty for support (it covers every client)"}
	case in.Name == "":
		return nil, tenancy.FieldError{Field: "name", Problem: "is required"}
	}
	for _, existing := range g.Live {
		if existing.Email == in.Email && existing.Role == in.Role && existing.ClientID == in.ClientID {
			return nil, nil
		}
	}
	in.At = now
	return []domain.Event{in}, nil
}

// Revoke ends a grant.
func Revoke(g *Grants, grantID string, now time.Time) ([]domain.Event, error) {
	cur, ok := g.Live[grantID]
	if !ok {
		return nil, ErrUnknownGrant
	}
	return []domain.Event{RoleRevoked{GrantID: grantID, PartnerID: cur.PartnerID, At: now}}, nil
}
