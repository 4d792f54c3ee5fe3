// Package training runs the learner's side of courses: assignment,
// availability emails with 7-day training links, the course player
// (start, progress, quiz), completion and certificates.
package training

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/awareportal/portal/domain"
	dom "github.com/awareportal/portal/domain/learning"
	"github.com/awareportal/portal/domain/mailing"
	"github.com/awareportal/portal/internal/auth"
	"github.com/awareportal/portal/internal/brand"
	"github.com/awareportal/portal/internal/catalog"
	"github.com/awareportal/portal/internal/certificate"
	"github.com/awareportal/portal/internal/clock"
	"github.com/awareportal/portal/internal/eventstore"
	"github.com/awareportal/portal/internal/i18n"
	"github.com/awareportal/portal/internal/mail"
	"github.com/awareportal/portal/projections/directory"
	"github.com/awareportal/portal/projections/progress"
)

// ErrNotYours hides other learners' assignments (shown as not found).
var ErrNotYours = errors.New("no such assignment")

// Service runs training.
type Service struct {
	Repo     eventstore.Repository
	Catalog  *catalog.Catalog
	Progress progress.Queries
	Dir      directory.Queries
	Mail     mail.Queue
	Clock    clock.Clock
	BaseURL  *url.URL
	Log      *slog.Logger
	Render   Renderers
}

// Renderers build the emails.
type Renderers struct {
	CourseAvailable func(context.Context, CourseMail) (mail.Message, error)
	Certificate     func(context.Context, CertificateMail) (mail.Message, error)
}

// CourseMail announces a course.
type CourseMail struct {
	Learner directory.Learner
	Partner directory.Partner
	Course  *catalog.Course
	DueAt   time.Time
	Link    string
	// SignsIn: the link signs the learner in (else it is the sign-in page).
	SignsIn bool
	BaseURL string
}

// CertificateMail carries a certificate.
type CertificateMail struct {
	Learner     directory.Learner
	Partner     directory.Partner
	Certificate progress.Certificate
	PDF         []byte
	VerifyURL   string
	BaseURL     string
	// Lang is the email's language: the PDF's.
	Lang i18n.Lang
}

// namespace for ids derived from others (idempotent retries).
var namespace = uuid.MustParse("0d6f3a52-4b0e-4c4e-9f5e-7d1d2c9b8a11")

func (s *Service) url(path string) string {
	u := *s.BaseURL
	u.Path = path
	return u.String()
}

// Loaded is an assignment with its course content.
type Loaded struct {
	Assignment progress.Assignment
	Course     *catalog.Course
}

// Load returns one of the learner's assignments with the version of the
// course it was assigned.
func (s *Service) Load(ctx context.Context, learnerID, assignmentID string) (Loaded, error) {
	a, err := s.Progress.Assignment(ctx, assignmentID)
	if errors.Is(err, progress.ErrNotFound) || (err == nil && a.LearnerID != learnerID) {
		return Loaded{}, ErrNotYours
	}
	if err != nil {
		return Loaded{}, err
	}
	c, err := s.Catalog.Version(a.CourseID, a.CourseVersion)
	if err != nil {
		return Loaded{}, err
	}
	return Loaded{Assignment: a, Course: c}, nil
}

func (s *Service) execute(ctx context.Context, learnerID, assignmentID string, meta eventstore.Metadata, decide func(*dom.Assignment) ([]domain.Event, error)) (eventstore.Decided, error) {
	d, err := eventstore.Execute(ctx, s.Repo, dom.Stream(assignmentID), meta, func() *dom.Assignment { return &dom.Assignment{} },
		func(a *dom.Assignment) ([]domain.Event, error) {
			if !a.Exists() || (learnerID != "" && a.LearnerID != learnerID) {
				return nil, ErrNotYours
			}
			return decide(a)
		})
	return d, err
}

// Start opens the course (recorded once).
func (s *Service) Start(ctx context.Context, learnerID, assignmentID string, meta eventstore.Metadata) (eventstore.Position, error) {
	d, err := s.execute(ctx, learnerID, assignmentID, meta, func(a *dom.Assignment) ([]domain.Event, error) { return a.Start(s.Clock.Now()) })
	return d.Result.Position, err
}

