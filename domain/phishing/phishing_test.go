package phishing_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/awareportal/portal/domain"
	"github.com/awareportal/portal/domain/domaintest"
	"github.com/awareportal/portal/domain/phishing"
	"github.com/awareportal/portal/domain/tenancy"
)

var (
	now  = time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	sent = now.Add(-72 * time.Hour)
)

func at(d time.Duration) *time.Time { t := sent.Add(d); return &t }

func invoice() phishing.Outcome {
	return phishing.Outcome{CampaignID: "c-1", CampaignName: "Invoice overdue", Template: "invoice-v2", SentAt: sent, Delivered: true,
		OpenedAt: at(time.Hour), ClickedAt: at(2 * time.Hour)}
}

func record(os ...phishing.Outcome) func(*phishing.Results) ([]domain.Event, error) {
	return func(r *phishing.Results) ([]domain.Event, error) {
		return phishing.Record(r, "acme-sam", "acme", os, now)
	}
}

func recorded(o phishing.Outcome) phishing.ResultRecorded {
	return phishing.ResultRecorded{LearnerID: "acme-sam", ClientID: "acme", Outcome: o, At: now}
}

func TestRecordNew(t *testing.T) {
	domaintest.For(t, phishing.NewResults()).
		When(record(invoice())).
		Then(recorded(invoice()))
}

func TestRecordSameTwiceIsNothing(t *testing.T) {
	domaintest.For(t, phishing.NewResults()).
		Given(recorded(invoice())).
		When(record(invoice())).
		Then()
}

func TestLaterReportUpdatesAndKeepsWhatItLeavesOut(t *testing.T) {
	later := phishing.Outcome{CampaignID: "c-1", CampaignName: "Invoice overdue", SentAt: sent, ReportedAt: at(3 * time.Hour)}
	want := invoice()
	want.ReportedAt = at(3 * time.Hour)
	domaintest.For(t, phishing.NewResults()).
		Given(recorded(invoice())).
		When(record(later)).
		Then(recorded(want))
}

func TestLessThanRecordedIsNothing(t *testing.T) {
	bare := phishing.Outcome{CampaignID: "c-1", CampaignName: "Invoice overdue", SentAt: sent, Delivered: true}
	domaintest.For(t, phishing.NewResults()).
		Given(recorded(invoice())).
		When(record(bare)).
		Then()
}

func TestRepeatsWithinOneInputMerge(t *testing.T) {
	a := phishing.Outcome{CampaignID: "c-1", CampaignName: "Invoice overdue", Template: "invoice-v2", SentAt: sent, Delivered: true, OpenedAt: at(time.Hour)}
	b := phishing.Outcome{CampaignID: "c-1", CampaignName: "Invoice overdue", SentAt: sent, ClickedAt: at(2 * time.Hour)}
	domaintest.For(t, phishing.NewResults()).
		When(record(a, b)).
		Then(recorded(invoice()))
}

func TestInteractionMeansDelivered(t *testing.T) {
	o := invoice()
	o.Delivered = false
	domaintest.For(t, phishing.NewResults()).
		When(record(o)).
		Then(recorded(invoice()))
}

func TestCheckRefusesNamingTheField(t *testing.T) {
	for _, c := range []struct {
		field string
		edit  func(*phishing.Outcome)
	}{
		{"campaign_id", func(o *phishing.Outcome) { o.CampaignID = "" }},
		{"campaign_id", func(o *phishing.Outcome) { o.CampaignID = "has space" }},
		{"campaign_id", func(o *phishing.Outcome) { o.CampaignID = strings.Repeat("x", 101) }},
		{"campaign_name", func(o *phishing.Outcome) { o.CampaignName = " " }},
		{"campaign_name", func(o *phishing.Outcome) { o.CampaignName = strings.Repeat("é", 201) }},
		{"campaign_name", func(o *phishing.Outcome) { o.CampaignName = "Invoice\u202Eexe" }},
		{"template", func(o *phishing.Outcome) { o.Template = "a\x00b" }},
		{"sent_at", func(o *phishing.Outcome) { o.SentAt = time.Time{} }},
		{"sent_at", func(o *phishing.Outcome) { o.SentAt = now.Add(time.Hour) }},
		{"sent_at", func(o *phishing.Outcome) { o.SentAt = time.Date(1999, 1, 1, 0, 0, 0, 0, time.UTC) }},
		{"opened_at", func(o *phishing.Outcome) { o.OpenedAt = at(-time.Second) }},
		{"clicked_at", func(o *phishing.Outcome) { o.ClickedAt = at(-time.Minute) }},
		{"submitted_at", func(o *phishing.Outcome) { t := now.Add(10 * time.Minute); o.SubmittedAt = &t }},
		{"reported_at", func(o *phishing.Outcome) { o.ReportedAt = at(-time.Hour) }},
	} {
		o := invoice()
		c.edit(&o)
		_, err := phishing.Record(phishing.NewResults(), "acme-sam", "acme", []phishing.Outcome{invoice(), o}, now)
		var fe tenancy.FieldError
		if !errors.As(err, &fe) || fe.Field != c.field {
			t.Errorf("%s: got %v, want a FieldError on %s", c.field, err, c.field)
		}
	}
	// A small clock skew is allowed.
	o := invoice()
	soon := now.Add(phishing.Skew - time.Second)
	o.ReportedAt = &soon
	if _, err := phishing.Check(o, now); err != nil {
		t.Errorf("within the skew: %v", err)
	}
}

func TestTooManyCampaigns(t *testing.T) {
	r := phishing.NewResults()
	for i := range phishing.MaxPerLearner {
		r.Campaigns[strings.Repeat("k", 1+i%7)+time.Duration(i).String()] = invoice()
	}
	if _, err := phishing.Record(r, "acme-sam", "acme", []phishing.Outcome{invoice()}, now); !errors.Is(err, phishing.ErrTooMany) {
		t.Fatalf("got %v, want ErrTooMany", err)
	}
}

func TestCompromised(t *testing.T) {
	o := phishing.Outcome{}
	if o.Compromised() {
		t.Fatal("nothing happened: not compromised")
	}
	o.SubmittedAt = at(time.Hour)
	if !o.Compromised() {
		t.Fatal("submitted data: compromised")
	}
}
