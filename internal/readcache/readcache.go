// Package readcache keeps in the process the read-model rows that every
// signed-in page reads (the learner, their partner's brand, their
// onboarding gate, whether their client has breach monitoring, the staff
// roles of their email), so a page costs the session lookup and its own
// queries, not five more.
//
// A cached row is used only while the read models it came from are
// unchanged, on every process: each projection whose rows are cached
// (pgrunner.Cached) counts its row of read_model_epochs up in the
// transaction of every batch that changed them, and the session lookup
// every signed-in request makes reads their sum in the same statement
// (auth.Session.ReadEpoch). A request carries that epoch in its context
// (WithEpoch); a row cached at another epoch is read again. A request
// without an epoch (no session, the admin API, a job) always reads the
// read model. Sessions themselves are never cached: signing out, or
// ending a session from another device, takes effect on the next request
// everywhere.
//
// The web layer gives the epoch only to the reads it makes before a
// handler runs and to the page frame, which no learner action of the same
// request changes; a handler that writes and then reads sees the read
// model itself.
package readcache

import (
	"context"
	"slices"
	"sync"

	"github.com/awareportal/portal/projections/breaches"
	"github.com/awareportal/portal/projections/directory"
	"github.com/awareportal/portal/projections/gate"
)

type epochKey struct{}

// WithEpoch returns ctx carrying the read models' epoch read with the
// request's session: reads through this package may use rows cached at
// that epoch.
func WithEpoch(ctx context.Context, epoch int64) context.Context {
	return context.WithValue(ctx, epochKey{}, epoch)
}

func epochOf(ctx context.Context) (int64, bool) {
	e, ok := ctx.Value(epochKey{}).(int64)
	return e, ok
}

// Cache holds rows by key, all read at one epoch: the newest a request
// has shown it. Rows of an older epoch are dropped when a newer one
// arrives; a request still at an older epoch reads the read model and
// stores nothing.
type Cache[K comparable, V any] struct {
	mu    sync.Mutex
	epoch int64
	rows  map[K]V
	max   int
	// Hits and misses, for tests and metrics.
	hits, misses int64
}

// New returns a cache of at most max rows (when full, it starts again
// empty: the rows are a few hundred bytes and cheap to read again).
func New[K comparable, V any](max int) *Cache[K, V] {
	return &Cache[K, V]{rows: map[K]V{}, max: max}
}

// Get returns key's row: cached at ctx's epoch, or read by load (and kept
// when ctx's epoch is the newest seen). Errors are not cached. Without an
// epoch in ctx it is load.
func (c *Cache[K, V]) Get(ctx context.Context, key K, load func(context.Context) (V, error)) (V, error) {
	epoch, ok := epochOf(ctx)
	if !ok {
		return load(ctx)
	}
	c.mu.Lock()
	if v, ok := c.rows[key]; ok && c.epoch == epoch {
		c.hits++
		c.mu.Unlock()
		return v, nil
	}
	c.misses++
	c.mu.Unlock()
	v, err := load(ctx)
	if err != nil {
		return v, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if epoch > c.epoch {
		c.epoch = epoch
		clear(c.rows)
	}
	if epoch == c.epoch {
		if len(c.rows) >= c.max {
			clear(c.rows)
		}
		c.rows[key] = v
	}
	return v, nil
}

// Stats are the cache's hits and misses so far.
func (c *Cache[K, V]) Stats() (hits, misses int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.hits, c.misses
}

// rowsPerCache bounds each cache: learners signed in at once, roughly.
const rowsPerCache = 50_000

// Directory is directory.Queries with Learner, Partner and StaffRoles
// cached.
type Directory struct {
	directory.Queries
	learners *Cache[string, directory.Learner]
	partners *Cache[string, directory.Partner]
	roles    *Cache[string, []directory.StaffRole]
}

// NewDirectory caches q's per-page reads.
func NewDirectory(q directory.Queries) Directory {
	return Directory{Queries: q, learners: New[string, directory.Learner](rowsPerCache),
		partners: New[string, directory.Partner](1_000), roles: New[string, []directory.StaffRole](rowsPerCache)}
}

// Learner is directory.Queries.Learner, cached.
func (d Directory) Learner(ctx context.Context, id string) (directory.Learner, error) {
	return d.learners.Get(ctx, id, func(ctx context.Context) (directory.Learner, error) { return d.Queries.Learner(ctx, id) })
}

// Partner is directory.Queries.Partner, cached.
func (d Directory) Partner(ctx context.Context, id string) (directory.Partner, error) {
	return d.partners.Get(ctx, id, func(ctx context.Context) (directory.Partner, error) { return d.Queries.Partner(ctx, id) })
}

// StaffRoles is directory.Queries.StaffRoles, cached; each caller gets its
// own copy of the slice.
func (d Directory) StaffRoles(ctx context.Context, email string) ([]directory.StaffRole, error) {
	roles, err := d.roles.Get(ctx, email, func(ctx context.Context) ([]directory.StaffRole, error) { return d.Queries.StaffRoles(ctx, email) })
	return slices.Clone(roles), err
}

// Gate is gate.Queries with Of cached.
type Gate struct {
	gate.Queries
	of *Cache[string, gate.Status]
}

// NewGate caches q's per-page read.
func NewGate(q gate.Queries) Gate {
	return Gate{Queries: q, of: New[string, gate.Status](rowsPerCache)}
}

// Of is gate.Queries.Of, cached.
func (g Gate) Of(ctx context.Context, learnerID string) (gate.Status, error) {
	return g.of.Get(ctx, learnerID, func(ctx context.Context) (gate.Status, error) { return g.Queries.Of(ctx, learnerID) })
}

// Breaches is breaches.Queries with Enabled cached.
type Breaches struct {
	breaches.Queries
	enabled *Cache[[2]string, bool]
}

// NewBreaches caches q's per-page read.
func NewBreaches(q breaches.Queries) Breaches {
	return Breaches{Queries: q, enabled: New[[2]string, bool](10_000)}
}

// Enabled is breaches.Queries.Enabled, cached.
func (b Breaches) Enabled(ctx context.Context, partnerID, clientID string) (bool, error) {
	return b.enabled.Get(ctx, [2]string{partnerID, clientID}, func(ctx context.Context) (bool, error) {
		return b.Queries.Enabled(ctx, partnerID, clientID)
	})
}
