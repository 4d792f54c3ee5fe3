// Package auth is passwordless sign-in: email links and codes that mail
// scanners cannot spend, server-side sessions, rate limits.
package auth

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/awareportal/portal/domain"
	dirdomain "github.com/awareportal/portal/domain/directory"
	"github.com/awareportal/portal/domain/identity"
	"github.com/awareportal/portal/domain/learning"
	"github.com/awareportal/portal/domain/mailing"
	"github.com/awareportal/portal/domain/signin"
	"github.com/awareportal/portal/internal/clock"
	"github.com/awareportal/portal/internal/eventstore"
	"github.com/awareportal/portal/internal/i18n"
	"github.com/awareportal/portal/internal/mail"
	"github.com/awareportal/portal/internal/sso"
	"github.com/awareportal/portal/projections/directory"
)

// ErrRateLimited means too many sign-in emails were asked for.
type ErrRateLimited struct {
	Until time.Time
	PerIP bool
}

func (e ErrRateLimited) Error() string {
	return "too many sign-in emails requested; try again later"
}

// Limits for sign-in requests.
var (
	PerEmail = Limit{N: 5, Window: 15 * time.Minute}
	PerIP    = Limit{N: 30, Window: 15 * time.Minute}
)

// minRequestTime pads every link request, known email or not, so that the
// response time says nothing about whether the email has an account.
const minRequestTime = 300 * time.Millisecond

// LinkMail is what the sign-in email shows.
type LinkMail struct {
	To, FirstName string
	Partner       directory.Partner
	Link          string
	Code          string // formatted, ABC-DEF
	Expires       time.Duration
	BaseURL       string
	// Method, when set, makes it the email for someone whose organisation
	// turned email links off: no link or code, the button to use instead,
	// and Link is the partner's sign-in page.
	Method signin.Method
	// Lang is the email's language: the learner's (their choice, else their
	// organisation's default); English for staff who are no learner.
	Lang i18n.Lang
}

// Service runs sign-in.
type Service struct {
	Repo     eventstore.Repository
	Dir      directory.Queries
	Sessions Sessions
	Limiter  Limiter
	Mail     mail.Queue
	Clock    clock.Clock
	CodeKey  []byte
	BaseURL  *url.URL
	Render   func(context.Context, LinkMail) (mail.Message, error)
	Log      *slog.Logger
	// SSO are the configured identity providers (Microsoft, Google).
	SSO map[signin.Method]*sso.Provider
	// Pad is the minimum time of a link request (0 means the default; tests
	// that don't measure it may set it to 1ns).
	Pad time.Duration
}

// Requested tells the page which request to attach a typed code to.
type Requested struct {
	RequestID string
	Email     string
}

