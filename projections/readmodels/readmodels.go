// Package readmodels lists the portal's read models: every projection the
// runner keeps, in the order it sets them up. The portal (internal/app),
// its tests and tools take the list from here, without linking the web
// server.
package readmodels

import (
	"github.com/awareportal/portal/projections/breaches/pgbreaches"
	"github.com/awareportal/portal/projections/directory/pgdirectory"
	"github.com/awareportal/portal/projections/gate/pggate"
	"github.com/awareportal/portal/projections/pgrunner"
	"github.com/awareportal/portal/projections/phishing/pgphishing"
	"github.com/awareportal/portal/projections/policies/pgpolicies"
	"github.com/awareportal/portal/projections/progress/pgprogress"
	"github.com/awareportal/portal/projections/reminders/pgreminders"
	"github.com/awareportal/portal/projections/team/pgteam"
	"github.com/awareportal/portal/projections/timeline/pgtimeline"
)

// All is every read model's projection.
func All() []pgrunner.Projection {
	return []pgrunner.Projection{pgdirectory.Projection{}, pgprogress.Projection{}, pgtimeline.Projection{}, pggate.Projection{}, pgteam.Projection{}, pgreminders.Projection{}, pgpolicies.Projection{}, pgbreaches.Projection{}, pgphishing.Projection{}}
}

// What pages cache of them (internal/readcache) and the rebuilds that take
// a page at a time: the runner finds these by type, so a signature that
// drifts would silently turn them off.
var (
	_ pgrunner.Cached        = pgdirectory.Projection{}
	_ pgrunner.Cached        = pggate.Projection{}
	_ pgrunner.Cached        = pgbreaches.Projection{}
	_ pgrunner.Cached        = pgprogress.Projection{}
	_ pgrunner.Cached        = pgpolicies.Projection{}
	_ pgrunner.LearnerCached = pgprogress.Projection{}
	_ pgrunner.LearnerCached = pgpolicies.Projection{}
	_ pgrunner.LearnerCached = pgbreaches.Projection{}
	_ pgrunner.LearnerCached = pgphishing.Projection{}
	_ pgrunner.Paged         = pgprogress.Projection{}
	_ pgrunner.Paged         = pgtimeline.Projection{}
)
