package app

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/a-h/templ"

	domaindir "github.com/awareportal/portal/domain/directory"
	"github.com/awareportal/portal/domain/identity"
	"github.com/awareportal/portal/internal/auth"
	"github.com/awareportal/portal/internal/brand"
	"github.com/awareportal/portal/internal/i18n"
	"github.com/awareportal/portal/internal/mail"
	"github.com/awareportal/portal/internal/reminders"
	"github.com/awareportal/portal/internal/team"
	"github.com/awareportal/portal/internal/training"
	"github.com/awareportal/portal/internal/welcome"
	"github.com/awareportal/portal/internal/when"
	"github.com/awareportal/portal/projections/directory"
	"github.com/awareportal/portal/views"
)

// Every email speaks its reader's language: their own choice, else their
// organisation's default, else English (emails have no Accept-Language).
// The renderers put the translator in the context the HTML part renders
// in, and word the subject and the text part with the same keys.

// speaking is ctx with the translator of learner l's emails.
func speaking(ctx context.Context, l directory.Learner) (context.Context, *i18n.Translator) {
	return speakingLang(ctx, i18n.Negotiate(l.ChosenLanguage, l.ClientLanguage, ""))
}

func speakingLang(ctx context.Context, lang i18n.Lang) (context.Context, *i18n.Translator) {
	tr := i18n.For(lang)
	return i18n.With(ctx, tr), tr
}

func frame(title string, p directory.Partner, baseURL string) views.EmailFrame {
	// White text sits on the accent in emails: darkened where it would be illegible.
	f := views.EmailFrame{Title: title, PartnerName: p.Name, Accent: brand.OnWhite(p.AccentColor)}
	if p.LogoSVG != "" {
		f.LogoURL = baseURL + "/brand/" + p.Slug + "/logo.png"
	}
	return f
}

// message renders the HTML part in ctx and assembles the email.
func message(ctx context.Context, tr *i18n.Translator, p directory.Partner, to, subject, text string, html templ.Component) (mail.Message, error) {
	var b bytes.Buffer
	if err := html.Render(ctx, &b); err != nil {
		return mail.Message{}, err
	}
	return mail.Message{FromName: tr.T("email.from", "Partner", p.Name), To: to, Subject: subject, Text: text, HTML: b.String()}, nil
}

// textPart is an email's text part: the greeting, the paragraphs (blank
// lines between), and the partner's signature.
func textPart(tr *i18n.Translator, firstName string, p directory.Partner, paragraphs ...string) string {
	var b strings.Builder
	b.WriteString(tr.T("email.hi", "Name", firstName) + "\n\n")
	for _, para := range paragraphs {
		if para != "" {
			b.WriteString(strings.TrimRight(para, "\n") + "\n\n")
		}
	}
	b.WriteString("-- \n" + p.Name + "\n")
	return b.String()
}

// lines joins lines into one paragraph of the text part.
func lines(ls ...string) string { return strings.Join(ls, "\n") }

// plain is a message with markup (<strong>) as text.
func plain(s string) string { return strings.NewReplacer("<strong>", "", "</strong>", "").Replace(s) }

// renderCourseMail announces a course with its "Start training" link.
func renderCourseMail(ctx context.Context, m training.CourseMail) (mail.Message, error) {
	ctx, tr := speaking(ctx, m.Learner)
	course, fellBack := m.Course.In(tr.Lang()) // its translation, else the English
	subject := tr.T("email.course.subject", "Title", course.Title)
	due := when.Day(tr, m.DueAt, m.Learner.Location())
	data := views.CourseEmail{Frame: frame(subject, m.Partner, m.BaseURL), FirstName: m.Learner.FirstName, CourseTitle: course.Title,
		Summary: course.Summary, Minutes: course.Minutes, Due: due, Link: m.Link, SignsIn: m.SignsIn}
	if fellBack {
		data.CourseLang = string(i18n.English)
	}
	text := textPart(tr, m.Learner.FirstName, m.Partner,
		lines(tr.T("email.course.ready")+" "+course.Title, course.Summary, tr.N("email.course.about", course.Minutes, "Due", due)),
		lines(startLine(tr, m.SignsIn), m.Link))
	return message(ctx, tr, m.Partner, m.Learner.Email, subject, text, views.CourseEmailHTML(data))
}

