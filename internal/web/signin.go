package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/gofiber/fiber/v2"

	"github.com/awareportal/portal/domain/signin"
	"github.com/awareportal/portal/domain/tenancy"
	"github.com/awareportal/portal/internal/auth"
	"github.com/awareportal/portal/internal/i18n"
	"github.com/awareportal/portal/views"
)

// home sends people to their courses (or the staff area), or to sign in.
func (s *Server) home(c *fiber.Ctx) error {
	sess, ok := sessionOf(c)
	if !ok {
		return c.Redirect(s.signInPath(c), fiber.StatusSeeOther)
	}
	if sess.LearnerID == "" {
		return c.Redirect(s.landingFor(c, sess), fiber.StatusSeeOther)
	}
	return c.Redirect("/courses", fiber.StatusSeeOther)
}

// landingFor is where a session without a chosen learner goes: the
// organisation picker, or the staff area for staff who are no learner.
func (s *Server) landingFor(c *fiber.Ctx, sess auth.Session) string {
	learners, err := s.Auth.Candidates(c.UserContext(), sess)
	if err == nil && len(learners) == 0 {
		if roles, err := s.Auth.StaffRoles(c.UserContext(), sess); err == nil && len(roles) > 0 {
			return "/staff"
		}
	}
	return "/signin/organisation"
}

// showSignIn is the bookmarkable sign-in page.
func (s *Server) showSignIn(c *fiber.Ctx) error {
	if sess, ok := sessionOf(c); ok && sess.LearnerID != "" {
		return c.Redirect("/courses", fiber.StatusSeeOther)
	}
	brand, err := s.brandForSlug(c.UserContext(), c.Params("slug"))
	if err != nil {
		return err
	}
	s.rememberPartner(c, brand.Slug)
	p := s.page(c, i18n.T(c.UserContext(), "signin.page.tab"), brand)
	form := s.signInForm(c.Query("email"))
	if c.Query("expired") != "" {
		form.Note = i18n.T(c.UserContext(), "signin.page.expired")
	}
	return render(c, fiber.StatusOK, views.SignInPage(p, form), views.SignInPanel(p, form))
}

// requestLink emails a sign-in link. The answer is the same whether or not
// the email belongs to anyone.
func (s *Server) requestLink(c *fiber.Ctx) error {
	brand, err := s.brandForSlug(c.UserContext(), c.Params("slug"))
	if err != nil {
		return err
	}
	p := s.page(c, i18n.T(c.UserContext(), "signin.page.tab"), brand)
	email := c.FormValue("email")
	req, err := s.Auth.RequestLink(c.UserContext(), email, s.meta(c))
	var fieldErr tenancy.FieldError
	var limited auth.ErrRateLimited
	switch {
	case errors.As(err, &fieldErr):
		form := s.signInForm(email)
		form.Error = i18n.T(c.UserContext(), "signin.page.email_invalid")
		return render(c, fiber.StatusUnprocessableEntity, views.SignInPage(p, form), views.SignInPanel(p, form))
	case errors.As(err, &limited):
		wait := time.Until(limited.Until).Round(time.Minute)
		if wait < time.Minute {
			wait = time.Minute
		}
		msg := i18n.N(c.UserContext(), "signin.page.limited_address", int(wait.Minutes()))
		if limited.PerIP {
			msg = i18n.N(c.UserContext(), "signin.page.limited_network", int(wait.Minutes()))
		}
		form := s.signInForm(email)
		form.Error = msg
		c.Set(fiber.HeaderRetryAfter, fmt.Sprint(int(wait.Seconds())))
		return render(c, fiber.StatusTooManyRequests, views.SignInPage(p, form), views.SignInPanel(p, form))
	case err != nil:
		return err
	}
	toast(c, i18n.T(c.UserContext(), "signin.inbox.toast", "Email", req.Email))
	box := views.CheckInbox{Email: req.Email, RequestID: req.RequestID, CSRF: p.CSRF}
	return render(c, fiber.StatusOK, views.CheckInboxPage(p, box), views.CheckInboxPanel(box))
}

