package pgprogress

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/awareportal/portal/domain/breach"
	dir "github.com/awareportal/portal/domain/directory"
	dom "github.com/awareportal/portal/domain/learning"
	"github.com/awareportal/portal/domain/phishing"
	"github.com/awareportal/portal/projections"
)

// facts is what apply writes and what its scores read. sqlFacts asks
// PostgreSQL for every read; pageFacts, for a rebuild's page, reads the
// page's learners' facts in one batch first and keeps them as the page
// writes them. Both send the same writes, and both compute scores in Go
// from the same facts (riskOf, badgesOf), so they cannot disagree on
// arithmetic.
type facts interface {
	exec(ctx context.Context, sql string, args ...any) error

	// Writes a score depends on: pageFacts mirrors them.
	addLearner(ctx context.Context, ev dir.LearnerProvisioned) error
	addAssignment(ctx context.Context, ev dom.CourseAssigned) error
	// setAssignment runs an UPDATE of assignment id and applies change to
	// the assignment's facts.
	setAssignment(ctx context.Context, id string, change func(*assignmentFacts), sql string, args ...any) error
	addExposures(ctx context.Context, learnerID string, ids []string, password []bool) error
	resolveExposure(ctx context.Context, learnerID, breachID string, resolved bool) error
	switchPartner(ctx context.Context, partnerID string, enabled bool) error
	switchClient(ctx context.Context, clientID, partnerID string, enabled bool) error
	phishingResult(ctx context.Context, ev phishing.ResultRecorded) error

	// Reads.
	riskInput(ctx context.Context, learnerID string, at time.Time) (dom.RiskInput, error)
	// setStats writes a learner's stats and returns the risk and rating
	// they replace (nil: none yet).
	setStats(ctx context.Context, learnerID string, in dom.RiskInput, risk int, rated bool) (*int, *bool, error)
	badgeFacts(ctx context.Context, ev dom.CourseCompleted) (dom.BadgeFacts, error)
	// exposed lists, in order, the learners of a partner (or, with
	// partnerID "", of a client) with an unresolved password breach.
	exposed(ctx context.Context, partnerID, clientID string) ([]string, error)
}

// assignmentFacts is what scores read of an assignment.
type assignmentFacts struct {
	id, learnerID string
	availableFrom time.Time
	available     bool
	overdue       bool
	completedAt   *time.Time
	score         *int
	onTime        *bool
}

// phishingSince is the start of the 12 months of phishing simulations a
// score counts, as of at.
func phishingSince(at time.Time) time.Time { return at.AddDate(-1, 0, 0) }

// riskOf is a learner's risk input from their facts. avg is the sum and
// count of completed courses' scores.
func riskOf(in dom.RiskInput, scoreSum, scored int) dom.RiskInput {
	if scored > 0 {
		in.AvgScore = float64(scoreSum) / float64(scored)
	}
	return in
}

type sqlFacts struct{ tx pgx.Tx }

func (s sqlFacts) exec(ctx context.Context, sql string, args ...any) error {
	_, err := s.tx.Exec(ctx, sql, args...)
	return err
}

func (s sqlFacts) addLearner(ctx context.Context, ev dir.LearnerProvisioned) error {
	return s.exec(ctx, `INSERT INTO learners (id, client_id, first_name, last_name) VALUES ($1,$2,$3,$4)`,
		ev.LearnerID, ev.ClientID, ev.FirstName, ev.LastName)
}

func (s sqlFacts) addAssignment(ctx context.Context, ev dom.CourseAssigned) error {
	return s.exec(ctx, `INSERT INTO assignments (id, learner_id, client_id, course_id, course_version, title, lessons, pass_mark, available_from, due_at, assigned_at)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)`,
		ev.AssignmentID, ev.LearnerID, ev.ClientID, ev.CourseID, ev.CourseVersion, ev.CourseTitle, ev.Lessons, ev.PassMark, ev.AvailableFrom, ev.DueAt, ev.At)
}

func (s sqlFacts) setAssignment(ctx context.Context, _ string, _ func(*assignmentFacts), sql string, args ...any) error {
	return s.exec(ctx, sql, args...)
}

