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
	in := signin.TrainingLinkInput{
		RequestID: uuid.NewString(), Email: l.Email, LearnerID: l.ID, PartnerID: l.PartnerID, AssignmentID: assignmentID,
		Token: rand.Text() + rand.Text(), // 2 × 130 bits
	}
	if _, err := repo.Append(ctx, signin.Stream(in.RequestID), eventstore.NoStream, meta, signin.IssueTrainingLink(in, now)...); err != nil {
		return "", err
	}
	link := *base
	link.Path = "/signin/link/" + in.RequestID
	link.RawQuery = url.Values{"t": {in.Token}}.Encode()
	return link.String(), nil
}
