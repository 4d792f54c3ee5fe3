package web

import (
	"errors"
	"mime"
	"path"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	dom "github.com/awareportal/portal/domain/learning"
	"github.com/awareportal/portal/internal/catalog"
	"github.com/awareportal/portal/internal/i18n"
	"github.com/awareportal/portal/internal/training"
	"github.com/awareportal/portal/projections/progress"
	"github.com/awareportal/portal/views"
)

// requestCertificate emails the certificate; clicking again re-sends.
func (s *Server) requestCertificate(c *fiber.Ctx) error {
	l, _ := learnerOf(c)
	pos, err := s.Training.RequestCertificate(c.UserContext(), l, c.Params("id"), s.meta(c))
	switch {
	case errors.Is(err, training.ErrNotYours):
		return fiber.ErrNotFound
	case errors.Is(err, dom.ErrNotCompleted):
		return userError(c, fiber.StatusConflict, i18n.T(c.UserContext(), "certificate_page.complete_first"))
	case err != nil:
		return err
	}
	s.waitFor(c, pos)
	if isHTMX(c) {
		toast(c, i18n.T(c.UserContext(), "certificate_page.emailed", "Email", l.Email))
		return c.SendStatus(fiber.StatusNoContent)
	}
	return c.Redirect("/courses/completed?sent=1", fiber.StatusSeeOther)
}

// downloadCertificate gives the signed-in learner their own certificate.
func (s *Server) downloadCertificate(c *fiber.Ctx) error {
	id := strings.TrimSuffix(c.Params("file"), ".pdf")
	l, _ := learnerOf(c)
	cert, err := s.Progress.Certificate(c.UserContext(), id)
	if errors.Is(err, progress.ErrNotFound) || (err == nil && cert.LearnerID != l.ID) {
		return fiber.ErrNotFound
	}
	if err != nil {
		return err
	}
	pdf, _, _, err := s.Training.CertificatePDF(c.UserContext(), id)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/pdf")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="certificate-`+cert.ID+`.pdf"`)
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return c.Send(pdf)
}

// verifyCertificate is public: it confirms name, course and date, nothing more.
func (s *Server) verifyCertificate(c *fiber.Ctx) error {
	id := c.Params("id")
	v := views.VerifyView{ID: id}
	brand := productBrand
	cert, err := s.Progress.Certificate(c.UserContext(), id)
	switch {
	case errors.Is(err, progress.ErrNotFound):
	case err != nil:
		return err
	default:
		learner, err := s.Dir.Learner(c.UserContext(), cert.LearnerID)
		if err != nil {
			return err
		}
		partner, err := s.Dir.Partner(c.UserContext(), learner.PartnerID)
		if err != nil {
			return err
		}
		brand = brandOf(partner)
		v = views.VerifyView{Found: true, ID: cert.ID, LearnerName: cert.LearnerName, CourseTitle: cert.CourseTitle,
			Date: i18n.From(c.UserContext()).LongDate(cert.CompletedAt.In(learner.Location())), PartnerName: partner.Name}
	}
	status := fiber.StatusOK
	if !v.Found {
		status = fiber.StatusNotFound
	}
	c.Set("X-Robots-Tag", "noindex")
	return render(c, status, views.VerifyPage(s.page(c, i18n.T(c.UserContext(), "certificate_page.title"), brand), v), nil)
}

// courseAsset serves a course's images and videos.
func (s *Server) courseAsset(c *fiber.Ctx) error {
	version, err := strconv.Atoi(c.Params("version"))
	if err != nil {
		return fiber.ErrNotFound
	}
	course, err := s.Catalog.Version(c.Params("course"), version)
	if errors.Is(err, catalog.ErrNoCourse) {
		return fiber.ErrNotFound
	}
	if err != nil {
		return err
	}
	name := c.Params("*")
	data, err := course.Asset(name)
	if err != nil {
		return fiber.ErrNotFound
	}
	ct := mime.TypeByExtension(path.Ext(name))
	if ct == "" {
		ct = "application/octet-stream"
	}
	c.Set(fiber.HeaderContentType, ct)
	c.Set(fiber.HeaderCacheControl, "public, max-age=86400")
	if path.Ext(name) == ".svg" {
		c.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; sandbox")
	}
	return c.Send(data)
}
