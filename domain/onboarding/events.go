// Package onboarding is the sequence of modules a learner goes through on
// first sign-in before anything else in the portal: a partner's default
// sequence, a client's own (or "inherit"), and each learner's progress
// through it.
//
// Two kinds of stream: a partner's configuration (ConfigStream: modules,
// sequences, client details) and a learner's progress (ProgressStream:
// modules opened and completed, the welcome mail).
package onboarding

import "time"

// ConfigStream is the stream of a partner's onboarding configuration.
func ConfigStream(partnerID string) string { return "onboardingconfig-" + partnerID }

// ProgressStream is the stream of a learner's onboarding progress.
func ProgressStream(learnerID string) string { return "onboarding-" + learnerID }

// Kind is what a module shows.
type Kind string

const (
	// KindWelcome is a ready-made, partner-branded introduction: the
	// partner's name and logo and an optional paragraph of its own.
	KindWelcome Kind = "welcome"
	// KindReportPhishing walks through reporting a suspicious email with
	// the client's report button (ClientDetailsSet.ReportButton).
	KindReportPhishing Kind = "report_phishing"
	// KindSubmitTicket walks through asking the client's help desk
	// (ClientDetailsSet.HelpDesk).
	KindSubmitTicket Kind = "submit_ticket"
	// KindVideo plays a video the partner uploaded; it counts once its
	// length has passed since the learner opened it.
	KindVideo Kind = "video"
	// KindPolicyPDF shows a PDF the partner uploaded; it counts once the
	// learner ticks "I have read this".
	KindPolicyPDF Kind = "policy_pdf"
)

// Kinds lists every kind, in the order the docs name them.
var Kinds = []Kind{KindWelcome, KindReportPhishing, KindSubmitTicket, KindVideo, KindPolicyPDF}

// Media is an uploaded file, kept outside the event log and named by the
// SHA-256 of its content.
type Media struct {
	SHA256      string `json:"sha256"` // lower-case hex
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	// Duration is a video's length.
	Duration time.Duration `json:"duration,omitempty"`
}

// ModuleDefined: a partner added a module to its library, or changed one.
type ModuleDefined struct {
	PartnerID string    `json:"partner_id"`
	ModuleID  string    `json:"module_id"`
	Kind      Kind      `json:"kind"`
	Title     string    `json:"title"`
	Text      string    `json:"text,omitempty"` // the partner's own paragraph
	Media     *Media    `json:"media,omitempty"`
	At        time.Time `json:"at"`
}

func (ModuleDefined) EventName() string { return "onboarding.module_defined.v1" }

// ModuleRemoved: a partner took a module out of its library. Sequences
// that list it skip it; nobody's progress is reset.
type ModuleRemoved struct {
	PartnerID string    `json:"partner_id"`
	ModuleID  string    `json:"module_id"`
	At        time.Time `json:"at"`
}

func (ModuleRemoved) EventName() string { return "onboarding.module_removed.v1" }

// SequenceSet: the partner's default sequence (ClientID empty) or a
// client's own was set; a client that inherits follows the default.
type SequenceSet struct {
	PartnerID string    `json:"partner_id"`
	ClientID  string    `json:"client_id,omitempty"`
	Inherit   bool      `json:"inherit,omitempty"`
	ModuleIDs []string  `json:"module_ids,omitempty"`
	At        time.Time `json:"at"`
}

func (SequenceSet) EventName() string { return "onboarding.sequence_set.v1" }

// ClientDetailsSet: what the ready-made walkthroughs say at one client.
type ClientDetailsSet struct {
	PartnerID string `json:"partner_id"`
	ClientID  string `json:"client_id"`
	// ReportButton is the name of the report button in the client's mail
	// client ("Report Message" in Outlook).
	ReportButton string `json:"report_button,omitempty"`
	// HelpDesk is the client's help-desk email address or URL.
	HelpDesk string    `json:"help_desk,omitempty"`
	At       time.Time `json:"at"`
}

func (ClientDetailsSet) EventName() string { return "onboarding.client_details_set.v1" }

// ModuleOpened: a learner first saw a module's card (a video's length is
// counted from here).
type ModuleOpened struct {
	LearnerID string    `json:"learner_id"`
	ModuleID  string    `json:"module_id"`
	At        time.Time `json:"at"`
}

func (ModuleOpened) EventName() string { return "onboarding.module_opened.v1" }

// ModuleCompleted: a learner finished a module.
type ModuleCompleted struct {
	LearnerID string `json:"learner_id"`
	ModuleID  string `json:"module_id"`
	Kind      Kind   `json:"kind"`
	Title     string `json:"title"`
	// Acknowledged: the learner ticked "I have read this" (policy PDFs).
	Acknowledged bool      `json:"acknowledged,omitempty"`
	At           time.Time `json:"at"`
}

func (ModuleCompleted) EventName() string { return "onboarding.module_completed.v1" }

// WelcomeMailQueued: a new learner's welcome email was queued.
type WelcomeMailQueued struct {
	LearnerID string    `json:"learner_id"`
	MailID    string    `json:"mail_id"`
	At        time.Time `json:"at"`
}

func (WelcomeMailQueued) EventName() string { return "onboarding.welcome_mail_queued.v1" }
