package web

import (
	"fmt"
	"strings"
	"time"

	"github.com/awareportal/portal/internal/phishing"
	"github.com/awareportal/portal/internal/when"
	"github.com/awareportal/portal/projections/timeline"
	"github.com/awareportal/portal/views"
)

// maxPhishingHistory is how many simulations My Stats lists.
const maxPhishingHistory = 12

// phishingView is My Stats' phishing panel from the learner's summary.
func phishingView(sum phishing.Summary, clientName string, now time.Time, loc *time.Location) views.PhishingView {
	v := views.PhishingView{Shown: true, Received: sum.Received, Compromised: sum.Compromised, Reported: sum.Reported, Own: "—", Org: "—"}
	if sum.Received == 0 {
		return v
	}
	v.CompromiseRate = phishPercent(float64(sum.Compromised) * 100 / float64(sum.Received))
	since := sum.Since.In(loc).Format("2 Jan 2006")
	if sum.Own.Received > 0 {
		v.Own = phishPercent(sum.Own.Percent)
		v.OwnDetail = fmt.Sprintf("%d of the %s you received since %s", sum.Own.Compromised, phishCount(sum.Own.Received, "simulation", "simulations"), since)
	} else {
		v.OwnDetail = "none sent to you since " + since
	}
	org := orDefault(clientName, "your organisation")
	if sum.Organisation.Learners > 0 {
		v.Org = phishPercent(sum.Organisation.Percent)
		v.OrgDetail = fmt.Sprintf("the average of the %s at %s who received one since %s", phishCount(sum.Organisation.Learners, "person", "people"), org, since)
	} else {
		v.OrgDetail = "nobody at " + org + " received one since " + since
	}
	for i, r := range sum.Results {
		if i == maxPhishingHistory {
			break
		}
		row := views.PhishingRow{Campaign: r.CampaignName, Sent: when.Short(r.SentAt, now, loc), Class: "phish-safe",
			Outcome: phishCapitalise(phishingOutcome(r.Delivered, r.OpenedAt != nil, r.ClickedAt != nil, r.SubmittedAt != nil, r.ReportedAt != nil))}
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

func phishPercent(p float64) string { return fmt.Sprintf("%.0f%%", p) }

func phishCount(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

func phishCapitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// phishingOutcome says what happened to a simulation in plain words.
func phishingOutcome(delivered, opened, clicked, submitted, reported bool) string {
	if !delivered {
		return "not delivered"
	}
	var parts []string
	if opened {
		parts = append(parts, "opened the email")
	}
	switch {
	case clicked && submitted:
		parts = append(parts, "clicked the link", "entered details on the practice page")
	case clicked:
		parts = append(parts, "clicked the link")
	case submitted:
		parts = append(parts, "entered details on the practice page")
	default:
		parts = append(parts, "did not click the link")
	}
	if reported {
		parts = append(parts, "reported it")
	}
	if len(parts) == 1 && !clicked && !submitted {
		return "received it and did not click the link"
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

// phishingEntry is a timeline's sentence for a simulation's outcome; the
// time it was sent is shown in loc (the client's zone).
func phishingEntry(d timeline.Details, loc *time.Location) (text, detail string) {
	has := func(s string) bool {
		for _, o := range d.Outcome {
			if o == s {
				return true
			}
		}
		return false
	}
	text = "Phishing simulation “" + orDefault(d.Campaign, "unnamed") + "”: " +
		phishingOutcome(has("delivered"), has("opened"), has("clicked"), has("submitted"), has("reported"))
	if d.Sent != nil {
		detail = "Sent " + when.Stamp(*d.Sent, loc)
	}
	return text, detail
}
