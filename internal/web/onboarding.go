package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	ob "github.com/awareportal/portal/domain/onboarding"
	"github.com/awareportal/portal/domain/policy"
	"github.com/awareportal/portal/domain/tenancy"
	"github.com/awareportal/portal/internal/i18n"
	"github.com/awareportal/portal/internal/media"
	"github.com/awareportal/portal/internal/welcome"
	"github.com/awareportal/portal/projections/directory"
	"github.com/awareportal/portal/views"
)

// startOnboarding sends the learner to their next step (or their courses).
func (s *Server) startOnboarding(c *fiber.Ctx) error {
	l, _ := learnerOf(c)
	step, err := s.Onboarding.Next(c.UserContext(), l)
	if errors.Is(err, welcome.ErrThrough) {
		return redirect(c, "/courses")
	}
	if err != nil {
		return err
	}
	return redirect(c, "/onboarding/"+strconv.Itoa(step))
}

// showOnboardingStep shows one card of the learner's sequence.
func (s *Server) showOnboardingStep(c *fiber.Ctx) error {
	l, _ := learnerOf(c)
	step, err := strconv.Atoi(c.Params("step"))
	if err != nil {
		return fiber.ErrNotFound
	}
	card, err := s.Onboarding.Card(c.UserContext(), l, step, s.meta(c))
	if err != nil {
		return s.onboardingElsewhere(c, err)
	}
	return s.renderOnboarding(c, fiber.StatusOK, l, card, "")
}

// completeOnboardingStep records the step and moves on: to the next card,
// or to the courses after the last one.
func (s *Server) completeOnboardingStep(c *fiber.Ctx) error {
	l, _ := learnerOf(c)
	step, err := strconv.Atoi(c.Params("step"))
	if err != nil {
		return fiber.ErrNotFound
	}
	ack := c.FormValue("acknowledged") == "yes" // the checkbox's value; anything else is not a tick
	next, err := s.Onboarding.Complete(c.UserContext(), l, step, c.FormValue("module"), ack, s.meta(c))
	var fe tenancy.FieldError
	switch {
	case errors.Is(err, ob.ErrTooSoon), errors.As(err, &fe):
		card, cerr := s.Onboarding.Card(c.UserContext(), l, step, s.meta(c))
		if cerr != nil {
			return s.onboardingElsewhere(c, cerr)
		}
		msg := i18n.T(c.UserContext(), "onboarding.video.first")
		if fe.Problem != "" {
			msg = i18n.T(c.UserContext(), "onboarding.pdf.tick")
		} else if card.VideoLeft > 0 {
			msg = i18n.N(c.UserContext(), "onboarding.video.wait", int((card.VideoLeft+time.Second-1)/time.Second))
		}
		toast(c, msg) // htmx does not swap a 422: the toast says it
		return s.renderOnboarding(c, fiber.StatusUnprocessableEntity, l, card, msg)
	case errors.Is(err, ob.ErrNotNext), errors.Is(err, welcome.ErrNoStep):
		return s.startOnboarding(c)
	case err != nil:
		return err
	case next == 0:
		return redirect(c, "/courses")
	}
	return redirect(c, "/onboarding/"+strconv.Itoa(next))
}

// onboardingElsewhere answers a step the learner cannot see: past their
// next one, or onboarding already finished.
func (s *Server) onboardingElsewhere(c *fiber.Ctx, err error) error {
	var ahead welcome.AheadError
	switch {
	case errors.As(err, &ahead):
		return redirect(c, "/onboarding/"+strconv.Itoa(ahead.Next))
	case errors.Is(err, welcome.ErrThrough):
		return redirect(c, "/courses")
	case errors.Is(err, welcome.ErrNoStep):
		return fiber.ErrNotFound
	}
	return err
}

