// Package phishing is phishing-simulation results: what happened to each
// simulated phishing email a learner was sent (delivered, opened, link
// clicked, data submitted, reported), fed by the partner's simulation
// platform through the admin API.
//
// A learner's results are one stream (Stream). The stream knows each
// campaign's last recorded outcome, so sending the same result again
// records nothing and a result with more outcomes (a report made later)
// records the merged outcome as a new event.
package phishing

import "time"

// Stream is the stream of one learner's phishing-simulation results.
func Stream(learnerID string) string { return "phishing-" + learnerID }

// Outcome is what happened to one campaign's email to one learner. Times
// are nil when it did not happen (or is not known yet).
type Outcome struct {
	CampaignID   string     `json:"campaign_id"`
	CampaignName string     `json:"campaign_name"`
	Template     string     `json:"template,omitempty"`
	SentAt       time.Time  `json:"sent_at"`
	Delivered    bool       `json:"delivered"`
	OpenedAt     *time.Time `json:"opened_at,omitempty"`
	ClickedAt    *time.Time `json:"clicked_at,omitempty"`
	SubmittedAt  *time.Time `json:"submitted_at,omitempty"`
	ReportedAt   *time.Time `json:"reported_at,omitempty"`
}

// Compromised says the learner clicked the link or submitted data.
func (o Outcome) Compromised() bool { return o.ClickedAt != nil || o.SubmittedAt != nil }

// Reported says the learner reported the email.
func (o Outcome) Reported() bool { return o.ReportedAt != nil }

// ResultRecorded: a campaign's outcome for a learner, new or changed (the
// whole outcome as it now stands, not the difference).
type ResultRecorded struct {
	LearnerID string `json:"learner_id"`
	ClientID  string `json:"client_id"`
	Outcome
	At time.Time `json:"at"`
}

func (ResultRecorded) EventName() string { return "phishing.result_recorded.v1" }
