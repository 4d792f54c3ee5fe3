// Package breach is Dark Web Monitoring: the public breaches a learner's
// work email appears in (fed by the partner's admin API), what the learner
// did about each (resolved, reopened), and the two switches that make the
// Breaches page exist: the partner's master switch and each client's.
//
// A learner's breaches are one stream (Stream): whether a record is new is
// decided there, by its source id, so the same (source id, email) sent
// twice, or by two imports at once, is stored once. A partner's switches
// are one stream (MonitoringStream).
package breach

import "time"

// Stream is the stream of one learner's breach exposures.
func Stream(learnerID string) string { return "breaches-" + learnerID }

// MonitoringStream is the stream of a partner's Dark Web Monitoring switches
// (its master switch and each of its clients').
func MonitoringStream(partnerID string) string { return "breachmonitoring-" + partnerID }

// Breach is one public breach as it concerns one learner.
type Breach struct {
	// ID is the breach's id at the source catalogue ("Adobe",
	// "LinkedIn2021"); unique per learner.
	ID            string    `json:"id"`
	Name          string    `json:"name"`
	Domain        string    `json:"domain,omitempty"`
	BreachDate    time.Time `json:"breach_date"`    // a date (midnight UTC)
	DisclosedDate time.Time `json:"disclosed_date"` // a date (midnight UTC)
	DataClasses   []string  `json:"data_classes"`
	Tier          Tier      `json:"tier"` // TierOf(DataClasses), decided when recorded
}

// ExposuresRecorded: an ingestion found breaches new for this learner. One
// event per learner per ingestion (however many records it carried). MailID
// is the learner's notification email (queued after the event is stored);
// empty when no email is due (monitoring off).
type ExposuresRecorded struct {
	LearnerID string    `json:"learner_id"`
	ClientID  string    `json:"client_id"`
	Breaches  []Breach  `json:"breaches"`
	MailID    string    `json:"mail_id,omitempty"`
	At        time.Time `json:"at"`
}

func (ExposuresRecorded) EventName() string { return "breach.exposures_recorded.v1" }

// ExposureResolved: the learner marked a breach resolved, with an optional
// note of what they did.
type ExposureResolved struct {
	LearnerID string    `json:"learner_id"`
	BreachID  string    `json:"breach_id"`
	Note      string    `json:"note,omitempty"`
	At        time.Time `json:"at"`
}

func (ExposureResolved) EventName() string { return "breach.exposure_resolved.v1" }

// ExposureReopened: the learner took a resolved breach back to active.
type ExposureReopened struct {
	LearnerID string    `json:"learner_id"`
	BreachID  string    `json:"breach_id"`
	At        time.Time `json:"at"`
}

func (ExposureReopened) EventName() string { return "breach.exposure_reopened.v1" }

// PartnerMonitoringSwitched: the partner's master switch for Dark Web
// Monitoring.
type PartnerMonitoringSwitched struct {
	PartnerID string    `json:"partner_id"`
	Enabled   bool      `json:"enabled"`
	At        time.Time `json:"at"`
}

func (PartnerMonitoringSwitched) EventName() string { return "breach.partner_monitoring_switched.v1" }

// ClientMonitoringSwitched: a client's Dark Web Monitoring switch (it works
// only while the partner's master switch is on too).
type ClientMonitoringSwitched struct {
	PartnerID string    `json:"partner_id"`
	ClientID  string    `json:"client_id"`
	Enabled   bool      `json:"enabled"`
	At        time.Time `json:"at"`
}

func (ClientMonitoringSwitched) EventName() string { return "breach.client_monitoring_switched.v1" }
