package app

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"strings"

	domaindir "github.com/awareportal/portal/domain/directory"

	"github.com/awareportal/portal/domain/identity"
	"github.com/awareportal/portal/internal/auth"
	"github.com/awareportal/portal/internal/brand"
	"github.com/awareportal/portal/internal/mail"
	"github.com/awareportal/portal/internal/reminders"
	"github.com/awareportal/portal/internal/team"
	"github.com/awareportal/portal/internal/training"
	"github.com/awareportal/portal/internal/welcome"
	"github.com/awareportal/portal/internal/when"
	"github.com/awareportal/portal/projections/directory"
	"github.com/awareportal/portal/views"
)

func frame(title string, p directory.Partner, baseURL string) views.EmailFrame {
	// White text sits on the accent in emails: darkened where it would be illegible.
	f := views.EmailFrame{Title: title, PartnerName: p.Name, Accent: brand.OnWhite(p.AccentColor)}
	if p.LogoSVG != "" {
		f.LogoURL = baseURL + "/brand/" + p.Slug + "/logo.png"
	}
	return f
}

// renderCourseMail announces a course with its "Start training" link.
func renderCourseMail(ctx context.Context, m training.CourseMail) (mail.Message, error) {
	subject := "New training: " + m.Course.Title
	due := when.DueDate(m.DueAt, m.Learner.Location())
	data := views.CourseEmail{Frame: frame(subject, m.Partner, m.BaseURL), FirstName: m.Learner.FirstName, CourseTitle: m.Course.Title,
		Summary: m.Course.Summary, Minutes: m.Course.Minutes, Due: due, Link: m.Link, SignsIn: m.SignsIn}
	var html bytes.Buffer
	if err := views.CourseEmailHTML(data).Render(ctx, &html); err != nil {
		return mail.Message{}, err
	}
	text := fmt.Sprintf(`Hi %s,

A new course is ready for you: %s
%s
About %d minutes, due %s.

%s
%s

-- 
%s
`, m.Learner.FirstName, m.Course.Title, m.Course.Summary, m.Course.Minutes, due, startLine(m.SignsIn), m.Link, m.Partner.Name)
	return mail.Message{FromName: m.Partner.Name + " Training", To: m.Learner.Email, Subject: subject, Text: text, HTML: html.String()}, nil
}

// renderCertificateMail carries the certificate PDF.
func renderCertificateMail(ctx context.Context, m training.CertificateMail) (mail.Message, error) {
	subject := "Your certificate: " + m.Certificate.CourseTitle
	completed := m.Certificate.CompletedAt.In(m.Learner.Location()).Format("2 January 2006")
	data := views.CertificateEmail{Frame: frame(subject, m.Partner, m.BaseURL), FirstName: m.Learner.FirstName,
		CourseTitle: m.Certificate.CourseTitle, Completed: completed, VerifyURL: m.VerifyURL}
	var html bytes.Buffer
	if err := views.CertificateEmailHTML(data).Render(ctx, &html); err != nil {
		return mail.Message{}, err
	}
	text := fmt.Sprintf(`Hi %s,

Well done on completing %s on %s. Your certificate is attached as a PDF.

Anyone you share it with can check it at:
%s

-- 
%s
`, m.Learner.FirstName, m.Certificate.CourseTitle, completed, m.VerifyURL, m.Partner.Name)
	return mail.Message{
		FromName: m.Partner.Name + " Training", To: m.Learner.Email, Subject: subject, Text: text, HTML: html.String(),
		Attachments: []mail.Attachment{{Name: "certificate-" + m.Certificate.ID + ".pdf", ContentType: "application/pdf", Data: m.PDF}},
	}, nil
}

