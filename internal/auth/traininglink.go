package auth

import (
	"context"
	"crypto/rand"
	"net/url"
	"time"

	"github.com/google/uuid"

	"github.com/awareportal/portal/domain/signin"
	"github.com/awareportal/portal/internal/eventstore"
	"github.com/awareportal/portal/projections/directory"
)

// IssueTrainingLink records a 7-day training link for the learner (into
// assignmentID's course, when given) and returns its URL for an email. The
// token is only in the URL; the event keeps its hash.
func IssueTrainingLink(ctx context.Context, repo eventstore.Repository, base *url.URL, meta eventstore.Metadata, l directory.Learner, assignmentID string, now time.Time) (string, error) {
	return issueTrainingLink(ctx, repo, base, meta, signin.TrainingLinkInput{AssignmentID: assignmentID}, l, now)
}

// IssueBreachesLink is the link of a breach notification email: a 7-day
// training link that leads to the Breaches page when the learner may sign
// in by email link (EmailLinkAllowed); otherwise the partner's sign-in
// page with their email filled in (signsIn false), as the welcome email
// does for clients that sign their synced learners in with Microsoft or
// Google only.
func IssueBreachesLink(ctx context.Context, repo eventstore.Repository, base *url.URL, meta eventstore.Metadata, l directory.Learner, partnerSlug string, now time.Time) (link string, signsIn bool, err error) {
	if !EmailLinkAllowed(l) {
		page := *base
		page.Path = "/p/" + partnerSlug + "/signin"
		page.RawQuery = url.Values{"email": {l.Email}}.Encode()
		return page.String(), false, nil
	}
	link, err = issueTrainingLink(ctx, repo, base, meta, signin.TrainingLinkInput{Destination: signin.DestinationBreaches}, l, now)
	return link, err == nil, err
}

func issueTrainingLink(ctx context.Context, repo eventstore.Repository, base *url.URL, meta eventstore.Metadata, in signin.TrainingLinkInput, l directory.Learner, now time.Time) (string, error) {
	in.RequestID, in.Email, in.LearnerID, in.PartnerID = uuid.NewString(), l.Email, l.ID, l.PartnerID
	in.Token = rand.Text() + rand.Text() // 2 × 130 bits
	if _, err := repo.Append(ctx, signin.Stream(in.RequestID), eventstore.NoStream, meta, signin.IssueTrainingLink(in, now)...); err != nil {
		return "", err
	}
	link := *base
	link.Path = "/signin/link/" + in.RequestID
	link.RawQuery = url.Values{"t": {in.Token}}.Encode()
	return link.String(), nil
}

// TrainingLink is the link an email gives the learner: a 7-day training
// link (IssueTrainingLink) when they may sign in by email link, else their
// partner's sign-in page with their email filled in (the client signs its
// synced learners in with Microsoft or Google only). signsIn says which,
// for the email's wording.
func TrainingLink(ctx context.Context, repo eventstore.Repository, base *url.URL, meta eventstore.Metadata, l directory.Learner, partnerSlug, assignmentID string, now time.Time) (link string, signsIn bool, err error) {
	if !EmailLinkAllowed(l) {
		page := *base
		page.Path = "/p/" + partnerSlug + "/signin"
		page.RawQuery = url.Values{"email": {l.Email}}.Encode()
		return page.String(), false, nil
	}
	link, err = IssueTrainingLink(ctx, repo, base, meta, l, assignmentID, now)
	return link, true, err
}
