package app

import (
	"context"
	"strings"
	"testing"
	"time"

	dom "github.com/awareportal/portal/domain/breach"
	"github.com/awareportal/portal/domain/reminder"
	"github.com/awareportal/portal/domain/signin"
	"github.com/awareportal/portal/internal/auth"
	"github.com/awareportal/portal/internal/breaches"
	"github.com/awareportal/portal/internal/catalog"
	"github.com/awareportal/portal/internal/i18n"
	"github.com/awareportal/portal/internal/mail"
	"github.com/awareportal/portal/internal/reminders"
	"github.com/awareportal/portal/internal/team"
	"github.com/awareportal/portal/internal/training"
	"github.com/awareportal/portal/internal/welcome"
	"github.com/awareportal/portal/projections/directory"
	"github.com/awareportal/portal/projections/progress"
)

// englishGiveaways are English words and phrases of the emails that a
// German or French email must not hold (the test data has none of them
// in names or titles).
var englishGiveaways = []string{"Hi ", " the ", " your ", " you ", "Start ", "Sign in", "sign-in", "button", " due ", "overdue", "Reminder",
	"Welcome", "certificate", "Breaches", "breach", "Your ", "training", "Training", " hour", " person ", "people", "Review", "Open My Team", "<no value>"}

// TestEmailsInGermanAndFrench renders one email of every kind the portal
// sends in German and in French: each says what it should in that language
// (subject, HTML and text parts, dates in the language's style), none holds
// a catalogue key or an English phrase, and the language is the learner's
// own choice before their organisation's default.
func TestEmailsInGermanAndFrench(t *testing.T) {
	ctx := context.Background()
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	keys := cat.Keys(i18n.English)
	partner := directory.Partner{Name: "Northwind IT", Slug: "northwind", AccentColor: "#0b7285"}
	sent := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC) // a Monday
	dueDec7 := time.Date(2026, 12, 7, 23, 0, 0, 0, time.UTC)
	for _, lang := range []i18n.Lang{i18n.German, i18n.French} {
		// German comes from the client's default, French from the
		// learner's own choice over a German default.
		learner := directory.Learner{ID: "acme-zoe", FirstName: "Zoë", LastName: "Łukasiewicz", Email: "zoe@acme.example", ClientName: "Acme GmbH",
			TimeZone: "Europe/Berlin", Source: "manual", ClientLanguage: "de"}
		if lang == i18n.French {
			learner.ChosenLanguage = "fr"
		}
		manager := learner
		manager.FirstName = "Morgan"
		want := func(de, fr string) string {
			if lang == i18n.German {
				return de
			}
			return fr
		}
		course := &catalog.Course{Title: "Phishing 101", Summary: "Phish-o-mat.", Minutes: 10}
		kinds := []struct {
			name   string
			render func() (mail.Message, error)
			says   []string
		}{
			{"sign-in link", func() (mail.Message, error) {
				return renderSignInMail(ctx, auth.LinkMail{To: learner.Email, FirstName: learner.FirstName, Partner: partner, Link: "http://localhost/signin/link/r1?t=x",
					Code: "ABC-DEF", Expires: signin.LinkTTL, BaseURL: "http://localhost", Lang: lang})
			}, []string{
				want("Anmeldung zur Schulung von Northwind IT", "Connexion à la formation Northwind IT"),
				want("Oder geben Sie diesen Code auf der Anmeldeseite ein: ABC-DEF", "Ou saisissez ce code sur la page de connexion\u00a0: ABC-DEF"),
				want("laufen in 1 Stunde ab", "expirent dans 1 heure"),
			}},
			{"sign-in method", func() (mail.Message, error) {
				return renderSignInMail(ctx, auth.LinkMail{To: learner.Email, FirstName: learner.FirstName, Partner: partner, Link: "http://localhost/p/northwind/signin",
					BaseURL: "http://localhost", Method: signin.MethodMicrosoft, Lang: lang})
			}, []string{want("„Mit Microsoft anmelden“", "«\u00a0Se connecter avec Microsoft\u00a0»"), want("Zur Anmeldeseite", "Aller à la page de connexion")}},
			{"course assigned", func() (mail.Message, error) {
				return renderCourseMail(ctx, training.CourseMail{Learner: learner, Partner: partner, Course: course, DueAt: dueDec7, Link: "http://localhost/x", SignsIn: true, BaseURL: "http://localhost"})
			}, []string{
				want("Neue Schulung: Phishing 101", "Nouvelle formation\u00a0: Phishing 101"),
				want("Etwa 10 Minuten · fällig am Montag, 7. Dezember", "Environ 10 minutes · à faire d’ici le lundi 7 décembre"),
				want("Schulung starten", "Commencer la formation"),
			}},
			{"certificate", func() (mail.Message, error) {
				return renderCertificateMail(ctx, training.CertificateMail{Learner: learner, Partner: partner, PDF: []byte("%PDF-"), VerifyURL: "http://localhost/verify/CERT-1",
					Certificate: progress.Certificate{ID: "CERT-1", CourseTitle: "Phishing 101", CompletedAt: time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)}, BaseURL: "http://localhost"})
			}, []string{
				want("Ihr Zertifikat: Phishing 101", "Votre certificat\u00a0: Phishing 101"),
				want("Phishing 101 am 1. November 2026 abgeschlossen", "Phishing 101 le 1er novembre 2026"),
				want("<strong>Phishing 101</strong>", "<strong>Phishing 101</strong>"),
			}},
			{"welcome", func() (mail.Message, error) {
				return renderWelcomeMail(ctx, welcome.Mail{Learner: learner, Partner: partner, Link: "http://localhost/x", SignsIn: true, BaseURL: "http://localhost"})
			}, []string{
				want("Willkommen zur Security-Schulung von Northwind IT", "Bienvenue dans la formation à la sécurité de Northwind IT"),
				want("bei Acme GmbH", "chez Acme GmbH"), want("Hier starten", "Commencer ici"),
			}},
			{"team reminder", func() (mail.Message, error) {
				return renderReminderMail(ctx, team.Mail{Learner: learner, Manager: "Morgan Manager", Partner: partner, SignsIn: false, BaseURL: "http://localhost",
					Courses: []team.MailCourse{{Title: "Phishing 101", DueAt: time.Date(2026, 11, 16, 23, 0, 0, 0, time.UTC), Overdue: true, Link: "http://localhost/x"}}})
			}, []string{
				want("Erinnerung: Ihre Security-Schulung", "Rappel\u00a0: votre formation à la sécurité"),
				want("Morgan Manager hat uns gebeten", "Morgan Manager nous a demandé"),
				want("Überfällig seit Montag, 16. November", "En retard depuis le lundi 16 novembre"),
				want("1 Kurs wartet auf Sie:", "1 cours vous attend\u00a0:"),
			}},
			{"scheduled reminder", func() (mail.Message, error) {
				item := reminder.Item{AssignmentID: "a1", Title: "Phishing 101", DueAt: sent.Add(3 * 24 * time.Hour)}
				return renderScheduledReminder(ctx, reminders.Mail{Learner: learner, Partner: partner, Sent: reminder.Sent{Items: []reminder.Item{item}, At: sent}, SignsIn: true,
					Courses: []reminders.Course{{Title: "Phishing 101", Link: "http://localhost/x", DueAt: item.DueAt}}, BaseURL: "http://localhost"})
			}, []string{
				want("Erinnerung: Phishing 101 ist in 3 Tagen fällig", "Rappel\u00a0: Phishing 101 est à faire dans 3 jours"),
				want("Fällig in 3 Tagen (Donnerstag, 26. November)", "À faire dans 3 jours (jeudi 26 novembre)"),
			}},
			{"manager digest", func() (mail.Message, error) {
				return renderDigest(ctx, reminders.DigestMail{Manager: manager, Partner: partner, TeamLink: "http://localhost/team", BaseURL: "http://localhost",
					Reports: []reminder.DigestReport{{Name: "Ann Able", Overdue: 1}, {Name: "Ben Baker", Overdue: 2}}})
			}, []string{
				want("Ihr Team: 3 überfällige Schulungskurse", "Votre équipe\u00a0: 3 formations en retard"),
				want("Ann Able: 1 überfällig", "Ann Able: 1 en retard"), want("2 Kurse überfällig", "2 cours en retard"),
				want("Hallo Morgan,", "Bonjour Morgan,"),
			}},
			{"breach notification", func() (mail.Message, error) {
				return renderBreachMail(ctx, breaches.Mail{Learner: learner, Partner: partner, Link: "http://localhost/x", SignsIn: true, BaseURL: "http://localhost",
					Breaches: []dom.Breach{{ID: "b1", Name: "ShopRight", BreachDate: time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC), DataClasses: []string{"Passwords"}, Tier: dom.TierPassword}}})
			}, []string{
				want("Ihre geschäftliche E-Mail-Adresse steht in einem Datenleck", "Votre adresse e-mail professionnelle figure dans une fuite de données"),
				want("Passwort offengelegt", "Mot de passe exposé"), want("Datenleck vom 1. März 2024", "fuite du 1er mars 2024"),
			}},
		}
		for _, k := range kinds {
			msg, err := k.render()
			if err != nil {
				t.Fatalf("%s %s: %v", lang, k.name, err)
			}
			all := msg.Subject + "\n" + msg.Text + "\n" + msg.HTML
			for _, s := range k.says {
				if !strings.Contains(all, s) && !strings.Contains(all, escapeHTML(s)) {
					t.Errorf("%s %s lacks %q:\nsubject: %s\n%s", lang, k.name, s, msg.Subject, msg.Text)
				}
			}
			if !strings.Contains(msg.HTML, `<html lang="`+string(lang)+`">`) {
				t.Errorf("%s %s: HTML part's lang is not %s", lang, k.name, lang)
			}
			if !strings.Contains(msg.Text, want("Hallo ", "Bonjour ")) || !strings.Contains(msg.HTML, want("Hallo ", "Bonjour ")) {
				t.Errorf("%s %s: no greeting in both parts", lang, k.name)
			}
			if msg.FromName != want("Northwind IT Schulungen", "Formation Northwind IT") {
				t.Errorf("%s %s: from %q", lang, k.name, msg.FromName)
			}
			for _, key := range keys {
				if strings.Contains(all, key) {
					t.Errorf("%s %s shows the key %q", lang, k.name, key)
				}
			}
			for _, en := range englishGiveaways {
				if strings.Contains(all, en) {
					t.Errorf("%s %s holds English %q:\nsubject: %s\n%s", lang, k.name, en, msg.Subject, msg.Text)
				}
			}
		}
	}
}

func escapeHTML(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;").Replace(s)
}
