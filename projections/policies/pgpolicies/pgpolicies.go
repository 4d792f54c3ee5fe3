// Package pgpolicies is the policies read model in PostgreSQL: its
// projection (schema rm_policies) and the queries behind policies.Queries.
package pgpolicies

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/awareportal/portal/domain"
	dom "github.com/awareportal/portal/domain/policy"
	"github.com/awareportal/portal/internal/eventstore"
	"github.com/awareportal/portal/projections/policies"
)

// Name is the projection's name; its tables live in schema rm_policies.
const Name = policies.Name

// Projection builds the policies read model.
type Projection struct{}

func (Projection) Name() string { return Name }
func (Projection) Version() int { return 1 }

// Invalidates: a policy's definition or new version changes every
// request for it, which pages cache (internal/readcache).
func (Projection) Invalidates(eventType string) bool {
	return eventType == dom.Defined{}.EventName() || eventType == dom.VersionPublished{}.EventName()
}

// LearnersOf: a request or signature changes one learner's requests.
func (Projection) LearnersOf(e domain.Event) []string {
	switch ev := e.(type) {
	case dom.Assigned:
		return []string{ev.LearnerID}
	case dom.Signed:
		return []string{ev.LearnerID}
	}
	return nil
}

func (Projection) Schema() string {
	return `
CREATE TABLE policies (
    id                    text PRIMARY KEY,
    partner_id            text NOT NULL,
    title                 text NOT NULL,
    resign_on_new_version boolean NOT NULL DEFAULT false,
    version               int NOT NULL DEFAULT 0,
    sha256                text NOT NULL DEFAULT '',
    content_type          text NOT NULL DEFAULT '',
    size                  bigint NOT NULL DEFAULT 0,
    published_at          timestamptz,
    min_version           int NOT NULL DEFAULT 1,
    resign_due_at         timestamptz
);
CREATE INDEX policies_partner ON policies (partner_id, title);
CREATE TABLE requests (
    learner_id     text NOT NULL,
    policy_id      text NOT NULL,
    client_id      text NOT NULL,
    assigned_at    timestamptz NOT NULL,
    due_at         timestamptz NOT NULL,
    signed_version int NOT NULL DEFAULT 0,
    signed_at      timestamptz,
    signed_name    text NOT NULL DEFAULT '',
    signed_sha256  text NOT NULL DEFAULT '',
    PRIMARY KEY (learner_id, policy_id)
);
CREATE INDEX requests_policy ON requests (policy_id);
CREATE TABLE signatures (
    learner_id text NOT NULL,
    policy_id  text NOT NULL,
    version    int NOT NULL,
    sha256     text NOT NULL,
    typed_name text NOT NULL,
    at         timestamptz NOT NULL,
    PRIMARY KEY (learner_id, policy_id, version)
);
`
}

