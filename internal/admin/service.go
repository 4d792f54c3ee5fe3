// Package admin is the partner-facing side: API tokens, clients, users and
// course assignments. The JSON API (internal/web/api.go) and the
// `portal admin` CLI both call it, so they behave the same.
package admin

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"

	"github.com/awareportal/portal/domain/tenancy"
	"github.com/awareportal/portal/internal/breaches"
	"github.com/awareportal/portal/internal/catalog"
	"github.com/awareportal/portal/internal/clock"
	"github.com/awareportal/portal/internal/eventstore"
	"github.com/awareportal/portal/internal/media"
	"github.com/awareportal/portal/internal/phishing"
	"github.com/awareportal/portal/internal/policy"
	"github.com/awareportal/portal/internal/training"
	"github.com/awareportal/portal/projections/directory"
	"github.com/awareportal/portal/projections/progress"
)

var (
	// ErrUnauthorized means no valid API token.
	ErrUnauthorized = errors.New("missing, unknown or revoked API token")
	// ErrNotFound means the thing is not there, or not this partner's.
	ErrNotFound = errors.New("not found")
	// ErrConflict means it exists already.
	ErrConflict = errors.New("already exists")
)

// ValidationError lists every problem with the input, by field.
type ValidationError struct {
	Fields map[string]string
}

func (e *ValidationError) Error() string {
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + " " + e.Fields[k]
	}
	return "invalid input: " + strings.Join(parts, "; ")
}

func (e *ValidationError) add(field, problem string) {
	if e.Fields == nil {
		e.Fields = map[string]string{}
	}
	if _, dup := e.Fields[field]; !dup {
		e.Fields[field] = problem
	}
}

// check adds a domain field error (from tenancy.Text, tenancy.Ref,
// NormalizeEmail…) under its field; any other error is a bug.
func (e *ValidationError) check(err error) {
	var fe tenancy.FieldError
	if errors.As(err, &fe) {
		e.add(fe.Field, fe.Problem)
	} else if err != nil {
		e.add("input", err.Error())
	}
}

func (e *ValidationError) err() error {
	if len(e.Fields) == 0 {
		return nil
	}
	return e
}

// Service is the partner admin.
type Service struct {
	Repo     eventstore.Repository
	Dir      directory.Queries
	Progress progress.Queries
	Training *training.Service
	Catalog  *catalog.Catalog
	Clock    clock.Clock
	// Settle waits until read models reflect a write (read-your-writes), so
	// the next call sees it.
	Settle func(context.Context, eventstore.Position) error
	// Media keeps onboarding uploads.
	Media media.Store
	// Welcome queues a new learner's welcome email (welcome.Service); a
	// failure is logged and the periodic sweep sends it later.
	Welcome func(ctx context.Context, learnerID string) (bool, error)
	// Policies publishes and assigns policies to sign.
	Policies *policy.Service
	// Breaches is Dark Web Monitoring (ingestion and switches).
	Breaches *breaches.Service
	// Phishing is phishing-simulation results (ingestion).
	Phishing *phishing.Service
	Log      *slog.Logger
}

func (s *Service) settle(ctx context.Context, pos eventstore.Position) error {
	if s.Settle == nil || pos == (eventstore.Position{}) {
		return nil
	}
	return s.Settle(ctx, pos)
}

// Partner resolves a partner by id or slug (for the CLI).
func (s *Service) Partner(ctx context.Context, idOrSlug string) (directory.Partner, error) {
	if tenancy.Ref("partner", idOrSlug) != nil {
		return directory.Partner{}, fmt.Errorf("partner %q: %w", short(idOrSlug), ErrNotFound)
	}
	p, err := s.Dir.Partner(ctx, idOrSlug)
	if errors.Is(err, directory.ErrNotFound) {
		p, err = s.Dir.PartnerBySlug(ctx, idOrSlug)
	}
	if errors.Is(err, directory.ErrNotFound) {
		return directory.Partner{}, fmt.Errorf("partner %q: %w", idOrSlug, ErrNotFound)
	}
	return p, err
}

// short cuts what a caller sent down to something fit to echo in an error.
func short(s string) string {
	if len(s) <= 60 {
		return strings.ToValidUTF8(s, "?")
	}
	return strings.ToValidUTF8(s[:60], "?") + "…"
}

// asValidation turns domain field errors into a ValidationError.
func asValidation(err error) error {
	var fe tenancy.FieldError
	if errors.As(err, &fe) {
		return &ValidationError{Fields: map[string]string{fe.Field: fe.Problem}}
	}
	return err
}
