package learning

// BadgeID names a badge; it is stored in read models, so it never changes.
type BadgeID string

// The badges, and what earns each.
const (
	BadgeFirstSteps    BadgeID = "first-steps"   // first course completed
	BadgeFirstTry      BadgeID = "first-try"     // passed a quiz at the first attempt
	BadgePerfectScore  BadgeID = "perfect-score" // 100% on a quiz
	BadgeQuickStarter  BadgeID = "quick-starter" // completed within 48 hours of it becoming available
	BadgePunctual      BadgeID = "punctual"      // three on-time completions in a row
	BadgeCompletionist BadgeID = "completionist" // five courses completed
)

// Badge is a badge as learners see it. Icon is the inner markup of a
// 24×24 stroked SVG (no emoji: not every machine has the font).
type Badge struct {
	ID          BadgeID
	Name        string
	Description string
	Icon        string
}

// Badges lists every badge, in the order My Stats shows them.
func Badges() []Badge {
	return []Badge{
		{BadgeFirstSteps, "First Steps", "Completed your first course", `<path d="M6 3v18M6 4h11l-2.5 4L17 12H6" />`},
		{BadgeFirstTry, "First Try", "Passed a quiz at the first attempt", `<path d="M13 2 4 14h7l-1 8 9-12h-7z" />`},
		{BadgePerfectScore, "Perfect Score", "Scored 100% on a quiz", `<path d="m12 2 3 6.5 7 .8-5.2 4.8 1.4 7L12 17.6 5.8 21l1.4-7L2 9.3l7-.8z" />`},
		{BadgeQuickStarter, "Quick Starter", "Finished a course within 48 hours of it opening", `<path d="M5 12h14M13 6l6 6-6 6" />`},
		{BadgePunctual, "Punctual", "Three courses in a row finished on time", `<circle cx="12" cy="12" r="9" /><path d="M12 7v5l3 2" />`},
		{BadgeCompletionist, "Completionist", "Completed five courses", `<path d="M8 21h8M12 17v4M7 4h10v5a5 5 0 0 1-10 0zM7 6H4a3 3 0 0 0 3 4M17 6h3a3 3 0 0 1-3 4" />`},
	}
}

// QuickStartWindow is how soon after a course opens finishing it earns Quick Starter.
const QuickStartWindow = 48 * 60 * 60 // seconds

// BadgeFacts is what a completion's badges depend on.
type BadgeFacts struct {
	Completed       int  // courses completed, this one included
	Score, Attempts int  // this completion's
	LastThreeOnTime bool // the last three completions (this one included) were on time
	QuickStart      bool // finished within QuickStartWindow of becoming available
}

// EarnedBadges are the badges a completion with these facts earns (a
// learner keeps a badge once earned; awarding one twice changes nothing).
func EarnedBadges(f BadgeFacts) []BadgeID {
	var out []BadgeID
	if f.Completed >= 1 {
		out = append(out, BadgeFirstSteps)
	}
	if f.Attempts == 1 {
		out = append(out, BadgeFirstTry)
	}
	if f.Score == 100 {
		out = append(out, BadgePerfectScore)
	}
	if f.QuickStart {
		out = append(out, BadgeQuickStarter)
	}
	if f.LastThreeOnTime {
		out = append(out, BadgePunctual)
	}
	if f.Completed >= 5 {
		out = append(out, BadgeCompletionist)
	}
	return out
}
