// Package policy is the service behind policy signature requests: a
// partner publishes policies (a PDF or Markdown document per version) and
// assigns them; a learner reads one and signs it. The JSON API and the CLI
// reach the partner side through internal/admin; the learner pages call it
// directly.
package policy

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"io"
	"time"

	"github.com/awareportal/portal/domain"
	"github.com/awareportal/portal/domain/onboarding"
	dom "github.com/awareportal/portal/domain/policy"
	"github.com/awareportal/portal/domain/tenancy"
	"github.com/awareportal/portal/internal/clock"
	"github.com/awareportal/portal/internal/eventstore"
	"github.com/awareportal/portal/internal/media"
	"github.com/awareportal/portal/projections/directory"
	"github.com/awareportal/portal/projections/policies"
)

// ErrNotFound is a policy that is not there, not the partner's, or not
// assigned to the learner.
var ErrNotFound = errors.New("no such policy")

// Documents keeps the policies' files (pgmedia.Store): the onboarding
// media storage, which also takes Markdown for policies.
type Documents interface {
	PutDocument(ctx context.Context, partnerID, filename string, body io.Reader, now time.Time) (onboarding.Media, error)
	Of(ctx context.Context, partnerID, sha string) (onboarding.Media, error)
	Open(ctx context.Context, m onboarding.Media, off, length int64) io.Reader
}

// Service publishes, assigns and signs policies.
type Service struct {
	Repo    eventstore.Repository
	Queries policies.Queries
	Docs    Documents
	// Markdown renders a Markdown document to HTML without raw HTML (the
	// course catalog's renderer).
	Markdown func(src []byte) (template.HTML, error)
	Clock    clock.Clock
	// Settle waits until read models reflect a write.
	Settle func(context.Context, eventstore.Position) error
}

func (s *Service) settle(ctx context.Context, pos eventstore.Position) error {
	if s.Settle == nil || pos == (eventstore.Position{}) {
		return nil
	}
	return s.Settle(ctx, pos)
}

// UploadDocument stores a PDF or Markdown document for the partner's policies.
func (s *Service) UploadDocument(ctx context.Context, partnerID, filename string, body io.Reader) (onboarding.Media, error) {
	return s.Docs.PutDocument(ctx, partnerID, filename, body, s.Clock.Now())
}

// PublishInput is a policy as the partner publishes it.
type PublishInput struct {
	ID                 string // the partner's id for it
	Title              string
	Version            int
	Document           string // the sha256 of an upload of the partner's
	ResignOnNewVersion bool
}

// Publish creates a policy or publishes a new version of it (see
// domain/policy.Publish). A document that is not one of the partner's
// uploads is a field error.
func (s *Service) Publish(ctx context.Context, partnerID string, in PublishInput, meta eventstore.Metadata) (policies.Policy, error) {
	if err := dom.ValidID(in.ID); err != nil {
		return policies.Policy{}, err
	}
	var doc *dom.Document
	if in.Document != "" {
		m, err := s.Docs.Of(ctx, partnerID, in.Document)
		if errors.Is(err, media.ErrNotFound) {
			return policies.Policy{}, tenancy.FieldError{Field: "document", Problem: "is not one of your uploads: upload the file first (POST /api/v1/policies/documents)"}
		}
		if err != nil {
			return policies.Policy{}, err
		}
		doc = &dom.Document{SHA256: m.SHA256, ContentType: m.ContentType, Size: m.Size}
	}
	id := tenancy.Scoped(partnerID, in.ID)
	meta.TenantID = partnerID
	d, err := eventstore.Execute(ctx, s.Repo, dom.Stream(id), meta, func() *dom.Policy { return &dom.Policy{} },
		func(p *dom.Policy) ([]domain.Event, error) {
			return dom.Publish(p, partnerID, dom.PublishInput{ID: id, Title: in.Title, Version: in.Version, Document: doc, ResignOnNewVersion: in.ResignOnNewVersion}, s.Clock.Now())
		})
	if errors.Is(err, dom.ErrUnknownPolicy) {
		return policies.Policy{}, ErrNotFound
	}
	if err != nil {
		return policies.Policy{}, err
	}
	if err := s.settle(ctx, d.Result.Position); err != nil {
		return policies.Policy{}, err
	}
	return s.Queries.Policy(ctx, id)
}

