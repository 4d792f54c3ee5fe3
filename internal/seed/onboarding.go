package seed

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"time"

	"github.com/awareportal/portal/domain"
	ob "github.com/awareportal/portal/domain/onboarding"
	"github.com/awareportal/portal/internal/eventstore"
	"github.com/awareportal/portal/internal/media"
)

// NewHireEmail is the demo learner who has not been through onboarding.
const NewHireEmail = "new.hire@acme.example"

//go:embed assets
var assets embed.FS

// onboarding gives Northwind a partner default sequence (welcome, report
// phishing, a short video, a one-page policy) and Acme's walkthrough
// details, and takes everyone but the new hire through it.
func onboarding(ctx context.Context, repo eventstore.Repository, files media.Store, through []string, now time.Time) error {
	meta := eventstore.Metadata{ActorID: "system:seed", TenantID: "northwind"}
	at := now.Add(-60 * 24 * time.Hour)
	upload := func(name string) (*ob.Media, error) {
		b, err := assets.ReadFile("assets/" + name)
		if err != nil {
			return nil, err
		}
		m, err := files.Put(ctx, "northwind", name, bytes.NewReader(b), at)
		if err != nil {
			return nil, fmt.Errorf("seed media %s: %w", name, err)
		}
		return &m, nil
	}
	video, err := upload("stop-look-report.webm")
	if err != nil {
		return err
	}
	policy, err := upload("acceptable-use-policy.pdf")
	if err != nil {
		return err
	}
	cfg := ob.NewConfig()
	decide := func(f func() ([]domain.Event, error)) func() ([]domain.Event, error) {
		return func() ([]domain.Event, error) {
			evs, err := f()
			for _, e := range evs {
				cfg.Apply(e)
			}
			return evs, err
		}
	}
	steps := []func() ([]domain.Event, error){
		func() ([]domain.Event, error) {
			return ob.DefineModule(cfg, "northwind", ob.ModuleInput{ID: "welcome", Kind: ob.KindWelcome, Title: "Welcome to your security training",
				Text: "We look after your organisation's IT, and this portal is where you'll build the habits that keep everyone safe. It takes a few minutes a month."}, at)
		},
		func() ([]domain.Event, error) {
			return ob.DefineModule(cfg, "northwind", ob.ModuleInput{ID: "report-phishing", Kind: ob.KindReportPhishing}, at)
		},
		func() ([]domain.Event, error) {
			return ob.DefineModule(cfg, "northwind", ob.ModuleInput{ID: "stop-look-report", Kind: ob.KindVideo, Title: "Stop. Look. Report.", Media: video}, at)
		},
		func() ([]domain.Event, error) {
			return ob.DefineModule(cfg, "northwind", ob.ModuleInput{ID: "acceptable-use", Kind: ob.KindPolicyPDF, Title: "Acceptable use of email and accounts", Media: policy}, at)
		},
		func() ([]domain.Event, error) {
			return ob.SetSequence(cfg, "northwind", "", ob.Sequence{ModuleIDs: []string{"welcome", "report-phishing", "stop-look-report", "acceptable-use"}}, at)
		},
		func() ([]domain.Event, error) {
			return ob.SetDetails(cfg, "northwind", "acme", ob.Details{ReportButton: "Report Message", HelpDesk: "help@northwind-it.example"}, at)
		},
	}
	for _, step := range steps {
		if err := save(ctx, repo, ob.ConfigStream("northwind"), meta, decide(step)); err != nil {
			return err
		}
	}
	seq := cfg.SequenceOf("acme")
	for _, id := range through {
		p := ob.NewProgress()
		t := at.Add(time.Hour)
		var events []domain.Event
		for _, m := range seq {
			if m.Kind == ob.KindVideo {
				opened := ob.Open(p, id, m, t)
				p.Apply(opened[0])
				events = append(events, opened...)
				t = t.Add(m.Media.Duration)
			}
			done, err := ob.Complete(p, id, seq, m.ID, true, t)
			if err != nil {
				return fmt.Errorf("seed onboarding of %s: %w", id, err)
			}
			p.Apply(done[0])
			events = append(events, done...)
			t = t.Add(time.Minute)
		}
		if _, err := repo.Append(ctx, ob.ProgressStream(id), eventstore.NoStream, meta, events...); err != nil {
			return fmt.Errorf("seed onboarding of %s: %w", id, err)
		}
	}
	return nil
}
