package pgtimeline

import (
	"context"
	"encoding/json"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/awareportal/portal/domain/learning"
	"github.com/awareportal/portal/domain/mailing"
	"github.com/awareportal/portal/domain/team"
	"github.com/awareportal/portal/internal/eventstore"
	"github.com/awareportal/portal/projections"
	"github.com/awareportal/portal/projections/timeline"
)

// rows is what apply reads and writes. sqlRows asks PostgreSQL for each
// read; pageRows, for a rebuild's page, reads everything the page needs
// in three statements first and keeps it up to date as the page writes.
// Both write the same statements.
type rows interface {
	learner(ctx context.Context, id, clientID, email, first, last string) error
	mail(ctx context.Context, mailID, subject, kind string) error
	course(ctx context.Context, assignmentID, title string) error
	// link ties stream to learners; linkByEmail to the learners with that
	// email; linkAs to the learners another stream (a cause) is tied to.
	link(ctx context.Context, stream string, learnerIDs ...string) error
	linkByEmail(ctx context.Context, stream, email string) error
	linkAs(ctx context.Context, stream, cause string) error
	// followed marks the stream's opened links as followed by a sign-in.
	followed(ctx context.Context, stream string) error
	entry(ctx context.Context, learnerID string, rec eventstore.RecordedEvent, at any, kind, cat string, d timeline.Details) error

	linked(ctx context.Context, stream string) ([]string, error)
	title(ctx context.Context, assignmentID string) string
	name(ctx context.Context, learnerID string) string
	subject(ctx context.Context, mailID string) string
}

type sqlRows struct{ tx pgx.Tx }

func (s sqlRows) learner(ctx context.Context, id, clientID, email, first, last string) error {
	_, err := s.tx.Exec(ctx, `INSERT INTO learners (id, client_id, email, name) VALUES ($1,$2,$3,$4)`, id, clientID, email, fullName(first, last))
	return err
}

// fullName is "first last", without the space when one is empty.
func fullName(first, last string) string { return strings.Trim(first+" "+last, " ") }

func (s sqlRows) mail(ctx context.Context, mailID, subject, kind string) error {
	_, err := s.tx.Exec(ctx, `INSERT INTO mails (mail_id, subject, kind) VALUES ($1,$2,$3) ON CONFLICT DO NOTHING`, mailID, subject, kind)
	return err
}

func (s sqlRows) course(ctx context.Context, assignmentID, title string) error {
	_, err := s.tx.Exec(ctx, `INSERT INTO courses (assignment_id, title) VALUES ($1,$2) ON CONFLICT DO NOTHING`, assignmentID, title)
	return err
}

func (s sqlRows) link(ctx context.Context, stream string, learnerIDs ...string) error {
	for _, id := range learnerIDs {
		if _, err := s.tx.Exec(ctx, `INSERT INTO links (stream, learner_id) VALUES ($1,$2) ON CONFLICT DO NOTHING`, stream, id); err != nil {
			return err
		}
	}
	return nil
}

func (s sqlRows) linkByEmail(ctx context.Context, stream, email string) error {
	if email == "" {
		return nil
	}
	_, err := s.tx.Exec(ctx, `INSERT INTO links (stream, learner_id) SELECT $1, id FROM learners WHERE email = $2 ON CONFLICT DO NOTHING`, stream, email)
	return err
}

// linkByEmailReturning links and returns the learners it newly linked.
func (s sqlRows) linkByEmailReturning(ctx context.Context, stream, email string) ([]string, error) {
	if email == "" {
		return nil, nil
	}
	return s.collect(ctx, `INSERT INTO links (stream, learner_id) SELECT $1, id FROM learners WHERE email = $2 ON CONFLICT DO NOTHING RETURNING learner_id`, stream, email)
}

func (s sqlRows) linkAs(ctx context.Context, stream, cause string) error {
	_, err := s.tx.Exec(ctx, `INSERT INTO links (stream, learner_id) SELECT $1, learner_id FROM links WHERE stream = $2 ON CONFLICT DO NOTHING`, stream, cause)
	return err
}

func (s sqlRows) linkAsReturning(ctx context.Context, stream, cause string) ([]string, error) {
	return s.collect(ctx, `INSERT INTO links (stream, learner_id) SELECT $1, learner_id FROM links WHERE stream = $2 ON CONFLICT DO NOTHING RETURNING learner_id`, stream, cause)
}

func (s sqlRows) collect(ctx context.Context, sql string, args ...any) ([]string, error) {
	rs, err := s.tx.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rs, pgx.RowTo[string])
}

func (s sqlRows) followed(ctx context.Context, stream string) error {
	_, err := s.tx.Exec(ctx, `UPDATE entries SET details = details || '{"followed": true}' WHERE stream = $1 AND kind = 'link_opened'`, stream)
	return err
}

