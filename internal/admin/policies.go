package admin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/google/uuid"

	dom "github.com/awareportal/portal/domain/policy"
	"github.com/awareportal/portal/domain/tenancy"
	"github.com/awareportal/portal/internal/eventstore"
	"github.com/awareportal/portal/internal/policy"
	"github.com/awareportal/portal/projections/policies"
)

// PolicyInput is a policy as the partner publishes it: a new policy, a
// new version of one, or a new title or setting.
type PolicyInput struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	// Version is a whole number (JSON), never lower than the current one.
	Version json.RawMessage `json:"version"`
	// Document is the sha256 of an upload (POST /policies/documents).
	Document           string `json:"document"`
	ResignOnNewVersion bool   `json:"resign_on_new_version,omitempty"`
}

// PolicyJSON is a policy as the API shows it.
type PolicyJSON struct {
	ID                 string    `json:"id"`
	Title              string    `json:"title"`
	Version            int       `json:"version"`
	Document           MediaJSON `json:"document"`
	ResignOnNewVersion bool      `json:"resign_on_new_version"`
	PublishedAt        time.Time `json:"published_at"`
}

func toPolicyJSON(p policies.Policy) PolicyJSON {
	return PolicyJSON{
		ID: tenancy.Unscoped(p.PartnerID, p.ID), Title: p.Title, Version: p.Version, ResignOnNewVersion: p.ResignOnNewVersion, PublishedAt: p.PublishedAt,
		Document: MediaJSON{SHA256: p.SHA256, ContentType: p.ContentType, Size: p.Size},
	}
}

// AssignPolicyInput asks some of a client's learners (or all) to sign a
// policy (the client and the policy are in the address).
type AssignPolicyInput struct {
	LearnerIDs []string `json:"learner_ids,omitempty"` // empty: every learner of the client
	DueAt      string   `json:"due_at"`
	RequestID  string   `json:"request_id,omitempty"` // idempotency: the same id answers the same
}

// PolicyAssignedJSON says whom an assignment asked to sign.
type PolicyAssignedJSON struct {
	PolicyID string   `json:"policy_id"`
	Assigned []string `json:"assigned"`
	Skipped  []string `json:"skipped"` // had the policy already
}

// UploadPolicyDocument stores a PDF or Markdown document for the
// partner's policies.
func (s *Service) UploadPolicyDocument(ctx context.Context, partnerID, filename string, body io.Reader) (MediaJSON, error) {
	m, err := s.Policies.UploadDocument(ctx, partnerID, filename, body)
	if err != nil {
		return MediaJSON{}, asValidation(err)
	}
	return toMediaJSON(m), nil
}

// PublishPolicy creates a policy or publishes a new version of it.
func (s *Service) PublishPolicy(ctx context.Context, partnerID string, in PolicyInput, meta eventstore.Metadata) (PolicyJSON, error) {
	var v ValidationError
	v.check(dom.ValidID(in.ID))
	version, err := strconv.Atoi(string(in.Version))
	if len(in.Version) == 0 {
		v.add("version", "is required (a whole number: 1, 2, 3…)")
	} else if err != nil {
		v.add("version", "must be a whole number (1, 2, 3…), not "+short(string(in.Version)))
	}
	if in.Document == "" {
		v.add("document", "is required: the sha256 the upload answered with (POST /api/v1/policies/documents)")
	} else if !shaRe.MatchString(in.Document) {
		v.add("document", "must be the sha256 (64 lower-case hex digits) the upload answered with")
	}
	if err := v.err(); err != nil {
		return PolicyJSON{}, err
	}
	p, err := s.Policies.Publish(ctx, partnerID, policy.PublishInput{ID: in.ID, Title: in.Title, Version: version, Document: in.Document, ResignOnNewVersion: in.ResignOnNewVersion}, meta)
	if errors.Is(err, policy.ErrNotFound) {
		return PolicyJSON{}, fmt.Errorf("policy %q: %w", in.ID, ErrNotFound)
	}
	if err != nil {
		return PolicyJSON{}, asValidation(err)
	}
	return toPolicyJSON(p), nil
}

