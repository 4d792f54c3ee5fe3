package sso_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/awareportal/portal/domain/signin"
	"github.com/awareportal/portal/internal/clock"
	"github.com/awareportal/portal/internal/devidp"
	"github.com/awareportal/portal/internal/seed"
	"github.com/awareportal/portal/internal/sso"
)

const redirect = "http://localhost:1/signin/sso/callback"

type fixture struct {
	idp       *devidp.Server
	clock     *clock.Fake
	microsoft *sso.Provider
	google    *sso.Provider
}

func setup(t *testing.T) fixture {
	t.Helper()
	clk := clock.NewFake(time.Now())
	reg := devidp.Registration{ClientID: "portal", ClientSecret: "s3cret", RedirectURI: redirect}
	idp, err := devidp.Start(devidp.Options{Clock: clk, Identities: devidp.Demo(), Microsoft: reg, Google: reg})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = idp.Close(context.Background()) })
	return fixture{
		idp: idp, clock: clk,
		microsoft: sso.New(sso.Config{Method: signin.MethodMicrosoft, ClientID: "portal", ClientSecret: "s3cret", Issuer: idp.MicrosoftIssuer(), DiscoveryURL: idp.MicrosoftDiscoveryURL(), RedirectURI: redirect}, nil),
		google:    sso.New(sso.Config{Method: signin.MethodGoogle, ClientID: "portal", ClientSecret: "s3cret", Issuer: idp.GoogleIssuer(), RedirectURI: redirect}, nil),
	}
}

// pick goes to the provider and picks a demo identity; it returns the
// callback's query (code and state).
func pick(t *testing.T, authURL, who string) url.Values {
	t.Helper()
	back, err := devidp.Pick(context.Background(), authURL, who, redirect)
	if err != nil {
		t.Fatal(err)
	}
	return back.Query()
}

func signIn(t *testing.T, p *sso.Provider, who string, tamper func(string) string) (url.Values, error) {
	t.Helper()
	ctx := context.Background()
	authURL, err := p.AuthURL(ctx, "state-1", "nonce-1", "verifier-0123456789-0123456789-0123456789-xyz", "")
	if err != nil {
		t.Fatal(err)
	}
	if tamper != nil {
		authURL = tamper(authURL)
	}
	q := pick(t, authURL, who)
	if q.Get("state") != "state-1" {
		t.Fatalf("state = %q", q.Get("state"))
	}
	return q, nil
}

func TestMicrosoftTenantIssuer(t *testing.T) {
	f := setup(t)
	q, _ := signIn(t, f.microsoft, "riley", nil)
	c, err := f.microsoft.Exchange(context.Background(), q.Get("code"), "verifier-0123456789-0123456789-0123456789-xyz", "nonce-1")
	if err != nil {
		t.Fatal(err)
	}
	if c.TenantID != seed.AcmeTenantID || c.Subject != seed.AcmeTenantID+":9a3e1c52-0001-4e7b-9d11-acme00000001" || c.Email != seed.MicrosoftEmail || c.EmailUnverified {
		t.Fatalf("claims = %+v", c)
	}

	q, _ = signIn(t, f.microsoft, "mallory", nil)
	c, err = f.microsoft.Exchange(context.Background(), q.Get("code"), "verifier-0123456789-0123456789-0123456789-xyz", "nonce-1")
	if err != nil {
		t.Fatal(err)
	}
	if c.TenantID != devidp.OtherTenantID || !strings.HasPrefix(c.Subject, devidp.OtherTenantID+":") {
		t.Fatalf("another tenant's token: %+v", c)
	}

	q, _ = signIn(t, f.microsoft, "riley-unverified", nil)
	if c, err = f.microsoft.Exchange(context.Background(), q.Get("code"), "verifier-0123456789-0123456789-0123456789-xyz", "nonce-1"); err != nil || !c.EmailUnverified {
		t.Fatalf("xms_edov false: %+v %v", c, err)
	}
}