func (s sqlRows) entry(ctx context.Context, learnerID string, rec eventstore.RecordedEvent, at any, kind, cat string, d timeline.Details) error {
	details, err := json.Marshal(d)
	if err != nil {
		return err
	}
	_, err = s.tx.Exec(ctx, `INSERT INTO entries (learner_id, seq, commit_pos, at, kind, category, stream, actor, details) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`,
		learnerID, int64(rec.Position.Prepare), int64(rec.Position.Commit), at, kind, cat, rec.Stream, rec.Metadata.ActorID, details)
	return err
}

func (s sqlRows) linked(ctx context.Context, stream string) ([]string, error) {
	return s.collect(ctx, `SELECT learner_id FROM links WHERE stream = $1`, stream)
}

func (s sqlRows) title(ctx context.Context, assignmentID string) string {
	return s.one(ctx, `SELECT title FROM courses WHERE assignment_id = $1`, assignmentID)
}

func (s sqlRows) name(ctx context.Context, learnerID string) string {
	return s.one(ctx, `SELECT name FROM learners WHERE id = $1`, learnerID)
}

func (s sqlRows) subject(ctx context.Context, mailID string) string {
	return s.one(ctx, `SELECT subject FROM mails WHERE mail_id = $1`, mailID)
}

// one is a text the timeline shows beside an entry; none is "".
func (s sqlRows) one(ctx context.Context, sql string, arg string) string {
	var v string
	_ = s.tx.QueryRow(ctx, sql, arg).Scan(&v)
	return v
}

// pageRows is sqlRows for a rebuild's page: what the page's events read
// (the links of its streams, its courses' titles, its mails' subjects,
// the names its reminders show) is read in one go before the page is
// applied, and kept as the page writes, so applying it sends writes only
// (pipelined) but for the rare link by email or by cause.
type pageRows struct {
	sqlRows
	entries  []entryRow       // written with COPY at the page's end
	opened   map[string][]int // of entries, the link_opened ones by stream
	links    map[string][]string
	titles   map[string]string
	subjects map[string]string
	names    map[string]string
}

// ApplyPage applies a rebuild's page as Apply would, event by event.
func (Projection) ApplyPage(ctx context.Context, tx pgx.Tx, page []projections.Event) error {
	w, err := newPageRows(ctx, tx, page)
	if err != nil {
		return err
	}
	for _, ev := range page {
		if err := apply(ctx, w, ev.Rec, ev.Event); err != nil {
			return err
		}
	}
	return w.copyEntries(ctx)
}

type entryRow struct {
	learnerID, kind, cat, stream, actor string
	seq, commit                         int64
	at                                  any
	details                             timeline.Details
}

func (w *pageRows) entry(_ context.Context, learnerID string, rec eventstore.RecordedEvent, at any, kind, cat string, d timeline.Details) error {
	if kind == "link_opened" {
		w.opened[rec.Stream] = append(w.opened[rec.Stream], len(w.entries))
	}
	w.entries = append(w.entries, entryRow{learnerID: learnerID, kind: kind, cat: cat, stream: rec.Stream, actor: rec.Metadata.ActorID,
		seq: int64(rec.Position.Prepare), commit: int64(rec.Position.Commit), at: at, details: d})
	return nil
}

// followed marks the stream's opened links written before this page (in
// PostgreSQL) and in it so far (not written yet).
func (w *pageRows) followed(ctx context.Context, stream string) error {
	for _, i := range w.opened[stream] {
		w.entries[i].details.Followed = true
	}
	return w.sqlRows.followed(ctx, stream)
}

func (w *pageRows) copyEntries(ctx context.Context) error {
	if len(w.entries) == 0 {
		return nil
	}
	rows := make([][]any, len(w.entries))
	for i, e := range w.entries {
		details, err := json.Marshal(e.details)
		if err != nil {
			return err
		}
		rows[i] = []any{e.learnerID, e.seq, e.commit, e.at, e.kind, e.cat, e.stream, e.actor, details}
	}
	_, err := w.tx.CopyFrom(ctx, pgx.Identifier{"entries"}, []string{"learner_id", "seq", "commit_pos", "at", "kind", "category", "stream", "actor", "details"}, pgx.CopyFromRows(rows))
	return err
}

