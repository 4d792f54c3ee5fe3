// Package pgtimeline is the timeline read model in PostgreSQL: its projection
// (schema rm_timeline) and the queries behind timeline.Queries.
package pgtimeline

import (
	"context"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/awareportal/portal/domain"
	dir "github.com/awareportal/portal/domain/directory"
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
	"github.com/awareportal/portal/internal/eventstore"
	"github.com/awareportal/portal/projections/timeline"
)

// Name is the projection's name; tables live in schema rm_timeline.
const Name = "timeline"

// Projection builds the timeline read model.
type Projection struct{}

func (Projection) Name() string { return Name }
func (Projection) Version() int { return 5 } // 5: entries_stream

func (Projection) Schema() string {
	return `
CREATE TABLE learners (
    id        text PRIMARY KEY,
    client_id text NOT NULL,
    email     text NOT NULL,
    name      text NOT NULL
);
CREATE INDEX learners_email ON learners (email);
CREATE INDEX learners_client ON learners (client_id);
-- Which learners a stream concerns (a sign-in request, a mail, an assignment).
CREATE TABLE links (
    stream     text NOT NULL,
    learner_id text NOT NULL,
    PRIMARY KEY (stream, learner_id)
);
CREATE INDEX links_learner ON links (learner_id);
CREATE TABLE mails (
    mail_id text PRIMARY KEY,
    subject text NOT NULL,
    kind    text NOT NULL
);
CREATE TABLE courses (
    assignment_id text PRIMARY KEY,
    title         text NOT NULL
);
CREATE TABLE entries (
    learner_id text NOT NULL,
    seq        bigint NOT NULL,
    commit_pos bigint NOT NULL,
    at         timestamptz NOT NULL,
    kind       text NOT NULL,
    category   text NOT NULL,
    stream     text NOT NULL,
    actor      text NOT NULL,
    details    jsonb NOT NULL,
    PRIMARY KEY (learner_id, seq)
);
CREATE INDEX entries_page ON entries (learner_id, at DESC, seq DESC);
-- A sign-in marks its request's opened link "followed": without this, each
-- sign-in read every entry.
CREATE INDEX entries_stream ON entries (stream);
`
}

func (p Projection) Apply(ctx context.Context, tx pgx.Tx, rec eventstore.RecordedEvent, e domain.Event) error {
	return apply(ctx, sqlRows{tx}, rec, e)
}

