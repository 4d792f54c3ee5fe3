package web

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/awareportal/portal/domain/tenancy"
	"github.com/awareportal/portal/internal/eventstore"
	"github.com/awareportal/portal/internal/i18n"
	"github.com/awareportal/portal/internal/readcache"
	"github.com/awareportal/portal/projections/progress"
	"github.com/awareportal/portal/views"
)

// learnerPage is the layout data for a signed-in learner's page: the
// partner's brand, the nav, and the due banner from their assignments
// (loaded unless the handler already has them).
func (s *Server) learnerPage(c *fiber.Ctx, title, nav string, list []progress.Assignment) (views.Page, error) {
	l, _ := learnerOf(c)
	sess, signedIn := sessionOf(c)
	// The page frame's rows may come from the cache at the session's epochs
	// (internal/readcache): no learner action changes them.
	cached := readcache.WithEpochs(c.UserContext(), sess.ReadEpochs)
	partner, err := s.Dir.Partner(cached, l.PartnerID)
	if err != nil {
		return views.Page{}, err
	}
	p := s.page(c, title, brandOf(partner))
	p.Nav = nav
	p.ShowLeaderboard = l.LeaderboardMode != string(tenancy.LeaderboardHidden)
	p.ShowTeam = l.IsManager
	if s.Breaches != nil {
		if p.ShowBreaches, err = s.Breaches.Enabled(cached, l); err != nil {
			return views.Page{}, err
		}
	}
	if signedIn {
		if roles, err := s.Auth.StaffRoles(cached, sess); err == nil && len(roles) > 0 {
			p.ShowStaff = true
		}
	}
	if list == nil {
		if list, err = s.Progress.ForLearner(s.learnerReads(c), l.ID); err != nil {
			return views.Page{}, err
		}
	}
	now := s.Clock.Now()
	var due, overdue int
	for _, a := range list {
		if a.IsDue(now) {
			due++
		}
		if a.IsOverdue(now) {
			overdue++
		}
	}
	var policiesDue, policiesOverdue int
	if s.Policies != nil {
		reqs, err := s.policyRequests(c, l.ID)
		if err != nil {
			return views.Page{}, err
		}
		for _, r := range reqs {
			if r.Outstanding {
				policiesDue++
			}
			if r.IsOverdue(now) {
				policiesOverdue++
			}
		}
		p.PoliciesDue = policiesDue
	}
	if overdue+policiesOverdue > 0 || due+policiesDue > 1 {
		p.Banner = &views.DueBanner{Due: due, Overdue: overdue + policiesOverdue, Policies: policiesDue}
	}
	return p, nil
}

// waitFor gives the learner their own change back: it waits (briefly) until
// every read model (the learning one, and the timeline of My activity) has
// applied the event at pos. From then on the request reads the read
// models themselves, not rows cached before its write (learnerReads).
func (s *Server) waitFor(c *fiber.Ctx, pos eventstore.Position) {
	if pos == (eventstore.Position{}) {
		return
	}
	c.Locals(keyWrote, true)
	s.waitForAll(c.UserContext(), pos)
}

// learnerReads is the context to read the signed-in learner's own rows
// with (their assignments, their policy requests): on a GET that wrote
// nothing, rows cached at the epochs read with the session may answer
// (internal/readcache); after a write (waitFor), or for any other
// method, the read models do.
func (s *Server) learnerReads(c *fiber.Ctx) context.Context {
	sess, ok := sessionOf(c)
	if !ok || c.Locals(keyWrote) != nil || (c.Method() != fiber.MethodGet && c.Method() != fiber.MethodHead) {
		return c.UserContext()
	}
	return readcache.WithLearnerEpochs(readcache.WithEpochs(c.UserContext(), sess.ReadEpochs), sess.LearnerID, sess.LearnerEpochs)
}

const day = 24 * time.Hour

// duration writes a time taken the way people say it, in tr's language.
func duration(tr *i18n.Translator, secs int64) string {
	d := time.Duration(secs) * time.Second
	switch {
	case d < time.Minute:
		return tr.T("player.took.under_minute")
	case d < time.Hour:
		return tr.T("player.took.minutes", "Minutes", tr.Number(int(d.Minutes())))
	case d < day:
		h, m := int(d.Hours()), int(d.Minutes())%60
		if m == 0 {
			return tr.T("player.took.hours", "Hours", tr.Number(h))
		}
		return tr.T("player.took.hours_minutes", "Hours", tr.Number(h), "Minutes", tr.Number(m))
	default:
		days, h := int(d/day), int(d.Hours())%24
		if h == 0 {
			return tr.N("player.took.days", days)
		}
		return tr.T("player.took.days_hours", "Days", tr.Number(days), "Hours", tr.Number(h))
	}
}

// waitForAll waits briefly until every projection has applied pos.
func (s *Server) waitForAll(ctx context.Context, pos eventstore.Position) {
	if pos == (eventstore.Position{}) {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if err := s.Runner.WaitFor(ctx, pos); err != nil {
		s.Log.Warn("read models lagging", "err", err)
	}
}
