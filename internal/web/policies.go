package web

import (
	"context"
	"errors"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/a-h/templ"
	"github.com/gofiber/fiber/v2"

	dom "github.com/awareportal/portal/domain/policy"
	"github.com/awareportal/portal/domain/tenancy"
	"github.com/awareportal/portal/internal/i18n"
	"github.com/awareportal/portal/internal/policy"
	"github.com/awareportal/portal/internal/when"
	"github.com/awareportal/portal/projections/policies"
	"github.com/awareportal/portal/views"
)

// policyItem is a signature request as the learner's list shows it.
func policyItem(tr *i18n.Translator, r policies.Request, now time.Time, loc *time.Location) views.PolicyItem {
	it := views.PolicyItem{ID: r.PolicyID, Title: r.Title, Version: r.Version, Format: "PDF"}
	if r.ContentType == dom.ContentTypeMarkdown {
		it.Format = "Markdown"
	}
	if r.Outstanding {
		it.DueLabel, it.Overdue, it.Again = when.Label(tr, r.DueAt, now, loc), r.IsOverdue(now), r.SignedVersion > 0
	} else {
		it.Version = r.SignedVersion
		if r.SignedAt != nil {
			it.SignedOn = when.ShortIn(tr, *r.SignedAt, now, loc)
		}
	}
	return it
}

// policyRequests are the signed-in learner's signature requests, read
// once per HTTP request: the banner, the nav count and the page all use
// them.
func (s *Server) policyRequests(c *fiber.Ctx, learnerID string) ([]policies.Request, error) {
	if list, ok := c.Locals(keyPolicyRequests).([]policies.Request); ok {
		return list, nil
	}
	list, err := s.Policies.ForLearner(s.learnerReads(c), learnerID)
	if err != nil {
		return nil, err
	}
	if list == nil {
		list = []policies.Request{}
	}
	c.Locals(keyPolicyRequests, list)
	return list, nil
}

// showPolicies lists the learner's policies: to sign, then signed.
func (s *Server) showPolicies(c *fiber.Ctx) error {
	l, _ := learnerOf(c)
	list, err := s.policyRequests(c, l.ID)
	if err != nil {
		return err
	}
	tr := i18n.From(c.UserContext())
	p, err := s.learnerPage(c, tr.T("policies.title"), "policies", nil)
	if err != nil {
		return err
	}
	now := s.Clock.Now()
	var v views.PoliciesList
	for _, r := range list {
		if signed := c.Query("signed"); signed != "" && signed == r.PolicyID && !r.Outstanding {
			p.Flash = tr.T("policies.flash.signed", "Title", r.Title, "Version", r.SignedVersion)
		}
		if r.Outstanding {
			v.Outstanding = append(v.Outstanding, policyItem(tr, r, now, l.Location()))
		} else {
			v.Signed = append(v.Signed, policyItem(tr, r, now, l.Location()))
		}
	}
	return render(c, fiber.StatusOK, views.PoliciesPage(p, v), views.PoliciesPanel(v))
}

// readPolicy shows one of the learner's policies, with the Sign form
// while it is outstanding.
func (s *Server) readPolicy(c *fiber.Ctx) error {
	return s.renderPolicy(c, fiber.StatusOK, views.SignForm{})
}

