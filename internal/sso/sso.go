// Package sso is the portal's side of "Sign in with Microsoft" and "Sign in
// with Google": an OpenID Connect relying party (zitadel/oidc) using the
// authorization code flow with PKCE, that checks state (in the caller),
// nonce, and the ID token's signature, issuer, audience and expiry, then
// turns the token into identity.Claims.
//
// Microsoft is used multi-tenant: the discovery document names the issuer
// "https://login.microsoftonline.com/{tenantid}/v2.0", so the token's issuer
// is checked against that template and then against the token's own tid.
// The email claim is not trusted here; identity.Decide trusts it only from
// the tenant a client is bound to. preferred_username and upn are never read.
package sso

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/zitadel/oidc/v3/pkg/client/rp"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"golang.org/x/oauth2"

	"github.com/awareportal/portal/domain/directory"
	"github.com/awareportal/portal/domain/identity"
	"github.com/awareportal/portal/domain/signin"
)

// TenantPlaceholder is where a Microsoft issuer template has the tenant id.
const TenantPlaceholder = "{tenantid}"

// Config is one provider's registration.
type Config struct {
	Method       signin.Method // signin.MethodMicrosoft or signin.MethodGoogle
	ClientID     string
	ClientSecret string
	// Issuer is the issuer the discovery document names: Google's
	// https://accounts.google.com, or Microsoft's template with {tenantid}.
	Issuer string
	// DiscoveryURL is where the discovery document is (default: the
	// issuer's /.well-known/openid-configuration).
	DiscoveryURL string
	RedirectURI  string
}

// Error is a refused sign-in with the reason to record.
type Error struct {
	Reason signin.Reason
	Detail string
	Claims identity.Claims // what the token said, when there was a token
	err    error
}

func (e *Error) Error() string {
	return fmt.Sprintf("sign-in with provider refused (%s): %s", e.Reason, e.Detail)
}

func (e *Error) Unwrap() error { return e.err }

// Provider is one identity provider. The discovery document is fetched on
// first use (so the portal starts while a provider is unreachable) and kept.
type Provider struct {
	cfg    Config
	client *http.Client

	mu   sync.Mutex
	rp   rp.RelyingParty
	next time.Time // no new discovery attempt before this, after a failure
}

// New returns a provider; nothing is fetched yet.
func New(cfg Config, client *http.Client) *Provider {
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	return &Provider{cfg: cfg, client: client}
}

