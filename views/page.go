// Package views renders the portal's pages, fragments and emails with templ.
// Every view takes a typed struct; generated *_templ.go files are committed.
package views

// Brand is the partner branding a page wears.
type Brand struct {
	Name     string // partner name, or the product name before we know the partner
	Slug     string
	LogoURL  string // empty: show the name only
	ThemeURL string // per-partner CSS with the accent colour
}

// User is the signed-in person shown in the header menu.
type User struct {
	Name, Email, Organisation string
}

// Page is what the layout needs.
type Page struct {
	Title           string
	Brand           Brand
	User            *User // nil when signed out
	CSRF            string
	DevMail         bool   // embedded mode: link to the dev outbox
	Nav             string // active nav item
	ShowLeaderboard bool
	ShowTeam        bool       // the learner has direct reports: My Team
	ShowBreaches    bool       // Dark Web Monitoring is on for the learner: Breaches
	Banner          *DueBanner // nil: nothing to nudge about
	Flash           string     // a toast to show on load (no-JS flows)
	StaffNav        bool       // the staff area's navigation
	ShowStaff       bool       // a learner who is also staff: link to the staff area
	Onboarding      bool       // onboarding gates the learner pages: no learner nav
	PortalOff       bool       // the learner's portal is switched off: no learner nav (every link would lead to the same page)
	PoliciesDue     int        // policies the learner has to sign (nav count)
	// CanSwitch: the session's sign-in proved more than one learner (one
	// email at several organisations): the account menu offers "Switch
	// organisation".
	CanSwitch bool
	// Language is the language menu in the header.
	Language LangMenu
}

// DueBanner nudges a learner who is overdue or has several courses due.
type DueBanner struct {
	Due, Overdue int // courses due; courses and policies overdue
	Policies     int // policies to sign
}