// renderCertificateMail carries the certificate PDF.
func renderCertificateMail(ctx context.Context, m training.CertificateMail) (mail.Message, error) {
	ctx, tr := speaking(ctx, m.Learner)
	if m.Lang != "" {
		ctx, tr = speakingLang(ctx, m.Lang) // the PDF's, which the page chose
	}
	subject := tr.T("email.certificate.subject", "Title", m.Certificate.CourseTitle)
	completed := tr.LongDate(m.Certificate.CompletedAt.In(m.Learner.Location()))
	data := views.CertificateEmail{Frame: frame(subject, m.Partner, m.BaseURL), FirstName: m.Learner.FirstName,
		CourseTitle: m.Certificate.CourseTitle, Completed: completed, VerifyURL: m.VerifyURL}
	text := textPart(tr, m.Learner.FirstName, m.Partner,
		plain(tr.T("email.certificate.done", "Title", m.Certificate.CourseTitle, "Date", completed)),
		lines(tr.T("email.certificate.verify"), m.VerifyURL))
	msg, err := message(ctx, tr, m.Partner, m.Learner.Email, subject, text, views.CertificateEmailHTML(data))
	msg.Attachments = []mail.Attachment{{Name: tr.T("email.certificate.file", "ID", m.Certificate.ID), ContentType: "application/pdf", Data: m.PDF}}
	return msg, err
}

// renderSignInMail builds the branded sign-in email, HTML and text.
func renderSignInMail(ctx context.Context, l auth.LinkMail) (mail.Message, error) {
	if l.Method != "" {
		return renderSignInMethodMail(ctx, l)
	}
	ctx, tr := speakingLang(ctx, l.Lang)
	expires := tr.N("email.signin.minutes", int(math.Round(l.Expires.Minutes())))
	if l.Expires.Hours() >= 1 && math.Mod(l.Expires.Minutes(), 60) == 0 {
		expires = tr.N("email.signin.hours", int(l.Expires.Hours()))
	}
	subject := tr.T("email.signin.subject", "Partner", l.Partner.Name)
	data := views.SignInEmail{Frame: frame(subject, l.Partner, l.BaseURL), FirstName: l.FirstName, Link: l.Link, Code: l.Code, ExpiresIn: expires}
	text := textPart(tr, l.FirstName, l.Partner,
		tr.T("email.signin.intro_text", "Partner", l.Partner.Name),
		l.Link,
		tr.T("email.signin.code")+" "+l.Code,
		tr.T("email.signin.expiry", "Expires", expires))
	return message(ctx, tr, l.Partner, l.To, subject, text, views.SignInEmailHTML(data))
}

// renderSignInMethodMail answers a link request from someone whose
// organisation turned email links off: which button signs them in.
func renderSignInMethodMail(ctx context.Context, l auth.LinkMail) (mail.Message, error) {
	ctx, tr := speakingLang(ctx, l.Lang)
	provider := l.Method.Title()
	subject := tr.T("email.signin_method.subject", "Partner", l.Partner.Name, "Provider", provider)
	data := views.SignInMethodEmail{Frame: frame(subject, l.Partner, l.BaseURL), FirstName: l.FirstName, Provider: provider, Link: l.Link}
	text := textPart(tr, l.FirstName, l.Partner,
		tr.T("email.signin_method.body", "Provider", provider, "Button", tr.T("signin.with_provider", "Provider", provider)),
		l.Link,
		tr.T("email.ignore"))
	return message(ctx, tr, l.Partner, l.To, subject, text, views.SignInMethodEmailHTML(data))
}

// renderWelcomeMail greets a new learner with a 7-day training link.
func renderWelcomeMail(ctx context.Context, m welcome.Mail) (mail.Message, error) {
	ctx, tr := speaking(ctx, m.Learner)
	subject := tr.T("email.welcome.subject", "Partner", m.Partner.Name)
	how, textHow := tr.T("email.button.signs_in"), tr.T("email.welcome.text_signs_in")
	if !m.SignsIn {
		how = tr.T("email.welcome.work_account", "Provider", identity.MethodOf(domaindir.Source(m.Learner.Source)).Title())
		textHow = tr.T("email.welcome.text_work_account")
	}
	data := views.WelcomeEmail{Frame: frame(subject, m.Partner, m.BaseURL), FirstName: m.Learner.FirstName, Organisation: m.Learner.ClientName, Link: m.Link, How: how}
	text := textPart(tr, m.Learner.FirstName, m.Partner,
		tr.T("email.welcome.set_up", "Partner", m.Partner.Name, "Organisation", m.Learner.ClientName),
		lines(textHow, m.Link),
		tr.T("email.welcome.first_time"))
	return message(ctx, tr, m.Partner, m.Learner.Email, subject, text, views.WelcomeEmailHTML(data))
}

