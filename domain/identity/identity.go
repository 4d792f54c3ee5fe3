// Package identity is about accounts at identity providers (a Microsoft
// Entra user, a Google account) and the learners they sign in as.
//
// An identity is keyed by (provider, subject): Google's "sub", or
// Microsoft's tenant id and object id together. It is linked to learners on
// its first sign-in with an email the portal may trust; later sign-ins use
// the link. The rules for trusting an email are in Decide.
package identity

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"time"

	"github.com/awareportal/portal/domain"
	"github.com/awareportal/portal/domain/directory"
	"github.com/awareportal/portal/domain/signin"
)

// Stream is the stream of one provider identity.
func Stream(provider signin.Method, subject string) string {
	h := sha256.Sum256([]byte(string(provider) + "\x00" + subject))
	return "identity-" + string(provider) + "-" + hex.EncodeToString(h[:12])
}

// Linked: a provider identity now signs in as a learner.
type Linked struct {
	Provider  signin.Method `json:"provider"`
	Subject   string        `json:"subject"`
	TenantID  string        `json:"tenant_id,omitempty"` // Microsoft only
	LearnerID string        `json:"learner_id"`
	Email     string        `json:"email"` // the verified email that made the link
	At        time.Time     `json:"at"`
}

func (Linked) EventName() string { return "identity.linked.v1" }

// Identity is the identity aggregate.
type Identity struct {
	Provider signin.Method
	Subject  string
	Learners []string
}

// Apply folds an event into the identity.
func (i *Identity) Apply(e domain.Event) {
	if ev, ok := e.(Linked); ok {
		i.Provider, i.Subject = ev.Provider, ev.Subject
		if !slices.Contains(i.Learners, ev.LearnerID) {
			i.Learners = append(i.Learners, ev.LearnerID)
		}
	}
}

// Link links the identity to learners it is not linked to yet.
func Link(i *Identity, c Claims, learnerIDs []string, now time.Time) []domain.Event {
	var out []domain.Event
	for _, id := range learnerIDs {
		if !slices.Contains(i.Learners, id) {
			out = append(out, Linked{Provider: c.Provider, Subject: c.Subject, TenantID: c.TenantID, LearnerID: id, Email: c.Email, At: now})
		}
	}
	return out
}

// Claims is what a verified ID token says, in the portal's terms.
type Claims struct {
	Provider signin.Method
	Subject  string // Google: sub; Microsoft: "<tid>:<oid>"
	TenantID string // Microsoft: tid
	Email    string // normalised; "" when the token has none
	// EmailUnverified: the provider says the email is not verified (Google
	// email_verified false or missing; Microsoft xms_edov false).
	EmailUnverified bool
	HostedDomain    string // Google: hd, the Workspace domain ("" for consumer accounts)
}

// Candidate is a learner an identity might sign in as, with what its
// client's directory is bound to.
type Candidate struct {
	LearnerID         string
	Source            directory.Source
	MicrosoftTenantID string
	GoogleDomain      string
}

// Decision is the outcome of Decide: either learners to sign in as (and
// which of them to link first), or a rejection.
type Decision struct {
	LearnerIDs []string
	Link       []string
	Rejection  signin.SSORejected // Reason "" when accepted
}

// Accepted says whether the identity may sign in.
func (d Decision) Accepted() bool { return d.Rejection.Reason == "" }

// SourceOf is the directory source a provider signs in.
func SourceOf(m signin.Method) directory.Source {
	switch m {
	case signin.MethodMicrosoft:
		return directory.SourceMicrosoft
	case signin.MethodGoogle:
		return directory.SourceGoogle
	}
	return directory.SourceManual
}

// MethodOf is the way in for learners from a directory source.
func MethodOf(s directory.Source) signin.Method {
	switch s {
	case directory.SourceMicrosoft:
		return signin.MethodMicrosoft
	case directory.SourceGoogle:
		return signin.MethodGoogle
	}
	return signin.MethodEmailLink
}

// trusted says whether a token from c may speak for a learner of cand's
// client: Microsoft only from the tenant the client's sync is bound to
// (an email from any other tenant is whatever that tenant's admin typed);
// Google only from the client's Workspace domain when it has one.
func trusted(c Claims, cand Candidate) bool {
	switch c.Provider {
	case signin.MethodMicrosoft:
		return cand.MicrosoftTenantID != "" && cand.MicrosoftTenantID == c.TenantID
	case signin.MethodGoogle:
		return cand.GoogleDomain == "" || cand.GoogleDomain == c.HostedDomain
	}
	return false
}

// Decide chooses whom a verified identity signs in as. linked are the
// learners the identity is already linked to; byEmail the learners with the
// token's email (only looked at when the link gives none).
func Decide(c Claims, linked, byEmail []Candidate) Decision {
	source := SourceOf(c.Provider)
	fits := func(cand Candidate) bool { return cand.Source == source && trusted(c, cand) }
	reject := func(reason signin.Reason, right signin.Method) Decision {
		return Decision{Rejection: signin.SSORejected{Reason: reason, Email: c.Email, Subject: c.Subject, TenantID: c.TenantID, RightMethod: right}}
	}

	if ids := ids(linked, fits); len(ids) > 0 {
		return Decision{LearnerIDs: ids}
	}
	if c.Email == "" || c.EmailUnverified {
		return reject(signin.ReasonEmailUnverified, "")
	}
	if len(byEmail) == 0 {
		return reject(signin.ReasonNotEnrolled, "")
	}
	same := slices.DeleteFunc(slices.Clone(byEmail), func(cand Candidate) bool { return cand.Source != source })
	if len(same) == 0 {
		return reject(signin.ReasonWrongMethod, MethodOf(byEmail[0].Source))
	}
	ok := ids(same, fits)
	if len(ok) == 0 {
		if c.Provider == signin.MethodGoogle {
			return reject(signin.ReasonHostedDomain, c.Provider)
		}
		return reject(signin.ReasonWrongTenant, c.Provider)
	}
	return Decision{LearnerIDs: ok, Link: ok}
}

func ids(cands []Candidate, keep func(Candidate) bool) []string {
	var out []string
	for _, c := range cands {
		if keep(c) {
			out = append(out, c.LearnerID)
		}
	}
	return out
}
