package learning

// RiskInput is what the risk score is computed from (docs/risk-score.md).
type RiskInput struct {
	Available   int     // assigned courses that are available (due or done)
	Completed   int     // of those, completed
	OnTime      int     // of those completed, on or before the due date
	OverdueOpen int     // past their due date and still not completed
	AvgScore    float64 // average counted quiz score, 0-100, of completed courses
	// PasswordBreaches are unresolved Password Exposed breaches (Dark Web
	// Monitoring), counted only while monitoring is on for the learner.
	PasswordBreaches int
	// PhishingCompromises are phishing simulations sent in the last 12
	// months whose link the learner clicked or where they submitted data;
	// PhishingReports those they reported (docs/phishing.md).
	PhishingCompromises int
	PhishingReports     int
}

// PasswordBreachPenalty is what one unresolved password breach costs, up
// to MaxPasswordBreaches of them.
const (
	PasswordBreachPenalty = 10
	MaxPasswordBreaches   = 2
)

// The phishing factor: a compromise in a simulation sent in the last 12
// months costs PhishingCompromisePenalty points, up to
// MaxPhishingCompromises of them; a report earns PhishingReportCredit,
// up to MaxPhishingReports of them.
const (
	PhishingCompromisePenalty = 5
	MaxPhishingCompromises    = 4
	PhishingReportCredit      = 2
	MaxPhishingReports        = 3
)

// Risk is the learner's score from 0 (high risk) to 100 (low risk):
//
//	40 × completion rate (1 when nothing is due yet)
//	+ 40 × average quiz score / 100 (0.5 before any quiz)
//	+ 20 × on-time share of completions (0.5 before any completion)
//	− 10 per course overdue now (at most −30)
//	− 10 per unresolved password breach (at most −20)
//	− 5 per phishing simulation compromised in the last 12 months (at most −20)
//	+ 2 per phishing simulation reported in the last 12 months (at most +6)
//
// clamped to 0..100 and rounded.
func Risk(in RiskInput) int {
	completion, quiz, onTime := 1.0, 0.5, 0.5
	if in.Available > 0 {
		completion = float64(in.Completed) / float64(in.Available)
	}
	if in.Completed > 0 {
		quiz = in.AvgScore / 100
		onTime = float64(in.OnTime) / float64(in.Completed)
	}
	score := 40*completion + 40*quiz + 20*onTime - 10*float64(min(in.OverdueOpen, 3)) -
		PasswordBreachPenalty*float64(min(in.PasswordBreaches, MaxPasswordBreaches))
	score += -PhishingCompromisePenalty*float64(min(in.PhishingCompromises, MaxPhishingCompromises)) +
		PhishingReportCredit*float64(min(in.PhishingReports, MaxPhishingReports))
	return int(max(0, min(100, score+0.5)))
}

// NotRated is the label of a learner who has no score yet (Rated).
const NotRated = "Not rated yet"

// Rated reports whether a learner has a score yet: from their first
// completed course or the first due date that passed without completion
// (a course became overdue), whichever comes first. Before that the
// formula has no evidence of the learner's own doing (a course assigned
// minutes ago would read "Poor, 30"), so the score is not shown, and its
// history starts only then. Completions and overdue courses never go
// away, so once rated, always rated.
func Rated(in RiskInput) bool { return in.Completed > 0 || in.OverdueOpen > 0 }

// Label is what the learner reads beside a score: its band, or NotRated.
func Label(score int, rated bool) string {
	if !rated {
		return NotRated
	}
	return Band(score)
}

// Band is the plain-English label of a risk score.
func Band(score int) string {
	switch {
	case score >= 90:
		return "Exceptional"
	case score >= 75:
		return "Very Good"
	case score >= 60:
		return "Good"
	case score >= 40:
		return "Needs Work"
	default:
		return "Poor"
	}
}
