// Package directory is about the people who learn: provisioned into a client
// organisation from Microsoft 365, Google Workspace or by hand.
package directory

import (
	"errors"
	"fmt"
	"net/mail"
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
	LearnerID  string    `json:"learner_id"`
	ClientID   string    `json:"client_id"`
	Email      string    `json:"email"`
	FirstName  string    `json:"first_name"`
	LastName   string    `json:"last_name"`
	ManagerID  string    `json:"manager_id,omitempty"`
	Department string    `json:"department,omitempty"`
	Source     Source    `json:"source"`
	At         time.Time `json:"at"`
}

func (LearnerProvisioned) EventName() string { return "directory.learner_provisioned.v1" }

// ErrAlreadyProvisioned is returned when provisioning an existing learner.
var ErrAlreadyProvisioned = errors.New("learner already provisioned")

// Learner is the learner aggregate.
type Learner struct {
	ID       string
	ClientID string
	Email    string
}

// Apply folds an event into the learner.
func (l *Learner) Apply(e domain.Event) {
	if ev, ok := e.(LearnerProvisioned); ok {
		l.ID, l.ClientID, l.Email = ev.LearnerID, ev.ClientID, ev.Email
	}
}

// NormalizeEmail lower-cases and trims an address, and checks its form.
func NormalizeEmail(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || !strings.Contains(s[strings.LastIndex(s, "@")+1:], ".") {
		return "", tenancy.FieldError{Field: "email", Problem: "is not a valid email address"}
	}
	return s, nil
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
	in.FirstName, in.LastName = strings.TrimSpace(in.FirstName), strings.TrimSpace(in.LastName)
	switch {
	case in.LearnerID == "":
		return nil, tenancy.FieldError{Field: "learner_id", Problem: "is required"}
	case in.FirstName == "":
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
	return []domain.Event{in}, nil
}
