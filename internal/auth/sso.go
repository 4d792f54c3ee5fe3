package auth

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/awareportal/portal/domain"
	dirdomain "github.com/awareportal/portal/domain/directory"
	"github.com/awareportal/portal/domain/identity"
	"github.com/awareportal/portal/domain/signin"
	"github.com/awareportal/portal/internal/eventstore"
	"github.com/awareportal/portal/internal/sso"
	"github.com/awareportal/portal/projections/directory"
)

// PerIPLookup limits the sign-in page's "which methods work for this
// email?" question, which tells whether an email is enrolled.
var PerIPLookup = Limit{N: 120, Window: 15 * time.Minute}

// PerIPSSO limits sign-ins started with a provider from one network (each
// is an event; an office behind one address signs in together at 9am).
var PerIPSSO = Limit{N: 300, Window: 15 * time.Minute}

// ErrProviderOff means that sign-in method is not configured.
var ErrProviderOff = errors.New("that sign-in method is not set up")

// SSOCookie is what the browser carries to the provider and back, sealed
// in a short-lived cookie by the web layer (the request's own expiry is in
// its stream). It is never logged.
type SSOCookie struct {
	RequestID string        `json:"r"`
	Provider  signin.Method `json:"p"`
	State     string        `json:"s"`
	Nonce     string        `json:"n"`
	Verifier  string        `json:"v"`
}

// SSOStart is a started sign-in with a provider.
type SSOStart struct {
	URL    string // the provider's sign-in page
	Cookie SSOCookie
}

// SSOCallback is what the provider sent back.
type SSOCallback struct {
	Code, State, Error, ErrorDescription string
}

// SSOError is a refused sign-in with a provider.
type SSOError struct {
	Rejection signin.SSORejected
	PartnerID string // whose sign-in page the person started from
}

func (e *SSOError) Error() string {
	return fmt.Sprintf("sign-in with %s refused: %s", e.Rejection.Provider, e.Rejection.Reason)
}

// Methods are the ways in that work for an email.
type Methods struct {
	Microsoft, Google, EmailLink bool
	// Decided: the answer is about this email (false while the email is
	// incomplete, or when too many were asked about from one network).
	Decided bool
}

// Providers lists the configured sign-in providers.
func (s *Service) Providers() Methods {
	return Methods{Microsoft: s.SSO[signin.MethodMicrosoft] != nil, Google: s.SSO[signin.MethodGoogle] != nil, EmailLink: true}
}

// ProviderOrigins are the origins of the configured providers' sign-in
// pages, sorted.
func (s *Service) ProviderOrigins() []string {
	var out []string
	for _, p := range s.SSO {
		if o := p.Origin(); o != "" && !slices.Contains(out, o) {
			out = append(out, o)
		}
	}
	slices.Sort(out)
	return out
}

// EmailLinkAllowed: learners added by hand always have email links (their
// only way in), as do Microsoft-synced learners whose client has no tenant
// bound (Microsoft cannot sign them in); synced learners otherwise unless
// their client turned email links off.
func EmailLinkAllowed(l directory.Learner) bool {
	switch dirdomain.Source(l.Source) {
	case dirdomain.SourceMicrosoft:
		return l.Directory.EmailLinks || l.Directory.MicrosoftTenantID == ""
	case dirdomain.SourceGoogle:
		return l.Directory.EmailLinks
	}
	return true
}

// MethodsFor says which ways in work for an email, from the directory
// source of its learners. An unknown email gets what a learner added by
// hand gets: the email link.
func (s *Service) MethodsFor(ctx context.Context, rawEmail, ip string) (Methods, error) {
	email, err := dirdomain.NormalizeEmail(rawEmail)
	if err != nil {
		return s.Providers(), nil
	}
	ok, _, err := s.Limiter.Hit(ctx, "lookup-ip:"+ip, PerIPLookup, s.Clock.Now())
	if err != nil {
		return Methods{}, err
	}
	if !ok {
		return s.Providers(), nil
	}
	learners, err := s.Dir.LearnersByEmail(ctx, email)
	if err != nil {
		return Methods{}, err
	}
	if len(learners) == 0 {
		return Methods{EmailLink: true, Decided: true}, nil
	}
	m := Methods{Decided: true}
	for _, l := range learners {
		switch dirdomain.Source(l.Source) {
		case dirdomain.SourceMicrosoft:
			m.Microsoft = m.Microsoft || l.Directory.MicrosoftTenantID != ""
		case dirdomain.SourceGoogle:
			m.Google = true
		}
		m.EmailLink = m.EmailLink || EmailLinkAllowed(l)
	}
	m.Microsoft = m.Microsoft && s.SSO[signin.MethodMicrosoft] != nil
	m.Google = m.Google && s.SSO[signin.MethodGoogle] != nil
	if !m.Microsoft && !m.Google {
		m.EmailLink = true // never leave someone with no way in
	}
	return m, nil
}

