package web

import (
	"errors"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	dom "github.com/awareportal/portal/domain/breach"
	"github.com/awareportal/portal/domain/tenancy"
	"github.com/awareportal/portal/internal/breaches"
	"github.com/awareportal/portal/internal/i18n"
	"github.com/awareportal/portal/internal/when"
	rm "github.com/awareportal/portal/projections/breaches"
	"github.com/awareportal/portal/projections/directory"
	"github.com/awareportal/portal/views"
)

// requireBreaches lets through learners with Dark Web Monitoring (the
// partner's and the client's switch on); for anyone else the Breaches page
// does not exist (404).
func (s *Server) requireBreaches(c *fiber.Ctx) error {
	l, ok := learnerOf(c)
	if !ok || s.Breaches == nil {
		return fiber.ErrNotFound
	}
	on, err := s.Breaches.Enabled(c.UserContext(), l)
	if err != nil {
		return err
	}
	if !on {
		return fiber.ErrNotFound
	}
	return c.Next()
}

// showBreaches lists the learner's breaches: active ones by tier, most
// serious first, each tier with what to do; then the resolved ones.
func (s *Server) showBreaches(c *fiber.Ctx) error {
	l, _ := learnerOf(c)
	list, counts, err := s.Breaches.List(c.UserContext(), l)
	if errors.Is(err, breaches.ErrNotFound) {
		return fiber.ErrNotFound
	}
	if err != nil {
		return err
	}
	tr := i18n.From(c.UserContext())
	p, err := s.learnerPage(c, tr.T("breaches.title"), "breaches", nil)
	if err != nil {
		return err
	}
	v := views.BreachesView{Email: l.Email, Count: views.BreachCount{Active: counts.Active, Resolved: len(list) - counts.Active}}
	groups := map[string]*views.BreachGroup{}
	for _, t := range dom.Tiers {
		title, advice := tierWords(tr, t)
		groups[string(t)] = &views.BreachGroup{Tier: string(t), Title: title, Advice: advice, Tone: tierTone(t)}
	}
	now := s.Clock.Now()
	for _, e := range list {
		r := s.breachRow(tr, e, p.CSRF, now, l.Location())
		if !e.Active() {
			v.Resolved = append(v.Resolved, r)
			continue
		}
		if g := groups[e.Tier]; g != nil {
			g.Rows = append(g.Rows, r)
		}
	}
	for _, t := range dom.Tiers {
		if g := groups[string(t)]; len(g.Rows) > 0 {
			v.Groups = append(v.Groups, *g)
		}
	}
	return render(c, fiber.StatusOK, views.BreachesPage(p, v), nil)
}

func tierTone(t dom.Tier) string {
	switch t {
	case dom.TierPassword:
		return "danger"
	case dom.TierPersonal:
		return "warn"
	default:
		return "neutral"
	}
}

// tierWords are a tier's title and what to do about it (the notification
// email says them too).
func tierWords(tr *i18n.Translator, t dom.Tier) (title, advice string) {
	switch t {
	case dom.TierPassword:
		return tr.T("breach.password.title"), tr.T("breach.password.advice")
	case dom.TierPersonal:
		return tr.T("breach.personal.title"), tr.T("breach.personal.advice")
	default:
		return tr.T("breach.data.title"), tr.T("breach.data.advice")
	}
}

// noteChoices are the ready-made notes; the tier's likeliest is checked.
// A chosen note is recorded as its English label (the learner's words are
// recorded as typed) and shown in the reader's language (noteLabel).
var noteChoices = []struct{ value, label string }{
	{"password", "I changed the password"},
	{"card", "I updated the card"},
	{"nothing", "Nothing to do"},
}

// noteLabel is a ready-made note in the reader's language.
func noteLabel(tr *i18n.Translator, value string) string {
	switch value {
	case "password":
		return tr.T("breaches.note.password")
	case "card":
		return tr.T("breaches.note.card")
	case "nothing":
		return tr.T("breaches.note.nothing")
	}
	return value
}

