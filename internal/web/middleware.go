package web

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/awareportal/portal/internal/auth"
	"github.com/awareportal/portal/internal/readcache"
	"github.com/awareportal/portal/projections/directory"
)

const (
	sessionCookie = "__Host-session"
	anonCookie    = "__Host-anon"
	csrfField     = "_csrf"
	csrfHeader    = "X-CSRF-Token"
)

type ctxKey int

const (
	keySession ctxKey = iota
	keyLearner
	keyRequestID
	keyAnon
	keyPolicyRequests // the learner's policy list, read once per request
	keyWrote          // the request appended events and waited for them (waitFor)
)

// contentSecurityPolicy is a policy the pages satisfy: no inline scripts
// or styles, nothing from elsewhere. Forms post only here, except that the
// "Sign in with" forms redirect to the identity providers' sign-in pages,
// which browsers check against form-action too.
func contentSecurityPolicy(formOrigins []string) string {
	return "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
		strings.TrimSpace("form-action 'self' "+strings.Join(formOrigins, " ")) + "; base-uri 'none'; object-src 'none'; frame-ancestors 'none'"
}

// securityHeaders sets the headers every response carries.
func (s *Server) securityHeaders(c *fiber.Ctx) error {
	c.Set("Content-Security-Policy", s.csp)
	c.Set("Referrer-Policy", "same-origin")
	c.Set("X-Content-Type-Options", "nosniff")
	c.Set("X-Frame-Options", "DENY")
	c.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
	c.Set("Cross-Origin-Opener-Policy", "same-origin")
	if s.BaseURL.Scheme == "https" {
		c.Set(fiber.HeaderStrictTransportSecurity, "max-age=31536000; includeSubDomains")
	}
	return c.Next()
}

// requestTimeout bounds everything a request does (its database calls,
// rendering, waiting for read models); a streamed export has its own.
const requestTimeout = 30 * time.Second

// deadline gives every request a context that ends after requestTimeout,
// or when the client goes away with the server shutting down. Handlers
// pass c.UserContext() to every call.
func deadline(c *fiber.Ctx) error {
	limit := requestTimeout
	if isUpload(c) {
		limit = uploadTimeout
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), limit)
	defer cancel()
	c.SetUserContext(ctx)
	if err := c.Next(); err != nil {
		// Error pages load the partner's brand too: render them while the
		// request's context is still live.
		return c.App().ErrorHandler(c, err)
	}
	return nil
}

// requestIDs gives every request an id for logs and event correlation.
func requestIDs(c *fiber.Ctx) error {
	id := uuid.NewString()
	c.Locals(keyRequestID, id)
	c.Set("X-Request-ID", id)
	return c.Next()
}

func requestID(c *fiber.Ctx) string {
	id, _ := c.Locals(keyRequestID).(string)
	return id
}

// logRequests logs each request by path only: query strings can carry
// sign-in tokens and are never logged. Metrics get the route's pattern.
func (s *Server) logRequests(c *fiber.Ctx) error {
	start := time.Now()
	err := c.Next()
	status := c.Response().StatusCode()
	if err != nil {
		var fe *fiber.Error
		if errors.As(err, &fe) {
			status = fe.Code
		} else {
			status = fiber.StatusInternalServerError
		}
	}
	took := time.Since(start)
	s.Log.Info("http", "method", c.Method(), "path", c.Path(), "status", status,
		"took", took.Round(time.Microsecond), "request_id", requestID(c), "htmx", c.Get("HX-Request") == "true")
	if s.ObserveRequest != nil {
		// Fiber's strings live in its buffers only during the request.
		s.ObserveRequest(strings.Clone(c.Route().Path), strings.Clone(c.Method()), status, took)
	}
	return err
}

// loadSession puts the live session (if any) in the request, and makes sure
// every visitor has an anonymous id to bind CSRF tokens to before sign-in.
func (s *Server) loadSession(c *fiber.Ctx) error {
	if raw := c.Cookies(sessionCookie); raw != "" {
		var secret string
		if err := s.cookies.Decode(sessionCookie, raw, &secret); err == nil {
			sess, err := s.Auth.Session(c.UserContext(), secret, s.Clock.Now())
			switch {
			case err == nil:
				c.Locals(keySession, sess)
				// A signed-in page is that person's: no cache keeps it.
				c.Set(fiber.HeaderCacheControl, "no-store")
			case errors.Is(err, auth.ErrNoSession):
				s.clearCookie(c, sessionCookie)
			default:
				return err
			}
		} else {
			s.clearCookie(c, sessionCookie)
		}
	}
	var anon string
	if raw := c.Cookies(anonCookie); raw != "" {
		_ = s.cookies.Decode(anonCookie, raw, &anon)
	}
	if anon == "" {
		b := make([]byte, 16)
		if _, err := rand.Read(b); err != nil {
			return err
		}
		anon = base64.RawURLEncoding.EncodeToString(b)
		if err := s.setCookie(c, anonCookie, anon, 365*24*time.Hour); err != nil {
			return err
		}
	}
	c.Locals(keyAnon, anon)
	return c.Next()
}