func (s *Server) renderOnboarding(c *fiber.Ctx, status int, l directory.Learner, card welcome.Card, problem string) error {
	partner, err := s.Dir.Partner(c.UserContext(), l.PartnerID)
	if err != nil {
		return err
	}
	brand := brandOf(partner)
	p := s.page(c, moduleTitle(i18n.From(c.UserContext()), card.Module.Title), brand)
	p.Onboarding = true
	m := card.Module
	v := views.OnboardingCard{
		Kind: views.OnboardingKind(m.Kind), ModuleID: m.ID, Step: card.Step, Total: card.Total, Title: moduleTitle(i18n.From(c.UserContext()), m.Title),
		PartnerName: partner.Name, LogoURL: brand.LogoURL, Organisation: l.ClientName, FirstName: l.FirstName,
		ReportButton: card.Details.ReportButton, HelpDesk: card.Details.HelpDesk,
		VideoLeftMS: card.VideoLeft.Milliseconds(), Done: card.Done, Error: problem, CSRF: p.CSRF,
	}
	if m.Text != "" {
		for _, para := range strings.Split(m.Text, "\n") {
			if para = strings.TrimSpace(para); para != "" {
				v.Paragraphs = append(v.Paragraphs, para)
			}
		}
	}
	if v.ReportButton == "" {
		v.ReportButton = i18n.T(c.UserContext(), "onboarding.report.button")
	}
	if v.HelpDesk == "" {
		v.HelpDesk = partner.SupportEmail
	}
	switch {
	case v.HelpDesk == "":
	case ob.HelpDeskIsURL(v.HelpDesk):
		v.HelpDeskURL = v.HelpDesk
	default:
		v.HelpDeskURL = "mailto:" + v.HelpDesk
	}
	if m.Media != nil {
		v.MediaURL = "/onboarding/media/" + m.ID
		v.MediaSize = byteSizeIn(c.UserContext(), m.Media.Size)
		v.VideoType = m.Media.ContentType
	}
	c.Set("Cache-Control", "no-store")
	return render(c, status, views.Layout(p, views.OnboardingPage(v)), views.OnboardingPage(v))
}

// onboardingMedia serves a module's video or PDF to a learner whose
// sequence has it, with byte ranges (video players seek with them).
func (s *Server) onboardingMedia(c *fiber.Ctx) error {
	l, _ := learnerOf(c)
	m, err := s.Onboarding.Media(c.UserContext(), l, c.Params("module"))
	if errors.Is(err, media.ErrNotFound) {
		return fiber.ErrNotFound
	}
	if err != nil {
		return err
	}
	return s.sendMedia(c, m, "policy", func(ctx context.Context, off, length int64) io.Reader {
		return s.Onboarding.OpenMedia(ctx, m, off, length)
	})
}

// sendMedia serves an uploaded file with byte ranges and its hash as
// ETag: a PDF for a frame of ours (or to download), a video, a Markdown
// file to download (name is the download's name, without extension).
func (s *Server) sendMedia(c *fiber.Ctx, m ob.Media, name string, open func(ctx context.Context, off, length int64) io.Reader) error {
	c.Set(fiber.HeaderContentType, m.ContentType)
	c.Set(fiber.HeaderAcceptRanges, "bytes")
	c.Set(fiber.HeaderETag, `"`+m.SHA256+`"`)
	// The address stays when a partner replaces the file: check each time
	// (the ETag makes that a 304 when nothing changed).
	c.Set(fiber.HeaderCacheControl, "private, no-cache")
	if m.ContentType == ob.ContentTypePDF {
		// Shown in the card's frame by the browser's own viewer.
		c.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'self'")
		c.Set("X-Frame-Options", "SAMEORIGIN")
		disposition := "inline"
		if c.Query("download") != "" {
			disposition = "attachment"
		}
		c.Set(fiber.HeaderContentDisposition, disposition+`; filename="`+name+`.pdf"`)
	}
	if m.ContentType == policy.ContentTypeMarkdown {
		// Someone else's text: never rendered by the browser from here.
		c.Set("Content-Security-Policy", "default-src 'none'; sandbox")
		c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`.md"`)
	}
	if c.Get(fiber.HeaderIfNoneMatch) == `"`+m.SHA256+`"` {
		return c.SendStatus(fiber.StatusNotModified)
	}
	off, length, ok := byteRange(c.Get(fiber.HeaderRange), m.Size)
	if !ok {
		c.Set(fiber.HeaderContentRange, fmt.Sprintf("bytes */%d", m.Size))
		return c.SendStatus(fiber.StatusRequestedRangeNotSatisfiable)
	}
	if length < m.Size {
		c.Status(fiber.StatusPartialContent)
		c.Set(fiber.HeaderContentRange, fmt.Sprintf("bytes %d-%d/%d", off, off+length-1, m.Size))
	}
	if c.Method() == fiber.MethodHead {
		c.Set(fiber.HeaderContentLength, strconv.FormatInt(length, 10))
		return nil
	}
	// The body is sent after the handler returns (and the request's
	// deadline is cancelled): the reads get a context of their own, ended
	// when the body has been sent or the client has gone.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.UserContext()), mediaTimeout)
	return c.SendStream(readCloser{open(ctx, off, length), cancel}, int(length))
}

