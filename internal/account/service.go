// Package account is what a learner sets for themselves: for now, the
// language the portal speaks to them.
package account

import (
	"context"

	"github.com/awareportal/portal/domain"
	dir "github.com/awareportal/portal/domain/directory"
	"github.com/awareportal/portal/domain/tenancy"
	"github.com/awareportal/portal/internal/clock"
	"github.com/awareportal/portal/internal/eventstore"
	"github.com/awareportal/portal/projections/directory"
)

// Service records a learner's own settings as events on their stream.
type Service struct {
	Repo  eventstore.Repository
	Clock clock.Clock
}

// ChooseLanguage records the learner's choice of language (en, de, fr; ""
// hands it back to their organisation's default and their browser). A
// language the portal does not speak is a tenancy.FieldError on
// "language" and records nothing; choosing the current one records
// nothing and returns the zero position.
func (s *Service) ChooseLanguage(ctx context.Context, l directory.Learner, lang string, meta eventstore.Metadata) (eventstore.Position, error) {
	if _, err := tenancy.Language("language", lang); err != nil {
		return eventstore.Position{}, err // checked here and again in the domain
	}
	meta.TenantID = l.PartnerID
	d, err := eventstore.Execute(ctx, s.Repo, dir.LearnerStream(l.ID), meta, func() *dir.Learner { return &dir.Learner{} },
		func(agg *dir.Learner) ([]domain.Event, error) { return dir.ChooseLanguage(agg, lang, s.Clock.Now()) })
	return d.Result.Position, err
}