// RequestLink records a request for a sign-in email and, when the email
// belongs to a learner, queues the email. Unknown emails get the same answer.
func (s *Service) RequestLink(ctx context.Context, rawEmail string, meta eventstore.Metadata) (Requested, error) {
	start := time.Now()
	defer s.pad(ctx, start)

	email, err := dirdomain.NormalizeEmail(rawEmail)
	if err != nil {
		return Requested{}, err
	}
	now := s.Clock.Now()
	requestID := uuid.NewString()
	for _, check := range []struct {
		bucket string
		limit  Limit
		perIP  bool
	}{{"email:" + email, PerEmail, false}, {"ip:" + meta.RequestIP, PerIP, true}} {
		ok, until, err := s.Limiter.Hit(ctx, check.bucket, check.limit, now)
		if err != nil {
			return Requested{}, err
		}
		if !ok {
			if _, err := s.Repo.Append(ctx, signin.Stream(requestID), eventstore.NoStream, meta, signin.RateLimited(requestID, email, now)...); err != nil {
				return Requested{}, err
			}
			return Requested{}, ErrRateLimited{Until: until, PerIP: check.perIP}
		}
	}

	all, err := s.Dir.LearnersByEmail(ctx, email)
	if err != nil {
		return Requested{}, err
	}
	roles, err := s.Dir.StaffRoles(ctx, email)
	if err != nil {
		return Requested{}, err
	}
	var learners []directory.Learner
	for _, l := range all {
		if EmailLinkAllowed(l) {
			learners = append(learners, l)
		}
	}
	if len(all) > 0 && len(learners) == 0 && len(roles) == 0 {
		// Their organisation signs them in with Microsoft or Google only.
		// The page answers as for anyone (an email is on its way, if the
		// address is registered), and the email tells the mailbox's owner,
		// and no one else, which button to use.
		meta.TenantID = all[0].PartnerID
		if _, err := s.Repo.Append(ctx, signin.Stream(requestID), eventstore.NoStream, meta,
			signin.SignInFailed{RequestID: requestID, Email: email, Reason: signin.ReasonEmailLinksOff, At: now}); err != nil {
			return Requested{}, err
		}
		if err := s.sendMethodHint(ctx, requestID, all[0], meta); err != nil {
			return Requested{}, err
		}
		s.Log.Info("sign-in link requested", "request_id", requestID, "known", true, "links_off", true)
		return Requested{RequestID: requestID, Email: email}, nil
	}
	token, err := NewSecret()
	if err != nil {
		return Requested{}, err
	}
	code, err := newCode()
	if err != nil {
		return Requested{}, err
	}
	in := signin.LinkInput{RequestID: requestID, Email: email, Token: token, Code: code, CodeKey: s.CodeKey, Staff: len(roles) > 0}
	for _, l := range learners {
		in.LearnerIDs = append(in.LearnerIDs, l.ID)
	}
	firstName, lang := "", i18n.English
	switch {
	case len(learners) > 0:
		in.PartnerID, firstName = learners[0].PartnerID, learners[0].FirstName
		lang = i18n.Negotiate(learners[0].ChosenLanguage, learners[0].ClientLanguage, pageLanguage(ctx))
	case len(roles) > 0:
		in.PartnerID, firstName = roles[0].PartnerID, strings.Fields(roles[0].Name + " there")[0]
	}
	if in.PartnerID != "" {
		in.MailID = uuid.NewString()
	}
	meta.TenantID = in.PartnerID
	if _, err := s.Repo.Append(ctx, signin.Stream(requestID), eventstore.NoStream, meta, signin.RequestLink(in, now)...); err != nil {
		return Requested{}, err
	}
	if in.PartnerID != "" {
		if err := s.sendLink(ctx, in, firstName, lang, token, code, meta); err != nil {
			return Requested{}, err
		}
	}
	s.Log.Info("sign-in link requested", "request_id", requestID, "known", in.PartnerID != "")
	return Requested{RequestID: requestID, Email: email}, nil
}

// pageLanguage is the language of the page that asked for a sign-in email
// (the request's translator: its browser's Accept-Language or the
// signed-out language choice), as Negotiate's last resort: someone who
// asks on a German page, and whose organisation sets no language and who
// chose none, gets the email in German. Without a page, English.
func pageLanguage(ctx context.Context) string {
	return string(i18n.From(ctx).Lang())
}

func (s *Service) sendLink(ctx context.Context, in signin.LinkInput, firstName string, lang i18n.Lang, token, code string, meta eventstore.Metadata) error {
	partner, err := s.Dir.Partner(ctx, in.PartnerID)
	if err != nil {
		return err
	}
	link := *s.BaseURL
	link.Path = "/signin/link/" + in.RequestID
	link.RawQuery = url.Values{"t": {token}}.Encode()
	msg, err := s.Render(ctx, LinkMail{
		To: in.Email, FirstName: firstName, Partner: partner, Link: link.String(),
		Code: signin.FormatCode(code), Expires: signin.LinkTTL, BaseURL: s.BaseURL.String(), Lang: lang,
	})
	if err != nil {
		return fmt.Errorf("render sign-in email: %w", err)
	}
	learnerID := ""
	if len(in.LearnerIDs) == 1 {
		learnerID = in.LearnerIDs[0]
	}
	return s.Mail.Enqueue(ctx, in.MailID, mailing.KindSignInLink, learnerID, signin.Stream(in.RequestID), msg, meta)
}

