// Package readcache keeps in the process the read-model rows that every
// signed-in page reads (the learner, their partner's brand, their
// onboarding gate, whether their client has breach monitoring, the staff
// roles of their email), so a page costs the session lookup and its own
// queries, not five more; and a course's leaderboard, the same for every
// learner of a client until someone completes the course.
//
// A cached row is used only while the read model it came from is
// unchanged, on every process: each projection whose rows are cached
// (pgrunner.Cached) counts its row of read_model_epochs up in the
// transaction of every batch that changed them, and the session lookup
// every signed-in request makes reads the epochs in the same statement
// (auth.Session.ReadEpochs). A request carries them in its context
// (WithEpochs); a row cached at another epoch of its read model is read
// again. A request
// without an epoch (no session, the admin API, a job) always reads the
// read model. Sessions themselves are never cached: signing out, or
// ending a session from another device, takes effect on the next request
// everywhere.
//
// The web layer gives the epochs only to the reads it makes before a
// handler runs, to the page frame, and to the leaderboard's handler, none
// of which a learner action of the same request changes; a handler that
// writes and then reads sees the read model itself.
package readcache

import (
	"context"
	"slices"
	"sync"

	"github.com/awareportal/portal/projections/breaches"
	"github.com/awareportal/portal/projections/directory"
	"github.com/awareportal/portal/projections/gate"
	"github.com/awareportal/portal/projections/phishing"
	"github.com/awareportal/portal/projections/policies"
	"github.com/awareportal/portal/projections/progress"
)

type epochsKey struct{}

// WithEpochs returns ctx carrying the read models' epochs (by projection
// name) read with the request's session: reads through this package may
// use rows cached at those epochs. A nil map is no epochs: nothing cached.
func WithEpochs(ctx context.Context, epochs map[string]int64) context.Context {
	if epochs == nil {
		return ctx
	}
	return context.WithValue(ctx, epochsKey{}, epochs)
}

// Cache holds rows of one read model by key, all read at one epoch of it:
// the newest a request has shown. Rows of an older epoch are dropped when a
// newer one arrives; a request still at an older epoch reads the read
// model and stores nothing.
type Cache[K comparable, V any] struct {
	readModel string
	mu        sync.Mutex
	epoch     int64
	rows      map[K]V
	max       int
	// Hits and misses, for tests and metrics.
	hits, misses int64
}

// New returns a cache of rows of readModel (a projection's name), of at
// most max rows (when full, it starts again empty: the rows are small and
// cheap to read again).
func New[K comparable, V any](readModel string, max int) *Cache[K, V] {
	return &Cache[K, V]{readModel: readModel, rows: map[K]V{}, max: max}
}