// redeemCode signs in with the code typed from the email.
func (s *Server) redeemCode(c *fiber.Ctx) error {
	requestID, code, email := c.FormValue("request"), c.FormValue("code"), c.FormValue("email")
	signedIn, err := s.Auth.RedeemCode(c.UserContext(), requestID, code, s.meta(c))
	if err == nil {
		return s.startSession(c, signedIn)
	}
	var msg string
	switch {
	case errors.Is(err, signin.ErrWrongCode):
		msg = i18n.T(c.UserContext(), "signin.inbox.wrong_code")
	case errors.Is(err, signin.ErrLocked):
		msg = i18n.T(c.UserContext(), "signin.inbox.locked")
	case errors.Is(err, signin.ErrExpired):
		msg = i18n.T(c.UserContext(), "signin.inbox.expired")
	case errors.Is(err, signin.ErrUsed):
		msg = i18n.T(c.UserContext(), "signin.inbox.used")
	case errors.Is(err, signin.ErrInvalidLink):
		msg = i18n.T(c.UserContext(), "signin.inbox.wrong_code")
	default:
		return err
	}
	p := s.page(c, i18n.T(c.UserContext(), "signin.page.tab"), s.ambientBrand(c))
	box := views.CheckInbox{Email: email, RequestID: requestID, CodeError: msg, CSRF: p.CSRF}
	return render(c, fiber.StatusUnprocessableEntity, views.CheckInboxPage(p, box), views.CheckInboxPanel(box))
}

// openLink is what a GET of the emailed link shows: a button. Mail scanners
// fetch links; only the button's POST signs in.
func (s *Server) openLink(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	token := c.Query("t")
	st, err := s.Auth.OpenLink(c.UserContext(), c.Params("id"), token, s.meta(c))
	if err != nil {
		return err
	}
	// An expired training link goes to the partner's sign-in page with the
	// email filled in: one click gets a fresh link.
	if st.Request.Training && errors.Is(st.Err, signin.ErrExpired) && st.Partner.Slug != "" {
		q := url.Values{"email": {st.Request.Email}, "expired": {"1"}}
		return c.Redirect("/p/"+st.Partner.Slug+"/signin?"+q.Encode(), fiber.StatusSeeOther)
	}
	brand := productBrand
	if st.Partner.ID != "" {
		brand = brandOf(st.Partner)
	}
	land := views.LinkLanding{RequestID: c.Params("id"), Token: token, Email: st.Request.Email, Problem: problemText(c.UserContext(), st.Err),
		Breaches: st.Err == nil && st.Request.Training && st.Request.Destination == signin.DestinationBreaches}
	if st.Course != nil {
		land.Course = s.courseTitle(c.UserContext(), st.Course.CourseID, st.Course.Version, st.Course.Title)
		land.Started, land.Completed = st.Course.Started, st.Course.Completed
	}
	return render(c, fiber.StatusOK, views.LinkLandingPage(s.page(c, i18n.T(c.UserContext(), "signin.page.tab"), brand), land), nil)
}

// redeemLink is the button's POST: it spends the token, once.
func (s *Server) redeemLink(c *fiber.Ctx) error {
	signedIn, err := s.Auth.RedeemLink(c.UserContext(), c.Params("id"), c.FormValue("t"), s.meta(c))
	if err == nil {
		return s.startSession(c, signedIn)
	}
	problem := problemText(c.UserContext(), err)
	if problem == "" {
		return err
	}
	st, lerr := s.Auth.LinkState(c.UserContext(), c.Params("id"), "")
	if lerr != nil {
		return lerr
	}
	brand := productBrand
	if st.Partner.ID != "" {
		brand = brandOf(st.Partner)
	}
	land := views.LinkLanding{RequestID: c.Params("id"), Email: st.Request.Email, Problem: problem}
	return render(c, fiber.StatusGone, views.LinkLandingPage(s.page(c, i18n.T(c.UserContext(), "signin.page.tab"), brand), land), nil)
}

func problemText(ctx context.Context, err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, signin.ErrExpired):
		return i18n.T(ctx, "signin.link.expired")
	case errors.Is(err, signin.ErrUsed):
		return i18n.T(ctx, "signin.link.used")
	case errors.Is(err, signin.ErrInvalidLink), errors.Is(err, signin.ErrNoSuchRequest):
		return i18n.T(ctx, "signin.link.invalid")
	}
	return ""
}

// startSession sets the session cookie (a fresh session id at every
// sign-in, ending any session the browser had) and moves on.
func (s *Server) startSession(c *fiber.Ctx, in auth.SignedIn) error {
	if old, ok := sessionOf(c); ok {
		if err := s.Auth.SignOut(c.UserContext(), old, s.meta(c)); err != nil {
			return err
		}
	}
	if err := s.setCookie(c, sessionCookie, in.Secret, auth.AbsoluteTimeout); err != nil {
		return err
	}
	if in.Session.LearnerID != "" {
		if _, err := s.rememberLearnersPartner(c, in.Session.LearnerID); err != nil {
			return err
		}
	}
	s.waitFor(c, in.Position)
	if in.Session.LearnerID == "" {
		return redirect(c, s.landingFor(c, in.Session))
	}
	if in.Next != "" {
		return redirect(c, in.Next)
	}
	return redirect(c, "/courses")
}

