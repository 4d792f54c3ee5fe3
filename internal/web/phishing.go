package web

import (
	"strconv"
	"time"

	"github.com/awareportal/portal/internal/i18n"
	"github.com/awareportal/portal/internal/phishing"
	"github.com/awareportal/portal/projections/timeline"
	"github.com/awareportal/portal/views"
)

// maxPhishingHistory is how many simulations My Stats lists.
const maxPhishingHistory = 12

// phishingView is My Stats' phishing panel from the learner's summary:
// numbers and days in loc (the client's zone); the panel words them in
// the reader's language.
func phishingView(sum phishing.Summary, clientName string, now time.Time, loc *time.Location) views.PhishingView {
	v := views.PhishingView{Shown: true, Received: sum.Received, Compromised: sum.Compromised, Reported: sum.Reported, Organisation: clientName}
	if sum.Received == 0 {
		return v
	}
	v.CompromiseRate = phishPercent(float64(sum.Compromised) * 100 / float64(sum.Received))
	v.Since = sum.Since.In(loc)
	if sum.Own.Received > 0 {
		v.Own, v.OwnCompromised, v.OwnReceived = phishPercent(sum.Own.Percent), sum.Own.Compromised, sum.Own.Received
	}
	if sum.Organisation.Learners > 0 {
		v.Org, v.OrgLearners = phishPercent(sum.Organisation.Percent), sum.Organisation.Learners
	}
	for i, r := range sum.Results {
		if i == maxPhishingHistory {
			break
		}
		sent := r.SentAt.In(loc)
		row := views.PhishingRow{Campaign: r.CampaignName, Sent: sent, SentYear: sent.Year() != now.In(loc).Year(), Class: "phish-safe",
			Outcome: views.PhishingOutcome{Delivered: r.Delivered, Opened: r.OpenedAt != nil, Clicked: r.ClickedAt != nil, Submitted: r.SubmittedAt != nil, Reported: r.ReportedAt != nil}}
		switch {
		case r.Compromised():
			row.Class = "phish-compromised"
		case r.ReportedAt != nil:
			row.Class = "phish-reported"
		}
		v.History = append(v.History, row)
	}
	return v
}

// phishPercent is a percentage as a whole number ("25"); the panel adds
// the language's percent sign.
func phishPercent(p float64) string { return strconv.FormatFloat(p, 'f', 0, 64) }

// phishingEntry is a timeline's sentence for a simulation's outcome; the
// time it was sent is shown in loc (the client's zone).
func phishingEntry(tr *i18n.Translator, d timeline.Details, loc *time.Location) (text, detail string) {
	has := func(s string) bool {
		for _, o := range d.Outcome {
			if o == s {
				return true
			}
		}
		return false
	}
	o := views.PhishingOutcome{Delivered: has("delivered"), Opened: has("opened"), Clicked: has("clicked"), Submitted: has("submitted"), Reported: has("reported")}
	campaign := d.Campaign
	if campaign == "" {
		campaign = tr.T("phishing.unnamed")
	}
	text = tr.T("phishing.entry", "Campaign", campaign, "Outcome", o.Text(tr))
	if d.Sent != nil {
		detail = tr.T("phishing.entry_sent", "Date", tr.Stamp(d.Sent.In(loc)))
	}
	return text, detail
}
