package policy

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/awareportal/portal/domain"
	"github.com/awareportal/portal/domain/tenancy"
)

// Limits and kinds of documents.
const (
	ContentTypePDF      = "application/pdf"
	ContentTypeMarkdown = "text/markdown; charset=utf-8"
	MaxPDFSize          = 20 << 20
	MaxMarkdownSize     = 1 << 20
	MaxVersion          = 1_000_000
	// ResignWithin is how long learners have to sign a new version that
	// asks them to sign again.
	ResignWithin = 14 * 24 * time.Hour
)

var (
	// ErrUnknownPolicy is a policy id the partner has not published.
	ErrUnknownPolicy = errors.New("no such policy")
	// ErrNotAssigned is a learner the policy was not assigned to.
	ErrNotAssigned = errors.New("this policy is not assigned to the learner")
	// ErrAlreadyAssigned is a learner who has the policy already.
	ErrAlreadyAssigned = errors.New("the policy is assigned to the learner already")
	// ErrNewerVersion is a signature under a version that is no longer
	// the current one: the learner must read the new one.
	ErrNewerVersion = errors.New("a newer version of this policy was published")
)

var idRe = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$`)

// ValidID checks a policy id as the partner chooses it.
func ValidID(id string) error {
	if !idRe.MatchString(id) {
		return tenancy.FieldError{Field: "id", Problem: "must be 1-40 lowercase letters, digits or dashes"}
	}
	return nil
}

// Policy is the policy aggregate.
type Policy struct {
	PartnerID, ID, Title string
	ResignOnNewVersion   bool
	Version              int // the current version (0: none yet)
	Document             Document
	// MinVersion is the oldest version whose signature still counts: the
	// latest version published with ResignRequired (1 when none was).
	MinVersion  int
	ResignDueAt time.Time // when MinVersion's re-signing is due
}

// Apply folds an event into the policy.
func (p *Policy) Apply(e domain.Event) {
	switch ev := e.(type) {
	case Defined:
		p.PartnerID, p.ID, p.Title, p.ResignOnNewVersion = ev.PartnerID, ev.PolicyID, ev.Title, ev.ResignOnNewVersion
	case VersionPublished:
		p.Version, p.Document = ev.Version, ev.Document
		if p.MinVersion == 0 {
			p.MinVersion = ev.Version
		}
		if ev.ResignRequired {
			p.MinVersion, p.ResignDueAt = ev.Version, ev.ResignDueAt
		}
	}
}

// Exists reports whether the policy has been published.
func (p *Policy) Exists() bool { return p.Version > 0 }

// PublishInput is a policy as a partner publishes it.
type PublishInput struct {
	ID                 string // the stored (scoped) id; the partner's own was checked with ValidID
	Title              string
	Version            int
	Document           *Document
	ResignOnNewVersion bool
}

// Publish creates a policy, changes its title or setting, or publishes a
// new version of its document. The version must not go down; a version
// already published keeps its document. Publishing what is already there
// is a no-op.
func Publish(p *Policy, partnerID string, in PublishInput, now time.Time) ([]domain.Event, error) {
	if p.PartnerID != "" && p.PartnerID != partnerID {
		return nil, ErrUnknownPolicy // never another partner's
	}
	title, err := tenancy.Text("title", in.Title, tenancy.MaxName)
	if err != nil {
		return nil, err
	}
	if title == "" {
		return nil, tenancy.FieldError{Field: "title", Problem: "is required"}
	}
	if in.Version < 1 || in.Version > MaxVersion {
		return nil, tenancy.FieldError{Field: "version", Problem: fmt.Sprintf("must be a whole number from 1 to %d", MaxVersion)}
	}
	if err := CheckDocument(in.Document); err != nil {
		return nil, err
	}
	switch {
	case in.Version < p.Version:
		return nil, tenancy.FieldError{Field: "version", Problem: fmt.Sprintf("must be at least %d, the current version", p.Version)}
	case in.Version == p.Version && in.Document.SHA256 != p.Document.SHA256:
		return nil, tenancy.FieldError{Field: "version", Problem: fmt.Sprintf("%d is published already with another document: a new document needs a higher version", p.Version)}
	}
	var events []domain.Event
	if title != p.Title || in.ResignOnNewVersion != p.ResignOnNewVersion || p.ID == "" {
		events = append(events, Defined{PartnerID: partnerID, PolicyID: in.ID, Title: title, ResignOnNewVersion: in.ResignOnNewVersion, At: now})
	}
	if in.Version > p.Version {
		v := VersionPublished{PartnerID: partnerID, PolicyID: in.ID, Version: in.Version, Document: *in.Document, At: now}
		if p.Exists() && in.ResignOnNewVersion {
			v.ResignRequired, v.ResignDueAt = true, now.Add(ResignWithin)
		}
		events = append(events, v)
	}
	return events, nil
}

// CheckDocument checks an upload's description: a PDF or Markdown within
// its size.
func CheckDocument(d *Document) error {
	bad := tenancy.FieldError{Field: "document", Problem: "must be the sha256 of an uploaded PDF or Markdown file"}
	if d == nil || len(d.SHA256) != 64 || d.Size <= 0 {
		return bad
	}
	switch d.ContentType {
	case ContentTypePDF:
		if d.Size > MaxPDFSize {
			return bad
		}
	case ContentTypeMarkdown:
		if d.Size > MaxMarkdownSize {
			return bad
		}
	default:
		return bad
	}
	return nil
}

// Request is one learner's signature request for one policy.
type Request struct {
	Assigned
	Signed     map[int]Signed // by version
	LastSigned int            // the highest version signed (0: none)
}

// NewRequest is a request nobody made yet.
func NewRequest() *Request { return &Request{Signed: map[int]Signed{}} }

// Apply folds an event into the request (made by NewRequest).
func (r *Request) Apply(e domain.Event) {
	switch ev := e.(type) {
	case Assigned:
		r.Assigned = ev
	case Signed:
		r.Signed[ev.Version] = ev
		r.LastSigned = max(r.LastSigned, ev.Version)
	}
}

// Exists reports whether the policy was assigned to the learner.
func (r *Request) Exists() bool { return r.LearnerID != "" }

// Assign asks a learner to sign a policy by due. The same request (its
// RequestID) assigning again is a no-op; any other assignment of a policy
// the learner has already is ErrAlreadyAssigned.
func Assign(r *Request, p *Policy, in Assigned, now time.Time) ([]domain.Event, error) {
	if !p.Exists() {
		return nil, ErrUnknownPolicy
	}
	if r.Exists() {
		if in.RequestID != "" && in.RequestID == r.RequestID {
			return nil, nil
		}
		return nil, ErrAlreadyAssigned
	}
	if in.LearnerID == "" || in.ClientID == "" {
		return nil, tenancy.FieldError{Field: "learner_ids", Problem: "is required"}
	}
	if !in.DueAt.After(now) {
		return nil, tenancy.FieldError{Field: "due_at", Problem: "must be in the future"}
	}
	in.PartnerID, in.PolicyID, in.Title, in.At = p.PartnerID, p.ID, p.Title, now
	return []domain.Event{in}, nil
}

// Outstanding reports whether the learner still has to sign: never
// signed, or signed only versions older than the policy's MinVersion.
func (r *Request) Outstanding(p *Policy) bool {
	return r.Exists() && r.LastSigned < max(p.MinVersion, 1)
}

// SignInput is a learner's Sign.
type SignInput struct {
	FullName  string // the learner's name in the directory
	TypedName string
	Accepted  bool // ticked "I have read and accept"
	Version   int  // the version the learner was shown
}

// Sign records a learner's signature under the current version. Refused:
// a policy not assigned to them, a version that is not the current one, no
// tick, a typed name that is not their full name (case and spaces aside).
// Signing a version already signed is a no-op.
func Sign(r *Request, p *Policy, in SignInput, now time.Time) ([]domain.Event, error) {
	if !r.Exists() || !p.Exists() || r.PolicyID != p.ID {
		return nil, ErrNotAssigned
	}
	if in.Version != p.Version {
		return nil, ErrNewerVersion
	}
	typed, err := tenancy.Text("name", in.TypedName, tenancy.MaxName)
	if err != nil {
		return nil, err
	}
	if !in.Accepted {
		return nil, tenancy.FieldError{Field: "accept", Problem: "tick \"I have read and accept\" to sign"}
	}
	if typed == "" {
		return nil, tenancy.FieldError{Field: "name", Problem: "type your full name to sign"}
	}
	if !SameName(typed, in.FullName) {
		return nil, tenancy.FieldError{Field: "name", Problem: "must be your full name as your organisation has it: " + in.FullName}
	}
	if _, done := r.Signed[p.Version]; done {
		return nil, nil
	}
	return []domain.Event{Signed{
		PartnerID: p.PartnerID, PolicyID: p.ID, LearnerID: r.LearnerID, ClientID: r.ClientID, Title: p.Title,
		Version: p.Version, SHA256: p.Document.SHA256, TypedName: typed, Accepted: true, At: now,
	}}, nil
}

// SameName compares names as people type them: case and spacing aside.
func SameName(a, b string) bool {
	norm := func(s string) string { return strings.Join(strings.Fields(s), " ") }
	return strings.EqualFold(norm(a), norm(b)) && norm(a) != ""
}