func newPageRows(ctx context.Context, tx pgx.Tx, page []projections.Event) (*pageRows, error) {
	w := &pageRows{sqlRows: sqlRows{tx}, opened: map[string][]int{}, links: map[string][]string{}, titles: map[string]string{}, subjects: map[string]string{}, names: map[string]string{}}
	var streams, assignments, mails, learners []string
	seen := map[string]bool{}
	for _, ev := range page {
		if !seen[ev.Rec.Stream] {
			seen[ev.Rec.Stream] = true
			streams = append(streams, ev.Rec.Stream)
			w.links[ev.Rec.Stream] = nil
		}
		switch e := ev.Event.(type) {
		case learning.CourseAssigned:
			assignments = append(assignments, e.AssignmentID)
		case learning.CourseBecameAvailable:
			assignments = append(assignments, e.AssignmentID)
		case learning.CourseBecameOverdue:
			assignments = append(assignments, e.AssignmentID)
		case learning.CourseStarted:
			assignments = append(assignments, e.AssignmentID)
		case learning.ProgressSaved:
			assignments = append(assignments, e.AssignmentID)
		case learning.QuizSubmitted:
			assignments = append(assignments, e.AssignmentID)
		case learning.CourseCompleted:
			assignments = append(assignments, e.AssignmentID)
		case learning.CertificateRequested:
			assignments = append(assignments, e.AssignmentID)
		case mailing.MailQueued:
			mails = append(mails, e.MailID)
		case mailing.MailSent:
			mails = append(mails, e.MailID)
		case mailing.MailFailed:
			mails = append(mails, e.MailID)
		case team.ReminderSent:
			learners = append(learners, e.ManagerID, e.LearnerID)
		}
	}
	b := &pgx.Batch{}
	b.Queue(`SELECT stream, learner_id FROM links WHERE stream = ANY($1)`, streams).Query(func(rs pgx.Rows) error {
		var stream, id string
		_, err := pgx.ForEachRow(rs, []any{&stream, &id}, func() error {
			w.links[stream] = append(w.links[stream], id)
			return nil
		})
		return err
	})
	for _, q := range []struct {
		sql  string
		keys []string
		into map[string]string
	}{
		{`SELECT assignment_id, title FROM courses WHERE assignment_id = ANY($1)`, assignments, w.titles},
		{`SELECT mail_id, subject FROM mails WHERE mail_id = ANY($1)`, mails, w.subjects},
		{`SELECT id, name FROM learners WHERE id = ANY($1)`, learners, w.names},
	} {
		if len(q.keys) == 0 {
			continue
		}
		b.Queue(q.sql, q.keys).Query(func(rs pgx.Rows) error {
			var k, v string
			_, err := pgx.ForEachRow(rs, []any{&k, &v}, func() error {
				q.into[k] = v
				return nil
			})
			return err
		})
	}
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return nil, err
	}
	return w, nil
}

func (w *pageRows) learner(ctx context.Context, id, clientID, email, first, last string) error {
	w.names[id] = fullName(first, last)
	return w.sqlRows.learner(ctx, id, clientID, email, first, last)
}

func (w *pageRows) mail(ctx context.Context, mailID, subject, kind string) error {
	if _, ok := w.subjects[mailID]; !ok { // the first one stays (ON CONFLICT DO NOTHING)
		w.subjects[mailID] = subject
	}
	return w.sqlRows.mail(ctx, mailID, subject, kind)
}

func (w *pageRows) course(ctx context.Context, assignmentID, title string) error {
	if _, ok := w.titles[assignmentID]; !ok {
		w.titles[assignmentID] = title
	}
	return w.sqlRows.course(ctx, assignmentID, title)
}

func (w *pageRows) link(ctx context.Context, stream string, learnerIDs ...string) error {
	w.add(stream, learnerIDs...)
	return w.sqlRows.link(ctx, stream, learnerIDs...)
}

func (w *pageRows) add(stream string, learnerIDs ...string) {
	for _, id := range learnerIDs {
		if !slices.Contains(w.links[stream], id) {
			w.links[stream] = append(w.links[stream], id)
		}
	}
}

func (w *pageRows) linkByEmail(ctx context.Context, stream, email string) error {
	ids, err := w.linkByEmailReturning(ctx, stream, email)
	w.add(stream, ids...)
	return err
}

func (w *pageRows) linkAs(ctx context.Context, stream, cause string) error {
	ids, err := w.linkAsReturning(ctx, stream, cause)
	w.add(stream, ids...)
	return err
}

func (w *pageRows) linked(ctx context.Context, stream string) ([]string, error) {
	ids, ok := w.links[stream]
	if !ok { // not a stream of the page: never, but ask rather than guess
		return w.sqlRows.linked(ctx, stream)
	}
	return slices.Clone(ids), nil
}

func (w *pageRows) title(_ context.Context, assignmentID string) string {
	return w.titles[assignmentID]
}
func (w *pageRows) subject(_ context.Context, mailID string) string { return w.subjects[mailID] }

func (w *pageRows) name(ctx context.Context, learnerID string) string {
	if v, ok := w.names[learnerID]; ok {
		return v
	}
	return w.sqlRows.name(ctx, learnerID)
}