// StartSSO records the start of a sign-in with a provider and returns
// where to send the browser.
func (s *Service) StartSSO(ctx context.Context, method signin.Method, loginHint, partnerID string, meta eventstore.Metadata) (SSOStart, error) {
	p := s.SSO[method]
	if p == nil {
		return SSOStart{}, ErrProviderOff
	}
	now := s.Clock.Now()
	ok, until, err := s.Limiter.Hit(ctx, "sso-ip:"+meta.RequestIP, PerIPSSO, now)
	if err != nil {
		return SSOStart{}, err
	}
	if !ok {
		return SSOStart{}, ErrRateLimited{Until: until, PerIP: true}
	}
	hint, err := dirdomain.NormalizeEmail(loginHint)
	if err != nil {
		hint = ""
	}
	var secrets [3]string
	for i := range secrets {
		if secrets[i], err = NewSecret(); err != nil {
			return SSOStart{}, err
		}
	}
	ck := SSOCookie{RequestID: uuid.NewString(), Provider: method, State: secrets[0], Nonce: secrets[1], Verifier: secrets[2]}
	to, err := p.AuthURL(ctx, ck.State, ck.Nonce, ck.Verifier, hint)
	if err != nil {
		return SSOStart{}, fmt.Errorf("start sign-in with %s: %w", method, err)
	}
	meta.TenantID = partnerID
	if _, err := s.Repo.Append(ctx, signin.Stream(ck.RequestID), eventstore.NoStream, meta, signin.StartSSO(ck.RequestID, method, ck.State, hint, partnerID, now)...); err != nil {
		return SSOStart{}, err
	}
	s.Log.Info("sign-in with provider started", "request_id", ck.RequestID, "provider", method)
	return SSOStart{URL: to, Cookie: ck}, nil
}