func (s sqlFacts) addExposures(ctx context.Context, learnerID string, ids []string, password []bool) error {
	// One statement however many breaches (an import brings thousands).
	if err := s.exec(ctx, `INSERT INTO breach_exposures (learner_id, breach_id, password)
			SELECT $1, b.id, b.password FROM unnest($2::text[], $3::boolean[]) AS b(id, password) ON CONFLICT DO NOTHING`,
		learnerID, ids, password); err != nil {
		return fmt.Errorf("breach exposures: %w", err)
	}
	return nil
}

func (s sqlFacts) resolveExposure(ctx context.Context, learnerID, breachID string, resolved bool) error {
	return s.exec(ctx, `UPDATE breach_exposures SET resolved = $3 WHERE learner_id = $1 AND breach_id = $2`, learnerID, breachID, resolved)
}

func (s sqlFacts) switchPartner(ctx context.Context, partnerID string, enabled bool) error {
	return s.exec(ctx, `INSERT INTO breach_partners (partner_id, enabled) VALUES ($1,$2) ON CONFLICT (partner_id) DO UPDATE SET enabled = $2`, partnerID, enabled)
}

func (s sqlFacts) switchClient(ctx context.Context, clientID, partnerID string, enabled bool) error {
	return s.exec(ctx, `INSERT INTO breach_clients (client_id, partner_id, enabled) VALUES ($1,$2,$3) ON CONFLICT (client_id) DO UPDATE SET enabled = $3`, clientID, partnerID, enabled)
}

func (s sqlFacts) phishingResult(ctx context.Context, ev phishing.ResultRecorded) error {
	if err := s.exec(ctx, `INSERT INTO phishing_results (learner_id, campaign_id, sent_at, compromised, reported) VALUES ($1,$2,$3,$4,$5)
		ON CONFLICT (learner_id, campaign_id) DO UPDATE SET sent_at = $3, compromised = $4, reported = $5`,
		ev.LearnerID, ev.CampaignID, ev.SentAt, ev.Compromised(), ev.Reported()); err != nil {
		return fmt.Errorf("phishing result: %w", err)
	}
	return nil
}

func (s sqlFacts) riskInput(ctx context.Context, learnerID string, at time.Time) (dom.RiskInput, error) {
	var in dom.RiskInput
	var sum, scored int
	err := s.tx.QueryRow(ctx, `SELECT
			count(*) FILTER (WHERE available),
			count(*) FILTER (WHERE completed_at IS NOT NULL),
			count(*) FILTER (WHERE on_time),
			count(*) FILTER (WHERE overdue AND completed_at IS NULL),
			coalesce(sum(score) FILTER (WHERE completed_at IS NOT NULL), 0),
			count(score) FILTER (WHERE completed_at IS NOT NULL),
			(SELECT count(*) FROM breach_exposures b JOIN learners l ON l.id = b.learner_id
				JOIN breach_clients c ON c.client_id = l.client_id AND c.enabled
				JOIN breach_partners p ON p.partner_id = c.partner_id AND p.enabled
				WHERE b.learner_id = $1 AND b.password AND NOT b.resolved),
			(SELECT count(*) FILTER (WHERE compromised) FROM phishing_results WHERE learner_id = $1 AND sent_at > $2),
			(SELECT count(*) FILTER (WHERE reported) FROM phishing_results WHERE learner_id = $1 AND sent_at > $2)
		FROM assignments WHERE learner_id = $1`, learnerID, phishingSince(at)).Scan(&in.Available, &in.Completed, &in.OnTime, &in.OverdueOpen, &sum, &scored,
		&in.PasswordBreaches, &in.PhishingCompromises, &in.PhishingReports)
	return riskOf(in, sum, scored), err
}