// renderReminderMail is a manager's reminder: the learner's due and overdue
// courses, each with its own 7-day training link.
func renderReminderMail(ctx context.Context, m team.Mail) (mail.Message, error) {
	ctx, tr := speaking(ctx, m.Learner)
	subject := tr.T("email.reminder.subject")
	data := views.ReminderEmail{Frame: frame(subject, m.Partner, m.BaseURL), FirstName: m.Learner.FirstName, Manager: m.Manager, SignsIn: m.SignsIn}
	loc := m.Learner.Location()
	var list []string
	for _, c := range m.Courses {
		due := tr.T("due.on", "Date", when.Day(tr, c.DueAt, loc))
		if c.Overdue {
			due = tr.T("due.overdue_since", "Date", when.Day(tr, c.DueAt, loc))
		}
		data.Courses = append(data.Courses, views.ReminderCourse{Title: c.Title, Due: due, Link: c.Link, Overdue: c.Overdue})
		list = append(list, lines(c.Title, due, tr.T("email.link.start")+" "+c.Link))
	}
	intro := tr.T("email.reminder.intro")
	if m.Manager != "" {
		intro = tr.T("email.reminder.from_manager", "Manager", m.Manager)
	}
	text := textPart(tr, m.Learner.FirstName, m.Partner, append(append([]string{intro + " " + tr.N("email.reminder.waiting", len(m.Courses))}, list...), linkNote(tr, m.SignsIn))...)
	return message(ctx, tr, m.Partner, m.Learner.Email, subject, text, views.ReminderEmailHTML(data))
}

// startLine introduces a course email's link in its text part.
func startLine(tr *i18n.Translator, signsIn bool) string {
	if signsIn {
		return tr.T("email.link.start_signs_in")
	}
	return tr.T("email.link.start_work_account")
}

// linkNote says in a text email what its links do.
func linkNote(tr *i18n.Translator, signsIn bool) string {
	if signsIn {
		return tr.T("email.link.each_signs_in")
	}
	return tr.T("email.link.each_work_account")
}

// renderScheduledReminder is a reminder the client's policy sends: the
// courses it is about, each with its link; its subject says what it is
// about (reminders.Subject).
func renderScheduledReminder(ctx context.Context, m reminders.Mail) (mail.Message, error) {
	ctx, tr := speaking(ctx, m.Learner)
	loc := m.Learner.Location()
	subject := reminders.Subject(tr, m.Sent, loc)
	data := views.ReminderEmail{Frame: frame(subject, m.Partner, m.BaseURL), FirstName: m.Learner.FirstName, SignsIn: m.SignsIn}
	var list []string
	for _, c := range m.Courses {
		due := when.Label(tr, c.DueAt, m.Sent.At, loc) + " (" + when.Day(tr, c.DueAt, loc) + ")"
		if c.Overdue {
			due = tr.T("due.overdue_since", "Date", when.Day(tr, c.DueAt, loc))
		}
		data.Courses = append(data.Courses, views.ReminderCourse{Title: c.Title, Due: due, Link: c.Link, Overdue: c.Overdue})
		list = append(list, lines(c.Title, due, tr.T("email.link.start")+" "+c.Link))
	}
	text := textPart(tr, m.Learner.FirstName, m.Partner, append(append([]string{tr.T("email.reminder.intro") + " " + tr.N("email.reminder.waiting", len(m.Courses))}, list...), linkNote(tr, m.SignsIn))...)
	return message(ctx, tr, m.Partner, m.Learner.Email, subject, text, views.ReminderEmailHTML(data))
}

// renderDigest is a manager's weekly digest: who in their team has
// overdue courses, and how many (never scores).
func renderDigest(ctx context.Context, m reminders.DigestMail) (mail.Message, error) {
	ctx, tr := speaking(ctx, m.Manager)
	overdue := 0
	for _, r := range m.Reports {
		overdue += r.Overdue
	}
	subject := tr.N("email.digest.subject", overdue)
	data := views.DigestEmail{Frame: frame(subject, m.Partner, m.BaseURL), FirstName: m.Manager.FirstName, TeamLink: m.TeamLink}
	var list []string
	for _, r := range m.Reports {
		data.Reports = append(data.Reports, views.DigestReport{Name: r.Name, Overdue: r.Overdue})
		list = append(list, fmt.Sprintf("- %s: %s", r.Name, tr.N("email.digest.overdue_short", r.Overdue)))
	}
	text := textPart(tr, m.Manager.FirstName, m.Partner,
		tr.N("email.digest.intro", len(m.Reports)),
		lines(list...),
		tr.T("email.digest.open_text")+" "+m.TeamLink)
	return message(ctx, tr, m.Partner, m.Manager.Email, subject, text, views.DigestEmailHTML(data))
}