// FinishSSO handles the provider's answer: it checks the state against the
// browser's cookie and the request (single use, in time), exchanges the
// code (PKCE), verifies the ID token (nonce included), decides whom the
// identity signs in as, links it, and starts a session. Every refusal is
// recorded and returned as *SSOError.
func (s *Service) FinishSSO(ctx context.Context, method signin.Method, ck *SSOCookie, cb SSOCallback, meta eventstore.Metadata) (SignedIn, error) {
	now := s.Clock.Now()
	if ck == nil || ck.Provider != method || cb.State == "" || subtle.ConstantTimeCompare([]byte(ck.State), []byte(cb.State)) != 1 {
		// Forged, or from another browser: nothing to finish.
		return SignedIn{}, s.rejectStray(ctx, method, ck, meta, now)
	}
	stream := signin.Stream(ck.RequestID)
	var req signin.Request
	d, err := eventstore.Execute(ctx, s.Repo, stream, meta, func() *signin.Request { return &signin.Request{} },
		func(r *signin.Request) ([]domain.Event, error) {
			req = *r
			return r.CheckSSO(cb.State, now)
		})
	if errors.Is(err, signin.ErrNoSuchRequest) {
		return SignedIn{}, s.rejectStray(ctx, method, nil, meta, now)
	}
	if errors.Is(err, signin.ErrSSO) {
		return SignedIn{}, &SSOError{Rejection: d.Events[0].(signin.SSORejected), PartnerID: req.PartnerID}
	}
	if err != nil {
		return SignedIn{}, err
	}
	reject := func(rej signin.SSORejected) error {
		d, err := eventstore.Execute(ctx, s.Repo, stream, meta, func() *signin.Request { return &signin.Request{} },
			func(r *signin.Request) ([]domain.Event, error) { return r.RejectSSO(rej, now), signin.ErrSSO })
		if !errors.Is(err, signin.ErrSSO) {
			return err
		}
		s.Log.Info("sign-in with provider refused", "request_id", ck.RequestID, "provider", method, "reason", rej.Reason)
		return &SSOError{Rejection: d.Events[0].(signin.SSORejected), PartnerID: req.PartnerID}
	}

	if cb.Error != "" {
		return SignedIn{}, reject(signin.SSORejected{Reason: signin.ReasonProviderError, Detail: strings.TrimSpace(cb.Error + ": " + cb.ErrorDescription)})
	}
	claims, err := s.SSO[method].Exchange(ctx, cb.Code, ck.Verifier, ck.Nonce)
	var refused *sso.Error
	if errors.As(err, &refused) {
		return SignedIn{}, reject(signin.SSORejected{Reason: refused.Reason, Detail: refused.Detail,
			Email: refused.Claims.Email, Subject: refused.Claims.Subject, TenantID: refused.Claims.TenantID})
	}
	if err != nil {
		return SignedIn{}, err
	}

	linked, err := s.Dir.LinkedLearners(ctx, string(method), claims.Subject)
	if err != nil {
		return SignedIn{}, err
	}
	var byEmail []directory.Learner
	if claims.Email != "" {
		if byEmail, err = s.Dir.LearnersByEmail(ctx, claims.Email); err != nil {
			return SignedIn{}, err
		}
	}
	decision := identity.Decide(claims, candidates(linked), candidates(byEmail))
	if !decision.Accepted() {
		return SignedIn{}, reject(decision.Rejection)
	}
	email := ""
	for _, l := range append(linked, byEmail...) {
		if l.ID == decision.LearnerIDs[0] {
			email = l.Email
			break
		}
	}
	red := signin.Redemption{SessionRef: newRef()}
	signed, err := eventstore.Execute(ctx, s.Repo, stream, meta, func() *signin.Request { return &signin.Request{} },
		func(r *signin.Request) ([]domain.Event, error) {
			return r.CompleteSSO(cb.State, email, decision.LearnerIDs, red, now)
		})
	if errors.Is(err, signin.ErrSSO) { // a parallel answer for the same state won
		return SignedIn{}, &SSOError{Rejection: signed.Events[0].(signin.SSORejected), PartnerID: req.PartnerID}
	}
	if err != nil {
		return SignedIn{}, err
	}
	pos := signed.Result.Position
	if len(decision.Link) > 0 {
		l, err := eventstore.Execute(ctx, s.Repo, identity.Stream(method, claims.Subject), meta, func() *identity.Identity { return &identity.Identity{} },
			func(i *identity.Identity) ([]domain.Event, error) {
				return identity.Link(i, claims, decision.Link, now), nil
			})
		if err != nil {
			return SignedIn{}, err
		}
		if len(l.Events) > 0 {
			pos = l.Result.Position
		}
	}
	return s.begin(ctx, ck.RequestID, signed.Events[0].(signin.SignedIn), pos, meta, "")
}

// rejectStray records an answer that belongs to no sign-in this browser
// started. The request the cookie names (if any) is spent too: whoever
// sent the forged answer must not get a second try at it.
func (s *Service) rejectStray(ctx context.Context, method signin.Method, ck *SSOCookie, meta eventstore.Metadata, now time.Time) error {
	rej := signin.SSORejected{Reason: signin.ReasonBadState, Provider: method, At: now, Detail: "no sign-in was started in this browser"}
	partner := ""
	if ck != nil && ck.RequestID != "" {
		rej.Detail = "the answer's state is not this browser's"
		var req signin.Request
		d, err := eventstore.Execute(ctx, s.Repo, signin.Stream(ck.RequestID), meta, func() *signin.Request { return &signin.Request{} },
			func(r *signin.Request) ([]domain.Event, error) {
				req = *r
				if r.ID == "" || r.Redeemed || r.SSOFinished {
					return nil, nil
				}
				return r.RejectSSO(rej, now), signin.ErrSSO
			})
		if err != nil && !errors.Is(err, signin.ErrSSO) {
			return err
		}
		if len(d.Events) > 0 {
			return &SSOError{Rejection: d.Events[0].(signin.SSORejected), PartnerID: req.PartnerID}
		}
		partner = req.PartnerID
	}
	rej.RequestID = uuid.NewString()
	if _, err := s.Repo.Append(ctx, signin.Stream(rej.RequestID), eventstore.NoStream, meta, rej); err != nil {
		return err
	}
	s.Log.Info("sign-in with provider refused", "request_id", rej.RequestID, "provider", method, "reason", rej.Reason)
	return &SSOError{Rejection: rej, PartnerID: partner}
}

func candidates(ls []directory.Learner) []identity.Candidate {
	out := make([]identity.Candidate, 0, len(ls))
	for _, l := range ls {
		out = append(out, identity.Candidate{LearnerID: l.ID, Source: dirdomain.Source(l.Source),
			MicrosoftTenantID: l.Directory.MicrosoftTenantID, GoogleDomain: l.Directory.GoogleDomain})
	}
	return out
}
