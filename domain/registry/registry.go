// Package registry lists every domain event the portal stores, so the
// application can build one codec for all of them (no init-time registration).
package registry

import (
	"github.com/awareportal/portal/domain"
	"github.com/awareportal/portal/domain/breach"
	"github.com/awareportal/portal/domain/directory"
	"github.com/awareportal/portal/domain/identity"
	"github.com/awareportal/portal/domain/learning"
	"github.com/awareportal/portal/domain/mailing"
	"github.com/awareportal/portal/domain/onboarding"
	"github.com/awareportal/portal/domain/phishing"
	"github.com/awareportal/portal/domain/policy"
	"github.com/awareportal/portal/domain/reminder"
	"github.com/awareportal/portal/domain/signin"
	"github.com/awareportal/portal/domain/staff"
	"github.com/awareportal/portal/domain/team"
	"github.com/awareportal/portal/domain/tenancy"
)

// Events returns a zero value of every event type.
func Events() []domain.Event {
	return []domain.Event{
		tenancy.PartnerRegistered{},
		tenancy.ClientRegistered{},
		tenancy.ClientPortalSwitched{},
		tenancy.ClientLeaderboardSet{},
		tenancy.PartnerAPITokenIssued{},
		tenancy.PartnerAPITokenRevoked{},
		tenancy.ClientDirectoryBound{},
		tenancy.ClientEmailLinksSwitched{},
		directory.LearnerProvisioned{},
		signin.LinkRequested{},
		signin.LinkOpened{},
		signin.SignedIn{},
		signin.SignInFailed{},
		signin.OrganisationChosen{},
		signin.SignedOut{},
		signin.SessionEnded{},
		signin.TrainingLinkIssued{},
		signin.SSOStarted{},
		signin.SSORejected{},
		identity.Linked{},
		learning.CourseAssigned{},
		learning.CourseBecameAvailable{},
		learning.CourseBecameOverdue{},
		learning.CourseStarted{},
		learning.ProgressSaved{},
		learning.QuizSubmitted{},
		learning.CourseCompleted{},
		learning.CertificateRequested{},
		staff.RoleGranted{},
		staff.RoleRevoked{},
		staff.UserViewed{},
		mailing.MailQueued{},
		mailing.MailSent{},
		mailing.MailFailed{},
		onboarding.ModuleDefined{},
		onboarding.ModuleRemoved{},
		onboarding.SequenceSet{},
		onboarding.ClientDetailsSet{},
		onboarding.ModuleOpened{},
		onboarding.ModuleCompleted{},
		onboarding.WelcomeMailQueued{},
		team.ReminderSent{},
		tenancy.ClientTimeZoneSet{},
		tenancy.ClientReminderPolicySet{},
		reminder.Sent{},
		reminder.DigestSent{},
		policy.Defined{},
		policy.VersionPublished{},
		policy.Assigned{},
		policy.Signed{},
		breach.ExposuresRecorded{},
		breach.ExposureResolved{},
		breach.ExposureReopened{},
		breach.PartnerMonitoringSwitched{},
		breach.ClientMonitoringSwitched{},
		phishing.ResultRecorded{},
	}
}

// Codec returns a codec that knows every event.
func Codec() *domain.Codec {
	c, err := domain.NewCodec(Events()...)
	if err != nil {
		// The list above is static: a clash is a programming error caught by
		// the registry test, never a runtime condition.
		panic(err)
	}
	return c
}
