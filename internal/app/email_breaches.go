package app

import (
	"context"
	"strings"

	dom "github.com/awareportal/portal/domain/breach"
	"github.com/awareportal/portal/internal/breaches"
	"github.com/awareportal/portal/internal/i18n"
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
	ctx, tr := speaking(ctx, m.Learner)
	subject := tr.N("email.breach.subject", len(m.Breaches))
	data := views.BreachEmail{Frame: frame(subject, m.Partner, m.BaseURL), FirstName: m.Learner.FirstName, Link: m.Link, SignsIn: m.SignsIn, Total: len(m.Breaches)}
	var list []string
	for i, b := range m.Breaches {
		if i == maxBreachesInMail {
			list = append(list, tr.N("email.breach.more", len(m.Breaches)-maxBreachesInMail))
			break
		}
		title, advice := tierWords(tr, b.Tier)
		item := views.BreachEmailItem{Name: b.Name, Title: title, When: tr.T("email.breach.breached", "Date", tr.LongDate(b.BreachDate)),
			Exposed: tr.T("email.breach.exposed", "Classes", strings.Join(b.DataClasses, ", ")), Advice: advice, Urgent: b.Tier == dom.TierPassword}
		data.Breaches = append(data.Breaches, item)
		list = append(list, lines(item.Name+": "+item.Title+", "+item.When, item.Exposed, item.Advice))
	}
	how := tr.T("email.breach.text_signs_in")
	if !m.SignsIn {
		how = tr.T("email.breach.text_work_account")
	}
	text := textPart(tr, m.Learner.FirstName, m.Partner, append(append([]string{tr.N("email.breach.intro", len(m.Breaches))}, list...), lines(how, m.Link))...)
	return message(ctx, tr, m.Partner, m.Learner.Email, subject, text, views.BreachEmailHTML(data))
}

// tierWords are a breach tier's title and advice in tr's language.
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
