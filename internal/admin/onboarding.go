package admin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"

	"github.com/awareportal/portal/domain"
	ob "github.com/awareportal/portal/domain/onboarding"
	"github.com/awareportal/portal/internal/eventstore"
	"github.com/awareportal/portal/internal/media"
)

// ModuleInput is an onboarding module as the partner sends it.
type ModuleInput struct {
	ID    string `json:"id"`
	Kind  string `json:"kind"`
	Title string `json:"title,omitempty"`
	Text  string `json:"text,omitempty"`
	// Media is the sha256 of an upload (videos and policy PDFs).
	Media string `json:"media,omitempty"`
}

// SequenceInput is a sequence: module ids in order, or (for a client)
// inherit the partner default.
type SequenceInput struct {
	Inherit bool     `json:"inherit,omitempty"`
	Modules []string `json:"modules"`
}

// ClientOnboardingInput is a client's onboarding: its sequence and what
// the ready-made walkthroughs say there.
type ClientOnboardingInput struct {
	SequenceInput
	ReportButton *string `json:"report_button,omitempty"`
	HelpDesk     *string `json:"help_desk,omitempty"`
}

var shaRe = regexp.MustCompile(`^[0-9a-f]{64}$`)

// Onboarding is the partner's onboarding configuration.
func (s *Service) Onboarding(ctx context.Context, partnerID string) (OnboardingJSON, error) {
	cfg, err := s.onboardingConfig(ctx, partnerID)
	if err != nil {
		return OnboardingJSON{}, err
	}
	return toOnboardingJSON(partnerID, cfg), nil
}

// ClientOnboarding is a client's onboarding: its own sequence or the
// inherited default, and its walkthrough details.
func (s *Service) ClientOnboarding(ctx context.Context, partnerID, clientRef string) (ClientOnboardingJSON, error) {
	client, err := s.client(ctx, partnerID, clientRef)
	if err != nil {
		return ClientOnboardingJSON{}, err
	}
	cfg, err := s.onboardingConfig(ctx, partnerID)
	if err != nil {
		return ClientOnboardingJSON{}, err
	}
	return toClientOnboardingJSON(partnerID, client.ID, cfg), nil
}

// UploadMedia stores a video or a policy PDF for the partner's modules.
func (s *Service) UploadMedia(ctx context.Context, partnerID, filename string, body io.Reader) (MediaJSON, error) {
	m, err := s.Media.Put(ctx, partnerID, filename, body, s.Clock.Now())
	if err != nil {
		return MediaJSON{}, asValidation(err)
	}
	return toMediaJSON(m), nil
}

// DefineModule adds a module to the partner's library or changes one.
func (s *Service) DefineModule(ctx context.Context, partnerID string, in ModuleInput, meta eventstore.Metadata) (ModuleJSON, error) {
	var v ValidationError
	var m *ob.Media
	if in.Media != "" {
		if !shaRe.MatchString(in.Media) {
			v.add("media", "must be the sha256 (64 lower-case hex digits) the upload answered with")
		} else if up, err := s.Media.Of(ctx, partnerID, in.Media); errors.Is(err, media.ErrNotFound) {
			v.add("media", "is not one of your uploads: upload the file first (POST /api/v1/onboarding/media)")
		} else if err != nil {
			return ModuleJSON{}, err
		} else {
			m = &up
		}
	}
	if err := v.err(); err != nil {
		return ModuleJSON{}, err
	}
	cfg, err := s.executeOnboarding(ctx, partnerID, meta, func(c *ob.Config) ([]domain.Event, error) {
		return ob.DefineModule(c, partnerID, ob.ModuleInput{ID: in.ID, Kind: ob.Kind(in.Kind), Title: in.Title, Text: in.Text, Media: m}, s.Clock.Now())
	})
	if err != nil {
		return ModuleJSON{}, err
	}
	return toModuleJSON(cfg.Modules[in.ID]), nil
}

