// Package config reads the portal's configuration from PORTAL_* environment
// variables (and DATABASE_URL), validating everything at start.
package config

import (
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/awareportal/portal/internal/eventstore/kurrentstore"
	"github.com/awareportal/portal/internal/hostname"
)

// Config is the validated configuration.
type Config struct {
	Listen      string   // PORTAL_LISTEN
	BaseURL     *url.URL // PORTAL_BASE_URL: every link in every email starts here
	DatabaseURL string   // DATABASE_URL: empty means the embedded PostgreSQL
	DataDir     string   // PORTAL_DATA_DIR
	SMTPURL     *url.URL // PORTAL_SMTP_URL: nil means the dev outbox (embedded mode only)
	MailFrom    *mail.Address
	Seed        bool // PORTAL_SEED: seed a demo tenant into an empty database
	LogLevel    slog.Level
	LogJSON     bool
	Secret      []byte // PORTAL_SECRET_KEY, or generated into the data dir
	CoursesDir  string // PORTAL_COURSES_DIR: more courses, beside the built-in ones
	// Microsoft and Google sign-in (PORTAL_MICROSOFT_*, PORTAL_GOOGLE_*).
	Microsoft OIDC
	Google    OIDC
	// DevIdP starts the local identity provider playing Microsoft and
	// Google: embedded mode only, and never when either is configured.
	DevIdP bool // PORTAL_DEV_IDP
	// TrustedProxies (PORTAL_TRUSTED_PROXIES) are the reverse proxies whose
	// X-Forwarded-For the portal believes; empty: none, the peer address is
	// the client.
	TrustedProxies []netip.Prefix
	// MailRescueAfter: a mail job still "running" this long (its process
	// died) is run again. PORTAL_MAIL_RESCUE_AFTER, default 5m.
	MailRescueAfter time.Duration
	// EventStore (PORTAL_EVENTSTORE) is where events live: EventStorePostgres
	// (the default) or EventStoreKurrentDB. Read models, sessions and the
	// mail queue stay in PostgreSQL either way.
	EventStore string
	// KurrentDBURL (KURRENTDB_URL) is the KurrentDB connection string in the
	// client's esdb:// form (kurrentdb:// is accepted and mapped). Required
	// with EventStoreKurrentDB; with postgres it is only a default for
	// "portal eventstore copy --to".
	KurrentDBURL string
	// MetricsListen (PORTAL_METRICS_LISTEN) is where GET /metrics is served
	// in Prometheus' text format, on a listener of its own, never the
	// public one; empty (the default): not served.
	MetricsListen string
}

// Event stores PORTAL_EVENTSTORE names.
const (
	EventStorePostgres  = "postgres"
	EventStoreKurrentDB = "kurrentdb"
)

// OIDC is the portal's registration with one identity provider.
type OIDC struct {
	ClientID, ClientSecret string
	Issuer                 string // Microsoft: a template with {tenantid}
	DiscoveryURL           string // empty: the issuer's well-known URL
}

// Enabled says whether the provider is configured.
func (o OIDC) Enabled() bool { return o.ClientID != "" }

// Default issuers of the real providers.
const (
	MicrosoftIssuer       = "https://login.microsoftonline.com/{tenantid}/v2.0"
	MicrosoftDiscoveryURL = "https://login.microsoftonline.com/organizations/v2.0/.well-known/openid-configuration"
	GoogleIssuer          = "https://accounts.google.com"
)

// Embedded reports whether the portal runs its own PostgreSQL.
func (c *Config) Embedded() bool { return c.DatabaseURL == "" }

// DevMail reports whether sent mail goes to the built-in dev outbox.
func (c *Config) DevMail() bool { return c.SMTPURL == nil }

// Keys derived from the secret, one per purpose.
type Keys struct {
	CookieHash, CookieBlock, Code, Mail, CSRF []byte
}