// Policy is one of the partner's policies by the partner's id for it.
func (s *Service) Policy(ctx context.Context, partnerID, ref string) (policies.Policy, error) {
	if dom.ValidID(ref) != nil {
		return policies.Policy{}, ErrNotFound
	}
	p, err := s.Queries.Policy(ctx, tenancy.Scoped(partnerID, ref))
	if errors.Is(err, policies.ErrNotFound) || (err == nil && p.PartnerID != partnerID) {
		return policies.Policy{}, ErrNotFound
	}
	return p, err
}

// Policies lists the partner's policies.
func (s *Service) Policies(ctx context.Context, partnerID string) ([]policies.Policy, error) {
	return s.Queries.PoliciesOf(ctx, partnerID)
}

// AssignInput assigns one of a partner's policies to learners of one
// client (stored ids, checked by the caller).
type AssignInput struct {
	PolicyID   string // stored id
	LearnerIDs []string
	ClientID   string
	DueAt      time.Time
	AssignedBy string
	RequestID  string
}

// Assigned says what an assignment did.
type Assigned struct {
	Assigned []string // learners asked to sign (a retried request's too)
	Skipped  []string // learners who had the policy already
	Position eventstore.Position
}

// Assign asks each learner to sign the policy by the due date; learners
// who have it already are skipped. Everything was checked before: the
// only refusals left are per learner.
func (s *Service) Assign(ctx context.Context, partnerID string, in AssignInput, meta eventstore.Metadata) (Assigned, error) {
	p := &dom.Policy{}
	if _, err := s.Repo.Load(ctx, dom.Stream(in.PolicyID), p); err != nil {
		return Assigned{}, err
	}
	if !p.Exists() || p.PartnerID != partnerID {
		return Assigned{}, ErrNotFound
	}
	meta.TenantID = partnerID
	var out Assigned
	for _, learnerID := range in.LearnerIDs {
		d, err := eventstore.Execute(ctx, s.Repo, dom.RequestStream(learnerID, in.PolicyID), meta, dom.NewRequest,
			func(r *dom.Request) ([]domain.Event, error) {
				return dom.Assign(r, p, dom.Assigned{LearnerID: learnerID, ClientID: in.ClientID, DueAt: in.DueAt, AssignedBy: in.AssignedBy, RequestID: in.RequestID}, s.Clock.Now())
			})
		if errors.Is(err, dom.ErrAlreadyAssigned) {
			out.Skipped = append(out.Skipped, learnerID)
			continue
		}
		if err != nil {
			return out, err
		}
		if d.Result.Position != (eventstore.Position{}) {
			out.Position = d.Result.Position
		}
		out.Assigned = append(out.Assigned, learnerID)
	}
	return out, s.settle(ctx, out.Position)
}

// ForLearner lists a learner's signature requests, outstanding first.
func (s *Service) ForLearner(ctx context.Context, learnerID string) ([]policies.Request, error) {
	return s.Queries.ForLearner(ctx, learnerID)
}

// Reader is a policy as a learner reads it.
type Reader struct {
	Request policies.Request
	// HTML is a Markdown document rendered (empty for a PDF).
	HTML template.HTML
	Size int64
}