// renderSignInMail builds the branded sign-in email, HTML and text.
func renderSignInMail(ctx context.Context, l auth.LinkMail) (mail.Message, error) {
	if l.Method != "" {
		return renderSignInMethodMail(ctx, l)
	}
	expires := fmt.Sprintf("%d minutes", int(math.Round(l.Expires.Minutes())))
	if l.Expires.Hours() >= 1 && math.Mod(l.Expires.Minutes(), 60) == 0 {
		expires = fmt.Sprintf("%d hour", int(l.Expires.Hours()))
		if l.Expires.Hours() > 1 {
			expires += "s"
		}
	}
	data := views.SignInEmail{PartnerName: l.Partner.Name, Accent: brand.OnWhite(l.Partner.AccentColor), FirstName: l.FirstName, Link: l.Link, Code: l.Code, ExpiresIn: expires}
	if l.Partner.LogoSVG != "" {
		data.LogoURL = l.BaseURL + "/brand/" + l.Partner.Slug + "/logo.png"
	}
	var html bytes.Buffer
	if err := views.SignInEmailHTML(data).Render(ctx, &html); err != nil {
		return mail.Message{}, err
	}
	text := fmt.Sprintf(`Hi %s,

Sign in to your %s security awareness training:

%s

Or type this code on the sign-in page: %s

The link and code work once and expire in %s. If you didn't ask to sign in, you can ignore this email.

-- 
%s
`, l.FirstName, l.Partner.Name, l.Link, l.Code, expires, l.Partner.Name)
	return mail.Message{
		FromName: l.Partner.Name + " Training",
		To:       l.To,
		Subject:  "Sign in to " + l.Partner.Name + " Training",
		Text:     text,
		HTML:     html.String(),
	}, nil
}

// renderSignInMethodMail answers a link request from someone whose
// organisation turned email links off: which button signs them in.
func renderSignInMethodMail(ctx context.Context, l auth.LinkMail) (mail.Message, error) {
	provider := l.Method.Title()
	subject := "Sign in to " + l.Partner.Name + " Training with " + provider
	data := views.SignInMethodEmail{Frame: frame(subject, l.Partner, l.BaseURL), FirstName: l.FirstName, Provider: provider, Link: l.Link}
	var html bytes.Buffer
	if err := views.SignInMethodEmailHTML(data).Render(ctx, &html); err != nil {
		return mail.Message{}, err
	}
	text := fmt.Sprintf(`Hi %s,

Someone asked for a sign-in link for this address. Your organisation signs you in with your %s account instead, so no link was sent: open the sign-in page and press "Sign in with %s".

%s

If you didn't ask to sign in, you can ignore this email.

-- 
%s
`, l.FirstName, provider, provider, l.Link, l.Partner.Name)
	return mail.Message{FromName: l.Partner.Name + " Training", To: l.To, Subject: subject, Text: text, HTML: html.String()}, nil
}

// renderWelcomeMail greets a new learner with a 7-day training link.
func renderWelcomeMail(ctx context.Context, m welcome.Mail) (mail.Message, error) {
	subject := "Welcome to " + m.Partner.Name + " security training"
	how := "This button signs you straight in for the next 7 days. After that, you'll be asked for your email to get a fresh sign-in link."
	textHow := "Start here (signs you straight in for 7 days):"
	if !m.SignsIn {
		how = "Sign in with your work account (" + identity.MethodOf(domaindir.Source(m.Learner.Source)).Title() + ") on the page this button opens."
		textHow = "Start here (sign in with your work account):"
	}
	data := views.WelcomeEmail{Frame: frame(subject, m.Partner, m.BaseURL), FirstName: m.Learner.FirstName, Organisation: m.Learner.ClientName, Link: m.Link, How: how}
	var html bytes.Buffer
	if err := views.WelcomeEmailHTML(data).Render(ctx, &html); err != nil {
		return mail.Message{}, err
	}
	text := fmt.Sprintf(`Hi %s,

%s has set up security-awareness training for you at %s: short
courses that help you spot phishing and keep your accounts safe.

%s
%s

The first time, a few short steps introduce the programme. After that,
your courses are waiting.

-- 
%s
`, m.Learner.FirstName, m.Partner.Name, m.Learner.ClientName, textHow, m.Link, m.Partner.Name)
	return mail.Message{FromName: m.Partner.Name + " Training", To: m.Learner.Email, Subject: subject, Text: text, HTML: html.String()}, nil
}

