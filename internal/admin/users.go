package admin

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/awareportal/portal/domain"
	dirdomain "github.com/awareportal/portal/domain/directory"
	"github.com/awareportal/portal/domain/tenancy"
	"github.com/awareportal/portal/internal/eventstore"
	"github.com/awareportal/portal/projections/directory"
)

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
				v.add("email", "is already a learner at this client ("+tenancy.Unscoped(partnerID, l.ID)+")")
			}
		}
	}
	if err := v.err(); err != nil {
		return directory.Learner{}, err
	}
	// Without an id of the partner's, the id follows from the client and
	// the email: two requests creating the same person at once make one
	// learner (the second finds the stream taken), not two.
	ref, id := in.ID, uuid.NewSHA1(learnerNamespace, []byte(clientID+"\x00"+email)).String()
	if ref != "" {
		if _, err := s.learner(ctx, partnerID, clientID, ref); err == nil {
			return directory.Learner{}, fmt.Errorf("learner %q: %w", ref, ErrConflict)
		}
		id = tenancy.Scoped(partnerID, ref)
	}
	tc := &tenancy.Client{ID: client.ID, PartnerID: client.PartnerID, PortalEnabled: client.PortalEnabled}
	d, err := eventstore.Execute(ctx, s.Repo, dirdomain.LearnerStream(id), meta, func() *dirdomain.Learner { return &dirdomain.Learner{} },
		func(l *dirdomain.Learner) ([]domain.Event, error) {
			return dirdomain.Provision(l, tc, dirdomain.LearnerProvisioned{
				LearnerID: id, ClientID: clientID, Email: email, FirstName: in.FirstName, LastName: in.LastName,
				ManagerID: managerID, Department: strings.TrimSpace(in.Department), Source: dirdomain.Source(in.Source), Welcome: true,
			}, s.Clock.Now())
		})
	if errors.Is(err, dirdomain.ErrAlreadyProvisioned) { // the partner's own, created in parallel
		return directory.Learner{}, fmt.Errorf("learner %q: %w", cmp.Or(ref, email), ErrConflict)
	}
	if err != nil {
		return directory.Learner{}, asValidation(err)
	}
	if err := s.settle(ctx, d.Result.Position); err != nil {
		return directory.Learner{}, err
	}
	if welcomed(d.Events) && s.Welcome != nil {
		if _, err := s.Welcome(ctx, id); err != nil && s.Log != nil {
			s.Log.Error("queue welcome email; the sweep will retry", "learner_id", id, "err", err)
		}
	}
	l, err := s.Dir.Learner(ctx, id)
	return learnerView(l), err
}

// learnerNamespace derives learner ids from client and email.
var learnerNamespace = uuid.MustParse("3f0c9a5e-6b1d-4e2a-9c47-8d5b2e1f7a63")

// welcomed says whether a provisioning asked for a welcome email (the
// domain decides: only at a client whose portal is on).
func welcomed(events []domain.Event) bool {
	for _, e := range events {
		if p, ok := e.(dirdomain.LearnerProvisioned); ok && p.Welcome {
			return true
		}
	}
	return false
}
