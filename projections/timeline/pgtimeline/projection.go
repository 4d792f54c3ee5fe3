// Package pgtimeline is the timeline read model in PostgreSQL: its projection
// (schema rm_timeline) and the queries behind timeline.Queries.
package pgtimeline

import (
	"context"
	"encoding/json"
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
	ip := rec.Metadata.RequestIP
	switch ev := e.(type) {
	case dir.LearnerProvisioned:
		if _, err := tx.Exec(ctx, `INSERT INTO learners (id, client_id, email, name) VALUES ($1,$2,$3,trim($4 || ' ' || $5))`,
			ev.LearnerID, ev.ClientID, ev.Email, ev.FirstName, ev.LastName); err != nil {
			return err
		}
		return p.add(ctx, tx, rec, []string{ev.LearnerID}, ev.At, "provisioned", timeline.CatAccount, timeline.Details{Source: string(ev.Source), Email: ev.Email})
	case signin.LinkRequested:
		if err := p.link(ctx, tx, rec.Stream, ev.LearnerIDs...); err != nil {
			return err
		}
		return p.add(ctx, tx, rec, ev.LearnerIDs, ev.At, "link_requested", timeline.CatSignIn, timeline.Details{IP: ip})
	case signin.TrainingLinkIssued:
		if err := p.link(ctx, tx, rec.Stream, ev.LearnerID); err != nil {
			return err
		}
		return nil // the course email that carries it tells the story
	case signin.LinkOpened:
		return p.addLinked(ctx, tx, rec, ev.At, "link_opened", timeline.CatSignIn, timeline.Details{IP: ip, UserAgent: rec.Metadata.UserAgent})
	case signin.SignedIn:
		// A sign-in with Microsoft or Google learns its learners only now.
		if err := p.link(ctx, tx, rec.Stream, slices.DeleteFunc(append([]string{ev.LearnerID}, ev.LearnerIDs...), func(id string) bool { return id == "" })...); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE entries SET details = details || '{"followed": true}' WHERE stream = $1 AND kind = 'link_opened'`, rec.Stream); err != nil {
			return err
		}
		return p.addLinked(ctx, tx, rec, ev.At, "signed_in", timeline.CatSignIn, timeline.Details{Method: string(ev.Method), IP: ip})
	case signin.SignInFailed:
		if err := p.linkByEmail(ctx, tx, rec.Stream, ev.Email); err != nil {
			return err
		}
		return p.addLinked(ctx, tx, rec, ev.At, "sign_in_failed", timeline.CatSignIn, timeline.Details{Reason: string(ev.Reason), Attempt: ev.Attempt, IP: ip})
	case signin.SSOStarted:
		return nil // said by what follows: signed in, or refused
	case signin.SSORejected:
		// The email is what the provider's token claimed: a refusal for
		// another tenant's "riley@acme" shows on Riley's timeline, which is
		// what support (and Riley) should see.
		if err := p.linkByEmail(ctx, tx, rec.Stream, ev.Email); err != nil {
			return err
		}
		return p.addLinked(ctx, tx, rec, ev.At, "sso_refused", timeline.CatSignIn, timeline.Details{Provider: string(ev.Provider), Reason: string(ev.Reason),
			RightMethod: string(ev.RightMethod), Tenant: ev.TenantID, Detail: ev.Detail, IP: ip})
	case identity.Linked:
		return p.add(ctx, tx, rec, []string{ev.LearnerID}, ev.At, "identity_linked", timeline.CatAccount, timeline.Details{Provider: string(ev.Provider), Email: ev.Email, Tenant: ev.TenantID})
	case signin.OrganisationChosen:
		return p.add(ctx, tx, rec, []string{ev.LearnerID}, ev.At, "organisation_chosen", timeline.CatSignIn, timeline.Details{})
	case signin.SignedOut:
		return p.addLinked(ctx, tx, rec, ev.At, "signed_out", timeline.CatSignIn, timeline.Details{})
	case signin.SessionEnded:
		return p.addLinked(ctx, tx, rec, ev.At, "session_ended", timeline.CatSignIn, timeline.Details{Device: ev.Device, IP: ip})
	case mailing.MailQueued:
		if _, err := tx.Exec(ctx, `INSERT INTO mails (mail_id, subject, kind) VALUES ($1,$2,$3) ON CONFLICT DO NOTHING`, ev.MailID, ev.Subject, string(ev.Kind)); err != nil {
			return err
		}
		if ev.LearnerID != "" {
			if err := p.link(ctx, tx, rec.Stream, ev.LearnerID); err != nil {
				return err
			}
		} else if ev.Cause != "" {
			if _, err := tx.Exec(ctx, `INSERT INTO links (stream, learner_id) SELECT $1, learner_id FROM links WHERE stream = $2 ON CONFLICT DO NOTHING`, rec.Stream, ev.Cause); err != nil {
				return err
			}
		}
		return p.addLinked(ctx, tx, rec, ev.At, "mail_queued", timeline.CatMail, timeline.Details{Subject: ev.Subject, To: ev.To})
	case mailing.MailSent:
		return p.addLinked(ctx, tx, rec, ev.At, "mail_sent", timeline.CatMail, timeline.Details{Subject: p.subject(ctx, tx, ev.MailID), Attempt: ev.Attempt})
	case mailing.MailFailed:
		return p.addLinked(ctx, tx, rec, ev.At, "mail_failed", timeline.CatMail, timeline.Details{Subject: p.subject(ctx, tx, ev.MailID), Attempt: ev.Attempt, Reply: ev.Reply, Final: ev.Final})
	case learning.CourseAssigned:
		if _, err := tx.Exec(ctx, `INSERT INTO courses (assignment_id, title) VALUES ($1,$2) ON CONFLICT DO NOTHING`, ev.AssignmentID, ev.CourseTitle); err != nil {
			return err
		}
		if err := p.link(ctx, tx, rec.Stream, ev.LearnerID); err != nil {
			return err
		}
		return p.add(ctx, tx, rec, []string{ev.LearnerID}, ev.At, "course_assigned", timeline.CatTraining, timeline.Details{Course: ev.CourseTitle, Due: &ev.DueAt, From: &ev.AvailableFrom, By: ev.AssignedBy})
	case learning.CourseBecameAvailable:
		return p.course(ctx, tx, rec, ev.LearnerID, ev.AssignmentID, ev.At, "course_available", timeline.Details{Emailed: ev.MailID != ""})
	case learning.CourseBecameOverdue:
		return p.course(ctx, tx, rec, ev.LearnerID, ev.AssignmentID, ev.At, "course_overdue", timeline.Details{})
	case learning.CourseStarted:
		return p.course(ctx, tx, rec, ev.LearnerID, ev.AssignmentID, ev.At, "course_started", timeline.Details{})
	case learning.ProgressSaved:
		return p.course(ctx, tx, rec, ev.LearnerID, ev.AssignmentID, ev.At, "progress_saved", timeline.Details{Lesson: ev.Lesson, Of: ev.Of})
	case learning.QuizSubmitted:
		return p.course(ctx, tx, rec, ev.LearnerID, ev.AssignmentID, ev.At, "quiz_submitted", timeline.Details{Score: ev.Score, Passed: ev.Passed, Attempt: ev.Attempt, PassMark: ev.PassMark})
	case learning.CourseCompleted:
		return p.course(ctx, tx, rec, ev.LearnerID, ev.AssignmentID, ev.At, "course_completed", timeline.Details{Score: ev.Score, Certificate: ev.CertificateID, OnTime: ev.OnTime})
	case learning.CertificateRequested:
		return p.course(ctx, tx, rec, ev.LearnerID, ev.AssignmentID, ev.At, "certificate_requested", timeline.Details{Certificate: ev.CertificateID})
	case onboarding.ModuleCompleted:
		if err := p.link(ctx, tx, rec.Stream, ev.LearnerID); err != nil {
			return err
		}
		return p.add(ctx, tx, rec, []string{ev.LearnerID}, ev.At, "onboarding_step_done", timeline.CatTraining, timeline.Details{Module: ev.Title, Acked: ev.Acknowledged})
	case onboarding.ModuleOpened:
		if err := p.link(ctx, tx, rec.Stream, ev.LearnerID); err != nil {
			return err
		}
		return p.add(ctx, tx, rec, []string{ev.LearnerID}, ev.At, "onboarding_video_opened", timeline.CatTraining, timeline.Details{})
	case team.ReminderSent:
		if err := p.link(ctx, tx, rec.Stream, ev.LearnerID); err != nil {
			return err
		}
		overdue := 0
		for _, c := range ev.Courses {
			if c.Overdue {
				overdue++
			}
		}
		d := timeline.Details{Courses: len(ev.Courses), Overdue: overdue}
		d.By, d.Person = p.name(ctx, tx, ev.ManagerID), p.name(ctx, tx, ev.LearnerID)
		if err := p.add(ctx, tx, rec, []string{ev.LearnerID}, ev.At, "reminder_received", timeline.CatTraining, d); err != nil {
			return err
		}
		return p.add(ctx, tx, rec, []string{ev.ManagerID}, ev.At, "reminder_sent", timeline.CatTraining, d)
	case reminder.Sent:
		if err := p.link(ctx, tx, rec.Stream, ev.LearnerID); err != nil {
			return err
		}
		return p.add(ctx, tx, rec, []string{ev.LearnerID}, ev.At, "scheduled_reminder", timeline.CatTraining,
			timeline.Details{Courses: len(ev.Items), Overdue: ev.Overdue()})
	case reminder.DigestSent:
		if err := p.link(ctx, tx, rec.Stream, ev.ManagerID); err != nil {
			return err
		}
		overdue := 0
		for _, r := range ev.Reports {
			overdue += r.Overdue
		}
		return p.add(ctx, tx, rec, []string{ev.ManagerID}, ev.At, "digest_sent", timeline.CatTraining,
			timeline.Details{Reports: len(ev.Reports), Overdue: overdue})
	case policy.Assigned:
		if err := p.link(ctx, tx, rec.Stream, ev.LearnerID); err != nil {
			return err
		}
		return p.add(ctx, tx, rec, []string{ev.LearnerID}, ev.At, "policy_assigned", timeline.CatTraining, timeline.Details{Policy: ev.Title, Due: &ev.DueAt, By: ev.AssignedBy})
	case policy.Signed:
		if err := p.link(ctx, tx, rec.Stream, ev.LearnerID); err != nil {
			return err
		}
		return p.add(ctx, tx, rec, []string{ev.LearnerID}, ev.At, "policy_signed", timeline.CatTraining, timeline.Details{Policy: ev.Title, Version: ev.Version, Typed: ev.TypedName, SHA256: ev.SHA256, Acked: ev.Accepted, IP: ip})
	case phishing.ResultRecorded:
		if err := p.link(ctx, tx, rec.Stream, ev.LearnerID); err != nil {
			return err
		}
		return p.add(ctx, tx, rec, []string{ev.LearnerID}, ev.At, "phishing_result", timeline.CatTraining, phishingDetails(ev))
	case staff.UserViewed:
		return p.add(ctx, tx, rec, []string{ev.LearnerID}, ev.At, "staff_viewed", timeline.CatStaff, timeline.Details{Staff: ev.StaffName, Role: string(ev.Role), What: ev.What, Reason: ev.Reason})
	}
	return nil
}

func (Projection) name(ctx context.Context, tx pgx.Tx, learnerID string) string {
	var s string
	_ = tx.QueryRow(ctx, `SELECT name FROM learners WHERE id = $1`, learnerID).Scan(&s)
	return s
}

func (Projection) subject(ctx context.Context, tx pgx.Tx, mailID string) string {
	var s string
	_ = tx.QueryRow(ctx, `SELECT subject FROM mails WHERE mail_id = $1`, mailID).Scan(&s)
	return s
}

func (p Projection) course(ctx context.Context, tx pgx.Tx, rec eventstore.RecordedEvent, learnerID, assignmentID string, at any, kind string, d timeline.Details) error {
	var title string
	_ = tx.QueryRow(ctx, `SELECT title FROM courses WHERE assignment_id = $1`, assignmentID).Scan(&title)
	d.Course = title
	return p.add(ctx, tx, rec, []string{learnerID}, at, kind, timeline.CatTraining, d)
}

func (Projection) link(ctx context.Context, tx pgx.Tx, stream string, learnerIDs ...string) error {
	for _, id := range learnerIDs {
		if _, err := tx.Exec(ctx, `INSERT INTO links (stream, learner_id) VALUES ($1,$2) ON CONFLICT DO NOTHING`, stream, id); err != nil {
			return err
		}
	}
	return nil
}

// linkByEmail ties a stream that names no learner (a refused request) to
// the learners with that email.
func (Projection) linkByEmail(ctx context.Context, tx pgx.Tx, stream, email string) error {
	if email == "" {
		return nil
	}
	_, err := tx.Exec(ctx, `INSERT INTO links (stream, learner_id) SELECT $1, id FROM learners WHERE email = $2 ON CONFLICT DO NOTHING`, stream, email)
	return err
}

func (p Projection) addLinked(ctx context.Context, tx pgx.Tx, rec eventstore.RecordedEvent, at any, kind, cat string, d timeline.Details) error {
	rows, err := tx.Query(ctx, `SELECT learner_id FROM links WHERE stream = $1`, rec.Stream)
	if err != nil {
		return err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	return p.add(ctx, tx, rec, ids, at, kind, cat, d)
}

func (Projection) add(ctx context.Context, tx pgx.Tx, rec eventstore.RecordedEvent, learnerIDs []string, at any, kind, cat string, d timeline.Details) error {
	details, err := json.Marshal(d)
	if err != nil {
		return err
	}
	for _, id := range learnerIDs {
		_, err := tx.Exec(ctx, `INSERT INTO entries (learner_id, seq, commit_pos, at, kind, category, stream, actor, details) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`,
			id, int64(rec.Position.Prepare), int64(rec.Position.Commit), at, kind, cat, rec.Stream, rec.Metadata.ActorID, details)
		if err != nil {
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