// apply is Apply on rows: event by event (sqlRows) or a rebuild's page
// (pageRows).
func apply(ctx context.Context, w rows, rec eventstore.RecordedEvent, e domain.Event) error {
	ip := rec.Metadata.RequestIP
	switch ev := e.(type) {
	case dir.LearnerProvisioned:
		if err := w.learner(ctx, ev.LearnerID, ev.ClientID, ev.Email, ev.FirstName, ev.LastName); err != nil {
			return err
		}
		return add(ctx, w, rec, []string{ev.LearnerID}, ev.At, "provisioned", timeline.CatAccount, timeline.Details{Source: string(ev.Source), Email: ev.Email})
	case signin.LinkRequested:
		if err := w.link(ctx, rec.Stream, ev.LearnerIDs...); err != nil {
			return err
		}
		return add(ctx, w, rec, ev.LearnerIDs, ev.At, "link_requested", timeline.CatSignIn, timeline.Details{IP: ip})
	case signin.TrainingLinkIssued:
		if err := w.link(ctx, rec.Stream, ev.LearnerID); err != nil {
			return err
		}
		return nil // the course email that carries it tells the story
	case signin.LinkOpened:
		return addLinked(ctx, w, rec, ev.At, "link_opened", timeline.CatSignIn, timeline.Details{IP: ip, UserAgent: rec.Metadata.UserAgent})
	case signin.SignedIn:
		// A sign-in with Microsoft or Google learns its learners only now.
		if err := w.link(ctx, rec.Stream, slices.DeleteFunc(append([]string{ev.LearnerID}, ev.LearnerIDs...), func(id string) bool { return id == "" })...); err != nil {
			return err
		}
		if err := w.followed(ctx, rec.Stream); err != nil {
			return err
		}
		return addLinked(ctx, w, rec, ev.At, "signed_in", timeline.CatSignIn, timeline.Details{Method: string(ev.Method), IP: ip})
	case signin.SignInFailed:
		if err := w.linkByEmail(ctx, rec.Stream, ev.Email); err != nil {
			return err
		}
		return addLinked(ctx, w, rec, ev.At, "sign_in_failed", timeline.CatSignIn, timeline.Details{Reason: string(ev.Reason), Attempt: ev.Attempt, IP: ip})
	case signin.SSOStarted:
		return nil // said by what follows: signed in, or refused
	case signin.SSORejected:
		// The email is what the provider's token claimed: a refusal for
		// another tenant's "riley@acme" shows on Riley's timeline, which is
		// what support (and Riley) should see.
		if err := w.linkByEmail(ctx, rec.Stream, ev.Email); err != nil {
			return err
		}
		return addLinked(ctx, w, rec, ev.At, "sso_refused", timeline.CatSignIn, timeline.Details{Provider: string(ev.Provider), Reason: string(ev.Reason),
			RightMethod: string(ev.RightMethod), Tenant: ev.TenantID, Detail: ev.Detail, IP: ip})
	case identity.Linked:
		return add(ctx, w, rec, []string{ev.LearnerID}, ev.At, "identity_linked", timeline.CatAccount, timeline.Details{Provider: string(ev.Provider), Email: ev.Email, Tenant: ev.TenantID})
	case signin.OrganisationChosen:
		return add(ctx, w, rec, []string{ev.LearnerID}, ev.At, "organisation_chosen", timeline.CatSignIn, timeline.Details{})
	case signin.SignedOut:
		return addLinked(ctx, w, rec, ev.At, "signed_out", timeline.CatSignIn, timeline.Details{})
	case signin.SessionEnded:
		return addLinked(ctx, w, rec, ev.At, "session_ended", timeline.CatSignIn, timeline.Details{Device: ev.Device, IP: ip})
	case mailing.MailQueued:
		if err := w.mail(ctx, ev.MailID, ev.Subject, string(ev.Kind)); err != nil {
			return err
		}
		if ev.LearnerID != "" {
			if err := w.link(ctx, rec.Stream, ev.LearnerID); err != nil {
				return err
			}
		} else if ev.Cause != "" {
			if err := w.linkAs(ctx, rec.Stream, ev.Cause); err != nil {
				return err
			}
		}
		return addLinked(ctx, w, rec, ev.At, "mail_queued", timeline.CatMail, timeline.Details{Subject: ev.Subject, To: ev.To})
	case mailing.MailSent:
		return addLinked(ctx, w, rec, ev.At, "mail_sent", timeline.CatMail, timeline.Details{Subject: w.subject(ctx, ev.MailID), Attempt: ev.Attempt})
	case mailing.MailFailed:
		return addLinked(ctx, w, rec, ev.At, "mail_failed", timeline.CatMail, timeline.Details{Subject: w.subject(ctx, ev.MailID), Attempt: ev.Attempt, Reply: ev.Reply, Final: ev.Final})
	case learning.CourseAssigned:
		if err := w.course(ctx, ev.AssignmentID, ev.CourseTitle); err != nil {
			return err
		}
		if err := w.link(ctx, rec.Stream, ev.LearnerID); err != nil {
			return err
		}
		return add(ctx, w, rec, []string{ev.LearnerID}, ev.At, "course_assigned", timeline.CatTraining, timeline.Details{Course: ev.CourseTitle, Due: &ev.DueAt, From: &ev.AvailableFrom, By: ev.AssignedBy})
	case learning.CourseBecameAvailable:
		return course(ctx, w, rec, ev.LearnerID, ev.AssignmentID, ev.At, "course_available", timeline.Details{Emailed: ev.MailID != ""})
	case learning.CourseBecameOverdue:
		return course(ctx, w, rec, ev.LearnerID, ev.AssignmentID, ev.At, "course_overdue", timeline.Details{})
	case learning.CourseStarted:
		return course(ctx, w, rec, ev.LearnerID, ev.AssignmentID, ev.At, "course_started", timeline.Details{})
	case learning.ProgressSaved:
		return course(ctx, w, rec, ev.LearnerID, ev.AssignmentID, ev.At, "progress_saved", timeline.Details{Lesson: ev.Lesson, Of: ev.Of})
	case learning.QuizSubmitted:
		return course(ctx, w, rec, ev.LearnerID, ev.AssignmentID, ev.At, "quiz_submitted", timeline.Details{Score: ev.Score, Passed: ev.Passed, Attempt: ev.Attempt, PassMark: ev.PassMark})
	case learning.CourseCompleted:
		return course(ctx, w, rec, ev.LearnerID, ev.AssignmentID, ev.At, "course_completed", timeline.Details{Score: ev.Score, Certificate: ev.CertificateID, OnTime: ev.OnTime})
	case learning.CertificateRequested:
		return course(ctx, w, rec, ev.LearnerID, ev.AssignmentID, ev.At, "certificate_requested", timeline.Details{Certificate: ev.CertificateID})
	case onboarding.ModuleCompleted:
		if err := w.link(ctx, rec.Stream, ev.LearnerID); err != nil {
			return err
		}
		return add(ctx, w, rec, []string{ev.LearnerID}, ev.At, "onboarding_step_done", timeline.CatTraining, timeline.Details{Module: ev.Title, Acked: ev.Acknowledged})
	case onboarding.ModuleOpened:
		if err := w.link(ctx, rec.Stream, ev.LearnerID); err != nil {
			return err
		}
		return add(ctx, w, rec, []string{ev.LearnerID}, ev.At, "onboarding_video_opened", timeline.CatTraining, timeline.Details{})
	case team.ReminderSent:
		if err := w.link(ctx, rec.Stream, ev.LearnerID); err != nil {
			return err
		}
		overdue := 0
		for _, c := range ev.Courses {
			if c.Overdue {
				overdue++
			}
		}
		d := timeline.Details{Courses: len(ev.Courses), Overdue: overdue}
		d.By, d.Person = w.name(ctx, ev.ManagerID), w.name(ctx, ev.LearnerID)
		if err := add(ctx, w, rec, []string{ev.LearnerID}, ev.At, "reminder_received", timeline.CatTraining, d); err != nil {
			return err
		}
		return add(ctx, w, rec, []string{ev.ManagerID}, ev.At, "reminder_sent", timeline.CatTraining, d)
	case reminder.Sent:
		if err := w.link(ctx, rec.Stream, ev.LearnerID); err != nil {
			return err
		}
		return add(ctx, w, rec, []string{ev.LearnerID}, ev.At, "scheduled_reminder", timeline.CatTraining,
			timeline.Details{Courses: len(ev.Items), Overdue: ev.Overdue()})
	case reminder.DigestSent:
		if err := w.link(ctx, rec.Stream, ev.ManagerID); err != nil {
			return err
		}
		overdue := 0
		for _, r := range ev.Reports {
			overdue += r.Overdue
		}
		return add(ctx, w, rec, []string{ev.ManagerID}, ev.At, "digest_sent", timeline.CatTraining,
			timeline.Details{Reports: len(ev.Reports), Overdue: overdue})
	case policy.Assigned:
		if err := w.link(ctx, rec.Stream, ev.LearnerID); err != nil {
			return err
		}
		return add(ctx, w, rec, []string{ev.LearnerID}, ev.At, "policy_assigned", timeline.CatTraining, timeline.Details{Policy: ev.Title, Due: &ev.DueAt, By: ev.AssignedBy})
	case policy.Signed:
		if err := w.link(ctx, rec.Stream, ev.LearnerID); err != nil {
			return err
		}
		return add(ctx, w, rec, []string{ev.LearnerID}, ev.At, "policy_signed", timeline.CatTraining, timeline.Details{Policy: ev.Title, Version: ev.Version, Typed: ev.TypedName, SHA256: ev.SHA256, Acked: ev.Accepted, IP: ip})
	case phishing.ResultRecorded:
		if err := w.link(ctx, rec.Stream, ev.LearnerID); err != nil {
			return err
		}
		return add(ctx, w, rec, []string{ev.LearnerID}, ev.At, "phishing_result", timeline.CatTraining, phishingDetails(ev))
	case staff.UserViewed:
		return add(ctx, w, rec, []string{ev.LearnerID}, ev.At, "staff_viewed", timeline.CatStaff, timeline.Details{Staff: ev.StaffName, Role: string(ev.Role), What: ev.What, Reason: ev.Reason})
	}
	return nil
}

