package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/awareportal/portal/domain/signin"
	"github.com/awareportal/portal/internal/auth"
	"github.com/awareportal/portal/internal/i18n"
	"github.com/awareportal/portal/projections/directory"
	"github.com/awareportal/portal/views"
)

// ssoCookie carries state, nonce and PKCE verifier to the provider and
// back; sealed (securecookie), ten minutes, one sign-in at a time.
const ssoCookie = "__Host-sso"

// ssoRefusedCookie carries a refused sign-in from the provider's callback
// (its URL holds the authorization code and state) to /signin/sso/refused,
// which explains it: the address bar and the history keep a clean URL.
// Sealed, five minutes (a reload shows the same explanation).
const ssoRefusedCookie = "__Host-sso-refused"

// ssoRefusal is what ssoRefusedCookie holds.
type ssoRefusal struct {
	PartnerID   string        `json:"p,omitempty"`
	Provider    signin.Method `json:"m"`
	Reason      signin.Reason `json:"r"`
	Email       string        `json:"e,omitempty"`
	RightMethod signin.Method `json:"w,omitempty"`
}

func ssoMethod(c *fiber.Ctx) (signin.Method, bool) {
	switch m := signin.Method(c.Params("provider")); m {
	case signin.MethodMicrosoft, signin.MethodGoogle:
		return m, true
	}
	return "", false
}

// signInForm is the sign-in page before anything was typed.
func (s *Server) signInForm(email string) views.SignInForm {
	p := s.Auth.Providers()
	return views.SignInForm{Email: email,
		Providers: views.SignInMethods{Microsoft: p.Microsoft, Google: p.Google},
		Methods:   views.SignInMethods{EmailLink: true}}
}

// methods answers the email field as it is typed: which ways in work for
// this email.
func (s *Server) methods(c *fiber.Ctx) error {
	email := c.FormValue("email")
	m, err := s.Auth.MethodsFor(c.UserContext(), email, s.clientIP(c))
	if err != nil {
		return err
	}
	shown := views.SignInMethods{Email: email, Microsoft: m.Microsoft, Google: m.Google, EmailLink: m.EmailLink, Typed: m.Decided}
	if c.FormValue("shown") == shown.Shown() {
		return c.SendStatus(fiber.StatusNoContent) // the page already shows this
	}
	panel := views.MethodsPanel(shown)
	return render(c, fiber.StatusOK, panel, panel) // a fragment only htmx asks for
}

// startSSO sends the browser to Microsoft or Google.
func (s *Server) startSSO(c *fiber.Ctx) error {
	method, ok := ssoMethod(c)
	if !ok {
		return fiber.ErrNotFound
	}
	brand, partnerID := productBrand, ""
	if slug := c.FormValue("partner"); slug != "" {
		if p, err := s.Dir.PartnerBySlug(c.UserContext(), slug); err == nil {
			brand, partnerID = brandOf(p), p.ID
		}
	}
	problem := func(status int, hint, text string) error {
		p := s.page(c, i18n.T(c.UserContext(), "signin.page.tab"), brand)
		f := s.signInForm(hint)
		f.Problem = text
		return render(c, status, views.SignInPage(p, f), views.SignInPanel(p, f))
	}
	start, err := s.Auth.StartSSO(c.UserContext(), method, c.FormValue("login_hint"), partnerID, s.meta(c))
	var limited auth.ErrRateLimited
	switch {
	case errors.Is(err, auth.ErrProviderOff):
		return fiber.ErrNotFound
	case errors.As(err, &limited):
		c.Set(fiber.HeaderRetryAfter, fmt.Sprint(int(time.Until(limited.Until).Seconds())+1))
		return problem(fiber.StatusTooManyRequests, "", i18n.T(c.UserContext(), "sso.limited"))
	case err != nil:
		s.Log.Warn("start sign-in with provider", "provider", method, "err", err)
		return problem(fiber.StatusServiceUnavailable, c.FormValue("login_hint"),
			i18n.T(c.UserContext(), "sso.unavailable", "Provider", method.Title()))
	}
	sealed, err := json.Marshal(start.Cookie)
	if err != nil {
		return err
	}
	s.clearCookie(c, ssoRefusedCookie) // a new try: an old refusal is moot
	if err := s.setCookie(c, ssoCookie, string(sealed), signin.SSOTTL); err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return redirect(c, start.URL)
}