func (Projection) Apply(ctx context.Context, tx pgx.Tx, _ eventstore.RecordedEvent, e domain.Event) error {
	var err error
	switch ev := e.(type) {
	case dom.Defined:
		_, err = tx.Exec(ctx, `INSERT INTO policies (id, partner_id, title, resign_on_new_version) VALUES ($1,$2,$3,$4)
			ON CONFLICT (id) DO UPDATE SET title = EXCLUDED.title, resign_on_new_version = EXCLUDED.resign_on_new_version`,
			ev.PolicyID, ev.PartnerID, ev.Title, ev.ResignOnNewVersion)
	case dom.VersionPublished:
		_, err = tx.Exec(ctx, `UPDATE policies SET version = $2, sha256 = $3, content_type = $4, size = $5, published_at = $6,
			min_version = CASE WHEN $7 THEN $2 WHEN version = 0 THEN $2 ELSE min_version END,
			resign_due_at = CASE WHEN $7 THEN $8 ELSE resign_due_at END
			WHERE id = $1`, ev.PolicyID, ev.Version, ev.Document.SHA256, ev.Document.ContentType, ev.Document.Size, ev.At, ev.ResignRequired, ev.ResignDueAt)
	case dom.Assigned:
		_, err = tx.Exec(ctx, `INSERT INTO requests (learner_id, policy_id, client_id, assigned_at, due_at) VALUES ($1,$2,$3,$4,$5)
			ON CONFLICT DO NOTHING`, ev.LearnerID, ev.PolicyID, ev.ClientID, ev.At, ev.DueAt)
	case dom.Signed:
		if _, err = tx.Exec(ctx, `INSERT INTO signatures (learner_id, policy_id, version, sha256, typed_name, at) VALUES ($1,$2,$3,$4,$5,$6)
			ON CONFLICT DO NOTHING`, ev.LearnerID, ev.PolicyID, ev.Version, ev.SHA256, ev.TypedName, ev.At); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE requests SET signed_version = $3, signed_at = $4, signed_name = $5, signed_sha256 = $6
			WHERE learner_id = $1 AND policy_id = $2 AND signed_version < $3`, ev.LearnerID, ev.PolicyID, ev.Version, ev.At, ev.TypedName, ev.SHA256)
	}
	return err
}

// Queries reads the policies read model.
type Queries struct {
	Pool *pgxpool.Pool
}

const policyCols = `id, partner_id, title, resign_on_new_version, version, sha256, content_type, size, coalesce(published_at, 'epoch'), min_version`

func scanPolicy(row pgx.Row) (policies.Policy, error) {
	var p policies.Policy
	err := row.Scan(&p.ID, &p.PartnerID, &p.Title, &p.ResignOnNewVersion, &p.Version, &p.SHA256, &p.ContentType, &p.Size, &p.PublishedAt, &p.MinVersion)
	return p, err
}

// Policy is one policy by its stored id.
func (q Queries) Policy(ctx context.Context, id string) (policies.Policy, error) {
	p, err := scanPolicy(q.Pool.QueryRow(ctx, `SELECT `+policyCols+` FROM rm_policies.policies WHERE id = $1 AND version > 0`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return policies.Policy{}, fmt.Errorf("policy %s: %w", id, policies.ErrNotFound)
	}
	if err != nil {
		return policies.Policy{}, fmt.Errorf("policy %s: %w", id, err)
	}
	return p, nil
}

// PoliciesOf lists a partner's policies by title.
func (q Queries) PoliciesOf(ctx context.Context, partnerID string) ([]policies.Policy, error) {
	rows, err := q.Pool.Query(ctx, `SELECT `+policyCols+` FROM rm_policies.policies WHERE partner_id = $1 AND version > 0 ORDER BY title, id`, partnerID)
	if err != nil {
		return nil, fmt.Errorf("policies of %s: %w", partnerID, err)
	}
	defer rows.Close()
	var out []policies.Policy
	for rows.Next() {
		p, err := scanPolicy(rows)
		if err != nil {
			return nil, fmt.Errorf("policies of %s: %w", partnerID, err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("policies of %s: %w", partnerID, err)
	}
	return out, nil
}

const requestSelect = `SELECT r.learner_id, r.policy_id, r.client_id, p.title, p.version, p.content_type, r.assigned_at,
	CASE WHEN r.signed_version = 0 THEN r.due_at ELSE greatest(r.due_at, coalesce(p.resign_due_at, r.due_at)) END,
	r.signed_version, r.signed_at, r.signed_name, r.signed_sha256, r.signed_version < p.min_version
	FROM rm_policies.requests r JOIN rm_policies.policies p ON p.id = r.policy_id`

func scanRequest(row pgx.Row) (policies.Request, error) {
	var r policies.Request
	err := row.Scan(&r.LearnerID, &r.PolicyID, &r.ClientID, &r.Title, &r.Version, &r.ContentType, &r.AssignedAt,
		&r.DueAt, &r.SignedVersion, &r.SignedAt, &r.SignedName, &r.SignedSHA256, &r.Outstanding)
	return r, err
}

// ForLearner lists a learner's requests: outstanding first (soonest due
// first), then signed (latest first).
func (q Queries) ForLearner(ctx context.Context, learnerID string) ([]policies.Request, error) {
	rows, err := q.Pool.Query(ctx, requestSelect+` WHERE r.learner_id = $1 ORDER BY p.title, r.policy_id`, learnerID)
	if err != nil {
		return nil, fmt.Errorf("policies of learner %s: %w", learnerID, err)
	}
	defer rows.Close()
	var out []policies.Request
	for rows.Next() {
		r, err := scanRequest(rows)
		if err != nil {
			return nil, fmt.Errorf("policies of learner %s: %w", learnerID, err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("policies of learner %s: %w", learnerID, err)
	}
	slices.SortStableFunc(out, func(a, b policies.Request) int {
		switch {
		case a.Outstanding != b.Outstanding:
			if a.Outstanding {
				return -1
			}
			return 1
		case a.Outstanding:
			return a.DueAt.Compare(b.DueAt)
		}
		return b.SignedAt.Compare(*a.SignedAt)
	})
	return out, nil
}

// Request is one of a learner's requests.
func (q Queries) Request(ctx context.Context, learnerID, policyID string) (policies.Request, error) {
	r, err := scanRequest(q.Pool.QueryRow(ctx, requestSelect+` WHERE r.learner_id = $1 AND r.policy_id = $2`, learnerID, policyID))
	if errors.Is(err, pgx.ErrNoRows) {
		return policies.Request{}, fmt.Errorf("policy %s of %s: %w", policyID, learnerID, policies.ErrNotFound)
	}
	if err != nil {
		return policies.Request{}, fmt.Errorf("policy %s of %s: %w", policyID, learnerID, err)
	}
	return r, nil
}

var _ policies.Queries = Queries{}