func course(ctx context.Context, w rows, rec eventstore.RecordedEvent, learnerID, assignmentID string, at any, kind string, d timeline.Details) error {
	d.Course = w.title(ctx, assignmentID)
	return add(ctx, w, rec, []string{learnerID}, at, kind, timeline.CatTraining, d)
}

func addLinked(ctx context.Context, w rows, rec eventstore.RecordedEvent, at any, kind, cat string, d timeline.Details) error {
	ids, err := w.linked(ctx, rec.Stream)
	if err != nil {
		return err
	}
	return add(ctx, w, rec, ids, at, kind, cat, d)
}

func add(ctx context.Context, w rows, rec eventstore.RecordedEvent, learnerIDs []string, at any, kind, cat string, d timeline.Details) error {
	if len(learnerIDs) == 0 {
		return nil
	}
	for _, id := range learnerIDs {
		if err := w.entry(ctx, id, rec, at, kind, cat, d); err != nil {
			return err
		}
	}
	return nil
}

// phishingDetails is what a timeline says of a simulation's outcome.
func phishingDetails(ev phishing.ResultRecorded) timeline.Details {
	sent := ev.SentAt
	d := timeline.Details{Campaign: ev.CampaignName, Sent: &sent}
	for _, o := range []struct {
		what string
		yes  bool
	}{{"delivered", ev.Delivered}, {"opened", ev.OpenedAt != nil}, {"clicked", ev.ClickedAt != nil}, {"submitted", ev.SubmittedAt != nil}, {"reported", ev.ReportedAt != nil}} {
		if o.yes {
			d.Outcome = append(d.Outcome, o.what)
		}
	}
	return d
}
