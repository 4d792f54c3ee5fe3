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

func TestEventStore(t *testing.T) {
	cases := []struct {
		name      string
		env       map[string]string
		store     string
		url       string
		wantError string
	}{
		{"default", nil, EventStorePostgres, "", ""},
		{"postgres", map[string]string{"PORTAL_EVENTSTORE": "postgres"}, EventStorePostgres, "", ""},
		{"kurrentdb scheme mapped", map[string]string{"PORTAL_EVENTSTORE": "kurrentdb", "KURRENTDB_URL": "kurrentdb://127.0.0.1:2113?tls=false"}, EventStoreKurrentDB, "esdb://127.0.0.1:2113?tls=false", ""},
		{"discover scheme mapped", map[string]string{"PORTAL_EVENTSTORE": "kurrentdb", "KURRENTDB_URL": "kurrentdb+discover://db.example:2113"}, EventStoreKurrentDB, "esdb+discover://db.example:2113", ""},
		{"esdb kept", map[string]string{"PORTAL_EVENTSTORE": "kurrentdb", "KURRENTDB_URL": "esdb://a:1,b:2?tls=false"}, EventStoreKurrentDB, "esdb://a:1,b:2?tls=false", ""},
		{"url for the copy command only", map[string]string{"KURRENTDB_URL": "kurrentdb://h:2113"}, EventStorePostgres, "esdb://h:2113", ""},
		{"missing url", map[string]string{"PORTAL_EVENTSTORE": "kurrentdb"}, "", "", "KURRENTDB_URL is required with PORTAL_EVENTSTORE=kurrentdb"},
		{"unknown store", map[string]string{"PORTAL_EVENTSTORE": "mongodb"}, "", "", `PORTAL_EVENTSTORE "mongodb": want postgres or kurrentdb`},
		{"unparsable url", map[string]string{"PORTAL_EVENTSTORE": "kurrentdb", "KURRENTDB_URL": "postgres://secret@x/y"}, "", "", "KURRENTDB_URL: want kurrentdb://"},
		{"bad option", map[string]string{"PORTAL_EVENTSTORE": "kurrentdb", "KURRENTDB_URL": "kurrentdb://h:2113?tls=perhaps"}, "", "", "KURRENTDB_URL: want kurrentdb://"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := map[string]string{"PORTAL_DATA_DIR": t.TempDir()}
			for k, v := range c.env {
				m[k] = v
			}
			cfg, err := Load(env(m))
			if c.wantError != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantError) {
					t.Fatalf("err = %v, want it to mention %q", err, c.wantError)
				}
				if strings.Contains(err.Error(), "secret@") {
					t.Fatalf("the error repeats the URL (it may hold a password): %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.EventStore != c.store || cfg.KurrentDBURL != c.url {
				t.Fatalf("store %q url %q, want %q %q", cfg.EventStore, cfg.KurrentDBURL, c.store, c.url)
			}
		})
	}
	// Listed with the others.
	_, err := Load(env(map[string]string{"PORTAL_DATA_DIR": t.TempDir(), "PORTAL_EVENTSTORE": "kurrentdb", "PORTAL_LOG_LEVEL": "loud"}))
	if err == nil || !strings.Contains(err.Error(), "PORTAL_LOG_LEVEL") || !strings.Contains(err.Error(), "KURRENTDB_URL") {
		t.Fatalf("err = %v", err)
	}
}

func TestMetricsListen(t *testing.T) {
	c, err := Load(env(map[string]string{"PORTAL_DATA_DIR": t.TempDir()}))
	if err != nil || c.MetricsListen != "" {
		t.Fatalf("metrics served by default (%q, %v)", c.MetricsListen, err)
	}
	c, err = Load(env(map[string]string{"PORTAL_DATA_DIR": t.TempDir(), "PORTAL_METRICS_LISTEN": "127.0.0.1:9464"}))
	if err != nil || c.MetricsListen != "127.0.0.1:9464" {
		t.Fatalf("metrics listener %q, %v", c.MetricsListen, err)
	}
	for v, want := range map[string]string{
		"9464":           `PORTAL_METRICS_LISTEN "9464": want host:port`,
		"127.0.0.1:8080": "a listener of their own",
		"0.0.0.0:8080":   "a listener of their own",
	} {
		_, err := Load(env(map[string]string{"PORTAL_DATA_DIR": t.TempDir(), "PORTAL_METRICS_LISTEN": v}))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("PORTAL_METRICS_LISTEN=%s: %v, want %q", v, err, want)
		}
	}
}
