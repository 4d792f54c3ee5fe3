package admin

import (
	"context"
	"errors"
	"strconv"
	"time"

	dom "github.com/awareportal/portal/domain/phishing"
	"github.com/awareportal/portal/domain/tenancy"
	"github.com/awareportal/portal/internal/eventstore"
	"github.com/awareportal/portal/internal/phishing"
)

// Phishing-simulation results for partners.

// MaxPhishingResults is the most results one ingestion takes.
const MaxPhishingResults = 50_000

// PhishingImport is phishing-simulation results: a campaign (its fields
// here are every result's unless a result gives its own), and per learner
// what happened (docs/api.md).
type PhishingImport struct {
	CampaignID   string            `json:"campaign_id,omitempty"`
	CampaignName string            `json:"campaign_name,omitempty"`
	Template     string            `json:"template,omitempty"`
	SentAt       string            `json:"sent_at,omitempty"` // RFC 3339
	Results      []PhishingOutcome `json:"results"`
}

// PhishingOutcome is what happened to a campaign's email to one learner.
// Times are RFC 3339; omitted when it did not happen. The campaign fields
// are needed only when the import's are not given (several campaigns in
// one import) or differ (sent_at of a staggered send).
type PhishingOutcome struct {
	LearnerID    string `json:"learner_id"`
	CampaignID   string `json:"campaign_id,omitempty"`
	CampaignName string `json:"campaign_name,omitempty"`
	Template     string `json:"template,omitempty"`
	SentAt       string `json:"sent_at,omitempty"`
	Delivered    *bool  `json:"delivered,omitempty"`
	OpenedAt     string `json:"opened_at,omitempty"`
	ClickedAt    string `json:"clicked_at,omitempty"`
	SubmittedAt  string `json:"submitted_at,omitempty"`
	ReportedAt   string `json:"reported_at,omitempty"`
}

const rfc3339Problem = "must be a time as RFC 3339, like 2026-03-02T09:00:00Z"