// sendMethodHint emails a learner whose organisation turned email links
// off the name of the button that signs them in.
func (s *Service) sendMethodHint(ctx context.Context, requestID string, l directory.Learner, meta eventstore.Metadata) error {
	partner, err := s.Dir.Partner(ctx, l.PartnerID)
	if err != nil {
		return err
	}
	page := *s.BaseURL
	page.Path = "/p/" + partner.Slug + "/signin"
	page.RawQuery = url.Values{"email": {l.Email}}.Encode()
	msg, err := s.Render(ctx, LinkMail{To: l.Email, FirstName: l.FirstName, Partner: partner, Link: page.String(), BaseURL: s.BaseURL.String(),
		Method: identity.MethodOf(dirdomain.Source(l.Source)), Lang: i18n.Negotiate(l.ChosenLanguage, l.ClientLanguage, pageLanguage(ctx))})
	if err != nil {
		return fmt.Errorf("render sign-in method email: %w", err)
	}
	return s.Mail.Enqueue(ctx, uuid.NewString(), mailing.KindSignInMethod, l.ID, signin.Stream(requestID), msg, meta)
}

func (s *Service) pad(ctx context.Context, start time.Time) {
	d := s.Pad
	if d == 0 {
		d = minRequestTime
	}
	t := time.NewTimer(d - time.Since(start))
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// LinkState is what a GET of the link found.
type LinkState struct {
	Request signin.Request
	Partner directory.Partner
	Err     error // nil: the link can be used
	// Course is the course a usable training link leads into, when it is
	// its learner's own at the link's partner (else nil: the page names
	// no course).
	Course *LinkCourse
}

// LinkCourse is the course a training link leads into.
type LinkCourse struct {
	Title              string // as assigned (English); CourseID and Version find its translations
	CourseID           string
	Version            int
	Started, Completed bool
}

// OpenLink records a GET of the link (scanner or person) and says whether
// the link can still be used. It never signs anyone in.
func (s *Service) OpenLink(ctx context.Context, requestID, token string, meta eventstore.Metadata) (LinkState, error) {
	_, err := eventstore.Execute(ctx, s.Repo, signin.Stream(requestID), meta, func() *signin.Request { return &signin.Request{} },
		func(r *signin.Request) ([]domain.Event, error) { return r.Open(s.Clock.Now()) })
	if errors.Is(err, signin.ErrNoSuchRequest) {
		return LinkState{Err: signin.ErrInvalidLink}, nil
	}
	if err != nil {
		return LinkState{}, err
	}
	return s.LinkState(ctx, requestID, token)
}

// LinkState says, without recording anything, whether the link's token
// would sign in now, and whose brand its pages wear.
func (s *Service) LinkState(ctx context.Context, requestID, token string) (LinkState, error) {
	var req signin.Request
	if _, err := s.Repo.Load(ctx, signin.Stream(requestID), &req); err != nil {
		return LinkState{}, err
	}
	if req.ID == "" {
		return LinkState{Err: signin.ErrInvalidLink}, nil
	}
	st := LinkState{Request: req}
	if req.PartnerID != "" {
		p, err := s.Dir.Partner(ctx, req.PartnerID)
		if err != nil {
			return LinkState{}, err
		}
		st.Partner = p
	}
	if _, err := req.RedeemLink(token, signin.Redemption{}, s.Clock.Now()); err != nil {
		st.Err = err
		return st, nil
	}
	if req.Training && req.AssignmentID != "" {
		c, ok, err := s.linkCourse(ctx, req)
		if err != nil {
			return LinkState{}, err
		}
		if ok {
			st.Course = &c
		}
	}
	return st, nil
}

// linkCourse is the course of a training link's assignment, if the
// assignment is the link's learner's and that learner is the link
// partner's; ok is false otherwise (a link recorded any other way names no
// course: no title crosses from one tenant to another).
func (s *Service) linkCourse(ctx context.Context, req signin.Request) (c LinkCourse, ok bool, err error) {
	var a learning.Assignment
	if _, err := s.Repo.Load(ctx, learning.Stream(req.AssignmentID), &a); err != nil {
		return LinkCourse{}, false, err
	}
	if a.AssignmentID == "" || len(req.LearnerIDs) != 1 || a.LearnerID != req.LearnerIDs[0] {
		return LinkCourse{}, false, nil
	}
	l, err := s.Dir.Learner(ctx, a.LearnerID)
	if errors.Is(err, directory.ErrNotFound) {
		return LinkCourse{}, false, nil
	}
	if err != nil {
		return LinkCourse{}, false, err
	}
	if l.PartnerID != req.PartnerID || l.ClientID != a.ClientID {
		return LinkCourse{}, false, nil
	}
	return LinkCourse{Title: a.CourseTitle, CourseID: a.CourseID, Version: a.CourseVersion, Started: a.Started, Completed: a.Completed}, true, nil
}

// SignedIn is the result of a successful redemption.
type SignedIn struct {
	Secret  string // for the cookie; never logged
	Session Session
	Next    string // where to go: a training link goes straight to its course
	// Position is where the SignedIn event landed (read-your-writes).
	Position eventstore.Position
}

// RedeemLink spends the link's token and starts a session. Of many parallel
// redemptions of one link exactly one succeeds.
func (s *Service) RedeemLink(ctx context.Context, requestID, token string, meta eventstore.Metadata) (SignedIn, error) {
	red := signin.Redemption{SessionRef: newRef(), Method: signin.MethodEmailLink}
	return s.redeem(ctx, requestID, meta, func(r *signin.Request) ([]domain.Event, error) {
		return r.RedeemLink(token, red, s.Clock.Now())
	})
}

// RedeemCode signs in with the code from the email, typed on any device.
func (s *Service) RedeemCode(ctx context.Context, requestID, code string, meta eventstore.Metadata) (SignedIn, error) {
	red := signin.Redemption{SessionRef: newRef(), Method: signin.MethodEmailCode}
	return s.redeem(ctx, requestID, meta, func(r *signin.Request) ([]domain.Event, error) {
		return r.RedeemCode(code, s.CodeKey, red, s.Clock.Now())
	})
}

func (s *Service) redeem(ctx context.Context, requestID string, meta eventstore.Metadata, decide func(*signin.Request) ([]domain.Event, error)) (SignedIn, error) {
	var req signin.Request
	d, err := eventstore.Execute(ctx, s.Repo, signin.Stream(requestID), meta, func() *signin.Request { return &signin.Request{} },
		func(r *signin.Request) ([]domain.Event, error) {
			req = *r
			return decide(r)
		})
	if errors.Is(err, signin.ErrNoSuchRequest) {
		return SignedIn{}, signin.ErrInvalidLink
	}
	if err != nil {
		return SignedIn{}, err
	}
	ev, ok := d.Events[0].(signin.SignedIn)
	if !ok {
		return SignedIn{}, fmt.Errorf("redeem %s: unexpected %T", requestID, d.Events[0])
	}
	next := ""
	switch {
	case req.Training && req.AssignmentID != "":
		next = "/learn/" + req.AssignmentID
	case req.Training && req.Destination == signin.DestinationBreaches:
		next = "/breaches"
	}
	return s.begin(ctx, requestID, ev, d.Result.Position, meta, next)
}

// begin stores the session a SignedIn event started.
func (s *Service) begin(ctx context.Context, requestID string, ev signin.SignedIn, pos eventstore.Position, meta eventstore.Metadata, next string) (SignedIn, error) {
	now := s.Clock.Now()
	sess := Session{Ref: ev.SessionRef, RequestID: requestID, Email: ev.Email, LearnerID: ev.LearnerID, LearnerIDs: ev.LearnerIDs,
		Method: ev.Method, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(AbsoluteTimeout)}
	if ev.LearnerID != "" {
		sess.LearnerIDs = []string{ev.LearnerID}
	}
	secret, err := s.Sessions.Create(ctx, sess, meta.RequestIP, meta.UserAgent)
	if err != nil {
		return SignedIn{}, err
	}
	s.Log.Info("signed in", "request_id", requestID, "session", sess.Ref, "method", ev.Method)
	return SignedIn{Secret: secret, Session: sess, Position: pos, Next: next}, nil
}

// Candidates lists the learners an organisation-less session may choose:
// those its sign-in proved, never every learner who shares the email (a
// Microsoft sign-in vouched for at one partner's client must not reach
// another partner's learner with the same address).
func (s *Service) Candidates(ctx context.Context, sess Session) ([]directory.Learner, error) {
	all, err := s.Dir.LearnersByEmail(ctx, sess.Email)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(all, func(l directory.Learner) bool { return !slices.Contains(sess.LearnerIDs, l.ID) }), nil
}

// ChooseOrganisation binds the session to one of its email's learners.
func (s *Service) ChooseOrganisation(ctx context.Context, sess Session, learnerID string, meta eventstore.Metadata) error {
	_, err := eventstore.Execute(ctx, s.Repo, signin.Stream(sess.RequestID), meta, func() *signin.Request { return &signin.Request{} },
		func(r *signin.Request) ([]domain.Event, error) {
			return r.ChooseOrganisation(sess.Ref, learnerID, s.Clock.Now())
		})
	if err != nil {
		return err
	}
	return s.Sessions.SetLearner(ctx, sess.Ref, learnerID)
}

// SignOut ends the session on the server.
func (s *Service) SignOut(ctx context.Context, sess Session, meta eventstore.Metadata) error {
	if err := s.Sessions.Revoke(ctx, sess.Ref, s.Clock.Now()); err != nil {
		return err
	}
	_, err := eventstore.Execute(ctx, s.Repo, signin.Stream(sess.RequestID), meta, func() *signin.Request { return &signin.Request{} },
		func(r *signin.Request) ([]domain.Event, error) { return r.SignOut(sess.Ref, s.Clock.Now()), nil })
	return err
}

// newCode returns a random code from signin.CodeAlphabet.
func newCode() (string, error) {
	b := make([]byte, signin.CodeLength)
	max := big.NewInt(int64(len(signin.CodeAlphabet)))
	for i := range b {
		n, err := rand.Int(rand.Reader, max)
		if err != nil {
			return "", err
		}
		b[i] = signin.CodeAlphabet[n.Int64()]
	}
	return string(b), nil
}

// StaffRoles are the live staff grants a session holds. A partner grants a
// role to an email; a session holds it only when its sign-in proved that
// email in a way the granting partner trusts:
//   - an email link or code proves the mailbox itself, so every partner's
//     grants to that email apply;
//   - Microsoft or Google prove the email only at the partners whose client
//     bindings vouched for the token (the partners of the learners it
//     matched): another partner's grants to the same address do not apply;
//   - a training link is a forwardable 7-day bearer link from a course
//     email: it proves nothing for staff, and holds no role.
func (s *Service) StaffRoles(ctx context.Context, sess Session) ([]directory.StaffRole, error) {
	switch sess.Method {
	case signin.MethodEmailLink, signin.MethodEmailCode:
		return s.Dir.StaffRoles(ctx, sess.Email)
	case signin.MethodMicrosoft, signin.MethodGoogle:
	default:
		return []directory.StaffRole{}, nil
	}
	roles, err := s.Dir.StaffRoles(ctx, sess.Email)
	if err != nil || len(roles) == 0 {
		return roles, err
	}
	vouched, err := s.Candidates(ctx, sess)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(roles, func(r directory.StaffRole) bool {
		return !slices.ContainsFunc(vouched, func(l directory.Learner) bool { return l.PartnerID == r.PartnerID })
	}), nil
}