func (s sqlFacts) setStats(ctx context.Context, learnerID string, in dom.RiskInput, risk int, rated bool) (*int, *bool, error) {
	var previous *int
	var wasRated *bool
	err := s.tx.QueryRow(ctx, `INSERT INTO learner_stats (learner_id, available, completed, on_time, overdue_open, avg_score, risk, password_breaches, rated)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)
		ON CONFLICT (learner_id) DO UPDATE SET available = $2, completed = $3, on_time = $4, overdue_open = $5, avg_score = $6, risk = $7, password_breaches = $8, rated = $9
		RETURNING (SELECT risk FROM learner_stats WHERE learner_id = $1), (SELECT rated FROM learner_stats WHERE learner_id = $1)`,
		learnerID, in.Available, in.Completed, in.OnTime, in.OverdueOpen, in.AvgScore, risk, in.PasswordBreaches, rated).Scan(&previous, &wasRated)
	return previous, wasRated, err
}

// writeStats is setStats's write alone.
func (s sqlFacts) writeStats(ctx context.Context, learnerID string, in dom.RiskInput, risk int, rated bool) error {
	return s.exec(ctx, `INSERT INTO learner_stats (learner_id, available, completed, on_time, overdue_open, avg_score, risk, password_breaches, rated)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)
		ON CONFLICT (learner_id) DO UPDATE SET available = $2, completed = $3, on_time = $4, overdue_open = $5, avg_score = $6, risk = $7, password_breaches = $8, rated = $9`,
		learnerID, in.Available, in.Completed, in.OnTime, in.OverdueOpen, in.AvgScore, risk, in.PasswordBreaches, rated)
}

func (s sqlFacts) badgeFacts(ctx context.Context, ev dom.CourseCompleted) (dom.BadgeFacts, error) {
	var f dom.BadgeFacts
	err := s.tx.QueryRow(ctx, `SELECT
			(SELECT count(*) FROM assignments WHERE learner_id = $1 AND completed_at IS NOT NULL),
			(SELECT count(*) = 3 AND bool_and(on_time) FROM (SELECT on_time FROM assignments WHERE learner_id = $1 AND completed_at IS NOT NULL ORDER BY completed_at DESC, id COLLATE "C" DESC LIMIT 3) t),
			coalesce((SELECT $3 <= available_from + make_interval(secs => $4) FROM assignments WHERE id = $2), false)`,
		ev.LearnerID, ev.AssignmentID, ev.At, dom.QuickStartWindow).Scan(&f.Completed, &f.LastThreeOnTime, &f.QuickStart)
	return f, err
}