// mediaTimeout bounds sending one media answer (a whole video to a slow phone).
const mediaTimeout = 30 * time.Minute

// readCloser ends a media read's context when fasthttp closes the body.
type readCloser struct {
	io.Reader
	cancel context.CancelFunc
}

func (r readCloser) Close() error { r.cancel(); return nil }

// byteRange reads a Range header of one range ("bytes=a-b", "bytes=a-",
// "bytes=-n"); no header, several ranges or another unit mean the whole
// file. ok is false for a range the file cannot satisfy.
func byteRange(h string, size int64) (off, length int64, ok bool) {
	spec, found := strings.CutPrefix(h, "bytes=")
	if !found || strings.Contains(spec, ",") {
		return 0, size, true
	}
	// A header that does not parse is ignored (RFC 9110 14.2): the whole file.
	first, last, found := strings.Cut(strings.TrimSpace(spec), "-")
	if !found || !digits(first) || !digits(last) || (first == "" && last == "") {
		return 0, size, true
	}
	if first == "" { // the last n bytes
		n, err := strconv.ParseInt(last, 10, 64)
		if err != nil { // more digits than int64: all of it
			return 0, size, true
		}
		if n == 0 {
			return 0, 0, false
		}
		n = min(n, size)
		return size - n, n, true
	}
	start, err := strconv.ParseInt(first, 10, 64)
	if err != nil || start >= size {
		return 0, 0, false
	}
	end := size - 1
	if last != "" {
		if e, err := strconv.ParseInt(last, 10, 64); err == nil {
			end = min(e, size-1)
		}
		if end < start {
			return 0, size, true
		}
	}
	return start, end - start + 1, true
}

// byteSizeIn is a file's size in the context's language ("7 KB", "1,5 Mo").
func byteSizeIn(ctx context.Context, n int64) string {
	tr := i18n.From(ctx)
	switch {
	case n >= 1<<20:
		mb := strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64)
		if tr.Lang() != i18n.English {
			mb = strings.Replace(mb, ".", ",", 1) // German and French write a decimal comma
		}
		return tr.T("onboarding.size.mb", "Size", mb)
	case n >= 1<<10:
		return tr.T("onboarding.size.kb", "Size", tr.Number(int((n+1<<9)>>10)))
	}
	return tr.N("onboarding.size.bytes", int(n))
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// moduleTitle is an onboarding module's title in tr's language when it is
// the portal's own default (ob.DefaultTitle, recorded in English
// when the partner gave none); a partner's own title is shown as written.
func moduleTitle(tr *i18n.Translator, title string) string {
	switch title {
	case ob.DefaultTitle(ob.KindWelcome):
		return tr.T("onboarding.default_title.welcome")
	case ob.DefaultTitle(ob.KindReportPhishing):
		return tr.T("onboarding.default_title.report_phishing")
	case ob.DefaultTitle(ob.KindSubmitTicket):
		return tr.T("onboarding.default_title.submit_ticket")
	case ob.DefaultTitle(ob.KindVideo):
		return tr.T("onboarding.default_title.video")
	case ob.DefaultTitle(ob.KindPolicyPDF):
		return tr.T("onboarding.default_title.policy_pdf")
	}
	return title
}