// shownNote is a recorded note as the reader reads it: a ready-made one
// in their language, their own words as written.
func shownNote(tr *i18n.Translator, note string) string {
	for _, ch := range noteChoices {
		if note == ch.label {
			return noteLabel(tr, ch.value)
		}
	}
	return note
}

func (s *Server) breachRow(tr *i18n.Translator, e rm.Exposure, csrf string, now time.Time, loc *time.Location) views.BreachRow {
	t := dom.Tier(e.Tier)
	title, _ := tierWords(tr, t)
	path := "/breaches/" + url.PathEscape(e.BreachID)
	r := views.BreachRow{
		ID: e.BreachID, Name: e.Name, Domain: e.Domain, Tier: e.Tier, Title: title, Tone: tierTone(t),
		BreachDate: tr.Date(e.BreachDate), Disclosed: tr.Date(e.DisclosedDate),
		Exposed: dataClasses(tr, e.DataClasses), Active: e.Active(), Note: shownNote(tr, e.Note),
		ResolveURL: path + "/resolve", ReopenURL: path + "/reopen", CSRF: csrf,
	}
	if e.ResolvedAt != nil {
		r.ResolvedOn = when.ShortIn(tr, *e.ResolvedAt, now, loc)
	}
	likeliest := map[dom.Tier]string{dom.TierPassword: "password", dom.TierPersonal: "card", dom.TierData: "nothing"}[t]
	for _, ch := range noteChoices {
		r.Choices = append(r.Choices, views.BreachNoteChoice{Value: ch.value, Label: noteLabel(tr, ch.value), Checked: ch.value == likeliest})
	}
	return r
}

const problemNotAChoice = "is not one of the choices"

// resolutionNote is the note a Mark resolved form sends: a choice, or
// the learner's own words ("other"), which win when given.
func resolutionNote(c *fiber.Ctx) (string, error) {
	if other := strings.TrimSpace(c.FormValue("other")); other != "" {
		return other, nil
	}
	choice := c.FormValue("note")
	if choice == "" {
		return "", nil
	}
	for _, ch := range noteChoices {
		if ch.value == choice {
			return ch.label, nil
		}
	}
	return "", tenancy.FieldError{Field: "note", Problem: problemNotAChoice}
}

// resolveBreach marks one of the learner's breaches resolved: the row and
// the active count swap in place (htmx), or the page comes back (303). A
// refused note (over 500 characters) is a 422 with the row as it was, the
// text kept and the reason shown.
func (s *Server) resolveBreach(c *fiber.Ctx) error {
	l, _ := learnerOf(c)
	id, err := url.PathUnescape(c.Params("id"))
	if err != nil {
		return fiber.ErrNotFound
	}
	note, err := resolutionNote(c)
	if err == nil {
		var e rm.Exposure
		e, _, err = s.Breaches.Resolve(c.UserContext(), l, id, note, s.meta(c))
		if err == nil {
			return s.breachChanged(c, e, i18n.T(c.UserContext(), "breaches.toast_resolved", "Name", e.Name))
		}
	}
	var fe tenancy.FieldError
	switch {
	case errors.Is(err, breaches.ErrNotFound):
		return fiber.ErrNotFound
	case errors.As(err, &fe):
		return s.refuseResolve(c, l, id, noteProblem(i18n.From(c.UserContext()), fe))
	}
	return err
}

// noteProblem says why a note was refused, in the reader's language (the
// domain's problems, from resolutionNote and tenancy.Text, are English
// sentences, read by their stable wording).
func noteProblem(tr *i18n.Translator, fe tenancy.FieldError) string {
	switch p := fe.Problem; {
	case p == problemNotAChoice:
		return tr.T("breaches.error.note_choice")
	case strings.HasPrefix(p, "must be at most "):
		return tr.N("breaches.error.note_long", dom.MaxNote)
	case strings.HasPrefix(p, "must not contain control"):
		return tr.T("breaches.error.note_chars")
	}
	return tr.T("breaches.error.note_other", "Problem", fe.Problem)
}

