package tenancy_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/awareportal/portal/domain"
	"github.com/awareportal/portal/domain/domaintest"
	"github.com/awareportal/portal/domain/tenancy"
)

func TestClientLanguage(t *testing.T) {
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	registered := tenancy.ClientRegistered{ClientID: "acme", PartnerID: "northwind", Name: "Acme", PortalEnabled: true, At: now}
	set := func(lang string) func(*tenancy.Client) ([]domain.Event, error) {
		return func(c *tenancy.Client) ([]domain.Event, error) { return tenancy.SetLanguage(c, lang, now) }
	}
	// Given a client without a default, when German is set, then it is recorded (trimmed, lower case).
	domaintest.For(t, &tenancy.Client{}).Given(registered).When(set(" DE ")).
		Then(tenancy.ClientLanguageSet{ClientID: "acme", Language: "de", At: now})
	// Given German, when German again: nothing; when none: the default is cleared.
	german := tenancy.ClientLanguageSet{ClientID: "acme", Language: "de", At: now}
	domaintest.For(t, &tenancy.Client{}).Given(registered, german).When(set("de")).Then()
	domaintest.For(t, &tenancy.Client{}).Given(registered, german).When(set("")).
		Then(tenancy.ClientLanguageSet{ClientID: "acme", Language: "", At: now})
	// Given no default, clearing it is a no-op.
	domaintest.For(t, &tenancy.Client{}).Given(registered).When(set("")).Then()
	// A client that does not exist.
	domaintest.For(t, &tenancy.Client{}).When(set("de")).ThenError(tenancy.ErrNotRegistered)
	// Languages the portal does not speak, or not a language at all, name the field.
	for _, bad := range []string{"es", "de-DE", "deutsch", "d", "en\x00", "f r", "ｄｅ", strings.Repeat("de", 2000)} {
		_, err := tenancy.SetLanguage(&tenancy.Client{ID: "acme"}, bad, now)
		var fe tenancy.FieldError
		if !errors.As(err, &fe) || fe.Field != "language" || !strings.Contains(fe.Problem, "en, de, fr") {
			t.Errorf("%.20q: %v", bad, err)
		}
	}
}