// Policy is one of the partner's policies.
func (s *Service) Policy(ctx context.Context, partnerID, ref string) (PolicyJSON, error) {
	p, err := s.Policies.Policy(ctx, partnerID, ref)
	if errors.Is(err, policy.ErrNotFound) {
		return PolicyJSON{}, fmt.Errorf("policy %q: %w", short(ref), ErrNotFound)
	}
	if err != nil {
		return PolicyJSON{}, err
	}
	return toPolicyJSON(p), nil
}

// PoliciesOf lists the partner's policies.
func (s *Service) PoliciesOf(ctx context.Context, partnerID string) ([]PolicyJSON, error) {
	list, err := s.Policies.Policies(ctx, partnerID)
	if err != nil {
		return nil, err
	}
	out := make([]PolicyJSON, 0, len(list))
	for _, p := range list {
		out = append(out, toPolicyJSON(p))
	}
	return out, nil
}

// AssignPolicy asks learners of one of the partner's clients to sign one
// of its policies by a due date; everything is checked before anything is
// written. Another partner's client or policy is ErrNotFound, like one
// that does not exist.
func (s *Service) AssignPolicy(ctx context.Context, partnerID, clientRef, policyRef string, in AssignPolicyInput, actor string, meta eventstore.Metadata) (PolicyAssignedJSON, error) {
	client, err := s.client(ctx, partnerID, clientRef)
	if err != nil {
		return PolicyAssignedJSON{}, err
	}
	pol, err := s.Policies.Policy(ctx, partnerID, policyRef)
	if errors.Is(err, policy.ErrNotFound) {
		return PolicyAssignedJSON{}, fmt.Errorf("policy %q: %w", short(policyRef), ErrNotFound)
	}
	if err != nil {
		return PolicyAssignedJSON{}, err
	}
	var v ValidationError
	if in.RequestID != "" {
		v.check(tenancy.Ref("request_id", in.RequestID))
	}
	due := dueAt(&v, in.DueAt, client.Location(), s.Clock.Now(), "must be in the future")
	learners, err := s.learnersFor(ctx, partnerID, client.ID, in.LearnerIDs, &v)
	if err != nil {
		return PolicyAssignedJSON{}, err
	}
	if err := v.err(); err != nil {
		return PolicyAssignedJSON{}, err
	}
	if in.RequestID == "" {
		in.RequestID = uuid.NewString()
	}
	out, err := s.Policies.Assign(ctx, partnerID, policy.AssignInput{
		PolicyID: pol.ID, LearnerIDs: learners, ClientID: client.ID, DueAt: due, AssignedBy: actor, RequestID: tenancy.Scoped(partnerID, in.RequestID),
	}, meta)
	res := PolicyAssignedJSON{PolicyID: policyRef, Assigned: []string{}, Skipped: []string{}}
	for _, id := range out.Assigned {
		res.Assigned = append(res.Assigned, tenancy.Unscoped(partnerID, id))
	}
	for _, id := range out.Skipped {
		res.Skipped = append(res.Skipped, tenancy.Unscoped(partnerID, id))
	}
	return res, asValidation(err)
}

// learnersFor resolves the learner ids of a call (none: every learner of
// the client) to stored ids, adding what is wrong to v.
func (s *Service) learnersFor(ctx context.Context, partnerID, clientID string, refs []string, v *ValidationError) ([]string, error) {
	if len(refs) > MaxLearnersPerAssign {
		v.add("learner_ids", fmt.Sprintf("at most %d per call", MaxLearnersPerAssign))
		return nil, nil
	}
	var learners []string
	if len(refs) == 0 {
		all, err := s.Dir.LearnersOfClient(ctx, clientID)
		if err != nil {
			return nil, err
		}
		for _, l := range all {
			learners = append(learners, l.ID)
		}
		if len(learners) == 0 {
			v.add("learner_ids", "the client has no learners yet")
		}
	}
	seen := map[string]bool{}
	for _, ref := range refs {
		if err := tenancy.Ref("learner_ids", ref); err != nil {
			v.add("learner_ids", fmt.Sprintf("%q is not a learner id", short(ref)))
			continue
		}
		l, err := s.learner(ctx, partnerID, clientID, ref)
		if err != nil {
			v.add("learner_ids", fmt.Sprintf("%q is not a learner at this client", ref))
			continue
		}
		if !seen[l.ID] {
			learners = append(learners, l.ID)
			seen[l.ID] = true
		}
	}
	return learners, nil
}