// SaveProgress records the learner's place.
func (s *Service) SaveProgress(ctx context.Context, learnerID, assignmentID string, lesson int, meta eventstore.Metadata) (eventstore.Position, error) {
	d, err := s.execute(ctx, learnerID, assignmentID, meta, func(a *dom.Assignment) ([]domain.Event, error) {
		return a.SaveProgress(lesson, s.Clock.Now())
	})
	return d.Result.Position, err
}

// QuizResult is what a quiz submission produced.
type QuizResult struct {
	Submitted dom.QuizSubmitted
	Completed *dom.CourseCompleted
	Position  eventstore.Position
}

// SubmitQuiz scores the answers on the server.
// l is the course as the caller loaded it (Load): the quiz's key comes from
// its version, and nothing is read twice.
func (s *Service) SubmitQuiz(ctx context.Context, l Loaded, answers map[string]string, meta eventstore.Metadata) (QuizResult, error) {
	certID := newCertificateID()
	d, err := s.execute(ctx, l.Assignment.LearnerID, l.Assignment.ID, meta, func(a *dom.Assignment) ([]domain.Event, error) {
		return a.SubmitQuiz(answers, l.Course.Quiz.Key(), certID, s.Clock.Now())
	})
	if err != nil {
		return QuizResult{}, err
	}
	res := QuizResult{Position: d.Result.Position}
	for _, e := range d.Events {
		switch ev := e.(type) {
		case dom.QuizSubmitted:
			res.Submitted = ev
		case dom.CourseCompleted:
			res.Completed = &ev
		}
	}
	return res, nil
}

// newCertificateID is a short, unguessable, readable id.
func newCertificateID() string {
	return "C-" + strings.ToUpper(rand.Text()[:12])
}

// RequestCertificate emails the learner their certificate (again, if asked again).
func (s *Service) RequestCertificate(ctx context.Context, learner directory.Learner, assignmentID string, meta eventstore.Metadata) (eventstore.Position, error) {
	l, err := s.Load(ctx, learner.ID, assignmentID)
	if err != nil {
		return eventstore.Position{}, err
	}
	if !l.Assignment.Completed() {
		return eventstore.Position{}, dom.ErrNotCompleted
	}
	pdf, cert, partner, lang, err := s.certificatePDF(ctx, l.Assignment.CertificateID)
	if err != nil {
		return eventstore.Position{}, err
	}
	msg, err := s.Render.Certificate(ctx, CertificateMail{Learner: learner, Partner: partner, Certificate: cert, PDF: pdf, VerifyURL: s.VerifyURL(cert.ID), BaseURL: s.BaseURL.String(), Lang: lang})
	if err != nil {
		return eventstore.Position{}, fmt.Errorf("render certificate email: %w", err)
	}
	mailID := uuid.NewString()
	d, err := s.execute(ctx, learner.ID, assignmentID, meta, func(a *dom.Assignment) ([]domain.Event, error) {
		return a.RequestCertificate(mailID, s.Clock.Now())
	})
	if err != nil {
		return eventstore.Position{}, err
	}
	if err := s.Mail.Enqueue(ctx, mailID, mailing.KindCertificate, learner.ID, dom.Stream(assignmentID), msg, meta); err != nil {
		return eventstore.Position{}, err
	}
	return d.Result.Position, nil
}

// VerifyURL is the public page that confirms a certificate.
func (s *Service) VerifyURL(certID string) string { return s.url("/verify/" + certID) }

// CertificatePDF renders a certificate in its learner's language: their
// choice, else their organisation's default, else the language of the page
// that asked for it (the context's translator), else English. A
// certificate downloaded from a page and one emailed from the same page
// speak the same language.
func (s *Service) CertificatePDF(ctx context.Context, certID string) ([]byte, progress.Certificate, directory.Partner, error) {
	pdf, cert, partner, _, err := s.certificatePDF(ctx, certID)
	return pdf, cert, partner, err
}

