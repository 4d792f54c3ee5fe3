package admin

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"

	"github.com/awareportal/portal/domain"
	"github.com/awareportal/portal/domain/tenancy"
	"github.com/awareportal/portal/internal/eventstore"
	"github.com/awareportal/portal/projections/directory"
)

func hashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// IssueToken creates an API token for a partner. The token is shown once;
// only its hash is kept.
func (s *Service) IssueToken(ctx context.Context, partnerID, name string, meta eventstore.Metadata) (token, tokenID string, err error) {
	token = "pat_" + rand.Text() + rand.Text()
	tokenID = "tok_" + strings.ToLower(rand.Text()[:10])
	d, err := eventstore.Execute(ctx, s.Repo, tenancy.PartnerStream(partnerID), meta, func() *tenancy.Partner { return &tenancy.Partner{} },
		func(p *tenancy.Partner) ([]domain.Event, error) {
			return tenancy.IssueAPIToken(p, tokenID, name, hashToken(token), s.Clock.Now())
		})
	if err != nil {
		return "", "", asValidation(err)
	}
	return token, tokenID, s.settle(ctx, d.Result.Position)
}

// RevokeToken stops a token.
func (s *Service) RevokeToken(ctx context.Context, partnerID, tokenID string, meta eventstore.Metadata) error {
	d, err := eventstore.Execute(ctx, s.Repo, tenancy.PartnerStream(partnerID), meta, func() *tenancy.Partner { return &tenancy.Partner{} },
		func(p *tenancy.Partner) ([]domain.Event, error) {
			return tenancy.RevokeAPIToken(p, tokenID, s.Clock.Now())
		})
	if errors.Is(err, tenancy.ErrNotRegistered) {
		return fmt.Errorf("token %s: %w", tokenID, ErrNotFound)
	}
	if err != nil {
		return err
	}
	return s.settle(ctx, d.Result.Position)
}

// Authenticate checks a bearer token.
func (s *Service) Authenticate(ctx context.Context, token string) (directory.APIToken, error) {
	if token == "" {
		return directory.APIToken{}, ErrUnauthorized
	}
	t, err := s.Dir.APITokenByHash(ctx, hashToken(token))
	if errors.Is(err, directory.ErrNotFound) {
		return directory.APIToken{}, ErrUnauthorized
	}
	return t, err
}
