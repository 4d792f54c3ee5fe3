package seed

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"time"

	"github.com/awareportal/portal/domain"
	ob "github.com/awareportal/portal/domain/onboarding"
	"github.com/awareportal/portal/domain/policy"
	"github.com/awareportal/portal/internal/eventstore"
	"github.com/awareportal/portal/internal/media"
)

// documentStore is the media storage that also takes policy documents
// (pgmedia.Store).
type documentStore interface {
	media.Store
	PutDocument(ctx context.Context, partnerID, filename string, body io.Reader, now time.Time) (ob.Media, error)
}

// Seeded policies: Sam signed the first and still has to sign the second.
const (
	SignedPolicyID      = "northwind.acceptable-use"
	OutstandingPolicyID = "northwind.remote-working"
)

// policies gives Northwind two policies and asks Sam to sign both: the
// Acceptable Use Policy (Markdown, version 3) signed 18 days ago, and the
// Remote Working Policy (PDF) due in 5 days.
func policies(ctx context.Context, repo eventstore.Repository, files media.Store, now time.Time) error {
	docs, ok := files.(documentStore)
	if !ok {
		return fmt.Errorf("seed policies: %T takes no policy documents", files)
	}
	meta := eventstore.Metadata{ActorID: "system:seed", TenantID: "northwind"}
	day := 24 * time.Hour
	for _, p := range []struct {
		id, title, file string
		version         int
		published       time.Time
		assigned, due   time.Time
		signed          time.Time
	}{
		{SignedPolicyID, "Acceptable Use Policy", "acceptable-use-policy.md", 3, now.Add(-40 * day), now.Add(-30 * day), now.Add(-16 * day), now.Add(-18 * day)},
		{OutstandingPolicyID, "Remote Working Policy", "remote-working-policy.pdf", 1, now.Add(-10 * day), now.Add(-2 * day), now.Add(5 * day), time.Time{}},
	} {
		b, err := assets.ReadFile("assets/" + p.file)
		if err != nil {
			return err
		}
		m, err := docs.PutDocument(ctx, "northwind", p.file, bytes.NewReader(b), p.published)
		if err != nil {
			return fmt.Errorf("seed policy document %s: %w", p.file, err)
		}
		pol := &policy.Policy{}
		events, err := policy.Publish(pol, "northwind", policy.PublishInput{ID: p.id, Title: p.title, Version: p.version,
			Document: &policy.Document{SHA256: m.SHA256, ContentType: m.ContentType, Size: m.Size}}, p.published)
		if err != nil {
			return fmt.Errorf("seed policy %s: %w", p.id, err)
		}
		for _, e := range events {
			pol.Apply(e)
		}
		if _, err := repo.Append(ctx, policy.Stream(p.id), eventstore.NoStream, meta, events...); err != nil {
			return fmt.Errorf("seed policy %s: %w", p.id, err)
		}
		req := policy.NewRequest()
		events, err = policy.Assign(req, pol, policy.Assigned{LearnerID: "acme-sam", ClientID: "acme", DueAt: p.due, AssignedBy: "system:seed"}, p.assigned)
		if err != nil {
			return fmt.Errorf("seed policy %s: %w", p.id, err)
		}
		req.Apply(events[0])
		if !p.signed.IsZero() {
			signed, err := policy.Sign(req, pol, policy.SignInput{FullName: "Sam Learner", TypedName: "Sam Learner", Accepted: true, Version: p.version}, p.signed)
			if err != nil {
				return fmt.Errorf("seed policy %s: %w", p.id, err)
			}
			events = append(events, signed...)
		}
		if err := saveAll(ctx, repo, policy.RequestStream("acme-sam", p.id), meta, events); err != nil {
			return err
		}
	}
	return nil
}

func saveAll(ctx context.Context, repo eventstore.Repository, stream string, meta eventstore.Metadata, events []domain.Event) error {
	if _, err := repo.Append(ctx, stream, eventstore.NoStream, meta, events...); err != nil {
		return fmt.Errorf("seed %s: %w", stream, err)
	}
	return nil
}
