package onboarding

import (
	"errors"
	"fmt"
	"time"

	"github.com/awareportal/portal/domain"
	"github.com/awareportal/portal/domain/tenancy"
)

// Content types of uploads.
const (
	ContentTypePDF  = "application/pdf"
	ContentTypeMP4  = "video/mp4"
	ContentTypeWebM = "video/webm"
)

// IsVideo says whether a content type is a video the portal plays.
func IsVideo(contentType string) bool {
	return contentType == ContentTypeMP4 || contentType == ContentTypeWebM
}

// VideoSlack is how much sooner than its length a video may be marked
// watched (the player's clock and the server's differ a little).
const VideoSlack = 2 * time.Second

var (
	// ErrNotNext is a module that is not the learner's next one.
	ErrNotNext = errors.New("not the next onboarding module")
	// ErrTooSoon is a video marked watched before its length has passed.
	ErrTooSoon = errors.New("the video has not been watched to the end")
)

// Progress is a learner's way through onboarding.
type Progress struct {
	LearnerID string
	Opened    map[string]time.Time // module id -> first opened
	Completed map[string]time.Time // module id -> completed
	WelcomeID string               // the welcome mail's id
}

// NewProgress is the progress of a learner who has done nothing yet.
func NewProgress() *Progress {
	return &Progress{Opened: map[string]time.Time{}, Completed: map[string]time.Time{}}
}

// Apply folds an event into the progress (made by NewProgress).
func (p *Progress) Apply(e domain.Event) {
	switch ev := e.(type) {
	case ModuleOpened:
		p.LearnerID = ev.LearnerID
		if _, seen := p.Opened[ev.ModuleID]; !seen { // two tabs: the first counts
			p.Opened[ev.ModuleID] = ev.At
		}
	case ModuleCompleted:
		p.LearnerID = ev.LearnerID
		p.Completed[ev.ModuleID] = ev.At
	case WelcomeMailQueued:
		p.LearnerID = ev.LearnerID
		p.WelcomeID = ev.MailID
	}
}

// Next is the first module of the sequence the learner has not completed,
// with its 1-based step; ok is false when they are through.
func (p *Progress) Next(seq []Module) (m Module, step int, ok bool) {
	for i, m := range seq {
		if _, done := p.Completed[m.ID]; !done {
			return m, i + 1, true
		}
	}
	return Module{}, 0, false
}

// Open records that the learner first saw a module's card; later views
// record nothing.
func Open(p *Progress, learnerID string, m Module, now time.Time) []domain.Event {
	if _, seen := p.Opened[m.ID]; seen {
		return nil
	}
	return []domain.Event{ModuleOpened{LearnerID: learnerID, ModuleID: m.ID, At: now}}
}

// Complete finishes the learner's next module. Only the next one may be
// completed (a forged request cannot skip ahead); completing one already
// done is a no-op. A video counts once its length has passed since it was
// opened; a policy needs "I have read this".
func Complete(p *Progress, learnerID string, seq []Module, moduleID string, acknowledged bool, now time.Time) ([]domain.Event, error) {
	if _, done := p.Completed[moduleID]; done {
		return nil, nil
	}
	next, _, ok := p.Next(seq)
	if !ok || next.ID != moduleID {
		return nil, fmt.Errorf("module %q: %w", moduleID, ErrNotNext)
	}
	switch next.Kind {
	case KindVideo:
		opened, seen := p.Opened[next.ID]
		if !seen || next.Media == nil {
			return nil, ErrTooSoon
		}
		if left := next.Media.Duration - now.Sub(opened) - VideoSlack; left > 0 {
			return nil, fmt.Errorf("%w (%s to go)", ErrTooSoon, left.Round(time.Second))
		}
		acknowledged = false
	case KindPolicyPDF:
		if !acknowledged {
			return nil, tenancy.FieldError{Field: "acknowledged", Problem: "tick \"I have read this\" to go on"}
		}
	default:
		acknowledged = false
	}
	return []domain.Event{ModuleCompleted{LearnerID: learnerID, ModuleID: next.ID, Kind: next.Kind, Title: next.Title, Acknowledged: acknowledged, At: now}}, nil
}

// QueueWelcome records the learner's one welcome mail; a second time is a
// no-op (the caller then sends nothing).
func QueueWelcome(p *Progress, learnerID, mailID string, now time.Time) []domain.Event {
	if p.WelcomeID != "" {
		return nil
	}
	return []domain.Event{WelcomeMailQueued{LearnerID: learnerID, MailID: mailID, At: now}}
}