func (s *Service) certificatePDF(ctx context.Context, certID string) ([]byte, progress.Certificate, directory.Partner, i18n.Lang, error) {
	cert, err := s.Progress.Certificate(ctx, certID)
	if err != nil {
		return nil, progress.Certificate{}, directory.Partner{}, "", err
	}
	learner, err := s.Dir.Learner(ctx, cert.LearnerID)
	if err != nil {
		return nil, progress.Certificate{}, directory.Partner{}, "", err
	}
	partner, err := s.Dir.Partner(ctx, learner.PartnerID)
	if err != nil {
		return nil, progress.Certificate{}, directory.Partner{}, "", err
	}
	lang := i18n.Negotiate(learner.ChosenLanguage, learner.ClientLanguage, string(i18n.From(ctx).Lang()))
	// The course's title in that language too (the certificate holds the
	// title as assigned: the English); the email carrying it uses cert's.
	a, err := s.Progress.Assignment(ctx, cert.AssignmentID)
	if err != nil {
		return nil, progress.Certificate{}, directory.Partner{}, "", err
	}
	cert.CourseTitle = s.Catalog.Title(a.CourseID, a.CourseVersion, lang, cert.CourseTitle)
	pdf, err := certificate.Render(certificate.Data{
		ID: cert.ID, LearnerName: cert.LearnerName, CourseTitle: cert.CourseTitle, CompletedAt: cert.CompletedAt.In(learner.Location()), Score: cert.Score,
		PartnerName: partner.Name, PartnerLogo: partner.LogoSVG, AccentColor: brand.OnWhite(partner.AccentColor), Organisation: learner.ClientName,
		VerifyURL: s.VerifyURL(cert.ID), Lang: lang,
	})
	return pdf, cert, partner, lang, err
}

// AssignInput assigns one course to learners.
type AssignInput struct {
	CourseID      string
	LearnerIDs    []string
	AvailableFrom time.Time // zero: now
	DueAt         time.Time
	AssignedBy    string
}

// Assigned says what an assignment request did.
type Assigned struct {
	AssignmentIDs []string            `json:"assignment_ids"`
	Skipped       []string            `json:"skipped_learner_ids"` // already have this course open
	Position      eventstore.Position `json:"-"`
}

// Assign assigns a course to learners who don't already have it open. The
// caller has validated the learners; assignment ids derive from the
// request id, so a retried request does not assign twice.
func (s *Service) Assign(ctx context.Context, requestID string, in AssignInput, meta eventstore.Metadata) (Assigned, error) {
	course, err := s.Catalog.Latest(in.CourseID)
	if err != nil {
		return Assigned{}, err
	}
	now := s.Clock.Now()
	if in.AvailableFrom.IsZero() {
		in.AvailableFrom = now
	}
	var out Assigned
	for _, learnerID := range in.LearnerIDs {
		id := uuid.NewSHA1(namespace, []byte(requestID+"/"+learnerID)).String()
		// A retried request (its first answer lost) answers with the same
		// assignment, not "skipped".
		var earlier dom.Assignment
		if _, err := s.Repo.Load(ctx, dom.Stream(id), &earlier); err != nil {
			return out, err
		}
		if earlier.Exists() {
			out.AssignmentIDs = append(out.AssignmentIDs, id)
			continue
		}
		open, err := s.Progress.OpenCourse(ctx, learnerID, in.CourseID)
		if err != nil {
			return out, err
		}
		if open {
			out.Skipped = append(out.Skipped, learnerID)
			continue
		}
		learner, err := s.Dir.Learner(ctx, learnerID)
		if err != nil {
			return out, err
		}
		d, err := eventstore.Execute(ctx, s.Repo, dom.Stream(id), meta, func() *dom.Assignment { return &dom.Assignment{} },
			func(a *dom.Assignment) ([]domain.Event, error) {
				if a.Exists() {
					return nil, nil // a retried request
				}
				return dom.Assign(a, dom.CourseAssigned{
					AssignmentID: id, LearnerID: learnerID, ClientID: learner.ClientID, CourseID: course.ID, CourseVersion: course.Version,
					CourseTitle: course.Title, Lessons: len(course.Lessons), PassMark: course.Quiz.PassMark,
					AvailableFrom: in.AvailableFrom, DueAt: in.DueAt, AssignedBy: in.AssignedBy,
				}, now)
			})
		if err != nil {
			return out, err
		}
		if d.Result.Position != (eventstore.Position{}) {
			out.Position = d.Result.Position
		}
		out.AssignmentIDs = append(out.AssignmentIDs, id)
	}
	return out, nil
}

