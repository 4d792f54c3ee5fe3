package signin

import (
	"crypto/subtle"
	"errors"
	"time"

	"github.com/awareportal/portal/domain"
)

// Sign-in with an identity provider (OpenID Connect).
const (
	MethodMicrosoft Method = "microsoft"
	MethodGoogle    Method = "google"
)

// SSOTTL is how long a started sign-in with Microsoft or Google may take
// to come back from the provider.
const SSOTTL = 10 * time.Minute

// Why a sign-in with Microsoft or Google was refused.
const (
	ReasonBadState        Reason = "bad_state"        // no state cookie, or it does not match
	ReasonReplayed        Reason = "replayed"         // the provider's answer came back twice
	ReasonBadNonce        Reason = "bad_nonce"        // the ID token was not minted for this sign-in
	ReasonTokenInvalid    Reason = "token_invalid"    // signature, issuer, audience or expiry
	ReasonCodeRejected    Reason = "code_rejected"    // the provider refused the code (expired, used)
	ReasonProviderError   Reason = "provider_error"   // the provider sent an error (e.g. cancelled)
	ReasonEmailUnverified Reason = "email_unverified" // no email, or the provider says it is unverified
	ReasonWrongTenant     Reason = "wrong_tenant"     // Microsoft account of another organisation
	ReasonHostedDomain    Reason = "hd_mismatch"      // Google account outside the client's Workspace
	ReasonWrongMethod     Reason = "wrong_method"     // the learner signs in another way
	ReasonNotEnrolled     Reason = "not_enrolled"     // a valid identity, but no learner anywhere
)

// ErrSSO is a refused sign-in with a provider; Rejection says why.
var ErrSSO = errors.New("sign-in with the provider was refused")

// SSOStarted: someone pressed "Sign in with Microsoft" or "with Google" and
// was sent to the provider. Only a hash of the state is kept.
type SSOStarted struct {
	RequestID string    `json:"request_id"`
	Provider  Method    `json:"provider"`
	StateHash []byte    `json:"state_hash"`
	LoginHint string    `json:"login_hint,omitempty"` // the email they typed, if any
	PartnerID string    `json:"partner_id,omitempty"` // whose sign-in page they came from
	ExpiresAt time.Time `json:"expires_at"`
	At        time.Time `json:"at"`
}

func (SSOStarted) EventName() string { return "signin.sso_started.v1" }

// SSORejected: a sign-in with Microsoft or Google was refused. Email,
// Subject and TenantID are what the provider's token claimed (not trusted
// when the reason is about the token). RightMethod names the way in that
// works for this person, when there is one.
type SSORejected struct {
	RequestID   string    `json:"request_id"`
	Provider    Method    `json:"provider"`
	Reason      Reason    `json:"reason"`
	Email       string    `json:"email,omitempty"`
	Subject     string    `json:"subject,omitempty"`
	TenantID    string    `json:"tenant_id,omitempty"`
	RightMethod Method    `json:"right_method,omitempty"`
	Detail      string    `json:"detail,omitempty"`
	At          time.Time `json:"at"`
}

func (SSORejected) EventName() string { return "signin.sso_rejected.v1" }

// StartSSO records the start of a sign-in with a provider.
func StartSSO(requestID string, provider Method, state, loginHint, partnerID string, now time.Time) []domain.Event {
	return []domain.Event{SSOStarted{
		RequestID: requestID, Provider: provider, StateHash: HashToken(state),
		LoginHint: loginHint, PartnerID: partnerID, ExpiresAt: now.Add(SSOTTL), At: now,
	}}
}

// CheckSSO says whether the provider's answer carrying state may finish
// this request: the state matches, it has not been used, it is in time. On
// refusal it returns the rejection to record.
func (r *Request) CheckSSO(state string, now time.Time) ([]domain.Event, error) {
	switch {
	case r.ID == "":
		return nil, ErrNoSuchRequest
	case r.SSO == "" || subtle.ConstantTimeCompare(HashToken(state), r.TokenHash) != 1:
		return r.RejectSSO(SSORejected{Reason: ReasonBadState}, now), ErrSSO
	case r.Redeemed || r.SSOFinished:
		return r.RejectSSO(SSORejected{Reason: ReasonReplayed}, now), ErrSSO
	case !now.Before(r.ExpiresAt):
		return r.RejectSSO(SSORejected{Reason: ReasonExpired}, now), ErrSSO
	}
	return nil, nil
}

// CompleteSSO signs in the learners the identity rules chose.
func (r *Request) CompleteSSO(state, email string, learnerIDs []string, red Redemption, now time.Time) ([]domain.Event, error) {
	if evs, err := r.CheckSSO(state, now); err != nil {
		return evs, err
	}
	r.LearnerIDs, r.Known, r.Email = learnerIDs, true, email
	red.Method = r.SSO
	return r.redeem(red, now)
}

// RejectSSO records a refusal; once refused, the request cannot sign in.
func (r *Request) RejectSSO(rej SSORejected, now time.Time) []domain.Event {
	rej.RequestID, rej.Provider, rej.At = r.ID, r.SSO, now
	return []domain.Event{rej}
}

// Title names the method to people, as a button does: "Microsoft",
// "Google", and for every other method "an email link".
func (m Method) Title() string {
	switch m {
	case MethodMicrosoft:
		return "Microsoft"
	case MethodGoogle:
		return "Google"
	}
	return "an email link"
}