// renderReminderMail is a manager's reminder: the learner's due and overdue
// courses, each with its own 7-day training link.
func renderReminderMail(ctx context.Context, m team.Mail) (mail.Message, error) {
	subject := "Reminder: your security training"
	data := views.ReminderEmail{Frame: frame(subject, m.Partner, m.BaseURL), FirstName: m.Learner.FirstName, Manager: m.Manager, SignsIn: m.SignsIn}
	var list strings.Builder
	loc := m.Learner.Location()
	for _, c := range m.Courses {
		due := "Due " + when.DueDate(c.DueAt, loc)
		if c.Overdue {
			due = "Overdue since " + when.DueDate(c.DueAt, loc)
		}
		data.Courses = append(data.Courses, views.ReminderCourse{Title: c.Title, Due: due, Link: c.Link, Overdue: c.Overdue})
		fmt.Fprintf(&list, "%s (%s)\nStart training: %s\n\n", c.Title, strings.ToLower(due[:1])+due[1:], c.Link)
	}
	var html bytes.Buffer
	if err := views.ReminderEmailHTML(data).Render(ctx, &html); err != nil {
		return mail.Message{}, err
	}
	intro := "A reminder about your security awareness training."
	if m.Manager != "" {
		intro = m.Manager + " asked us to remind you about your security awareness training."
	}
	text := fmt.Sprintf(`Hi %s,

%s

%s-- 
%s
%s
`, m.Learner.FirstName, intro, list.String(), linkNote(m.SignsIn), m.Partner.Name)
	return mail.Message{FromName: m.Partner.Name + " Training", To: m.Learner.Email, Subject: subject, Text: text, HTML: html.String()}, nil
}

// startLine introduces a course email's link in its text part.
func startLine(signsIn bool) string {
	if signsIn {
		return "Start training (signs you straight in for 7 days):"
	}
	return "Start training (sign in with your work account):"
}

// linkNote says in a text email what its links do.
func linkNote(signsIn bool) string {
	if signsIn {
		return "Each Start training link signs you straight in for 7 days."
	}
	return "Each link leads to the sign-in page: sign in with your work account as usual."
}

// renderScheduledReminder is a reminder the client's policy sends: the
// courses it is about, each with its link.
func renderScheduledReminder(ctx context.Context, m reminders.Mail) (mail.Message, error) {
	data := views.ReminderEmail{Frame: frame(m.Subject, m.Partner, m.BaseURL), FirstName: m.Learner.FirstName, SignsIn: m.SignsIn}
	var list strings.Builder
	for _, c := range m.Courses {
		data.Courses = append(data.Courses, views.ReminderCourse{Title: c.Title, Due: c.Due, Link: c.Link, Overdue: c.Overdue})
		fmt.Fprintf(&list, "%s (%s)\nStart training: %s\n\n", c.Title, strings.ToLower(c.Due[:1])+c.Due[1:], c.Link)
	}
	var html bytes.Buffer
	if err := views.ReminderEmailHTML(data).Render(ctx, &html); err != nil {
		return mail.Message{}, err
	}
	text := fmt.Sprintf(`Hi %s,

A reminder about your security awareness training.

%s-- 
%s
%s
`, m.Learner.FirstName, list.String(), linkNote(m.SignsIn), m.Partner.Name)
	return mail.Message{FromName: m.Partner.Name + " Training", To: m.Learner.Email, Subject: m.Subject, Text: text, HTML: html.String()}, nil
}

// renderDigest is a manager's weekly digest: who in their team has
// overdue courses, and how many (never scores).
func renderDigest(ctx context.Context, m reminders.DigestMail) (mail.Message, error) {
	overdue := 0
	for _, r := range m.Reports {
		overdue += r.Overdue
	}
	subject := fmt.Sprintf("Your team: %d overdue training course", overdue)
	if overdue != 1 {
		subject += "s"
	}
	data := views.DigestEmail{Frame: frame(subject, m.Partner, m.BaseURL), FirstName: m.Manager.FirstName, TeamLink: m.TeamLink}
	var list strings.Builder
	for _, r := range m.Reports {
		data.Reports = append(data.Reports, views.DigestReport{Name: r.Name, Overdue: r.Overdue})
		fmt.Fprintf(&list, "- %s: %d overdue\n", r.Name, r.Overdue)
	}
	var html bytes.Buffer
	if err := views.DigestEmailHTML(data).Render(ctx, &html); err != nil {
		return mail.Message{}, err
	}
	text := fmt.Sprintf(`Hi %s,

Your weekly training digest: people in your team with overdue security training.

%s
Open My Team to remind them: %s

-- 
%s
`, m.Manager.FirstName, list.String(), m.TeamLink, m.Partner.Name)
	return mail.Message{FromName: m.Partner.Name + " Training", To: m.Manager.Email, Subject: subject, Text: text, HTML: html.String()}, nil
}
