package breach_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/awareportal/portal/domain"
	"github.com/awareportal/portal/domain/breach"
	"github.com/awareportal/portal/domain/domaintest"
	"github.com/awareportal/portal/domain/tenancy"
)

var (
	now  = time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	day  = func(s string) time.Time { t, _ := time.Parse(time.DateOnly, s); return t }
	mail = func(ids []string) string { return "mail:" + strings.Join(ids, ",") }
)

func adobe() breach.Breach {
	return breach.Breach{ID: "Adobe", Name: "Adobe", Domain: "Adobe.com", BreachDate: day("2013-10-04"), DisclosedDate: day("2013-12-04"),
		DataClasses: []string{"Email addresses", "Password hints", "Passwords", "Usernames"}}
}

func canva() breach.Breach {
	return breach.Breach{ID: "Canva", Name: "Canva", Domain: "canva.com", BreachDate: day("2019-05-24"), DisclosedDate: day("2019-08-09"),
		DataClasses: []string{"Email addresses", "Geographic locations", "Names", "Usernames"}}
}

func cleaned(b breach.Breach) breach.Breach {
	c, err := breach.Check(b, now)
	if err != nil {
		panic(err)
	}
	return c
}

func record(bs ...breach.Breach) func(*breach.Exposures) ([]domain.Event, error) {
	return func(x *breach.Exposures) ([]domain.Event, error) {
		return breach.Record(x, breach.RecordInput{LearnerID: "acme-sam", ClientID: "acme", Breaches: bs, MailID: mail}, now)
	}
}

func TestTierOf(t *testing.T) {
	for _, c := range []struct {
		classes []string
		want    breach.Tier
	}{
		{[]string{"Email addresses", "Passwords"}, breach.TierPassword},
		{[]string{"Email addresses", "Password hints"}, breach.TierPassword},
		{[]string{"Auth tokens", "Email addresses"}, breach.TierPassword},
		{[]string{"Historical passwords"}, breach.TierPassword},
		{[]string{"Security questions and answers"}, breach.TierPassword},
		{[]string{"Credit cards", "Passwords"}, breach.TierPassword}, // credentials outrank the card
		{[]string{"Email addresses", "Credit cards"}, breach.TierPersonal},
		{[]string{"Partial credit card data"}, breach.TierPersonal},
		{[]string{"Physical addresses", "Names"}, breach.TierPersonal},
		{[]string{"Social security numbers"}, breach.TierPersonal},
		{[]string{"Government issued IDs"}, breach.TierPersonal},
		{[]string{"Passport numbers"}, breach.TierPersonal},
		{[]string{"Dates of birth"}, breach.TierPersonal},
		{[]string{"Phone numbers", "Email addresses"}, breach.TierPersonal},
		{[]string{"Bank account numbers"}, breach.TierPersonal},
		{[]string{"Email addresses"}, breach.TierData},
		{[]string{"Email addresses", "Names", "Usernames", "IP addresses", "Geographic locations"}, breach.TierData},
		{nil, breach.TierData},
	} {
		if got := breach.TierOf(c.classes); got != c.want {
			t.Errorf("%q: %s, want %s", c.classes, got, c.want)
		}
	}
	if breach.TierPassword.Title() != "Password Exposed" || breach.TierPersonal.Title() != "Personal Info Exposed" || breach.TierData.Title() != "Data Exposed" {
		t.Error("tier titles")
	}
}

func TestRecord(t *testing.T) {
	a, c := cleaned(adobe()), cleaned(canva())
	t.Run("new breaches: one event, tiers derived, one mail id for the set", func(t *testing.T) {
		if a.Tier != breach.TierPassword || c.Tier != breach.TierData || a.Domain != "adobe.com" {
			t.Fatalf("cleaned: %+v %+v", a, c)
		}
		domaintest.For(t, breach.NewExposures()).When(record(canva(), adobe())).Then(breach.ExposuresRecorded{
			LearnerID: "acme-sam", ClientID: "acme", Breaches: []breach.Breach{c, a}, MailID: "mail:Adobe,Canva", At: now})
	})
	t.Run("known ones and repeats are skipped", func(t *testing.T) {
		known := breach.ExposuresRecorded{LearnerID: "acme-sam", ClientID: "acme", Breaches: []breach.Breach{a}, At: now}
		domaintest.For(t, breach.NewExposures()).Given(known).When(record(adobe(), canva(), canva())).Then(breach.ExposuresRecorded{
			LearnerID: "acme-sam", ClientID: "acme", Breaches: []breach.Breach{c}, MailID: "mail:Canva", At: now})
		domaintest.For(t, breach.NewExposures()).Given(known).When(record(adobe(), adobe())).Then()
	})
	t.Run("a resolved breach sent again stays resolved", func(t *testing.T) {
		x := domaintest.For(t, breach.NewExposures()).
			Given(breach.ExposuresRecorded{LearnerID: "acme-sam", Breaches: []breach.Breach{a}, At: now}, breach.ExposureResolved{LearnerID: "acme-sam", BreachID: "Adobe", At: now}).
			When(record(adobe())).Then()
		if !x.Known["Adobe"].Resolved {
			t.Fatal("reopened by a repeat")
		}
	})
	t.Run("no mail id when monitoring is off", func(t *testing.T) {
		domaintest.For(t, breach.NewExposures()).When(func(x *breach.Exposures) ([]domain.Event, error) {
			return breach.Record(x, breach.RecordInput{LearnerID: "acme-sam", ClientID: "acme", Breaches: []breach.Breach{adobe()}}, now)
		}).Then(breach.ExposuresRecorded{LearnerID: "acme-sam", ClientID: "acme", Breaches: []breach.Breach{a}, At: now})
	})
	t.Run("one bad record refuses all", func(t *testing.T) {
		bad := canva()
		bad.Name = ""
		domaintest.For(t, breach.NewExposures()).When(record(adobe(), bad)).ThenError(tenancy.FieldError{Field: "name", Problem: "is required"})
	})
}

