// Package signin is passwordless sign-in: a request for an email link (or
// code), its redemption into a session, and signing out. Each request is one
// stream, so redemption is atomic: the store's expected-version check lets
// exactly one of many parallel redemptions win.
package signin

import "time"

// Method is how a person proved who they are.
type Method string

const (
	MethodEmailLink Method = "email_link"
	MethodEmailCode Method = "email_code"
	// MethodTrainingLink is the "Start training" link in a course email.
	MethodTrainingLink Method = "training_link"
)

// Reason says why a sign-in failed.
type Reason string

const (
	ReasonExpired         Reason = "expired"
	ReasonUsed            Reason = "used"
	ReasonInvalidLink     Reason = "invalid_link"
	ReasonWrongCode       Reason = "wrong_code"
	ReasonTooManyAttempts Reason = "too_many_attempts"
	ReasonRateLimited     Reason = "rate_limited"
	ReasonEmailLinksOff   Reason = "email_links_off" // the client signs this learner in with Microsoft or Google only
)

// LinkRequested: someone asked for a sign-in email. Known is false when no
// learner has that email: no mail goes out, but the request is recorded the
// same way so the answer (and its timing) gives nothing away.
type LinkRequested struct {
	RequestID  string    `json:"request_id"`
	Email      string    `json:"email"`
	Known      bool      `json:"known"`
	LearnerIDs []string  `json:"learner_ids,omitempty"`
	PartnerID  string    `json:"partner_id,omitempty"`
	TokenHash  []byte    `json:"token_hash"` // SHA-256 of the link token
	CodeHash   []byte    `json:"code_hash"`  // HMAC of the short code
	MailID     string    `json:"mail_id,omitempty"`
	ExpiresAt  time.Time `json:"expires_at"`
	At         time.Time `json:"at"`
}

func (LinkRequested) EventName() string { return "signin.link_requested.v1" }

// LinkOpened: the link was fetched with GET. A mail scanner does this as
// readily as a person; it signs nobody in.
type LinkOpened struct {
	RequestID string    `json:"request_id"`
	At        time.Time `json:"at"`
}

func (LinkOpened) EventName() string { return "signin.link_opened.v1" }

// SignedIn: a session began.
type SignedIn struct {
	RequestID  string    `json:"request_id"`
	Email      string    `json:"email"`
	Method     Method    `json:"method"`
	SessionRef string    `json:"session_ref"` // public id of the session, not its secret
	LearnerID  string    `json:"learner_id,omitempty"`
	LearnerIDs []string  `json:"learner_ids,omitempty"`
	At         time.Time `json:"at"`
}

func (SignedIn) EventName() string { return "signin.signed_in.v1" }

// Commutes: a training link may be used many times in its 7 days, and one
// use does not depend on another, so parallel uses never conflict.
func (e SignedIn) Commutes() bool { return e.Method == MethodTrainingLink }

// SignInFailed: a sign-in attempt was refused.
type SignInFailed struct {
	RequestID string    `json:"request_id"`
	Email     string    `json:"email,omitempty"`
	Reason    Reason    `json:"reason"`
	Attempt   int       `json:"attempt,omitempty"`
	At        time.Time `json:"at"`
}

func (SignInFailed) EventName() string { return "signin.sign_in_failed.v1" }

// OrganisationChosen: someone whose email is a learner at several clients
// picked which one this session is for.
type OrganisationChosen struct {
	RequestID  string    `json:"request_id"`
	SessionRef string    `json:"session_ref"`
	LearnerID  string    `json:"learner_id"`
	At         time.Time `json:"at"`
}

func (OrganisationChosen) EventName() string { return "signin.organisation_chosen.v1" }

// SignedOut: a session ended at the person's request.
type SignedOut struct {
	RequestID  string    `json:"request_id"`
	SessionRef string    `json:"session_ref"`
	At         time.Time `json:"at"`
}

func (SignedOut) EventName() string { return "signin.signed_out.v1" }

// SessionEnded: a session was ended from another of the same person's
// sessions ("Signed-in devices": Sign out, or Sign out everywhere else).
// It is recorded on the ended session's request stream.
type SessionEnded struct {
	RequestID  string `json:"request_id"`
	SessionRef string `json:"session_ref"` // the session ended (public id)
	ByRef      string `json:"by_ref"`      // the session that ended it (public id)
	// Device is what the ended session's browser was, in words ("Chrome
	// on Windows"), for the timelines; never the raw user agent.
	Device string    `json:"device,omitempty"`
	At     time.Time `json:"at"`
}

func (SessionEnded) EventName() string { return "signin.session_ended.v1" }

// TrainingLinkIssued: a course email carried a link that signs its learner
// in for 7 days (like the sign-in link, a GET only shows a button).
type TrainingLinkIssued struct {
	RequestID    string `json:"request_id"`
	Email        string `json:"email"`
	LearnerID    string `json:"learner_id"`
	PartnerID    string `json:"partner_id"`
	AssignmentID string `json:"assignment_id"`
	// Destination is where the link leads when not into a course: ""
	// (Courses) or DestinationBreaches.
	Destination string    `json:"destination,omitempty"`
	TokenHash   []byte    `json:"token_hash"`
	ExpiresAt   time.Time `json:"expires_at"`
	At          time.Time `json:"at"`
}

// DestinationBreaches: a training link that leads to the Breaches page
// (a breach notification email).
const DestinationBreaches = "breaches"

func (TrainingLinkIssued) EventName() string { return "signin.training_link_issued.v1" }