func sessionOf(c *fiber.Ctx) (auth.Session, bool) {
	s, ok := c.Locals(keySession).(auth.Session)
	return s, ok
}

func learnerOf(c *fiber.Ctx) (directory.Learner, bool) {
	l, ok := c.Locals(keyLearner).(directory.Learner)
	return l, ok
}

// requireLearner lets through only a signed-in learner of a client whose
// portal is on and who has finished onboarding (anyone else goes there
// first: a 303 for a page, HX-Redirect for htmx; one indexed lookup); it
// loads the learner for the handlers. Every learner page uses it, so a
// page added later is gated too.
func (s *Server) requireLearner(c *fiber.Ctx) error {
	return s.learner(c, true)
}

// requireOnboardingLearner is requireLearner for the onboarding pages
// themselves.
func (s *Server) requireOnboardingLearner(c *fiber.Ctx) error {
	return s.learner(c, false)
}

func (s *Server) learner(c *fiber.Ctx, gate bool) error {
	sess, ok := sessionOf(c)
	if !ok {
		return redirect(c, s.signInPath(c))
	}
	if sess.LearnerID == "" {
		return redirect(c, s.landingFor(c, sess))
	}
	// The reads before the handler may use rows cached at the session's
	// epochs (internal/readcache).
	cached := readcache.WithEpochs(c.UserContext(), sess.ReadEpochs)
	l, err := s.Dir.Learner(cached, sess.LearnerID)
	if err != nil {
		return err
	}
	c.Locals(keyLearner, l)
	speak(c, learnerLanguage(c, l))
	if !l.PortalEnabled {
		return s.showPortalOff(c, l)
	}
	if gate {
		pending, err := s.Onboarding.Pending(cached, l.ID)
		if err != nil {
			return err
		}
		if pending {
			return redirect(c, "/onboarding")
		}
	}
	return c.Next()
}

func (s *Server) setCookie(c *fiber.Ctx, name, value string, maxAge time.Duration) error {
	encoded, err := s.cookies.Encode(name, value)
	if err != nil {
		return err
	}
	c.Cookie(&fiber.Cookie{
		Name: name, Value: encoded, Path: "/", MaxAge: int(maxAge / time.Second),
		Secure: true, HTTPOnly: true, SameSite: fiber.CookieSameSiteLaxMode,
	})
	return nil
}

func (s *Server) clearCookie(c *fiber.Ctx, name string) {
	c.Cookie(&fiber.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1, Expires: time.Unix(0, 0),
		Secure: true, HTTPOnly: true, SameSite: fiber.CookieSameSiteLaxMode})
}

// csrfToken is an HMAC of the session (or, before sign-in, the anonymous
// id): a page's forms and htmx requests send it back.
func (s *Server) csrfToken(c *fiber.Ctx) string {
	m := hmac.New(sha256.New, s.CSRFKey)
	if sess, ok := sessionOf(c); ok {
		m.Write([]byte("session:" + sess.Ref))
	} else {
		anon, _ := c.Locals(keyAnon).(string)
		m.Write([]byte("anon:" + anon))
	}
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// checkCSRF refuses unsafe requests without the right token, and any that a
// browser says came from another site.
func (s *Server) checkCSRF(c *fiber.Ctx) error {
	switch c.Method() {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions:
		return c.Next()
	}
	if site := c.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
		return fiber.NewError(fiber.StatusForbidden, "cross-site request refused")
	}
	if origin := c.Get(fiber.HeaderOrigin); origin != "" && origin != "null" {
		u, err := url.Parse(origin)
		if err != nil || u.Scheme != s.BaseURL.Scheme || u.Host != s.BaseURL.Host {
			return fiber.NewError(fiber.StatusForbidden, "cross-origin request refused")
		}
	}
	sent := c.Get(csrfHeader)
	if sent == "" {
		sent = c.FormValue(csrfField)
	}
	if sent == "" || !hmac.Equal([]byte(sent), []byte(s.csrfToken(c))) {
		return fiber.NewError(fiber.StatusForbidden, "missing or wrong CSRF token")
	}
	return c.Next()
}
