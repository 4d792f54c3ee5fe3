package app

import (
	"bytes"
	"context"
	"fmt"
	"math"

	"github.com/awareportal/portal/internal/auth"
	"github.com/awareportal/portal/internal/mail"
	"github.com/awareportal/portal/views"
)

// renderSignInMail builds the branded sign-in email, HTML and text.
func renderSignInMail(l auth.LinkMail) (mail.Message, error) {
	expires := fmt.Sprintf("%d minutes", int(math.Round(l.Expires.Minutes())))
	if l.Expires.Hours() >= 1 && math.Mod(l.Expires.Minutes(), 60) == 0 {
		expires = fmt.Sprintf("%d hour", int(l.Expires.Hours()))
		if l.Expires.Hours() > 1 {
			expires += "s"
		}
	}
	data := views.SignInEmail{PartnerName: l.Partner.Name, Accent: l.Partner.AccentColor, FirstName: l.FirstName, Link: l.Link, Code: l.Code, ExpiresIn: expires}
	if l.Partner.LogoSVG != "" {
		data.LogoURL = l.BaseURL + "/brand/" + l.Partner.Slug + "/logo.svg"
	}
	var html bytes.Buffer
	if err := views.SignInEmailHTML(data).Render(context.Background(), &html); err != nil {
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
