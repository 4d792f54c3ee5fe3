package web

import (
	"fmt"
	"html"
	"math"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	dom "github.com/awareportal/portal/domain/learning"
	"github.com/awareportal/portal/internal/i18n"
	"github.com/awareportal/portal/internal/when"
	"github.com/awareportal/portal/projections/progress"
	"github.com/awareportal/portal/views"
)

// showStats answers "am I behind?" and "what does my score mean?".
func (s *Server) showStats(c *fiber.Ctx) error {
	l, _ := learnerOf(c)
	// The learner's own rows (a GET: cached at the session's epochs).
	mine := s.learnerReads(c)
	list, err := s.Progress.ForLearner(mine, l.ID)
	if err != nil {
		return err
	}
	st, err := s.Progress.Stats(mine, l.ID)
	if err != nil {
		return err
	}
	tr := i18n.From(c.UserContext())
	p, err := s.learnerPage(c, tr.T("stats.title"), "stats", list)
	if err != nil {
		return err
	}
	now := s.Clock.Now()
	label := dom.Label(st.Risk, st.Rated)
	v := views.StatsView{
		Rated: st.Rated, Risk: st.Risk, Band: bandName(tr, label), Completions: st.Completed, CompletionRate: st.CompletionRate(), AvgScore: "—",
	}
	if st.Rated {
		v.Chart = riskChart(tr, st.History, st.Risk, now, l.Location())
	}
	if s.Breaches != nil {
		counts, on, err := s.Breaches.Counts(mine, l)
		if err != nil {
			return err
		}
		v.Breaches, v.BreachesActive, v.PasswordBreaches = on, counts.Active, counts.ActivePassword
	}
	if s.Phishing != nil {
		sum, err := s.Phishing.Summary(mine, l.ID, l.ClientID)
		if err != nil {
			return err
		}
		v.Phishing = phishingView(sum, l.ClientName, now, l.Location())
	}
	v.BandClass = "band-" + strings.ReplaceAll(strings.ToLower(label), " ", "-")
	if !st.Rated {
		v.BandClass = "band-unrated"
	}
	if st.Completed > 0 {
		v.AvgScore = tr.T("stats.percent", "Percent", tr.Number(int(math.RoundToEven(st.AvgScore))))
	}
	for _, a := range list {
		if a.IsDue(now) {
			v.Due++
		}
		if a.IsOverdue(now) {
			v.Overdue++
		}
	}
	earned := map[string]time.Time{}
	for _, b := range st.Badges {
		earned[b.ID] = b.EarnedAt
	}
	for _, b := range dom.Badges() {
		bv := views.BadgeView{Icon: b.Icon}
		bv.Name, bv.Description = badgeWords(tr, b)
		if at, ok := earned[string(b.ID)]; ok {
			bv.Earned, bv.EarnedOn = true, when.ShortIn(tr, at, now, l.Location())
		}
		v.Badges = append(v.Badges, bv)
	}
	return render(c, fiber.StatusOK, views.StatsPage(p, v), nil)
}

// bandName is a risk band's name (learning.Label's English, the band's
// stable name) in tr's language.
func bandName(tr *i18n.Translator, label string) string {
	switch label {
	case dom.NotRated:
		return tr.T("risk.not_rated")
	case "Exceptional":
		return tr.T("risk.exceptional")
	case "Very Good":
		return tr.T("risk.very_good")
	case "Good":
		return tr.T("risk.good")
	case "Needs Work":
		return tr.T("risk.needs_work")
	case "Poor":
		return tr.T("risk.poor")
	}
	return label
}

// badgeWords are a badge's name and what earns it, in tr's language.
func badgeWords(tr *i18n.Translator, b dom.Badge) (name, text string) {
	switch b.ID {
	case dom.BadgeFirstSteps:
		return tr.T("badge.first_steps.name"), tr.T("badge.first_steps.text")
	case dom.BadgeFirstTry:
		return tr.T("badge.first_try.name"), tr.T("badge.first_try.text")
	case dom.BadgePerfectScore:
		return tr.T("badge.perfect_score.name"), tr.T("badge.perfect_score.text")
	case dom.BadgeQuickStarter:
		return tr.T("badge.quick_starter.name"), tr.T("badge.quick_starter.text")
	case dom.BadgePunctual:
		return tr.T("badge.punctual.name"), tr.T("badge.punctual.text")
	case dom.BadgeCompletionist:
		return tr.T("badge.completionist.name"), tr.T("badge.completionist.text")
	}
	return b.Name, b.Description
}

// riskChart draws the score's history as an SVG step line (no script, no
// inline style: the CSP allows neither); its dates are days in loc, its
// words in tr's language.
func riskChart(tr *i18n.Translator, points []progress.RiskPoint, current int, now time.Time, loc *time.Location) string {
	const w, h, left, right, top, bottom = 640.0, 220.0, 36.0, 12.0, 12.0, 28.0
	if len(points) == 0 {
		points = []progress.RiskPoint{{At: now.Add(-30 * 24 * time.Hour), Score: current}}
	}
	start := points[0].At
	if span := now.Sub(start); span < 7*24*time.Hour {
		start = now.Add(-7 * 24 * time.Hour)
	}
	x := func(t time.Time) float64 {
		return left + (w-left-right)*float64(t.Sub(start))/float64(now.Sub(start))
	}
	y := func(score int) float64 { return top + (h-top-bottom)*(1-float64(score)/100) }
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %.0f %.0f" role="img" aria-label="%s">`, w, h, html.EscapeString(tr.T("stats.chart.label", "Score", tr.Number(current))))
	for _, band := range []struct {
		from, to int
		class    string
	}{{0, 40, "#fde8e8"}, {40, 60, "#fff4e5"}, {60, 75, "#e8f0fe"}, {75, 90, "#def7ec"}, {90, 100, "#ede9fe"}} {
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>`, left, y(band.to), w-left-right, y(band.from)-y(band.to), band.class)
	}
	for _, s := range []int{0, 40, 60, 75, 90, 100} {
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="11" fill="#616e7c" text-anchor="end">%d</text>`, left-6, y(s)+4, s)
	}
	var path strings.Builder
	prev := points[0]
	fmt.Fprintf(&path, "M%.1f %.1f", x(prev.At), y(prev.Score))
	for _, p := range points[1:] {
		fmt.Fprintf(&path, " H%.1f V%.1f", x(p.At), y(p.Score))
		prev = p
	}
	fmt.Fprintf(&path, " H%.1f", x(now))
	fmt.Fprintf(&b, `<path d="%s" fill="none" stroke="currentColor" stroke-width="3" stroke-linejoin="round"/>`, path.String())
	for _, p := range points {
		fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="3.5" fill="currentColor"><title>%s: %d</title></circle>`, x(p.At), y(p.Score), html.EscapeString(tr.Date(p.At.In(loc))), p.Score)
	}
	fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="11" fill="#616e7c">%s</text>`, left, h-8, html.EscapeString(tr.DayMonth(start.In(loc))))
	fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="11" fill="#616e7c" text-anchor="end">%s</text>`, w-right, h-8, html.EscapeString(tr.T("stats.chart.today")))
	b.WriteString(`</svg>`)
	return b.String()
}
