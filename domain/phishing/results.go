package phishing

import (
	"errors"
	"strconv"
	"time"

	"github.com/awareportal/portal/domain"
	"github.com/awareportal/portal/domain/tenancy"
)

// Limits on a result (the admin API and the domain check the same).
const (
	MaxName = 200 // characters of a campaign's name or template
	// MaxPerLearner is the most campaigns one learner may have results of.
	MaxPerLearner = 10_000
	// Skew is how far in the future a time may be (clocks differ).
	Skew = 5 * time.Minute
	// earliest is the first year a simulation may have been sent.
	earliest = 2000
)

// ErrTooMany is a learner who would have results of more than
// MaxPerLearner campaigns.
var ErrTooMany = errors.New("too many phishing campaigns for one learner")

// Check validates an outcome and returns it cleaned (trimmed text, times
// in UTC; delivered when anything happened to the email). now bounds the
// times: none after now+Skew, none before sent_at. Problems are
// tenancy.FieldErrors naming the field.
func Check(o Outcome, now time.Time) (Outcome, error) {
	if err := tenancy.Ref("campaign_id", o.CampaignID); err != nil {
		return o, err
	}
	name, err := tenancy.Text("campaign_name", o.CampaignName, MaxName)
	if err != nil {
		return o, err
	}
	if name == "" {
		return o, tenancy.FieldError{Field: "campaign_name", Problem: "is required"}
	}
	o.CampaignName = name
	if o.Template, err = tenancy.Text("template", o.Template, MaxName); err != nil {
		return o, err
	}
	latest := now.Add(Skew)
	if o.SentAt.IsZero() {
		return o, tenancy.FieldError{Field: "sent_at", Problem: "is required (RFC 3339, like 2026-03-02T09:00:00Z)"}
	}
	if o.SentAt.Year() < earliest || o.SentAt.After(latest) {
		return o, tenancy.FieldError{Field: "sent_at", Problem: "must be a time from " + strconv.Itoa(earliest) + " to now"}
	}
	o.SentAt = o.SentAt.UTC()
	happened := false
	for _, t := range []struct {
		field string
		at    **time.Time
	}{{"opened_at", &o.OpenedAt}, {"clicked_at", &o.ClickedAt}, {"submitted_at", &o.SubmittedAt}, {"reported_at", &o.ReportedAt}} {
		if *t.at == nil {
			continue
		}
		v := (*t.at).UTC()
		switch {
		case v.Before(o.SentAt):
			return o, tenancy.FieldError{Field: t.field, Problem: "must not be before sent_at"}
		case v.After(latest):
			return o, tenancy.FieldError{Field: t.field, Problem: "must not be in the future"}
		}
		*t.at = &v
		happened = true
	}
	if happened {
		o.Delivered = true
	}
	return o, nil
}

// Results are one learner's phishing-simulation results.
type Results struct {
	LearnerID string
	Campaigns map[string]Outcome // by campaign id: the last recorded outcome
}

// NewResults is a learner with no result.
func NewResults() *Results { return &Results{Campaigns: map[string]Outcome{}} }

// Apply folds an event into the results (made by NewResults).
func (r *Results) Apply(e domain.Event) {
	if ev, ok := e.(ResultRecorded); ok {
		r.LearnerID = ev.LearnerID
		r.Campaigns[ev.CampaignID] = ev.Outcome
	}
}

// merge lays a later report of a campaign's outcome over the recorded one:
// what the later one says wins, what it leaves out is kept (an outcome
// once seen is not unseen).
func merge(old, later Outcome) Outcome {
	out := later
	out.Delivered = old.Delivered || later.Delivered
	if out.Template == "" {
		out.Template = old.Template
	}
	for _, p := range []struct{ dst, old **time.Time }{
		{&out.OpenedAt, &old.OpenedAt}, {&out.ClickedAt, &old.ClickedAt}, {&out.SubmittedAt, &old.SubmittedAt}, {&out.ReportedAt, &old.ReportedAt},
	} {
		if *p.dst == nil {
			*p.dst = *p.old
		}
	}
	return out
}

func same(a, b Outcome) bool {
	eq := func(x, y *time.Time) bool { return (x == nil) == (y == nil) && (x == nil || x.Equal(*y)) }
	return a.CampaignID == b.CampaignID && a.CampaignName == b.CampaignName && a.Template == b.Template &&
		a.SentAt.Equal(b.SentAt) && a.Delivered == b.Delivered &&
		eq(a.OpenedAt, b.OpenedAt) && eq(a.ClickedAt, b.ClickedAt) && eq(a.SubmittedAt, b.SubmittedAt) && eq(a.ReportedAt, b.ReportedAt)
}

// Record stores a learner's results: one event per campaign whose outcome
// is new or changed (merged with what is recorded, see merge); a result
// that changes nothing records nothing. Every outcome is checked (Check)
// first: one bad result refuses them all.
func Record(r *Results, learnerID, clientID string, outcomes []Outcome, now time.Time) ([]domain.Event, error) {
	next := map[string]Outcome{}
	var order []string
	for _, o := range outcomes {
		o, err := Check(o, now)
		if err != nil {
			return nil, err
		}
		base, ok := next[o.CampaignID]
		if !ok {
			base, ok = r.Campaigns[o.CampaignID]
			order = append(order, o.CampaignID)
		}
		if ok {
			o = merge(base, o)
		}
		next[o.CampaignID] = o
	}
	var evs []domain.Event
	added := 0
	for _, id := range order {
		o := next[id]
		old, known := r.Campaigns[id]
		if known && same(old, o) {
			continue
		}
		if !known {
			added++
		}
		evs = append(evs, ResultRecorded{LearnerID: learnerID, ClientID: clientID, Outcome: o, At: now})
	}
	if len(r.Campaigns)+added > MaxPerLearner {
		return nil, ErrTooMany
	}
	return evs, nil
}