// Keys derives the purpose keys.
func (c *Config) Keys() (Keys, error) {
	derive := func(purpose string, n int) ([]byte, error) {
		return hkdf.Key(sha256.New, c.Secret, nil, "learning-portal "+purpose, n)
	}
	var k Keys
	var err error
	for _, d := range []struct {
		dst     *[]byte
		purpose string
		n       int
	}{{&k.CookieHash, "cookie-hash", 64}, {&k.CookieBlock, "cookie-block", 32}, {&k.Code, "sign-in-code", 32}, {&k.Mail, "mail-seal", 32}, {&k.CSRF, "csrf", 32}} {
		if *d.dst, err = derive(d.purpose, d.n); err != nil {
			return Keys{}, fmt.Errorf("derive %s key: %w", d.purpose, err)
		}
	}
	return k, nil
}

// FieldErrors lists every problem found, so one run shows them all.
type FieldErrors []string

func (e FieldErrors) Error() string {
	return "invalid configuration:\n  - " + strings.Join(e, "\n  - ")
}

// Load reads the environment through getenv.
func Load(getenv func(string) string) (*Config, error) {
	var errs FieldErrors
	c := &Config{
		Listen:      or(getenv("PORTAL_LISTEN"), "127.0.0.1:8080"),
		DatabaseURL: getenv("DATABASE_URL"),
		DataDir:     or(getenv("PORTAL_DATA_DIR"), defaultDataDir()),
		Seed:        getenv("PORTAL_SEED") != "false",
		LogJSON:     getenv("PORTAL_LOG_FORMAT") == "json",
		CoursesDir:  getenv("PORTAL_COURSES_DIR"),
	}
	if c.CoursesDir != "" {
		if fi, err := os.Stat(c.CoursesDir); err != nil || !fi.IsDir() {
			errs = append(errs, fmt.Sprintf("PORTAL_COURSES_DIR %q: not a directory", c.CoursesDir))
		}
	}
	host, port, err := net.SplitHostPort(c.Listen)
	if err != nil {
		errs = append(errs, fmt.Sprintf("PORTAL_LISTEN %q: want host:port, like 127.0.0.1:8080", c.Listen))
	}
	if c.MetricsListen = getenv("PORTAL_METRICS_LISTEN"); c.MetricsListen != "" {
		if _, mport, err := net.SplitHostPort(c.MetricsListen); err != nil {
			errs = append(errs, fmt.Sprintf("PORTAL_METRICS_LISTEN %q: want host:port, like 127.0.0.1:9464", c.MetricsListen))
		} else if c.MetricsListen == c.Listen || (mport == port && mport != "0") {
			errs = append(errs, fmt.Sprintf("PORTAL_METRICS_LISTEN %q: the metrics need a listener of their own, not PORTAL_LISTEN's port", c.MetricsListen))
		}
	}
	if f := getenv("PORTAL_LOG_FORMAT"); f != "" && f != "json" && f != "text" {
		errs = append(errs, fmt.Sprintf("PORTAL_LOG_FORMAT %q: want text or json", f))
	}
	if err := c.LogLevel.UnmarshalText([]byte(or(getenv("PORTAL_LOG_LEVEL"), "info"))); err != nil {
		errs = append(errs, fmt.Sprintf("PORTAL_LOG_LEVEL: %v (want debug, info, warn or error)", err))
	}
	if s := getenv("PORTAL_SEED"); s != "" && s != "true" && s != "false" {
		errs = append(errs, fmt.Sprintf("PORTAL_SEED %q: want true or false", s))
	}

	base := getenv("PORTAL_BASE_URL")
	if base == "" {
		if host == "" || host == "127.0.0.1" || host == "::1" || host == "0.0.0.0" {
			host = "localhost"
		}
		base = "http://" + net.JoinHostPort(host, port)
	}
	if u, err := url.Parse(base); err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		errs = append(errs, fmt.Sprintf("PORTAL_BASE_URL %q: want an absolute http(s) URL with no path, like https://training.example.com", base))
	} else {
		u.Path = ""
		if u.Scheme == "http" && !IsLoopback(u.Hostname()) {
			errs = append(errs, fmt.Sprintf("PORTAL_BASE_URL %q: must be https unless it is localhost (session cookies are Secure)", base))
		}
		c.BaseURL = u
	}

	if s := getenv("PORTAL_SMTP_URL"); s != "" {
		u, err := ParseSMTPURL(s)
		if err != nil {
			errs = append(errs, "PORTAL_SMTP_URL: "+err.Error())
		}
		c.SMTPURL = u
	} else if c.DatabaseURL != "" {
		errs = append(errs, "PORTAL_SMTP_URL is required with DATABASE_URL (the dev outbox only exists in embedded mode)")
	}
	from := getenv("PORTAL_MAIL_FROM")
	if from == "" {
		from = "training@" + strings.TrimPrefix(c.hostOr("localhost"), "www.")
		if !strings.Contains(from[strings.Index(from, "@"):], ".") {
			from += ".test"
		}
	}
	if a, err := mail.ParseAddress(from); err != nil {
		errs = append(errs, fmt.Sprintf("PORTAL_MAIL_FROM %q: %v", from, err))
	} else {
		c.MailFrom = a
	}

	c.MailRescueAfter = 5 * time.Minute
	if s := getenv("PORTAL_MAIL_RESCUE_AFTER"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d < 2*time.Second || d > time.Hour {
			errs = append(errs, fmt.Sprintf("PORTAL_MAIL_RESCUE_AFTER %q: want a duration from 2s to 1h, like 5m", s))
		}
		c.MailRescueAfter = d
	}

	if s := getenv("PORTAL_SECRET_KEY"); s != "" {
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil || len(b) < 32 {
			errs = append(errs, "PORTAL_SECRET_KEY: want at least 32 bytes, base64-encoded (openssl rand -base64 48)")
		}
		c.Secret = b
	}
	proxies, err := ParseTrustedProxies(getenv("PORTAL_TRUSTED_PROXIES"))
	if err != nil {
		errs = append(errs, "PORTAL_TRUSTED_PROXIES: "+err.Error())
	}
	c.TrustedProxies = proxies
	errs = append(errs, c.loadEventStore(getenv)...)
	errs = append(errs, c.loadOIDC(getenv)...)
	if len(errs) > 0 {
		return nil, errs
	}
	return c, nil
}

