package seed

import (
	"context"
	"time"

	"github.com/awareportal/portal/domain"
	dom "github.com/awareportal/portal/domain/phishing"
	"github.com/awareportal/portal/internal/eventstore"
)

// phishing gives Sam results from four phishing-simulation campaigns over
// the last year (two compromised, two reported), and Riley and Avery the
// two most recent, so Acme's average means something.
func phishing(ctx context.Context, repo eventstore.Repository, meta eventstore.Metadata, now time.Time) error {
	type result struct {
		learner                              string
		campaign                             int
		opened, clicked, submitted, reported bool
	}
	campaigns := []struct {
		id, name, template string
		ago                int // days
	}{
		{"nw-2026-01", "Parcel delivery failed", "courier-redelivery", 300},
		{"nw-2026-02", "Invoice overdue", "supplier-invoice", 200},
		{"nw-2026-03", "Your password expires today", "m365-password-expiry", 90},
		{"nw-2026-04", "Document shared with you", "shared-document", 20},
	}
	results := []result{
		{learner: "acme-sam", campaign: 0, opened: true, clicked: true},
		{learner: "acme-sam", campaign: 1, opened: true, reported: true},
		{learner: "acme-sam", campaign: 2, opened: true, clicked: true, submitted: true},
		{learner: "acme-sam", campaign: 3, reported: true},
		{learner: "acme-riley", campaign: 2, opened: true},
		{learner: "acme-riley", campaign: 3, opened: true, clicked: true},
		{learner: "acme-avery", campaign: 2, opened: true, reported: true},
		{learner: "acme-avery", campaign: 3},
	}
	for _, r := range results {
		c := campaigns[r.campaign]
		sent := now.AddDate(0, 0, -c.ago).Truncate(time.Hour)
		at := func(yes bool, after time.Duration) *time.Time {
			if !yes {
				return nil
			}
			t := sent.Add(after)
			return &t
		}
		o := dom.Outcome{CampaignID: c.id, CampaignName: c.name, Template: c.template, SentAt: sent, Delivered: true,
			OpenedAt: at(r.opened, 40*time.Minute), ClickedAt: at(r.clicked, 42*time.Minute), SubmittedAt: at(r.submitted, 44*time.Minute),
			ReportedAt: at(r.reported, 50*time.Minute)}
		res := dom.NewResults()
		if err := save(ctx, repo, dom.Stream(r.learner), meta, func() ([]domain.Event, error) {
			if _, err := repo.Load(ctx, dom.Stream(r.learner), res); err != nil {
				return nil, err
			}
			return dom.Record(res, r.learner, "acme", []dom.Outcome{o}, sent.Add(2*time.Hour))
		}); err != nil {
			return err
		}
	}
	return nil
}