// Origin is the scheme and host of the provider's sign-in pages (taken
// from the discovery URL, or the issuer), for the portal's CSP.
func (p *Provider) Origin() string {
	raw := p.cfg.DiscoveryURL
	if raw == "" {
		raw = p.cfg.Issuer
	}
	u, err := url.Parse(strings.ReplaceAll(raw, TenantPlaceholder, "t"))
	if err != nil || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// Method is the sign-in method this provider gives.
func (p *Provider) Method() signin.Method { return p.cfg.Method }

type nonceKey struct{}

func (p *Provider) relyingParty(ctx context.Context) (rp.RelyingParty, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.rp != nil {
		return p.rp, nil
	}
	if time.Now().Before(p.next) {
		return nil, fmt.Errorf("%s discovery failed recently; retrying shortly", p.cfg.Method)
	}
	// One WithVerifierOpts: a second call would replace the first's options.
	verify := []rp.VerifierOption{
		// The nonce of this sign-in travels in the context: without this the
		// library would not check it.
		rp.WithNonce(func(ctx context.Context) string { n, _ := ctx.Value(nonceKey{}).(string); return n }),
		rp.WithIssuedAtOffset(2 * time.Minute),
	}
	if strings.Contains(p.cfg.Issuer, TenantPlaceholder) {
		tmpl := p.cfg.Issuer
		verify = append(verify, rp.WithISSVerifier(func(iss string) error {
			if _, ok := TenantOf(tmpl, iss); !ok {
				return fmt.Errorf("%w: %q does not fit %q", oidc.ErrIssuerInvalid, iss, tmpl)
			}
			return nil
		}))
	}
	opts := []rp.Option{rp.WithHTTPClient(p.client), rp.WithVerifierOpts(verify...)}
	if p.cfg.DiscoveryURL != "" {
		opts = append(opts, rp.WithCustomDiscoveryUrl(p.cfg.DiscoveryURL))
	}
	party, err := rp.NewRelyingPartyOIDC(ctx, p.cfg.Issuer, p.cfg.ClientID, p.cfg.ClientSecret, p.cfg.RedirectURI, []string{oidc.ScopeOpenID, oidc.ScopeEmail, oidc.ScopeProfile}, opts...)
	if err != nil {
		p.next = time.Now().Add(10 * time.Second)
		return nil, fmt.Errorf("%s discovery: %w", p.cfg.Method, err)
	}
	p.rp = party
	return party, nil
}

// TenantOf returns the tenant id an issuer has where the template has
// {tenantid}; ok is false when the issuer does not fit the template.
func TenantOf(template, iss string) (string, bool) {
	prefix, suffix, found := strings.Cut(template, TenantPlaceholder)
	if !found || !strings.HasPrefix(iss, prefix) || !strings.HasSuffix(iss, suffix) || len(iss) <= len(prefix)+len(suffix) {
		return "", false
	}
	tid := iss[len(prefix) : len(iss)-len(suffix)]
	if strings.ContainsAny(tid, "/?#") {
		return "", false
	}
	return tid, true
}

// AuthURL is where to send the browser: the provider's sign-in page, asked
// for a code bound to the PKCE verifier and an ID token carrying nonce.
func (p *Provider) AuthURL(ctx context.Context, state, nonce, verifier, loginHint string) (string, error) {
	party, err := p.relyingParty(ctx)
	if err != nil {
		return "", err
	}
	opts := []rp.AuthURLOpt{
		rp.WithCodeChallenge(oidc.NewSHACodeChallenge(verifier)),
		rp.AuthURLOpt(rp.WithURLParam("nonce", nonce)),
		rp.AuthURLOpt(rp.WithPromptURLParam(oidc.PromptSelectAccount)),
	}
	if loginHint != "" {
		opts = append(opts, rp.AuthURLOpt(rp.WithURLParam("login_hint", loginHint)))
	}
	return rp.AuthURL(state, party, opts...), nil
}

// Exchange trades the code for tokens, verifies the ID token and returns
// its claims. Every refusal is an *Error with its reason.
func (p *Provider) Exchange(ctx context.Context, code, verifier, nonce string) (identity.Claims, error) {
	party, err := p.relyingParty(ctx)
	if err != nil {
		return identity.Claims{}, &Error{Reason: signin.ReasonProviderError, Detail: err.Error(), err: err}
	}
	ctx = context.WithValue(ctx, nonceKey{}, nonce)
	tokens, err := rp.CodeExchange[*oidc.IDTokenClaims](ctx, code, party, rp.WithCodeVerifier(verifier))
	var retrieve *oauth2.RetrieveError
	switch {
	case errors.As(err, &retrieve):
		return identity.Claims{}, &Error{Reason: signin.ReasonCodeRejected, Detail: strings.TrimSpace(retrieve.ErrorCode + " " + retrieve.ErrorDescription), err: err}
	case errors.Is(err, oidc.ErrNonceInvalid):
		return identity.Claims{}, &Error{Reason: signin.ReasonBadNonce, Detail: "the ID token was not minted for this sign-in: " + err.Error(), err: err}
	case err != nil:
		return identity.Claims{}, &Error{Reason: signin.ReasonTokenInvalid, Detail: err.Error(), err: err}
	}
	return p.claims(tokens.IDTokenClaims)
}

func (p *Provider) claims(t *oidc.IDTokenClaims) (identity.Claims, error) {
	c := identity.Claims{Provider: p.cfg.Method, Subject: t.Subject}
	if e, err := directory.NormalizeEmail(t.Email); err == nil {
		c.Email = e
	}
	switch p.cfg.Method {
	case signin.MethodMicrosoft:
		tid, _ := t.Claims["tid"].(string)
		oid, _ := t.Claims["oid"].(string)
		c.TenantID = tid
		fromIss, ok := TenantOf(p.cfg.Issuer, t.Issuer)
		if !ok || tid == "" || fromIss != tid {
			return c, &Error{Reason: signin.ReasonTokenInvalid, Detail: fmt.Sprintf("issuer %q is not the issuer of tenant %q", t.Issuer, tid), Claims: c}
		}
		if oid == "" {
			return c, &Error{Reason: signin.ReasonTokenInvalid, Detail: "no oid claim", Claims: c}
		}
		// A user is its tenant and object id: sub is per application.
		c.Subject = tid + ":" + oid
		if v, present := t.Claims["xms_edov"]; present && !truthy(v) {
			c.EmailUnverified = true
		}
	case signin.MethodGoogle:
		c.EmailUnverified = !bool(t.EmailVerified)
		c.HostedDomain, _ = t.Claims["hd"].(string)
		c.HostedDomain = strings.ToLower(c.HostedDomain)
	}
	if c.Subject == "" {
		return c, &Error{Reason: signin.ReasonTokenInvalid, Detail: "no subject", Claims: c}
	}
	return c, nil
}

// truthy reads an optional boolean claim, which providers send as a JSON
// boolean, "true"/"1" or 1.
func truthy(v any) bool {
	switch x := v.(type) {
	case bool:
		return x
	case string:
		return x == "true" || x == "1"
	case float64:
		return x == 1
	}
	return false
}
