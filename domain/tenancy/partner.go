package tenancy

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/awareportal/portal/domain"
)

// PartnerStream is the stream of partner id.
func PartnerStream(id string) string { return "partner-" + id }

var (
	ErrAlreadyRegistered = errors.New("already registered")
	ErrNotRegistered     = errors.New("not registered")
	slugRe               = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$`)
	colorRe              = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)
)

// ValidSlug reports whether s has the form of a partner's slug (it may
// still name no partner).
func ValidSlug(s string) bool { return slugRe.MatchString(s) }

// FieldError is invalid input, named by field, for forms and APIs.
type FieldError struct {
	Field, Problem string
}

func (e FieldError) Error() string { return e.Field + ": " + e.Problem }

// Partner is the partner aggregate.
type Partner struct {
	ID     string
	Name   string
	Tokens map[string]bool // API token id -> live
}

// Apply folds an event into the partner.
func (p *Partner) Apply(e domain.Event) {
	switch ev := e.(type) {
	case PartnerRegistered:
		p.ID, p.Name = ev.PartnerID, ev.Name
	case PartnerAPITokenIssued:
		if p.Tokens == nil {
			p.Tokens = map[string]bool{}
		}
		p.Tokens[ev.TokenID] = true
	case PartnerAPITokenRevoked:
		p.Tokens[ev.TokenID] = false
	}
}

// IssueAPIToken records a new admin API token (its hash) for the partner.
func IssueAPIToken(p *Partner, tokenID, name string, tokenHash []byte, now time.Time) ([]domain.Event, error) {
	if p.ID == "" {
		return nil, ErrNotRegistered
	}
	name, err := Text("name", name, MaxName)
	if err != nil {
		return nil, err
	}
	if name == "" {
		return nil, FieldError{"name", "is required (what uses this token?)"}
	}
	return []domain.Event{PartnerAPITokenIssued{PartnerID: p.ID, TokenID: tokenID, Name: name, TokenHash: tokenHash, At: now}}, nil
}

// RevokeAPIToken stops a token; revoking twice is a no-op.
func RevokeAPIToken(p *Partner, tokenID string, now time.Time) ([]domain.Event, error) {
	live, known := p.Tokens[tokenID]
	if !known {
		return nil, fmt.Errorf("token %s: %w", tokenID, ErrNotRegistered)
	}
	if !live {
		return nil, nil
	}
	return []domain.Event{PartnerAPITokenRevoked{PartnerID: p.ID, TokenID: tokenID, At: now}}, nil
}

// RegisterPartner validates a new partner.
func RegisterPartner(p *Partner, in PartnerRegistered, now time.Time) ([]domain.Event, error) {
	if p.ID != "" {
		return nil, fmt.Errorf("partner %s: %w", p.ID, ErrAlreadyRegistered)
	}
	if err := Ref("partner_id", in.PartnerID); err != nil {
		return nil, err
	}
	if strings.Contains(in.PartnerID, ".") {
		return nil, FieldError{"partner_id", "must not contain '.' (it separates a partner from the ids it chose)"}
	}
	name, err := Text("name", in.Name, MaxName)
	if err != nil {
		return nil, err
	}
	in.Name = name
	if in.SupportEmail, err = Text("support_email", in.SupportEmail, 254); err != nil {
		return nil, err
	}
	switch {
	case in.Name == "":
		return nil, FieldError{"name", "is required"}
	case !slugRe.MatchString(in.Slug):
		return nil, FieldError{"slug", "must be 1-40 lowercase letters, digits or dashes"}
	case !colorRe.MatchString(in.AccentColor):
		return nil, FieldError{"accent_color", "must be a colour like #1a73e8"}
	case in.LogoSVG != "" && !strings.Contains(in.LogoSVG, "<svg"):
		return nil, FieldError{"logo_svg", "must be an SVG document"}
	}
	in.At = now
	return []domain.Event{in}, nil
}
