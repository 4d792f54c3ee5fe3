// Package pggate is the onboarding gate read model in PostgreSQL: its
// projection (schema rm_gate) and the queries behind gate.Queries.
package pggate

import (
	"context"
	"strings"

	"github.com/awareportal/portal/projections/gate"

	"github.com/jackc/pgx/v5"

	"github.com/awareportal/portal/domain"
	dir "github.com/awareportal/portal/domain/directory"
	ob "github.com/awareportal/portal/domain/onboarding"
	"github.com/awareportal/portal/domain/tenancy"
	"github.com/awareportal/portal/internal/eventstore"
)

// Name is the projection's name; its tables live in schema rm_gate.
const Name = gate.Name

// Projection builds the onboarding read model.
type Projection struct{}

func (Projection) Name() string { return Name }
func (Projection) Version() int { return 1 }

// Invalidates: pages cache a learner's gate (internal/readcache); the
// tenancy, directory and onboarding events it follows may change it.
func (Projection) Invalidates(eventType string) bool {
	for _, prefix := range []string{"tenancy.", "directory.", "onboarding."} {
		if strings.HasPrefix(eventType, prefix) {
			return true
		}
	}
	return false
}

func (Projection) Schema() string {
	return `
CREATE TABLE clients (
    client_id      text PRIMARY KEY,
    partner_id     text NOT NULL,
    portal_enabled boolean NOT NULL
);
CREATE TABLE learners (
    learner_id      text PRIMARY KEY,
    partner_id      text NOT NULL,
    client_id       text NOT NULL,
    welcome         boolean NOT NULL,
    welcome_mail_id text,
    provisioned_at  timestamptz NOT NULL
);
CREATE INDEX learners_client ON learners (client_id);
CREATE INDEX learners_partner ON learners (partner_id);
CREATE INDEX learners_welcome_due ON learners (provisioned_at) WHERE welcome AND welcome_mail_id IS NULL;
CREATE TABLE modules (
    partner_id  text NOT NULL,
    module_id   text NOT NULL,
    kind        text NOT NULL,
    title       text NOT NULL,
    removed     boolean NOT NULL DEFAULT false,
    PRIMARY KEY (partner_id, module_id)
);
CREATE TABLE sequences (
    partner_id text NOT NULL,
    client_id  text NOT NULL, -- '' is the partner default
    inherit    boolean NOT NULL,
    module_ids text[] NOT NULL,
    PRIMARY KEY (partner_id, client_id)
);
CREATE TABLE completions (
    learner_id   text NOT NULL,
    module_id    text NOT NULL,
    completed_at timestamptz NOT NULL,
    PRIMARY KEY (learner_id, module_id)
);
CREATE TABLE gate (
    learner_id     text PRIMARY KEY,
    next_module_id text,
    step           int NOT NULL,
    total          int NOT NULL
);
`
}

