package seed

import (
	"context"
	"time"

	"github.com/awareportal/portal/domain"
	dom "github.com/awareportal/portal/domain/breach"
	"github.com/awareportal/portal/internal/eventstore"
)

// breaches turns Dark Web Monitoring on for Northwind and Acme (Initech
// and BluePeak stay off) and gives Sam three breaches, one of each tier,
// the Data Exposed one already resolved.
func breaches(ctx context.Context, repo eventstore.Repository, meta eventstore.Metadata, now time.Time) error {
	at := now.Add(-60 * 24 * time.Hour)
	m := &dom.Monitoring{}
	for _, decide := range []func() ([]domain.Event, error){
		func() ([]domain.Event, error) { return dom.SwitchPartner(m, "northwind", true, at) },
		func() ([]domain.Event, error) { return dom.SwitchClient(m, "northwind", "acme", true, at) },
	} {
		if err := save(ctx, repo, dom.MonitoringStream("northwind"), meta, func() ([]domain.Event, error) {
			evs, err := decide()
			for _, e := range evs {
				m.Apply(e)
			}
			return evs, err
		}); err != nil {
			return err
		}
	}
	date := func(s string) time.Time { t, _ := time.Parse(time.DateOnly, s); return t }
	x := dom.NewExposures()
	steps := []func() ([]domain.Event, error){
		func() ([]domain.Event, error) {
			return dom.Record(x, dom.RecordInput{LearnerID: "acme-sam", ClientID: "acme", Breaches: []dom.Breach{
				{ID: "ShopRight2024", Name: "ShopRight", Domain: "shopright.example", BreachDate: date("2024-02-11"), DisclosedDate: date("2024-06-03"),
					DataClasses: []string{"Email addresses", "Passwords", "Usernames"}},
				{ID: "TravelNest", Name: "TravelNest", Domain: "travelnest.example", BreachDate: date("2023-08-19"), DisclosedDate: date("2023-11-30"),
					DataClasses: []string{"Email addresses", "Names", "Physical addresses", "Partial credit card data"}},
				{ID: "GameHub", Name: "GameHub Forums", Domain: "gamehub.example", BreachDate: date("2021-04-02"), DisclosedDate: date("2022-01-15"),
					DataClasses: []string{"Email addresses", "Usernames"}},
			}}, now.Add(-30*24*time.Hour))
		},
		func() ([]domain.Event, error) {
			return dom.Resolve(x, "GameHub", "Nothing to do", now.Add(-20*24*time.Hour))
		},
	}
	for _, decide := range steps {
		if err := save(ctx, repo, dom.Stream("acme-sam"), meta, func() ([]domain.Event, error) {
			evs, err := decide()
			for _, e := range evs {
				x.Apply(e)
			}
			return evs, err
		}); err != nil {
			return err
		}
	}
	return nil
}
