// Package directory is about the people who learn: provisioned into a client
// organisation from Microsoft 365, Google Workspace or by hand.
package directory

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/awareportal/portal/domain"
	"github.com/awareportal/portal/domain/tenancy"
)

// Source is where a learner's directory entry comes from.
type Source string

const (
	SourceMicrosoft Source = "microsoft365"
	SourceGoogle    Source = "google_workspace"
	SourceManual    Source = "manual"
)

// LearnerStream is the stream of learner id.
func LearnerStream(id string) string { return "learner-" + id }

// LearnerProvisioned: a person became a learner at a client.
type LearnerProvisioned struct {
	LearnerID  string `json:"learner_id"`
	ClientID   string `json:"client_id"`
	Email      string `json:"email"`
	FirstName  string `json:"first_name"`
	LastName   string `json:"last_name"`
	ManagerID  string `json:"manager_id,omitempty"`
	Department string `json:"department,omitempty"`
	Source     Source `json:"source"`
	// Welcome: the learner gets a welcome email (only when the client's
	// portal is on; learners from before the welcome email have none).
	Welcome bool      `json:"welcome,omitempty"`
	At      time.Time `json:"at"`
}

func (LearnerProvisioned) EventName() string { return "directory.learner_provisioned.v1" }

// ErrAlreadyProvisioned is returned when provisioning an existing learner.
var ErrAlreadyProvisioned = errors.New("learner already provisioned")

// Learner is the learner aggregate.
type Learner struct {
	ID       string
	ClientID string
	Email    string
	Language string // their own choice; "" for none
}

// Apply folds an event into the learner.
func (l *Learner) Apply(e domain.Event) {
	switch ev := e.(type) {
	case LearnerProvisioned:
		l.ID, l.ClientID, l.Email = ev.LearnerID, ev.ClientID, ev.Email
	case LearnerLanguageChosen:
		l.Language = ev.Language
	}
}

// Email limits (RFC 5321: a path is at most 256 octets with its angle
// brackets, a local part at most 64, a domain at most 255, a label 63).
const (
	MaxEmail       = 254
	maxLocalPart   = 64
	maxDomain      = 253
	maxDomainLabel = 63
)

// NormalizeEmail trims and lower-cases an address and checks it against
// the portal's rule, which is stricter than RFC 5322 on purpose:
//
//   - at most 254 characters, a local part of at most 64 and a domain of at
//     most 253 (labels of at most 63);
//   - ASCII only. The local part is a dot-atom (letters, digits and
//     ! # $ % & ' * + / = ? ^ _ ` { | } ~ -, dots between them), never a
//     quoted string; the domain is letters, digits and hyphens in two or
//     more labels. An international domain is accepted only in its
//     punycode form (xn--…) and is shown that way, never decoded, so a
//     look-alike of another domain in another script stays visibly
//     different. Unicode addresses (SMTPUTF8) are refused: that is what
//     rules out mixed-script and homoglyph addresses.
func NormalizeEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	bad := func(problem string) (string, error) {
		return "", tenancy.FieldError{Field: "email", Problem: problem}
	}
	if len(s) > MaxEmail {
		return bad("must be at most 254 characters")
	}
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return bad("must be plain ASCII: an international domain goes in its xn-- (punycode) form, and the part before @ may not use accents or other scripts")
		}
	}
	s = strings.ToLower(s)
	at := strings.LastIndexByte(s, '@')
	if at < 0 {
		return bad("is not a valid email address")
	}
	local, host := s[:at], s[at+1:]
	if !dotAtom(local) || len(local) > maxLocalPart {
		return bad("is not a valid email address (the part before @ is at most 64 letters, digits or . ! # $ % & ' * + / = ? ^ _ ` { | } ~ -)")
	}
	if !hostname(host) {
		return bad("is not a valid email address (the domain after @ is like example.com)")
	}
	return s, nil
}

// dotAtom is RFC 5322's dot-atom: atext runs separated by single dots.
func dotAtom(s string) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' || strings.Contains(s, "..") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.':
		case strings.IndexByte("!#$%&'*+/=?^_`{|}~-", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// hostname is a DNS name of two or more letter-digit-hyphen labels whose
// last label (the top-level domain) is not all digits.
func hostname(s string) bool {
	if len(s) > maxDomain {
		return false
	}
	labels := strings.Split(s, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > maxDomainLabel || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return strings.Trim(labels[len(labels)-1], "0123456789") != ""
}

// Provision validates a new learner at a registered client.
func Provision(l *Learner, client *tenancy.Client, in LearnerProvisioned, now time.Time) ([]domain.Event, error) {
	if l.ID != "" {
		return nil, fmt.Errorf("learner %s: %w", l.ID, ErrAlreadyProvisioned)
	}
	if client.ID == "" {
		return nil, fmt.Errorf("client %s: %w", in.ClientID, tenancy.ErrNotRegistered)
	}
	email, err := NormalizeEmail(in.Email)
	if err != nil {
		return nil, err
	}
	in.Email = email
	if err := tenancy.Ref("learner_id", in.LearnerID); err != nil {
		return nil, err
	}
	if in.ManagerID != "" {
		if err := tenancy.Ref("manager_id", in.ManagerID); err != nil {
			return nil, err
		}
	}
	for _, f := range []struct {
		name string
		v    *string
	}{{"first_name", &in.FirstName}, {"last_name", &in.LastName}, {"department", &in.Department}} {
		if *f.v, err = tenancy.Text(f.name, *f.v, tenancy.MaxName); err != nil {
			return nil, err
		}
	}
	if in.FirstName == "" {
		return nil, tenancy.FieldError{Field: "first_name", Problem: "is required"}
	}
	switch in.Source {
	case SourceMicrosoft, SourceGoogle, SourceManual:
	case "":
		in.Source = SourceManual
	default:
		return nil, tenancy.FieldError{Field: "source", Problem: "must be microsoft365, google_workspace or manual"}
	}
	in.ClientID = client.ID
	in.At = now
	in.Welcome = in.Welcome && client.PortalEnabled
	return []domain.Event{in}, nil
}