func (s sqlFacts) exposed(ctx context.Context, partnerID, clientID string) ([]string, error) {
	where, arg := `l.client_id IN (SELECT client_id FROM breach_clients WHERE partner_id = $1)`, partnerID
	if partnerID == "" {
		where, arg = `l.client_id = $1`, clientID
	}
	rows, err := s.tx.Query(ctx, `SELECT DISTINCT b.learner_id FROM breach_exposures b JOIN learners l ON l.id = b.learner_id
		WHERE b.password AND NOT b.resolved AND `+where+` ORDER BY b.learner_id`, arg)
	if err != nil {
		return nil, fmt.Errorf("learners with password breaches: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("learners with password breaches: %w", err)
	}
	return ids, nil
}

// pageFacts is sqlFacts for a rebuild's page. It holds the facts of the
// learners it loaded (all of a learner's, read after every write before
// it was sent: the pipeline sends queued writes before any read) and of
// every breach-monitoring switch, and keeps them as the page writes;
// writes to learners it did not load go to PostgreSQL only, where a
// later load finds them.
type pageFacts struct {
	sqlFacts
	loaded      map[string]*learnerFacts
	assignments map[string]*assignmentFacts // of loaded learners, by id
	partners    map[string]bool
	clients     map[string]clientSwitch
}

type learnerFacts struct {
	exists      bool // a learners row
	clientID    string
	assignments []*assignmentFacts
	exposures   map[string]*exposureFacts // by breach
	phishing    map[string]phishingFacts  // by campaign
	stats       *statsFacts
}

type exposureFacts struct{ password, resolved bool }

type phishingFacts struct {
	sentAt                time.Time
	compromised, reported bool
}

type statsFacts struct {
	risk  int
	rated bool
}

type clientSwitch struct {
	partnerID string
	enabled   bool
}

// ApplyPage applies a rebuild's page as Apply would, event by event.
func (p Projection) ApplyPage(ctx context.Context, tx pgx.Tx, page []projections.Event) error {
	f := &pageFacts{sqlFacts: sqlFacts{tx}, loaded: map[string]*learnerFacts{}, assignments: map[string]*assignmentFacts{},
		partners: map[string]bool{}, clients: map[string]clientSwitch{}}
	if err := f.switches(ctx); err != nil {
		return err
	}
	var ids []string
	for _, ev := range page {
		if id := learnerOf(ev.Event); id != "" {
			ids = append(ids, id)
		}
	}
	if err := f.load(ctx, ids); err != nil {
		return err
	}
	for _, ev := range page {
		if err := apply(ctx, f, ev.Rec, ev.Event); err != nil {
			return err
		}
	}
	return nil
}

// learnerOf is the learner whose facts an event writes or reads.
func learnerOf(e any) string {
	switch ev := e.(type) {
	case dir.LearnerProvisioned:
		return ev.LearnerID
	case dom.CourseAssigned:
		return ev.LearnerID
	case dom.CourseBecameAvailable:
		return ev.LearnerID
	case dom.CourseStarted:
		return ev.LearnerID
	case dom.CourseBecameOverdue:
		return ev.LearnerID
	case dom.CourseCompleted:
		return ev.LearnerID
	case breach.ExposuresRecorded:
		return ev.LearnerID
	case breach.ExposureResolved:
		return ev.LearnerID
	case breach.ExposureReopened:
		return ev.LearnerID
	case phishing.ResultRecorded:
		return ev.LearnerID
	}
	return ""
}

func (f *pageFacts) switches(ctx context.Context) error {
	b := &pgx.Batch{}
	b.Queue(`SELECT partner_id, enabled FROM breach_partners`).Query(func(rs pgx.Rows) error {
		var id string
		var on bool
		_, err := pgx.ForEachRow(rs, []any{&id, &on}, func() error { f.partners[id] = on; return nil })
		return err
	})
	b.Queue(`SELECT client_id, partner_id, enabled FROM breach_clients`).Query(func(rs pgx.Rows) error {
		var id string
		var c clientSwitch
		_, err := pgx.ForEachRow(rs, []any{&id, &c.partnerID, &c.enabled}, func() error { f.clients[id] = c; return nil })
		return err
	})
	if err := f.tx.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("breach monitoring switches: %w", err)
	}
	return nil
}

// load reads the facts of the learners not loaded yet, in one batch.
func (f *pageFacts) load(ctx context.Context, ids []string) error {
	var want []string
	for _, id := range ids {
		if _, ok := f.loaded[id]; !ok {
			f.loaded[id] = &learnerFacts{exposures: map[string]*exposureFacts{}, phishing: map[string]phishingFacts{}}
			want = append(want, id)
		}
	}
	if len(want) == 0 {
		return nil
	}
	b := &pgx.Batch{}
	b.Queue(`SELECT id, client_id FROM learners WHERE id = ANY($1)`, want).Query(func(rs pgx.Rows) error {
		var id, client string
		_, err := pgx.ForEachRow(rs, []any{&id, &client}, func() error {
			l := f.loaded[id]
			l.exists, l.clientID = true, client
			return nil
		})
		return err
	})
	b.Queue(`SELECT id, learner_id, available_from, available, overdue, completed_at, score, on_time FROM assignments WHERE learner_id = ANY($1)`, want).Query(func(rs pgx.Rows) error {
		for rs.Next() {
			a := &assignmentFacts{}
			if err := rs.Scan(&a.id, &a.learnerID, &a.availableFrom, &a.available, &a.overdue, &a.completedAt, &a.score, &a.onTime); err != nil {
				return err
			}
			f.assignments[a.id] = a
			f.loaded[a.learnerID].assignments = append(f.loaded[a.learnerID].assignments, a)
		}
		return rs.Err()
	})
	b.Queue(`SELECT learner_id, breach_id, password, resolved FROM breach_exposures WHERE learner_id = ANY($1)`, want).Query(func(rs pgx.Rows) error {
		var id, breachID string
		var e exposureFacts
		_, err := pgx.ForEachRow(rs, []any{&id, &breachID, &e.password, &e.resolved}, func() error {
			f.loaded[id].exposures[breachID] = &exposureFacts{password: e.password, resolved: e.resolved}
			return nil
		})
		return err
	})
	b.Queue(`SELECT learner_id, campaign_id, sent_at, compromised, reported FROM phishing_results WHERE learner_id = ANY($1)`, want).Query(func(rs pgx.Rows) error {
		var id, campaign string
		var r phishingFacts
		_, err := pgx.ForEachRow(rs, []any{&id, &campaign, &r.sentAt, &r.compromised, &r.reported}, func() error {
			f.loaded[id].phishing[campaign] = r
			return nil
		})
		return err
	})
	b.Queue(`SELECT learner_id, risk, rated FROM learner_stats WHERE learner_id = ANY($1)`, want).Query(func(rs pgx.Rows) error {
		var id string
		var s statsFacts
		_, err := pgx.ForEachRow(rs, []any{&id, &s.risk, &s.rated}, func() error {
			f.loaded[id].stats = &statsFacts{risk: s.risk, rated: s.rated}
			return nil
		})
		return err
	})
	if err := f.tx.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("facts of %d learners: %w", len(want), err)
	}
	return nil
}