func (Projection) Apply(ctx context.Context, tx pgx.Tx, _ eventstore.RecordedEvent, e domain.Event) error {
	var err error
	switch ev := e.(type) {
	case tenancy.ClientRegistered:
		_, err = tx.Exec(ctx, `INSERT INTO clients (client_id, partner_id, portal_enabled) VALUES ($1,$2,$3)`, ev.ClientID, ev.PartnerID, ev.PortalEnabled)
	case tenancy.ClientPortalSwitched:
		_, err = tx.Exec(ctx, `UPDATE clients SET portal_enabled = $2 WHERE client_id = $1`, ev.ClientID, ev.Enabled)
	case dir.LearnerProvisioned:
		_, err = tx.Exec(ctx, `INSERT INTO learners (learner_id, partner_id, client_id, welcome, provisioned_at)
			SELECT $1, partner_id, $2, $3, $4 FROM clients WHERE client_id = $2`, ev.LearnerID, ev.ClientID, ev.Welcome, ev.At)
		if err == nil {
			err = regate(ctx, tx, "l.learner_id = $1", ev.LearnerID)
		}
	case ob.ModuleDefined:
		_, err = tx.Exec(ctx, `INSERT INTO modules (partner_id, module_id, kind, title) VALUES ($1,$2,$3,$4)
			ON CONFLICT (partner_id, module_id) DO UPDATE SET kind = EXCLUDED.kind, title = EXCLUDED.title, removed = false`,
			ev.PartnerID, ev.ModuleID, string(ev.Kind), ev.Title)
		if err == nil {
			err = regate(ctx, tx, "l.partner_id = $1", ev.PartnerID)
		}
	case ob.ModuleRemoved:
		_, err = tx.Exec(ctx, `UPDATE modules SET removed = true WHERE partner_id = $1 AND module_id = $2`, ev.PartnerID, ev.ModuleID)
		if err == nil {
			err = regate(ctx, tx, "l.partner_id = $1", ev.PartnerID)
		}
	case ob.SequenceSet:
		_, err = tx.Exec(ctx, `INSERT INTO sequences (partner_id, client_id, inherit, module_ids) VALUES ($1,$2,$3,$4)
			ON CONFLICT (partner_id, client_id) DO UPDATE SET inherit = EXCLUDED.inherit, module_ids = EXCLUDED.module_ids`,
			ev.PartnerID, ev.ClientID, ev.Inherit, nonNil(ev.ModuleIDs))
		if err == nil && ev.ClientID == "" {
			err = regate(ctx, tx, "l.partner_id = $1", ev.PartnerID)
		} else if err == nil {
			err = regate(ctx, tx, "l.client_id = $1", ev.ClientID)
		}
	case ob.ModuleCompleted:
		_, err = tx.Exec(ctx, `INSERT INTO completions (learner_id, module_id, completed_at) VALUES ($1,$2,$3) ON CONFLICT DO NOTHING`, ev.LearnerID, ev.ModuleID, ev.At)
		if err == nil {
			err = regate(ctx, tx, "l.learner_id = $1", ev.LearnerID)
		}
	case ob.WelcomeMailQueued:
		_, err = tx.Exec(ctx, `UPDATE learners SET welcome_mail_id = $2 WHERE learner_id = $1`, ev.LearnerID, ev.MailID)
	}
	return err
}

// regate recomputes the gate of the learners that match where (one
// parameter, $1): each one's effective sequence (the client's own unless it
// inherits, else the partner default), without removed modules, and the
// first module in it they have not completed.
func regate(ctx context.Context, tx pgx.Tx, where string, arg string) error {
	_, err := tx.Exec(ctx, `
WITH target AS (
    SELECT l.learner_id, l.partner_id, l.client_id FROM learners l WHERE `+where+`
), seq AS (
    SELECT t.learner_id, t.partner_id,
           CASE WHEN cs.client_id IS NOT NULL AND NOT cs.inherit THEN cs.module_ids
                ELSE coalesce(ps.module_ids, '{}') END AS ids
    FROM target t
    LEFT JOIN sequences cs ON cs.partner_id = t.partner_id AND cs.client_id = t.client_id
    LEFT JOIN sequences ps ON ps.partner_id = t.partner_id AND ps.client_id = ''
), steps AS (
    SELECT s.learner_id, u.module_id,
           row_number() OVER (PARTITION BY s.learner_id ORDER BY u.ord) AS step,
           count(*) OVER (PARTITION BY s.learner_id) AS total,
           EXISTS (SELECT 1 FROM completions c WHERE c.learner_id = s.learner_id AND c.module_id = u.module_id) AS done
    FROM seq s
    CROSS JOIN LATERAL unnest(s.ids) WITH ORDINALITY AS u(module_id, ord)
    JOIN modules m ON m.partner_id = s.partner_id AND m.module_id = u.module_id AND NOT m.removed
), nxt AS (
    SELECT DISTINCT ON (learner_id) learner_id, module_id, step, total
    FROM steps WHERE NOT done ORDER BY learner_id, step
)
INSERT INTO gate (learner_id, next_module_id, step, total)
SELECT t.learner_id, n.module_id, coalesce(n.step, 0), coalesce(n.total, 0)
FROM target t LEFT JOIN nxt n ON n.learner_id = t.learner_id
ON CONFLICT (learner_id) DO UPDATE
SET next_module_id = EXCLUDED.next_module_id, step = EXCLUDED.step, total = EXCLUDED.total`, arg)
	return err
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
