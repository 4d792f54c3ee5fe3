package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/awareportal/portal/domain/tenancy"
	"github.com/awareportal/portal/internal/i18n"
	"github.com/awareportal/portal/internal/readcache"
	"github.com/awareportal/portal/views"
)

// leaderboardRows is how many ranks the board shows.
const leaderboardRows = 25

// showLeaderboard ranks the learner's organisation by time to complete a
// course they completed. Clients can hide it, or show others anonymously.
func (s *Server) showLeaderboard(c *fiber.Ctx) error {
	l, _ := learnerOf(c)
	mode := tenancy.LeaderboardMode(l.LeaderboardMode)
	if mode == tenancy.LeaderboardHidden {
		return fiber.ErrNotFound
	}
	// The learner's own rows (a GET: cached at the session's epochs).
	list, err := s.Progress.ForLearner(s.learnerReads(c), l.ID)
	if err != nil {
		return err
	}
	tr := i18n.From(c.UserContext())
	p, err := s.learnerPage(c, tr.T("leaderboard.title"), "leaderboard", list)
	if err != nil {
		return err
	}
	v := views.LeaderboardView{Organisation: l.ClientName, Anonymised: mode == tenancy.LeaderboardAnonymised}
	want := c.Query("course")
	var courseID string
	seen := map[string]bool{}
	for _, a := range list {
		if a.CompletedAt == nil || seen[a.CourseID] {
			continue
		}
		seen[a.CourseID] = true
		title, lang := s.courseTitleLang(c.UserContext(), a.CourseID, a.CourseVersion, a.Title)
		if courseID == "" || a.CourseID == want {
			courseID, v.CourseTitle, v.CourseLang = a.CourseID, title, lang
		}
		v.Courses = append(v.Courses, views.CourseOption{ID: a.CourseID, Title: title, Lang: lang})
	}
	if want != "" && !seen[want] {
		return fiber.NewError(fiber.StatusNotFound, tr.T("leaderboard.pick"))
	}
	for i := range v.Courses {
		v.Courses[i].Selected = v.Courses[i].ID == courseID
	}
	if courseID != "" {
		// The same for every learner of the client until someone completes
		// the course: cached at the session's epochs (internal/readcache);
		// this handler writes nothing.
		sess, _ := sessionOf(c)
		cached := readcache.WithEpochs(c.UserContext(), sess.ReadEpochs)
		rows, err := s.Progress.Leaderboard(cached, l.ClientID, courseID, leaderboardRows)
		if err != nil {
			return err
		}
		found := false
		for _, e := range rows {
			row := views.LeaderRow{Rank: e.Rank, Name: e.Name, Time: duration(tr, e.TimeTakenSecs), You: e.LearnerID == l.ID}
			found = found || row.You
			v.Rows = append(v.Rows, dress(tr, row, v.Anonymised))
		}
		if !found {
			if me, ok, err := s.Progress.LeaderboardRank(cached, l.ClientID, courseID, l.ID); err != nil {
				return err
			} else if ok {
				row := dress(tr, views.LeaderRow{Rank: me.Rank, Name: me.Name, Time: duration(tr, me.TimeTakenSecs), You: true}, v.Anonymised)
				v.You = &row
			}
		}
	}
	return render(c, fiber.StatusOK, views.LeaderboardPage(p, v), views.LeaderboardPanel(v))
}

// dress adds medals and hides colleagues' names when anonymised.
func dress(tr *i18n.Translator, r views.LeaderRow, anonymised bool) views.LeaderRow {
	switch r.Rank {
	case 1:
		r.Medal = "gold"
	case 2:
		r.Medal = "silver"
	case 3:
		r.Medal = "bronze"
	}
	if anonymised && !r.You {
		r.Name = tr.T("leaderboard.colleague")
	}
	return r
}