func TestTenantOf(t *testing.T) {
	tmpl := "https://login.microsoftonline.com/{tenantid}/v2.0"
	for iss, want := range map[string]string{
		"https://login.microsoftonline.com/abc/v2.0":          "abc",
		"https://login.microsoftonline.com/v2.0":              "",
		"https://login.microsoftonline.com/a/b/v2.0":          "",
		"https://evil.example/login.microsoftonline.com/abc/": "",
	} {
		got, ok := sso.TenantOf(tmpl, iss)
		if got != want || ok != (want != "") {
			t.Errorf("TenantOf(%q) = %q, %v; want %q", iss, got, ok, want)
		}
	}
}

func TestGoogleClaims(t *testing.T) {
	f := setup(t)
	q, _ := signIn(t, f.google, "avery", nil)
	c, err := f.google.Exchange(context.Background(), q.Get("code"), "verifier-0123456789-0123456789-0123456789-xyz", "nonce-1")
	if err != nil {
		t.Fatal(err)
	}
	if c.Subject != "104857600000000000001" || c.HostedDomain != "acme.example" || c.EmailUnverified || c.Email != seed.GoogleEmail {
		t.Fatalf("claims = %+v", c)
	}
	q, _ = signIn(t, f.google, "avery-unverified", nil)
	if c, err = f.google.Exchange(context.Background(), q.Get("code"), "verifier-0123456789-0123456789-0123456789-xyz", "nonce-1"); err != nil || !c.EmailUnverified {
		t.Fatalf("email_verified false: %+v %v", c, err)
	}
}

func thenRefused(t *testing.T, err error, reason signin.Reason) {
	t.Helper()
	var e *sso.Error
	if !errors.As(err, &e) || e.Reason != reason {
		t.Fatalf("err = %v, want refusal %s", err, reason)
	}
}

func TestRefusals(t *testing.T) {
	f := setup(t)
	const verifier = "verifier-0123456789-0123456789-0123456789-xyz"
	ctx := context.Background()

	t.Run("a token minted for another nonce", func(t *testing.T) {
		q, _ := signIn(t, f.microsoft, "riley", func(u string) string { return strings.Replace(u, "nonce=nonce-1", "nonce=attacker", 1) })
		_, err := f.microsoft.Exchange(ctx, q.Get("code"), verifier, "nonce-1")
		thenRefused(t, err, signin.ReasonBadNonce)
	})
	t.Run("the code with the wrong PKCE verifier", func(t *testing.T) {
		q, _ := signIn(t, f.google, "avery", nil)
		_, err := f.google.Exchange(ctx, q.Get("code"), verifier+"-not", "nonce-1")
		thenRefused(t, err, signin.ReasonCodeRejected)
	})
	t.Run("an expired code", func(t *testing.T) {
		q, _ := signIn(t, f.google, "avery", nil)
		f.clock.Advance(devidp.CodeTTL + time.Second)
		_, err := f.google.Exchange(ctx, q.Get("code"), verifier, "nonce-1")
		thenRefused(t, err, signin.ReasonCodeRejected)
	})
	t.Run("a code used twice", func(t *testing.T) {
		q, _ := signIn(t, f.google, "avery", nil)
		if _, err := f.google.Exchange(ctx, q.Get("code"), verifier, "nonce-1"); err != nil {
			t.Fatal(err)
		}
		_, err := f.google.Exchange(ctx, q.Get("code"), verifier, "nonce-1")
		thenRefused(t, err, signin.ReasonCodeRejected)
	})
	t.Run("a token from a provider that is not the configured issuer", func(t *testing.T) {
		// Google's flavour signs with its own key and issuer: a relying party
		// configured for Microsoft must not accept it.
		wrong := sso.New(sso.Config{Method: signin.MethodMicrosoft, ClientID: "portal", ClientSecret: "s3cret", Issuer: f.idp.MicrosoftIssuer(),
			DiscoveryURL: f.idp.GoogleIssuer() + "/.well-known/openid-configuration", RedirectURI: redirect}, nil)
		_, err := wrong.AuthURL(ctx, "s", "n", verifier, "")
		if err == nil {
			t.Fatal("discovery of another issuer accepted")
		}
	})
}