// ParseTrustedProxies reads a comma-separated list of IP addresses and
// CIDR ranges (10.0.0.0/8, 192.0.2.7, ::1).
func ParseTrustedProxies(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("%q is not an IP address or CIDR range", f)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

func (c *Config) loadEventStore(getenv func(string) string) FieldErrors {
	var errs FieldErrors
	c.EventStore = or(getenv("PORTAL_EVENTSTORE"), EventStorePostgres)
	if c.EventStore != EventStorePostgres && c.EventStore != EventStoreKurrentDB {
		errs = append(errs, fmt.Sprintf("PORTAL_EVENTSTORE %q: want postgres or kurrentdb", c.EventStore))
	}
	if s := getenv("KURRENTDB_URL"); s != "" {
		// The value is not repeated: it may hold a password.
		u, err := kurrentstore.ConnectionString(s)
		if err != nil {
			errs = append(errs, "KURRENTDB_URL: "+err.Error())
		}
		c.KurrentDBURL = u
	} else if c.EventStore == EventStoreKurrentDB {
		errs = append(errs, "KURRENTDB_URL is required with PORTAL_EVENTSTORE=kurrentdb (like kurrentdb://127.0.0.1:2113?tls=false)")
	}
	return errs
}

func (c *Config) loadOIDC(getenv func(string) string) FieldErrors {
	var errs FieldErrors
	load := func(prefix, issuer, discovery string) OIDC {
		o := OIDC{
			ClientID: getenv(prefix + "CLIENT_ID"), ClientSecret: getenv(prefix + "CLIENT_SECRET"),
			Issuer: or(getenv(prefix+"ISSUER"), issuer), DiscoveryURL: getenv(prefix + "DISCOVERY_URL"),
		}
		if o.DiscoveryURL == "" && o.Issuer == issuer {
			o.DiscoveryURL = discovery
		}
		if (o.ClientID == "") != (o.ClientSecret == "") {
			errs = append(errs, prefix+"CLIENT_ID and "+prefix+"CLIENT_SECRET: give both or neither")
		}
		for _, v := range []struct{ name, value string }{{prefix + "ISSUER", o.Issuer}, {prefix + "DISCOVERY_URL", o.DiscoveryURL}} {
			if v.value == "" {
				continue
			}
			u, err := url.Parse(strings.ReplaceAll(v.value, "{tenantid}", "t"))
			if err != nil || u.Host == "" || (u.Scheme != "https" && !(u.Scheme == "http" && IsLoopback(u.Hostname()))) {
				errs = append(errs, fmt.Sprintf("%s %q: want an https URL", v.name, v.value))
			}
		}
		return o
	}
	c.Microsoft = load("PORTAL_MICROSOFT_", MicrosoftIssuer, MicrosoftDiscoveryURL)
	c.Google = load("PORTAL_GOOGLE_", GoogleIssuer, "")
	if c.Microsoft.Enabled() && !strings.Contains(c.Microsoft.Issuer, "{tenantid}") {
		errs = append(errs, fmt.Sprintf("PORTAL_MICROSOFT_ISSUER %q: want a multi-tenant issuer template with {tenantid}, like %s", c.Microsoft.Issuer, MicrosoftIssuer))
	}
	switch v := getenv("PORTAL_DEV_IDP"); v {
	case "", "true":
		c.DevIdP = c.Embedded() && !c.Microsoft.Enabled() && !c.Google.Enabled()
		if v == "true" && !c.DevIdP {
			errs = append(errs, "PORTAL_DEV_IDP=true: the local identity provider is for the embedded demo only, never with DATABASE_URL or a real Microsoft or Google registration")
		}
	case "false":
	default:
		errs = append(errs, fmt.Sprintf("PORTAL_DEV_IDP %q: want true or false", v))
	}
	return errs
}

func (c *Config) hostOr(def string) string {
	if c.BaseURL == nil {
		return def
	}
	return c.BaseURL.Hostname()
}

// LoadSecret reads the generated secret from the data dir, creating it on
// first use, unless PORTAL_SECRET_KEY gave one.
func (c *Config) LoadSecret() error {
	if len(c.Secret) > 0 {
		return nil
	}
	path := filepath.Join(c.DataDir, "secret.key")
	b, err := os.ReadFile(path)
	if err == nil {
		c.Secret, err = base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
		if err != nil || len(c.Secret) < 32 {
			return fmt.Errorf("%s is damaged: delete it to generate a new one (this signs everyone out)", path)
		}
		return nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("read %s: %w", path, err)
	}
	if err := os.MkdirAll(c.DataDir, 0o755); err != nil {
		return fmt.Errorf("create data dir: %w", err)
	}
	c.Secret = make([]byte, 48)
	if _, err := rand.Read(c.Secret); err != nil {
		return err
	}
	if err := os.WriteFile(path, []byte(base64.StdEncoding.EncodeToString(c.Secret)+"\n"), 0o600); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// ParseSMTPURL checks an smtp:// (STARTTLS) or smtps:// (TLS) URL.
// Plain smtp:// without TLS is accepted only towards loopback.
func ParseSMTPURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("not a URL (want smtp://user:password@host:587 or smtps://host:465)")
	}
	if u.Scheme != "smtp" && u.Scheme != "smtps" {
		return nil, fmt.Errorf("scheme %q: want smtp (STARTTLS) or smtps (TLS)", u.Scheme)
	}
	if u.Hostname() == "" {
		return nil, errors.New("no host")
	}
	return u, nil
}

// IsLoopback reports whether host names this machine.
func IsLoopback(host string) bool { return hostname.IsLoopback(host) }

func defaultDataDir() string {
	if os.Geteuid() == 0 {
		return "/var/lib/learning-portal"
	}
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "learning-portal")
	}
	if h, err := os.UserHomeDir(); err == nil {
		return filepath.Join(h, ".local", "share", "learning-portal")
	}
	return ".portal"
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