// Sweep announces courses that became available and marks overdue ones.
// River runs it every minute; it is safe to run anywhere, any number of
// times: ids are derived, and each step is recorded once.
func (s *Service) Sweep(ctx context.Context) (announced, overdue int, err error) {
	now := s.Clock.Now()
	due, err := s.Progress.DueForNotice(ctx, now, 500)
	if err != nil {
		return 0, 0, err
	}
	for _, id := range due {
		ok, err := s.announce(ctx, id)
		if err != nil {
			s.Log.Error("announce course", "assignment", id, "err", err)
			continue
		}
		if ok {
			announced++
		}
	}
	late, err := s.Progress.DueForOverdue(ctx, now, 500)
	if err != nil {
		return announced, 0, err
	}
	meta := eventstore.Metadata{ActorID: "system:scheduler"}
	for _, id := range late {
		d, err := s.execute(ctx, "", id, meta, func(a *dom.Assignment) ([]domain.Event, error) { return a.MarkOverdue(s.Clock.Now()), nil })
		if err != nil {
			s.Log.Error("mark overdue", "assignment", id, "err", err)
			continue
		}
		if len(d.Events) > 0 {
			overdue++
		}
	}
	return announced, overdue, nil
}

// announce emails the learner a 7-day "Start training" link and records
// that the course became available.
func (s *Service) announce(ctx context.Context, assignmentID string) (bool, error) {
	var a dom.Assignment
	if _, err := s.Repo.Load(ctx, dom.Stream(assignmentID), &a); err != nil {
		return false, err
	}
	now := s.Clock.Now()
	if len(a.MarkAvailable("", now)) == 0 {
		return false, nil
	}
	learner, err := s.Dir.Learner(ctx, a.LearnerID)
	if err != nil {
		return false, err
	}
	meta := eventstore.Metadata{ActorID: "system:scheduler", TenantID: learner.PartnerID}
	mailID := uuid.NewSHA1(namespace, []byte("course-available/"+assignmentID)).String()
	if learner.PortalEnabled {
		if err := s.sendCourseMail(ctx, a, learner, mailID, meta); err != nil {
			return false, err
		}
	} else {
		mailID = "" // portal switched off: nothing to link to
	}
	_, err = s.execute(ctx, "", assignmentID, meta, func(a *dom.Assignment) ([]domain.Event, error) { return a.MarkAvailable(mailID, s.Clock.Now()), nil })
	return err == nil, err
}

func (s *Service) sendCourseMail(ctx context.Context, a dom.Assignment, learner directory.Learner, mailID string, meta eventstore.Metadata) error {
	partner, err := s.Dir.Partner(ctx, learner.PartnerID)
	if err != nil {
		return err
	}
	course, err := s.Catalog.Version(a.CourseID, a.CourseVersion)
	if err != nil {
		return err
	}
	link, signsIn, err := auth.TrainingLink(ctx, s.Repo, s.BaseURL, meta, learner, partner.Slug, a.AssignmentID, s.Clock.Now())
	if err != nil {
		return err
	}
	msg, err := s.Render.CourseAvailable(ctx, CourseMail{Learner: learner, Partner: partner, Course: course, DueAt: a.DueAt, Link: link, SignsIn: signsIn, BaseURL: s.BaseURL.String()})
	if err != nil {
		return fmt.Errorf("render course email: %w", err)
	}
	return s.Mail.Enqueue(ctx, mailID, mailing.KindCourseAvailable, learner.ID, dom.Stream(a.AssignmentID), msg, meta)
}
