package directory

import (
	"errors"
	"time"

	"github.com/awareportal/portal/domain"
	"github.com/awareportal/portal/domain/tenancy"
)

// LearnerLanguageChosen: a learner chose the language the portal speaks
// to them, on its pages and in their emails (en, de, fr; "" gives the
// choice back to their organisation's default and their browser).
type LearnerLanguageChosen struct {
	LearnerID string    `json:"learner_id"`
	Language  string    `json:"language"`
	At        time.Time `json:"at"`
}

func (LearnerLanguageChosen) EventName() string { return "directory.learner_language_chosen.v1" }

// ErrNotProvisioned refuses a command on a learner who does not exist.
var ErrNotProvisioned = errors.New("learner not provisioned")

// ChooseLanguage records the learner's language; choosing the one they
// already have is a no-op.
func ChooseLanguage(l *Learner, lang string, now time.Time) ([]domain.Event, error) {
	if l.ID == "" {
		return nil, ErrNotProvisioned
	}
	lang, err := tenancy.Language("language", lang)
	if err != nil {
		return nil, err
	}
	if l.Language == lang {
		return nil, nil
	}
	return []domain.Event{LearnerLanguageChosen{LearnerID: l.ID, Language: lang, At: now}}, nil
}