// RemoveModule takes a module out of the partner's library; sequences
// skip it from then on and nobody's progress is reset.
func (s *Service) RemoveModule(ctx context.Context, partnerID, moduleID string, meta eventstore.Metadata) error {
	_, err := s.executeOnboarding(ctx, partnerID, meta, func(c *ob.Config) ([]domain.Event, error) {
		return ob.RemoveModule(c, partnerID, moduleID, s.Clock.Now())
	})
	return err
}

// SetDefaultSequence sets the partner default that clients inherit.
func (s *Service) SetDefaultSequence(ctx context.Context, partnerID string, in SequenceInput, meta eventstore.Metadata) (OnboardingJSON, error) {
	if in.Inherit {
		return OnboardingJSON{}, &ValidationError{Fields: map[string]string{"inherit": "the partner default cannot inherit"}}
	}
	cfg, err := s.executeOnboarding(ctx, partnerID, meta, func(c *ob.Config) ([]domain.Event, error) {
		return ob.SetSequence(c, partnerID, "", ob.Sequence{ModuleIDs: in.Modules}, s.Clock.Now())
	})
	if err != nil {
		return OnboardingJSON{}, err
	}
	return toOnboardingJSON(partnerID, cfg), nil
}

// SetClientOnboarding sets a client's sequence (its own, or inherit) and
// its walkthrough details, all or nothing.
func (s *Service) SetClientOnboarding(ctx context.Context, partnerID, clientRef string, in ClientOnboardingInput, meta eventstore.Metadata) (ClientOnboardingJSON, error) {
	client, err := s.client(ctx, partnerID, clientRef)
	if err != nil {
		return ClientOnboardingJSON{}, err
	}
	cfg, err := s.executeOnboarding(ctx, partnerID, meta, func(c *ob.Config) ([]domain.Event, error) {
		var events []domain.Event
		if in.Inherit || in.Modules != nil {
			evs, err := ob.SetSequence(c, partnerID, client.ID, ob.Sequence{Inherit: in.Inherit, ModuleIDs: in.Modules}, s.Clock.Now())
			if err != nil {
				return nil, err
			}
			events = append(events, evs...)
		}
		if in.ReportButton != nil || in.HelpDesk != nil {
			d := c.Details[client.ID]
			if in.ReportButton != nil {
				d.ReportButton = *in.ReportButton
			}
			if in.HelpDesk != nil {
				d.HelpDesk = *in.HelpDesk
			}
			evs, err := ob.SetDetails(c, partnerID, client.ID, d, s.Clock.Now())
			if err != nil {
				return nil, err
			}
			events = append(events, evs...)
		}
		return events, nil
	})
	if err != nil {
		return ClientOnboardingJSON{}, err
	}
	return toClientOnboardingJSON(partnerID, client.ID, cfg), nil
}

func (s *Service) onboardingConfig(ctx context.Context, partnerID string) (*ob.Config, error) {
	cfg := ob.NewConfig()
	if _, err := s.Repo.Load(ctx, ob.ConfigStream(partnerID), cfg); err != nil {
		return nil, fmt.Errorf("load onboarding of %s: %w", partnerID, err)
	}
	return cfg, nil
}

// executeOnboarding decides on the partner's configuration, appends, waits
// for the read models and returns the configuration as it now is.
func (s *Service) executeOnboarding(ctx context.Context, partnerID string, meta eventstore.Metadata, decide func(*ob.Config) ([]domain.Event, error)) (*ob.Config, error) {
	meta.TenantID = partnerID
	d, err := eventstore.Execute(ctx, s.Repo, ob.ConfigStream(partnerID), meta, ob.NewConfig, decide)
	if errors.Is(err, ob.ErrUnknownModule) {
		return nil, fmt.Errorf("%w: %w", ErrNotFound, err)
	}
	if err != nil {
		return nil, asValidation(err)
	}
	if err := s.settle(ctx, d.Result.Position); err != nil {
		return nil, err
	}
	return s.onboardingConfig(ctx, partnerID)
}