// showOrganisations lets someone whose email is in several organisations
// pick one, at sign-in or later from the account menu ("Switch
// organisation"). It lists only the learners the session's sign-in
// proved. Its brand is theirs, not the remembered partner's: one
// partner's when every organisation is at that partner, else the
// product's, with each organisation's partner named (and its logo) on its
// own row.
func (s *Server) showOrganisations(c *fiber.Ctx) error {
	sess, ok := sessionOf(c)
	if !ok {
		return c.Redirect(s.signInPath(c), fiber.StatusSeeOther)
	}
	learners, err := s.Auth.Candidates(c.UserContext(), sess)
	if err != nil {
		return err
	}
	if len(learners) == 0 {
		if roles, err := s.Auth.StaffRoles(c.UserContext(), sess); err == nil && len(roles) > 0 {
			return c.Redirect("/staff", fiber.StatusSeeOther)
		}
	}
	choices := make([]views.OrgChoice, 0, len(learners))
	brand := productBrand
	for i, l := range learners {
		partner, err := s.Dir.Partner(c.UserContext(), l.PartnerID)
		if err != nil {
			return err
		}
		choice := views.OrgChoice{LearnerID: l.ID, Organisation: l.ClientName, Partner: partner.Name, Current: l.ID == sess.LearnerID}
		if b := brandOf(partner); b.LogoURL != "" {
			choice.LogoURL = b.LogoURL
		}
		choices = append(choices, choice)
		switch {
		case i == 0:
			brand = brandOf(partner)
		case brand.Slug != partner.Slug:
			brand = productBrand // organisations at several partners: no one partner's page
		}
	}
	if len(learners) == 0 {
		brand = productBrand
	}
	picker := views.OrgPicker{Email: sess.Email, Choices: choices, Switching: sess.LearnerID != ""}
	return render(c, fiber.StatusOK, views.OrgPickerPage(s.page(c, i18n.T(c.UserContext(), "signin.org.title"), brand), picker), nil)
}

// chooseOrganisation binds the session to the picked organisation (at
// sign-in, or a switch later): only a learner the session's sign-in
// proved, recorded as signin.organisation_chosen.v1 either way.
func (s *Server) chooseOrganisation(c *fiber.Ctx) error {
	sess, ok := sessionOf(c)
	if !ok {
		return redirect(c, s.signInPath(c))
	}
	learnerID := c.FormValue("learner")
	err := s.Auth.ChooseOrganisation(c.UserContext(), sess, learnerID, s.meta(c))
	if errors.Is(err, signin.ErrNotCandidate) {
		// A forged or another person's learner id: as if there were none.
		return fiber.NewError(fiber.StatusNotFound, "not one of your organisations")
	}
	if errors.Is(err, signin.ErrNoSession) {
		return fiber.NewError(fiber.StatusForbidden, "this sign-in has ended")
	}
	if err != nil {
		return err
	}
	if _, err := s.rememberLearnersPartner(c, learnerID); err != nil {
		return err
	}
	return redirect(c, "/courses")
}

// signOut ends the session on the server and forgets the cookie; the
// person lands on their partner's sign-in page.
func (s *Server) signOut(c *fiber.Ctx) error {
	to := ""
	if sess, ok := sessionOf(c); ok {
		if err := s.Auth.SignOut(c.UserContext(), sess, s.meta(c)); err != nil {
			return err
		}
		if sess.LearnerID != "" {
			slug, err := s.rememberLearnersPartner(c, sess.LearnerID)
			if err != nil {
				return err
			}
			to = "/p/" + slug + "/signin"
		}
	}
	s.clearCookie(c, sessionCookie)
	if to == "" {
		to = s.signInPath(c)
	}
	return redirect(c, to)
}

// toast asks the page to show a short message (htmx requests). The
// header is ASCII: anything else is a JSON escape (\u00fc), since browsers
// read header bytes as Latin-1 and "ü" would arrive as "Ã¼".
func toast(c *fiber.Ctx, text string) {
	b, _ := json.Marshal(map[string]string{"toast": text})
	var h strings.Builder
	for _, r := range string(b) {
		switch {
		case r < 0x80:
			h.WriteRune(r)
		case r > 0xffff:
			r1, r2 := utf16.EncodeRune(r)
			fmt.Fprintf(&h, "\\u%04x\\u%04x", r1, r2)
		default:
			fmt.Fprintf(&h, "\\u%04x", r)
		}
	}
	c.Set("HX-Trigger", h.String())
}