// Get returns key's row: cached at ctx's epoch of the read model, or read
// by load (and kept when that epoch is the newest seen). Errors are not
// cached. Without epochs in ctx it is load.
func (c *Cache[K, V]) Get(ctx context.Context, key K, load func(context.Context) (V, error)) (V, error) {
	epochs, ok := ctx.Value(epochsKey{}).(map[string]int64)
	if !ok {
		return load(ctx)
	}
	epoch := epochs[c.readModel] // 0 until the read model first changes
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

type learnerEpochsKey struct{}

type learnerEpochs struct {
	learnerID string
	epochs    map[string]int64
}

// WithLearnerEpochs returns ctx carrying the epochs of learnerID's own rows
// (by projection name: read_model_learner_epochs) read with the request's
// session: reads of that learner's rows through a LearnerCache may use
// rows cached at those and at the read models' epochs (WithEpochs, which
// ctx must carry too). Reads of any other learner's rows are not cached.
func WithLearnerEpochs(ctx context.Context, learnerID string, epochs map[string]int64) context.Context {
	if learnerID == "" {
		return ctx
	}
	return context.WithValue(ctx, learnerEpochsKey{}, learnerEpochs{learnerID: learnerID, epochs: epochs})
}

// LearnerCache holds one learner's rows of a read model per learner, each
// with the epochs it was read at: the read model's and the learner's own
// (pgrunner.LearnerCached counts the latter up for every batch that
// changed that learner's rows, and the former for what changes many).
type LearnerCache[V any] struct {
	readModel string
	mu        sync.Mutex
	rows      map[string]learnerRow[V]
	max       int
	// Hits and misses, for tests and metrics.
	hits, misses int64
}

type learnerRow[V any] struct {
	epoch, learnerEpoch int64
	v                   V
}

// NewLearner returns a cache of learners' rows of readModel, for at most
// max learners (when full, it starts again empty).
func NewLearner[V any](readModel string, max int) *LearnerCache[V] {
	return &LearnerCache[V]{readModel: readModel, rows: map[string]learnerRow[V]{}, max: max}
}

// Get returns learnerID's rows: cached at ctx's epochs, or read by load
// (and kept unless a newer read is kept already). Errors are not cached.
// Without both kinds of epochs in ctx, for this learner, it is load.
func (c *LearnerCache[V]) Get(ctx context.Context, learnerID string, load func(context.Context) (V, error)) (V, error) {
	epochs, ok := ctx.Value(epochsKey{}).(map[string]int64)
	mine, ok2 := ctx.Value(learnerEpochsKey{}).(learnerEpochs)
	if !ok || !ok2 || mine.learnerID != learnerID {
		return load(ctx)
	}
	epoch, learnerEpoch := epochs[c.readModel], mine.epochs[c.readModel] // 0 until first counted
	c.mu.Lock()
	if r, ok := c.rows[learnerID]; ok && r.epoch == epoch && r.learnerEpoch == learnerEpoch {
		c.hits++
		c.mu.Unlock()
		return r.v, nil
	}
	c.misses++
	c.mu.Unlock()
	v, err := load(ctx)
	if err != nil {
		return v, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	r, ok := c.rows[learnerID]
	if ok && (r.epoch > epoch || r.epoch == epoch && r.learnerEpoch > learnerEpoch) {
		return v, nil // a newer read is kept
	}
	if !ok && len(c.rows) >= c.max {
		clear(c.rows)
	}
	c.rows[learnerID] = learnerRow[V]{epoch: epoch, learnerEpoch: learnerEpoch, v: v}
	return v, nil
}

// Stats are the cache's hits and misses so far.
func (c *LearnerCache[V]) Stats() (hits, misses int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.hits, c.misses
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
	return Directory{Queries: q, learners: New[string, directory.Learner](directory.Name, rowsPerCache),
		partners: New[string, directory.Partner](directory.Name, 1_000), roles: New[string, []directory.StaffRole](directory.Name, rowsPerCache)}
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
	return Gate{Queries: q, of: New[string, gate.Status](gate.Name, rowsPerCache)}
}

// Of is gate.Queries.Of, cached.
func (g Gate) Of(ctx context.Context, learnerID string) (gate.Status, error) {
	return g.of.Get(ctx, learnerID, func(ctx context.Context) (gate.Status, error) { return g.Queries.Of(ctx, learnerID) })
}

// Breaches is breaches.Queries with Enabled and a learner's Counts cached.
type Breaches struct {
	breaches.Queries
	enabled *Cache[[2]string, bool]
	counts  *LearnerCache[breaches.Counts]
}

// NewBreaches caches q's per-page reads.
func NewBreaches(q breaches.Queries) Breaches {
	return Breaches{Queries: q, enabled: New[[2]string, bool](breaches.Name, 10_000), counts: NewLearner[breaches.Counts](breaches.Name, rowsPerCache)}
}

// Counts is breaches.Queries.Counts, cached per learner.
func (b Breaches) Counts(ctx context.Context, learnerID string) (breaches.Counts, error) {
	return b.counts.Get(ctx, learnerID, func(ctx context.Context) (breaches.Counts, error) { return b.Queries.Counts(ctx, learnerID) })
}

// Phishing is phishing.Queries with a learner's Results cached (the
// client's rate depends on the time of the request: not cached).
type Phishing struct {
	phishing.Queries
	results *LearnerCache[[]phishing.Result]
}

// NewPhishing caches q's per-learner read.
func NewPhishing(q phishing.Queries) Phishing {
	return Phishing{Queries: q, results: NewLearner[[]phishing.Result](phishing.Name, rowsPerCache)}
}

// Results is phishing.Queries.Results, cached per learner; each caller
// gets its own copy of the list.
func (p Phishing) Results(ctx context.Context, learnerID string) ([]phishing.Result, error) {
	list, err := p.results.Get(ctx, learnerID, func(ctx context.Context) ([]phishing.Result, error) { return p.Queries.Results(ctx, learnerID) })
	return slices.Clone(list), err
}

// Enabled is breaches.Queries.Enabled, cached.
func (b Breaches) Enabled(ctx context.Context, partnerID, clientID string) (bool, error) {
	return b.enabled.Get(ctx, [2]string{partnerID, clientID}, func(ctx context.Context) (bool, error) {
		return b.Queries.Enabled(ctx, partnerID, clientID)
	})
}

// Progress is progress.Queries with the leaderboard cached: its top rows
// per client, course and length, and a learner's own row and rank. The
// progress projection counts its epoch up only for what changes them
// (a completion, a new learner's name).
type Progress struct {
	progress.Queries
	top         *Cache[leaderboardKey, []progress.Entry]
	rank        *Cache[leaderboardKey, rankRow]
	assignments *LearnerCache[[]progress.Assignment]
	stats       *LearnerCache[progress.Stats]
}

type leaderboardKey struct {
	client, course, learner string
	limit                   int
}

type rankRow struct {
	entry progress.Entry
	ok    bool
}

// NewProgress caches q's leaderboard reads.
func NewProgress(q progress.Queries) Progress {
	return Progress{Queries: q, top: New[leaderboardKey, []progress.Entry](progress.Name, 10_000),
		rank: New[leaderboardKey, rankRow](progress.Name, rowsPerCache), assignments: NewLearner[[]progress.Assignment](progress.Name, rowsPerCache),
		stats: NewLearner[progress.Stats](progress.Name, rowsPerCache)}
}

// Stats is progress.Queries.Stats, cached per learner; each caller gets
// its own copy of the history and badges.
func (p Progress) Stats(ctx context.Context, learnerID string) (progress.Stats, error) {
	s, err := p.stats.Get(ctx, learnerID, func(ctx context.Context) (progress.Stats, error) { return p.Queries.Stats(ctx, learnerID) })
	s.History, s.Badges = slices.Clone(s.History), slices.Clone(s.Badges)
	return s, err
}

// ForLearner is progress.Queries.ForLearner, cached per learner; each
// caller gets its own copy of the list.
func (p Progress) ForLearner(ctx context.Context, learnerID string) ([]progress.Assignment, error) {
	list, err := p.assignments.Get(ctx, learnerID, func(ctx context.Context) ([]progress.Assignment, error) {
		return p.Queries.ForLearner(ctx, learnerID)
	})
	return slices.Clone(list), err
}

// Policies is policies.Queries with a learner's requests cached.
type Policies struct {
	policies.Queries
	requests *LearnerCache[[]policies.Request]
}

// NewPolicies caches q's per-page read.
func NewPolicies(q policies.Queries) Policies {
	return Policies{Queries: q, requests: NewLearner[[]policies.Request](policies.Name, rowsPerCache)}
}

// ForLearner is policies.Queries.ForLearner, cached per learner; each
// caller gets its own copy of the list.
func (p Policies) ForLearner(ctx context.Context, learnerID string) ([]policies.Request, error) {
	list, err := p.requests.Get(ctx, learnerID, func(ctx context.Context) ([]policies.Request, error) {
		return p.Queries.ForLearner(ctx, learnerID)
	})
	return slices.Clone(list), err
}

// Leaderboard is progress.Queries.Leaderboard, cached; each caller gets
// its own copy of the rows.
func (p Progress) Leaderboard(ctx context.Context, clientID, courseID string, limit int) ([]progress.Entry, error) {
	rows, err := p.top.Get(ctx, leaderboardKey{client: clientID, course: courseID, limit: limit}, func(ctx context.Context) ([]progress.Entry, error) {
		return p.Queries.Leaderboard(ctx, clientID, courseID, limit)
	})
	return slices.Clone(rows), err
}

// LeaderboardRank is progress.Queries.LeaderboardRank, cached.
func (p Progress) LeaderboardRank(ctx context.Context, clientID, courseID, learnerID string) (progress.Entry, bool, error) {
	r, err := p.rank.Get(ctx, leaderboardKey{client: clientID, course: courseID, learner: learnerID}, func(ctx context.Context) (rankRow, error) {
		e, ok, err := p.Queries.LeaderboardRank(ctx, clientID, courseID, learnerID)
		return rankRow{e, ok}, err
	})
	return r.entry, r.ok, err
}
