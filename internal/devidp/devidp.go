// Package devidp is a local OpenID Provider for the demo and the tests,
// built on zitadel/oidc's op package. It plays Microsoft Entra ID
// (multi-tenant: per-tenant issuers, tid, oid, email, xms_edov) and Google
// (sub, email, email_verified, hd), with a page to pick which demo identity
// to be. It is dev-only: the portal starts it only in embedded mode when no
// real provider is configured, and it listens on loopback.
package devidp

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/awareportal/portal/internal/clock"
)

// Flavor is which provider the local one plays.
type Flavor string

const (
	Microsoft Flavor = "microsoft"
	Google    Flavor = "google"
)

// Identity is a demo account at the local provider.
type Identity struct {
	Key    string // stable id on the picker page
	Flavor Flavor
	Label  string // what the picker shows
	Note   string // what will happen, for the demo
	Name   string
	Email  string
	// Subject is the Microsoft object id (oid) or the Google sub.
	Subject    string
	TenantID   string // Microsoft
	TenantName string // Microsoft, for the picker
	// EmailVerified is Google's email_verified, or Microsoft's xms_edov;
	// nil leaves the claim out.
	EmailVerified *bool
	HostedDomain  string // Google hd
}

// sub is the ID token's sub: Google's own, Microsoft's per-application one.
func (i Identity) sub() string {
	if i.Flavor == Microsoft {
		return "ms-pairwise-" + i.Subject
	}
	return i.Subject
}

// Registration is the portal's registration with one flavor.
type Registration struct {
	ClientID, ClientSecret, RedirectURI string
}

// Options configures the local provider.
type Options struct {
	Listen     string // default 127.0.0.1:0
	Clock      clock.Clock
	Identities []Identity
	Microsoft  Registration
	Google     Registration
	Log        *slog.Logger
	// SigningKey signs the tokens (nil: a new key per flavor).
	SigningKey *rsa.PrivateKey
}

// Server is the running local provider.
type Server struct {
	URL   string // http://127.0.0.1:port
	srv   *http.Server
	done  chan error
	close sync.Once
	err   error
}

// MicrosoftIssuer is the issuer template its discovery document names,
// like Entra's https://login.microsoftonline.com/{tenantid}/v2.0.
func (s *Server) MicrosoftIssuer() string { return s.URL + "/microsoft/{tenantid}/v2.0" }

// MicrosoftDiscoveryURL is the multi-tenant ("organizations") discovery URL.
func (s *Server) MicrosoftDiscoveryURL() string {
	return s.URL + msBase + oidc.DiscoveryEndpoint
}

// TenantIssuer is the issuer of tokens for users of one tenant.
func (s *Server) TenantIssuer(tid string) string { return s.URL + "/microsoft/" + tid + "/v2.0" }

// GoogleIssuer is the issuer of the Google flavor.
func (s *Server) GoogleIssuer() string { return s.URL + "/google" }

const msBase = "/microsoft/organizations/v2.0"