func TestCheckRefusals(t *testing.T) {
	for field, mutate := range map[string]func(*breach.Breach){
		"source_id":      func(b *breach.Breach) { b.ID = "" },
		"source_id/":     func(b *breach.Breach) { b.ID = "../etc" },
		"source_id long": func(b *breach.Breach) { b.ID = strings.Repeat("a", 101) },
		"name":           func(b *breach.Breach) { b.Name = "  " },
		"name long":      func(b *breach.Breach) { b.Name = strings.Repeat("n", 201) },
		"name control":   func(b *breach.Breach) { b.Name = "Ad\x00obe" },
		"domain":         func(b *breach.Breach) { b.Domain = "not a domain" },
		"breach_date":    func(b *breach.Breach) { b.BreachDate = time.Time{} },
		"breach_date/":   func(b *breach.Breach) { b.BreachDate = now.Add(48 * time.Hour) },
		"disclosed_date": func(b *breach.Breach) { b.DisclosedDate = day("2013-01-01") },
		"data_classes":   func(b *breach.Breach) { b.DataClasses = nil },
		"data_classes/":  func(b *breach.Breach) { b.DataClasses = []string{"Passwords", ""} },
		"data_classes+":  func(b *breach.Breach) { b.DataClasses = make([]string, 51) },
		"data_classes~":  func(b *breach.Breach) { b.DataClasses = []string{strings.Repeat("x", 101)} },
	} {
		b := adobe()
		mutate(&b)
		var fe tenancy.FieldError
		_, err := breach.Check(b, now)
		want := strings.Fields(strings.TrimRight(field, "/+~"))[0]
		if !errors.As(err, &fe) || fe.Field != want {
			t.Errorf("%s: %v, want a field error on %s", field, err, want)
		}
	}
	b := adobe()
	b.DataClasses = []string{"Passwords", "passwords", " Email addresses "}
	if c, err := breach.Check(b, now); err != nil || len(c.DataClasses) != 2 || c.DataClasses[1] != "Email addresses" {
		t.Errorf("classes not cleaned: %v %v", c.DataClasses, err)
	}
}

func TestResolveAndReopen(t *testing.T) {
	a := cleaned(adobe())
	recorded := breach.ExposuresRecorded{LearnerID: "acme-sam", ClientID: "acme", Breaches: []breach.Breach{a}, At: now}
	resolve := func(id, note string) func(*breach.Exposures) ([]domain.Event, error) {
		return func(x *breach.Exposures) ([]domain.Event, error) { return breach.Resolve(x, id, note, now) }
	}
	reopen := func(id string) func(*breach.Exposures) ([]domain.Event, error) {
		return func(x *breach.Exposures) ([]domain.Event, error) { return breach.Reopen(x, id, now) }
	}
	resolved := breach.ExposureResolved{LearnerID: "acme-sam", BreachID: "Adobe", Note: "I changed the password", At: now}
	domaintest.For(t, breach.NewExposures()).Given(recorded).When(resolve("Adobe", "  I changed the password ")).Then(resolved)
	domaintest.For(t, breach.NewExposures()).Given(recorded, resolved).When(resolve("Adobe", "again")).Then()
	domaintest.For(t, breach.NewExposures()).Given(recorded).When(resolve("Canva", "")).ThenError(breach.ErrNotFound)
	domaintest.For(t, breach.NewExposures()).Given(recorded).When(resolve("Adobe", strings.Repeat("é", 501))).
		ThenError(tenancy.FieldError{Field: "note", Problem: "must be at most 500 characters"})
	domaintest.For(t, breach.NewExposures()).Given(recorded).When(resolve("Adobe", strings.Repeat("é", 500))).
		Then(breach.ExposureResolved{LearnerID: "acme-sam", BreachID: "Adobe", Note: strings.Repeat("é", 500), At: now})
	domaintest.For(t, breach.NewExposures()).Given(recorded, resolved).When(reopen("Adobe")).Then(breach.ExposureReopened{LearnerID: "acme-sam", BreachID: "Adobe", At: now})
	domaintest.For(t, breach.NewExposures()).Given(recorded).When(reopen("Adobe")).Then()
	domaintest.For(t, breach.NewExposures()).When(reopen("Adobe")).ThenError(breach.ErrNotFound)
}

func TestMonitoringSwitches(t *testing.T) {
	m := &breach.Monitoring{}
	if m.On("acme") {
		t.Fatal("on by default")
	}
	sw := func(evs []domain.Event, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range evs {
			m.Apply(e)
		}
	}
	sw(breach.SwitchClient(m, "northwind", "acme", true, now))
	if m.On("acme") {
		t.Fatal("on without the master switch")
	}
	sw(breach.SwitchPartner(m, "northwind", true, now))
	if !m.On("acme") || m.On("initech") {
		t.Fatal("master on: acme on, initech off")
	}
	if evs, _ := breach.SwitchPartner(m, "northwind", true, now); len(evs) != 0 {
		t.Fatal("switching on twice wrote an event")
	}
	if evs, _ := breach.SwitchClient(m, "northwind", "acme", true, now); len(evs) != 0 {
		t.Fatal("switching a client on twice wrote an event")
	}
	sw(breach.SwitchPartner(m, "northwind", false, now))
	if m.On("acme") {
		t.Fatal("master off: acme still on")
	}
}
