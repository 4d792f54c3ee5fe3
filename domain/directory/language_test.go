package directory_test

import (
	"errors"
	"testing"

	"github.com/awareportal/portal/domain"
	"github.com/awareportal/portal/domain/directory"
	"github.com/awareportal/portal/domain/domaintest"
	"github.com/awareportal/portal/domain/tenancy"
)

func TestChooseLanguage(t *testing.T) {
	provisioned := directory.LearnerProvisioned{LearnerID: "acme-alice", ClientID: "acme", Email: "alice@acme.example", FirstName: "Alice", Source: directory.SourceManual, At: now}
	choose := func(lang string) func(*directory.Learner) ([]domain.Event, error) {
		return func(l *directory.Learner) ([]domain.Event, error) { return directory.ChooseLanguage(l, lang, now) }
	}
	// Given a learner, when they choose French, then it is recorded.
	domaintest.For(t, &directory.Learner{}).Given(provisioned).When(choose("fr")).
		Then(directory.LearnerLanguageChosen{LearnerID: "acme-alice", Language: "fr", At: now})
	french := directory.LearnerLanguageChosen{LearnerID: "acme-alice", Language: "fr", At: now}
	// Given French, French again is nothing; German replaces it; "" hands the choice back.
	domaintest.For(t, &directory.Learner{}).Given(provisioned, french).When(choose("FR")).Then()
	domaintest.For(t, &directory.Learner{}).Given(provisioned, french).When(choose("de")).
		Then(directory.LearnerLanguageChosen{LearnerID: "acme-alice", Language: "de", At: now})
	domaintest.For(t, &directory.Learner{}).Given(provisioned, french).When(choose("")).
		Then(directory.LearnerLanguageChosen{LearnerID: "acme-alice", Language: "", At: now})
	// No learner, no choice.
	domaintest.For(t, &directory.Learner{}).When(choose("fr")).ThenError(directory.ErrNotProvisioned)
	// A language the portal does not speak never becomes an event.
	for _, bad := range []string{"es", "français", "fr-FR", "\u202efr"} {
		_, err := directory.ChooseLanguage(&directory.Learner{ID: "acme-alice"}, bad, now)
		var fe tenancy.FieldError
		if !errors.As(err, &fe) || fe.Field != "language" {
			t.Errorf("%q: %v", bad, err)
		}
	}
}