// reopenBreach takes a resolved breach back to active.
func (s *Server) reopenBreach(c *fiber.Ctx) error {
	l, _ := learnerOf(c)
	id, err := url.PathUnescape(c.Params("id"))
	if err != nil {
		return fiber.ErrNotFound
	}
	e, _, err := s.Breaches.Reopen(c.UserContext(), l, id, s.meta(c))
	if errors.Is(err, breaches.ErrNotFound) {
		return fiber.ErrNotFound
	}
	if err != nil {
		return err
	}
	return s.breachChanged(c, e, i18n.T(c.UserContext(), "breaches.toast_reopened", "Name", e.Name))
}

func (s *Server) breachChanged(c *fiber.Ctx, e rm.Exposure, msg string) error {
	if !isHTMX(c) {
		return c.Redirect("/breaches", fiber.StatusSeeOther)
	}
	l, _ := learnerOf(c)
	list, counts, err := s.Breaches.List(c.UserContext(), l)
	if err != nil {
		return err
	}
	toast(c, msg)
	row := s.breachRow(i18n.From(c.UserContext()), e, s.csrfToken(c), s.Clock.Now(), l.Location())
	return render(c, fiber.StatusOK, views.BreachRowSwap(row, views.BreachCount{Active: counts.Active, Resolved: len(list) - counts.Active}), nil)
}

func (s *Server) refuseResolve(c *fiber.Ctx, l directory.Learner, id, msg string) error {
	list, counts, err := s.Breaches.List(c.UserContext(), l)
	if err != nil {
		return err
	}
	for _, e := range list {
		if e.BreachID != id {
			continue
		}
		if isHTMX(c) {
			toast(c, msg)
			row := s.breachRow(i18n.From(c.UserContext()), e, s.csrfToken(c), s.Clock.Now(), l.Location())
			row.Error, row.Other = msg, c.FormValue("other")
			return render(c, fiber.StatusUnprocessableEntity, views.BreachRowSwap(row, views.BreachCount{Active: counts.Active, Resolved: len(list) - counts.Active}), nil)
		}
		return userError(c, fiber.StatusUnprocessableEntity, msg)
	}
	return fiber.ErrNotFound
}

// dataClass words a breach catalogue's data class ("Email addresses", as
// Have I Been Pwned names them) in tr's language; a class it does not know
// comes as the catalogue named it.
func dataClass(tr *i18n.Translator, name string) string {
	switch name {
	case "Email addresses":
		return tr.T("breaches.class.email_addresses")
	case "Passwords":
		return tr.T("breaches.class.passwords")
	case "Usernames":
		return tr.T("breaches.class.usernames")
	case "Names":
		return tr.T("breaches.class.names")
	case "Physical addresses":
		return tr.T("breaches.class.physical_addresses")
	case "Phone numbers":
		return tr.T("breaches.class.phone_numbers")
	case "Dates of birth":
		return tr.T("breaches.class.dates_of_birth")
	case "IP addresses":
		return tr.T("breaches.class.ip_addresses")
	case "Partial credit card data":
		return tr.T("breaches.class.partial_card")
	case "Credit cards":
		return tr.T("breaches.class.credit_cards")
	case "Genders":
		return tr.T("breaches.class.genders")
	case "Geographic locations":
		return tr.T("breaches.class.geographic_locations")
	case "Security questions and answers":
		return tr.T("breaches.class.security_questions")
	case "Purchases":
		return tr.T("breaches.class.purchases")
	case "Employers":
		return tr.T("breaches.class.employers")
	case "Job titles":
		return tr.T("breaches.class.job_titles")
	case "Password hints":
		return tr.T("breaches.class.password_hints")
	case "Bank account numbers":
		return tr.T("breaches.class.bank_accounts")
	}
	return name
}

// dataClasses words each of a breach's data classes, joined.
func dataClasses(tr *i18n.Translator, names []string) string {
	words := make([]string, len(names))
	for i, n := range names {
		words[i] = dataClass(tr, n)
	}
	return strings.Join(words, ", ")
}