// pgTime is t as PostgreSQL keeps it: pgx sends microseconds, truncated.
func pgTime(t time.Time) time.Time { return t.Truncate(time.Microsecond) }

func (f *pageFacts) addLearner(ctx context.Context, ev dir.LearnerProvisioned) error {
	if l, ok := f.loaded[ev.LearnerID]; ok && !l.exists {
		l.exists, l.clientID = true, ev.ClientID
	}
	return f.sqlFacts.addLearner(ctx, ev)
}

func (f *pageFacts) addAssignment(ctx context.Context, ev dom.CourseAssigned) error {
	if l, ok := f.loaded[ev.LearnerID]; ok {
		if _, dup := f.assignments[ev.AssignmentID]; !dup { // a duplicate fails the INSERT, and the page
			a := &assignmentFacts{id: ev.AssignmentID, learnerID: ev.LearnerID, availableFrom: pgTime(ev.AvailableFrom)}
			f.assignments[a.id] = a
			l.assignments = append(l.assignments, a)
		}
	}
	return f.sqlFacts.addAssignment(ctx, ev)
}

func (f *pageFacts) setAssignment(ctx context.Context, id string, change func(*assignmentFacts), sql string, args ...any) error {
	if a, ok := f.assignments[id]; ok {
		change(a)
	}
	return f.exec(ctx, sql, args...)
}

func (f *pageFacts) addExposures(ctx context.Context, learnerID string, ids []string, password []bool) error {
	if l, ok := f.loaded[learnerID]; ok {
		for i, id := range ids {
			if _, dup := l.exposures[id]; !dup {
				l.exposures[id] = &exposureFacts{password: password[i]}
			}
		}
	}
	return f.sqlFacts.addExposures(ctx, learnerID, ids, password)
}

func (f *pageFacts) resolveExposure(ctx context.Context, learnerID, breachID string, resolved bool) error {
	if l, ok := f.loaded[learnerID]; ok {
		if e, ok := l.exposures[breachID]; ok {
			e.resolved = resolved
		}
	}
	return f.sqlFacts.resolveExposure(ctx, learnerID, breachID, resolved)
}

func (f *pageFacts) switchPartner(ctx context.Context, partnerID string, enabled bool) error {
	f.partners[partnerID] = enabled
	return f.sqlFacts.switchPartner(ctx, partnerID, enabled)
}

func (f *pageFacts) switchClient(ctx context.Context, clientID, partnerID string, enabled bool) error {
	c, ok := f.clients[clientID]
	if !ok {
		c.partnerID = partnerID // ON CONFLICT keeps the partner it had
	}
	c.enabled = enabled
	f.clients[clientID] = c
	return f.sqlFacts.switchClient(ctx, clientID, partnerID, enabled)
}

