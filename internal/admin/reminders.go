package admin

import (
	"context"

	"github.com/awareportal/portal/domain"
	"github.com/awareportal/portal/domain/reminder"
	"github.com/awareportal/portal/domain/tenancy"
	"github.com/awareportal/portal/internal/eventstore"
)

// ReminderPolicyJSON is a client's reminder policy as the API shows it.
type ReminderPolicyJSON struct {
	ClientID string `json:"client_id"`
	// TimeZone is where the hours are local to (PATCH the client to change it).
	TimeZone string                `json:"time_zone"`
	Learners reminder.LearnerRules `json:"learners"`
	Digest   reminder.DigestRule   `json:"manager_digest"`
	// Default: the client never set a policy and gets the defaults.
	Default bool `json:"default"`
}

// LearnerRulesPatch changes some of the learner rules.
type LearnerRulesPatch struct {
	Enabled          *bool `json:"enabled,omitempty"`
	DaysBefore       *int  `json:"days_before,omitempty"`
	OnDueDate        *bool `json:"on_due_date,omitempty"`
	OverdueEveryDays *int  `json:"overdue_every_days,omitempty"`
	OverdueLimit     *int  `json:"overdue_limit,omitempty"`
	Hour             *int  `json:"hour,omitempty"`
}

// DigestPatch changes some of the manager digest's rule.
type DigestPatch struct {
	Enabled *bool   `json:"enabled,omitempty"`
	Weekday *string `json:"weekday,omitempty"`
	Hour    *int    `json:"hour,omitempty"`
}

// ReminderPolicyPatch changes a client's reminder policy: what it names
// changes, the rest stays.
type ReminderPolicyPatch struct {
	Learners LearnerRulesPatch `json:"learners"`
	Digest   DigestPatch       `json:"manager_digest"`
}

func set[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// Apply is p with the patch's fields in it.
func (in ReminderPolicyPatch) Apply(p reminder.Policy) reminder.Policy {
	l, d := in.Learners, in.Digest
	set(&p.Learners.Enabled, l.Enabled)
	set(&p.Learners.DaysBefore, l.DaysBefore)
	set(&p.Learners.OnDueDate, l.OnDueDate)
	set(&p.Learners.OverdueEveryDays, l.OverdueEveryDays)
	set(&p.Learners.OverdueLimit, l.OverdueLimit)
	set(&p.Learners.Hour, l.Hour)
	set(&p.Digest.Enabled, d.Enabled)
	set(&p.Digest.Weekday, d.Weekday)
	set(&p.Digest.Hour, d.Hour)
	return p
}

// ReminderPolicy is one of the partner's clients' reminder policy.
func (s *Service) ReminderPolicy(ctx context.Context, partnerID, clientRef string) (ReminderPolicyJSON, error) {
	c, err := s.client(ctx, partnerID, clientRef)
	if err != nil {
		return ReminderPolicyJSON{}, err
	}
	p := c.ReminderPolicy()
	return ReminderPolicyJSON{ClientID: clientView(c).ID, TimeZone: c.TimeZone, Learners: p.Learners, Digest: p.Digest, Default: c.Reminders == nil}, nil
}

// UpdateReminderPolicy changes the fields the patch names, on the policy
// as it stands in the client's stream (parallel patches both count).
func (s *Service) UpdateReminderPolicy(ctx context.Context, partnerID, clientRef string, in ReminderPolicyPatch, meta eventstore.Metadata) (ReminderPolicyJSON, error) {
	c, err := s.client(ctx, partnerID, clientRef)
	if err != nil {
		return ReminderPolicyJSON{}, err
	}
	d, err := eventstore.Execute(ctx, s.Repo, tenancy.ClientStream(c.ID), meta, func() *tenancy.Client { return &tenancy.Client{} },
		func(cl *tenancy.Client) ([]domain.Event, error) {
			return tenancy.SetReminderPolicy(cl, in.Apply(cl.ReminderPolicy()), s.Clock.Now())
		})
	if err != nil {
		return ReminderPolicyJSON{}, asValidation(err)
	}
	if err := s.settle(ctx, d.Result.Position); err != nil {
		return ReminderPolicyJSON{}, err
	}
	return s.ReminderPolicy(ctx, partnerID, clientRef)
}
