// Package web serves the portal over HTTP with Fiber: full pages for
// browsers, fragments for htmx. Handlers read top to bottom: load, check
// the error, render. Routes are all in routes.go.
package web

import (
	"context"
	"errors"
	"log/slog"
	"net/netip"
	"net/url"
	"time"

	"github.com/awareportal/portal/internal/brand"

	"github.com/gofiber/fiber/v2"

	"github.com/awareportal/portal/internal/catalog"
	"github.com/awareportal/portal/internal/clock"
	"github.com/awareportal/portal/internal/eventstore"
	"github.com/awareportal/portal/internal/i18n"
	"github.com/awareportal/portal/projections/directory"
	"github.com/awareportal/portal/views"
)

// ProductName brands pages before we know which partner a visitor belongs to.
const ProductName = "Learning Portal"

// Deps is what the web layer needs: the services and read models it
// calls (deps.go), wired by internal/app.
type Deps struct {
	Auth     Auth
	Dir      Directory
	Progress Progress
	Training Training
	Admin    Admin
	// Onboarding gates the learner pages until the learner is through it.
	Onboarding Onboarding
	// Team is My Team for learners with direct reports.
	Team Team
	// Policies are the policies learners sign.
	Policies Policies
	// Phishing is the phishing panel on My Stats (nil: none).
	Phishing Phishing
	// Breaches is Dark Web Monitoring's Breaches page (nil: none).
	Breaches Breaches
	// Account is the learner's own settings (their language).
	Account   Account
	Catalog   *catalog.Catalog
	Runner    Runner
	Timeline  Timeline
	Audit     Audit
	DB        Pinger    // readiness (/readyz)
	DevOutbox DevOutbox // served when DevMail
	Clock     clock.Clock
	BaseURL   *url.URL
	CookieHK  []byte // securecookie hash key
	CookieBK  []byte // securecookie block key
	CSRFKey   []byte
	DevMail   bool // serve the dev outbox
	// TrustedProxies are the reverse proxies whose X-Forwarded-For is
	// believed (see clientIP).
	TrustedProxies []netip.Prefix
	Log            *slog.Logger
	// Live, when set, is the liveness check behind /healthz.
	Live func() error
	// ObserveRequest, when set, is told every request's route pattern,
	// method, status and duration (metrics).
	ObserveRequest func(route, method string, status int, took time.Duration)
}

// Server holds the handlers' dependencies.
type Server struct {
	Deps
	cookies cookieCodec
	uploads chan struct{} // media uploads under way (apiUploadMedia)
	csp     string
	logos   *brand.PNGCache // partners' logos drawn as PNG for emails
}

// maxUploads is how many media uploads one process takes at once.
const maxUploads = 4

// New builds the Fiber app.
func New(d Deps) *fiber.App {
	s := &Server{Deps: d, cookies: newCookieCodec(d.CookieHK, d.CookieBK), uploads: make(chan struct{}, maxUploads), csp: contentSecurityPolicy(d.Auth.ProviderOrigins()), logos: &brand.PNGCache{Max: 256}}
	app := fiber.New(fiber.Config{
		AppName:               ProductName,
		DisableStartupMessage: true,
		ErrorHandler:          s.handleError,
		ReadTimeout:           30 * time.Second,
		WriteTimeout:          60 * time.Second,
		IdleTimeout:           120 * time.Second,
		// Bodies are streamed so that a media upload never sits in memory
		// whole; limitBody holds every other request to bodyLimit.
		BodyLimit:                    bodyLimit,
		ReadBufferSize:               16 << 10, // long URLs and cookies (fasthttp's default is 4 KB)
		StreamRequestBody:            true,
		DisablePreParseMultipartForm: true,
		// Proxy headers (X-Forwarded-Proto, …) count only from trusted
		// proxies; the client's address is clientIP's, never c.IP().
		EnableTrustedProxyCheck: true,
		TrustedProxies:          prefixStrings(d.TrustedProxies),
	})
	s.routes(app)
	return app
}

// meta is the event metadata of the request.
func (s *Server) meta(c *fiber.Ctx) eventstore.Metadata {
	m := eventstore.Metadata{
		CorrelationID: requestID(c),
		RequestIP:     s.clientIP(c),
		UserAgent:     c.Get(fiber.HeaderUserAgent),
		ActorID:       "anonymous",
	}
	if sess, ok := sessionOf(c); ok {
		m.ActorID = "session:" + sess.Ref
		if sess.LearnerID != "" {
			m.ActorID = "learner:" + sess.LearnerID
		}
	}
	return m
}

// page is the layout data for the request.
func (s *Server) page(c *fiber.Ctx, title string, brand views.Brand) views.Page {
	p := views.Page{Title: title, Brand: brand, CSRF: s.csrfToken(c), DevMail: s.DevMail}
	if l, ok := learnerOf(c); ok {
		p.User = &views.User{Name: l.FullName(), Email: l.Email, Organisation: l.ClientName}
	}
	if sess, ok := sessionOf(c); ok && len(sess.LearnerIDs) > 1 {
		p.CanSwitch = true
	}
	p.Language = s.languageMenu(c, p.CSRF)
	return p
}

func brandOf(p directory.Partner) views.Brand {
	b := views.Brand{Name: p.Name, Slug: p.Slug, ThemeURL: "/brand/" + p.Slug + "/theme.css"}
	if p.LogoSVG != "" {
		b.LogoURL = "/brand/" + p.Slug + "/logo.svg"
	}
	return b
}

var productBrand = views.Brand{Name: ProductName}

// brandForSlug is the partner's brand for /p/:slug/ pages, else the product's.
func (s *Server) brandForSlug(ctx context.Context, slug string) (views.Brand, error) {
	if slug == "" {
		return productBrand, nil
	}
	p, err := s.Dir.PartnerBySlug(ctx, slug)
	if errors.Is(err, directory.ErrNotFound) {
		return views.Brand{}, fiber.ErrNotFound
	}
	if err != nil {
		return views.Brand{}, err
	}
	return brandOf(p), nil
}

// errorPage is what visitors see when something fails.
func (s *Server) handleError(c *fiber.Ctx, err error) error {
	code := fiber.StatusInternalServerError
	var fe *fiber.Error
	if errors.As(err, &fe) {
		code = fe.Code
	}
	tr := i18n.From(c.UserContext())
	title, text := tr.T("error.failed.title"), tr.T("error.failed.text")
	switch code {
	case fiber.StatusNotFound:
		title, text = tr.T("error.not_found.title"), tr.T("error.not_found.text")
	case fiber.StatusForbidden:
		title, text = tr.T("error.forbidden.title"), tr.T("error.forbidden.text")
	case fiber.StatusTooManyRequests:
		title, text = tr.T("error.too_many.title"), tr.T("error.too_many.text")
	default:
		if code >= 500 {
			s.Log.Error("request failed", "method", c.Method(), "path", c.Path(), "request_id", requestID(c), "err", err)
		} else if fe != nil {
			text = fe.Message
		}
	}
	c.Vary("HX-Request")
	p := s.page(c, title, s.ambientBrand(c))
	p.Language.Back = "/" // the failed address may name what the visitor may not see
	return render(c, code, views.Layout(p, views.Message(title, text, views.LinkButton("/", tr.T("layout.error.home")))), views.Message(title, text, nil))
}