// finishSSO is where the provider sends the browser back.
func (s *Server) finishSSO(c *fiber.Ctx) error {
	method, ok := ssoMethod(c)
	if !ok {
		return fiber.ErrNotFound
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	var ck *auth.SSOCookie
	var raw string
	if v := c.Cookies(ssoCookie); v != "" && s.cookies.Decode(ssoCookie, v, &raw) == nil {
		var decoded auth.SSOCookie
		if json.Unmarshal([]byte(raw), &decoded) == nil {
			ck = &decoded
		}
	}
	s.clearCookie(c, ssoCookie)
	cb := auth.SSOCallback{Code: c.Query("code"), State: c.Query("state"), Error: c.Query("error"), ErrorDescription: c.Query("error_description")}
	signedIn, err := s.Auth.FinishSSO(c.UserContext(), method, ck, cb, s.meta(c))
	var refused *auth.SSOError
	if errors.As(err, &refused) {
		// Explained on a clean URL: the code and state stay out of the
		// history and the address bar.
		rej := refused.Rejection
		sealed, err := json.Marshal(ssoRefusal{PartnerID: refused.PartnerID, Provider: rej.Provider, Reason: rej.Reason, Email: rej.Email, RightMethod: rej.RightMethod})
		if err != nil {
			return err
		}
		if err := s.setCookie(c, ssoRefusedCookie, string(sealed), 5*time.Minute); err != nil {
			return err
		}
		return c.Redirect("/signin/sso/refused", fiber.StatusSeeOther)
	}
	if err != nil {
		return err
	}
	return s.startSession(c, signedIn)
}

// showSSORefusal explains the refused sign-in the callback left in
// ssoRefusedCookie; without one it is the sign-in page.
func (s *Server) showSSORefusal(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	var raw string
	var r ssoRefusal
	if v := c.Cookies(ssoRefusedCookie); v == "" || s.cookies.Decode(ssoRefusedCookie, v, &raw) != nil || json.Unmarshal([]byte(raw), &r) != nil || r.Reason == "" {
		return c.Redirect("/signin", fiber.StatusSeeOther)
	}
	return s.ssoRefused(c, &auth.SSOError{PartnerID: r.PartnerID,
		Rejection: signin.SSORejected{Provider: r.Provider, Reason: r.Reason, Email: r.Email, RightMethod: r.RightMethod}})
}

// ssoRefused explains a refused sign-in and offers the way in that works.
func (s *Server) ssoRefused(c *fiber.Ctx, e *auth.SSOError) error {
	brand := productBrand
	var partner directory.Partner
	if e.PartnerID != "" {
		p, err := s.Dir.Partner(c.UserContext(), e.PartnerID)
		if err != nil && !errors.Is(err, directory.ErrNotFound) {
			return err
		}
		if err == nil {
			partner, brand = p, brandOf(p)
		}
	}
	rej := e.Rejection
	if e.PartnerID == "" && rej.Reason == signin.ReasonWrongMethod {
		// Started from the neutral page: the verified email says whose
		// learner this is, so the answer wears their partner's brand.
		if ls, err := s.Dir.LearnersByEmail(c.UserContext(), rej.Email); err == nil && len(ls) > 0 {
			if p, err := s.Dir.Partner(c.UserContext(), ls[0].PartnerID); err == nil {
				partner, brand = p, brandOf(p)
			}
		}
	}
	page := s.page(c, i18n.T(c.UserContext(), "signin.page.tab"), brand)
	if rej.Reason == signin.ReasonNotEnrolled {
		return render(c, fiber.StatusForbidden, views.NotEnrolledPage(page, views.NotEnrolled{
			Email: rej.Email, Provider: rej.Provider.Title(), SupportEmail: partner.SupportEmail,
		}), nil)
	}
	f := s.signInForm("")
	f.Problem = refusalText(c.UserContext(), rej)
	if rej.Reason == signin.ReasonWrongMethod {
		f.Email = rej.Email
		if m, err := s.Auth.MethodsFor(c.UserContext(), rej.Email, s.clientIP(c)); err == nil {
			f.Methods = views.SignInMethods{Email: rej.Email, Microsoft: m.Microsoft, Google: m.Google, EmailLink: m.EmailLink, Typed: m.Decided}
		}
	}
	return render(c, fiber.StatusForbidden, views.SignInPage(page, f), nil)
}

// refusalText says what went wrong in the person's terms, and what to do.
func refusalText(ctx context.Context, r signin.SSORejected) string {
	name := r.Provider.Title()
	switch r.Reason {
	case signin.ReasonWrongMethod:
		if r.RightMethod == signin.MethodEmailLink {
			return i18n.T(ctx, "sso.refused.use_link", "Provider", name)
		}
		return i18n.T(ctx, "sso.refused.other_provider", "Provider", name, "Right", r.RightMethod.Title(),
			"Button", i18n.T(ctx, "signin.with_provider", "Provider", r.RightMethod.Title()))
	case signin.ReasonWrongTenant:
		return i18n.T(ctx, "sso.refused.wrong_tenant")
	case signin.ReasonHostedDomain:
		return i18n.T(ctx, "sso.refused.hosted_domain")
	case signin.ReasonEmailUnverified:
		return i18n.T(ctx, "sso.refused.unverified", "Provider", name)
	case signin.ReasonProviderError:
		return i18n.T(ctx, "sso.refused.provider_error", "Provider", name)
	case signin.ReasonBadState, signin.ReasonReplayed, signin.ReasonExpired:
		return i18n.T(ctx, "sso.refused.start_again")
	}
	return i18n.T(ctx, "sso.refused.unknown", "Provider", name)
}
