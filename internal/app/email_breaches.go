package app

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	dom "github.com/awareportal/portal/domain/breach"
	"github.com/awareportal/portal/internal/breaches"
	"github.com/awareportal/portal/internal/mail"
	"github.com/awareportal/portal/views"
)

// maxBreachesInMail is how many breaches one notification lists; the rest
// are counted ("…and 12 more") and on the Breaches page. An ingestion can
// bring thousands for one email, which would make a message mail servers
// refuse.
const maxBreachesInMail = 10

// renderBreachMail tells a learner of breaches newly found for their
// email, most serious first, with a link to the Breaches page.
func renderBreachMail(ctx context.Context, m breaches.Mail) (mail.Message, error) {
	subject := "Your work email appeared in a data breach"
	if len(m.Breaches) > 1 {
		subject = fmt.Sprintf("Your work email appeared in %d data breaches", len(m.Breaches))
	}
	data := views.BreachEmail{Frame: frame(subject, m.Partner, m.BaseURL), FirstName: m.Learner.FirstName, Link: m.Link, SignsIn: m.SignsIn, Total: len(m.Breaches)}
	var list strings.Builder
	for i, b := range m.Breaches {
		if i == maxBreachesInMail {
			fmt.Fprintf(&list, "…and %d more on your Breaches page.\n\n", len(m.Breaches)-maxBreachesInMail)
			break
		}
		item := views.BreachEmailItem{Name: b.Name, Title: b.Tier.Title(), When: "breached " + b.BreachDate.Format("2 January 2006"),
			Exposed: strings.Join(b.DataClasses, ", "), Advice: b.Tier.Advice(), Urgent: b.Tier == dom.TierPassword}
		data.Breaches = append(data.Breaches, item)
		fmt.Fprintf(&list, "%s: %s, %s\nExposed: %s\n%s\n\n", item.Name, item.Title, item.When, item.Exposed, item.Advice)
	}
	var html bytes.Buffer
	if err := views.BreachEmailHTML(data).Render(ctx, &html); err != nil {
		return mail.Message{}, err
	}
	how := "Review your breaches (signs you straight in for 7 days):"
	if !m.SignsIn {
		how = "Review your breaches (sign in with your work account, then open Breaches):"
	}
	text := fmt.Sprintf(`Hi %s,

Your work email appears in public data breaches we had not told you about:

%s%s
%s

-- 
%s
`, m.Learner.FirstName, list.String(), how, m.Link, m.Partner.Name)
	return mail.Message{FromName: m.Partner.Name + " Training", To: m.Learner.Email, Subject: subject, Text: text, HTML: html.String()}, nil
}