// Start listens and serves until Close.
func Start(o Options) (*Server, error) {
	if o.Listen == "" {
		o.Listen = "127.0.0.1:0"
	}
	if o.Clock == nil {
		o.Clock = clock.System{}
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	ln, err := net.Listen("tcp", o.Listen)
	if err != nil {
		return nil, fmt.Errorf("local identity provider: %w", err)
	}
	s := &Server{URL: "http://" + ln.Addr().String(), done: make(chan error, 1)}
	mux := http.NewServeMux()
	for _, f := range []struct {
		flavor Flavor
		reg    Registration
	}{{Microsoft, o.Microsoft}, {Google, o.Google}} {
		if err := s.mount(mux, f.flavor, f.reg, o); err != nil {
			ln.Close()
			return nil, err
		}
	}
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { s.done <- s.srv.Serve(ln) }()
	o.Log.Info("local identity provider (dev only) playing Microsoft and Google", "url", s.URL)
	return s, nil
}

// Close stops the server; closing again returns the first answer.
func (s *Server) Close(ctx context.Context) error {
	s.close.Do(func() {
		s.err = s.srv.Shutdown(ctx)
		if serveErr := <-s.done; !errors.Is(serveErr, http.ErrServerClosed) && s.err == nil {
			s.err = serveErr
		}
	})
	return s.err
}

func (s *Server) mount(mux *http.ServeMux, flavor Flavor, reg Registration, o Options) error {
	key := o.SigningKey
	if key == nil {
		var err error
		if key, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			return err
		}
	}
	kid := make([]byte, 8)
	if _, err := rand.Read(kid); err != nil {
		return err
	}
	prefix := "/google"
	if flavor == Microsoft {
		prefix = msBase
	}
	loginPath := "/" + string(flavor) + "/login"
	st := &storage{
		flavor: flavor, identities: o.Identities, clock: o.Clock,
		key:      signingKey{id: hex.EncodeToString(kid), key: key},
		client:   &client{id: reg.ClientID, secret: reg.ClientSecret, redirectURIs: []string{reg.RedirectURI}, loginURL: s.URL + loginPath},
		requests: map[string]*authRequest{}, codes: map[string]string{},
	}
	var cryptoKey [32]byte
	if _, err := rand.Read(cryptoKey[:]); err != nil {
		return err
	}
	base := s.URL + prefix
	issuer := func(r *http.Request) string {
		if flavor != Microsoft || r.URL.Path != "/oauth/token" {
			return base
		}
		// Entra issues tokens under the user's tenant's issuer, though the
		// token endpoint is the shared one.
		if err := r.ParseForm(); err == nil {
			if a, err := st.AuthRequestByCode(r.Context(), r.PostForm.Get("code")); err == nil && a.(*authRequest).who != nil {
				return s.TenantIssuer(a.(*authRequest).who.TenantID)
			}
		}
		return base
	}
	provider, err := op.NewProvider(&op.Config{CryptoKey: cryptoKey, CodeMethodS256: true, SupportedScopes: []string{"openid", "email", "profile"}}, st,
		func(bool) (op.IssuerFromRequest, error) { return issuer, nil }, op.WithAllowInsecure(), op.WithLogger(o.Log))
	if err != nil {
		return fmt.Errorf("local %s provider: %w", flavor, err)
	}
	if flavor == Microsoft {
		// The multi-tenant discovery document names a template issuer.
		mux.HandleFunc("GET "+prefix+oidc.DiscoveryEndpoint, func(w http.ResponseWriter, r *http.Request) {
			cfg := op.CreateDiscoveryConfig(op.ContextWithIssuer(r.Context(), base), provider, st)
			cfg.Issuer = s.MicrosoftIssuer()
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(cfg)
		})
	}
	mux.Handle(prefix+"/", http.StripPrefix(prefix, provider))
	pick := &picker{flavor: flavor, st: st, callback: func(ctx context.Context, id string) string {
		return op.AuthCallbackURL(provider)(op.ContextWithIssuer(ctx, base), id)
	}, provider: provider, log: o.Log}
	mux.HandleFunc("GET "+loginPath, pick.show)
	mux.HandleFunc("POST "+loginPath, pick.choose)
	return nil
}

// picker is the page where a demo user picks who to be.
type picker struct {
	flavor   Flavor
	st       *storage
	provider *op.Provider
	callback func(context.Context, string) string
	log      *slog.Logger
}

type pickerRow struct {
	Identity
	Hinted bool
}

