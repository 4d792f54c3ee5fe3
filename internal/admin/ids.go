package admin

import (
	"context"
	"errors"
	"fmt"

	"github.com/awareportal/portal/domain/tenancy"
	"github.com/awareportal/portal/projections/directory"
)

// Ids a partner chooses (a client's id, a learner's id) belong to that
// partner: two partners may both have a client "acme", and nothing a
// partner can ask tells it which ids another partner uses. Inside the
// portal a chosen id is stored scoped, as "<partner>.<id>" (a partner id
// never contains '.'), and the API and CLI show it unscoped. Ids the portal
// generates (UUIDs) are random and stored as they are, and so are ids
// from before scoping (the demo's "acme"); lookups find those too, always
// checking that they are the partner's.

// client returns one of the partner's clients by the id the partner knows
// it by. Another partner's client is ErrNotFound, like one that does not
// exist. The result carries the stored id.
func (s *Service) client(ctx context.Context, partnerID, ref string) (directory.Client, error) {
	if tenancy.Ref("client", ref) != nil {
		return directory.Client{}, fmt.Errorf("client %q: %w", short(ref), ErrNotFound)
	}
	for _, id := range []string{tenancy.Scoped(partnerID, ref), ref} {
		c, err := s.Dir.Client(ctx, id)
		if errors.Is(err, directory.ErrNotFound) || (err == nil && c.PartnerID != partnerID) {
			continue
		}
		return c, err
	}
	return directory.Client{}, fmt.Errorf("client %q: %w", ref, ErrNotFound)
}

// learner returns a learner of the client (stored id) by the id the
// partner knows it by, or ErrNotFound.
func (s *Service) learner(ctx context.Context, partnerID, clientID, ref string) (directory.Learner, error) {
	if tenancy.Ref("learner", ref) != nil {
		return directory.Learner{}, fmt.Errorf("learner %q: %w", short(ref), ErrNotFound)
	}
	for _, id := range []string{tenancy.Scoped(partnerID, ref), ref} {
		l, err := s.Dir.Learner(ctx, id)
		if errors.Is(err, directory.ErrNotFound) || (err == nil && l.ClientID != clientID) {
			continue
		}
		return l, err
	}
	return directory.Learner{}, fmt.Errorf("learner %q: %w", ref, ErrNotFound)
}

// clientView and learnerView are what the partner sees: its own ids.
func clientView(c directory.Client) directory.Client {
	c.ID = tenancy.Unscoped(c.PartnerID, c.ID)
	return c
}

func learnerView(l directory.Learner) directory.Learner {
	l.ID = tenancy.Unscoped(l.PartnerID, l.ID)
	l.ClientID = tenancy.Unscoped(l.PartnerID, l.ClientID)
	if l.ManagerID != "" {
		l.ManagerID = tenancy.Unscoped(l.PartnerID, l.ManagerID)
	}
	return l
}
