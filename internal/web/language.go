package web

import (
	"errors"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/awareportal/portal/domain/tenancy"
	"github.com/awareportal/portal/internal/i18n"
	"github.com/awareportal/portal/projections/directory"
	"github.com/awareportal/portal/views"
)

// langCookie keeps a visitor's choice of language on this browser: set by
// the language menu when nobody is signed in (POST /language), and beside
// a learner's recorded choice (POST /account/language) so the sign-in page
// after signing out speaks it too. Not a secret: a language code, checked
// against i18n.Languages() whenever it is read (anything else is ignored).
const langCookie = "__Host-lang"

// langCookieAge is how long a browser keeps langCookie.
const langCookieAge = 365 * 24 * time.Hour

// language puts the request's translator in its context (c.UserContext()):
// this browser's choice (langCookie), else the browser's Accept-Language,
// until a learner is known, when learner() negotiates again with their
// own choice and their organisation's default. Everything rendered in the
// context speaks it.
func (s *Server) language(c *fiber.Ctx) error {
	speak(c, i18n.Negotiate(browserChoice(c), "", c.Get(fiber.HeaderAcceptLanguage)))
	return c.Next()
}

// browserChoice is the language chosen on this browser ("" none, or a
// cookie the portal does not understand).
func browserChoice(c *fiber.Ctx) string {
	if l, ok := i18n.Parse(c.Cookies(langCookie)); ok {
		return string(l)
	}
	return ""
}

// learnerLanguage is a learner's page language: their own recorded choice,
// else this browser's, else their organisation's default, else the
// browser's Accept-Language.
func learnerLanguage(c *fiber.Ctx, l directory.Learner) i18n.Lang {
	choice := l.ChosenLanguage
	if _, ok := i18n.Parse(choice); !ok {
		choice = browserChoice(c)
	}
	return i18n.Negotiate(choice, l.ClientLanguage, c.Get(fiber.HeaderAcceptLanguage))
}

// speak makes l the request's language.
func speak(c *fiber.Ctx, l i18n.Lang) {
	c.SetUserContext(i18n.With(c.UserContext(), i18n.For(l)))
}

// languageMenu is the header's language menu for this request: a learner's
// records their choice, anyone else's (signed out, choosing an
// organisation, a switched-off portal) keeps it on this browser.
func (s *Server) languageMenu(c *fiber.Ctx, csrf string) views.LangMenu {
	m := views.LangMenu{Action: "/language", Back: backHere(c), CSRF: csrf, Chosen: browserChoice(c)}
	if l, ok := learnerOf(c); ok && l.PortalEnabled {
		m.Action, m.Learner = "/account/language", true
		if _, ok := i18n.Parse(l.ChosenLanguage); ok {
			m.Chosen = l.ChosenLanguage
		}
	}
	return m
}

// backHere is the page a language menu returns to: this one's path when
// a GET shows it (app.js adds the query when it posts: the page never
// echoes a query it was asked with, which may name what the visitor may
// not see); after a form's POST (a refusal shown in place), home.
func backHere(c *fiber.Ctx) string {
	if c.Method() != fiber.MethodGet {
		return "/"
	}
	return sameOriginPath(c.Path())
}

// chooseLanguage records the learner's choice of language (the language
// menu's form: language, and back, the page to return to) and sends them
// back: to a path on this site only, else home. A language the portal
// does not speak is a 422 that names it and records nothing. This browser
// keeps the choice too (langCookie), for the sign-in page.
func (s *Server) chooseLanguage(c *fiber.Ctx) error {
	l, _ := learnerOf(c)
	lang := c.FormValue("language")
	pos, err := s.Account.ChooseLanguage(c.UserContext(), l, lang, s.meta(c))
	var fe tenancy.FieldError
	if errors.As(err, &fe) {
		return userError(c, fiber.StatusUnprocessableEntity, i18n.T(c.UserContext(), "account.language.refused",
			"Field", fe.Field, "Languages", languageNames()))
	}
	if err != nil {
		return err
	}
	s.rememberLanguage(c, lang)
	s.waitFor(c, pos)
	return redirect(c, sameOriginPath(c.FormValue("back")))
}

// chooseBrowserLanguage is the language menu of someone who is not a
// learner here (signed out, say): there is nobody to record it for, so
// this browser keeps it (langCookie); "" forgets it. A language the
// portal does not speak is a 422 naming the field.
func (s *Server) chooseBrowserLanguage(c *fiber.Ctx) error {
	lang := c.FormValue("language")
	if _, ok := i18n.Parse(lang); !ok && lang != "" {
		return userError(c, fiber.StatusUnprocessableEntity, i18n.T(c.UserContext(), "account.language.refused",
			"Field", "language", "Languages", languageNames()))
	}
	s.rememberLanguage(c, lang)
	return redirect(c, sameOriginPath(c.FormValue("back")))
}

// rememberLanguage keeps lang on this browser ("" forgets it).
func (s *Server) rememberLanguage(c *fiber.Ctx, lang string) {
	l, ok := i18n.Parse(lang)
	if !ok {
		c.Cookie(&fiber.Cookie{Name: langCookie, Value: "", Path: "/", MaxAge: -1, Expires: time.Unix(0, 0),
			Secure: true, HTTPOnly: true, SameSite: fiber.CookieSameSiteLaxMode})
		return
	}
	c.Cookie(&fiber.Cookie{Name: langCookie, Value: string(l), Path: "/", MaxAge: int(langCookieAge / time.Second),
		Secure: true, HTTPOnly: true, SameSite: fiber.CookieSameSiteLaxMode})
}

// languageNames lists the languages by their own names: English, Deutsch, Français.
func languageNames() string {
	var names []string
	for _, l := range i18n.Languages() {
		names = append(names, l.Name())
	}
	return strings.Join(names, ", ")
}

// maxBack bounds the path a form may ask to return to.
const maxBack = 2048

// sameOriginPath is back if it is a path on this site ("/courses?tab=due"),
// else "/": never another origin ("//evil.example", "https://…",
// "/\evil.example", which browsers read as "//"), never a control
// character.
func sameOriginPath(back string) string {
	if back == "" || len(back) > maxBack || back[0] != '/' || strings.HasPrefix(back, "//") || strings.ContainsAny(back, "\\") {
		return "/"
	}
	for _, r := range back {
		if r < 0x20 || r == 0x7f {
			return "/"
		}
	}
	u, err := url.Parse(back)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return "/"
	}
	return back
}