func (f *pageFacts) phishingResult(ctx context.Context, ev phishing.ResultRecorded) error {
	if l, ok := f.loaded[ev.LearnerID]; ok {
		l.phishing[ev.CampaignID] = phishingFacts{sentAt: pgTime(ev.SentAt), compromised: ev.Compromised(), reported: ev.Reported()}
	}
	return f.sqlFacts.phishingResult(ctx, ev)
}

func (f *pageFacts) learner(ctx context.Context, id string) (*learnerFacts, error) {
	if err := f.load(ctx, []string{id}); err != nil {
		return nil, err
	}
	return f.loaded[id], nil
}

func (f *pageFacts) riskInput(ctx context.Context, learnerID string, at time.Time) (dom.RiskInput, error) {
	l, err := f.learner(ctx, learnerID)
	if err != nil {
		return dom.RiskInput{}, err
	}
	var in dom.RiskInput
	sum, scored := 0, 0
	for _, a := range l.assignments {
		done := a.completedAt != nil
		if a.available {
			in.Available++
		}
		if done {
			in.Completed++
			if a.score != nil {
				sum += *a.score
				scored++
			}
		}
		if a.onTime != nil && *a.onTime {
			in.OnTime++
		}
		if a.overdue && !done {
			in.OverdueOpen++
		}
	}
	if c, ok := f.clients[l.clientID]; l.exists && ok && c.enabled && f.partners[c.partnerID] {
		for _, e := range l.exposures {
			if e.password && !e.resolved {
				in.PasswordBreaches++
			}
		}
	}
	since := pgTime(phishingSince(at))
	for _, r := range l.phishing {
		if r.sentAt.After(since) {
			if r.compromised {
				in.PhishingCompromises++
			}
			if r.reported {
				in.PhishingReports++
			}
		}
	}
	return riskOf(in, sum, scored), nil
}

func (f *pageFacts) setStats(ctx context.Context, learnerID string, in dom.RiskInput, risk int, rated bool) (*int, *bool, error) {
	l, err := f.learner(ctx, learnerID)
	if err != nil {
		return nil, nil, err
	}
	var previous *int
	var wasRated *bool
	if l.stats != nil {
		r, rd := l.stats.risk, l.stats.rated
		previous, wasRated = &r, &rd
	}
	l.stats = &statsFacts{risk: risk, rated: rated}
	return previous, wasRated, f.writeStats(ctx, learnerID, in, risk, rated)
}

func (f *pageFacts) badgeFacts(ctx context.Context, ev dom.CourseCompleted) (dom.BadgeFacts, error) {
	l, err := f.learner(ctx, ev.LearnerID)
	if err != nil {
		return dom.BadgeFacts{}, err
	}
	a, ok := f.assignments[ev.AssignmentID]
	if !ok { // another learner's assignment, or none: ask
		return f.sqlFacts.badgeFacts(ctx, ev)
	}
	var done []*assignmentFacts
	for _, x := range l.assignments {
		if x.completedAt != nil {
			done = append(done, x)
		}
	}
	slices.SortFunc(done, func(x, y *assignmentFacts) int { // completed_at DESC, id DESC
		if c := y.completedAt.Compare(*x.completedAt); c != 0 {
			return c
		}
		return strings.Compare(y.id, x.id)
	})
	last := done[:min(len(done), 3)]
	f0 := dom.BadgeFacts{Completed: len(done), LastThreeOnTime: len(last) == 3}
	for _, x := range last {
		if x.onTime != nil && !*x.onTime { // bool_and skips NULL
			f0.LastThreeOnTime = false
		}
	}
	f0.QuickStart = !pgTime(ev.At).After(a.availableFrom.Add(dom.QuickStartWindow * time.Second))
	return f0, nil
}

func (f *pageFacts) exposed(ctx context.Context, partnerID, clientID string) ([]string, error) {
	ids, err := f.sqlFacts.exposed(ctx, partnerID, clientID)
	if err != nil {
		return nil, err
	}
	return ids, f.load(ctx, ids)
}
