package web

import (
	"errors"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/awareportal/portal/domain/tenancy"
	"github.com/awareportal/portal/internal/i18n"
)

// language puts the request's translator in its context (c.UserContext()):
// the browser's Accept-Language until a learner is known, when learner()
// negotiates again with their own choice and their organisation's
// default first. Everything rendered in the context speaks it.
func (s *Server) language(c *fiber.Ctx) error {
	speak(c, i18n.Negotiate("", "", c.Get(fiber.HeaderAcceptLanguage)))
	return c.Next()
}

// speak makes l the request's language.
func speak(c *fiber.Ctx, l i18n.Lang) {
	c.SetUserContext(i18n.With(c.UserContext(), i18n.For(l)))
}

// chooseLanguage records the learner's choice of language (the language
// menu's form: language, and back, the page to return to) and sends them
// back: to a path on this site only, else home. A language the portal
// does not speak is a 422 that names it and records nothing.
func (s *Server) chooseLanguage(c *fiber.Ctx) error {
	l, _ := learnerOf(c)
	pos, err := s.Account.ChooseLanguage(c.UserContext(), l, c.FormValue("language"), s.meta(c))
	var fe tenancy.FieldError
	if errors.As(err, &fe) {
		return userError(c, fiber.StatusUnprocessableEntity, i18n.T(c.UserContext(), "account.language.refused",
			"Field", fe.Field, "Languages", languageNames()))
	}
	if err != nil {
		return err
	}
	s.waitForAll(c.UserContext(), pos)
	return redirect(c, sameOriginPath(c.FormValue("back")))
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