func (p *picker) show(w http.ResponseWriter, r *http.Request) {
	a, err := p.st.request(r.URL.Query().Get("id"))
	if err != nil {
		http.Error(w, "This sign-in has expired: go back to the portal and start again.", http.StatusNotFound)
		return
	}
	data := struct {
		Provider, ID string
		Rows         []pickerRow
	}{Provider: "Microsoft", ID: a.id}
	if p.flavor == Google {
		data.Provider = "Google"
	}
	for _, i := range p.st.identities {
		if i.Flavor == p.flavor {
			data.Rows = append(data.Rows, pickerRow{Identity: i, Hinted: a.loginHint != "" && strings.EqualFold(a.loginHint, i.Email)})
		}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' http://localhost:* http://127.0.0.1:*")
	if err := pickerPage.Execute(w, data); err != nil {
		p.log.Error("local identity provider page", "err", err)
	}
}

func (p *picker) choose(w http.ResponseWriter, r *http.Request) {
	id := r.PostFormValue("id")
	if r.PostFormValue("cancel") != "" {
		a, err := p.st.request(id)
		if err != nil {
			http.Error(w, err.Error(), http.StatusNotFound)
			return
		}
		// Answer access_denied to the relying party. op.AuthRequestError would
		// do the same but log the request's state through the default logger.
		e := oidc.ErrAccessDenied().WithDescription("the user cancelled")
		e.State = a.GetState()
		to, err := op.AuthResponseURL(a.GetRedirectURI(), a.GetResponseType(), "", e, p.provider.Encoder())
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		http.Redirect(w, r, to, http.StatusFound)
		return
	}
	if _, err := p.st.choose(id, r.PostFormValue("who")); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	http.Redirect(w, r, p.callback(r.Context(), id), http.StatusSeeOther)
}

var pickerPage = template.Must(template.New("picker").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in with {{.Provider}} (local test provider)</title>
<style>
body{font:16px/1.45 system-ui,sans-serif;background:#f3f4f6;margin:0;color:#1f2937}
main{max-width:560px;margin:2rem auto;padding:0 1rem}
.dev{background:#fef3c7;border:1px solid #f59e0b;border-radius:8px;padding:.75rem 1rem;margin-bottom:1rem;font-size:.9rem}
.card{background:#fff;border-radius:12px;box-shadow:0 1px 3px #0002;padding:1.5rem}
h1{font-size:1.35rem;margin:0 0 1rem}
button.who{display:block;width:100%;text-align:left;background:#fff;border:1px solid #d1d5db;border-radius:8px;padding:.7rem .9rem;margin:.5rem 0;cursor:pointer;font:inherit}
button.who:hover,button.who:focus{border-color:#2563eb;outline:2px solid #2563eb33}
.hint{border-color:#2563eb!important;background:#eff6ff!important}
.email{font-weight:600}.note{color:#4b5563;font-size:.88rem}
.cancel{background:none;border:0;color:#2563eb;cursor:pointer;font:inherit;padding:.5rem 0}
</style></head><body><main>
<p class="dev"><strong>Local test identity provider — development only.</strong> It plays {{.Provider}} so the portal's "Sign in with {{.Provider}}" can be tried without a real account. It never runs when real {{.Provider}} sign-in is configured.</p>
<div class="card">
<h1>Pick who to sign in as</h1>
<form method="post">
<input type="hidden" name="id" value="{{.ID}}">
{{range .Rows}}<button class="who{{if .Hinted}} hint{{end}}" name="who" value="{{.Key}}">
<span class="email">{{.Label}}</span><br><span>{{.Email}}{{if .TenantName}} · tenant {{.TenantName}}{{end}}{{if .HostedDomain}} · hd {{.HostedDomain}}{{end}}</span><br>
<span class="note">{{.Note}}</span></button>
{{end}}
<button class="cancel" name="cancel" value="1">Cancel and go back</button>
</form></div></main></body></html>`))

// Pick does without a browser what a person does at the provider: open the
// authorize URL, pick the identity who ("" cancels) and follow the
// provider's redirects until one leaves for the relying party (an address
// starting with back). It returns that address. For tests.
func Pick(ctx context.Context, authorizeURL, who, back string) (*url.URL, error) {
	c := &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	step := func(req *http.Request, err error) (*url.URL, error) {
		if err != nil {
			return nil, err
		}
		res, err := c.Do(req.WithContext(ctx))
		if err != nil {
			return nil, err
		}
		res.Body.Close()
		loc, err := res.Location()
		if err != nil {
			return nil, fmt.Errorf("%s %s: %s, no redirect", req.Method, req.URL.Path, res.Status)
		}
		return loc, nil
	}
	login, err := step(http.NewRequest(http.MethodGet, authorizeURL, nil))
	if err != nil {
		return nil, err
	}
	form := url.Values{"id": {login.Query().Get("id")}, "who": {who}}
	if who == "" {
		form = url.Values{"id": {login.Query().Get("id")}, "cancel": {"1"}}
	}
	req, err := http.NewRequest(http.MethodPost, login.String(), strings.NewReader(form.Encode()))
	if req != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	loc, err := step(req, err)
	for i := 0; err == nil && !strings.HasPrefix(loc.String(), back); i++ {
		if i == 5 {
			return nil, fmt.Errorf("no redirect to %s", back)
		}
		loc, err = step(http.NewRequest(http.MethodGet, loc.String(), nil))
	}
	return loc, err
}
