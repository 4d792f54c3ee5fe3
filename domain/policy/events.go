// Package policy is the documents learners sign: a partner's policies
// (PDF or Markdown, each version a document named by its SHA-256), their
// assignment to learners with a due date, and the learners' signatures.
//
// Two kinds of stream: a policy's own (Stream: its title, its setting and
// its versions) and one per learner and policy (RequestStream: the
// assignment and the signatures), so that parallel signatures of one
// learner meet on one stream and make one event.
package policy

import "time"

// Stream is the stream of one policy (its stored, partner-scoped id).
func Stream(policyID string) string { return "policy-" + policyID }

// RequestStream is the stream of one learner's signature request for one
// policy. Neither id contains '~' (ids are printable ASCII without it).
func RequestStream(learnerID, policyID string) string {
	return "policyreq-" + learnerID + "~" + policyID
}

// RequestStreamPrefix starts every RequestStream.
const RequestStreamPrefix = "policyreq-"

// Document is one version's file, kept outside the event log (media
// storage) and named by the SHA-256 of its content.
type Document struct {
	SHA256      string `json:"sha256"` // lower-case hex
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
}

// Defined: a partner created a policy, or changed its title or its
// re-signing setting.
type Defined struct {
	PartnerID string `json:"partner_id"`
	PolicyID  string `json:"policy_id"`
	Title     string `json:"title"`
	// ResignOnNewVersion: a new version asks learners who signed an older
	// one to sign again.
	ResignOnNewVersion bool      `json:"resign_on_new_version,omitempty"`
	At                 time.Time `json:"at"`
}

func (Defined) EventName() string { return "policy.defined.v1" }

// VersionPublished: a version of a policy was published with its document.
type VersionPublished struct {
	PartnerID string   `json:"partner_id"`
	PolicyID  string   `json:"policy_id"`
	Version   int      `json:"version"`
	Document  Document `json:"document"`
	// ResignRequired: learners who signed an older version must sign this
	// one, by ResignDueAt (the policy's setting when it was published).
	ResignRequired bool      `json:"resign_required,omitempty"`
	ResignDueAt    time.Time `json:"resign_due_at,omitzero"`
	At             time.Time `json:"at"`
}

func (VersionPublished) EventName() string { return "policy.version_published.v1" }

// Assigned: a policy was assigned to a learner, to sign by DueAt.
type Assigned struct {
	PartnerID  string    `json:"partner_id"`
	PolicyID   string    `json:"policy_id"`
	LearnerID  string    `json:"learner_id"`
	ClientID   string    `json:"client_id"`
	Title      string    `json:"title"`
	DueAt      time.Time `json:"due_at"`
	AssignedBy string    `json:"assigned_by"`
	RequestID  string    `json:"request_id,omitempty"` // the call that assigned it (a retry answers the same)
	At         time.Time `json:"at"`
}

func (Assigned) EventName() string { return "policy.assigned.v1" }

// Signed: a learner ticked "I have read and accept" and typed their full
// name under one version of a policy. SHA256 is that version's document.
type Signed struct {
	PartnerID string    `json:"partner_id"`
	PolicyID  string    `json:"policy_id"`
	LearnerID string    `json:"learner_id"`
	ClientID  string    `json:"client_id"`
	Title     string    `json:"title"`
	Version   int       `json:"version"`
	SHA256    string    `json:"sha256"`
	TypedName string    `json:"typed_name"`
	Accepted  bool      `json:"accepted"`
	At        time.Time `json:"at"`
}

func (Signed) EventName() string { return "policy.signed.v1" }