func (s *Server) renderPolicy(c *fiber.Ctx, status int, form views.SignForm) error {
	l, _ := learnerOf(c)
	rd, err := s.Policies.Read(c.UserContext(), l, c.Params("id"))
	if errors.Is(err, policy.ErrNotFound) {
		return fiber.ErrNotFound
	}
	if err != nil {
		return err
	}
	r := rd.Request
	p, err := s.learnerPage(c, r.Title, "policies", nil)
	if err != nil {
		return err
	}
	form.PolicyID, form.Version, form.CSRF = r.PolicyID, r.Version, p.CSRF
	v := views.PolicyReader{
		PolicyItem: policyItem(i18n.From(c.UserContext()), r, s.Clock.Now(), l.Location()), DocumentURL: "/policies/" + r.PolicyID + "/document", Size: byteSizeIn(c.UserContext(), rd.Size),
		Outstanding: r.Outstanding, SignedName: r.SignedName, SignedSHA: r.SignedSHA256, FullName: l.FullName(), Form: form,
	}
	v.Version = r.Version
	if rd.HTML != "" {
		v.HTML = templ.Raw(string(rd.HTML))
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return render(c, status, views.PolicyReaderPage(p, v), views.PolicyReaderPanel(v))
}

// signPolicy records the learner's signature, then back to the list (or,
// refused, the form again with the reasons: swapped in place for htmx,
// with a toast; the whole page without JavaScript).
func (s *Server) signPolicy(c *fiber.Ctx) error {
	l, _ := learnerOf(c)
	id := c.Params("id")
	version, _ := strconv.Atoi(c.FormValue("version"))
	in := policy.SignInput{Version: version, TypedName: c.FormValue("name"), Accepted: c.FormValue("accept") == "yes"}
	pos, err := s.Policies.Sign(c.UserContext(), l, id, in, s.meta(c))
	form := views.SignForm{TypedName: in.TypedName, Accepted: in.Accepted}
	tr := i18n.From(c.UserContext())
	var fe tenancy.FieldError
	switch {
	case errors.Is(err, policy.ErrNotFound):
		return fiber.ErrNotFound
	case errors.Is(err, dom.ErrNewerVersion):
		form.Error = tr.T("policies.error.newer")
		form.TypedName, form.Accepted = "", false
		return s.refuseSign(c, id, form, form.Error)
	case errors.As(err, &fe):
		var msg string
		switch fe.Field {
		case "accept":
			form.AcceptError = tr.T("policies.error.accept")
			msg = form.AcceptError
		default:
			form.NameError = typedNameProblem(tr, fe, l.FullName())
			msg = form.NameError
		}
		return s.refuseSign(c, id, form, msg)
	case err != nil:
		return err
	}
	s.waitFor(c, pos)
	return redirect(c, "/policies?signed="+url.QueryEscape(id))
}

// refuseSign answers a refused Sign with 422: the form with the reasons
// (htmx swaps it in place, data-swap-refusal), and a toast saying it.
func (s *Server) refuseSign(c *fiber.Ctx, id string, form views.SignForm, msg string) error {
	if isHTMX(c) {
		l, _ := learnerOf(c)
		rd, err := s.Policies.Read(c.UserContext(), l, id)
		if err != nil {
			return err
		}
		if form.Error != "" { // the page is stale: reload it with the new version
			c.Set("HX-Refresh", "true")
		}
		toast(c, msg)
		form.PolicyID, form.Version, form.CSRF = id, rd.Request.Version, s.csrfToken(c)
		return render(c, fiber.StatusUnprocessableEntity, views.SignPolicyForm(form, l.FullName()), nil)
	}
	return s.renderPolicy(c, fiber.StatusUnprocessableEntity, form)
}

// typedNameProblem says what is wrong with the name typed to sign, in
// the reader's language: the domain's problems (dom.Sign, tenancy.Text)
// are English sentences, read here by their stable wording.
func typedNameProblem(tr *i18n.Translator, fe tenancy.FieldError, fullName string) string {
	switch p := fe.Problem; {
	case p == "type your full name to sign":
		return tr.T("policies.error.name_missing")
	case strings.HasPrefix(p, "must be your full name"):
		return tr.T("policies.error.name_wrong", "Name", fullName)
	case strings.HasPrefix(p, "must be at most "):
		return tr.N("policies.error.name_long", tenancy.MaxName)
	case strings.HasPrefix(p, "must not contain control"):
		return tr.T("policies.error.name_chars")
	}
	return tr.T("policies.error.name_other", "Problem", fe.Problem)
}

// policyDocument serves the current document of one of the learner's
// policies: a PDF inline (for the reader's frame) or to download; a
// Markdown file only to download (the reader shows it rendered).
func (s *Server) policyDocument(c *fiber.Ctx) error {
	l, _ := learnerOf(c)
	m, err := s.Policies.Document(c.UserContext(), l, c.Params("id"))
	if errors.Is(err, policy.ErrNotFound) {
		return fiber.ErrNotFound
	}
	if err != nil {
		return err
	}
	return s.sendMedia(c, m, "policy", func(ctx context.Context, off, length int64) io.Reader {
		return s.Policies.OpenDocument(ctx, m, off, length)
	})
}

// heroPolicy is the policy the Courses page recommends instead of a
// course: the most overdue one, or, when no course is due, the soonest
// due. A course due comes first unless a policy is overdue.
func (s *Server) heroPolicy(c *fiber.Ctx, courseDue bool) (*views.PolicyItem, error) {
	if s.Policies == nil {
		return nil, nil
	}
	l, _ := learnerOf(c)
	list, err := s.policyRequests(c, l.ID)
	if err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	for _, r := range list { // outstanding first, soonest due first
		if r.Outstanding && (!courseDue || r.IsOverdue(now)) {
			it := policyItem(i18n.From(c.UserContext()), r, now, l.Location())
			return &it, nil
		}
	}
	return nil, nil
}
