package config

import (
	"strings"
	"testing"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestDefaults(t *testing.T) {
	c, err := Load(env(map[string]string{"PORTAL_DATA_DIR": t.TempDir()}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != "127.0.0.1:8080" || c.BaseURL.String() != "http://localhost:8080" || !c.Embedded() || !c.DevMail() {
		t.Fatalf("defaults: %+v base=%s", c, c.BaseURL)
	}
	if err := c.LoadSecret(); err != nil {
		t.Fatal(err)
	}
	first := string(c.Secret)
	c.Secret = nil
	if err := c.LoadSecret(); err != nil || string(c.Secret) != first {
		t.Fatal("secret not persisted")
	}
}

func TestEveryProblemIsReported(t *testing.T) {
	_, err := Load(env(map[string]string{
		"PORTAL_LISTEN":     "nonsense",
		"PORTAL_BASE_URL":   "http://training.example.com",
		"PORTAL_SMTP_URL":   "ftp://mail",
		"PORTAL_LOG_LEVEL":  "loud",
		"PORTAL_SECRET_KEY": "short",
	}))
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"PORTAL_LISTEN", "PORTAL_BASE_URL", "must be https", "PORTAL_SMTP_URL", "PORTAL_LOG_LEVEL", "PORTAL_SECRET_KEY"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %s:\n%v", want, err)
		}
	}
}

func TestExternalDatabaseNeedsRealSMTP(t *testing.T) {
	_, err := Load(env(map[string]string{"DATABASE_URL": "postgres://x/y", "PORTAL_BASE_URL": "https://t.example.com"}))
	if err == nil || !strings.Contains(err.Error(), "PORTAL_SMTP_URL is required") {
		t.Fatalf("err = %v", err)
	}
}

func TestIdentityProviders(t *testing.T) {
	c, err := Load(env(map[string]string{"PORTAL_DATA_DIR": t.TempDir()}))
	if err != nil {
		t.Fatal(err)
	}
	if !c.DevIdP || c.Microsoft.Enabled() || c.Google.Enabled() {
		t.Fatalf("embedded default: dev IdP %v, microsoft %+v, google %+v", c.DevIdP, c.Microsoft, c.Google)
	}

	c, err = Load(env(map[string]string{
		"PORTAL_DATA_DIR":            t.TempDir(),
		"PORTAL_MICROSOFT_CLIENT_ID": "app-id", "PORTAL_MICROSOFT_CLIENT_SECRET": "s",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.DevIdP {
		t.Fatal("the local identity provider started beside a real Microsoft registration")
	}
	if c.Microsoft.Issuer != MicrosoftIssuer || c.Microsoft.DiscoveryURL != MicrosoftDiscoveryURL {
		t.Fatalf("microsoft defaults: %+v", c.Microsoft)
	}
	if c.Google.Enabled() || c.Google.Issuer != GoogleIssuer {
		t.Fatalf("google: %+v", c.Google)
	}

	_, err = Load(env(map[string]string{
		"DATABASE_URL": "postgres://x/y", "PORTAL_BASE_URL": "https://t.example.com", "PORTAL_SMTP_URL": "smtps://mail.example.com",
		"PORTAL_DEV_IDP":             "true",
		"PORTAL_GOOGLE_CLIENT_ID":    "only-the-id",
		"PORTAL_MICROSOFT_CLIENT_ID": "a", "PORTAL_MICROSOFT_CLIENT_SECRET": "b", "PORTAL_MICROSOFT_ISSUER": "https://login.microsoftonline.com/common/v2.0",
	}))
	for _, want := range []string{"PORTAL_DEV_IDP=true", "PORTAL_GOOGLE_CLIENT_ID and PORTAL_GOOGLE_CLIENT_SECRET", "want a multi-tenant issuer template"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %q: %v", want, err)
		}
	}
}

func TestTrustedProxies(t *testing.T) {
	c, err := Load(env(map[string]string{"PORTAL_DATA_DIR": t.TempDir(), "PORTAL_TRUSTED_PROXIES": "10.0.0.0/8, 192.0.2.7 ,::1,10.1.2.3/8"}))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range c.TrustedProxies {
		got = append(got, p.String())
	}
	if strings.Join(got, " ") != "10.0.0.0/8 192.0.2.7/32 ::1/128 10.0.0.0/8" {
		t.Fatalf("trusted proxies: %v", got)
	}
	if _, err := Load(env(map[string]string{"PORTAL_DATA_DIR": t.TempDir(), "PORTAL_TRUSTED_PROXIES": "10.0.0.0/8, proxy.internal"})); err == nil || !strings.Contains(err.Error(), `PORTAL_TRUSTED_PROXIES: "proxy.internal" is not an IP address`) {
		t.Fatalf("a host name must be refused: %v", err)
	}
}