// Read is one of the learner's policies with its document (Markdown
// rendered without raw HTML).
func (s *Service) Read(ctx context.Context, l directory.Learner, policyID string) (Reader, error) {
	req, err := s.request(ctx, l, policyID)
	if err != nil {
		return Reader{}, err
	}
	m, err := s.document(ctx, l, req)
	if err != nil {
		return Reader{}, err
	}
	out := Reader{Request: req, Size: m.Size}
	if m.ContentType == dom.ContentTypeMarkdown {
		src, err := io.ReadAll(io.LimitReader(s.Docs.Open(ctx, m, 0, m.Size), dom.MaxMarkdownSize))
		if err != nil {
			return Reader{}, fmt.Errorf("read policy %s: %w", policyID, err)
		}
		if out.HTML, err = s.Markdown(src); err != nil {
			return Reader{}, fmt.Errorf("render policy %s: %w", policyID, err)
		}
	}
	return out, nil
}

// Document is the current document of one of the learner's policies.
func (s *Service) Document(ctx context.Context, l directory.Learner, policyID string) (onboarding.Media, error) {
	req, err := s.request(ctx, l, policyID)
	if err != nil {
		return onboarding.Media{}, err
	}
	return s.document(ctx, l, req)
}

// OpenDocument reads length bytes of a document from off.
func (s *Service) OpenDocument(ctx context.Context, m onboarding.Media, off, length int64) io.Reader {
	return s.Docs.Open(ctx, m, off, length)
}

// SignInput is what the learner's Sign form says.
type SignInput struct {
	Version   int // the version the page showed
	TypedName string
	Accepted  bool
}

// Sign records the learner's signature under the current version (see
// domain/policy.Sign): field errors for the form, dom.ErrNewerVersion when
// the page showed an older version, ErrNotFound for a policy that is not
// theirs. Signing the same version twice (or at once) records it once.
func (s *Service) Sign(ctx context.Context, l directory.Learner, policyID string, in SignInput, meta eventstore.Metadata) (eventstore.Position, error) {
	if tenancy.Ref("policy", policyID) != nil {
		return eventstore.Position{}, ErrNotFound
	}
	p := &dom.Policy{}
	if _, err := s.Repo.Load(ctx, dom.Stream(policyID), p); err != nil {
		return eventstore.Position{}, err
	}
	if !p.Exists() || p.PartnerID != l.PartnerID {
		return eventstore.Position{}, ErrNotFound
	}
	meta.TenantID = l.PartnerID
	d, err := eventstore.Execute(ctx, s.Repo, dom.RequestStream(l.ID, policyID), meta, dom.NewRequest,
		func(r *dom.Request) ([]domain.Event, error) {
			if r.LearnerID != l.ID {
				return nil, dom.ErrNotAssigned
			}
			return dom.Sign(r, p, dom.SignInput{FullName: l.FullName(), TypedName: in.TypedName, Accepted: in.Accepted, Version: in.Version}, s.Clock.Now())
		})
	if errors.Is(err, dom.ErrNotAssigned) {
		return eventstore.Position{}, ErrNotFound
	}
	return d.Result.Position, err
}

func (s *Service) request(ctx context.Context, l directory.Learner, policyID string) (policies.Request, error) {
	if tenancy.Ref("policy", policyID) != nil {
		return policies.Request{}, ErrNotFound
	}
	req, err := s.Queries.Request(ctx, l.ID, policyID)
	if errors.Is(err, policies.ErrNotFound) {
		return policies.Request{}, ErrNotFound
	}
	return req, err
}

func (s *Service) document(ctx context.Context, l directory.Learner, req policies.Request) (onboarding.Media, error) {
	p, err := s.Queries.Policy(ctx, req.PolicyID)
	if errors.Is(err, policies.ErrNotFound) || (err == nil && p.PartnerID != l.PartnerID) {
		return onboarding.Media{}, ErrNotFound
	}
	if err != nil {
		return onboarding.Media{}, err
	}
	m, err := s.Docs.Of(ctx, p.PartnerID, p.SHA256)
	if errors.Is(err, media.ErrNotFound) {
		return onboarding.Media{}, ErrNotFound
	}
	return m, err
}