// CheckPhishingImport checks every result (as the domain will) and returns
// them as items, or a ValidationError naming the first maxProblems bad
// fields: results[3].clicked_at for a result's own field, campaign_name
// for the import's. learner resolves the id the partner knows a learner by
// to the stored id of a learner of the client ("" when there is none).
func CheckPhishingImport(in PhishingImport, now time.Time, learner func(string) string) ([]phishing.Item, error) {
	var v ValidationError
	var sentAt time.Time
	sentAtBad := false // the import's sent_at did not parse (and is reported once)
	if in.SentAt != "" {
		t, err := time.Parse(time.RFC3339, in.SentAt)
		if err != nil {
			v.add("sent_at", rfc3339Problem)
			sentAtBad = true
		}
		sentAt = t
	}
	switch {
	case len(in.Results) == 0:
		v.add("results", "must list at least one learner's result")
	case len(in.Results) > MaxPhishingResults:
		v.add("results", "must list at most "+strconv.Itoa(MaxPhishingResults)+" results per request; send the rest in another")
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	items := make([]phishing.Item, 0, len(in.Results))
	seen := make(map[[2]string]int, len(in.Results))
	for i, r := range in.Results {
		if len(v.Fields) >= maxProblems {
			v.add("results", "has more problems than the "+strconv.Itoa(maxProblems)+" listed")
			break
		}
		at := "results[" + strconv.Itoa(i) + "]."
		if err := tenancy.Ref("learner_id", r.LearnerID); err != nil {
			v.add(at+"learner_id", problem(err))
			continue
		}
		id := learner(r.LearnerID)
		if id == "" {
			v.add(at+"learner_id", "is not a learner of this client")
			continue
		}
		// Which fields the result gives itself (a problem with one is the result's).
		own := map[string]bool{"campaign_id": r.CampaignID != "", "campaign_name": r.CampaignName != "", "template": r.Template != "", "sent_at": r.SentAt != ""}
		o := dom.Outcome{CampaignID: orElse(r.CampaignID, in.CampaignID), CampaignName: orElse(r.CampaignName, in.CampaignName), Template: orElse(r.Template, in.Template), SentAt: sentAt}
		bad := false
		for _, t := range []struct {
			field, s string
			set      func(time.Time)
		}{
			{"sent_at", r.SentAt, func(t time.Time) { o.SentAt = t }},
			{"opened_at", r.OpenedAt, func(t time.Time) { o.OpenedAt = &t }},
			{"clicked_at", r.ClickedAt, func(t time.Time) { o.ClickedAt = &t }},
			{"submitted_at", r.SubmittedAt, func(t time.Time) { o.SubmittedAt = &t }},
			{"reported_at", r.ReportedAt, func(t time.Time) { o.ReportedAt = &t }},
		} {
			if t.s == "" {
				continue
			}
			parsed, err := time.Parse(time.RFC3339, t.s)
			if err != nil {
				v.add(at+t.field, rfc3339Problem)
				bad = true
				continue
			}
			t.set(parsed)
		}
		if bad || (!own["sent_at"] && sentAtBad) {
			continue
		}
		if r.Delivered != nil {
			interacted := o.OpenedAt != nil || o.ClickedAt != nil || o.SubmittedAt != nil || o.ReportedAt != nil
			if !*r.Delivered && interacted {
				v.add(at+"delivered", "must not be false when the email was opened, clicked, submitted or reported")
				continue
			}
			o.Delivered = *r.Delivered
		}
		checked, err := dom.Check(o, now)
		if err != nil {
			var fe tenancy.FieldError
			if !errors.As(err, &fe) {
				v.add(at+"result", err.Error())
				continue
			}
			switch {
			case own[fe.Field] || !(fe.Field == "campaign_id" || fe.Field == "campaign_name" || fe.Field == "template" || fe.Field == "sent_at"):
				v.add(at+fe.Field, fe.Problem)
			case (fe.Field == "campaign_id" && in.CampaignID == "") || (fe.Field == "campaign_name" && in.CampaignName == "") || (fe.Field == "sent_at" && in.SentAt == ""):
				v.add(at+fe.Field, fe.Problem+", here or for the whole import")
			default:
				v.add(fe.Field, fe.Problem) // the import's own field, named once
			}
			continue
		}
		key := [2]string{checked.CampaignID, id}
		if j, dup := seen[key]; dup {
			v.add(at+"learner_id", "has a result of this campaign already (results["+strconv.Itoa(j)+"]); send one per learner and campaign")
			continue
		}
		seen[key] = i
		items = append(items, phishing.Item{LearnerID: id, Outcome: checked})
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	return items, nil
}

func orElse(s, def string) string {
	if s != "" {
		return s
	}
	return def
}

// IngestPhishing records phishing-simulation results at a client (see
// phishing.Service.Ingest): every result is checked first, and one bad
// result refuses them all. Learner ids must be the client's learners: an
// unknown id (or another client's) is refused, not counted.
func (s *Service) IngestPhishing(ctx context.Context, partnerID, clientRef string, in PhishingImport, meta eventstore.Metadata) (phishing.Result, error) {
	client, err := s.client(ctx, partnerID, clientRef)
	if err != nil {
		return phishing.Result{}, err
	}
	learners, err := s.Dir.LearnersOfClient(ctx, client.ID)
	if err != nil {
		return phishing.Result{}, err
	}
	ids := make(map[string]string, 2*len(learners))
	for _, l := range learners {
		ids[l.ID] = l.ID
		ids[tenancy.Unscoped(partnerID, l.ID)] = l.ID
	}
	items, err := CheckPhishingImport(in, s.Clock.Now(), func(ref string) string {
		if id, ok := ids[tenancy.Scoped(partnerID, ref)]; ok {
			return id
		}
		return ids[ref]
	})
	if err != nil {
		return phishing.Result{}, err
	}
	res, err := s.Phishing.Ingest(ctx, client.ID, client.PartnerID, items, meta)
	var refused phishing.RefusedError
	if errors.As(err, &refused) {
		msg := refused.Err.Error()
		if errors.Is(refused.Err, dom.ErrTooMany) {
			msg = "would give " + tenancy.Unscoped(partnerID, refused.LearnerID) + " results of more than " + strconv.Itoa(dom.MaxPerLearner) + " campaigns"
		}
		return phishing.Result{}, &ValidationError{Fields: map[string]string{"results": msg + "; nothing was stored"}}
	}
	return res, err
}
